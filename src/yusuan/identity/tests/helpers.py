"""Sign-in helpers for the throttle tests (ADR 0016): attempts from a chosen address, spaced so
that the growing delay does not refuse them unless a test wants it to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.test import Client

# A fixed moment: the tests move the clock by hand (time_machine), never depend on today.
MOMENT = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)
DEMO_PASSWORD = "Yusuan@2026"  # noqa: S105 - the published demo password
WRONG_PASSWORD = "not-the-password"  # noqa: S105
SPACED = settings.YUSUAN_LOGIN_DELAY_MAX_SECONDS + 1


def sign_in(
    username: str, password: str, *, address: str, client: Client | None = None
) -> HttpResponse:
    response: HttpResponse = (client or Client()).post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return response


def fail_sign_ins(
    traveller: Any, username: str, count: int, *, address: str, gap: int = SPACED
) -> list[int]:
    """``count`` wrong passwords for ``username`` from ``address``, ``gap`` seconds apart."""
    statuses = []
    for _ in range(count):
        statuses.append(sign_in(username, WRONG_PASSWORD, address=address).status_code)
        traveller.shift(gap)
    return statuses
