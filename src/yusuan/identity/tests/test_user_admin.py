"""User administration: scoped, audited, and the lockout can be lifted by an administrator."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.test import Client

import time_machine

from yusuan.audit.models import AuditRecord
from yusuan.identity.models import User
from yusuan.identity.tests.helpers import DEMO_PASSWORD, MOMENT, fail_sign_ins, sign_in

ADDRESS = "203.0.113.20"


def test_admin_creates_a_user_with_roles(
    client_as: Callable[[str], Client], org: Callable[[str], Any]
) -> None:
    school = org("吴江区松陵实验小学")
    response = client_as("wj_admin").post(
        "/accounts/users/new/",
        {
            "username": "new_clerk",
            "full_name": "新经办",
            "organisation": school.pk,
            "password": "Strong#Pass-2026",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="new_clerk")
    assert created.organisation == school and created.check_password("Strong#Pass-2026")
    assert AuditRecord.objects.filter(
        action="identity.user.create", object_id=str(created.pk), actor_username="wj_admin"
    ).exists()


def test_role_not_fitting_the_organisation_is_shown_beside_roles(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    from yusuan.identity.models import Role

    target = user("school_clerk")
    budget = Role.objects.get(code="budget_officer")
    response = client_as("wj_admin").post(
        f"/accounts/users/{target.pk}/", {"action": "roles", "roles": [budget.pk]}
    )
    assert response.status_code == 200
    assert "不能由" in response.content.decode()
    assert list(target.roles.values_list("code", flat=True)) == ["unit_clerk"]


def test_roles_change_is_audited_before_and_after(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    from yusuan.identity.models import Role

    target = user("school_reviewer")
    roles = Role.objects.filter(code__in=["unit_reviewer", "accountant"])
    client_as("wj_admin").post(
        f"/accounts/users/{target.pk}/", {"action": "roles", "roles": [r.pk for r in roles]}
    )
    record = AuditRecord.objects.get(action="identity.user.roles", object_id=str(target.pk))
    assert record.changes == {"roles": [["unit_reviewer"], ["accountant", "unit_reviewer"]]}


def test_locked_account_is_shown_and_unlocked(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        fail_sign_ins(traveller, "school_clerk", settings.AXES_FAILURE_LIMIT, address=ADDRESS)
        assert sign_in("school_clerk", DEMO_PASSWORD, address=ADDRESS).status_code == 429
        admin = client_as("wj_admin")
        target = user("school_clerk")
        assert "解锁" in admin.get(f"/accounts/users/{target.pk}/").content.decode()
        admin.post(f"/accounts/users/{target.pk}/", {"action": "unlock"})
        assert sign_in("school_clerk", DEMO_PASSWORD, address=ADDRESS).status_code == 302
    assert AuditRecord.objects.filter(
        action="identity.user.unlock", object_id=str(target.pk)
    ).exists()


def test_token_is_shown_once_and_works(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    bank = user("bank_icbc")
    response = client_as("wj_admin").post(
        f"/accounts/users/{bank.pk}/",
        {"action": "token", "name": "接口", "scopes": ["core:read"], "days": 30},
    )
    body = response.content.decode()
    assert 'data-testid="issued-key"' in body
    token = bank.api_tokens.order_by("-created_at").first()
    key = (
        body.split('data-testid="issued-key"')[1].split('<code class="kv">')[1].split("</code>")[0]
    )
    assert key.startswith(token.prefix)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert key not in client_as("wj_admin").get(f"/accounts/users/{bank.pk}/").content.decode()


def test_weak_reset_password_is_refused(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    target = user("school_cashier")
    response = client_as("wj_admin").post(
        f"/accounts/users/{target.pk}/", {"action": "password", "password": "123"}
    )
    assert response.status_code == 200
    assert 'id="field-password"' in response.content.decode()
    assert user("school_cashier").check_password("Yusuan@2026")


def test_user_pages_are_scoped(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    hospital_clerk = user("hospital_clerk")
    assert client_as("school_clerk").get("/accounts/users/").status_code == 403
    auditor = client_as("wj_auditor")
    assert auditor.get(f"/accounts/users/{hospital_clerk.pk}/").status_code == 200
    assert (
        auditor.post(f"/accounts/users/{hospital_clerk.pk}/", {"action": "deactivate"}).status_code
        == 403
    )
    assert user("hospital_clerk").is_active


def test_admin_cannot_deactivate_itself(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    admin = user("wj_admin")
    response = client_as("wj_admin").post(f"/accounts/users/{admin.pk}/", {"action": "deactivate"})
    assert response.status_code == 200
    assert user("wj_admin").is_active
