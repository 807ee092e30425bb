"""What the approval pages do besides deciding one round, through /api/v1 (issue 14 item 6): batch
approval, approval definitions (list, read, create, publish a version), the route preview, the
working-day calendar and marking notifications read — each the page's service and permission."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.utils import timezone

import pytest
from tests.payment_helpers import _input, _line

from yusuan.identity.services import api_token_issue
from yusuan.payments.services import request_create
from yusuan.payments.workflow import DOCUMENT_TYPE
from yusuan.workflow.models import (
    ApprovalDefinition,
    CalendarDay,
    Notification,
    WorkflowAction,
    WorkflowInstance,
)
from yusuan.workflow.services import definition_create, document_submit

pytestmark = pytest.mark.django_db

STEPS = {
    "conditions": [{"field": "subtype", "op": "eq", "value": "card_repayment"}],
    "steps": [
        {
            "key": "unit_approval",
            "name": "单位审核",
            "role": "unit_approver",
            "level": "same_unit",
            "due_working_days": 3,
        }
    ],
}


def _post(client: Client, path: str, body: Any = None, **headers: Any) -> Any:
    return client.post(
        path, data=json.dumps(body or {}), content_type="application/json", **headers
    )


def _submitted(user: Any, amount: str) -> WorkflowInstance:
    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(_line(user, "30201"), amount)], purpose=f"接口批量 {amount}"),
        fiscal_year=2026,
    )
    return document_submit(
        actor=user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(request.pk)
    )


def test_batch_approval_names_each_refusal_and_approves_the_rest(user: Any, client_as: Any) -> None:
    rounds = [_submitted(user, f"{30 + i}") for i in range(2)]
    stale = _submitted(user, "33")
    elsewhere = WorkflowInstance.objects.exclude(organisation=rounds[0].organisation).first()
    assert elsewhere is not None
    picks = [{"instance_id": r.pk, "expected_step": 0} for r in rounds]
    picks += [{"instance_id": stale.pk, "expected_step": 1}, {"instance_id": elsewhere.pk}]
    reviewer = client_as("school_reviewer")
    answer = _post(
        reviewer,
        "/api/v1/workflow/inbox/approve",
        {"picks": picks, "comment": "同意"},
        HTTP_IDEMPOTENCY_KEY="b1",
    )
    assert answer.status_code == 200, answer.content
    outcome = {o["instance_id"]: o for o in answer.json()}
    assert [outcome[r.pk]["approved"] for r in rounds] == [True, True]
    assert (
        outcome[stale.pk]["approved"] is False
        and outcome[stale.pk]["errors"][0]["rule"] == "R-WF-6"
    )
    assert outcome[elsewhere.pk]["errors"][0]["code"] == "not_found"  # another unit's: not named
    assert (
        WorkflowAction.objects.filter(instance__in=rounds, kind="approve", comment="同意").count()
        == 2
    )
    replay = _post(
        reviewer,
        "/api/v1/workflow/inbox/approve",
        {"picks": picks, "comment": "同意"},
        HTTP_IDEMPOTENCY_KEY="b1",
    )
    assert replay.json() == answer.json() and replay["Idempotent-Replayed"] == "true"
    too_many = [{"instance_id": i + 1} for i in range(101)]
    refused = _post(reviewer, "/api/v1/workflow/inbox/approve", {"picks": too_many})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "picks"
    empty = _post(reviewer, "/api/v1/workflow/inbox/approve", {"picks": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "picks"


def test_definitions_are_listed_read_created_and_published(client_as: Any, user: Any) -> None:
    admin = client_as("wj_admin")
    listed = admin.get("/api/v1/workflow/definitions?document_type=payments.request").json()
    assert listed["count"] >= 1 and {d["document_type"] for d in listed["items"]} == {
        "payments.request"
    }
    body = {
        "code": "api-test",
        "name": "接口测试流程",
        "document_type": DOCUMENT_TYPE,
        "priority": 5,
        "body": STEPS,
    }
    made = _post(admin, "/api/v1/workflow/definitions", body, HTTP_IDEMPOTENCY_KEY="d1")
    assert made.status_code == 201, made.content
    created = made.json()
    assert (
        created["version"] == 1
        and created["versions"][0]["body"]["steps"][0]["role"] == "unit_approver"
    )
    assert ApprovalDefinition.objects.get(pk=created["id"]).mof_div_code == "320509"
    again = _post(admin, "/api/v1/workflow/definitions", body)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "code"
    broken = _post(
        admin,
        "/api/v1/workflow/definitions",
        {**body, "code": "api-x", "document_type": "nonsense"},
    )
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "document_type"

    version = {
        "name": "接口测试流程（二）",
        "priority": 6,
        "is_active": False,
        "body": STEPS,
        "note": "停用",
    }
    published = _post(admin, f"/api/v1/workflow/definitions/{created['id']}/versions", version)
    assert published.status_code == 201, published.content
    assert (published.json()["version"], published.json()["is_active"]) == (2, False)
    no_note = _post(
        admin, f"/api/v1/workflow/definitions/{created['id']}/versions", {**version, "note": ""}
    )
    assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
    assert (
        admin.get(f"/api/v1/workflow/definitions/{created['id']}").json()["versions"][0]["note"]
        == "停用"
    )

    clerk = client_as("school_clerk")  # as on the pages: no definitions for a unit clerk
    assert clerk.get("/api/v1/workflow/definitions").status_code == 403
    assert (
        _post(clerk, "/api/v1/workflow/definitions", {**body, "code": "api-y"}).status_code == 403
    )
    auditor = client_as("wj_auditor")  # reads definitions, may not publish
    assert auditor.get(f"/api/v1/workflow/definitions/{created['id']}").status_code == 200
    assert (
        _post(
            auditor, f"/api/v1/workflow/definitions/{created['id']}/versions", version
        ).status_code
        == 403
    )

    from yusuan.core.services.regions import region_bootstrap

    region_bootstrap(mof_div_code="320506", name="吴中区", bureau_name="苏州市吴中区财政局")
    theirs = definition_create(
        actor=None,
        mof_div_code="320506",
        code="theirs",
        name="吴中",
        document_type=DOCUMENT_TYPE,
        body=STEPS,
    )
    assert admin.get(f"/api/v1/workflow/definitions/{theirs.pk}").status_code == 404
    assert (
        _post(admin, f"/api/v1/workflow/definitions/{theirs.pk}/versions", version).status_code
        == 404
    )


def test_the_preview_names_the_route_for_the_facts(client_as: Any, org: Any) -> None:
    school = org("吴江区松陵实验小学")
    admin = client_as("wj_admin")
    path = f"/api/v1/workflow/preview?document_type={DOCUMENT_TYPE}&organisation_id={school.pk}&subtype=ordinary&fund_type=111"
    shown = admin.get(f"{path}&amount=6,000.00")
    assert shown.status_code == 200, shown.content
    result = shown.json()
    assert result["definition"] and result["steps"] and not result["problem"]
    assert all(step["role_name"] for step in result["steps"])
    bad_amount = admin.get(f"{path}&amount=12.345")
    assert bad_amount.status_code == 422 and bad_amount.json()["errors"][0]["field"] == "amount"
    hospital = org("吴江区第一人民医院")
    sector = client_as("wj_sector_edu")  # reads definitions for the departments it supervises
    assert sector.get(path).status_code == 200
    assert sector.get(path.replace(str(school.pk), str(hospital.pk))).status_code == 404
    assert client_as("school_clerk").get(path).status_code == 403


def test_calendar_days_are_set_and_removed(client_as: Any) -> None:
    admin = client_as("wj_admin")
    body = {"start": "2031-10-01", "end": "2031-10-03", "is_workday": False, "name": "国庆节"}
    made = _post(admin, "/api/v1/workflow/calendar", body)
    assert made.status_code == 200, made.content
    assert [d["date"] for d in made.json()] == ["2031-10-01", "2031-10-02", "2031-10-03"]
    assert [d["name"] for d in admin.get("/api/v1/workflow/calendar?year=2031").json()] == [
        "国庆节"
    ] * 3
    reversed_ = _post(admin, "/api/v1/workflow/calendar", {**body, "end": "2031-09-30"})
    assert reversed_.status_code == 422 and reversed_.json()["errors"][0]["field"] == "end"
    day = CalendarDay.objects.get(date=dt.date(2031, 10, 2))
    removed = _post(admin, f"/api/v1/workflow/calendar/{day.pk}/remove")
    assert removed.status_code == 200 and not CalendarDay.objects.filter(pk=day.pk).exists()
    assert _post(admin, f"/api/v1/workflow/calendar/{day.pk}/remove").status_code == 404
    assert _post(client_as("school_clerk"), "/api/v1/workflow/calendar", body).status_code == 403


def test_notifications_are_marked_read(user: Any, client_as: Any) -> None:
    _submitted(user, "41")  # notifies the reviewer
    reviewer = user("school_reviewer")
    unread = Notification.objects.filter(user=reviewer, read_at__isnull=True).count()
    assert unread > 0
    token = api_token_issue(actor=None, user=reviewer, name="t", scopes=("workflow:write",))
    answer = _post(
        Client(enforce_csrf_checks=True),
        "/api/v1/workflow/notifications/read",
        HTTP_AUTHORIZATION=f"Bearer {token.key}",
    )
    assert answer.status_code == 200 and answer.json() == unread
    assert not Notification.objects.filter(user=reviewer, read_at__isnull=True).exists()
    reader = api_token_issue(actor=None, user=reviewer, name="r", scopes=("workflow:read",))
    refused = _post(
        Client(), "/api/v1/workflow/notifications/read", HTTP_AUTHORIZATION=f"Bearer {reader.key}"
    )
    assert refused.status_code == 403


def test_submitted_overdue_and_shared_devices_are_read_as_the_pages_show_them(
    user: Any, client_as: Any
) -> None:
    mine = _submitted(user, "52")
    clerk = client_as("school_clerk")
    rows = clerk.get("/api/v1/workflow/submitted").json()["items"]
    assert rows[0]["id"] == mine.pk and rows[0]["state"] == "in_progress"
    # Due a month before the clock's day, whatever day the suite runs at (ADR 0014).
    WorkflowInstance.objects.filter(pk=mine.pk).update(
        due_at=timezone.now() - dt.timedelta(days=30)
    )
    budget = client_as("wj_budget")
    late = {r["id"]: r for r in budget.get("/api/v1/workflow/overdue").json()["items"]}
    assert late[mine.pk]["overdue"] is True and late[mine.pk]["working_days_overdue"] > 0
    assert clerk.get("/api/v1/workflow/overdue").status_code == 403
    auditor = client_as("wj_auditor")
    assert auditor.get("/api/v1/workflow/shared-devices?minutes=60").status_code == 200
    too_long = auditor.get("/api/v1/workflow/shared-devices?minutes=5000")
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "minutes"
    assert clerk.get("/api/v1/workflow/shared-devices").status_code == 403
