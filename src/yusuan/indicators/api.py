"""Indicator endpoints of /api/v1: the ledger's lines (scoped list, detail with trace links, P4;
movements with running balances) and indicator documents (create, edit, submit, post, void).

Amounts come in as text in 元 (``"1,234.56"``; JSON numbers are refused so no float ever carries
money) and go out as integer fen (``*_fen``). Rows name lines, units and projects by code, as the
entry form does (``yusuan.indicators.rows``). Approval actions on a submitted adjustment are the
workflow endpoints (``/workflow/instances/{id}/approve`` …); a document lists its rounds.
Every mutating call accepts an ``Idempotency-Key`` (P11).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from ninja import Field, Query, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import field_amount, raise_if_any
from yusuan.core.models import Organisation
from yusuan.indicators import rows as rows_input
from yusuan.indicators import selectors
from yusuan.indicators.models import (
    BudgetAdjustment,
    IndicatorDocument,
    IndicatorLine,
    IndicatorSource,
)
from yusuan.indicators.services import (
    document_create,
    document_post,
    document_update,
    document_void,
)
from yusuan.indicators.services.sources import (
    AdjustmentInput,
    AdjustmentRowInput,
    SourceInput,
    adjustment_create,
    source_create,
)
from yusuan.indicators.workflow import DOCUMENT_TYPE
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.services import document_submit

router = Router(tags=["indicators"])

READ, WRITE = "indicators:read", "indicators:write"


# --- Schemas -------------------------------------------------------------------------------------


class IndicatorLineOut(Schema):
    id: int
    code: str
    fiscal_year: int
    mof_div_code: str
    kind: str
    organisation_id: int
    organisation_code: str = Field(alias="organisation.code")
    organisation_name: str = Field(alias="organisation.name")
    project_id: int | None
    project_code: str
    summary: str
    exp_func_code: str
    dep_bgt_eco_code: str
    gov_bgt_eco_code: str
    fund_type_code: str
    source_type_code: str
    pay_type_code: str
    acc_type: str
    doc_no: str
    doc_title: str
    is_gov_pur: bool
    thr_exp_code: str
    is_sal: bool
    is_dir: bool
    sup_bgt_doc_no: str = Field(description="上级指标文号 of upper-level transfer money (R-IN-9)")
    rec_date: dt.date | None = Field(description="接收日期; R-IN-5's clock runs from it")
    track_pro_code: str = Field(description="追踪代码, inherited by every allocated line (R-IN-9)")
    tp_func_code: str = Field(description="转移支付功能科目 (R-IN-9)")
    parent_id: int | None
    origin_document_id: int
    total_fen: int = Field(alias="total")
    available_fen: int = Field(alias="available")
    allocated_fen: int = Field(alias="allocated")
    reserved_fen: int = Field(alias="reserved")
    frozen_fen: int = Field(alias="frozen")
    held_fen: int = Field(alias="held")
    paid_fen: int = Field(alias="paid")

    @staticmethod
    def resolve_project_code(line: IndicatorLine) -> str:
        return line.project.code if line.project else ""


class DocumentRef(Schema):
    id: int
    number: str
    kind: str
    subtype: str
    state: str
    doc_no: str
    title: str
    url: str


class LineRef(Schema):
    id: int
    code: str
    organisation_name: str
    total_fen: int
    url: str


class SourceRef(Schema):
    source_type: str
    source_id: str
    source_no: str


class ChainLink(Schema):
    id: int
    code: str
    kind: str
    organisation_name: str
    track_pro_code: str
    sup_bgt_doc_no: str
    doc_no: str
    url: str


class BudgetSourceRef(Schema):
    id: int
    code: str
    kind: str
    name: str
    amount_fen: int
    drawn_fen: int
    adjustment_number: str = Field("", description="The 预算调整 record of a row (R-AJ-7)")
    url: str


class TraceOut(Schema):
    budget_source: BudgetSourceRef | None = Field(
        None, description="The source the line's money was issued from (R-IN-7)"
    )
    budget_sources: list[BudgetSourceRef] = Field(
        default_factory=list, description="Every source a document of the line drew from"
    )
    origin_document: DocumentRef
    tracking_chain: list[ChainLink] = Field(
        description="The received line down to this one, each with its holder and tracking "
        "code (R-IN-8, R-IN-9)"
    )
    parent: LineRef | None
    children: list[LineRef]
    documents: list[DocumentRef] = Field(
        description="Every document that moved the line: its issue, allocations, adjustments…"
    )
    sources: list[SourceRef] = Field(
        description="Postings by later modules (payments, contracts, refunds), by type and id."
    )


class LineDetailOut(IndicatorLineOut):
    trace: TraceOut
    links: dict[str, str]


class MovementOut(Schema):
    id: int
    posting: str
    kind: str
    created_at: dt.datetime
    d_total_fen: int
    d_available_fen: int
    d_allocated_fen: int
    d_reserved_fen: int
    d_frozen_fen: int
    d_held_fen: int
    d_paid_fen: int
    total_after_fen: int
    available_after_fen: int
    document: DocumentRef | None
    source_type: str
    source_id: str
    source_no: str
    actor: str


class LineFilters(Schema):
    year: Year | None = Field(None, description="Fiscal year")
    kind: Literal["pending", "executable", ""] = ""
    organisation: str = Field("", description="Unit code")
    project: str = Field("", description="Project code")
    exp_func_code: str = Field("", description="Functional class, prefix")
    dep_bgt_eco_code: str = Field("", description="Department economic class, prefix")
    gov_bgt_eco_code: str = Field("", description="Government economic class, prefix")
    fund_type_code: str = ""
    source_type_code: str = ""
    doc_no: str = Field("", description="文号, contains")
    is_gov_pur: bool | None = None
    is_sal: bool | None = None
    is_dir: bool | None = None


LOOKUPS = {
    "year": "fiscal_year",
    "kind": "kind",
    **selectors.LINE_FILTER_LOOKUPS,
    **{flag: flag for flag in selectors.LINE_FLAGS},
}


class RowIn(Schema):
    """One document row. Which fields a kind reads: issue — the new line's elements (for money
    received from an upper-level government, source 04, also ``sup_bgt_doc_no``, ``rec_date``,
    ``track_pro_code`` and ``tp_func_code``, R-IN-9); allocate — ``source`` (a pending line),
    ``line_kind`` (executable, or pending for a lower holder, R-IN-8) and the new line's elements
    (the transfer references are inherited); increase / decrease / hold / release
    — ``target``; reclaim — ``source`` and ``to_parent``; adjust — ``source`` and ``target`` (or
    the elements of a new line instead of ``target``)."""

    amount: str = Field(description="元, e.g. '1,234.56'; at most two decimals", max_length=32)
    source: str = Field("", description="Indicator code (ZB…) the money leaves", max_length=32)
    target: str = Field("", description="Indicator code (ZB…) the money goes to", max_length=32)
    to_parent: bool = False
    line_kind: Literal["pending", "executable", ""] = ""
    organisation: str = Field("", description="Unit code of a new line", max_length=32)
    project: str = Field("", description="Project code of a new line", max_length=40)
    exp_func_code: str = Field("", max_length=16)
    dep_bgt_eco_code: str = Field("", max_length=16)
    fund_type_code: str = Field("", max_length=16)
    source_type_code: str = Field("", max_length=16)
    pay_type_code: str = Field("", max_length=16)
    acc_type: Literal[
        "", "unit_zero_balance", "finance_zero_balance", "real_funds", "treasury_single"
    ] = Field("", description="账户类别: the account the line's money is paid from (R-PY-14)")
    is_gov_pur: bool = False
    thr_exp_code: str = Field("", max_length=16)
    is_sal: bool = False
    is_dir: bool = False
    sup_bgt_doc_no: str = Field("", description="上级指标文号 (R-IN-9, issue rows)", max_length=60)
    rec_date: str = Field("", description="接收日期 YYYY-MM-DD (R-IN-9, issue rows)", max_length=10)
    track_pro_code: str = Field("", description="追踪代码 (R-IN-9, issue rows)", max_length=40)
    tp_func_code: str = Field("", description="转移支付功能科目 (R-IN-9)", max_length=16)
    summary: str = Field("", max_length=200)


class DocumentIn(Schema):
    kind: Literal[
        "issue", "allocate", "increase", "decrease", "adjust", "hold", "release", "reclaim"
    ]
    title: str = Field(max_length=200)
    doc_no: str = Field("", description="文号 (required for increase/decrease)", max_length=100)
    reason: str = Field("", max_length=2000)
    subtype: str = Field("", description="Adjustment subtype (R-AJ-1)", max_length=40)
    npc_reference: str = Field(
        "",
        description="Deprecated: kept for existing clients and shown on old documents. A "
        "预算调整's 人大常委会 decision is recorded on its record (R-AJ-7, "
        "/indicators/adjustments); a 调剂 never needs one (R-AJ-6)",
        max_length=200,
    )
    organisation_id: Id | None = Field(None, description="Holder; default the caller's unit")
    fiscal_year: Year | None = None
    budget_source: str = Field(
        "",
        description="Source code (LY…) an issue or increase draws from (R-IN-7); a decrease may "
        "name a 预算调整 row or the source to give back to",
        max_length=32,
    )
    lines: list[RowIn] = Field(min_length=1, max_length=500)


class DocumentLineOut(Schema):
    row: int
    source_code: str
    target_code: str
    created_line_code: str
    line_kind: str
    organisation_code: str
    project_code: str
    dep_bgt_eco_code: str
    source_type_code: str
    is_dir: bool
    sup_bgt_doc_no: str
    rec_date: dt.date | None
    track_pro_code: str
    tp_func_code: str
    summary: str
    to_parent: bool
    amount_fen: int


class RoundRef(Schema):
    id: int
    round: int
    state: str
    url: str


class DocumentOut(Schema):
    id: int
    number: str
    kind: str
    subtype: str
    state: str
    fiscal_year: int
    organisation_id: int
    organisation_name: str
    doc_no: str
    title: str
    reason: str
    npc_reference: str
    budget_source_code: str = Field("", description="The source it draws from (R-IN-7)")
    total_fen: int
    created_by: str
    created_at: dt.datetime
    posted_by: str
    posted_at: dt.datetime | None


class DocumentDetailOut(DocumentOut):
    lines: list[DocumentLineOut]
    rounds: list[RoundRef] = Field(description="Approval rounds (adjustments); act on them there")


# --- Serialisers ---------------------------------------------------------------------------------


def _api(name: str, *args: Any) -> str:
    return reverse(f"api-1.0.0:{name}", args=args)


def _unit(line: IndicatorLine) -> Organisation:
    assert line.organisation is not None  # every ledger line has a holder (NOT NULL on lines)
    return line.organisation


def _document_ref(document: IndicatorDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "number": document.number,
        "kind": document.kind,
        "subtype": document.subtype,
        "state": document.state,
        "doc_no": document.doc_no,
        "title": document.title,
        "url": _api("indicator_document", document.pk),
    }


def _source_ref(source: IndicatorSource) -> dict[str, Any]:
    return {
        "id": source.pk,
        "code": source.code,
        "kind": source.kind,
        "name": source.name,
        "amount_fen": source.amount,
        "drawn_fen": source.drawn,
        "adjustment_number": source.adjustment.number if source.adjustment else "",
        "url": _api("indicator_source", source.pk),
    }


def _line_ref(line: IndicatorLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "code": line.code,
        "organisation_name": _unit(line).name,
        "total_fen": line.total,
        "url": _api("indicator_line", line.pk),
    }


def _document(document: IndicatorDocument) -> dict[str, Any]:
    return {
        **{
            name: getattr(document, name)
            for name in DocumentOut.model_fields
            if name
            not in (
                "organisation_name",
                "created_by",
                "posted_by",
                "total_fen",
                "budget_source_code",
            )
        },
        "budget_source_code": document.budget_source.code if document.budget_source else "",
        "organisation_name": document.organisation.name,
        "created_by": document.created_by.username,
        "posted_by": document.posted_by.username if document.posted_by else "",
        "total_fen": document.total_fen,
    }


def _document_detail(actor: Any, document: IndicatorDocument) -> dict[str, Any]:
    lines = document.lines.select_related(
        "source", "target", "created_line", "organisation", "project"
    ).order_by("row")
    rounds = workflow_selectors.document_rounds(
        actor=actor, document_type=DOCUMENT_TYPE, object_id=str(document.pk)
    )
    return {
        **_document(document),
        "lines": [
            {
                "row": x.row,
                "source_code": x.source.code if x.source else "",
                "target_code": x.target.code if x.target else "",
                "created_line_code": x.created_line.code if x.created_line else "",
                "line_kind": x.line_kind,
                "organisation_code": x.organisation.code if x.organisation else "",
                "project_code": x.project.code if x.project else "",
                "dep_bgt_eco_code": x.dep_bgt_eco_code,
                "source_type_code": x.source_type_code,
                "is_dir": x.is_dir,
                "sup_bgt_doc_no": x.sup_bgt_doc_no,
                "rec_date": x.rec_date,
                "track_pro_code": x.track_pro_code,
                "tp_func_code": x.tp_func_code,
                "summary": x.summary,
                "to_parent": x.to_parent,
                "amount_fen": x.amount,
            }
            for x in lines
        ],
        "rounds": [
            {
                "id": r.pk,
                "round": r.round,
                "state": r.state,
                "url": _api("get_instance", r.pk),
            }
            for r in rounds
        ],
    }


# --- Lines ---------------------------------------------------------------------------------------


@router.get("/indicators/lines", response=list[IndicatorLineOut], url_name="indicator_lines")
@paged(100)
def list_lines(request: HttpRequest, filters: Query[LineFilters]) -> Any:
    """The indicator ledger (指标账) within the caller's scope, by code."""
    actor = require(request, "indicators.view_indicatorline", READ)
    lookups = {
        LOOKUPS[name]: value for name, value in filters.model_dump().items() if value is not None
    }
    return selectors.line_list(actor=actor, filters=lookups)


@router.get("/indicators/lines/{line_id}", response=LineDetailOut, url_name="indicator_line")
def get_line(request: HttpRequest, line_id: Id) -> Any:
    """A line with its buckets and its trace (P4): the document that created it, its parent and
    children, every document that moved it, and the payments/contracts that used it."""
    actor = require(request, "indicators.view_indicatorline", READ)
    line = selectors.line_get(actor=actor, line_id=line_id)
    trace = selectors.line_trace(actor=actor, line=line)
    children = line.children.select_related("organisation").order_by("code")
    links = {
        "self": _api("indicator_line", line.pk),
        "movements": _api("indicator_line_movements", line.pk),
        "origin_document": _api("indicator_document", trace.origin.pk),
        "page": reverse("indicators:line_detail", args=[line.pk]),
    }
    if trace.parent is not None:
        links["parent"] = _api("indicator_line", trace.parent.pk)
    # The schema reads the line's own attributes; trace and links ride along on the instance.
    if trace.budget_source is not None:
        links["budget_source"] = _api("indicator_source", trace.budget_source.pk)
    line.trace = {  # type: ignore[attr-defined]
        "budget_source": _source_ref(trace.budget_source) if trace.budget_source else None,
        "budget_sources": [_source_ref(x) for x in trace.budget_sources],
        "origin_document": _document_ref(trace.origin),
        "tracking_chain": [
            {
                "id": link.pk,
                "code": link.code,
                "kind": link.kind,
                "organisation_name": _unit(link).name,
                "track_pro_code": link.track_pro_code,
                "sup_bgt_doc_no": link.sup_bgt_doc_no,
                "doc_no": link.doc_no,
                "url": _api("indicator_line", link.pk),
            }
            for link in selectors.tracking_chain(actor=actor, line=line)
        ],
        "parent": _line_ref(trace.parent) if trace.parent else None,
        "children": [_line_ref(child) for child in children],
        "documents": [_document_ref(d) for d in trace.documents],
        "sources": trace.sources,
    }
    line.links = links  # type: ignore[attr-defined]
    return line


class TransferBreachOut(Schema):
    line: LineRef
    kind: str
    organisation_code: str
    track_pro_code: str
    sup_bgt_doc_no: str
    is_dir: bool
    received: dt.date = Field(description="接收日期, else the day the line was posted")
    deadline: dt.date = Field(description="The last day to allocate (received + 30 days)")
    pending_fen: int = Field(description="Still pending after the deadline")
    late_fen: int = Field(description="Allocated after the deadline (timeout amount)")
    days_overdue: int


@router.get(
    "/indicators/transfer-breaches",
    response=list[TransferBreachOut],
    url_name="indicator_transfer_breaches",
)
@paged(100)
def list_transfer_breaches(request: HttpRequest, year: Year | None = None) -> Any:
    """R-IN-5: pending lines of upper-level transfer money in the caller's scope not allocated
    within 30 days of receipt (接收日期, R-IN-9), the longest overdue first."""
    actor = require(request, "indicators.view_indicatorline", READ)
    found = {b.line.pk: b for b in selectors.transfer_breaches(actor=actor, fiscal_year=year)}
    # The page is cut from the lines in the selector's order (the longest overdue first).
    order = Case(
        *(When(pk=pk, then=Value(i)) for i, pk in enumerate(found)),
        default=Value(0),
        output_field=IntegerField(),
    )
    lines = IndicatorLine.objects.filter(pk__in=found).order_by(order, "code")
    return Rendered(lines, lambda line: _breach(found[line.pk]))


def _breach(breach: selectors.TransferDeadline) -> dict[str, Any]:
    line = breach.line
    return {
        "line": _line_ref(line),
        "kind": line.kind,
        "organisation_code": _unit(line).code,
        "track_pro_code": line.track_pro_code,
        "sup_bgt_doc_no": line.sup_bgt_doc_no,
        "is_dir": line.is_dir,
        "received": breach.received,
        "deadline": breach.deadline,
        "pending_fen": breach.pending_fen,
        "late_fen": breach.late_fen,
        "days_overdue": breach.days_overdue,
    }


@router.get(
    "/indicators/lines/{line_id}/movements",
    response=list[MovementOut],
    url_name="indicator_line_movements",
)
@paged(200)
def list_movements(request: HttpRequest, line_id: Id) -> Any:
    """The line's movements oldest first, each with the running total and available after it."""
    actor = require(request, "indicators.view_indicatorline", READ)
    return Rendered(selectors.line_movements(actor=actor, line_id=line_id), _movement)


def _movement(movement: Any) -> dict[str, Any]:
    return {
        "id": movement.pk,
        "posting": str(movement.posting),
        "kind": movement.kind,
        "created_at": movement.created_at,
        **{f"d_{b}_fen": getattr(movement, f"d_{b}") for b in selectors.COLUMNS},
        "total_after_fen": movement.total_after,
        "available_after_fen": movement.available_after,
        "document": _document_ref(movement.document) if movement.document else None,
        "source_type": movement.source_type,
        "source_id": movement.source_id,
        "source_no": movement.source_no,
        "actor": movement.actor.username if movement.actor else "",
    }


# --- Documents -----------------------------------------------------------------------------------


@router.get("/indicators/documents", response=list[DocumentOut], url_name="indicator_documents")
@paged(100)
def list_documents(request: HttpRequest, kind: str = "", state: str = "") -> Any:
    actor = require(request, "indicators.view_indicatordocument", READ)
    documents = selectors.document_list(actor=actor, kind=kind, state=state).order_by("-pk")
    return Rendered(documents.prefetch_related("lines"), _document)


@router.get(
    "/indicators/documents/{document_id}",
    response=DocumentDetailOut,
    url_name="indicator_document",
)
def get_document(request: HttpRequest, document_id: Id) -> Any:
    actor = require(request, "indicators.view_indicatordocument", READ)
    return _document_detail(actor, selectors.document_get(actor=actor, document_id=document_id))


def _input(actor: Any, payload: DocumentIn, *, year: int | None) -> Any:
    data, errors = rows_input.document_input(
        actor=actor,
        kind=payload.kind,
        header=payload.model_dump(include=set(rows_input.HEADER_FIELDS)),
        rows=[row.model_dump() for row in payload.lines],
        fiscal_year=year,
        organisation_id=payload.organisation_id,
    )
    raise_if_any(rows_input.with_rule_errors(actor, data, errors))
    return data


# Every write on a document answers with the document read back in the caller's scope.
_mutate = DocumentWrite(
    api_scope=WRITE,
    read=lambda actor, pk: _document_detail(
        actor, selectors.document_get(actor=actor, document_id=pk)
    ),
)


@router.post("/indicators/documents", response={201: DocumentDetailOut})
def create_document(
    request: HttpRequest,
    response: HttpResponse,
    payload: DocumentIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Enter a document as a draft. Finance documents are then posted by another officer
    (R-WF-1); an adjustment is submitted for approval."""
    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope="api:indicators.document.create",
        body=payload.model_dump(),
        status=201,
        call=lambda actor: document_create(
            actor=actor, data=_input(actor, payload, year=payload.fiscal_year)
        ),
    )


@router.put("/indicators/documents/{document_id}", response=DocumentDetailOut)
def update_document(
    request: HttpRequest,
    response: HttpResponse,
    document_id: Id,
    payload: DocumentIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Replace a draft's header and rows (the kind cannot change)."""

    def call(actor: Any) -> IndicatorDocument:
        current = selectors.document_get(actor=actor, document_id=document_id)
        data = _input(actor, payload, year=current.fiscal_year)
        return document_update(actor=actor, document_id=document_id, data=data)

    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:indicators.document.update:{document_id}",
        body=payload.model_dump(),
        status=200,
        call=call,
    )


def _action(
    request: HttpRequest,
    response: HttpResponse,
    document_id: Id,
    key: str | None,
    name: str,
    call: Callable[[Any], Any],
) -> Status[Any]:
    def run(actor: Any) -> IndicatorDocument:
        call(actor)
        return selectors.document_get(actor=actor, document_id=document_id)

    return _mutate(
        request,
        response,
        key=key,
        scope=f"api:indicators.document.{name}:{document_id}",
        body={},
        status=200,
        call=run,
    )


@router.post("/indicators/documents/{document_id}/post", response=DocumentDetailOut)
def post_document(
    request: HttpRequest,
    response: HttpResponse,
    document_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Post a finance document to the ledger: checks again, then moves the money (R-IN-4);
    the officer who entered it cannot post it (R-WF-1)."""
    return _action(
        request,
        response,
        document_id,
        idempotency_key,
        "post",
        lambda actor: document_post(actor=actor, document_id=document_id),
    )


@router.post("/indicators/documents/{document_id}/void", response=DocumentDetailOut)
def void_document(
    request: HttpRequest,
    response: HttpResponse,
    document_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    return _action(
        request,
        response,
        document_id,
        idempotency_key,
        "void",
        lambda actor: document_void(actor=actor, document_id=document_id),
    )


@router.post("/indicators/documents/{document_id}/submit", response=DocumentDetailOut)
def submit_document(
    request: HttpRequest,
    response: HttpResponse,
    document_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Submit an adjustment for approval: the route follows the approval matrix (R-AJ-2/3); the
    final approval checks the money again and posts it (R-AJ-4)."""

    def call(actor: Any) -> Any:
        selectors.document_get(actor=actor, document_id=document_id)  # scope: 404 first
        return document_submit(actor=actor, document_type=DOCUMENT_TYPE, object_id=str(document_id))

    return _action(request, response, document_id, idempotency_key, "submit", call)


# --- Sources (R-IN-7) and 预算调整 records (R-AJ-7) -------------------------------------------------


class SourceIn(Schema):
    kind: Literal["budget_line", "finance_pot", "transfer", "reserve"] = Field(
        description="批复预算 placeholder, 财政代编, 上级转移支付 received, 预备费 (functional class 227)"
    )
    name: str = Field(max_length=200)
    amount: str = Field(description='元, as text ("1,234.56")', max_length=40)
    reference_no: str = Field("", max_length=120)
    fund_type_code: str = Field("", max_length=8)
    exp_func_code: str = Field("", max_length=16)
    fiscal_year: Year | None = None


class SourceDrawOut(Schema):
    id: int
    kind: str
    d_amount_fen: int
    d_drawn_fen: int
    d_decreased_fen: int
    document: DocumentRef | None
    created_at: dt.datetime


class SourceOut(Schema):
    id: int
    code: str
    kind: str
    name: str
    fiscal_year: int
    mof_div_code: str
    reference_no: str
    holder_name: str
    fund_type_code: str
    exp_func_code: str
    amount_fen: int
    drawn_fen: int
    left_fen: int
    decrease_amount_fen: int
    decreased_fen: int
    adjustment_number: str


class SourceDetailOut(SourceOut):
    draws: list[SourceDrawOut]


class AdjustmentRowIn(Schema):
    fund_type_code: str = Field(max_length=8)
    exp_func_code: str = Field(max_length=16)
    amount: str = Field("0", description="Authorised increase, 元 as text", max_length=40)
    decrease_amount: str = Field("0", description="Authorised decrease, 元 as text", max_length=40)


class AdjustmentIn(Schema):
    title: str = Field(max_length=200)
    decision_no: str = Field(description="人大常委会 decision number", max_length=120)
    decision_date: dt.date
    fiscal_year: Year | None = None
    rows: list[AdjustmentRowIn] = Field(min_length=1, max_length=200)


class AdjustmentOut(Schema):
    id: int
    number: str
    fiscal_year: int
    title: str
    decision_no: str
    decision_date: dt.date
    rows: list[SourceOut]


def _source(source: IndicatorSource) -> dict[str, Any]:
    return {
        "id": source.pk,
        "code": source.code,
        "kind": source.kind,
        "name": source.name,
        "fiscal_year": source.fiscal_year,
        "mof_div_code": source.mof_div_code,
        "reference_no": source.reference_no,
        "holder_name": source.holder.name,
        "fund_type_code": source.fund_type_code,
        "exp_func_code": source.exp_func_code,
        "amount_fen": source.amount,
        "drawn_fen": source.drawn,
        "left_fen": source.left,
        "decrease_amount_fen": source.decrease_amount,
        "decreased_fen": source.decreased,
        "adjustment_number": source.adjustment.number if source.adjustment else "",
    }


def _source_detail(actor: Any, pk: int) -> dict[str, Any]:
    source = selectors.source_get(actor=actor, pk=pk)
    return {
        **_source(source),
        "draws": [
            {
                "id": d.pk,
                "kind": d.kind,
                "d_amount_fen": d.d_amount,
                "d_drawn_fen": d.d_drawn,
                "d_decreased_fen": d.d_decreased,
                "document": _document_ref(d.document) if d.document else None,
                "created_at": d.created_at,
            }
            for d in selectors.source_draws(source=source)
        ],
    }


def _adjustment(record: BudgetAdjustment) -> dict[str, Any]:
    return {
        "id": record.pk,
        "number": record.number,
        "fiscal_year": record.fiscal_year,
        "title": record.title,
        "decision_no": record.decision_no,
        "decision_date": record.decision_date,
        "rows": [_source(row) for row in record.rows.select_related("holder", "adjustment")],
    }


@router.get("/indicators/sources", response=list[SourceOut], url_name="indicator_sources")
@paged(100)
def list_sources(request: HttpRequest, fiscal_year: Year | None = None) -> Any:
    """Where the indicators' money comes from (R-IN-7): amount, drawn and left per source."""
    actor = require(request, "indicators.view_indicatorsource", READ)
    return Rendered(selectors.sources_list(actor=actor, fiscal_year=fiscal_year), _source)


@router.get(
    "/indicators/sources/{source_id}", response=SourceDetailOut, url_name="indicator_source"
)
def get_source(request: HttpRequest, source_id: Id) -> Any:
    """A source with its append-only draws (opened, drawn by each 下达/追加, given back)."""
    actor = require(request, "indicators.view_indicatorsource", READ)
    return _source_detail(actor, source_id)


_source_write = DocumentWrite(
    api_scope=WRITE, read=_source_detail, permission="indicators.add_indicatorsource"
)


def _source_input(payload: SourceIn) -> SourceInput:
    return SourceInput(
        kind=payload.kind,
        name=payload.name,
        amount=field_amount(payload.amount, "amount"),
        fiscal_year=payload.fiscal_year,
        reference_no=payload.reference_no,
        fund_type_code=payload.fund_type_code,
        exp_func_code=payload.exp_func_code,
    )


@router.post("/indicators/sources", response={201: SourceDetailOut})
def create_source(
    request: HttpRequest,
    response: HttpResponse,
    payload: SourceIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Open a source (R-IN-7): the budget division only; the one place money enters."""
    return _source_write(
        request,
        response,
        key=idempotency_key,
        scope="api:indicators.source.create",
        body=payload.model_dump(),
        status=201,
        call=lambda actor: source_create(actor=actor, data=_source_input(payload)),
    )


@router.get("/indicators/adjustments", response=list[AdjustmentOut], url_name="budget_adjustments")
@paged(100)
def list_adjustments(request: HttpRequest, fiscal_year: Year | None = None) -> Any:
    """预算调整 records (R-AJ-7) with their rows (authorised amounts by fund and function)."""
    actor = require(request, "indicators.view_budgetadjustment", READ)
    return Rendered(selectors.adjustments_list(actor=actor, fiscal_year=fiscal_year), _adjustment)


@router.get(
    "/indicators/adjustments/{adjustment_id}",
    response=AdjustmentOut,
    url_name="budget_adjustment",
)
def get_adjustment(request: HttpRequest, adjustment_id: Id) -> Any:
    actor = require(request, "indicators.view_budgetadjustment", READ)
    return _adjustment(selectors.adjustment_get(actor=actor, pk=adjustment_id))


_adjustment_write = DocumentWrite(
    api_scope=WRITE,
    read=lambda actor, pk: _adjustment(selectors.adjustment_get(actor=actor, pk=pk)),
    permission="indicators.add_budgetadjustment",
)


def _adjustment_input(payload: AdjustmentIn) -> AdjustmentInput:
    return AdjustmentInput(
        title=payload.title,
        decision_no=payload.decision_no,
        decision_date=payload.decision_date,
        fiscal_year=payload.fiscal_year,
        rows=[
            AdjustmentRowInput(
                fund_type_code=row.fund_type_code,
                exp_func_code=row.exp_func_code,
                amount=field_amount(row.amount, f"rows[{index}].amount"),
                decrease_amount=field_amount(row.decrease_amount, f"rows[{index}].decrease_amount"),
            )
            for index, row in enumerate(payload.rows)
        ],
    )


@router.post("/indicators/adjustments", response={201: AdjustmentOut})
def create_adjustment(
    request: HttpRequest,
    response: HttpResponse,
    payload: AdjustmentIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Record a 预算调整 (R-AJ-7): 人大常委会 decision number and date, and per row the fund type,
    functional class and the increase and decrease it authorises. Budget division only."""
    return _adjustment_write(
        request,
        response,
        key=idempotency_key,
        scope="api:indicators.adjustment.create",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: adjustment_create(actor=actor, data=_adjustment_input(payload)),
    )
