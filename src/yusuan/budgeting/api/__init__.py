"""The budgeting API (issue 18 item 7): rounds, drafts, control numbers, 批复 and the indicators
they generated. ``ROUTERS`` are mounted by ``yusuan.api.root``."""

from __future__ import annotations

from ninja import Router

ROUTERS: list[Router] = []
