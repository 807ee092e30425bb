"""Payment endpoints after the money left (/api/v1/payments/…): find a paid line by payee,
account, amount, date or voucher number (one employee in a salary batch is one line), refund
part or all of it, correct it to another indicator line, and register the agent bank's returns
(退票, refunds too). Amounts in as text in 元, out as integer fen; every mutating call accepts an
``Idempotency-Key`` (P11)."""

import datetime as dt
from dataclasses import replace
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.common.api import Id, IdempotencyKey, Rendered, paged, require
from yusuan.common.errors import (
    BusinessRuleError,
    ErrorDetail,
    field_amount,
    raise_if_any,
    row_amount,
)
from yusuan.core.rules import mask_account_no
from yusuan.payments import selectors
from yusuan.payments.models import Correction, PaymentLine, Refund
from yusuan.payments.rows import indicator_id
from yusuan.payments.schemas import READ, WRITE, once
from yusuan.payments.services.corrections import correction_post, correction_register
from yusuan.payments.services.refunds import (
    ReturnInput,
    bank_returns_register,
    refund_confirm,
    refund_register,
)

router = Router(tags=["payments"])


# --- Paid lines ----------------------------------------------------------------------------------


class PaidLineOut(Schema):
    id: int
    request_number: str
    voucher_number: str
    row: int
    end_to_end_id: str
    payee_name: str
    payee_account_no: str = Field(description="Masked (a list); the voucher shows it whole")
    amount_fen: int
    refunded_fen: int
    pay_date: dt.date
    state: str


def _paid_line(actor: Any, line: PaymentLine) -> dict[str, Any]:
    voucher = getattr(line.request, "voucher", None)
    number = voucher.number if voucher else ""
    return {
        "id": line.pk,
        "request_number": line.request.number,
        "voucher_number": number,
        "row": line.row,
        "end_to_end_id": f"{number}-{line.row + 1}" if number else "",
        "payee_name": line.payee_name,
        # A search across vouchers is a list: masked for everyone (ADR 0019); the last four
        # digits are what a refund is matched by.
        "payee_account_no": mask_account_no(line.payee_account_no),
        "amount_fen": line.amount,
        "refunded_fen": line.refunded,
        "pay_date": line.request.pay_date,
        "state": line.state,
    }


@router.get("/payments/lines", response=list[PaidLineOut])
@paged(100)
def search_lines(
    request: HttpRequest,
    payee: Annotated[str, Field(max_length=200)] = "",
    account: Annotated[
        str, Field(max_length=40, description="The account number's last digits")
    ] = "",
    amount: Annotated[str, Field(max_length=32, description="元, e.g. '1,234.50'")] = "",
    voucher: Annotated[str, Field(max_length=20)] = "",
    pay_date: dt.date | None = None,
    state: Literal["", "open", "paid", "failed"] = "paid",
) -> Any:
    """The original lines a refund or correction starts from (P9): by payee name, the account's
    last digits, the amount in 元, the voucher number, the payment date. A filter that no line
    could ever match (an amount that is not one, letters in the account's digits) is a 422
    naming it, not an empty list."""
    actor = require(request, "payments.view_paymentrequest", READ)
    digits = account.replace(" ", "")
    if digits and not (digits.isascii() and digits.isdigit()):
        raise BusinessRuleError.single(
            code="payments.filter_account",
            field="account",
            value=account,
            limit="0–9",
            message_zh=f"账号末位“{account}”只能是数字",
            message_en=f"account '{account}': the account number's last digits are digits only",
        )
    lines = selectors.line_search(
        actor=actor,
        payee=payee,
        account=digits,
        amount=field_amount(amount, "amount").fen if amount.strip() else None,
        voucher=voucher,
        pay_date=pay_date,
        state=state,
    )
    return Rendered(lines, lambda x: _paid_line(actor, x))


# --- Refunds -------------------------------------------------------------------------------------


class RefundIn(Schema):
    amount: str = Field(description="元", max_length=32)
    kind: Literal["bank_return", "payee_refund"]
    reason: Literal["wrong_account", "returned", "overpaid", "error"]
    refund_date: dt.date
    bank_receipt_no: str = Field("", max_length=60)


class RefundOut(Schema):
    id: int
    number: str
    line_id: int
    kind: str
    reason: str
    amount_fen: int
    refund_date: dt.date
    same_year: bool
    state: str


def _refund(refund: Refund) -> dict[str, Any]:
    return {
        "id": refund.pk,
        "number": refund.number,
        "line_id": refund.line_id,
        "kind": refund.kind,
        "reason": refund.reason,
        "amount_fen": refund.amount,
        "refund_date": refund.refund_date,
        "same_year": refund.same_year,
        "state": refund.state,
    }


@router.post("/payments/lines/{line_id}/refunds", response={201: RefundOut})
def register_refund(
    request: HttpRequest,
    response: HttpResponse,
    line_id: Id,
    payload: RefundIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Refund part or all of one paid line (R-RF-1); another person confirms it."""
    return once(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.refund:{line_id}",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: _refund(
            refund_register(
                actor=actor,
                line_id=line_id,
                amount=field_amount(payload.amount, "amount"),
                kind=payload.kind,
                reason=payload.reason,
                refund_date=payload.refund_date,
                bank_receipt_no=payload.bank_receipt_no,
            )
        ),
    )


@router.get("/payments/refunds", response=list[RefundOut])
@paged(100)
def list_refunds(
    request: HttpRequest,
    state: Literal["", "registered", "restored", "to_treasury"] = "",
    request_id: Id | None = None,
) -> Any:
    """The refunds of the caller's units, newest first (what a request's page lists under it):
    of one state, of one payment request's lines."""
    actor = require(request, "payments.view_paymentrequest", READ)
    refunds = selectors.refund_list(actor=actor, state=state, request_id=request_id)
    return Rendered(refunds, _refund)


@router.get("/payments/refunds/{refund_id}", response=RefundOut)
def get_refund(request: HttpRequest, refund_id: Id) -> Any:
    actor = require(request, "payments.view_paymentrequest", READ)
    return _refund(selectors.refund_get(actor=actor, refund_id=refund_id))


@router.post("/payments/refunds/{refund_id}/confirm", response=RefundOut)
def confirm_refund(
    request: HttpRequest,
    response: HttpResponse,
    refund_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Same year: the indicator is available again (R-RF-2); later: back to the treasury."""

    def call(actor: Any) -> dict[str, Any]:
        refund_confirm(actor=actor, refund_id=refund_id)
        return _refund(Refund.objects.get(pk=refund_id))

    return once(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.refund.confirm:{refund_id}",
        body={},
        status=200,
        call=call,
    )


# --- Corrections ---------------------------------------------------------------------------------


class CorrectionIn(Schema):
    to_indicator_line: str = Field(description="Indicator code (ZB…)", max_length=32)
    from_indicator_line: str = Field("", description="When the line is charged to several")
    amount: str = Field(description="元", max_length=32)
    reason: str = Field(max_length=200)


class CorrectionOut(Schema):
    id: int
    number: str
    line_id: int
    from_indicator_line_id: int
    to_indicator_line_id: int
    amount_fen: int
    reason: str
    state: str


def _correction(correction: Correction) -> dict[str, Any]:
    return {
        "id": correction.pk,
        "number": correction.number,
        "line_id": correction.line_id,
        "from_indicator_line_id": correction.from_line_id,
        "to_indicator_line_id": correction.to_line_id,
        "amount_fen": correction.amount,
        "reason": correction.reason,
        "state": correction.state,
    }


@router.post("/payments/lines/{line_id}/corrections", response={201: CorrectionOut})
def register_correction(
    request: HttpRequest,
    response: HttpResponse,
    line_id: Id,
    payload: CorrectionIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """更正 (R-RF-5): charge part of a paid line to another indicator line of the same unit."""

    def call(actor: Any) -> dict[str, Any]:
        return _correction(
            correction_register(
                actor=actor,
                line_id=line_id,
                to_line_id=indicator_id(actor, payload.to_indicator_line, "to_indicator_line"),
                from_line_id=indicator_id(actor, payload.from_indicator_line, "from_indicator_line")
                if payload.from_indicator_line
                else None,
                amount=field_amount(payload.amount, "amount"),
                reason=payload.reason,
            )
        )

    return once(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.correction:{line_id}",
        body=payload.model_dump(),
        status=201,
        call=call,
    )


@router.get("/payments/corrections", response=list[CorrectionOut])
@paged(100)
def list_corrections(
    request: HttpRequest,
    state: Literal["", "registered", "posted"] = "",
    request_id: Id | None = None,
) -> Any:
    """The corrections of the caller's units, newest first (what a request's page lists under
    it): of one state, of one payment request's lines."""
    actor = require(request, "payments.view_paymentrequest", READ)
    corrections = selectors.correction_list(actor=actor, state=state, request_id=request_id)
    return Rendered(corrections, _correction)


@router.get("/payments/corrections/{correction_id}", response=CorrectionOut)
def get_correction(request: HttpRequest, correction_id: Id) -> Any:
    actor = require(request, "payments.view_paymentrequest", READ)
    return _correction(selectors.correction_get(actor=actor, correction_id=correction_id))


@router.post("/payments/corrections/{correction_id}/post", response=CorrectionOut)
def post_correction(
    request: HttpRequest,
    response: HttpResponse,
    correction_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Posted by someone other than who registered it: CORRECT_OUT / CORRECT_IN."""
    return once(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.correction.post:{correction_id}",
        body={},
        status=200,
        call=lambda actor: _correction(correction_post(actor=actor, correction_id=correction_id)),
    )


# --- Bank returns (退票) -------------------------------------------------------------------------


class BankReturnIn(Schema):
    voucher_number: str = Field(max_length=20)
    payee_account_no: str = Field(max_length=32)
    amount: str = Field(description="元", max_length=32)
    refund_date: dt.date
    bank_receipt_no: str = Field(max_length=60)


class BankReturnsIn(Schema):
    returns: list[BankReturnIn] = Field(min_length=1, max_length=5000)


@router.post("/payments/bank-returns", response={201: list[RefundOut]})
def register_bank_returns(
    request: HttpRequest,
    response: HttpResponse,
    payload: BankReturnsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """退票 from the agent bank: each return is matched to its original line by voucher number
    and payee account (R-RF-1b) and registered for the unit to confirm. All or nothing: every
    return that cannot be matched is reported, by position, and none is registered."""
    actor = require(request, "payments.record_bank_result", WRITE)
    errors: list[ErrorDetail] = []
    items = []
    for index, item in enumerate(payload.returns):
        amount = row_amount(item.amount, index, errors, name="amount")
        items.append(
            ReturnInput(
                item.voucher_number,
                item.payee_account_no,
                amount,
                item.refund_date,
                item.bank_receipt_no,
            )
        )
    raise_if_any([replace(e, field=f"returns[{e.row}].amount") for e in errors])
    return once(
        request,
        response,
        key=idempotency_key,
        scope="api:payments.bank_returns",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda _actor: [_refund(r) for r in bank_returns_register(actor=actor, items=items)],
    )
