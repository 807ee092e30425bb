"""Payment request endpoints of /api/v1: the scoped list and detail, create, submit (explaining a
warning is monitoring's). The answers and the payments write ``once`` are ``payments.schemas``.

Amounts come in as text in 元 and go out as integer fen (``*_fen``); indicator lines are named by
code. Every mutating call accepts an ``Idempotency-Key`` (P11).
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import NotFoundError, raise_if_any
from yusuan.payments import selectors
from yusuan.payments.models import PaymentRequest, PaymentVoucher
from yusuan.payments.rows import request_filters, request_input, request_values
from yusuan.payments.schemas import READ, RequestDetailOut, RequestOut
from yusuan.payments.schemas import request_detail as _detail
from yusuan.payments.schemas import request_row as _request
from yusuan.payments.schemas import request_write as _mutate
from yusuan.payments.services import PaymentInput, request_create, request_update, request_void
from yusuan.payments.services.allocation import AllocationReceipt, allocation_settle
from yusuan.payments.services.bank import end_to_end_id
from yusuan.payments.voucher_pdf import voucher_pdf
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
    instalment_id: Id | None = Field(
        None, description="R-GP-10: the contract's payment-schedule node paid, if it has one"
    )
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
    "pending_review",
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


Amount = Annotated[str, Field(max_length=32, description="元, e.g. '1,234.50'")]


@router.get("/payments/requests", response=list[RequestOut])
@paged(100)
def list_requests(
    request: HttpRequest,
    state: StateFilter = "",
    organisation: Annotated[Id | None, Field(description="The unit's id")] = None,
    pay_date_from: dt.date | None = None,
    pay_date_to: dt.date | None = None,
    paid_on: Annotated[
        dt.date | None, Field(description="A bank value date on which any line was paid")
    ] = None,
    amount_min: Amount = "",
    amount_max: Amount = "",
    payee_id: Id | None = None,
    payee: Annotated[str, Field(max_length=200, description="Part of a payee's name")] = "",
    indicator_line: Annotated[str, Field(max_length=32, description="Indicator code (ZB…)")] = "",
    q: Annotated[str, Field(max_length=200, description="Part of the number or purpose")] = "",
    waiting: Annotated[
        Literal["", "confirmation", "sending", "receipt"],
        Field(
            description="What the request waits for: a refund or correction to confirm, its "
            "voucher to be sent to the bank, or a 实拨 voucher's treasury receipt"
        ),
    ] = "",
) -> Any:
    """The caller's requests, newest first: by state, unit, payment date range, total range (元,
    both ends included), payee (id, or part of the name) of any line, indicator line (code) of
    any line, and text in the number or purpose. A filter that is no value (an amount that is
    not one, a range upside down) is a 422 naming it, not an empty list."""
    actor = require(request, "payments.view_paymentrequest", READ)
    filters = request_filters(
        state=state,
        organisation=organisation,
        pay_date_from=pay_date_from,
        pay_date_to=pay_date_to,
        paid_on=paid_on,
        amount_min=amount_min,
        amount_max=amount_max,
        payee_id=payee_id,
        payee=payee,
        indicator_line=indicator_line,
        q=q,
        waiting=waiting,
    )
    requests = selectors.request_list(actor=actor, **filters)
    return Rendered(requests.prefetch_related("lines"), _request)


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


@router.put("/payments/requests/{request_id}", response=RequestDetailOut)
def update_request(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    payload: RequestIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Replace a draft's (or a blocked request's) header and lines, as the edit page does; the
    fiscal year stays the request's. Another unit's request is a 404, a submitted one a 409."""

    def call(actor: Any) -> PaymentRequest:
        found = _get(actor, request_id)  # another unit's request: 404 before the body is read
        return request_update(actor=actor, request_id=found.pk, data=_input(actor, payload))

    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.request.update:{request_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        call=call,
    )


class RequestPatchIn(Schema):
    """What a partial edit changes; what it leaves out stays as it is (the lines as a whole);
    a field sent as null is emptied."""

    business_type: Literal["ordinary", "salary", "card_repayment", "procurement"] | None = None
    settlement_mode: Literal["transfer", "card", "cash"] | None = None
    purpose: str | None = Field(None, max_length=200)
    pay_date: dt.date | None = None
    payer_account_id: Id | None = None
    payee_id: Id | None = Field(None, description="The payee of the lines sent without one")
    contract_id: Id | None = None
    instalment_id: Id | None = None
    lines: list[LineIn] | None = Field(None, min_length=1, max_length=5000)


@router.patch("/payments/requests/{request_id}", response=RequestDetailOut)
def patch_request(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    payload: RequestPatchIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Change some of a draft's header fields, or replace its lines, keeping the rest as the
    edit page shows them; the same checks and service as a full edit (``PUT``)."""

    def call(actor: Any) -> PaymentRequest:
        found = _get(actor, request_id)
        header, rows = request_values(found)
        given = payload.model_dump(exclude_unset=True, exclude={"lines"})
        # A field sent as null is emptied (``contract_id``: no contract); a required one is then
        # refused by name, as the edit page refuses an emptied field.
        header.update({name: "" if value is None else value for name, value in given.items()})
        if payload.lines is not None:
            rows = [row.model_dump() for row in payload.lines]
        data, errors = request_input(actor=actor, header=header, rows=rows)
        raise_if_any(errors)
        return request_update(actor=actor, request_id=found.pk, data=data)

    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.request.patch:{request_id}",
        body=payload.model_dump(mode="json", exclude_unset=True),
        status=200,
        call=call,
    )


@router.post("/payments/requests/{request_id}/void", response=RequestDetailOut)
def void_request(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Void a draft, a blocked or a failed request, as its page does; what it froze is released."""

    def call(actor: Any) -> PaymentRequest:
        found = _get(actor, request_id)
        return request_void(actor=actor, request_id=found.pk)

    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.request.void:{request_id}",
        body={},
        status=200,
        call=call,
    )


class AllocationReceiptIn(Schema):
    paid: bool = Field(
        description="true: the money reached the lower government's treasury; false: that "
        "treasury returned it (the frozen money is released, the request fails)"
    )
    reference: str = Field(
        max_length=64, description="The 人民银行国库's receipt number (划款回执号); one per voucher"
    )
    value_date: dt.date | None = Field(
        None, description="The day the money moved; today when not given (not in the future)"
    )
    reason: str = Field("", max_length=300, description="Why it was returned (required then)")


@router.post("/payments/requests/{request_id}/allocation-receipt", response=RequestDetailOut)
def record_allocation_receipt(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    payload: AllocationReceiptIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """R-PY-12: the treasury records the receipt for a request's 实拨 voucher, which goes to no
    agent bank: every line paid (frozen → paid) or returned (frozen → available). The same
    receipt again is a replay; another result for a settled voucher is a 409."""
    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.request.allocation:{request_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        call=lambda actor: allocation_settle(
            actor=actor,
            request_id=request_id,
            data=AllocationReceipt(
                paid=payload.paid,
                reference=payload.reference,
                value_date=payload.value_date,
                reason=payload.reason,
            ),
        ),
    )


class VoucherLineOut(Schema):
    row: int
    end_to_end_id: str
    payee_name: str
    payee_account_no: str = Field(description="Whole: the voucher is what the bank pays")
    payee_bank_name: str
    indicator_line_code: str
    exp_func_code: str
    dep_bgt_eco_code: str
    gov_bgt_eco_code: str
    amount_fen: int
    state: str


class VoucherOut(Schema):
    number: str
    request_id: int
    request_number: str
    organisation_id: int
    pay_date: dt.date
    amount_fen: int
    amount_in_words: str
    approvers: list[Any]
    payer_account_name: str
    payer_account_no: str
    payer_bank_name: str
    bank_file_id: int | None
    lines: list[VoucherLineOut]


def _voucher(actor: Any, request_id: int) -> tuple[PaymentRequest, PaymentVoucher]:
    found = _get(actor, request_id)
    voucher = getattr(found, "voucher", None)
    if voucher is None:
        raise NotFoundError("payment voucher")
    return found, voucher


@router.get("/payments/requests/{request_id}/voucher", response=VoucherOut)
def get_voucher(request: HttpRequest, request_id: Id) -> Any:
    """The request's payment voucher (支付凭证) as printed: account numbers whole, for whoever
    may see the voucher (ADR 0019). A request with no voucher yet is a 404."""
    actor = require(request, "payments.view_paymentrequest", READ)
    found, voucher = _voucher(actor, request_id)
    account = found.payer_account
    return {
        "number": voucher.number,
        "request_id": found.pk,
        "request_number": found.number,
        "organisation_id": found.organisation_id,
        "pay_date": found.pay_date,
        "amount_fen": voucher.amount,
        "amount_in_words": voucher.amount_in_words,
        "approvers": voucher.approvers,
        "payer_account_name": account.account_name,
        "payer_account_no": account.account_no,
        "payer_bank_name": account.bank_name,
        "bank_file_id": voucher.bank_file_id,
        "lines": [
            {
                "row": x.row,
                "end_to_end_id": end_to_end_id(voucher, x),
                "payee_name": x.payee_name,
                "payee_account_no": x.payee_account_no,
                "payee_bank_name": x.payee_bank_name,
                "indicator_line_code": x.indicator_line.code,
                "exp_func_code": x.exp_func_code,
                "dep_bgt_eco_code": x.dep_bgt_eco_code,
                "gov_bgt_eco_code": x.gov_bgt_eco_code,
                "amount_fen": x.amount,
                "state": x.state,
            }
            for x in _voucher_lines(found)
        ],
    }


def _voucher_lines(found: PaymentRequest) -> Any:
    return found.lines.select_related("indicator_line").order_by("row")


@router.get("/payments/requests/{request_id}/voucher.pdf")
def download_voucher_pdf(request: HttpRequest, request_id: Id) -> HttpResponse:
    """The payment voucher as the page prints it (PDF, account numbers whole: ADR 0019)."""
    actor = require(request, "payments.view_paymentrequest", READ)
    found, voucher = _voucher(actor, request_id)
    response = HttpResponse(
        voucher_pdf(found, voucher, _voucher_lines(found)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{voucher.number}.pdf"'
    return response
