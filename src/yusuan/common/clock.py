"""The business day a money event carries when the action itself names none (a freeze, a
reservation, a correction): today in Asia/Shanghai, unless a loader of past business — the demo
replaying a year, an import of history — says which day it is replaying (ADR 0053). The system
time of rows (``created_at``, ``posted_at``) stays the real time either way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_REPLAYED: ContextVar[dt.date | None] = ContextVar("replayed_business_day", default=None)


def business_day(moment: dt.datetime | None = None) -> dt.date:
    """The day being replayed, else the local date of ``moment`` (default: now)."""
    replayed = _REPLAYED.get()
    if replayed is not None:
        return replayed
    return timezone.localdate(moment) if moment is not None else timezone.localdate()


@contextmanager
def replaying(day: dt.date) -> Iterator[None]:
    """Inside the block, actions happen on ``day`` as far as their business day goes."""
    token = _REPLAYED.set(day)
    try:
        yield
    finally:
        _REPLAYED.reset(token)
