"""Rows as typed on a page or sent to the API (strings) → the rules' rows, with every value
that cannot be read named by row and field (DESIGN §6). Shared by the pages and the API."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from yusuan.common.errors import ErrorDetail
from yusuan.common.ids import parse_int
from yusuan.common.money import Money, MoneyParseError
from yusuan.projects import rules

MAX_QUANTITY = Decimal("999999999")


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _money(
    row: Mapping[str, Any], name: str, i: int, errors: list[ErrorDetail], prefix: str
) -> int | None:
    try:
        return Money.parse(_text(row, name)).fen
    except MoneyParseError as exc:
        errors.append(
            ErrorDetail(
                code=exc.code,
                field=f"{prefix}[{i}].{name}",
                row=i,
                value=_text(row, name)[:40],
                limit=exc.limit,
                message_zh=f"第 {i + 1} 行：{exc.message_zh}",
                message_en=f"row {i + 1}: {exc.message_en}",
            )
        )
        return None


def _int(
    row: Mapping[str, Any], name: str, i: int, errors: list[ErrorDetail], prefix: str, zh: str
) -> int | None:
    value = parse_int(_text(row, name))
    if value is None:
        errors.append(
            ErrorDetail(
                code="projects.not_a_number",
                field=f"{prefix}[{i}].{name}",
                row=i,
                value=_text(row, name)[:40],
                message_zh=f"第 {i + 1} 行：{zh}“{_text(row, name)[:40]}”不是整数",
                message_en=f"row {i + 1}: {name} '{_text(row, name)[:40]}' is not a whole number",
            )
        )
    return value


def _quantity(
    row: Mapping[str, Any], i: int, errors: list[ErrorDetail], prefix: str
) -> Decimal | None:
    text = unicodedata.normalize("NFKC", _text(row, "quantity")).replace(",", "")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite() or value != value.quantize(Decimal("0.01")):
        errors.append(
            ErrorDetail(
                code="projects.bad_quantity",
                rule="R-PJ-10",
                field=f"{prefix}[{i}].quantity",
                row=i,
                value=text[:40],
                limit="0.01–999999999",
                message_zh=f"第 {i + 1} 行：数量“{text[:40]}”须为数字（最多两位小数）",
                message_en=f"row {i + 1}: quantity '{text[:40]}' must be a number (2 decimals)",
            )
        )
        return None
    if value > MAX_QUANTITY:
        errors.append(
            ErrorDetail(
                code="projects.quantity_too_large",
                rule="R-PJ-10",
                field=f"{prefix}[{i}].quantity",
                row=i,
                value=str(value),
                limit=str(MAX_QUANTITY),
                message_zh=f"第 {i + 1} 行：数量 {value} 超过上限 {MAX_QUANTITY}",
                message_en=f"row {i + 1}: quantity {value} is above {MAX_QUANTITY}",
            )
        )
        return None
    return value


def plan_rows(
    raw: Sequence[Mapping[str, Any]], prefix: str = "lines"
) -> tuple[list[rules.PlanRow], list[ErrorDetail]]:
    rows: list[rules.PlanRow] = []
    errors: list[ErrorDetail] = []
    for i, row in enumerate(raw):
        year = _int(row, "year", i, errors, prefix, "年度")
        amount = _money(row, "amount", i, errors, prefix)
        if year is not None and amount is not None:
            rows.append(rules.PlanRow(year, _text(row, "fund_type"), amount))
    return rows, errors


def calculation_rows(
    raw: Sequence[Mapping[str, Any]], prefix: str = "lines"
) -> tuple[list[rules.CalcRow], list[ErrorDetail]]:
    """A blank amount is worked out (unit price × quantity); a typed one must agree (R-PJ-10)."""
    rows: list[rules.CalcRow] = []
    errors: list[ErrorDetail] = []
    for i, row in enumerate(raw):
        before = len(errors)
        year = _int(row, "year", i, errors, prefix, "年度")
        price = _money(row, "unit_price", i, errors, prefix)
        quantity = _quantity(row, i, errors, prefix)
        amount: int | None = None
        if _text(row, "amount"):
            amount = _money(row, "amount", i, errors, prefix)
        elif price is not None and quantity is not None:
            amount = rules.row_amount(price, quantity)
        if len(errors) > before or year is None or price is None or quantity is None:
            continue
        assert amount is not None
        rows.append(
            rules.CalcRow(
                year=year,
                content=_text(row, "content")[:200],
                economic_code=_text(row, "economic_code"),
                unit_price_fen=price,
                quantity=quantity,
                amount_fen=amount,
                standard_key=_text(row, "standard_key"),
                unit=_text(row, "unit")[:20],
                procurement_item=_text(row, "procurement_item")[:40],
            )
        )
    return rows, errors


def indicator_rows(
    raw: Sequence[Mapping[str, Any]], prefix: str = "lines"
) -> tuple[list[rules.IndicatorRow], list[ErrorDetail]]:
    rows: list[rules.IndicatorRow] = []
    errors: list[ErrorDetail] = []
    for i, row in enumerate(raw):
        weight: int | None = None
        if _text(row, "weight"):
            weight = _int(row, "weight", i, errors, prefix, "权重")
            if weight is None:
                continue
        rows.append(
            rules.IndicatorRow(
                level1=_text(row, "level1"),
                level2=_text(row, "level2"),
                name=_text(row, "name")[:200],
                operator=_text(row, "operator"),
                target=_text(row, "target")[:100],
                unit=_text(row, "unit")[:20],
                weight=weight,
            )
        )
    return rows, errors
