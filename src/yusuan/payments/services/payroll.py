"""Salary batches (工资统发, R-PY-4; ADR 0012): a salary sheet becomes one payment request.

1. **Import** (``payroll_import``): the sheet is read whole and every bad row is reported at
   once — row, column, value and reason: a bad 身份证号, an amount that is not a number, a salary
   item whose economic code is unknown, the same employee twice, net pay that is not gross pay
   less deductions. Nothing is stored until the sheet is clean; a clean sheet is kept (the file
   itself, as evidence) with one row per employee.
2. **Matching** (``proposal``, ``check_matches``): each salary item (economic code) is matched
   to the unit's executable salary indicator lines with the three checks of R-PY-4 — a matched
   amount is above 0, within the line's mountable balance, within the item's unmatched amount —
   and every item must be matched in full.
3. **Request** (``payroll_request_create``): one request for the batch, one line per employee
   (net pay to their card) and one per deduction (to the withholding payee the clerk names).
   The lines are charged across the matched indicator lines in order (``fill``): the amounts
   per indicator line are exactly the matched ones, and one employee's line is refundable alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from openpyxl.utils import get_column_letter

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money, MoneyParseError
from yusuan.core.choices import CodeKind, PayeeKind
from yusuan.core.models import ClassificationCode
from yusuan.core.rules import check_bank_account_no, id_number_is_valid, mask_id_number
from yusuan.core.selectors import acting_organisation
from yusuan.core.services.sequences import next_number
from yusuan.core.tabular import read_rows
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.payments.choices import BusinessType, PayrollState, SettlementMode
from yusuan.payments.models import PaymentRequest, PayrollBatch, PayrollEmployee
from yusuan.payments.services.checks import PayeeSnapshot, PaymentInput, PaymentLineInput
from yusuan.payments.services.requests import create

RULE = "R-PY-4"
MAX_EMPLOYEES = 50_000

# Fixed columns: key → header labels accepted (Chinese, English).
FIXED = {
    "seq": ("序号", "no."),
    "name": ("姓名", "name"),
    "id_number": ("身份证号", "身份证号码", "id number"),
    "account_no": ("银行账号", "工资卡号", "account number"),
    "bank_name": ("开户银行", "bank"),
    "gross": ("应发合计", "应发工资", "gross pay"),
    "deductions": ("扣款合计", "代扣合计", "deductions total"),
    "net": ("实发工资", "实发金额", "net pay"),
}
REQUIRED = ("name", "id_number", "account_no", "bank_name", "net")
# Deductions withheld from pay and paid on to the tax office and the funds (代扣代缴).
DEDUCTIONS = (
    "个人所得税",
    "养老保险",
    "职业年金",
    "医疗保险",
    "失业保险",
    "住房公积金",
    "其他扣款",
)
# An item column is headed by its economic code: "30101 基本工资".
ITEM_HEADER = re.compile(r"^\s*(\d{5})\b\s*(.*)$")
# Salary items are paid from 工资福利支出 (301) and 对个人和家庭的补助 (303).
ITEM_CLASSES = ("301", "303")


@dataclass(frozen=True)
class SheetRow:
    row: int
    name: str
    id_number: str
    account_no: str
    bank_name: str
    items: dict[str, int]
    deductions: dict[str, int]
    net: int

    @property
    def gross(self) -> int:
        return sum(self.items.values())


@dataclass
class Sheet:
    items: dict[str, str] = field(default_factory=dict)  # code → name as headed
    deductions: list[str] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)

    def item_totals(self) -> dict[str, int]:
        totals = dict.fromkeys(self.items, 0)
        for row in self.rows:
            for code, fen in row.items.items():
                totals[code] += fen
        return totals

    def deduction_totals(self) -> dict[str, int]:
        totals = dict.fromkeys(self.deductions, 0)
        for row in self.rows:
            for name, fen in row.deductions.items():
                totals[name] += fen
        return totals


def _cell_error(
    code: str, row: int, column: int, header: str, value: object, zh: str, en: str, **kw: object
) -> ErrorDetail:
    where = f"{get_column_letter(column)}{row}"
    return ErrorDetail(
        code=code,
        rule=RULE,
        field=header,
        row=row,
        value=value,
        limit=kw.get("limit"),
        message_zh=f"第 {row} 行“{header}”列（{where}）：{zh}",
        message_en=f"row {row}, column '{header}' ({where}): {en}",
    )


def _amount(value: object) -> int:
    """Fen from a cell: a number typed in Excel or text as a clerk writes it."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise MoneyParseError("money.invalid", "不是有效金额", "not an amount")
    if isinstance(value, int):
        fen = value * 100
    elif isinstance(value, float):
        cents = value * 100
        if abs(cents - round(cents)) > 1e-6:  # more than two decimals, not float noise
            raise MoneyParseError(
                "money.too_many_decimals", "最多两位小数（到分）", "more than 2 decimals"
            )
        fen = int(Decimal(round(cents)))
    else:
        fen = Money.parse(str(value)).fen
    if fen < 0:
        raise MoneyParseError("money.negative", "不能为负数", "cannot be negative")
    return fen


def _columns(
    header: Sequence[object], known_codes: set[str], errors: list[ErrorDetail], sheet: Sheet
) -> dict[int, tuple[str, str]]:
    """Column index → (kind, key): ``fixed``/``item``/``deduction``; header errors on row 1."""
    labels = {label.lower(): key for key, names in FIXED.items() for label in names}
    columns: dict[int, tuple[str, str]] = {}
    for index, cell in enumerate(header):
        text = str(cell or "").strip()
        if not text:
            continue
        column = index + 1
        match = ITEM_HEADER.match(text)
        if text.lower() in labels:
            columns[index] = ("fixed", labels[text.lower()])
        elif text in DEDUCTIONS:
            columns[index] = ("deduction", text)
            sheet.deductions.append(text)
        elif match:
            code = match.group(1)
            if code not in known_codes:
                errors.append(
                    _cell_error(
                        "payroll.unknown_code",
                        1,
                        column,
                        text,
                        code,
                        f"经济分类 {code} 不是本年度启用的工资福利或个人补助科目（301xx/303xx）",
                        f"{code} is not an enabled 301xx/303xx economic code of the year",
                        limit="301xx, 303xx",
                    )
                )
            elif code in sheet.items:
                errors.append(
                    _cell_error(
                        "payroll.duplicate_column",
                        1,
                        column,
                        text,
                        code,
                        f"工资项目 {code} 出现了两列",
                        f"salary item {code} has two columns",
                    )
                )
            else:
                columns[index] = ("item", code)
                sheet.items[code] = match.group(2).strip()
        else:
            errors.append(
                _cell_error(
                    "payroll.unknown_column",
                    1,
                    column,
                    text,
                    text,
                    "无法识别的列名；工资项目列以经济分类编码开头（如“30101 基本工资”），"
                    f"扣款列为：{'、'.join(DEDUCTIONS)}",
                    "unknown column; salary items are headed by their economic code "
                    "('30101 基本工资'), deductions by their name",
                    limit=", ".join(DEDUCTIONS),
                )
            )
    present = {key for kind, key in columns.values() if kind == "fixed"}
    for key in REQUIRED:
        if key not in present:
            errors.append(
                ErrorDetail(
                    code="import.missing_column",
                    rule=RULE,
                    field=FIXED[key][0],
                    row=1,
                    limit=FIXED[key][0],
                    message_zh=f"第 1 行：缺少必需的列“{FIXED[key][0]}”",
                    message_en=f"row 1: the column '{FIXED[key][-1]}' is required",
                )
            )
    if not sheet.items:
        errors.append(
            ErrorDetail(
                code="payroll.no_items",
                rule=RULE,
                field="file",
                row=1,
                message_zh="第 1 行：没有工资项目列（以经济分类编码开头，如“30101 基本工资”）",
                message_en="row 1: no salary item columns ('30101 基本工资')",
            )
        )
    return columns


def salary_codes(mof_div_code: str, fiscal_year: int) -> set[str]:
    return set(
        ClassificationCode.objects.filter(
            mof_div_code=mof_div_code,
            fiscal_year=fiscal_year,
            kind=CodeKind.DEPARTMENT_ECONOMIC,
            is_enabled=True,
            code__regex=r"^(301|303)\d\d$",
        ).values_list("code", flat=True)
    )


def read_sheet(data: bytes, filename: str, *, known_codes: set[str]) -> Sheet:
    """The sheet, or every error in it at once (``BusinessRuleError``)."""
    raw = read_rows(data, filename)
    sheet = Sheet()
    errors: list[ErrorDetail] = []
    columns = _columns(raw[0], known_codes, errors, sheet)
    if any(e.code in ("import.missing_column", "payroll.no_items") for e in errors):
        raise BusinessRuleError(errors)  # without these columns the rows cannot be read
    headers = {index: str(raw[0][index]).strip() for index in columns}
    seen: dict[str, int] = {}
    for number, cells in enumerate(raw[1:], start=2):
        if not any(c not in (None, "") for c in cells):
            continue
        if len(sheet.rows) >= MAX_EMPLOYEES:
            raise BusinessRuleError.single(
                code="import.too_many_rows",
                field="file",
                value=number,
                limit=MAX_EMPLOYEES,
                message_zh=f"一个工资批次最多 {MAX_EMPLOYEES} 人",
                message_en=f"a salary batch has at most {MAX_EMPLOYEES} employees",
            )
        sheet_row = _read_row(number, cells, columns, headers, seen, errors)
        if sheet_row is not None:
            sheet.rows.append(sheet_row)
    if not sheet.rows and not errors:
        errors.append(
            ErrorDetail(
                code="core.import_empty",
                field="file",
                message_zh="工资表没有人员行",
                message_en="the salary sheet has no employee rows",
            )
        )
    raise_if_any(errors)
    return sheet


def _read_row(
    number: int,
    cells: Sequence[object],
    columns: Mapping[int, tuple[str, str]],
    headers: Mapping[int, str],
    seen: dict[str, int],
    errors: list[ErrorDetail],
) -> SheetRow | None:
    texts: dict[str, str] = {}
    amounts: dict[tuple[str, str], int] = {}
    where: dict[str, int] = {}
    before = len(errors)
    for index, (kind, key) in columns.items():
        value = cells[index] if index < len(cells) else None
        where[key] = index
        if kind == "fixed" and key in ("name", "id_number", "account_no", "bank_name", "seq"):
            text = value if isinstance(value, str) else "" if value is None else str(value)
            if isinstance(value, float) and value.is_integer():
                text = str(int(value))
            texts[key] = text.strip()
            continue
        try:
            amounts[(kind, key)] = _amount(value)
        except MoneyParseError as exc:
            errors.append(
                _cell_error(
                    "payroll.bad_amount",
                    number,
                    index + 1,
                    headers[index],
                    value,
                    f"“{value}”不是有效金额（{exc.message_zh}）",
                    f"'{value}' is not an amount ({exc.message_en})",
                )
            )

    def cell(key: str, code: str, zh: str, en: str, value: object, **kw: object) -> None:
        index = where[key]
        errors.append(_cell_error(code, number, index + 1, headers[index], value, zh, en, **kw))

    name = texts.get("name", "")
    if not name:
        cell("name", "payroll.name_required", "姓名不能为空", "the name is required", name)
    id_number = texts.get("id_number", "").upper()
    if not id_number_is_valid(id_number):
        cell(
            "id_number",
            "payroll.bad_id_number",
            "身份证号无效（18 位，出生日期和末位校验码须正确）",
            "invalid resident ID number (18 chars, valid birth date and check digit)",
            mask_id_number(id_number),
            limit="GB 11643",
        )
    elif id_number in seen:
        cell(
            "id_number",
            "payroll.duplicate_employee",
            f"与第 {seen[id_number]} 行是同一人（身份证号相同），每人只能有一行",
            f"the same person as row {seen[id_number]} (same ID number); one row per person",
            mask_id_number(id_number),
            limit=f"row {seen[id_number]}",
        )
    else:
        seen[id_number] = number
    account_no = texts.get("account_no", "").replace(" ", "")
    for error in check_bank_account_no(account_no, field=headers[where["account_no"]], row=number):
        cell(
            "account_no",
            "payroll.bad_account_no",
            "银行账号应为 6–32 位数字",
            "the account number must be 6–32 digits",
            account_no,
            limit=error.limit,
        )
    if not texts.get("bank_name"):
        cell("bank_name", "payroll.bank_required", "开户银行不能为空", "the bank is required", "")
    if len(errors) > before:
        return None
    items = {key: fen for (kind, key), fen in amounts.items() if kind == "item"}
    deductions = {key: fen for (kind, key), fen in amounts.items() if kind == "deduction"}
    gross, withheld = sum(items.values()), sum(deductions.values())
    net = amounts[("fixed", "net")]
    if ("fixed", "gross") in amounts and amounts[("fixed", "gross")] != gross:
        cell(
            "gross",
            "payroll.gross_mismatch",
            f"应发合计应为各工资项目之和 {Money(gross)} 元",
            f"gross pay must be the sum of the items, {Money(gross)}",
            Money(amounts[("fixed", "gross")]).format(),
            limit=Money(gross).format(),
        )
    if ("fixed", "deductions") in amounts and amounts[("fixed", "deductions")] != withheld:
        cell(
            "deductions",
            "payroll.deductions_mismatch",
            f"扣款合计应为各扣款之和 {Money(withheld)} 元",
            f"the deductions total must be the sum of the deductions, {Money(withheld)}",
            Money(amounts[("fixed", "deductions")]).format(),
            limit=Money(withheld).format(),
        )
    if gross <= 0:
        cell(
            "net",
            "payroll.no_pay",
            "各工资项目合计为 0",
            "the salary items add up to 0",
            Money(gross).format(),
            limit="> 0",
        )
    elif net != gross - withheld:
        cell(
            "net",
            "payroll.net_mismatch",
            f"实发 {Money(net)} 元 ≠ 应发 {Money(gross)} 元 − 扣款 {Money(withheld)} 元 "
            f"= {Money(gross - withheld)} 元",
            f"net {Money(net)} ≠ gross {Money(gross)} − deductions {Money(withheld)} "
            f"= {Money(gross - withheld)}",
            Money(net).format(),
            limit=Money(gross - withheld).format(),
        )
    elif net <= 0:
        cell(
            "net",
            "payroll.no_pay",
            "实发金额须大于 0",
            "net pay must be above 0",
            Money(net).format(),
            limit="> 0",
        )
    if len(errors) > before:
        return None
    return SheetRow(
        row=number,
        name=name,
        id_number=id_number,
        account_no=account_no,
        bank_name=texts["bank_name"],
        items=items,
        deductions=deductions,
        net=net,
    )


@transaction.atomic
def payroll_import(
    *,
    actor: Actor,
    data: bytes,
    filename: str,
    month: int,
    fiscal_year: int,
    organisation_id: int | None = None,
) -> PayrollBatch:
    ensure_permission(actor, "payments.add_payrollbatch")
    organisation = acting_organisation(actor=actor, organisation_id=organisation_id)
    if not 1 <= month <= 12:
        raise BusinessRuleError.single(
            code="payroll.bad_month",
            field="month",
            value=month,
            limit="1–12",
            message_zh="工资月份应为 1–12",
            message_en="the salary month must be 1–12",
        )
    digest = hashlib.sha256(data).hexdigest()
    earlier = (
        PayrollBatch.objects.filter(organisation=organisation, file_sha256=digest)
        .exclude(state=PayrollState.VOID)
        .first()
    )
    if earlier is not None:
        raise BusinessRuleError.single(
            code="payroll.already_imported",
            rule=RULE,
            field="file",
            value=filename,
            limit=earlier.number,
            message_zh=f"这份工资表已导入为批次 {earlier.number}，不能重复发放",
            message_en=f"this sheet was already imported as batch {earlier.number}",
            status=409,
        )
    sheet = read_sheet(
        data, filename, known_codes=salary_codes(organisation.mof_div_code, fiscal_year)
    )
    sequence = next_number(
        mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year, series="payroll"
    )
    items, withheld = sheet.item_totals(), sheet.deduction_totals()
    batch = PayrollBatch.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        organisation=organisation,
        number=f"GF{fiscal_year}{sequence:06d}",
        month=month,
        file_name=filename[:200],
        file_sha256=digest,
        file=data,
        employees=len(sheet.rows),
        gross=sum(items.values()),
        deductions=sum(withheld.values()),
        net=sum(r.net for r in sheet.rows),
        items=items,
        deduction_totals=withheld,
        created_by_id=actor.pk,
    )
    PayrollEmployee.objects.bulk_create(
        (
            PayrollEmployee(
                batch=batch,
                row=r.row,
                name=r.name,
                id_number=r.id_number,
                account_no=r.account_no,
                bank_name=r.bank_name,
                items=r.items,
                gross=r.gross,
                deductions=sum(r.deductions.values()),
                net=r.net,
            )
            for r in sheet.rows
        ),
        batch_size=2000,
    )
    audit_record(
        action="payments.payroll_import",
        actor=actor,
        obj=batch,
        changes={"state": [None, PayrollState.IMPORTED]},
        extra={"file": filename, "sha256": digest, "employees": len(sheet.rows)},
    )
    return batch


# --- matching (R-PY-4) -------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    item: str  # economic code of the salary item
    line_id: int
    amount: int  # fen


def salary_lines(batch: PayrollBatch) -> list[IndicatorLine]:
    """The unit's executable salary lines of the year with money left, best first."""
    return list(
        IndicatorLine.objects.filter(
            organisation_id=batch.organisation_id,
            fiscal_year=batch.fiscal_year,
            kind=LineKind.EXECUTABLE,
            is_sal=True,
            available__gt=0,
        ).order_by("dep_bgt_eco_code", "-available", "pk")
    )


def covers(line: IndicatorLine, item: str) -> bool:
    """A line of economic code 30101 pays item 30101; a line kept at 301 pays any 301xx."""
    return item.startswith(line.dep_bgt_eco_code)


def proposal(batch: PayrollBatch) -> list[Match]:
    """Each item on the lines of its economic code, largest balance first, as far as it goes."""
    lines = salary_lines(batch)
    left = {line.pk: line.available for line in lines}
    matches: list[Match] = []
    for item, total in sorted(batch.items.items()):
        unmatched = total
        for line in lines:
            if unmatched <= 0:
                break
            if not covers(line, item) or left[line.pk] <= 0:
                continue
            take = min(unmatched, left[line.pk])
            matches.append(Match(item, line.pk, take))
            left[line.pk] -= take
            unmatched -= take
    return matches


def check_matches(
    batch: PayrollBatch, matches: Sequence[Match], lines: Mapping[int, IndicatorLine]
) -> list[ErrorDetail]:
    """The three checks of R-PY-4 on each matched amount, then: every item matched in full."""
    errors: list[ErrorDetail] = []
    unmatched = dict(batch.items)
    mountable = {pk: line.available for pk, line in lines.items()}
    for index, match in enumerate(matches):
        path = f"matches[{index}]"
        line = lines.get(match.line_id)
        if match.item not in unmatched:
            errors.append(
                _match_error(
                    path + ".item",
                    index,
                    "payroll.match_item",
                    f"工资表没有项目 {match.item}",
                    f"the sheet has no item {match.item}",
                    match.item,
                )
            )
            continue
        if line is None or not covers(line, match.item):
            errors.append(
                _match_error(
                    path + ".line",
                    index,
                    "payroll.match_line",
                    f"项目 {match.item} 须挂接本单位经济分类相符的可执行工资指标",
                    f"item {match.item} needs an executable salary line "
                    "of this unit with a matching economic code",
                    line.code if line else match.line_id,
                )
            )
            continue
        if match.amount <= 0:
            errors.append(
                _match_error(
                    path + ".amount",
                    index,
                    "payroll.match_not_positive",
                    f"挂接金额须大于 0（当前 {Money(match.amount)} 元）",
                    f"the matched amount must be above 0 (got {Money(match.amount)})",
                    Money(match.amount).format(),
                    limit="> 0",
                )
            )
            continue
        if match.amount > mountable[line.pk]:
            errors.append(
                _match_error(
                    path + ".amount",
                    index,
                    "payroll.match_over_line",
                    f"指标 {line.code} 可挂接额度 {Money(mountable[line.pk])} 元，"
                    f"本次挂接 {Money(match.amount)} 元",
                    f"indicator {line.code} can take "
                    f"{Money(mountable[line.pk])}; "
                    f"{Money(match.amount)} was matched",
                    Money(match.amount).format(),
                    limit=Money(mountable[line.pk]).format(),
                )
            )
            continue
        if match.amount > unmatched[match.item]:
            errors.append(
                _match_error(
                    path + ".amount",
                    index,
                    "payroll.match_over_item",
                    f"项目 {match.item} 未挂接金额 {Money(unmatched[match.item])} 元，"
                    f"本次挂接 {Money(match.amount)} 元",
                    f"item {match.item} has {Money(unmatched[match.item])} "
                    f"unmatched; {Money(match.amount)} was matched",
                    Money(match.amount).format(),
                    limit=Money(unmatched[match.item]).format(),
                )
            )
            continue
        mountable[line.pk] -= match.amount
        unmatched[match.item] -= match.amount
    for item, left in sorted(unmatched.items()):
        if left > 0:
            errors.append(
                ErrorDetail(
                    code="payroll.item_unmatched",
                    rule=RULE,
                    field=f"items.{item}",
                    value=Money(left).format(),
                    limit="0.00",
                    message_zh=f"工资项目 {item} 还有 {Money(left)} 元未挂接指标（可用工资指标不足）",
                    message_en=f"salary item {item} has {Money(left)} not matched to any indicator "
                    "(not enough salary indicator left)",
                )
            )
    return errors


def _match_error(
    path: str, index: int, code: str, zh: str, en: str, value: object, limit: object = None
) -> ErrorDetail:
    return ErrorDetail(
        code=code,
        rule=RULE,
        field=path,
        row=index,
        value=value,
        limit=limit,
        message_zh=f"挂接第 {index + 1} 行：{zh}",
        message_en=f"match row {index + 1}: {en}",
    )


def fill(
    pools: Sequence[tuple[int, int]], amounts: Sequence[int]
) -> list[tuple[tuple[int, int], ...]]:
    """Charge each amount, in order, to the pools in order (north-west corner): pool totals and
    amounts are met exactly, in fen, and an amount spans two pools only at a pool's end."""
    if sum(fen for _, fen in pools) != sum(amounts):
        raise ValueError("the matched total is not the batch total")
    result: list[tuple[tuple[int, int], ...]] = []
    queue = [[line_id, fen] for line_id, fen in pools if fen > 0]
    at = 0
    for amount in amounts:
        parts: list[tuple[int, int]] = []
        need = amount
        while need:
            line_id, left = queue[at]
            take = min(need, left)
            parts.append((line_id, take))
            need -= take
            queue[at][1] -= take
            if queue[at][1] == 0:
                at += 1
        result.append(tuple(parts))
    return result


@transaction.atomic
def payroll_request_create(
    *,
    actor: Actor,
    batch_id: int,
    pay_date: dt.date,
    payer_account_id: int | None,
    deduction_payees: Mapping[str, int | None],
    matches: Sequence[Match] | None = None,
) -> PaymentRequest:
    ensure_permission(actor, "payments.add_paymentrequest")
    batch = (
        PayrollBatch.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        raise NotFoundError("salary batch")
    if batch.state != PayrollState.IMPORTED:
        raise BusinessRuleError.single(
            code="payroll.already_requested",
            field="state",
            value=batch.get_state_display(),
            message_zh=f"工资批次 {batch.number} 已生成支付申请",
            message_en=f"salary batch {batch.number} already has its payment request",
            status=409,
        )
    lines = {line.pk: line for line in salary_lines(batch)}
    chosen = list(matches) if matches is not None else proposal(batch)
    errors = check_matches(batch, chosen, lines)
    for name, fen in sorted(batch.deduction_totals.items()):
        if fen > 0 and not deduction_payees.get(name):
            errors.append(
                ErrorDetail(
                    code="payroll.deduction_payee",
                    rule="R-PY-5",
                    field=f"deduction_payees.{name}",
                    value=Money(fen).format(),
                    message_zh=f"请选择代扣“{name}”（{Money(fen)} 元）的收款人",
                    message_en=f"pick the payee of the withheld '{name}' ({Money(fen)})",
                )
            )
    raise_if_any(errors)
    employees = list(batch.rows.order_by("row"))
    withheld = [(n, f) for n, f in sorted(batch.deduction_totals.items()) if f > 0]
    amounts = [e.net for e in employees] + [fen for _, fen in withheld]
    pools = [(m.line_id, m.amount) for m in sorted(chosen, key=lambda m: (m.item, m.line_id))]
    charges = fill(pools, amounts)
    summary = f"{batch.fiscal_year}年{batch.month}月工资"
    rows = [
        PaymentLineInput(
            indicator_line_id=charge[0][0],
            amount=Money(e.net),
            summary=summary,
            payee=PayeeSnapshot(PayeeKind.INDIVIDUAL, e.name, e.account_no, e.bank_name),
            charges=charge,
        )
        for e, charge in zip(employees, charges, strict=False)
    ]
    rows += [
        PaymentLineInput(
            indicator_line_id=charge[0][0],
            amount=Money(fen),
            payee_id=deduction_payees[name],
            summary=f"{summary}代扣{name}",
            charges=charge,
        )
        for (name, fen), charge in zip(withheld, charges[len(employees) :], strict=True)
    ]
    request = create(
        actor=actor,
        data=PaymentInput(
            business_type=BusinessType.SALARY,
            settlement_mode=SettlementMode.TRANSFER,
            purpose=f"{summary}（{batch.number}，{batch.employees} 人）",
            pay_date=pay_date,
            payer_account_id=payer_account_id,
            lines=rows,
            organisation_id=batch.organisation_id,
        ),
        organisation=batch.organisation,
        fiscal_year=batch.fiscal_year,
    )
    batch.matches = [[m.item, m.line_id, m.amount] for m in chosen]
    batch.request = request
    batch.state = PayrollState.REQUESTED
    batch.save(update_fields=["matches", "request", "state", "updated_at"])
    audit_record(
        action="payments.payroll_request",
        actor=actor,
        obj=batch,
        changes={"state": [PayrollState.IMPORTED, PayrollState.REQUESTED]},
        extra={"request": request.number, "matches": batch.matches},
    )
    return request


def matching_report(batch: PayrollBatch) -> list[dict[str, object]]:
    """工资发放与指标匹配表 (DOMAIN §8): per salary item, its total, what each indicator line
    took and what is left unmatched."""
    matches = [Match(*m) for m in batch.matches] if batch.matches else proposal(batch)
    codes = IndicatorLine.objects.in_bulk({m.line_id for m in matches})
    report = []
    for item, total in sorted(batch.items.items()):
        taken = [m for m in matches if m.item == item]
        matched = sum(m.amount for m in taken)
        report.append(
            {
                "item": item,
                "total": total,
                "matched": matched,
                "unmatched": total - matched,
                "lines": [(codes[m.line_id], m.amount) for m in taken if m.line_id in codes],
            }
        )
    return report
