"""What a project's declaration holds, in /api/v1: its plans by year and fund nature, the
calculation detail, the performance goal, basis documents and reviews (R-PJ-3, R-PJ-9, R-PJ-10,
R-PF-5)."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from yusuan.audit.idempotency import DocumentWrite
from yusuan.common.actor import ensure_permission
from yusuan.common.api import Id, IdempotencyKey, require
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, field_amount
from yusuan.projects import inputs, rules, selectors
from yusuan.projects.api.common import READ, WRITE, ProjectDetailOut, _detail
from yusuan.projects.models import Project
from yusuan.projects.services.content import (
    project_add_document,
    project_set_calculation,
    project_set_goal,
    project_set_plans,
)
from yusuan.projects.services.library import ExpertScore, project_review_record

# The operation ids these endpoints were first published under (``yusuan.api.root``), when they
# were all in ``yusuan.projects.api``: clients generate their method names from them.
OPERATION_ID_PREFIX = "yusuan_projects_api"

router = Router(tags=["projects"])


class PlanIn(Schema):
    year: int = Field(ge=2000, le=2100)
    fund_type: str = Field(max_length=8)
    amount: str = Field(description="元", max_length=32)


class PlansIn(Schema):
    rows: list[PlanIn] = Field(max_length=500)


class CalculationIn(Schema):
    year: int = Field(ge=2000, le=2100)
    content: str = Field(max_length=200)
    economic_code: str = Field(description="部门预算经济分类 款 (5 digits)", max_length=16)
    standard_key: str = Field("", description="支出标准 key (R-PJ-10)", max_length=60)
    unit_price: str = Field(description="元", max_length=32)
    quantity: str = Field(description="up to 2 decimals", max_length=20)
    unit: str = Field("", max_length=20)
    amount: str = Field("", description="元; blank = unit price × quantity", max_length=32)
    procurement_item: str = Field("", max_length=40)


class CalculationsIn(Schema):
    rows: list[CalculationIn] = Field(max_length=500)


class IndicatorIn(Schema):
    level1: Literal["output", "benefit", "satisfaction"]
    level2: str = Field(max_length=16)
    name: str = Field(max_length=200)
    operator: Literal["gte", "lte", "eq", "qualitative"]
    target: str = Field(max_length=100)
    unit: str = Field("", max_length=20)
    weight: int | None = Field(None, ge=0, le=100)


class GoalIn(Schema):
    annual: str = Field(max_length=4000)
    medium_term: str = Field("", max_length=4000)
    has_beneficiaries: bool = True
    indicators: list[IndicatorIn] = Field(max_length=200)


DocumentKind = Literal["policy", "plan", "feasibility", "approval", "other"]


class BasisDocumentIn(Schema):
    kind: DocumentKind
    doc_no: str = Field(max_length=100)
    title: str = Field(max_length=200)


class ExpertIn(Schema):
    expert: str = Field(max_length=60)
    score: int
    opinion: str = Field("", max_length=500)


class ReviewIn(Schema):
    kind: Literal["ex_ante", "appraisal"]
    conclusion: Literal["support", "revise", "reject"]
    opinion: str = Field(max_length=4000)
    experts: list[ExpertIn] = Field(default_factory=list, max_length=30)
    approved_amount: str = Field("", description="元 (审定数, appraisals)", max_length=32)


class DeclarationOut(Schema):
    project: ProjectDetailOut
    plans: list[dict[str, Any]]
    calculation: list[dict[str, Any]]
    goal: dict[str, Any] | None
    documents: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    missing: list[dict[str, Any]] = Field(
        description="What R-PJ-3/R-PJ-9/R-PJ-2 would refuse if declared now"
    )
    warnings: list[dict[str, Any]] = Field(description="R-PJ-10 unit prices above a standard")


def _declaration(actor: Any, pk: int) -> dict[str, Any]:
    project = selectors.access_project(actor=actor, pk=pk)
    content = selectors.declaration_content(project)
    goal = content.goal
    return {
        "project": _detail(actor, pk),
        "plans": [
            {"year": r.year, "fund_type": r.fund_type, "amount_fen": r.amount_fen}
            for y in content.plans
            for r in y.rows
        ],
        "calculation": [selectors.calculation_json(r) for r in content.calculation],
        "goal": None if goal is None else selectors.goal_json(goal, content.indicators),
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "doc_no": d.doc_no,
                "title": d.title,
                "file_name": d.file_name,
                "sha256": d.sha256,
            }
            for d in content.documents
        ],
        "reviews": [
            {
                "kind": r.kind,
                "conclusion": r.conclusion,
                "score": str(r.score) if r.score is not None else None,
                "approved_amount_fen": r.approved_amount_fen,
                "opinion": r.opinion,
                "experts": r.experts,
                "created_at": r.created_at.isoformat(),
            }
            for r in content.reviews
        ],
        "missing": [e.as_dict() for e in selectors.declaration_problems(project)]
        if project.state == "draft"
        else [],
        "warnings": [e.as_dict() for e in selectors.declaration_warnings(project)],
    }


declaration_write = DocumentWrite(api_scope=WRITE, read=_declaration)


def field_error(name: str, value: str, limit: int) -> ErrorDetail:
    return ErrorDetail(
        code="projects.document_field_too_long",
        rule="R-PJ-9",
        field=name,
        value=len(value),
        limit=limit,
        message_zh=f"{name} 长度 {len(value)} 超过上限 {limit} 个字符",
        message_en=f"{name} is {len(value)} characters long, over the limit of {limit}",
    )


def _unreadable(errors: list[Any]) -> None:
    if errors:
        raise BusinessRuleError(errors)


@router.get("/projects/{project_id}/declaration", response=DeclarationOut)
def get_declaration(request: HttpRequest, project_id: Id) -> Any:
    """The declaration's plan, calculation, goal, documents and reviews, with what is still
    missing before it can be declared."""
    return _declaration(require(request, "projects.view_project", READ), project_id)


@router.put("/projects/{project_id}/plans", response=DeclarationOut)
def put_plans(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: PlansIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Replace the plan by year and fund nature of a draft (R-PJ-3)."""

    def call(actor: Any) -> Project:
        rows, unreadable = inputs.plan_rows([r.model_dump() for r in payload.rows], prefix="rows")
        _unreadable(unreadable)
        return project_set_plans(
            actor=actor,
            project=selectors.access_project(actor=actor, pk=project_id),
            rows=rows,
            prefix="rows",
        )

    return declaration_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.plans:{project_id}",
        body=payload.model_dump(mode="json"),
        call=call,
    )


@router.put("/projects/{project_id}/calculation", response=DeclarationOut)
def put_calculation(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: CalculationsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Replace the calculation detail (测算明细) of a draft (R-PJ-10)."""

    def call(actor: Any) -> Project:
        rows, unreadable = inputs.calculation_rows(
            [r.model_dump() for r in payload.rows], prefix="rows"
        )
        _unreadable(unreadable)
        project = selectors.access_project(actor=actor, pk=project_id)
        return project_set_calculation(actor=actor, project=project, rows=rows, prefix="rows")[0]

    return declaration_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.calculation:{project_id}",
        body=payload.model_dump(mode="json"),
        call=call,
    )


@router.put("/projects/{project_id}/goal", response=DeclarationOut)
def put_goal(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: GoalIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Replace the performance goal (绩效目标) of a draft (R-PF-5)."""

    def call(actor: Any) -> Project:
        indicators, unreadable = inputs.indicator_rows(
            [i.model_dump() for i in payload.indicators], prefix="indicators"
        )
        _unreadable(unreadable)
        project = selectors.access_project(actor=actor, pk=project_id)
        project_set_goal(
            actor=actor,
            project=project,
            goal=rules.GoalFacts(
                annual=payload.annual,
                has_beneficiaries=payload.has_beneficiaries,
                indicators=indicators,
            ),
            medium_term=payload.medium_term,
            prefix="indicators",
        )
        return project

    return declaration_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.goal:{project_id}",
        body=payload.model_dump(mode="json"),
        call=call,
    )


@router.post("/projects/{project_id}/documents", response=DeclarationOut)
def post_document(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: BasisDocumentIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Add a basis document (立项依据…) by its number and title; with its file: ``documents-file``."""

    def call(actor: Any) -> Project:
        project = selectors.access_project(actor=actor, pk=project_id)
        project_add_document(
            actor=actor,
            project=project,
            kind=payload.kind,
            doc_no=payload.doc_no,
            title=payload.title,
        )
        return project

    return declaration_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.document:{project_id}",
        body=payload.model_dump(mode="json"),
        call=call,
    )


@router.post("/projects/{project_id}/documents-file", response=DeclarationOut)
def post_document_file(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    file: File[UploadedFile],
    kind: Form[DocumentKind],
    doc_no: Form[str],
    title: Form[str],
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Add a basis document with its file (the scan or PDF of the 文件), multipart: the same
    checks as the page (R-PJ-9; the upload limits of DESIGN §7)."""
    too_long = [
        field_error(name, value, limit)
        for name, value, limit in (("doc_no", doc_no, 100), ("title", title, 200))
        if len(value) > limit
    ]
    _unreadable(too_long)
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)

    def call(actor: Any) -> Project:
        project = selectors.access_project(actor=actor, pk=project_id)
        project_add_document(
            actor=actor,
            project=project,
            kind=kind,
            doc_no=doc_no,
            title=title,
            upload=file,
        )
        return project

    return declaration_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.document-file:{project_id}",
        body={
            "kind": kind,
            "doc_no": doc_no,
            "title": title,
            "name": file.name,
            "sha256": digest.hexdigest(),
        },
        call=call,
    )


@router.get("/projects/{project_id}/documents/{document_id}/file")
def get_document_file(request: HttpRequest, project_id: Id, document_id: Id) -> FileResponse:
    """A basis document's file, as uploaded (another unit's project: 404)."""
    actor = require(request, "projects.view_project", READ)
    project = selectors.access_project(actor=actor, pk=project_id)
    document = project.documents.filter(pk=document_id).exclude(file="").first()
    if document is None:
        raise NotFoundError("document file")
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.file_name)


@router.post("/projects/{project_id}/reviews", response=DeclarationOut)
def post_review(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: ReviewIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Record an ex-ante assessment or a financial appraisal with expert scores (R-PJ-9)."""

    def call(actor: Any) -> Project:
        ensure_permission(actor, "projects.add_projectreview")  # 403 before scope, as the page
        project = selectors.access_project(actor=actor, pk=project_id)
        approved = (
            field_amount(payload.approved_amount, "approved_amount")
            if payload.approved_amount.strip()
            else None
        )
        project_review_record(
            actor=actor,
            project=project,
            kind=payload.kind,
            conclusion=payload.conclusion,
            opinion=payload.opinion,
            experts=[ExpertScore(e.expert, e.score, e.opinion) for e in payload.experts],
            approved_amount=approved,
        )
        return project

    return declaration_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.review:{project_id}",
        body=payload.model_dump(mode="json"),
        call=call,
    )
