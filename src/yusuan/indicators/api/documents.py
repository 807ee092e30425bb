"""Indicator documents in /api/v1: create, edit, submit, post and void.

Amounts come in as text in 元 (``"1,234.56"``; JSON numbers are refused so no float ever carries
money) and go out as integer fen (``*_fen``). Rows name lines, units and projects by code, as the
entry form does (``yusuan.indicators.rows``). Approval actions on a submitted adjustment are the
workflow endpoints (``/workflow/instances/{id}/approve`` …); a document lists its rounds.
Every mutating call accepts an ``Idempotency-Key`` (P11).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import raise_if_any
from yusuan.indicators import rows as rows_input
from yusuan.indicators import selectors
from yusuan.indicators.api.common import READ, WRITE, _api
from yusuan.indicators.models import IndicatorDocument
from yusuan.indicators.services import (
    document_create,
    document_post,
    document_update,
    document_void,
)
from yusuan.indicators.workflow import DOCUMENT_TYPE
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.services import document_submit

# The operation ids these endpoints were first published under (``yusuan.api.root``), when they
# were all in ``yusuan.indicators.api``: clients generate their method names from them.
OPERATION_ID_PREFIX = "yusuan_indicators_api"

router = Router(tags=["indicators"])

# --- Schemas -------------------------------------------------------------------------------------


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
