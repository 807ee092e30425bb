"""/api/v1/indicators as a client system uses it: the scoped ledger, a line's trace (P4) and
movements, documents entered, replayed (P11), submitted, approved through the workflow endpoints
and posted; bad input named by field, rule, value and limit."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

import pytest
from tests.indicator_helpers import shared_source

from yusuan.indicators.models import IndicatorDocument, IndicatorLine, Movement

pytestmark = pytest.mark.django_db


def _school_line(user: Any, eco: str) -> IndicatorLine:
    return IndicatorLine.objects.get(
        organisation=user("school_clerk").organisation, dep_bgt_eco_code=eco, source_type_code="01"
    )


def _post(client: Client, path: str, body: Any = None, key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        path, data=json.dumps(body or {}), content_type="application/json", **headers
    )


def _adjustment(source: IndicatorLine, target: IndicatorLine, amount: str) -> dict[str, Any]:
    return {
        "kind": "adjust",
        "title": "接口调剂：办公费调入维修费",
        "subtype": "economic_class",
        "reason": "校舍维修",
        "lines": [{"source": source.code, "target": target.code, "amount": amount}],
    }


def test_lines_are_scoped_filtered_and_in_fen(client_as: Any, user: Any) -> None:
    office = _school_line(user, "30201")
    body = client_as("school_clerk").get("/api/v1/indicators/lines?page_size=500").json()
    own = user("school_clerk").organisation
    assert body["count"] == IndicatorLine.objects.filter(organisation=own).count() > 0
    assert {item["organisation_id"] for item in body["items"]} == {own.pk}
    row = next(item for item in body["items"] if item["code"] == office.code)
    assert row["available_fen"] == office.available and row["total_fen"] == office.total
    assert row["exp_func_code"] == office.exp_func_code
    filtered = client_as("wj_budget").get(
        "/api/v1/indicators/lines?dep_bgt_eco_code=302&is_dir=false"
    )
    items = filtered.json()["items"]
    assert items and all(i["dep_bgt_eco_code"].startswith("302") and not i["is_dir"] for i in items)


def test_line_detail_traces_and_another_units_line_is_404(client_as: Any, user: Any) -> None:
    office = _school_line(user, "30201")
    detail = client_as("school_clerk").get(f"/api/v1/indicators/lines/{office.pk}").json()
    assert detail["trace"]["origin_document"]["number"] == office.origin_document.number
    assert detail["links"]["origin_document"] == (
        f"/api/v1/indicators/documents/{office.origin_document_id}"
    )
    assert detail["links"]["page"] == f"/indicators/lines/{office.pk}/"
    if office.parent_id:
        assert detail["trace"]["parent"]["id"] == office.parent_id
    numbers = {d["number"] for d in detail["trace"]["documents"]}
    assert office.origin_document.number in numbers
    other = IndicatorLine.objects.exclude(organisation=office.organisation).first()
    assert other is not None
    missing = client_as("school_clerk").get(f"/api/v1/indicators/lines/{other.pk}")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    # The origin document of another unit's line is just as invisible.
    assert (
        client_as("school_clerk")
        .get(f"/api/v1/indicators/documents/{other.origin_document_id}")
        .status_code
        == 404
    )


def test_movements_carry_running_balances(client_as: Any, user: Any) -> None:
    office = _school_line(user, "30201")
    body = client_as("school_clerk").get(f"/api/v1/indicators/lines/{office.pk}/movements").json()
    items = body["items"]
    assert body["count"] == Movement.objects.filter(line=office).count() == len(items)
    running = 0
    for item in items:
        running += item["d_available_fen"]
        assert item["available_after_fen"] == running
    assert items[-1]["available_after_fen"] == office.available
    assert items[-1]["total_after_fen"] == office.total
    assert items[0]["document"]["number"] == office.origin_document.number


def test_adjustment_entered_replayed_submitted_approved_and_posted(
    client_as: Any, user: Any
) -> None:
    office = _school_line(user, "30201")
    repair = _school_line(user, "30213")
    clerk = client_as("school_clerk")
    body = _adjustment(office, repair, "1,200.50")
    created = _post(clerk, "/api/v1/indicators/documents", body, key="adj-api-1")
    assert created.status_code == 201, created.content
    document = created.json()
    assert document["state"] == "draft" and document["total_fen"] == 120050
    assert document["lines"][0]["source_code"] == office.code
    again = _post(clerk, "/api/v1/indicators/documents", body, key="adj-api-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == document["number"]
    assert IndicatorDocument.objects.filter(title=body["title"]).count() == 1

    submitted = _post(clerk, f"/api/v1/indicators/documents/{document['id']}/submit", key="s-1")
    assert submitted.status_code == 200, submitted.content
    rounds = submitted.json()["rounds"]
    assert len(rounds) == 1 and rounds[0]["state"] == "in_progress"
    instance_url = rounds[0]["url"]
    for approver in ("school_approver", "edu_approver"):
        round_ = client_as(approver).get(instance_url).json()
        response = _post(
            client_as(approver),
            f"{instance_url}/approve",
            {
                "expected_step": round_["route"][
                    [s["status"] for s in round_["route"]].index("current")
                ]["index"]
            },
        )
        assert response.status_code == 200, response.content
    final = clerk.get(f"/api/v1/indicators/documents/{document['id']}").json()
    assert final["state"] == "posted"
    office_before, repair_before = office.available, repair.available
    office.refresh_from_db()
    repair.refresh_from_db()
    assert office.available == office_before - 120050
    assert repair.available == repair_before + 120050
    last = clerk.get(f"/api/v1/indicators/lines/{repair.pk}/movements").json()["items"][-1]
    assert last["document"]["number"] == document["number"]
    assert last["available_after_fen"] == repair.available


def test_bad_rows_are_named_and_nothing_is_saved(client_as: Any, user: Any) -> None:
    office = _school_line(user, "30201")
    repair = _school_line(user, "30213")
    clerk = client_as("school_clerk")
    count = IndicatorDocument.objects.count()

    as_number = _adjustment(office, repair, "1")
    as_number["lines"][0]["amount"] = 12.5  # money never travels as a float
    refused = _post(clerk, "/api/v1/indicators/documents", as_number)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "lines[0].amount"

    body = _adjustment(office, repair, "1.234")
    body["lines"].append({"source": "ZB-NOPE", "target": repair.code, "amount": "5"})
    over = f"{office.available // 100 + 1}"
    body["lines"].append({"source": office.code, "target": repair.code, "amount": over})
    refused = _post(clerk, "/api/v1/indicators/documents", body)
    assert refused.status_code == 422, refused.content
    listed = refused.json()["errors"]
    errors = {e["field"]: e for e in listed}
    assert errors["lines[0].amount"]["value"] == "1.234"
    assert [e["field"] for e in listed].count("lines[0].amount") == 1  # not also "must be > 0"
    assert errors["lines[1].source"]["code"] == "indicators.code_unknown"
    assert errors["lines[1].source"]["value"] == "ZB-NOPE"
    # The rule checks of the readable rows come in the same answer.
    assert errors["lines[2].amount"]["rule"] == "R-AJ-4"

    too_much = f"{office.available // 100 + 1}"
    refused = _post(clerk, "/api/v1/indicators/documents", _adjustment(office, repair, too_much))
    assert refused.status_code == 422
    error = refused.json()["errors"][0]
    assert (error["code"], error["rule"], error["field"]) == (
        "indicators.insufficient",
        "R-AJ-4",
        "lines[0].amount",
    )
    assert error["limit"] == f"{office.available // 100:,}.{office.available % 100:02d}"
    assert office.code in error["message"]
    assert IndicatorDocument.objects.count() == count


def test_finance_document_posted_by_a_second_officer(client_as: Any, user: Any) -> None:
    office = _school_line(user, "30201")
    entrant, chief = client_as("wj_budget"), client_as("wj_budget_chief")
    created = _post(
        entrant,
        "/api/v1/indicators/documents",
        {
            "kind": "increase",
            "title": "追加办公经费",
            "doc_no": "吴财预〔2026〕88号",
            "budget_source": shared_source().code,  # R-IN-7
            "lines": [{"target": office.code, "amount": "30000"}],
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    own = _post(entrant, f"/api/v1/indicators/documents/{pk}/post")
    assert own.status_code == 403
    assert own.json()["errors"][0]["rule"] == "R-WF-1"
    before = office.total
    posted = _post(chief, f"/api/v1/indicators/documents/{pk}/post", key="post-88")
    assert posted.status_code == 200 and posted.json()["state"] == "posted"
    replay = _post(chief, f"/api/v1/indicators/documents/{pk}/post", key="post-88")
    assert replay["Idempotent-Replayed"] == "true"
    office.refresh_from_db()
    assert office.total == before + 3_000_000  # posted once
    again = _post(chief, f"/api/v1/indicators/documents/{pk}/post")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "indicators.not_draft"


def test_draft_is_edited_and_voided(client_as: Any, user: Any) -> None:
    office = _school_line(user, "30201")
    repair = _school_line(user, "30213")
    clerk = client_as("school_clerk")
    pk = _post(clerk, "/api/v1/indicators/documents", _adjustment(office, repair, "10")).json()[
        "id"
    ]
    body = _adjustment(office, repair, "20")
    changed = clerk.put(
        f"/api/v1/indicators/documents/{pk}", data=json.dumps(body), content_type="application/json"
    )
    assert changed.status_code == 200 and changed.json()["total_fen"] == 2000
    voided = _post(clerk, f"/api/v1/indicators/documents/{pk}/void")
    assert voided.json()["state"] == "void"
    assert (
        client_as("school_approver")
        .put(
            f"/api/v1/indicators/documents/{pk}",
            data=json.dumps(body),
            content_type="application/json",
        )
        .status_code
        == 403
    )


def test_token_scopes(client: Client, user: Any) -> None:
    from yusuan.identity.services import api_token_issue

    clerk = user("school_clerk")
    body = _adjustment(_school_line(user, "30201"), _school_line(user, "30213"), "1")
    narrow = api_token_issue(actor=None, user=clerk, name="core", scopes=["core:read"])
    wide = api_token_issue(actor=None, user=clerk, name="ind", scopes=["indicators:read"])
    path = "/api/v1/indicators/lines"
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {narrow.key}").status_code == 403
    assert client.get(path, HTTP_AUTHORIZATION=f"Bearer {wide.key}").status_code == 200
    write = client.post(
        "/api/v1/indicators/documents",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {wide.key}",
    )
    assert write.status_code == 403
    assert not IndicatorDocument.objects.filter(title=body["title"]).exists()
