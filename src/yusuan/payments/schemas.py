"""What the payment request endpoints of /api/v1 answer, and how they write: shared by payments'
API and the apps above it that act on a request (monitoring's explain endpoint), which may not
import ``payments.api`` (import-linter: no app imports another app's views, api or forms)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Schema, Status

from yusuan.audit.idempotency import DocumentWrite, write_once
from yusuan.common.masking import account_no_for
from yusuan.payments import hooks, selectors
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services.bank import end_to_end_id

READ, WRITE = "payments:read", "payments:write"


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
    status: str = ""  # R-MO-14: generated / explained / normal / rectify / cleared
    id: int | None = None


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
    voucher_kind: str  # R-PY-12: "payment" 支付凭证 or "allocation" 实拨资金凭证; "" before issue
    amount_in_words: str


class RequestDetailOut(RequestOut):
    explanation: str
    contract_id: int | None = None
    instalment_id: int | None = None  # R-GP-10: the contract's payment-schedule node
    lines: list[PaymentLineOut]
    findings: list[FindingOut]


def request_row(request: PaymentRequest) -> dict[str, Any]:
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
        "voucher_kind": voucher.kind if voucher else "",
        "amount_in_words": voucher.amount_in_words if voucher else "",
    }


def request_detail(actor: Any, request: PaymentRequest) -> dict[str, Any]:
    voucher = getattr(request, "voucher", None)
    return {
        **request_row(request),
        "explanation": request.explanation,
        "contract_id": request.contract_id,
        "instalment_id": request.instalment_id,
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
            {k: getattr(f, k) for k in FindingOut.model_fields} for f in hooks.findings(request)
        ],
    }


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


# A write on a request, answered with the request as it is afterwards.
request_write = DocumentWrite(
    api_scope=WRITE,
    read=lambda actor, pk: request_detail(actor, selectors.request_get(actor=actor, request_id=pk)),
)
