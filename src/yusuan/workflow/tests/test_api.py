"""The approval API: inbox, round detail, actions with idempotency keys, errors naming the rule."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from django.test import Client
from django.utils import timezone

from yusuan.projects.models import Project
from yusuan.workflow.models import WorkflowAction, WorkflowInstance


def _waiting_at_unit() -> WorkflowInstance:
    return WorkflowInstance.objects.get(title__endswith="校园安防监控系统升级", state="in_progress")


def test_inbox_and_detail(client_as: Callable[[str], Client]) -> None:
    client = client_as("school_approver")
    rows = [
        r
        for r in client.get("/api/v1/workflow/inbox").json()
        if r["document_type"] == "projects.declaration"
    ]
    assert [r["step_key"] for r in rows] == ["unit_approval"]
    detail = client.get(f"/api/v1/workflow/instances/{rows[0]['id']}").json()
    assert [s["status"] for s in detail["route"]] == ["current", *["pending"] * 4]
    assert detail["timeline"][0]["kind"] == "submit"


def test_approve_is_idempotent_and_a_reused_key_conflicts(
    client_as: Callable[[str], Client],
) -> None:
    instance = _waiting_at_unit()
    client = client_as("school_approver")
    url = f"/api/v1/workflow/instances/{instance.pk}/approve"
    body = json.dumps({"expected_step": 0, "comment": "同意"})
    first = client.post(
        url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-approve-1"
    )
    again = client.post(
        url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-approve-1"
    )
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert first.json() == again.json()
    assert WorkflowAction.objects.filter(instance=instance, kind="approve").count() == 1
    other = client.post(
        url,
        json.dumps({"expected_step": 0, "comment": "改了"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-approve-1",
    )
    assert other.status_code == 409
    assert other.json()["errors"][0]["code"] == "idempotency.key_reused"


def test_refusals_are_problem_details_naming_the_rule(client_as: Callable[[str], Client]) -> None:
    instance = _waiting_at_unit()
    clerk = client_as("school_clerk")
    response = clerk.post(
        f"/api/v1/workflow/instances/{instance.pk}/approve", "{}", content_type="application/json"
    )
    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert (error["rule"], error["field"]) == ("R-WF-5", "actor")
    missing = client_as("school_approver").post(
        f"/api/v1/workflow/instances/{instance.pk}/return",
        json.dumps({"reason": ""}),
        content_type="application/json",
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "reason"
    hidden = client_as("hospital_clerk").get(f"/api/v1/workflow/instances/{instance.pk}")
    assert hidden.status_code == 404


def test_submit_through_the_api(client_as: Callable[[str], Client]) -> None:
    draft = Project.objects.get(name__startswith="智慧教室建设")
    client = client_as("school_clerk")
    url = f"/api/v1/workflow/documents/projects.declaration/{draft.pk}/submit"
    response = client.post(url, HTTP_IDEMPOTENCY_KEY="submit-1")
    assert response.status_code == 200, response.content
    assert response.json()["step_key"] == "unit_approval"
    replay = client.post(url, HTTP_IDEMPOTENCY_KEY="submit-1")
    assert replay.json()["id"] == response.json()["id"]
    twice = client.post(url, HTTP_IDEMPOTENCY_KEY="submit-2")
    assert twice.status_code == 409
    assert twice.json()["errors"][0]["code"] == "workflow.already_submitted"


def test_delegation_through_the_api(client_as: Callable[[str], Client]) -> None:
    client = client_as("school_approver")
    # A delegation may not lie in the past: its period starts on the (fixed) clock's day.
    today = timezone.localdate()
    period = {"starts_on": today.isoformat(), "ends_on": (today + dt.timedelta(days=4)).isoformat()}
    body = json.dumps({"delegate": "school_reviewer", **period, "reason": "休假"})
    made = client.post(
        "/api/v1/workflow/delegations",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="d-1",
    )
    assert made.status_code == 201, made.content
    replay = client.post(
        "/api/v1/workflow/delegations",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="d-1",
    )
    assert replay.json()["id"] == made.json()["id"]
    other_unit = client.post(
        "/api/v1/workflow/delegations",
        json.dumps({"delegate": "edu_reviewer", **period, "reason": "x"}),
        content_type="application/json",
    )
    assert other_unit.status_code == 422
    assert other_unit.json()["errors"][0]["field"] == "delegate"
    listed = client.get("/api/v1/workflow/delegations")
    assert listed.status_code == 200, listed.content
    assert [d["id"] for d in listed.json()["items"]] == [made.json()["id"]]
    assert listed.json()["count"] == 1
    revoked = client.post(f"/api/v1/workflow/delegations/{made.json()['id']}/revoke")
    assert revoked.json()["revoked_at"] is not None
