"""P6 / R-PY-6: separation of duties is a rule in services, and conflicts are reported."""

from collections.abc import Callable
from typing import Any

import pytest

from yusuan.common.errors import BusinessRuleError
from yusuan.identity.models import IncompatibleRolePair, Role
from yusuan.identity.selectors import incompatible_role_holders
from yusuan.identity.services import UserData, ensure_different_actor, user_create


def test_same_person_cannot_review_own_entry(user: Callable[[str], Any]) -> None:
    clerk = user("school_clerk")
    with pytest.raises(BusinessRuleError) as excinfo:
        ensure_different_actor(
            actor=clerk, step="复核", earlier_steps={"经办": clerk}, document="支付申请 2026-000001"
        )
    error = excinfo.value.errors[0]
    assert (error.code, error.rule, error.value, error.limit) == (
        "identity.same_actor",
        "R-PY-6",
        "school_clerk",
        "经办",
    )
    assert "支付申请 2026-000001" in error.message_zh


def test_different_people_pass(user: Callable[[str], Any]) -> None:
    ensure_different_actor(
        actor=user("school_approver"),
        step="审核",
        earlier_steps={
            "经办": user("school_clerk"),
            "复核": user("school_reviewer").pk,
            "签章": None,
        },
    )


def test_report_lists_users_holding_incompatible_roles(user: Callable[[str], Any]) -> None:
    conflicts = incompatible_role_holders(scope=user("wj_auditor").scope)
    assert [(c.user.username, c.first_role, c.second_role) for c in conflicts] == [
        ("office_clerk", "出纳", "会计")  # C7: 经办–出纳 is no longer a pair
    ]


def test_matrix_is_configuration(user: Callable[[str], Any]) -> None:
    IncompatibleRolePair.objects.create(
        first=Role.objects.get(code="cashier"),
        second=Role.objects.get(code="unit_reviewer"),
        reason="测试",
    )
    school = user("school_cashier")
    school.roles.add(Role.objects.get(code="unit_reviewer"))
    names = {c.user.username for c in incompatible_role_holders(scope=user("wj_auditor").scope)}
    assert names == {"office_clerk", "school_cashier"}


def test_report_is_scoped(user: Callable[[str], Any]) -> None:
    assert incompatible_role_holders(scope=user("school_clerk").scope) == []


def test_role_must_fit_the_organisation(user: Callable[[str], Any]) -> None:
    with pytest.raises(BusinessRuleError) as excinfo:
        user_create(
            actor=None,
            data=UserData(
                username="x1",
                full_name="x",
                organisation_id=user("school_clerk").organisation_id,
                role_codes=("budget_officer",),
            ),
            password=None,
        )
    assert excinfo.value.errors[0].code == "identity.role_not_allowed"


def test_sod_report_page(client_as: Any) -> None:
    body = client_as("wj_auditor").get("/accounts/sod-report/").content.decode()
    assert "office_clerk" in body
    assert client_as("school_clerk").get("/accounts/sod-report/").status_code == 403
