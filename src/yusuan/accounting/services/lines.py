"""Voucher lines as typed, checked and stored (R-AC-2, R-AC-3, R-AC-6, R-AC-11)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yusuan.accounting.choices import BudgetActivity, Half, Side
from yusuan.accounting.models import Book, Voucher, VoucherLine
from yusuan.accounting.rules import Dims, Line, balance_errors, half_of, line_errors
from yusuan.accounting.services.common import ChartAccount
from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, ErrorDetail, err
from yusuan.common.ids import parse_id
from yusuan.common.money import Money, MoneyParseError
from yusuan.core.models import Payee
from yusuan.indicators.models import IndicatorLine
from yusuan.projects.models import Project

MAX_LINES = 500
MAX_FEN = 10**15  # 10 trillion yuan: no unit's voucher line is near it


@dataclass(frozen=True)
class LineInput:
    """A voucher line typed by an accountant (or sent through the API)."""

    account_code: str
    debit: Money | None = None
    credit: Money | None = None
    summary: str = ""
    exp_func_code: str = ""
    dep_bgt_eco_code: str = ""
    fund_type_code: str = ""
    budget_activity: str = ""
    project_id: int | None = None
    indicator_line_id: int | None = None
    payee_id: int | None = None
    counterparty: str = ""


def typed_lines(actor: Actor, rows: Sequence[Mapping[str, Any]]) -> list[LineInput]:
    """Lines as a page's rows or an API body carry them: amounts as text in 元, ids as ids, or
    an indicator by its code (``indicator``: ZB…, the project then its project). Every amount,
    id or code that is not one is reported at once with its row and field; nothing else is
    checked here (``check_lines``, ``reference_errors``)."""
    problems: list[ErrorDetail] = []

    def amount(row: int, name: str, text: object) -> Money | None:
        if text in (None, ""):
            return None
        try:
            return Money.parse(str(text))
        except MoneyParseError as exc:
            problems.append(
                err(
                    exc.code,
                    f"lines[{row}].{name}",
                    f"第 {row + 1} 行：{exc.message_zh}",
                    f"row {row + 1}: {exc.message_en}",
                    value=str(text),
                    limit=exc.limit,
                    row=row,
                )
            )
            return None

    def an_id(row: int, name: str, value: object) -> int | None:
        if value in (None, ""):
            return None
        found = parse_id(str(value).strip())
        if found is None:
            problems.append(
                err(
                    "accounting.bad_id",
                    f"lines[{row}].{name}",
                    f"第 {row + 1} 行：{value} 不是有效的编号",
                    f"row {row + 1}: {value} is not an id",
                    value=str(value),
                    row=row,
                )
            )
        return found

    codes = {str(r.get("indicator") or "").strip() for r in rows} - {""}
    indicators = {
        code: (pk, project)
        for code, pk, project in IndicatorLine.objects.visible_to(actor)
        .filter(code__in=codes)
        .values_list("code", "pk", "project_id")
    }
    typed = []
    for i, row in enumerate(rows):
        indicator = an_id(i, "indicator_line_id", row.get("indicator_line_id"))
        project = an_id(i, "project_id", row.get("project_id"))
        code = str(row.get("indicator") or "").strip()
        if code:
            if code in indicators:
                indicator, project = indicators[code][0], project or indicators[code][1]
            else:
                problems.append(
                    err(
                        "accounting.indicator_unknown",
                        f"lines[{i}].indicator",
                        f"第 {i + 1} 行：指标 {code} 不存在或不属于本单位",
                        f"row {i + 1}: no indicator {code} of this unit",
                        rule="R-AC-3",
                        value=code,
                        row=i,
                    )
                )
        typed.append(
            LineInput(
                account_code=str(row.get("account_code") or "").strip(),
                debit=amount(i, "debit", row.get("debit")),
                credit=amount(i, "credit", row.get("credit")),
                summary=str(row.get("summary") or "").strip(),
                exp_func_code=str(row.get("exp_func_code") or "").strip(),
                dep_bgt_eco_code=str(row.get("dep_bgt_eco_code") or "").strip(),
                fund_type_code=str(row.get("fund_type_code") or "").strip(),
                budget_activity=str(row.get("budget_activity") or ""),
                project_id=project,
                indicator_line_id=indicator,
                payee_id=an_id(i, "payee_id", row.get("payee_id")),
                counterparty=str(row.get("counterparty") or "").strip(),
            )
        )
    if problems:
        raise BusinessRuleError(problems)
    return typed


def lines_from_inputs(
    inputs: Sequence[LineInput], *, allow_red: bool = False
) -> tuple[list[Line], list[ErrorDetail]]:
    """Typed lines as rule lines; each has exactly one side, a positive amount (a red-ink
    reversal's are negative), at most ``MAX_LINES`` of them."""
    errors: list[ErrorDetail] = []
    lines: list[Line] = []
    if not inputs:
        errors.append(
            err("accounting.no_lines", "lines", "凭证至少要有一行分录", "a voucher needs lines")
        )
    if len(inputs) > MAX_LINES:
        errors.append(
            err(
                "accounting.too_many_lines",
                "lines",
                f"一张凭证最多 {MAX_LINES} 行，收到 {len(inputs)} 行",
                f"at most {MAX_LINES} lines, got {len(inputs)}",
                value=len(inputs),
                limit=MAX_LINES,
            )
        )
        return [], errors
    for row, item in enumerate(inputs):
        debit = item.debit.fen if item.debit is not None else 0
        credit = item.credit.fen if item.credit is not None else 0
        if (debit == 0) == (credit == 0):
            errors.append(
                err(
                    "accounting.one_side",
                    f"lines[{row}].amount",
                    f"第 {row + 1} 行：借方和贷方须填且只填一个非零金额",
                    f"row {row + 1}: give a debit or a credit, one of them, not zero",
                    row=row,
                )
            )
            continue
        amount = debit or credit
        if (amount < 0 and not allow_red) or abs(amount) > MAX_FEN:
            errors.append(
                err(
                    "accounting.amount",
                    f"lines[{row}].amount",
                    f"第 {row + 1} 行：金额 {Money(amount).format()} 元不允许"
                    "（须为正数；红字只用于冲销）",
                    f"row {row + 1}: {Money(amount).format()} is not allowed "
                    "(positive; red ink only in a reversal)",
                    value=amount,
                    limit=MAX_FEN,
                    row=row,
                )
            )
            continue
        code = item.account_code.strip()
        lines.append(
            Line(
                half=half_of(code) if code else Half.FINANCIAL,
                side=Side.DEBIT if debit else Side.CREDIT,
                account_code=code,
                amount=amount,
                dims=Dims(
                    exp_func_code=item.exp_func_code.strip(),
                    dep_bgt_eco_code=item.dep_bgt_eco_code.strip(),
                    fund_type_code=item.fund_type_code.strip(),
                    budget_activity=item.budget_activity.strip(),
                    project_id=item.project_id,
                    indicator_line_id=item.indicator_line_id,
                    payee_id=item.payee_id,
                    counterparty=item.counterparty.strip()[:120],
                ),
                summary=item.summary.strip()[:200],
            )
        )
    return lines, errors


def reference_errors(book: Book, lines: Sequence[Line]) -> list[ErrorDetail]:
    """A line's project, indicator line and payee belong to the book's unit (or its region)."""
    errors: list[ErrorDetail] = []
    unit = book.organisation_id
    projects = {d.project_id for d in (line.dims for line in lines) if d.project_id}
    indicators = {d.indicator_line_id for d in (line.dims for line in lines) if d.indicator_line_id}
    payees = {d.payee_id for d in (line.dims for line in lines) if d.payee_id}
    known_projects = set(
        Project.objects.filter(pk__in=projects, organisation_id=unit).values_list("pk", flat=True)
    )
    known_indicators = set(
        IndicatorLine.objects.filter(pk__in=indicators, organisation_id=unit).values_list(
            "pk", flat=True
        )
    )
    known_payees = set(
        Payee.objects.filter(pk__in=payees, mof_div_code=book.mof_div_code).values_list(
            "pk", flat=True
        )
    )
    for row, line in enumerate(lines):
        d = line.dims
        for name, value, known, zh in (
            ("project", d.project_id, known_projects, "项目"),
            ("indicator_line", d.indicator_line_id, known_indicators, "指标"),
            ("payee", d.payee_id, known_payees, "收款人"),
        ):
            if value and value not in known:
                errors.append(
                    err(
                        "accounting.unknown_reference",
                        f"lines[{row}].{name}",
                        f"第 {row + 1} 行：{zh} {value} 不属于本单位",
                        f"row {row + 1}: {name} {value} does not belong to this unit",
                        value=value,
                        row=row,
                    )
                )
        if d.budget_activity and d.budget_activity not in BudgetActivity.values:
            errors.append(
                err(
                    "accounting.budget_activity",
                    f"lines[{row}].budget_activity",
                    f"第 {row + 1} 行：基本/项目支出应为 personnel、public 或 project",
                    f"row {row + 1}: basic or project is personnel, public or project",
                    value=d.budget_activity,
                    row=row,
                )
            )
    return errors


def check_lines(
    book: Book, lines: Sequence[Line], chart: dict[str, ChartAccount]
) -> list[ErrorDetail]:
    """R-AC-2, R-AC-3, R-AC-6, R-AC-11 on a voucher's lines, in the book's terms."""
    errors = line_errors(
        lines,
        quota_model=book.quota_model,
        unit_kind=book.unit_kind,
        account=chart.get,
    )
    errors += [
        err(
            "accounting.inactive_account",
            f"lines[{row}].account_code",
            f"第 {row + 1} 行：科目 {line.account_code} 已停用",
            f"row {row + 1}: account {line.account_code} is inactive",
            value=line.account_code,
            row=row,
        )
        for row, line in enumerate(lines)
        if line.account_code in chart and not chart[line.account_code].is_active
    ]
    return errors + balance_errors(lines)


def write_lines(voucher: Voucher, lines: Sequence[Line], chart: dict[str, ChartAccount]) -> None:
    """Replace a draft's lines and its total (Σ financial debits)."""
    VoucherLine.objects.filter(voucher=voucher).delete()
    VoucherLine.objects.bulk_create(new_lines(voucher, lines, chart))
    voucher.total_fen = voucher_total(lines)


def new_lines(
    voucher: Voucher, lines: Sequence[Line], chart: dict[str, ChartAccount]
) -> list[VoucherLine]:
    """A voucher's lines as rows to insert (a code not in the chart is left out: the voucher
    names it as its problem)."""
    return [
        VoucherLine(
            voucher=voucher,
            row=row,
            half=line.half,
            account_id=chart[line.account_code].id,
            account_code=line.account_code,
            summary=line.summary,
            debit_fen=line.debit,
            credit_fen=line.credit,
            exp_func_code=line.dims.exp_func_code,
            dep_bgt_eco_code=line.dims.dep_bgt_eco_code,
            fund_type_code=line.dims.fund_type_code,
            budget_activity=line.dims.budget_activity,
            project_id=line.dims.project_id,
            indicator_line_id=line.dims.indicator_line_id,
            payee_id=line.dims.payee_id,
            counterparty=line.dims.counterparty,
        )
        for row, line in enumerate(lines)
        if line.account_code in chart
    ]


def voucher_total(lines: Sequence[Line]) -> int:
    """Σ debits of the financial half (of all lines when it has none)."""
    return sum(line.debit for line in lines if line.half == Half.FINANCIAL) or sum(
        line.debit for line in lines
    )


def stored_lines(voucher: Voucher) -> list[Line]:
    return [
        Line(
            half=row.half,
            side=Side.DEBIT if row.debit_fen else Side.CREDIT,
            account_code=row.account_code,
            amount=row.debit_fen or row.credit_fen,
            dims=Dims(
                exp_func_code=row.exp_func_code,
                dep_bgt_eco_code=row.dep_bgt_eco_code,
                fund_type_code=row.fund_type_code,
                budget_activity=row.budget_activity,
                project_id=row.project_id,
                indicator_line_id=row.indicator_line_id,
                payee_id=row.payee_id,
                counterparty=row.counterparty,
            ),
            summary=row.summary,
        )
        for row in voucher.lines.order_by("row")
    ]
