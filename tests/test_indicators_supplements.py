"""追加申请 (DOMAIN-2 C2, R-AJ-7): a unit that needs more money files a request; unit, department
and finance approve it through the engine; finance answers it with an 追加 document that cites it.

Refusals are asserted by code, rule, field and figures; the request's scope is the unit's (another
unit's request is a 404 in services, pages and the API).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.indicator_helpers import issue, project, shared_source, spec
from tests.test_api_csrf import csrf_session

from yusuan.audit.models import AuditRecord
from yusuan.common.actor import PermissionDeniedError
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError
from yusuan.common.money import Money
from yusuan.indicators.choices import DocumentKind, SupplementState
from yusuan.indicators.models import IndicatorDocument, IndicatorLine, SupplementRequest
from yusuan.indicators.selectors import supplement_get
from yusuan.indicators.services import (
    DocumentInput,
    LineInput,
    document_create,
    document_post,
)
from yusuan.indicators.services.supplements import (
    SupplementInput,
    supplement_answer,
    supplement_create,
    supplement_update,
)
from yusuan.indicators.workflow import SUPPLEMENT_HANDLER
from yusuan.workflow import services as workflow
from yusuan.workflow.models import WorkflowInstance

pytestmark = pytest.mark.django_db

DOCUMENT_TYPE = "indicators.supplement"
ROUTE = ["unit_approval", "department_approval", "sector_review", "budget_approval"]
APPROVERS = {
    "unit_approval": "school_approver",
    "department_approval": "edu_approver",
    "sector_review": "wj_sector_edu",
    "budget_approval": "wj_budget_chief",
}


class World:
    def __init__(self, user: Callable[[str], Any]) -> None:
        self.user = user
        self.clerk, self.budget, self.chief = (
            user("school_clerk"),
            user("wj_budget"),
            user("wj_budget_chief"),
        )
        self.school = self.clerk.organisation
        self.proj = project(self.school, self.clerk, name="智慧教室建设")
        [self.line] = issue(self.budget, self.chief, [(spec(self.school, self.proj), 100_000_00)])
        hospital_clerk = user("hospital_clerk")
        hospital = hospital_clerk.organisation
        other = project(hospital, user("health_clerk"), name="医院项目")
        [self.foreign] = issue(self.budget, self.chief, [(spec(hospital, other), 100_000_00)])


@pytest.fixture
def w(user: Callable[[str], Any]) -> World:
    return World(user)


def request_for(w: World, fen: int = 50_000_00, **kw: Any) -> SupplementRequest:
    values: dict[str, Any] = {
        "title": "智慧教室二期追加",
        "amount": Money(fen),
        "reason": "二期设备招标价格上涨",
        "line_id": w.line.pk,
        "fiscal_year": 2026,
    }
    values.update(kw)
    return supplement_create(actor=w.clerk, data=SupplementInput(**values))


def increase(w: World, line: IndicatorLine, fen: int) -> IndicatorDocument:
    return document_create(
        actor=w.budget,
        data=DocumentInput(
            kind=DocumentKind.INCREASE,
            title="追加智慧教室二期",
            doc_no="吴财预〔2026〕21号",
            fiscal_year=2026,
            budget_source_id=shared_source().pk,  # R-IN-7: finance answers from a source
            lines=[LineInput(amount=Money(fen), target_id=line.pk)],
        ),
    )


def approved(w: World, request: SupplementRequest) -> WorkflowInstance:
    instance = workflow.document_submit(
        actor=w.clerk, document_type=DOCUMENT_TYPE, object_id=str(request.pk)
    )
    while instance.state == "in_progress":
        instance = workflow.instance_approve(
            actor=w.user(APPROVERS[instance.step_key]),
            instance_id=instance.pk,
            expected_step=instance.step_index,
        )
    return instance


def errors_of(call: Callable[[], Any]) -> list[ErrorDetail]:
    before = (SupplementRequest.objects.count(), AuditRecord.objects.count())
    with pytest.raises(BusinessRuleError) as caught:
        call()
    assert (SupplementRequest.objects.count(), AuditRecord.objects.count()) == before
    return caught.value.errors


def test_r_aj_7_a_request_goes_unit_department_finance_and_is_answered_by_an_increase(
    w: World,
) -> None:
    request = request_for(w)
    assert request.number.startswith("ZS2026")
    assert (request.state, request.amount, request.project_id) == (
        SupplementState.DRAFT,
        50_000_00,
        w.proj.pk,
    )
    instance = workflow.document_submit(
        actor=w.clerk, document_type=DOCUMENT_TYPE, object_id=str(request.pk)
    )
    assert instance.definition.code == "supplement-request"
    assert [s["key"] for s in instance.route] == ROUTE
    assert instance.facts["amount_fen"] == 50_000_00
    request.refresh_from_db()
    assert request.state == SupplementState.SUBMITTED
    while instance.state == "in_progress":
        request.refresh_from_db()
        assert request.state == SupplementState.SUBMITTED  # only the last step approves it
        instance = workflow.instance_approve(
            actor=w.user(APPROVERS[instance.step_key]),
            instance_id=instance.pk,
            expected_step=instance.step_index,
        )
    request.refresh_from_db()
    assert request.state == SupplementState.APPROVED
    # Approving asks; it moves no money.
    w.line.refresh_from_db()
    assert w.line.total == 100_000_00
    # Finance answers with an 追加 that cites the request, and posts it.
    document = increase(w, w.line, 50_000_00)
    answered = supplement_answer(actor=w.budget, request_id=request.pk, document_id=document.pk)
    assert (answered.state, answered.answer_id) == (SupplementState.ANSWERED, document.pk)
    assert IndicatorDocument.objects.get(pk=document.pk).supplement_request == answered
    record = AuditRecord.objects.get(
        action="indicators.supplement_answer", object_id=str(request.pk)
    )
    assert record.changes["answer"] == [None, document.number]
    document_post(actor=w.chief, document_id=document.pk)
    w.line.refresh_from_db()
    assert (w.line.total, w.line.available) == (150_000_00, 150_000_00)


def test_r_aj_7_every_problem_of_a_request_at_once(w: World) -> None:
    errors = errors_of(lambda: request_for(w, 0, title=" ", reason="", line_id=None))
    assert {(e.code, e.rule, e.field) for e in errors} == {
        ("indicators.title_required", "R-AJ-7", "title"),
        ("indicators.amount_not_positive", "R-AJ-7", "amount"),
        ("indicators.reason_required", "R-AJ-7", "reason"),
    }
    amount = next(e for e in errors if e.field == "amount")
    assert (amount.value, amount.limit) == ("0.00", "> 0")
    [missing] = errors_of(lambda: request_for(w, line_id=None))
    assert (missing.code, missing.field) == ("indicators.line_or_project_required", "line_id")


def test_r_aj_7_another_units_line_is_not_asked_for(w: World) -> None:
    [detail] = errors_of(lambda: request_for(w, line_id=w.foreign.pk))
    assert (detail.code, detail.rule, detail.field, detail.value) == (
        "indicators.line_unknown",
        "R-AJ-7",
        "line_id",
        w.foreign.pk,
    )


def test_r_aj_7_only_an_approved_request_is_answered(w: World) -> None:
    request = request_for(w)
    document = increase(w, w.line, 50_000_00)
    with pytest.raises(BusinessRuleError) as caught:
        supplement_answer(actor=w.budget, request_id=request.pk, document_id=document.pk)
    [detail] = caught.value.errors
    assert (detail.code, detail.rule, detail.field, caught.value.status) == (
        "indicators.supplement_not_approved",
        "R-AJ-7",
        "state",
        409,
    )
    request.refresh_from_db()
    assert (request.state, request.answer_id) == (SupplementState.DRAFT, None)


def test_r_aj_7_the_answer_is_an_increase_of_the_requesting_unit(w: World) -> None:
    request = request_for(w)
    approved(w, request)
    foreign_increase = increase(w, w.foreign, 10_00)
    [detail] = errors_of(
        lambda: supplement_answer(
            actor=w.budget, request_id=request.pk, document_id=foreign_increase.pk
        )
    )
    assert (detail.code, detail.rule, detail.field, detail.value, detail.limit) == (
        "indicators.answer_other_unit",
        "R-AJ-7",
        "lines[0].target",
        w.foreign.code,
        w.school.name,
    )
    hold = document_create(
        actor=w.budget,
        data=DocumentInput(
            kind=DocumentKind.HOLD,
            title="冻结",
            fiscal_year=2026,
            lines=[LineInput(amount=Money(1_00), target_id=w.line.pk)],
        ),
    )
    [detail] = errors_of(
        lambda: supplement_answer(actor=w.budget, request_id=request.pk, document_id=hold.pk)
    )
    assert (detail.code, detail.field, detail.value, detail.limit) == (
        "indicators.answer_not_increase",
        "document_id",
        hold.number,
        DocumentKind.INCREASE,
    )
    # One increase answers one request.
    document = increase(w, w.line, 10_00)
    supplement_answer(actor=w.budget, request_id=request.pk, document_id=document.pk)
    second = request_for(w, 1_00)
    approved(w, second)
    [detail] = errors_of(
        lambda: supplement_answer(actor=w.budget, request_id=second.pk, document_id=document.pk)
    )
    assert (detail.code, detail.value) == ("indicators.answer_taken", document.number)


def test_r_aj_7_a_unit_clerk_cannot_answer(w: World) -> None:
    request = request_for(w)
    with pytest.raises(PermissionDeniedError) as caught:
        supplement_answer(actor=w.clerk, request_id=request.pk, document_id=1)
    assert "answer_supplementrequest" in str(caught.value)


def test_another_units_request_is_not_found(w: World, user: Callable[[str], Any]) -> None:
    request = request_for(w)
    outsider = user("hospital_clerk")
    with pytest.raises(NotFoundError):
        supplement_get(actor=outsider, request_id=request.pk)
    for junk in ("abc", "²", "9" * 30, str(request.pk)):
        with pytest.raises(NotFoundError):
            SUPPLEMENT_HANDLER.load(actor=outsider, object_id=junk)
    with pytest.raises(NotFoundError):
        workflow.document_submit(
            actor=outsider, document_type=DOCUMENT_TYPE, object_id=str(request.pk)
        )
    with pytest.raises(NotFoundError):
        supplement_update(
            actor=outsider,
            request_id=request.pk,
            data=SupplementInput(title="x", amount=Money(1), reason="x", line_id=w.line.pk),
        )


def test_a_submitted_request_is_neither_submitted_again_nor_edited(w: World) -> None:
    request = request_for(w)
    workflow.document_submit(actor=w.clerk, document_type=DOCUMENT_TYPE, object_id=str(request.pk))
    with pytest.raises(BusinessRuleError) as caught:
        SUPPLEMENT_HANDLER.ensure_draft(SupplementRequest.objects.get(pk=request.pk))
    [detail] = caught.value.errors
    assert (detail.code, detail.field, detail.value) == (
        "indicators.supplement_not_draft",
        "state",
        "审批中",
    )
    with pytest.raises(BusinessRuleError) as caught:
        supplement_update(
            actor=w.clerk,
            request_id=request.pk,
            data=SupplementInput(title="x", amount=Money(1), reason="x", line_id=w.line.pk),
        )
    assert caught.value.errors[0].code == "indicators.not_draft"


def test_the_api_files_submits_and_answers_a_request(w: World, user: Callable[[str], Any]) -> None:
    client, csrf = csrf_session(w.clerk)
    body = {
        "title": "校园安防追加",
        "amount": "12,345.67",
        "reason": "新增监控点位",
        "line_id": w.line.pk,
        "fiscal_year": 2026,
    }
    made = client.post(
        "/api/v1/supplements",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="zs-1",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert made.status_code == 201, made.content
    out = made.json()
    assert (out["amount_fen"], out["state"], out["line_code"]) == (1_234_567, "draft", w.line.code)
    bad = client.post(
        "/api/v1/supplements",
        {**body, "reason": ""},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "reason"
    submitted = client.post(f"/api/v1/supplements/{out['id']}/submit", HTTP_X_CSRFTOKEN=csrf)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    outsider, outsider_csrf = csrf_session(user("hospital_clerk"))
    assert outsider.get(f"/api/v1/supplements/{out['id']}").status_code == 404
    listed = outsider.get("/api/v1/supplements").json()
    assert out["id"] not in [r["id"] for r in listed["items"]]
    instance = WorkflowInstance.objects.get(document_type=DOCUMENT_TYPE, object_id=str(out["id"]))
    while instance.state == "in_progress":
        instance = workflow.instance_approve(
            actor=w.user(APPROVERS[instance.step_key]),
            instance_id=instance.pk,
            expected_step=instance.step_index,
        )
    document = increase(w, w.line, 1_234_567)
    finance, finance_csrf = csrf_session(w.budget)
    answered = finance.post(
        f"/api/v1/supplements/{out['id']}/answer",
        {"document_id": document.pk},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=finance_csrf,
    )
    assert answered.status_code == 200, answered.content
    assert (answered.json()["state"], answered.json()["answer_number"]) == (
        "answered",
        document.number,
    )


def test_the_pages_file_and_show_a_request(w: World, client_as: Callable[[str], Any]) -> None:
    clerk = client_as("school_clerk")
    page = clerk.post(
        "/indicators/supplements/new/",
        {
            "title": "图书馆设备追加",
            "amount": "8,000.00",
            "line_id": str(w.line.pk),
            "project_id": "",
            "reason": "馆藏扩充",
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]
    request = SupplementRequest.objects.get(title="图书馆设备追加")
    assert request.amount == 8_000_00
    detail = clerk.get(f"/indicators/supplements/{request.pk}/")
    assert detail.status_code == 200
    assert "8,000.00" in detail.content.decode()
    clerk.post(f"/indicators/supplements/{request.pk}/submit/")
    request.refresh_from_db()
    assert request.state == SupplementState.SUBMITTED
    assert (
        client_as("hospital_clerk").get(f"/indicators/supplements/{request.pk}/").status_code == 404
    )
    listed = clerk.get("/indicators/supplements/").content.decode()
    assert request.number in listed
