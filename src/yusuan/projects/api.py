"""Project library endpoints of /api/v1 (项目库): the scoped list and detail, enter a draft, edit a
draft, submit it for declaration. Each calls the service its page calls; approvals go through
``/workflow/instances/{id}/…`` like every document type's (the document-type kit)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from yusuan.audit.idempotency import DocumentWrite, write_once
from yusuan.common.actor import ensure_permission
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import BusinessRuleError, field_amount
from yusuan.core.models import Organisation
from yusuan.core.selectors import current_fiscal_year
from yusuan.projects import basic_selectors, inputs, rules, selectors
from yusuan.projects.exchange import declarations_import
from yusuan.projects.models import Project
from yusuan.projects.services import ProjectInput, project_create, project_update
from yusuan.projects.services import basic as basic_service
from yusuan.projects.services.changes import change_cancel, change_start
from yusuan.projects.services.content import (
    project_add_document,
    project_remove_document,
    project_set_calculation,
    project_set_goal,
    project_set_plans,
)
from yusuan.projects.services.library import (
    ExpertScore,
    library_roll,
    project_end,
    project_rank,
    project_review_record,
    stale_projects,
)
from yusuan.projects.workflow import DOCUMENT_TYPE
from yusuan.workflow.services import document_submit

router = Router(tags=["projects"])
READ, WRITE = "projects:read", "projects:write"

StateFilter = Literal[
    "",
    "draft",
    "declared",
    "dept_reviewed",
    "finance_reviewed",
    "stored",
    "budgeted",
    "executing",
    "carried_over",
    "completed",
    "closed",
    "terminated",
    "void",
]


class ProjectIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(description="项目类别 code of the year's code set", max_length=8)
    kind: Literal["new", "continuing", "carried"] = "new"
    start_year: int = Field(ge=2000, le=2100)
    end_year: int = Field(ge=2000, le=2100)
    total_amount: str = Field(description="元, e.g. '1,234.56'", max_length=32)
    fund_type: str = Field(description="资金性质 code", max_length=8)
    basis: str = Field("", max_length=4000)
    content: str = Field("", max_length=4000)
    is_procurement: bool = False
    is_three_public: bool = False
    is_research: bool = False
    is_infrastructure: bool = False
    infrastructure_doc_no: str = Field("", max_length=100)
    is_gov_service: bool = False
    track_code: str = Field("", max_length=24)


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    fiscal_year: int
    organisation_id: int
    organisation_name: str
    category: str
    kind: str
    start_year: int
    end_year: int
    total_amount_fen: int
    fund_type: str
    state: str
    rank: int | None
    approved_amount_fen: int | None


class ProjectDetailOut(ProjectOut):
    basis: str
    content: str
    is_procurement: bool
    is_three_public: bool
    is_research: bool
    is_infrastructure: bool
    infrastructure_doc_no: str
    is_gov_service: bool
    track_code: str
    version: int


def _project(project: Project) -> dict[str, Any]:
    fields = ProjectOut.model_fields.keys() - {"id", "organisation_name"}
    return {
        **{name: getattr(project, name) for name in fields},
        "id": project.pk,
        "organisation_name": project.organisation.name,
    }


def _detail(actor: Any, pk: int) -> dict[str, Any]:
    project = selectors.access_project(actor=actor, pk=pk)
    extra = ProjectDetailOut.model_fields.keys() - ProjectOut.model_fields.keys()
    return {**_project(project), **{name: getattr(project, name) for name in extra}}


def _input(payload: ProjectIn) -> ProjectInput:
    values = payload.model_dump(exclude={"total_amount"})
    return ProjectInput(**values, total_amount=field_amount(payload.total_amount, "total_amount"))


write = DocumentWrite(api_scope=WRITE, read=_detail)


@router.get("/projects", response=list[ProjectOut])
@paged(100)
def list_projects(request: HttpRequest, q: str = "", state: StateFilter = "") -> Any:
    """The project library as the list page shows it: code, name or unit containing ``q``."""
    actor = require(request, "projects.view_project", READ)
    return Rendered(selectors.project_list(actor=actor, text=q[:100], state=state), _project)


@router.get("/projects/{project_id}", response=ProjectDetailOut)
def get_project(request: HttpRequest, project_id: Id) -> Any:
    return _detail(require(request, "projects.view_project", READ), project_id)


@router.post("/projects", response={201: ProjectDetailOut})
def create_project(
    request: HttpRequest,
    response: HttpResponse,
    payload: ProjectIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Enter a project of the caller's unit as a draft, in the current fiscal year (as the page)."""

    def call(actor: Any) -> Project:
        current = current_fiscal_year(actor=actor)
        if current is None:
            raise BusinessRuleError.single(
                code="projects.no_fiscal_year",
                field="fiscal_year",
                message_zh="本区划没有当前预算年度，不能申报项目",
                message_en="the region has no current fiscal year",
            )
        return project_create(
            actor=actor,
            organisation=actor.organisation,
            fiscal_year=current.year,
            data=_input(payload),
        )

    return write(
        request,
        response,
        key=idempotency_key,
        scope="api:projects.create",
        body=payload.model_dump(mode="json"),
        status=201,
        call=call,
    )


@router.put("/projects/{project_id}", response=ProjectDetailOut)
def update_project(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: ProjectIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Replace a draft's fields (a project past draft is a 409 naming its state)."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.update:{project_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: project_update(
            actor=actor,
            project=selectors.access_project(actor=actor, pk=project_id),
            data=_input(payload),
        ),
    )


@router.post("/projects/{project_id}/submit", response=ProjectDetailOut)
def submit_project(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Declare the project: it enters the declaration workflow (projects.declaration)."""

    def call(actor: Any) -> Project:
        ensure_permission(actor, "projects.change_project")  # as the page's submit button
        project = selectors.access_project(actor=actor, pk=project_id)
        document_submit(actor=actor, document_type=DOCUMENT_TYPE, object_id=str(project.pk))
        return project

    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.submit:{project_id}",
        body={},
        call=call,
    )


# --- what the declaration holds ------------------------------------------------------------------


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


class BasisDocumentIn(Schema):
    kind: Literal["policy", "plan", "feasibility", "approval", "other"]
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


class RankingIn(Schema):
    budget_year: int = Field(ge=2000, le=2100)
    ordered: list[int] = Field(description="project ids, first to fund first", max_length=5000)


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
        "calculation": [
            {
                "year": r.year,
                "content": r.content,
                "economic_code": r.economic_code,
                "standard_key": r.standard_key,
                "unit_price_fen": r.unit_price_fen,
                "quantity": str(r.quantity),
                "unit": r.unit,
                "amount_fen": r.amount_fen,
                "procurement_item": r.procurement_item,
            }
            for r in content.calculation
        ],
        "goal": None
        if goal is None
        else {
            "annual": goal.annual,
            "medium_term": goal.medium_term,
            "has_beneficiaries": goal.has_beneficiaries,
            "indicators": [
                {
                    "level1": i.level1,
                    "level2": i.level2,
                    "name": i.name,
                    "operator": i.operator,
                    "target": i.target,
                    "unit": i.unit,
                    "weight": i.weight,
                }
                for i in content.indicators
            ],
        },
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
    """Add a basis document (立项依据…) by its number and title; files are added on the page."""

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


class RankingOut(Schema):
    budget_year: int
    projects: list[ProjectOut]


@router.get("/projects-ranking", response=RankingOut)
def get_ranking(request: HttpRequest, budget_year: int) -> Any:
    """The department's stored projects for the budget year in rank order (R-PJ-6)."""
    actor = require(request, "projects.rank_project", READ)
    department = _department(actor)
    found = selectors.ranking_candidates(
        actor=actor, department=department, budget_year=budget_year
    )
    return {"budget_year": budget_year, "projects": [_project(p) for p in found]}


def _department(actor: Any) -> Any:
    organisation = getattr(actor, "organisation", None)
    if organisation is None or organisation.kind != "department":
        raise BusinessRuleError.single(
            code="projects.rank_not_department",
            rule="R-PJ-6",
            field="department",
            message_zh="只有主管部门可以对本部门项目排序",
            message_en="only a department ranks its projects",
            status=403,
        )
    return organisation


@router.put("/projects-ranking", response=RankingOut)
def put_ranking(
    request: HttpRequest,
    response: HttpResponse,
    payload: RankingIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Rank all the department's stored projects of the budget year, first to fund first."""

    def render(actor: Any) -> dict[str, Any]:
        department = _department(actor)
        project_rank(
            actor=actor,
            department=department,
            budget_year=payload.budget_year,
            ordered=payload.ordered,
        )
        found = selectors.ranking_candidates(
            actor=actor, department=department, budget_year=payload.budget_year
        )
        return {"budget_year": payload.budget_year, "projects": [_project(p) for p in found]}

    return write_once(
        request,
        response,
        permission="projects.rank_project",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:projects.ranking",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )


# --- 项目调整 (R-PJ-11), endings (R-PJ-4), the rolling library (R-PJ-12) -------------------------


class ProjectChangeIn(Schema):
    reason: str = Field(max_length=4000)


class ProjectChangeOut(Schema):
    id: int
    number: str
    project_id: int
    project_code: str
    reason: str
    state: str
    from_version: int
    before: dict[str, Any]
    after: dict[str, Any]


def _change(actor: Any, pk: int) -> dict[str, Any]:
    change = selectors.access_change(actor=actor, pk=pk)
    return {
        "id": change.pk,
        "number": change.number,
        "project_id": change.project_id,
        "project_code": change.project.code,
        "reason": change.reason,
        "state": change.state,
        "from_version": change.from_version,
        "before": change.before,
        "after": change.after,
    }


change_write = DocumentWrite(api_scope=WRITE, read=_change)


@router.post("/projects/{project_id}/changes", response={201: ProjectChangeOut})
def start_change(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: ProjectChangeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Open a 项目调整 on a stored project: its content is then edited with the declaration's
    endpoints (plans, calculation, goal) and the change submitted through
    ``/workflow/documents/projects.change/{id}/submit``."""
    return change_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.change:{project_id}",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: change_start(
            actor=actor,
            project=selectors.access_project(actor=actor, pk=project_id),
            reason=payload.reason,
        ),
    )


@router.get("/projects/changes/{change_id}", response=ProjectChangeOut)
def get_change(request: HttpRequest, change_id: Id) -> Any:
    return _change(require(request, "projects.view_project", READ), change_id)


@router.post("/projects/changes/{change_id}/cancel", response=ProjectChangeOut)
def cancel_change(
    request: HttpRequest,
    response: HttpResponse,
    change_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Drop a draft change: the project's content goes back as it was."""

    def call(actor: Any) -> Any:
        change = selectors.access_change(actor=actor, pk=change_id)
        change_cancel(actor=actor, change=change)
        return change

    return change_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.change_cancel:{change_id}",
        body={},
        call=call,
    )


class EndIn(Schema):
    ending: Literal["terminate", "complete", "void"]
    reason: str = Field(max_length=500)


@router.post("/projects/{project_id}/end", response=ProjectDetailOut)
def end_project(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: EndIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Terminate (终止), complete (完成) or void (作废/出库) a project (R-PJ-4)."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.end:{project_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: project_end(
            actor=actor,
            project=selectors.access_project(actor=actor, pk=project_id),
            ending=payload.ending,
            reason=payload.reason,
        ),
    )


@router.delete("/projects/{project_id}/documents/{document_id}", response=DeclarationOut)
def delete_document(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    document_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Remove a basis document from a draft (or a project being changed)."""

    def call(actor: Any) -> Project:
        project = selectors.access_project(actor=actor, pk=project_id)
        project_remove_document(actor=actor, project=project, document_id=document_id)
        return project

    return declaration_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.document_remove:{project_id}:{document_id}",
        body={},
        call=call,
    )


class RollIn(Schema):
    from_year: int = Field(ge=2000, le=2100)


class RollOut(Schema):
    offered: int
    continuing: int
    stale: list[ProjectOut]


@router.post("/projects-library/roll", response=RollOut)
def roll_library(
    request: HttpRequest,
    response: HttpResponse,
    payload: RollIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """R-PJ-12: roll the region's library from ``from_year`` into the next year (idempotent)."""

    def render(actor: Any) -> dict[str, Any]:
        result = library_roll(
            actor=actor, mof_div_code=actor.mof_div_code, from_year=payload.from_year
        )
        return {
            "offered": result.offered,
            "continuing": result.continuing,
            "stale": [_project(p) for p in result.stale],
        }

    return write_once(
        request,
        response,
        permission="projects.roll_library",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:projects.roll",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )


@router.get("/projects-library/stale", response=list[ProjectOut])
def list_stale(request: HttpRequest, year: int) -> Any:
    """R-PJ-12: stored projects waiting ``project.stale_years`` or more by ``year`` (for 出库)."""
    actor = require(request, "projects.roll_library", READ)
    return [_project(p) for p in stale_projects(mof_div_code=actor.mof_div_code, year=year)]


# --- library reports, the declaration workbook and the 绩效目标表 (DOMAIN-2 §2.3, §7.1) ----------


class LibraryProjectOut(ProjectOut):
    department_name: str
    category_name: str
    budget_year: int
    plan_y0_fen: int = Field(description="Σ of the plans for year Y")
    plan_y1_fen: int = Field(description="… for Y+1")
    plan_y2_fen: int = Field(description="… for Y+2")
    has_goal: bool
    review_kind: str | None
    review_conclusion: str | None


FundingFilter = Literal["", "library", "funded", "unfunded"]


def _library_filters(
    actor: Any,
    *,
    state: str,
    category: str,
    department: str,
    unit: str,
    budget_year: int | None,
    funding: str,
    q: str,
    year: int | None,
) -> tuple[Any, int]:
    from yusuan.projects import reports

    filters = reports.ListFilters(
        state=state,
        category=category[:100],
        department=department[:100],
        unit=unit[:100],
        budget_year=budget_year,
        funding=funding,
        q=q[:100],
    )
    return filters, reports.report_year(actor=actor, given=year, filters=filters)


@router.get("/projects-library", response=list[LibraryProjectOut])
@paged(100)
def list_library(
    request: HttpRequest,
    state: StateFilter = "",
    category: str = "",
    department: str = "",
    unit: str = "",
    budget_year: Year | None = None,
    funding: FundingFilter = "",
    q: str = "",
    year: Year | None = None,
) -> Any:
    """项目库清单 as the library page shows it: the plan for Y, Y+1, Y+2, 审定数, rank, goal and
    latest review; filters as the page's (category, department and unit by code or name)."""
    from yusuan.projects import reports
    from yusuan.projects.list_grid import prepare

    actor = require(request, "projects.view_project", READ)
    filters, y = _library_filters(
        actor,
        state=state,
        category=category,
        department=department,
        unit=unit,
        budget_year=budget_year,
        funding=funding,
        q=q,
        year=year,
    )
    queryset = reports.library_list(actor=actor, filters=filters, year=y).order_by("code", "pk")

    def render(p: Any) -> dict[str, Any]:
        prepare([p])
        return {
            **_project(p),
            "department_name": p.department_name,
            "category_name": p.category_label,
            "budget_year": p.budget_year,
            "plan_y0_fen": p.plan_y0,
            "plan_y1_fen": p.plan_y1,
            "plan_y2_fen": p.plan_y2,
            "has_goal": p.has_goal,
            "review_kind": p.review_kind,
            "review_conclusion": p.review_conclusion,
        }

    return Rendered(queryset, render)


class SummaryRowOut(Schema):
    department_code: str
    department_name: str
    category: str = Field(description="'' on a department's subtotal row")
    category_name: str
    counts: dict[str, int]
    amounts: dict[str, int] = Field(description="Amounts in fen by column (stored, funded, gap…)")


class SummaryOut(Schema):
    year: int
    rows: list[SummaryRowOut]
    total_counts: dict[str, int]
    total_amounts: dict[str, int] = Field(description="Amounts in fen by column")


def _summary(summary: Any) -> dict[str, Any]:
    return {
        "year": summary.year,
        "rows": [
            {
                "department_code": r.department.code,
                "department_name": r.department.name,
                "category": r.category,
                "category_name": r.category_name,
                "counts": r.figures.counts,
                "amounts": r.figures.amounts,
            }
            for r in summary.rows
        ],
        "total_counts": summary.total.counts,
        "total_amounts": summary.total.amounts,
    }


def _year(actor: Any, year: int | None) -> int:
    from yusuan.projects import reports

    return reports.report_year(actor=actor, given=year)


@router.get("/projects-reports/reserve", response=SummaryOut)
def report_reserve(request: HttpRequest, year: Year | None = None) -> dict[str, Any]:
    """储备项目汇总: by department × category, counts and amounts (fen) of the projects in the
    library (``library``), funded (``funded``) and waiting for money (``unfunded``), and the
    funding gap (``gap``: Σ of the unfunded ones' plans for year Y)."""
    from yusuan.projects import reports

    actor = require(request, "projects.view_project", READ)
    return _summary(reports.reserve_summary(actor=actor, year=_year(actor, year)))


@router.get("/projects-reports/rolling", response=SummaryOut)
def report_rolling(request: HttpRequest, year: Year | None = None) -> dict[str, Any]:
    """中期财政规划: Σ of the library's plans (fen) for Y (``y0``), Y+1 (``y1``), Y+2 (``y2``) and
    the three (``all``) by department × category; ``projects``: how many have such a plan."""
    from yusuan.projects import reports

    actor = require(request, "projects.view_project", READ)
    return _summary(reports.rolling_plan(actor=actor, year=_year(actor, year)))


class StateRowOut(Schema):
    state: str
    count: int
    total_amount_fen: int
    plan_fen: int = Field(description="Σ of the plans for year Y")


class StatesOut(Schema):
    year: int
    rows: list[StateRowOut]
    total: StateRowOut


@router.get("/projects-reports/states", response=StatesOut)
def report_states(request: HttpRequest, year: Year | None = None) -> dict[str, Any]:
    """Every project the caller sees by state: count, total amount and the plan for year Y."""
    from yusuan.projects import reports

    actor = require(request, "projects.view_project", READ)
    y = _year(actor, year)
    rows, total = reports.state_summary(actor=actor, year=y)

    def out(r: Any) -> dict[str, Any]:
        return {
            "state": r.state,
            "count": r.count,
            "total_amount_fen": r.total_fen,
            "plan_fen": r.plan_fen,
        }

    return {"year": y, "rows": [out(r) for r in rows], "total": out(total)}


class GoalTableOut(Schema):
    project_id: int
    code: str
    name: str
    department: str
    unit: str
    budget_year: int
    year_total_fen: int
    year_fiscal_fen: int = Field(description="财政拨款: fund natures 1xx/2xx/3xx")
    year_other_fen: int
    all_total_fen: int
    all_fiscal_fen: int
    all_other_fen: int
    medium_term: str
    annual: str
    indicators: list[dict[str, Any]]


@router.get("/projects/{project_id}/goal-table", response=GoalTableOut)
def get_goal_table(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    """The project's 绩效目标表 (DOMAIN-2 §7.1) as data; the page offers it as Excel and PDF."""
    from yusuan.projects.goal_table import goal_table

    actor = require(request, "projects.view_project", READ)
    t = goal_table(selectors.access_project(actor=actor, pk=project_id))
    return {
        "project_id": t.project.pk,
        "code": t.project.code,
        "name": t.project.name,
        "department": t.department,
        "unit": t.unit,
        "budget_year": t.year,
        "year_total_fen": t.year_funds.total_fen,
        "year_fiscal_fen": t.year_funds.fiscal_fen,
        "year_other_fen": t.year_funds.other_fen,
        "all_total_fen": t.all_funds.total_fen,
        "all_fiscal_fen": t.all_funds.fiscal_fen,
        "all_other_fen": t.all_funds.other_fen,
        "medium_term": t.medium_term,
        "annual": t.annual,
        "indicators": [
            {
                "level1": i.level1,
                "level2": i.level2,
                "name": i.name,
                "operator": i.operator,
                "target": i.target,
                "unit": i.unit,
                "weight": i.weight,
            }
            for i in t.indicators
        ],
    }


class ImportedOut(Schema):
    created: int
    projects: list[ProjectOut]


@router.post("/projects-import", response={201: ImportedOut})
def import_declarations(
    request: HttpRequest,
    response: HttpResponse,
    file: File[UploadedFile],
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """New draft projects of the caller's unit from the declaration workbook (.xlsx: sheets 项目,
    分年度计划, 测算明细, 绩效指标, 立项依据). A workbook with problems is refused with every one
    of them (``field`` = ``<sheet>[<row>].<column>``, code, rule, value) and nothing is kept."""
    from yusuan.common.uploads import upload_bytes

    data = upload_bytes(file)

    def render(actor: Any) -> dict[str, Any]:
        result = declarations_import(actor=actor, data=data, filename=file.name or "")
        return {"created": len(result.projects), "projects": [_project(p) for p in result.projects]}

    return write_once(
        request,
        response,
        permission="projects.add_project",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:projects.import",
        body={"name": file.name, "file": data},  # the bytes: another workbook is another request
        status=201,
        render=render,
    )


@router.get("/projects-export")
def export_declarations(
    request: HttpRequest,
    state: StateFilter = "",
    category: str = "",
    department: str = "",
    unit: str = "",
    budget_year: Year | None = None,
    funding: FundingFilter = "",
    q: str = "",
) -> HttpResponse:
    """The projects of the library list (same filters) as the declaration workbook (.xlsx);
    imported again it gives the same projects."""
    from yusuan.common.tabular import XLSX
    from yusuan.common.web import attachment
    from yusuan.projects import exchange, reports

    actor = require(request, "projects.view_project", READ)
    filters, y = _library_filters(
        actor,
        state=state,
        category=category,
        department=department,
        unit=unit,
        budget_year=budget_year,
        funding=funding,
        q=q,
        year=None,
    )
    found = exchange.bounded_export(
        reports.library_list(actor=actor, filters=filters, year=y).order_by("code")
    )
    return attachment(exchange.write_workbook(found), "declarations.xlsx", XLSX)


# --- Basic expenditure by quota (R-PJ-5, R-PJ-8) ------------------------------------------------


class BasicLineOut(Schema):
    category: str
    position: int
    economic_code: str
    functional_code: str
    status: str
    label: str
    headcount: int
    standard_fen: int
    multiplier: int
    rate_bp: int
    amount_fen: int
    basis: dict[str, Any]


class BasicFigureOut(Schema):
    category: str
    computed_fen: int
    override_fen: int | None
    override_reason: str
    figure_fen: int
    project_code: str
    project_state: str


class BasicUnitOut(Schema):
    organisation_id: int
    fiscal_year: int
    run_version: int | None
    snapshot_version: int | None
    figures: list[BasicFigureOut]
    lines: list[BasicLineOut]


class BasicSummaryOut(Schema):
    organisation_id: int
    code: str
    name: str
    personnel_fen: int
    public_fen: int
    personnel_override_fen: int | None
    public_override_fen: int | None


class BasicComputeIn(Schema):
    fiscal_year: int = Field(ge=2000, le=2100)


class BasicRunOut(Schema):
    fiscal_year: int
    version: int
    new_version: bool
    snapshot_version: int
    units: int
    personnel_fen: int
    public_fen: int
    projects_created: int
    projects_updated: int
    projects_kept: list[str]
    changes: list[dict[str, Any]]


class BasicOverrideIn(Schema):
    fiscal_year: int = Field(ge=2000, le=2100)
    category: Literal["1", "21"]
    amount: str | None = Field(None, description="元; null withdraws the override", max_length=32)
    reason: str = Field(max_length=2000)


class BasicOverrideOut(Schema):
    id: int
    organisation_id: int
    fiscal_year: int
    category: str
    amount_fen: int | None
    computed_fen: int
    reason: str


@router.get("/projects-basic/{organisation_id}", response=BasicUnitOut)
def get_basic_unit(
    request: HttpRequest, organisation_id: Id, fiscal_year: int | None = None
) -> Any:
    """A unit's 人员经费测算表 and 公用经费测算表 in force, with finance's figures beside the
    computed ones (another unit's: 404)."""
    actor = require(request, "projects.view_project", READ)
    unit = basic_selectors.access_unit(actor=actor, organisation_id=organisation_id)
    fiscal_year = fiscal_year or timezone.localdate().year + 1  # the budget year prepared now
    sheet = basic_selectors.unit_sheet(actor=actor, organisation=unit, fiscal_year=fiscal_year)
    figures = []
    for category in ("1", "21"):
        override = sheet.overrides.get(category)
        project = sheet.projects.get(category)
        figures.append(
            {
                "category": category,
                "computed_fen": sheet.computed.get(category, 0),
                "override_fen": override.amount_fen if override else None,
                "override_reason": override.reason if override else "",
                "figure_fen": sheet.figure(category),
                "project_code": project.code if project else "",
                "project_state": project.state if project else "",
            }
        )
    return {
        "organisation_id": unit.pk,
        "fiscal_year": fiscal_year,
        "run_version": sheet.run.version if sheet.run else None,
        "snapshot_version": sheet.run.snapshot_version if sheet.run else None,
        "figures": figures,
        "lines": sheet.lines,
    }


@router.get("/projects-basic", response=list[BasicSummaryOut])
@paged(100)
def list_basic(request: HttpRequest, fiscal_year: int | None = None) -> Any:
    """Units × computed totals of the year's computation in force (the caller's units only)."""
    actor = require(request, "projects.view_project", READ)
    year = fiscal_year or timezone.localdate().year + 1
    run = basic_selectors.current_run(mof_div_code=actor.mof_div_code, fiscal_year=year)
    if run is None:
        return Rendered(Organisation.objects.none(), lambda unit: {})
    overrides = basic_selectors.overrides_in_force(mof_div_code=run.mof_div_code, fiscal_year=year)
    return Rendered(
        basic_selectors.summary_queryset(actor=actor, run=run).order_by("code"),
        lambda unit: {
            "organisation_id": unit.pk,
            "code": unit.code,
            "name": unit.name,
            "personnel_fen": unit.personnel,
            "public_fen": unit.public,
            "personnel_override_fen": overrides.get((unit.pk, "1")),
            "public_override_fen": overrides.get((unit.pk, "21")),
        },
    )


@router.post("/projects-basic", response=BasicRunOut)
def compute_basic(
    request: HttpRequest,
    response: HttpResponse,
    payload: BasicComputeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Compute (or recompute) the region's basic expenditure of the year: idempotent (nothing
    changed → the version in force, no new one) and under an idempotency key."""

    def render(actor: Any) -> dict[str, Any]:
        outcome = basic_service.basic_compute(
            actor=actor, mof_div_code=actor.mof_div_code, fiscal_year=payload.fiscal_year
        )
        run = outcome.run
        return {
            "fiscal_year": run.fiscal_year,
            "version": run.version,
            "new_version": outcome.new_version,
            "snapshot_version": run.snapshot_version,
            "units": run.units,
            "personnel_fen": run.personnel_fen,
            "public_fen": run.public_fen,
            "projects_created": outcome.created,
            "projects_updated": outcome.updated,
            "projects_kept": outcome.kept,
            "changes": run.changes,
        }

    return write_once(
        request,
        response,
        permission="projects.compute_basic",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:projects.basic.compute",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )


@router.post("/projects-basic/{organisation_id}/override", response=BasicOverrideOut)
def override_basic(
    request: HttpRequest,
    response: HttpResponse,
    organisation_id: Id,
    payload: BasicOverrideIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Finance sets a unit's 人员类 or 公用经费 figure with a reason (null: withdraws it); the
    computed figure stays beside it (R-PJ-8)."""

    def render(actor: Any) -> dict[str, Any]:
        unit = basic_selectors.access_unit(actor=actor, organisation_id=organisation_id)
        amount = field_amount(payload.amount, "amount") if payload.amount is not None else None
        override = basic_service.basic_override(
            actor=actor,
            organisation=unit,
            fiscal_year=payload.fiscal_year,
            category=payload.category,
            amount=amount,
            reason=payload.reason,
        )
        return {
            "id": override.pk,
            "organisation_id": unit.pk,
            "fiscal_year": override.fiscal_year,
            "category": override.category,
            "amount_fen": override.amount_fen,
            "computed_fen": override.computed_fen,
            "reason": override.reason,
        }

    return write_once(
        request,
        response,
        permission="projects.override_basic",
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:projects.basic.override:{organisation_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )
