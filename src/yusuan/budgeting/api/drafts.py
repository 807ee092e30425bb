"""Units' budget drafts (一上, 二上) in /api/v1: the scoped list, a draft with its lines and each
line's figure at every stage (R-BP-9), its review findings and the errors a submission would
meet; starting a draft, adding, changing and removing a line, submitting it into the approval
engine (``budgeting.draft``). Approvals go through ``/workflow/instances/{id}/…``. Each calls the
service its page calls; another unit's draft is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from yusuan.audit.idempotency import DocumentWrite, write_once
from yusuan.budgeting import selectors
from yusuan.budgeting.api.common import (
    PREPARE,
    READ,
    VIEW,
    WRITE,
    BudgetCheckErrorOut,
    BudgetFindingOut,
    BudgetLineOut,
    amount,
    errors_out,
    finding_out,
    line_out,
)
from yusuan.budgeting.choices import Side
from yusuan.budgeting.exchange import draft_import
from yusuan.budgeting.models import BudgetDraft
from yusuan.budgeting.services import drafts as draft_service
from yusuan.budgeting.workflow import DRAFT_TYPE
from yusuan.common.api import Id, IdempotencyKey, Rendered, paged, require
from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import MAX_FEN, MAX_TEXT, Money
from yusuan.common.uploads import upload_bytes
from yusuan.workflow.services import document_submit

# ``yusuan_budgeting_api_<function>`` in every module of the package (``yusuan.api.root``).
OPERATION_ID_PREFIX = "yusuan_budgeting_api"

router = Router(tags=["budgeting"])

StageFilter = Literal["", "apply_1", "apply_2"]
StateFilter = Literal["", "draft", "submitted", "approved", "rejected"]


class BudgetDraftOut(Schema):
    id: int
    number: str
    round_id: int
    fiscal_year: int
    organisation_id: int
    organisation_name: str
    department_id: int
    department_name: str
    stage: str = Field(description="apply_1 (一上) or apply_2 (二上)")
    state: str
    submitted_at: dt.datetime | None
    approved_at: dt.datetime | None


class BudgetDraftDetailOut(BudgetDraftOut):
    revenue_fen: int = Field(description="Σ revenue lines (not removed)")
    expenditure_fen: int = Field(description="Σ expenditure lines (not removed)")
    errors: list[BudgetCheckErrorOut] = Field(
        description="What a submission would be refused for now (R-BP-1/2/5/10/14)"
    )
    findings: list[BudgetFindingOut] = Field(description="The unit's review findings")
    lines: list[BudgetLineOut]


class BudgetLineSavedOut(Schema):
    line: BudgetLineOut
    draft: BudgetDraftDetailOut


class BudgetDraftStartIn(Schema):
    stage: Literal["apply_1", "apply_2"]
    organisation_id: Id | None = Field(None, description="The unit; default the caller's own")
    project_ids: list[Id] | None = Field(
        None,
        max_length=5000,
        description="一上: the library projects to take (default every fundable one)",
    )


class BudgetLineIn(Schema):
    side: Literal["expenditure", "revenue"] = "expenditure"
    amount: str = Field(description="元, e.g. '1,234.56'", max_length=32)
    revenue_kind: str = Field(
        "", max_length=12, description="A revenue line's kind (财政拨款 is derived, not typed)"
    )
    part: Literal["project", "basic"] = Field(
        "project", description="Units add project lines; basic lines are computed (R-PJ-8)"
    )
    project_id: Id | None = Field(None, description="A stored library project of the unit")
    exp_func_code: str = Field("", max_length=16)
    dep_bgt_eco_code: str = Field("", max_length=16)
    fund_type_code: str = Field("", max_length=8)
    carry_over: bool = False
    is_gov_pur: bool = False
    pur_item: str = Field("", max_length=40)
    is_gov_service: bool = False
    is_asset: bool = False
    people: int | None = Field(None, ge=0, le=100_000, description="R-BP-14 会议费/培训费")
    days: int | None = Field(None, ge=0, le=366)
    standard: str = Field("", max_length=32, description="元 per person-day (R-BP-14)")
    summary: str = Field("", max_length=200)


def _draft(draft: BudgetDraft) -> dict[str, Any]:
    fields = BudgetDraftOut.model_fields.keys() - {"id", "organisation_name", "department_name"}
    return {
        **{name: getattr(draft, name) for name in fields},
        "id": draft.pk,
        "organisation_name": draft.organisation.name,
        "department_name": draft.department.name,
    }


def _detail(actor: Any, pk: int) -> dict[str, Any]:
    draft = selectors.access_draft(actor, pk)
    check = draft_service.draft_check(draft)
    rows = selectors.line_rows(selectors.draft_lines(draft), check.findings)
    totals = {Side.REVENUE.value: 0, Side.EXPENDITURE.value: 0}
    for row in rows:
        if not row.line.removed:
            totals[row.line.side] += row.line.amount_fen
    return {
        **_draft(draft),
        "revenue_fen": totals[Side.REVENUE],
        "expenditure_fen": totals[Side.EXPENDITURE],
        "errors": errors_out(check.errors),
        "findings": [finding_out(f) for f in check.findings if f.position is None],
        "lines": [line_out(r) for r in rows],
    }


write = DocumentWrite(api_scope=WRITE, read=_detail, permission=PREPARE)


def _line_input(payload: BudgetLineIn) -> draft_service.LineInput:
    money = amount(payload.amount, "amount")
    standard = amount(payload.standard, "standard").fen if payload.standard.strip() else None
    if payload.people and payload.days and standard:
        product = payload.people * payload.days * standard
        if product > MAX_FEN:  # beyond any one line (ADR 0015), and beyond the column
            raise BusinessRuleError.single(
                code="money.too_large",
                rule="R-BP-14",
                field="standard",
                value=Money(product).format(),
                limit=MAX_TEXT,
                message_zh=f"人数 × 天数 × 标准 = {Money(product).format()} 元，超过上限 {MAX_TEXT} 元",
                message_en=f"people × days × standard = {Money(product).format()}, above the "
                f"limit of {MAX_TEXT}",
            )
    return draft_service.LineInput(
        side=payload.side,
        amount=money,
        revenue_kind=payload.revenue_kind.strip(),
        part=payload.part,
        project_id=payload.project_id,
        exp_func_code=payload.exp_func_code.strip(),
        dep_bgt_eco_code=payload.dep_bgt_eco_code.strip(),
        fund_type_code=payload.fund_type_code.strip(),
        carry_over=payload.carry_over,
        is_gov_pur=payload.is_gov_pur,
        pur_item=payload.pur_item.strip(),
        is_gov_service=payload.is_gov_service,
        is_asset=payload.is_asset,
        people=payload.people,
        days=payload.days,
        standard_fen=standard,
        summary=payload.summary.strip(),
    )


def _drafts(
    actor: Any, *, round_id: int | None, organisation_id: int | None, stage: str, state: str
) -> QuerySet[BudgetDraft]:
    found = BudgetDraft.objects.visible_to(actor).select_related("organisation", "department")
    if round_id is not None:
        found = found.filter(round_id=round_id)
    if organisation_id is not None:
        found = found.filter(organisation_id=organisation_id)
    if stage:
        found = found.filter(stage=stage)
    if state:
        found = found.filter(state=state)
    return found.order_by("-fiscal_year", "organisation__path", "stage", "pk")


@router.get("/budgeting/drafts", response=list[BudgetDraftOut])
@paged(100)
def list_drafts(
    request: HttpRequest,
    round_id: Id | None = None,
    organisation_id: Id | None = None,
    stage: StageFilter = "",
    state: StateFilter = "",
) -> Any:
    """The units' drafts the caller may see, by round, unit, stage (一上/二上) and state."""
    actor = require(request, VIEW, READ)
    found = _drafts(
        actor, round_id=round_id, organisation_id=organisation_id, stage=stage, state=state
    )
    return Rendered(found, _draft)


@router.get("/budgeting/drafts/{draft_id}", response=BudgetDraftDetailOut)
def get_draft(request: HttpRequest, draft_id: Id) -> Any:
    """A draft with every line of the unit and each line's figure at every stage (一上, 一下,
    二上, 批复), the findings beside the lines and the errors a submission would meet now."""
    return _detail(require(request, VIEW, READ), draft_id)


@router.post("/budgeting/rounds/{round_id}/drafts", response={201: BudgetDraftDetailOut})
def start_draft(
    request: HttpRequest,
    response: HttpResponse,
    round_id: Id,
    payload: BudgetDraftStartIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Open a unit's draft of a stage: 一上 from the computed basic expenditure and the ranked
    library (R-PJ-8, R-PJ-6); 二上 from the issued 一下 figures (R-BP-1)."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:budgeting.draft_start:{round_id}",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: draft_service.draft_start(
            actor=actor,
            round_id=round_id,
            stage=payload.stage,
            organisation_id=payload.organisation_id,
            project_ids=payload.project_ids,
        ),
    )


def _save_line(
    request: HttpRequest,
    response: HttpResponse,
    *,
    draft_id: int,
    line_id: int | None,
    payload: BudgetLineIn,
    key: str | None,
    status: int,
) -> Status[Any]:
    def render(actor: Any) -> dict[str, Any]:
        data = _line_input(payload)
        line = draft_service.line_save(actor=actor, draft_id=draft_id, line_id=line_id, data=data)
        detail = _detail(actor, draft_id)
        return {
            "line": next(x for x in detail["lines"] if x["id"] == line.pk),
            "draft": detail,
        }

    return write_once(
        request,
        response,
        permission=PREPARE,
        api_scope=WRITE,
        key=key,
        scope=f"api:budgeting.line_save:{draft_id}:{line_id or 'new'}",
        body=payload.model_dump(mode="json"),
        status=status,
        render=render,
    )


@router.post("/budgeting/drafts/{draft_id}/lines", response={201: BudgetLineSavedOut})
def add_line(
    request: HttpRequest,
    response: HttpResponse,
    draft_id: Id,
    payload: BudgetLineIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Add a project or revenue line to a draft (R-PJ-1: a stored project of the unit; R-PJ-3:
    within its plan for the year); the 财政拨款 revenue follows."""
    return _save_line(
        request,
        response,
        draft_id=draft_id,
        line_id=None,
        payload=payload,
        key=idempotency_key,
        status=201,
    )


@router.put("/budgeting/drafts/{draft_id}/lines/{line_id}", response=BudgetLineSavedOut)
def update_line(
    request: HttpRequest,
    response: HttpResponse,
    draft_id: Id,
    line_id: Id,
    payload: BudgetLineIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Change a line of a draft (a computed line is a 403, R-PJ-8)."""
    return _save_line(
        request,
        response,
        draft_id=draft_id,
        line_id=line_id,
        payload=payload,
        key=idempotency_key,
        status=200,
    )


@router.delete("/budgeting/drafts/{draft_id}/lines/{line_id}", response=BudgetDraftDetailOut)
def remove_line(
    request: HttpRequest,
    response: HttpResponse,
    draft_id: Id,
    line_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Remove a line from a draft: kept, marked removed at 0 (its written stages stay)."""

    def call(actor: Any) -> BudgetDraft:
        draft_service.line_remove(actor=actor, draft_id=draft_id, line_id=line_id)
        return selectors.access_draft(actor, draft_id)

    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:budgeting.line_remove:{draft_id}:{line_id}",
        body={},
        call=call,
    )


@router.post("/budgeting/drafts/{draft_id}/submit", response=BudgetDraftDetailOut)
def submit_draft(
    request: HttpRequest,
    response: HttpResponse,
    draft_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Send the draft up (``budgeting.draft``): refused with every error of the check
    (R-BP-2/R-BP-10; at 二上 also R-BP-1/R-BP-5/R-BP-14), each naming its figures."""

    def call(actor: Any) -> BudgetDraft:
        draft = selectors.access_draft(actor, draft_id)
        document_submit(actor=actor, document_type=DRAFT_TYPE, object_id=str(draft.pk))
        return draft

    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:budgeting.draft_submit:{draft_id}",
        body={},
        call=call,
    )


class BudgetImportOut(Schema):
    changed: list[int]
    added: list[int]
    draft: BudgetDraftDetailOut


@router.post("/budgeting/drafts/{draft_id}/import", response=BudgetImportOut)
def import_draft(
    request: HttpRequest,
    response: HttpResponse,
    draft_id: Id,
    file: File[UploadedFile],
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The draft's lines from its workbook (the page's export or template, .xlsx): every changed
    row checked as a line save is; a workbook with problems is refused with every one of them
    (``field`` = ``lines[<row>].<column>``, code, rule, value) and nothing is kept. Answers the
    positions changed and added, and the draft."""
    data = upload_bytes(file)

    def render(actor: Any) -> dict[str, Any]:
        done = draft_import(actor=actor, draft_id=draft_id, data=data, filename=file.name or "")
        return {"changed": done.changed, "added": done.added, "draft": _detail(actor, draft_id)}

    return write_once(
        request,
        response,
        permission=PREPARE,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:budgeting.draft_import:{draft_id}",
        status=200,
        body={"name": file.name, "file": data},
        render=render,
    )
