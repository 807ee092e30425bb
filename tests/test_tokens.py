"""Personal API tokens (issue #13 item 11): a user issues, lists and revokes their own tokens on
their page and through the API, with scopes their roles allow and a bounded lifetime; the key is
shown once and only its hash is kept; administrators see and revoke every token in scope; each
issue and revocation is audited without the key."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.test import Client

import pytest

from yusuan.audit.models import AuditRecord, IdempotencyRecord
from yusuan.common.errors import BusinessRuleError
from yusuan.identity.models import ApiToken
from yusuan.identity.services import api_token_issue

pytestmark = pytest.mark.django_db


def _issued_key(body: str) -> str:
    found = re.search(r'data-testid="issued-key">.*?<code class="kv">([^<]+)</code>', body, re.S)
    assert found, "no key shown"
    return found.group(1)


def _everything_stored_about(key: str) -> str:
    rows = [
        *ApiToken.objects.values_list(),
        *AuditRecord.objects.values_list(),
        *IdempotencyRecord.objects.values_list(),
    ]
    return repr(rows)


def _bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_user_issues_a_token_on_their_page_shown_once_and_stored_hashed(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    clerk = client_as("school_clerk")
    page = clerk.get("/accounts/tokens/")
    assert page.status_code == 200 and "我的 API 令牌" in page.content.decode()
    answer = clerk.post(
        "/accounts/tokens/",
        {"action": "issue", "name": "报表脚本", "scopes": ["payments:read"], "days": "30"},
    )
    key = _issued_key(answer.content.decode())
    token = ApiToken.objects.get(user=user("school_clerk"))
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.scopes == ["payments:read"] and key.startswith(token.prefix)
    assert round((token.expires_at - token.created_at).total_seconds() / 86400) == 30
    assert key not in _everything_stored_about(key)
    assert Client().get("/api/v1/payments/requests", **_bearer(key)).status_code == 200
    assert Client().get("/api/v1/organisations", **_bearer(key)).status_code == 403  # scope
    listed = clerk.get("/accounts/tokens/").content.decode()
    assert token.prefix in listed and key not in listed
    issued = AuditRecord.objects.get(action="identity.api_token.issue", object_id=str(token.pk))
    assert issued.actor_username == "school_clerk" and issued.extra["scopes"] == ["payments:read"]


def test_only_scopes_the_roles_allow_and_a_bounded_lifetime(user: Callable[[str], Any]) -> None:
    from yusuan.identity.services import api_scopes_allowed

    auditor = user("wj_auditor")
    allowed = api_scopes_allowed(auditor)
    assert "core:read" in allowed and "payments:read" not in allowed
    assert "core:write" not in allowed  # viewing personal data is no write
    assert set(api_scopes_allowed(user("bank_icbc"))) >= {"payments:read", "payments:write"}
    with pytest.raises(BusinessRuleError) as refused:
        api_token_issue(
            actor=auditor,
            user=auditor,
            name="x",
            scopes=["payments:write"],
            days=settings.YUSUAN_API_TOKEN_MAX_DAYS + 1,
        )
    codes = {e.code for e in refused.value.errors}
    assert codes == {"identity.token_scope_not_allowed", "identity.token_lifetime"}
    assert not ApiToken.objects.filter(user=auditor).exists()


def test_the_page_offers_only_the_allowed_scopes(client_as: Callable[[str], Client]) -> None:
    auditor = client_as("wj_auditor")
    body = auditor.get("/accounts/tokens/").content.decode()
    assert 'value="core:read"' in body and 'value="payments:read"' not in body
    refused = auditor.post(
        "/accounts/tokens/", {"action": "issue", "name": "x", "scopes": ["payments:read"]}
    )
    assert refused.status_code == 200 and 'data-testid="issued-key"' not in refused.content.decode()


def test_a_revoked_token_stops_working_and_the_revocation_is_recorded(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    issued = api_token_issue(
        actor=user("school_clerk"), user=user("school_clerk"), name="t", scopes=["core:read"]
    )
    clerk = client_as("school_clerk")
    clerk.post("/accounts/tokens/", {"action": "revoke", "token": issued.token.pk})
    assert Client().get("/api/v1/me", **_bearer(issued.key)).status_code == 401
    [refused] = AuditRecord.objects.filter(action="security.token_refused")
    assert refused.extra["prefix"] == issued.token.prefix and issued.key not in repr(refused.extra)
    record = AuditRecord.objects.get(action="identity.api_token.revoke")
    assert record.actor_username == "school_clerk" and record.object_id == str(issued.token.pk)
    # Someone else's token is not theirs to revoke: a 404, and it keeps working.
    other = api_token_issue(
        actor=user("hospital_clerk"), user=user("hospital_clerk"), name="h", scopes=["core:read"]
    )
    answer = clerk.post("/accounts/tokens/", {"action": "revoke", "token": other.token.pk})
    assert answer.status_code == 404
    assert Client().get("/api/v1/me", **_bearer(other.key)).status_code == 200


def test_an_administrator_sees_and_revokes_every_token_in_scope(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    mine = api_token_issue(
        actor=user("school_clerk"), user=user("school_clerk"), name="脚本", scopes=["core:read"]
    )
    bank = ApiToken.objects.get(user=user("bank_icbc"))
    admin = client_as("wj_admin")
    listed = admin.get("/accounts/tokens/all/").content.decode()
    assert mine.token.prefix in listed and bank.prefix in listed and "school_clerk" in listed
    admin.post("/accounts/tokens/all/", {"action": "revoke", "token": mine.token.pk})
    assert Client().get("/api/v1/me", **_bearer(mine.key)).status_code == 401
    assert AuditRecord.objects.get(action="identity.api_token.revoke").actor_username == "wj_admin"
    assert client_as("school_clerk").get("/accounts/tokens/all/").status_code == 403
    assert client_as("wj_auditor").get("/accounts/tokens/all/").status_code == 403


def test_tokens_through_the_api(client_as: Callable[[str], Client]) -> None:
    clerk = client_as("school_clerk")
    made = clerk.post(
        "/api/v1/tokens",
        {"name": "ci", "scopes": ["core:read"], "days": 7},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="issue-1",
    )
    assert made.status_code == 201
    body = made.json()
    key = body["key"]
    assert key and body["prefix"] == key[:8] and body["usable"] is True
    assert key not in _everything_stored_about(key)
    replay = clerk.post(
        "/api/v1/tokens",
        {"name": "ci", "scopes": ["core:read"], "days": 7},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="issue-1",
    )
    assert replay.status_code == 201 and replay.json()["key"] is None
    assert replay.json()["id"] == body["id"] and ApiToken.objects.filter(name="ci").count() == 1
    listed = clerk.get("/api/v1/tokens").json()["items"]
    assert [t["prefix"] for t in listed] == [body["prefix"]]
    # A token manages no tokens: it cannot list them, nor mint its own successor.
    assert Client().get("/api/v1/tokens", **_bearer(key)).status_code == 403
    too_long = clerk.post(
        "/api/v1/tokens",
        {"name": "long", "scopes": ["core:read"], "days": settings.YUSUAN_API_TOKEN_MAX_DAYS + 1},
        content_type="application/json",
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["code"] == "identity.token_lifetime"
    revoked = clerk.post(f"/api/v1/tokens/{body['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["usable"] is False
    assert Client().get("/api/v1/me", **_bearer(key)).status_code == 401
    assert client_as("hospital_clerk").post(f"/api/v1/tokens/{body['id']}/revoke").status_code == (
        404
    )
    everyone = client_as("wj_admin").get("/api/v1/tokens?everyone=true").json()["items"]
    assert {t["username"] for t in everyone} >= {"school_clerk", "bank_icbc"}


# --- Follow-ups (issue #13, items 8 and 11): nobody acts as another person ----------------------


def test_an_administrator_issues_tokens_for_system_accounts_only(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    clerk, bank = user("school_clerk"), user("bank_icbc")
    admin = client_as("wj_admin")
    assert 'value="token"' not in admin.get(f"/accounts/users/{clerk.pk}/").content.decode()
    refused = admin.post(
        f"/accounts/users/{clerk.pk}/",
        {"action": "token", "name": "冒用", "scopes": ["payments:read"], "days": "30"},
    )
    assert refused.status_code == 403
    assert not ApiToken.objects.filter(user=clerk).exists()
    [event] = AuditRecord.objects.filter(action="security.permission_denied")
    assert event.actor_username == "wj_admin"
    assert event.extra["path"] == f"/accounts/users/{clerk.pk}/"
    # The service refuses it too, called directly.
    with pytest.raises(BusinessRuleError) as direct:
        api_token_issue(actor=user("wj_admin"), user=clerk, name="x", scopes=["core:read"])
    assert direct.value.status == 403
    assert direct.value.errors[0].code == "identity.token_for_another_person"
    assert not ApiToken.objects.filter(user=clerk).exists()
    # The API issues the caller's own token only, whoever the body names.
    made = admin.post(
        "/api/v1/tokens",
        {"name": "x", "scopes": ["core:read"], "days": 1, "username": "school_clerk"},
        content_type="application/json",
    )
    assert made.status_code == 201 and made.json()["username"] == "wj_admin"
    assert Client().get("/api/v1/me", **_bearer(made.json()["key"])).json()["username"] == (
        "wj_admin"
    )
    # A system account's token is still the administrator's to issue …
    page = admin.post(
        f"/accounts/users/{bank.pk}/",
        {"action": "token", "name": "接口", "scopes": ["payments:read"], "days": "30"},
    )
    key = _issued_key(page.content.decode())
    assert Client().get("/api/v1/me", **_bearer(key)).json()["username"] == "bank_icbc"
    # … and anyone's token in scope theirs to revoke.
    own = api_token_issue(actor=clerk, user=clerk, name="脚本", scopes=["core:read"])
    revoked = admin.post(
        f"/accounts/users/{clerk.pk}/", {"action": "revoke", "token": own.token.pk}
    )
    assert revoked.status_code == 302
    assert Client().get("/api/v1/me", **_bearer(own.key)).status_code == 401


def test_a_password_reset_revokes_the_users_tokens_and_records_each(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    clerk = user("school_clerk")
    first = api_token_issue(actor=clerk, user=clerk, name="a", scopes=["core:read"])
    second = api_token_issue(actor=clerk, user=clerk, name="b", scopes=["payments:read"])
    client_as("wj_admin").post(
        f"/accounts/users/{clerk.pk}/", {"action": "password", "password": "Reset#Pass-2026"}
    )
    for issued in (first, second):
        assert Client().get("/api/v1/me", **_bearer(issued.key)).status_code == 401
    records = AuditRecord.objects.filter(action="identity.api_token.revoke").order_by("id")
    assert [(r.object_id, r.actor_username, r.extra["reason"]) for r in records] == [
        (str(first.token.pk), "wj_admin", "password_reset"),
        (str(second.token.pk), "wj_admin", "password_reset"),
    ]


def test_a_token_of_a_user_who_must_change_the_password_is_refused_with_the_reason(
    user: Callable[[str], Any],
) -> None:
    clerk = user("school_clerk")
    issued = api_token_issue(actor=clerk, user=clerk, name="a", scopes=["core:read"])
    type(clerk).objects.filter(pk=clerk.pk).update(must_change_password=True)
    answer = Client().get("/api/v1/me", **_bearer(issued.key))
    assert answer.status_code == 403
    assert answer["Content-Type"] == "application/problem+json"
    [error] = answer.json()["errors"]
    assert error["code"] == "identity.password_change_required" and error["field"] == "password"
    [event] = AuditRecord.objects.filter(action="security.permission_denied")
    assert event.actor_username == "school_clerk" and event.extra["path"] == "/api/v1/me"
