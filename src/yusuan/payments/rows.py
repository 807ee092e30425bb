"""Payment request rows as clerks and client systems write them — indicator codes and amounts
in 元 — turned into ``PaymentInput``; shared by the entry form and the API so both name an
unknown code or a malformed amount the same way (``lines[i].field``, DESIGN §6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from yusuan.common.actor import Actor
from yusuan.common.errors import (
    BusinessRuleError,
    ErrorDetail,
    field_amount,
    raise_if_any,
    row_amount,
)
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
        instalment_id=_int(header.get("instalment_id")),
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
        "instalment_id": str(request.instalment_id or ""),
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


# ``selectors.WAITING_FOR``: what a request may wait for, as the filter names it.
WAITING: dict[str, tuple[str, str]] = {
    "confirmation": ("退款或更正待确认", "a refund or correction to confirm"),
    "sending": ("凭证待发送银行", "a voucher to send to the bank"),
    "receipt": ("实拨待国库回执", "an allocation awaiting the treasury's receipt"),
}


def request_filters(
    *,
    state: str = "",
    organisation: int | None = None,
    pay_date_from: dt.date | str | None = None,
    pay_date_to: dt.date | str | None = None,
    amount_min: str = "",
    amount_max: str = "",
    payee_id: int | None = None,
    payee: str = "",
    indicator_line: str = "",
    q: str = "",
    waiting: str = "",
    paid_on: dt.date | str | None = None,
) -> dict[str, Any]:
    """The request list's filters as the list page and ``GET /payments/requests`` take them
    (dates as dates or ISO text, amounts as 元 text), read into ``selectors.request_list``'s
    arguments. What is no value — a date or amount that is none, a range upside down — raises one
    BusinessRuleError naming every such filter, so neither answers an empty list instead."""
    errors: list[ErrorDetail] = []
    dates = [
        _filter_date(value, name, errors)
        for value, name in (
            (pay_date_from, "pay_date_from"),
            (pay_date_to, "pay_date_to"),
            (paid_on, "paid_on"),
        )
    ]
    amounts = [
        _filter_amount(text, name, errors)
        for text, name in (
            (amount_min, "amount_min"),
            (amount_max, "amount_max"),
        )
    ]
    if dates[0] and dates[1] and dates[1] < dates[0]:
        errors.append(_range_error("pay_date_to", pay_date_from, pay_date_to))
    if amounts[0] is not None and amounts[1] is not None and amounts[1] < amounts[0]:
        errors.append(_range_error("amount_max", amount_min, amount_max))
    if waiting and waiting not in WAITING:
        errors.append(
            ErrorDetail(
                code="payments.filter_waiting",
                field="waiting",
                value=waiting[:40],
                limit=sorted(WAITING),
                message_zh=f"“待办”筛选（waiting）“{waiting[:40]}”无效，可选："
                + "、".join(f"{k}（{v[0]}）" for k, v in WAITING.items()),
                message_en=f"the waiting filter '{waiting[:40]}' is none of "
                + ", ".join(f"{k} ({v[1]})" for k, v in WAITING.items()),
            )
        )
    raise_if_any(errors)
    return {
        "waiting": waiting,
        "state": state,
        "organisation_id": organisation,
        "pay_date_from": dates[0],
        "pay_date_to": dates[1],
        "paid_on": dates[2],
        "total_min": amounts[0],
        "total_max": amounts[1],
        "payee_id": payee_id,
        "payee": payee.strip(),
        "indicator_line": indicator_line.strip(),
        "text": q.strip(),
    }


def _range_error(name: str, low: object, high: object) -> ErrorDetail:
    return ErrorDetail(
        code="payments.filter_range",
        field=name,
        value=str(high),
        limit=str(low),
        message_zh=f"筛选条件 {name}（{high}）不能小于下限（{low}）",
        message_en=f"filter {name} ({high}) is below the lower end of the range ({low})",
    )


def _filter_date(
    value: dt.date | str | None, name: str, errors: list[ErrorDetail]
) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(
            ErrorDetail(
                code="invalid_date",
                field=name,
                value=text[:40],
                message_zh=f"日期“{text[:40]}”无法识别，请按 YYYY-MM-DD 填写",
                message_en=f"“{text[:40]}” is not a date (YYYY-MM-DD)",
            )
        )
        return None


def _filter_amount(text: str, name: str, errors: list[ErrorDetail]) -> int | None:
    if not text.strip():
        return None
    try:
        return int(field_amount(text, name).fen)
    except BusinessRuleError as exc:
        errors.extend(exc.errors)
        return None
