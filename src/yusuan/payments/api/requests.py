"""Payment request endpoints of /api/v1: the scoped list and detail, create, submit, explain a
warning; and ``once``, the payments write that the other payments API modules use too.

Amounts come in as text in 元 and go out as integer fen (``*_fen``); indicator lines are named by
code. Every mutating call accepts an ``Idempotency-Key`` (P11).
"""

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import raise_if_any
from yusuan.common.masking import account_no_for
from yusuan.payments import selectors
from yusuan.payments.models import PaymentRequest
from yusuan.payments.rows import request_input
from yusuan.payments.services import PaymentInput, request_create
from yusuan.payments.services.bank import end_to_end_id
from yusuan.payments.services.monitoring import request_explain
from yusuan.payments.workflow import DOCUMENT_TYPE
from yusuan.workflow.services import document_submit

router = Router(tags=["payments"])
READ, WRITE = "payments:read", "payments:write"
# Operation ids are published: they keep the module these endpoints were first published from.
OPERATION_ID_PREFIX = "yusuan_payments_api"


class LineIn(Schema):
    indicator_line: str = Field(description="Indicator code (ZB…)", max_length=32)
    amount: str = Field(description="元, e.g. '1,234.56'", max_length=32)
    payee_id: Id | None = Field(None, description="Default: the request's payee")
    summary: str = Field("", max_length=200)


class RequestIn(Schema):
    business_type: Literal["ordinary", "salary", "card_repayment", "procurement"]
    settlement_mode: Literal["transfer", "card", "cash"]
    purpose: str = Field(max_length=200)
    pay_date: dt.date
    payer_account_id: Id
    payee_id: Id | None = None
    contract_id: Id | None = None
    fiscal_year: Year | None = None
    lines: list[LineIn] = Field(min_length=1, max_length=5000)


class ExplainIn(Schema):
    explanation: str = Field(max_length=2000)


class PaymentLineOut(Schema):
    row: int
    indicator_line_code: str
    amount_fen: int
    payee_name: str
    payee_account_no: str = Field(description="Masked unless the role may see personal data")
    dep_bgt_eco_code: str
    exp_func_code: str
    state: str
    end_to_end_id: str


class FindingOut(Schema):
    round: int
    rule: str
    outcome: str
    level: str
    row: int | None
    message_zh: str
    message_en: str


class RequestOut(Schema):
    id: int
    number: str
    state: str
    organisation_id: int
    business_type: str
    settlement_mode: str
    purpose: str
    pay_date: dt.date
    total_fen: int
    voucher_number: str
    amount_in_words: str


class RequestDetailOut(RequestOut):
    explanation: str
    lines: list[PaymentLineOut]
    findings: list[FindingOut]


# A request's state as a list filter: one of ``RequestState`` (tests check the two agree), or
# empty for all; anything else is a 422 naming ``state``, not an empty list.
StateFilter = Literal[
    "",
    "draft",
    "submitted",
    "approved",
    "pending_explanation",
    "blocked",
    "voucher_issued",
    "at_bank",
    "paid",
    "partly_failed",
    "failed",
    "cleared",
    "rejected",
    "void",
]


def _request(request: PaymentRequest) -> dict[str, Any]:
    voucher = getattr(request, "voucher", None)
    return {
        "id": request.pk,
        "number": request.number,
        "state": request.state,
        "organisation_id": request.organisation_id,
        "business_type": request.business_type,
        "settlement_mode": request.settlement_mode,
        "purpose": request.purpose,
        "pay_date": request.pay_date,
        "total_fen": request.total_fen,
        "voucher_number": voucher.number if voucher else "",
        "amount_in_words": voucher.amount_in_words if voucher else "",
    }


def _detail(actor: Any, request: PaymentRequest) -> dict[str, Any]:
    voucher = getattr(request, "voucher", None)
    return {
        **_request(request),
        "explanation": request.explanation,
        "lines": [
            {
                "row": x.row,
                "indicator_line_code": x.indicator_line.code,
                "amount_fen": x.amount,
                "payee_name": x.payee_name,
                "payee_account_no": account_no_for(actor, x.payee_account_no),
                "dep_bgt_eco_code": x.dep_bgt_eco_code,
                "exp_func_code": x.exp_func_code,
                "state": x.state,
                "end_to_end_id": end_to_end_id(voucher, x) if voucher else "",
            }
            for x in request.lines.select_related("indicator_line").order_by("row")
        ],
        "findings": [
            {k: getattr(f, k) for k in FindingOut.model_fields} for f in request.findings.all()
        ],
    }


def _get(actor: Any, request_id: int) -> PaymentRequest:
    return selectors.request_get(actor=actor, request_id=request_id)


@router.get("/payments/requests", response=list[RequestOut])
@paged(100)
def list_requests(request: HttpRequest, state: StateFilter = "") -> Any:
    actor = require(request, "payments.view_paymentrequest", READ)
    requests = selectors.request_list(actor=actor, state=state).prefetch_related("lines")
    return Rendered(requests, _request)


@router.get("/payments/requests/{request_id}", response=RequestDetailOut)
def get_request(request: HttpRequest, request_id: Id) -> Any:
    actor = require(request, "payments.view_paymentrequest", READ)
    return _detail(actor, _get(actor, request_id))


def _input(actor: Any, payload: RequestIn) -> PaymentInput:
    data, errors = request_input(
        actor=actor,
        header=payload.model_dump(exclude={"lines"}),
        rows=[row.model_dump() for row in payload.lines],
    )
    raise_if_any(errors)
    return data


def once(
    request: HttpRequest,
    response: HttpResponse,
    *,
    key: str | None,
    scope: str,
    body: dict[str, Any],
    status: int,
    call: Callable[[Any], Any],
    permission: str | None = None,
) -> Status[Any]:
    """A payments write: ``call(actor)`` makes the change and returns the answer's body, once
    per ``Idempotency-Key``; a replay returns the stored answer."""
    return write_once(
        request,
        response,
        permission=permission,
        api_scope=WRITE,
        key=key,
        scope=scope,
        body=body,
        status=status,
        render=call,
    )


def _mutate(
    request: HttpRequest,
    response: HttpResponse,
    *,
    key: str | None,
    scope: str,
    body: dict[str, Any],
    status: int,
    call: Callable[[Any], PaymentRequest],
) -> Status[Any]:
    """A write on a request, answered with the request as it is afterwards."""
    return once(
        request,
        response,
        key=key,
        scope=scope,
        body=body,
        status=status,
        call=lambda actor: _detail(actor, _get(actor, call(actor).pk)),
    )


@router.post("/payments/requests", response={201: RequestDetailOut})
def create_request(
    request: HttpRequest,
    response: HttpResponse,
    payload: RequestIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Enter a payment request as a draft; each line names an executable indicator line of the
    unit, whose elements it takes read-only (R-PY-2)."""
    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope="api:payments.request.create",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: request_create(
            actor=actor,
            data=_input(actor, payload),
            fiscal_year=payload.fiscal_year or payload.pay_date.year,
        ),
    )


@router.post("/payments/requests/{request_id}/submit", response=RequestDetailOut)
def submit_request(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Submit for approval: every line's amount is frozen on its indicator (R-PY-1); approve,
    return or reject through ``/workflow/instances/{id}/…``."""

    def call(actor: Any) -> PaymentRequest:
        found = _get(actor, request_id)
        document_submit(actor=actor, document_type=DOCUMENT_TYPE, object_id=str(found.pk))
        return found

    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.request.submit:{request_id}",
        body={},
        status=200,
        call=call,
    )


@router.post("/payments/requests/{request_id}/explain", response=RequestDetailOut)
def explain_request(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    payload: ExplainIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The written explanation a monitoring warning asks for; then the voucher is issued."""
    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.request.explain:{request_id}",
        body=payload.model_dump(),
        status=200,
        call=lambda actor: request_explain(
            actor=actor, request_id=request_id, explanation=payload.explanation
        ),
    )
