"""Sign-in throttling (ADR 0016) on django-axes' failure records, and the sign-in audit events.

Three limits, each counted over the cool-off window (``AXES_COOLOFF_TIME``):

1. **a name from one address** (``AXES_FAILURE_LIMIT``, 5): that name is locked *at that
   address*; the person it belongs to still signs in from anywhere else;
2. **one address, every name** (``YUSUAN_LOGIN_ADDRESS_FAILURE_LIMIT``, 30): the address is
   locked, which stops one machine from trying a few passwords on many names. High enough for a
   county bureau whose staff share one NAT address;
3. **a name from every address**: no lockout, a growing delay (1, 2, 4 … seconds, at most
   ``YUSUAN_LOGIN_DELAY_MAX_SECONDS``) before the next try, so that many machines together still
   guess slowly. An address the name signed in from before (``YUSUAN_LOGIN_KNOWN_ADDRESS_DAYS``)
   is exempt, so an attacker elsewhere cannot keep the real user waiting at their own desk.

A refused attempt never reaches the password check and is not counted as a failure
(``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``): nothing was guessed, and a lock ends
a fixed time after the failure that caused it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessLog

from yusuan.audit import context
from yusuan.audit.middleware import client_ip, session_hash
from yusuan.audit.services import security_event

PAIR = "pair"
ADDRESS = "address"
DELAY = "delay"
USERNAME_LENGTH_MAX = 150


def client_address(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the address the audit trail records (never X-Forwarded-For,
    which a client writes itself and would use to dodge the per-address limits)."""
    return client_ip(request) or None


@dataclass(frozen=True)
class LoginThrottle:
    """Where a name and an address stand; ``refused`` says why the next try is refused."""

    pair_failures: int
    address_failures: int
    name_failures: int
    known_address: bool
    refused: str = ""  # PAIR, ADDRESS, DELAY or ""
    retry_at: dt.datetime | None = None

    def retry_after_seconds(self, now: dt.datetime) -> int:
        if self.retry_at is None:
            return 0
        return max(1, math.ceil((self.retry_at - now).total_seconds()))


def delay_seconds(name_failures: int) -> int:
    """0 for the first few failures (typos), then 1, 2, 4 … up to the configured maximum."""
    free = settings.YUSUAN_LOGIN_DELAY_FREE_FAILURES
    if name_failures < free:
        return 0
    return int(min(2 ** (name_failures - free), settings.YUSUAN_LOGIN_DELAY_MAX_SECONDS))


def _recent(now: dt.datetime) -> QuerySet[AccessAttempt]:
    recent: QuerySet[AccessAttempt] = AccessAttempt.objects.filter(
        attempt_time__gte=now - settings.AXES_COOLOFF_TIME
    )
    return recent


def login_throttle(
    *, username: str, ip_address: str | None, now: dt.datetime | None = None
) -> LoginThrottle:
    now = now or timezone.now()
    cooloff = settings.AXES_COOLOFF_TIME
    rows = list(
        _recent(now)
        .filter(Q(username=username) | Q(ip_address=ip_address))
        .values_list("username", "ip_address", "failures_since_start", "attempt_time")
    )
    pair = [r for r in rows if r[0] == username and r[1] == ip_address]
    by_address = [r for r in rows if r[1] == ip_address and ip_address]
    by_name = [r for r in rows if r[0] == username]
    state = LoginThrottle(
        pair_failures=sum(r[2] for r in pair),
        address_failures=sum(r[2] for r in by_address),
        name_failures=sum(r[2] for r in by_name),
        known_address=_known_address(username, ip_address, now),
    )
    if state.pair_failures >= settings.AXES_FAILURE_LIMIT:
        return dataclasses.replace(state, refused=PAIR, retry_at=max(r[3] for r in pair) + cooloff)
    if state.address_failures >= settings.YUSUAN_LOGIN_ADDRESS_FAILURE_LIMIT:
        last = max(r[3] for r in by_address)
        return dataclasses.replace(state, refused=ADDRESS, retry_at=last + cooloff)
    wait = 0 if state.known_address else delay_seconds(state.name_failures)
    if wait:
        retry_at = max(r[3] for r in by_name) + dt.timedelta(seconds=wait)
        if retry_at > now:
            return dataclasses.replace(state, refused=DELAY, retry_at=retry_at)
    return state


def _known_address(username: str, ip_address: str | None, now: dt.datetime) -> bool:
    if not username or not ip_address:
        return False
    since = now - dt.timedelta(days=settings.YUSUAN_LOGIN_KNOWN_ADDRESS_DAYS)
    return bool(
        AccessLog.objects.filter(
            username=username, ip_address=ip_address, attempt_time__gte=since
        ).exists()
    )


def locked_usernames(usernames: list[str]) -> set[str]:
    """Names locked at one address or more (what an administrator's unlock clears)."""
    totals: dict[tuple[str, str | None], int] = {}
    for username, address, failures in (
        _recent(timezone.now())
        .filter(username__in=usernames)
        .values_list("username", "ip_address", "failures_since_start")
    ):
        totals[(username, address)] = totals.get((username, address), 0) + failures
    return {name for (name, _), count in totals.items() if count >= settings.AXES_FAILURE_LIMIT}


def request_throttle(request: HttpRequest, credentials: dict[str, Any] | None) -> LoginThrottle:
    username = str(get_client_username(request, credentials) or "")
    return login_throttle(username=username, ip_address=client_address(request))


class LoginThrottleHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """``AXES_HANDLER``: axes records the failures; this decides from them (see the module)."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return bool(request_throttle(request, credentials).refused)

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """Failures that count towards the lockout axes declares after a failure: the name's at
        this address, or the whole limit once the address itself is over its limit."""
        state = request_throttle(request, credentials)
        if state.address_failures >= settings.YUSUAN_LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(state.pair_failures, settings.AXES_FAILURE_LIMIT)
        return state.pair_failures

    def filter_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> list[QuerySet[AccessAttempt]]:
        """What a successful sign-in clears: that name's failures at that address only (not the
        address's failures under other names)."""
        username = get_client_username(request, credentials)
        return [
            AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address)  # type: ignore[attr-defined]
        ]

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        # Refused by the throttle before the password was checked (and so not counted).
        refused = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        locked_now = not refused and bool(getattr(request, "axes_locked_out", False))
        _record_failure(request, credentials, refused=refused, locked_now=locked_now)

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        # The session key changed at sign-in: record the new one, which later actions carry.
        bound = context.bind(
            dataclasses.replace(context.current(), session_hash=session_hash(request))
        )
        try:
            security_event(action="security.login.succeeded", actor=user, obj=user)
        finally:
            context.reset(bound)

    def user_logged_out(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        super().user_logged_out(sender, request, user, **kwargs)
        if user is not None:
            security_event(action="security.logout", actor=user, obj=user)


def _record_failure(
    request: HttpRequest | None,
    credentials: dict[str, Any] | None,
    *,
    refused: bool,
    locked_now: bool,
) -> None:
    from yusuan.identity.models import User

    typed = str((credentials or {}).get("username") or "")
    user = (
        User.objects.select_related("organisation").filter(username=typed).first()
        if typed
        else None
    )
    # A known name is recorded as it is. A name nobody holds is recorded as typed only if it
    # looks like a user name and not like a password (people type their password into the name
    # field); otherwise masked (ADR 0016). The password never is recorded.
    username = typed if user is not None else recorded_unknown_name(typed)
    username = username[:USERNAME_LENGTH_MAX]
    details: dict[str, Any] = {"username": username, "known_user": user is not None}
    if user is not None and user.is_system_account:
        details["system_account"] = True  # refused whatever the password (backends.py)
    target: dict[str, Any] = (
        {"obj": user}
        if user is not None
        else {"object_type": "identity.user", "object_repr": username}
    )
    state = (
        login_throttle(username=username, ip_address=client_address(request))
        if request is not None
        else None
    )
    now = timezone.now()
    if refused and state is not None:
        details.update(reason=state.refused, retry_after_seconds=state.retry_after_seconds(now))
    security_event(
        action="security.login.refused" if refused else "security.login.failed",
        actor=None,
        username=username,
        extra=details,
        **target,
    )
    if locked_now and state is not None:
        security_event(
            action="security.login.lockout",
            actor=None,
            username=username,
            extra={
                **details,
                "locked": state.refused,
                "failures": state.pair_failures
                if state.refused == PAIR
                else state.address_failures,
                # Read by a person on the audit page: local time (DESIGN §5), with its offset.
                "until": timezone.localtime(state.retry_at).isoformat(timespec="seconds")
                if state.retry_at
                else "",
            },
            **target,
        )


# What a user name looks like (lower-case letters, digits, ``_ . -``, starting with a letter).
USER_NAME_SHAPE = re.compile(r"[a-z][a-z0-9_.-]{2,39}")
# Digits in a name this long look like a password (the policy asks for 10 characters or more).
PASSWORD_LIKE_LENGTH = 10


def recorded_unknown_name(typed: str) -> str:
    """A name nobody holds, as the audit trail keeps it: as typed if it has a user name's shape
    and no password's (no digits at 10 characters or more); else its first two characters and
    its length, e.g. ``Yu…(11 characters)``, so that a password typed into the name field is
    never stored."""
    looks_like_password = len(typed) >= PASSWORD_LIKE_LENGTH and any(c.isdigit() for c in typed)
    if USER_NAME_SHAPE.fullmatch(typed) and not looks_like_password:
        return typed
    return f"{typed[:2]}…({len(typed)} characters)"
