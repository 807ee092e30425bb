"""Read-only roles write nothing in approvals, and opinions are bounded (issue #13, follow-ups of
items 7 and 8): the auditor sees every round of the region but can neither comment nor decide
(403, recorded as a security event), and a comment or opinion longer than 2000 characters is a
422 naming the field and the limit, in the API and on the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

import pytest

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError
from yusuan.workflow import services
from yusuan.workflow.models import WorkflowAction, WorkflowInstance

pytestmark = pytest.mark.django_db

LIMIT = 2000


def _open_round() -> WorkflowInstance:
    instance = (
        WorkflowInstance.objects.filter(
            organisation__name="吴江区松陵实验小学", state="in_progress"
        )
        .order_by("pk")
        .first()
    )
    assert instance is not None
    return instance


def test_the_auditor_can_neither_comment_nor_decide(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    instance = _open_round()
    actions_before = WorkflowAction.objects.filter(instance=instance).count()
    auditor = client_as("wj_auditor")
    assert auditor.get(f"/workflow/instances/{instance.pk}/").status_code == 200  # reads it
    api = auditor.post(
        f"/api/v1/workflow/instances/{instance.pk}/comments",
        {"comment": "已阅"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert api.json()["errors"][0]["code"] == "identity.read_only_role"
    approve = auditor.post(
        f"/api/v1/workflow/instances/{instance.pk}/approve",
        {"comment": "同意"},
        content_type="application/json",
    )
    assert approve.status_code == 403
    assert approve.json()["errors"][0]["code"] == "identity.read_only_role"
    page = auditor.post(f"/workflow/instances/{instance.pk}/comment/", {"comment": "已阅"})
    assert page.status_code == 403
    assert WorkflowAction.objects.filter(instance=instance).count() == actions_before
    refusals = AuditRecord.objects.filter(action="security.permission_denied").order_by("id")
    assert [(r.actor_username, r.extra["path"]) for r in refusals] == [
        ("wj_auditor", f"/api/v1/workflow/instances/{instance.pk}/comments"),
        ("wj_auditor", f"/api/v1/workflow/instances/{instance.pk}/approve"),
        ("wj_auditor", f"/workflow/instances/{instance.pk}/comment/"),
    ]
    # The service refuses too, called directly.
    with pytest.raises(BusinessRuleError) as refused:
        services.instance_comment(actor=user("wj_auditor"), instance_id=instance.pk, comment="x")
    assert refused.value.status == 403
    assert refused.value.errors[0].code == "identity.read_only_role"


def test_the_auditor_gets_no_write_scope_for_a_token(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    from yusuan.identity.services import api_scopes_allowed

    assert user("wj_auditor").is_read_only and not user("school_clerk").is_read_only
    allowed = api_scopes_allowed(user("wj_auditor"))
    assert allowed and all(scope.endswith(":read") for scope in allowed), allowed
    assert "workflow:write" in api_scopes_allowed(user("wj_budget"))  # open to the others
    refused = client_as("wj_auditor").post(
        "/api/v1/tokens",
        {"name": "x", "scopes": ["workflow:write"], "days": 1},
        content_type="application/json",
    )
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert error["code"] == "identity.token_scope_not_allowed"
    assert error["value"] == "workflow:write"
    body = client_as("wj_auditor").get("/accounts/tokens/").content.decode()
    assert 'value="workflow:read"' in body and 'value="workflow:write"' not in body


@pytest.mark.parametrize(
    ("operation", "field"),
    [
        pytest.param("comments", "comment", id="comment"),
        pytest.param("approve", "comment", id="approval_opinion"),
        pytest.param("return", "reason", id="return_reason"),
        pytest.param("reject", "reason", id="rejection_reason"),
    ],
)
def test_an_opinion_longer_than_the_limit_is_a_422_naming_field_and_limit(
    client_as: Callable[[str], Client], operation: str, field: str
) -> None:
    instance = _open_round()
    answer = client_as("school_clerk").post(
        f"/api/v1/workflow/instances/{instance.pk}/{operation}",
        {field: "长" * (LIMIT + 1)},
        content_type="application/json",
    )
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["code"] == "validation.string_too_long"
    assert error["field"] == field and error["limit"] == LIMIT


def test_a_comment_at_the_limit_is_taken_and_one_past_it_refused_on_the_page(
    client_as: Callable[[str], Client],
) -> None:
    instance = _open_round()
    clerk = client_as("school_clerk")
    too_long = clerk.post(f"/workflow/instances/{instance.pk}/comment/", {"comment": "长" * 2001})
    assert too_long.status_code == 422
    body = too_long.content.decode()
    assert 'data-field="comment"' in body and "2000" in body
    assert not WorkflowAction.objects.filter(instance=instance, kind="comment").exists()
    taken = clerk.post(f"/workflow/instances/{instance.pk}/comment/", {"comment": "长" * LIMIT})
    assert taken.status_code == 302
    assert WorkflowAction.objects.filter(instance=instance, kind="comment").count() == 1
    assert (
        clerk.post(
            f"/api/v1/workflow/instances/{instance.pk}/comments",
            {"comment": "长" * LIMIT},
            content_type="application/json",
        ).status_code
        == 200
    )
