"""User administration and the SoD report through /api/v1 (issue 14 item 6): the user pages'
services with their permissions; another region's user is a 404; bad input names the field."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

import pytest

from yusuan.audit.models import AuditRecord
from yusuan.identity.models import ApiToken, IncompatibleRolePair, Role, User
from yusuan.identity.services import UserData, api_token_issue, user_create

pytestmark = pytest.mark.django_db

SCHOOL = "吴江区松陵实验小学"


def _post(client: Client, path: str, body: Any = None, **headers: Any) -> Any:
    return client.post(
        path, data=json.dumps(body or {}), content_type="application/json", **headers
    )


def _other_regions_user() -> User:
    from yusuan.core.services.regions import region_bootstrap

    other = region_bootstrap(mof_div_code="320506", name="吴中区", bureau_name="苏州市吴中区财政局")
    return user_create(
        actor=None,
        data=UserData(
            username="wz_clerk", full_name="吴中", organisation_id=other.bureau.pk, role_codes=()
        ),
        password=None,
    )


def test_users_are_listed_and_read_in_scope(client_as: Any, user: Any) -> None:
    admin = client_as("wj_admin")
    listed = admin.get("/api/v1/users?q=school_").json()
    names = [row["username"] for row in listed["items"]]
    assert "school_clerk" in names and all(
        "school" in n or SCHOOL in r["organisation_name"]
        for n, r in zip(names, listed["items"], strict=True)
    )
    clerk = user("school_clerk")
    one = admin.get(f"/api/v1/users/{clerk.pk}").json()
    assert one["roles"] == ["unit_clerk"] and one["organisation_name"] == SCHOOL
    stranger = _other_regions_user()
    assert admin.get(f"/api/v1/users/{stranger.pk}").status_code == 404
    assert "wz_clerk" not in [
        r["username"] for r in admin.get("/api/v1/users?q=wz").json()["items"]
    ]
    assert client_as("school_clerk").get("/api/v1/users").status_code == 403  # as the page
    assert client_as("wj_auditor").get(f"/api/v1/users/{clerk.pk}").status_code == 200  # reads


def test_a_user_is_created_with_the_pages_rules(client_as: Any, org: Any) -> None:
    admin = client_as("wj_admin")
    body = {
        "username": "api_clerk",
        "full_name": "接口经办",
        "organisation_id": org(SCHOOL).pk,
        "roles": ["unit_clerk"],
        "password": "Strong#Pass-2026",
    }
    made = _post(admin, "/api/v1/users", body, HTTP_IDEMPOTENCY_KEY="u-1")
    assert made.status_code == 201, made.content
    created = User.objects.get(username="api_clerk")
    assert created.check_password("Strong#Pass-2026") and created.must_change_password
    assert made.json()["roles"] == ["unit_clerk"]
    assert "Strong#Pass" not in json.dumps(made.json())
    replay = _post(admin, "/api/v1/users", body, HTTP_IDEMPOTENCY_KEY="u-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    taken = _post(admin, "/api/v1/users", body)
    assert taken.status_code == 422 and taken.json()["errors"][0]["field"] == "username"
    wrong_role = _post(
        admin, "/api/v1/users", {**body, "username": "x_clerk", "roles": ["budget_officer"]}
    )
    assert wrong_role.status_code == 422 and wrong_role.json()["errors"][0]["field"] == "roles"
    bad_name = _post(admin, "/api/v1/users", {**body, "username": "a b"})
    assert bad_name.status_code == 422 and bad_name.json()["errors"][0]["field"] == "username"
    assert (
        _post(client_as("wj_auditor"), "/api/v1/users", {**body, "username": "y_clerk"}).status_code
        == 403
    )


def test_roles_active_unlock_and_password(client_as: Any, user: Any) -> None:
    admin = client_as("wj_admin")
    target = user("school_reviewer")
    roles = _post(admin, f"/api/v1/users/{target.pk}/roles")  # POST is not the method
    assert roles.status_code == 405
    changed = admin.put(
        f"/api/v1/users/{target.pk}/roles",
        data=json.dumps({"roles": ["unit_reviewer", "accountant"]}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["roles"] == ["accountant", "unit_reviewer"]
    assert AuditRecord.objects.filter(
        action="identity.user.roles", object_id=str(target.pk)
    ).exists()

    off = _post(admin, f"/api/v1/users/{target.pk}/deactivate")
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert User.objects.get(pk=target.pk).is_active is False
    on = _post(admin, f"/api/v1/users/{target.pk}/activate")
    assert on.json()["is_active"] is True
    me = user("wj_admin")
    self_off = _post(admin, f"/api/v1/users/{me.pk}/deactivate")
    assert self_off.status_code == 422 and self_off.json()["errors"][0]["field"] == "is_active"

    assert _post(admin, f"/api/v1/users/{target.pk}/unlock").status_code == 200
    assert AuditRecord.objects.filter(
        action="identity.user.unlock", object_id=str(target.pk)
    ).exists()

    weak = _post(admin, f"/api/v1/users/{target.pk}/password", {"password": "123"})
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "password"
    reset = _post(admin, f"/api/v1/users/{target.pk}/password", {"password": "Another#Pass-2026"})
    assert reset.status_code == 200 and reset.json()["must_change_password"] is True
    assert User.objects.get(pk=target.pk).check_password("Another#Pass-2026")

    stranger = _other_regions_user()
    assert _post(admin, f"/api/v1/users/{stranger.pk}/deactivate").status_code == 404
    # Viewing users is not managing them (the auditor, as on the page).
    assert _post(client_as("wj_auditor"), f"/api/v1/users/{target.pk}/unlock").status_code == 403


def test_tokens_hold_identity_scopes_but_never_reset_a_password(user: Any) -> None:
    admin = user("wj_admin")
    issued = api_token_issue(
        actor=None, user=admin, name="iam", scopes=("identity:read", "identity:write")
    )
    client = Client(enforce_csrf_checks=True)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {issued.key}"}
    target = user("school_reviewer")
    assert client.get(f"/api/v1/users/{target.pk}", **bearer).status_code == 200
    off = _post(client, f"/api/v1/users/{target.pk}/deactivate", **bearer)
    assert off.status_code == 200, off.content
    refused = _post(
        client, f"/api/v1/users/{target.pk}/password", {"password": "Another#Pass-2026"}, **bearer
    )
    assert refused.status_code == 403
    reader = api_token_issue(actor=None, user=admin, name="r", scopes=("identity:read",))
    assert (
        _post(
            client, f"/api/v1/users/{target.pk}/activate", HTTP_AUTHORIZATION=f"Bearer {reader.key}"
        ).status_code
        == 403
    )


def test_an_administrator_issues_a_token_for_a_system_account_only(
    client_as: Any, user: Any
) -> None:
    admin = client_as("wj_admin")
    bank = user("bank_icbc")
    body = {"name": "接口", "scopes": ["payments:read"], "days": 30}
    issued = _post(admin, f"/api/v1/users/{bank.pk}/tokens", body)
    assert issued.status_code == 201, issued.content
    assert issued.json()["key"] and issued.json()["username"] == "bank_icbc"
    assert ApiToken.objects.filter(user=bank, name="接口").count() == 1
    person = user("school_clerk")
    assert _post(admin, f"/api/v1/users/{person.pk}/tokens", body).status_code == 403
    assert (
        _post(admin, f"/api/v1/users/{bank.pk}/tokens", {**body, "scopes": []}).json()["errors"][0][
            "field"
        ]
        == "scopes"
    )


def test_the_sod_report_lists_incompatible_role_holders(client_as: Any, user: Any) -> None:
    pair = IncompatibleRolePair.objects.select_related("first", "second").first()
    assert pair is not None
    clerk = user("school_clerk")
    clerk.roles.add(pair.first, pair.second)
    rows = client_as("wj_auditor").get("/api/v1/sod-report").json()
    assert {
        "username": "school_clerk",
        "first_role": pair.first.name,
        "second_role": pair.second.name,
    } in [{k: r[k] for k in ("username", "first_role", "second_role")} for r in rows]
    assert client_as("school_clerk").get("/api/v1/sod-report").status_code == 403
    assert Role.objects.exists()
