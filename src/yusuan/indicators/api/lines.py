"""The ledger's lines (指标账) in /api/v1: the scoped list, a line with its buckets and trace links
(P4), its movements with running balances, and the transfer money allocated late (R-IN-5). Amounts
go out as integer fen (``*_fen``)."""

import datetime as dt
from typing import Any, Literal

from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest
from django.urls import reverse

from ninja import Field, Query, Router, Schema

from yusuan.common.api import Id, Rendered, Year, paged, require
from yusuan.core.models import Organisation
from yusuan.indicators import selectors, transfers
from yusuan.indicators.api.common import READ, DocumentRef, _api, _document_ref
from yusuan.indicators.models import IndicatorLine, IndicatorSource

# The operation ids these endpoints were first published under (``yusuan.api.root``), when they
# were all in ``yusuan.indicators.api``: clients generate their method names from them.
OPERATION_ID_PREFIX = "yusuan_indicators_api"

router = Router(tags=["indicators"])

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


# --- Serialisers ---------------------------------------------------------------------------------


def _unit(line: IndicatorLine) -> Organisation:
    assert line.organisation is not None  # every ledger line has a holder (NOT NULL on lines)
    return line.organisation


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
            for link in transfers.tracking_chain(actor=actor, line=line)
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
    found = {b.line.pk: b for b in transfers.transfer_breaches(actor=actor, fiscal_year=year)}
    # The page is cut from the lines in the selector's order (the longest overdue first).
    order = Case(
        *(When(pk=pk, then=Value(i)) for i, pk in enumerate(found)),
        default=Value(0),
        output_field=IntegerField(),
    )
    lines = IndicatorLine.objects.filter(pk__in=found).order_by(order, "code")
    return Rendered(lines, lambda line: _breach(found[line.pk]))


def _breach(breach: transfers.TransferDeadline) -> dict[str, Any]:
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
