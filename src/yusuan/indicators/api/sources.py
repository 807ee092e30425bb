"""Indicator sources in /api/v1 (R-IN-7: where the indicators' money comes from, the one place
it enters) and 预算调整 records (R-AJ-7). Amounts come in as text in 元 and go out as integer fen
(``*_fen``); every mutating call accepts an ``Idempotency-Key`` (P11)."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import field_amount
from yusuan.indicators import selectors
from yusuan.indicators.api.common import READ, WRITE, DocumentRef, _document_ref
from yusuan.indicators.models import BudgetAdjustment, IndicatorSource
from yusuan.indicators.services.sources import (
    AdjustmentInput,
    AdjustmentRowInput,
    SourceInput,
    adjustment_create,
    source_create,
)

# The operation ids these endpoints were first published under (``yusuan.api.root``), when they
# were all in ``yusuan.indicators.api``: clients generate their method names from them.
OPERATION_ID_PREFIX = "yusuan_indicators_api"

router = Router(tags=["indicators"])

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
