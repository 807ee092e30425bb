"""The budgeting API (issue 18 item 7): rounds, drafts, control numbers, 批复 and the indicators
they generated. ``ROUTERS`` are mounted by ``yusuan.api.root``.

One module per what they hold: ``rounds`` (the calendar, the congress approval, progress and
breaches), ``drafts`` (a unit's 一上/二上 draft and its lines), ``control`` (a department's 一下
control numbers), ``replies`` (批复, their changes and the one-click indicators); ``common`` has
what they share (token scopes ``budgeting:read``/``budgeting:write``, a line as every endpoint
shows it, amounts in 元). Every operation id is ``yusuan_budgeting_api_<function>``."""

from __future__ import annotations

from ninja import Router

from yusuan.budgeting.api import control, drafts, replies, rounds

ROUTERS: list[Router] = [rounds.router, drafts.router, control.router, replies.router]
