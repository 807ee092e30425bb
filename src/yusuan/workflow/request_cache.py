"""What a page's request computes once and several parts of the page read: the signed-in user's
inbox feeds the menu badge, the home page and the inbox page itself (issue 20: it was computed
twice on the inbox page, each time with its delegation and role queries)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from yusuan.workflow.selectors import inbox


def request_inbox(request: HttpRequest) -> list[Any]:
    """The signed-in user's inbox, computed once per request."""
    cached: list[Any] | None = getattr(request, "_yusuan_inbox", None)
    if cached is None:
        user: Any = request.user  # signed in: every caller checks it first
        cached = inbox(actor=user)
        request._yusuan_inbox = cached  # type: ignore[attr-defined]
    return cached
