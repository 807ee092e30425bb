"""Payment request rows as clerks and client systems write them — indicator codes and amounts
in 元 — turned into ``PaymentInput``; shared by the entry form and the API so both name an
unknown code or a malformed amount the same way (``lines[i].field``, DESIGN §6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, ErrorDetail, row_amount
from yusuan.common.ids import parse_id
from yusuan.common.money import Money
from yusuan.indicators.models import IndicatorLine
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import PaymentInput, PaymentLineInput


def indicator_id(actor: Actor, code: str, name: str) -> int:
    """The id of the indicator line ``code`` the actor may use; a 422 naming field ``name``."""
    found = IndicatorLine.objects.visible_to(actor).filter(code=code).values_list("pk", flat=True)
    pk = found.first()
    if pk is None:
        raise BusinessRuleError.single(
            code="payments.indicator_unknown",
            field=name,
            value=code,
            message_zh=f"指标 {code} 不存在",
            message_en=f"no indicator {code}",
        )
    return int(pk)


def _int(value: Any) -> int | None:
    return parse_id(str(value or "").strip())


def request_input(
    *, actor: Actor, header: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]
) -> tuple[PaymentInput, list[ErrorDetail]]:
    codes = {str(row.get("indicator_line") or "").strip() for row in rows} - {""}
    found = dict(
        IndicatorLine.objects.visible_to(actor).filter(code__in=codes).values_list("code", "pk")
    )
    errors: list[ErrorDetail] = []
    lines = []
    for index, row in enumerate(rows):
        amount: Money = row_amount(str(row.get("amount") or "").strip(), index, errors)
        code = str(row.get("indicator_line") or "").strip()
        line_id = found.get(code)
        if line_id is None and code:
            errors.append(
                ErrorDetail(
                    code="payments.indicator_unknown",
                    rule="R-PY-1",
                    field=f"lines[{index}].indicator_line",
                    row=index,
                    value=code,
                    message_zh=f"第 {index + 1} 行：指标“{code}”不存在或无权使用",
                    message_en=f"row {index + 1}: indicator '{code}' not found",
                )
            )
        lines.append(
            PaymentLineInput(
                line_id, amount, _int(row.get("payee_id")), str(row.get("summary") or "")
            )
        )
    pay_date = header.get("pay_date")
    if not isinstance(pay_date, dt.date):
        try:
            pay_date = dt.date.fromisoformat(str(pay_date or "").strip())
        except ValueError:
            errors.append(
                ErrorDetail(
                    code="payments.bad_date",
                    field="pay_date",
                    value=str(pay_date or ""),
                    message_zh="支付日期格式应为 YYYY-MM-DD",
                    message_en="the payment date must be YYYY-MM-DD",
                )
            )
            pay_date = dt.date.min
    data = PaymentInput(
        business_type=str(header.get("business_type") or ""),
        settlement_mode=str(header.get("settlement_mode") or ""),
        purpose=str(header.get("purpose") or ""),
        pay_date=pay_date,
        payer_account_id=_int(header.get("payer_account_id")),
        payee_id=_int(header.get("payee_id")),
        contract_id=_int(header.get("contract_id")),
        lines=lines,
    )
    return data, errors


def request_values(request: PaymentRequest) -> tuple[dict[str, str], list[dict[str, str]]]:
    """A request's header and lines as its editor shows them, and as ``request_input`` reads
    them back: what a page's edit form starts from and an API's partial edit (PATCH) keeps."""
    header = {
        "business_type": request.business_type,
        "settlement_mode": request.settlement_mode,
        "purpose": request.purpose,
        "pay_date": request.pay_date.isoformat(),
        "payer_account_id": str(request.payer_account_id),
        "payee_id": "",
        "contract_id": str(request.contract_id or ""),
    }
    rows = [
        {
            "indicator_line": line.indicator_line.code,
            "amount": Money(line.amount).format(grouping=False),
            "payee_id": str(line.payee_id or ""),
            "summary": line.summary,
        }
        for line in request.lines.select_related("indicator_line").order_by("row")
    ]
    return header, rows
