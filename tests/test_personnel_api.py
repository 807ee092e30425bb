"""The personnel API: a unit's HR system pushes a hire with a token (idempotent: the same key
twice makes one change), submits it; lists mask ID numbers; another unit gets 404; 编制 and the
snapshot read in scope; a rule violation is a problem body naming code, rule and field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.test import Client

import pytest
from tests.personnel_helpers import id_number, teacher, through_route
from tests.test_api_csrf import csrf_session

from yusuan.identity.services import api_token_issue
from yusuan.personnel.models import BudgetSnapshot, PersonnelChange

pytestmark = pytest.mark.django_db


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}


def test_an_hr_system_pushes_a_hire_once_per_key(user: Callable[[str], Any]) -> None:
    clerk = user("school_clerk")
    token = api_token_issue(
        actor=clerk, user=clerk, name="HR system", scopes=("personnel:read", "personnel:write")
    )
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    body = {
        "kind": "hire",
        "effective_date": "2026-09-01",
        "basis_doc_no": "吴人社〔2026〕50号",
        "id_number": id_number(60),
        "name": "接口教师",
        "establishment_doc_no": "吴编〔2026〕2号",
        "data": _json(teacher()),
    }
    made = client.post(
        "/api/v1/personnel/changes",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="hr-60",
        **auth,
    )
    assert made.status_code == 201, made.content
    again = client.post(
        "/api/v1/personnel/changes",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="hr-60",
        **auth,
    )
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert PersonnelChange.objects.filter(id_number=id_number(60)).count() == 1
    out = made.json()
    assert out["state"] == "draft" and out["id_number"] != id_number(60)  # masked for a clerk
    bad = client.post(
        "/api/v1/personnel/changes",
        {**body, "basis_doc_no": "", "id_number": id_number(61)},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422
    error = bad.json()["errors"][0]
    assert (error["code"], error["rule"], error["field"]) == (
        "personnel.basis_required",
        "R-PS-3",
        "basis_doc_no",
    )
    submitted = client.post(
        f"/api/v1/personnel/changes/{out['id']}/submit", HTTP_IDEMPOTENCY_KEY="hr-60-s", **auth
    )
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    outsider, _csrf = csrf_session(user("hospital_clerk"))
    assert outsider.get(f"/api/v1/personnel/changes/{out['id']}").status_code == 404


def test_people_lists_mask_and_details_show_whole_only_to_those_allowed(
    user: Callable[[str], Any],
) -> None:
    change = PersonnelChange.objects.filter(kind="hire", state="applied").first()
    assert change is not None and change.person is not None
    person = change.person
    clerk, _c = csrf_session(user("school_clerk"))
    listed = clerk.get("/api/v1/personnel/people?state=active").json()["items"]
    assert listed and all("*" in p["id_number"] for p in listed)
    assert (
        clerk.get(f"/api/v1/personnel/people/{person.pk}").json()["id_number"] != person.id_number
    )
    officer, _c = csrf_session(user("wj_personnel"))
    assert (
        officer.get(f"/api/v1/personnel/people/{person.pk}").json()["id_number"] == person.id_number
    )
    history = officer.get(f"/api/v1/personnel/people/{person.pk}/history").json()
    assert history[0]["change_number"] == change.number
    other, _c = csrf_session(user("hospital_clerk"))
    assert other.get(f"/api/v1/personnel/people/{person.pk}").status_code == 404


def test_establishment_and_snapshot_read_in_scope(user: Callable[[str], Any]) -> None:
    clerk, _c = csrf_session(user("school_clerk"))
    rows = clerk.get("/api/v1/personnel/establishments?fiscal_year=2026").json()
    assert [r["organisation_id"] for r in rows] == [user("school_clerk").organisation_id]
    snapshot = BudgetSnapshot.objects.get(fiscal_year=2027)
    counts = clerk.get(f"/api/v1/personnel/snapshots/{snapshot.pk}/headcount").json()
    assert {c["organisation_id"] for c in counts} == {user("school_clerk").organisation_id}
    people = clerk.get(f"/api/v1/personnel/snapshots/{snapshot.pk}/people").json()["items"]
    assert sum(c["people"] for c in counts) == len(people)
    assert all(
        set(p["monthly_fen_by_class"])
        <= {"30101", "30102", "30103", "30107", "30199", "30301", "30302"}
        for p in people
    )


def test_a_change_through_the_api_is_approved_by_the_workflow_endpoints(
    user: Callable[[str], Any],
) -> None:
    client, csrf = csrf_session(user("school_clerk"))
    made = client.post(
        "/api/v1/personnel/changes",
        {
            "kind": "hire",
            "effective_date": "2026-09-01",
            "basis_doc_no": "x",
            "id_number": id_number(62),
            "name": "甲",
            "establishment_doc_no": "编",
            "data": _json(teacher()),
        },
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert made.status_code == 201, made.content
    change = through_route(user, PersonnelChange.objects.get(pk=made.json()["id"]))
    assert change.state == "applied"
    assert (
        client.get(f"/api/v1/personnel/changes/{change.pk}").json()["period_id"] == change.period_id
    )
