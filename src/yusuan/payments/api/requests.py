"""Payment request endpoints of /api/v1: the scoped list and detail, create, submit (explaining a
warning is monitoring's). The answers and the payments write ``once`` are ``payments.schemas``.

Amounts come in as text in 元 and go out as integer fen (``*_fen``); indicator lines are named by
code. Every mutating call accepts an ``Idempotency-Key`` (P11).
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import raise_if_any
from yusuan.payments import selectors
from yusuan.payments.models import PaymentRequest
from yusuan.payments.rows import request_input
from yusuan.payments.schemas import READ, RequestDetailOut, RequestOut
from yusuan.payments.schemas import request_detail as _detail
from yusuan.payments.schemas import request_row as _request
from yusuan.payments.schemas import request_write as _mutate
from yusuan.payments.services import PaymentInput, request_create
from yusuan.payments.workflow import DOCUMENT_TYPE
from yusuan.workflow.services import document_submit

router = Router(tags=["payments"])
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
