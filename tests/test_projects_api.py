"""/api/v1/projects (issue 14 item 6): what the project library's pages do, through the same
services — enter, edit and declare a project — for a browser session (CSRF enforced) and an
integrator's token alike."""

from __future__ import annotations

from typing import Any, get_args

from django.test import Client

import pytest
from tests.test_api_csrf import csrf_session

from yusuan.audit.models import AuditRecord
from yusuan.identity.services import api_token_issue
from yusuan.projects.api.common import StateFilter
from yusuan.projects.choices import ProjectState
from yusuan.projects.models import Project
from yusuan.workflow.models import WorkflowInstance

pytestmark = pytest.mark.django_db


def _body(**changes: Any) -> dict[str, Any]:
    draft = Project.objects.filter(organisation__name="吴江区松陵实验小学").first()
    assert draft is not None
    body = {
        "name": "校园安防监控升级",
        "category": draft.category,
        "kind": "new",
        "start_year": draft.start_year,
        "end_year": draft.end_year,
        "total_amount": "1,250,000.50",
        "fund_type": draft.fund_type,
        "basis": "《校园安全管理办法》",
        "is_procurement": True,
    }
    return {**body, **changes}


def _token(user: Any, *scopes: str) -> dict[str, str]:
    token = api_token_issue(actor=user, user=user, name="integrator", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}


def test_the_state_filter_lists_every_project_state() -> None:
    assert set(get_args(StateFilter)) - {""} == set(ProjectState.values)


def test_a_clerk_enters_edits_and_declares_a_project_through_the_api(user: Any) -> None:
    clerk = user("school_clerk")
    client, csrf = csrf_session(clerk)
    headers = {"HTTP_X_CSRFTOKEN": csrf}

    # Enter: a draft of the clerk's unit, the amount in fen, once per Idempotency-Key.
    made = client.post(
        "/api/v1/projects",
        _body(),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="proj-1",
        **headers,
    )
    assert made.status_code == 201, made.content
    project = made.json()
    assert project["state"] == "draft"
    assert project["total_amount_fen"] == 125_000_050
    assert project["organisation_id"] == clerk.organisation_id
    assert project["is_procurement"] is True
    again = client.post(
        "/api/v1/projects",
        _body(),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="proj-1",
        **headers,
    )
    assert again.json() == project
    assert Project.objects.filter(name="校园安防监控升级").count() == 1
    assert (
        AuditRecord.objects.filter(action="projects.create", object_id=str(project["id"])).count()
        == 1
    )

    # Edit the draft, then read it back and find it in the list.
    path = f"/api/v1/projects/{project['id']}"
    edited = client.put(
        path,
        _body(total_amount="980000", name="校园安防升级"),
        content_type="application/json",
        **headers,
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["total_amount_fen"] == 98_000_000
    assert client.get(path).json()["name"] == "校园安防升级"
    listed = client.get("/api/v1/projects", {"q": project["code"], "state": "draft"}).json()
    assert [p["id"] for p in listed["items"]] == [project["id"]]

    # A bare draft is refused with everything it lacks (R-PJ-3, R-PJ-9, R-PJ-2).
    bare = client.post(f"{path}/submit", content_type="application/json", **headers)
    assert bare.status_code == 422, bare.content
    assert {e["code"] for e in bare.json()["errors"]} == {
        "projects.plan_total_mismatch",
        "projects.basis_missing",
        "projects.calculation_total_mismatch",
        "projects.goal_missing",
    }
    # Fill it in through the API: plan by year, calculation, goal, basis document.
    shown = client.get(path).json()
    years = list(range(shown["start_year"], shown["end_year"] + 1))
    year = max(shown["start_year"], shown["fiscal_year"])
    each = 980_000 // len(years)
    plans = [{"year": y, "fund_type": "111", "amount": str(each)} for y in years]
    plans[-1]["amount"] = str(980_000 - each * (len(years) - 1))
    year_amount = next(p["amount"] for p in plans if p["year"] == year)
    bad_plan = client.put(
        f"{path}/plans",
        {"rows": [{"year": 1999 + 100, "fund_type": "111", "amount": "980000"}]},
        content_type="application/json",
        **headers,
    )
    assert bad_plan.status_code == 422
    assert "rows[0].year" in {e["field"] for e in bad_plan.json()["errors"]}
    assert (
        client.put(
            f"{path}/plans", {"rows": plans}, content_type="application/json", **headers
        ).status_code
        == 200
    )
    calculation = client.put(
        f"{path}/calculation",
        {
            "rows": [
                {
                    "year": year,
                    "content": "监控摄像机",
                    "economic_code": "31002",
                    "unit_price": year_amount,
                    "quantity": "1",
                    "unit": "批",
                }
            ]
        },
        content_type="application/json",
        **headers,
    )
    assert calculation.status_code == 200, calculation.content
    assert calculation.json()["calculation"][0]["amount_fen"] == int(year_amount) * 100
    goal = client.put(
        f"{path}/goal",
        {
            "annual": "完成全校监控升级",
            "indicators": [
                {
                    "level1": "output",
                    "level2": "quantity",
                    "name": "摄像机",
                    "operator": "gte",
                    "target": "120",
                    "unit": "台",
                },
                {
                    "level1": "benefit",
                    "level2": "social",
                    "name": "安全事件下降",
                    "operator": "gte",
                    "target": "30",
                    "unit": "%",
                },
                {
                    "level1": "satisfaction",
                    "level2": "served",
                    "name": "师生满意度",
                    "operator": "gte",
                    "target": "90",
                    "unit": "%",
                },
            ],
        },
        content_type="application/json",
        **headers,
    )
    assert goal.status_code == 200, goal.content
    document = client.post(
        f"{path}/documents",
        {"kind": "policy", "doc_no": "吴教发〔2026〕3号", "title": "校园安全三年行动"},
        content_type="application/json",
        **headers,
    )
    assert document.status_code == 200, document.content
    assert document.json()["missing"] == []

    # Declare: it enters the declaration workflow and can no longer be edited.
    declared = client.post(f"{path}/submit", content_type="application/json", **headers)
    assert declared.status_code == 200, declared.content
    assert declared.json()["state"] == "declared"
    assert WorkflowInstance.objects.filter(
        document_type="projects.declaration", object_id=str(project["id"])
    ).exists()
    refused = client.put(path, _body(), content_type="application/json", **headers)
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "state"


def test_a_session_write_without_its_csrf_token_is_refused(user: Any) -> None:
    client, _ = csrf_session(user("school_clerk"))
    response = client.post("/api/v1/projects", _body(), content_type="application/json")
    assert response.status_code == 403
    assert not Project.objects.filter(name="校园安防监控升级").exists()


def test_an_integrator_token_enters_a_project_within_its_scopes(client: Client, user: Any) -> None:
    clerk = user("school_clerk")
    writer = _token(clerk, "projects:read", "projects:write")
    made = client.post("/api/v1/projects", _body(), content_type="application/json", **writer)
    assert made.status_code == 201, made.content

    reader = _token(clerk, "projects:read")
    refused = client.post(
        "/api/v1/projects", _body(name="另一个"), content_type="application/json", **reader
    )
    assert refused.status_code == 403
    assert not Project.objects.filter(name="另一个").exists()


def test_bad_input_names_the_field_and_writes_nothing(client: Client, user: Any) -> None:
    client.force_login(user("school_clerk"))
    before = Project.objects.count()
    for amount in ("1e5", "12.345", "-5", "abc"):
        response = client.post(
            "/api/v1/projects", _body(total_amount=amount), content_type="application/json"
        )
        assert response.status_code == 422, (amount, response.content)
        assert response.json()["errors"][0]["field"] == "total_amount", amount
    wrong_code = client.post(
        "/api/v1/projects", _body(fund_type="999"), content_type="application/json"
    )
    assert wrong_code.status_code == 422
    assert "fund_type" in {e["field"] for e in wrong_code.json()["errors"]}
    assert Project.objects.count() == before


def test_a_role_without_the_permission_gets_403(client: Client, user: Any) -> None:
    # The audit office sees every project of the region but changes none.
    draft = Project.objects.filter(organisation__name="吴江区松陵实验小学", state="draft").first()
    client.force_login(user("wj_auditor"))
    assert client.get(f"/api/v1/projects/{draft.pk}").status_code == 200
    for response in (
        client.post("/api/v1/projects", _body(), content_type="application/json"),
        client.put(f"/api/v1/projects/{draft.pk}", _body(), content_type="application/json"),
        client.post(f"/api/v1/projects/{draft.pk}/submit", content_type="application/json"),
    ):
        assert response.status_code == 403, response.content
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_another_units_project_is_not_found(client: Client, user: Any) -> None:
    draft = Project.objects.filter(organisation__name="吴江区松陵实验小学", state="draft").first()
    client.force_login(user("hospital_clerk"))
    for response in (
        client.get(f"/api/v1/projects/{draft.pk}"),
        client.put(f"/api/v1/projects/{draft.pk}", _body(), content_type="application/json"),
        client.post(f"/api/v1/projects/{draft.pk}/submit", content_type="application/json"),
    ):
        assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_an_integrator_adds_a_basis_document_with_its_file_and_reads_it_back(user: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client, override_settings

    clerk = user("school_clerk")
    draft = Project.objects.filter(organisation__name="吴江区松陵实验小学", state="draft").first()
    assert draft is not None
    auth = _token(clerk, "projects:read", "projects:write")
    client = Client(enforce_csrf_checks=True)
    url = f"/api/v1/projects/{draft.pk}/documents-file"
    pdf = b"%PDF-1.4 \xe7\xab\x8b\xe9\xa1\xb9\xe4\xbe\x9d\xe6\x8d\xae"

    def form(name: str = "依据.pdf", body: bytes = pdf, **over: str) -> dict[str, Any]:
        return {
            "kind": "policy",
            "doc_no": "吴教发〔2026〕7号",
            "title": "<script>alert(1)</script>关于校园安全的通知",
            **over,
            "file": SimpleUploadedFile(name, body, content_type="application/pdf"),
        }

    made = client.post(url, form(), HTTP_IDEMPOTENCY_KEY="doc-1", **auth)
    assert made.status_code == 200, made.content
    [added] = [d for d in made.json()["documents"] if d["doc_no"] == "吴教发〔2026〕7号"]
    assert added["file_name"] == "依据.pdf"
    again = client.post(url, form(), HTTP_IDEMPOTENCY_KEY="doc-1", **auth)
    assert again["Idempotent-Replayed"] == "true"
    assert draft.documents.filter(doc_no="吴教发〔2026〕7号").count() == 1
    # The file comes back byte for byte, to the project's own unit only.
    got = client.get(f"/api/v1/projects/{draft.pk}/documents/{added['id']}/file", **auth)
    assert got.status_code == 200 and b"".join(got.streaming_content) == pdf
    hospital = user("hospital_clerk")
    theirs = _token(hospital, "projects:read", "projects:write")
    assert (
        client.get(f"/api/v1/projects/{draft.pk}/documents/{added['id']}/file", **theirs)
    ).status_code == 404
    assert client.post(url, form(), HTTP_IDEMPOTENCY_KEY="doc-x", **theirs).status_code == 404
    # Refusals name the field and the limit; nothing is added.
    exe = client.post(url, form("virus.exe"), HTTP_IDEMPOTENCY_KEY="doc-2", **auth)
    assert exe.status_code == 422
    assert [(e["code"], e["field"]) for e in exe.json()["errors"]] == [
        ("projects.document_type", "file")
    ]
    long = client.post(url, form(doc_no="号" * 101), HTTP_IDEMPOTENCY_KEY="doc-3", **auth)
    assert long.status_code == 422
    [error] = long.json()["errors"]
    assert (error["field"], error["value"], error["limit"]) == ("doc_no", 101, 100)
    with override_settings(YUSUAN_UPLOAD_MAX_BYTES=len(pdf) - 1):
        big = client.post(url, form(), HTTP_IDEMPOTENCY_KEY="doc-4", **auth)
    assert big.status_code == 413 and big.json()["errors"][0]["limit"] == len(pdf) - 1
    assert draft.documents.count() == len(made.json()["documents"])
