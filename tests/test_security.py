"""DESIGN §7: argon2, lockout, session expiry, CSP without inline scripts, CSRF, safe production settings."""

import importlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "src" / "yusuan"


def test_production_settings_are_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YUSUAN_SECRET_KEY", "x" * 50)
    import yusuan.conf.base

    importlib.reload(yusuan.conf.base)
    prod = importlib.import_module("yusuan.conf.prod")
    prod = importlib.reload(prod)
    assert prod.DEBUG is False
    assert prod.SESSION_COOKIE_SECURE is True and prod.CSRF_COOKIE_SECURE is True
    assert prod.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert prod.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]
    assert prod.SESSION_EXPIRE_AT_BROWSER_CLOSE is True and prod.SESSION_COOKIE_AGE <= 3600


def test_production_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("YUSUAN_SECRET_KEY", "")
    import yusuan.conf.base

    importlib.reload(yusuan.conf.base)
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(importlib.import_module("yusuan.conf.prod"))


def test_argon2_is_what_real_passwords_use() -> None:
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        assert make_password("Yusuan@2026").startswith("argon2")


def test_csp_header_forbids_inline_scripts(client: Client) -> None:
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_has_inline_script_or_external_asset() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, f"inline script in {path}"
        assert not re.search(r"(src|href)=\"https?://", text), f"external asset in {path}"
        assert not re.search(r"<[^>]+\son[a-z]+=", text), f"inline event handler in {path}"


def test_lockout_after_repeated_failures(client: Client, user: Callable[[str], Any]) -> None:
    import datetime as dt

    from django.utils import timezone

    import time_machine

    def attempt(password: str) -> Any:
        return client.post("/accounts/login/", {"username": "school_clerk", "password": password})

    # Without waiting, the failures after the first few meet the growing delay (429, ADR 0016):
    # refused before the password check, not counted as failures, no lock.
    free = settings.YUSUAN_LOGIN_DELAY_FREE_FAILURES
    hurried = [attempt("wrong-password").status_code for _ in range(free + 1)]
    assert hurried == [200] * free + [429]
    assert "请 1 秒后再试" in attempt("wrong-password").content.decode()
    # Waiting out each delay, every try is a failure; the failure that reaches the limit is
    # answered with the lock, and so is the right password while the lock lasts.
    start = timezone.now()
    limit = settings.AXES_FAILURE_LIMIT
    for n in range(free, limit - 1):
        with time_machine.travel(start + dt.timedelta(minutes=n), tick=False):
            assert attempt("wrong-password").status_code == 200, n
    with time_machine.travel(start + dt.timedelta(minutes=limit), tick=False):
        last = attempt("wrong-password")
        locked = attempt("Yusuan@2026")
    for answer in (last, locked):
        assert answer.status_code == 429
        assert "账户已锁定" in answer.content.decode()


def test_login_with_the_right_password_works(client: Client, db: Any) -> None:
    response = client.post(
        "/accounts/login/", {"username": "school_clerk", "password": "Yusuan@2026"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_logout_needs_post(client_as: Callable[[str], Client]) -> None:
    client = client_as("school_clerk")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_is_audited(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    from yusuan.audit.models import AuditRecord

    client = client_as("school_clerk")
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "Yusuan@2026",
            "new_password1": "Another#Secret-2026",
            "new_password2": "Another#Secret-2026",
        },
    )
    assert response.status_code == 302
    assert AuditRecord.objects.filter(
        action="identity.password.change", actor_username="school_clerk"
    ).exists()
    assert user("school_clerk").check_password("Another#Secret-2026")


def test_forms_need_csrf(user: Callable[[str], Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("wj_admin"))
    response = client.post("/core/fiscal-years/open/", {"year": "2027"})
    assert response.status_code == 403


def test_inactive_user_sees_nothing(user: Callable[[str], Any]) -> None:
    from yusuan.core.models import Organisation

    clerk = user("edu_clerk")
    clerk.is_active = False
    assert Organisation.objects.visible_to(clerk).count() == 0


def test_an_idle_session_ends_and_a_busy_one_is_saved_once_a_minute(
    client: Client, db: Any
) -> None:
    """Sliding expiry (ADR 0051): each page keeps the session alive, but it is written at most
    once per SESSION_REFRESH_SECONDS; idle for SESSION_COOKIE_AGE, it is over."""
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    import time_machine

    start = timezone.now().replace(microsecond=0)
    age = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    refresh = settings.SESSION_REFRESH_SECONDS

    def expires() -> dt.datetime:
        return Session.objects.get().expire_date

    def page(at: dt.datetime) -> tuple[int, int]:
        """Status of the home page at ``at`` and the session writes it made."""
        with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as queries:
            response = client.get("/")
        writes = [q for q in queries.captured_queries if "django_session" in q["sql"]]
        return response.status_code, len([q for q in writes if not q["sql"].startswith("SELECT")])

    with time_machine.travel(start, tick=False):
        signed_in = client.post(
            "/accounts/login/", {"username": "school_clerk", "password": "Yusuan@2026"}
        )
    assert signed_in.status_code == 302
    assert page(start) == (200, 1)  # the first page marks the session
    assert expires() == start + age
    # Within the refresh interval: pages are served from the session without writing it.
    assert page(start + dt.timedelta(seconds=refresh - 1)) == (200, 0)
    assert expires() == start + age
    # Past it: the next page saves it, and the session lives on from then.
    later = start + dt.timedelta(seconds=refresh)
    assert page(later) == (200, 1)
    assert expires() == later + age
    # Idle (no page) for the whole age: the next page asks to sign in.
    status, _ = page(later + age + dt.timedelta(seconds=1))
    assert status == 302
