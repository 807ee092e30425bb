"""Reading a salary sheet (工资发放明细表, R-PY-4): the whole sheet at once, every bad row reported
— row, column, Excel cell, value and reason: a bad 身份证号, an amount that is not a number, a
salary item whose economic code is unknown, the same employee twice, net pay that is not gross
pay less deductions, totals that do not add up. Nothing is returned until the sheet is clean.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl.utils import get_column_letter

from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.tabular import Column, read_rows, write_table
from yusuan.core.choices import CodeKind
from yusuan.core.models import ClassificationCode
from yusuan.core.rules import check_bank_account_no, id_number_is_valid, mask_id_number
from yusuan.payroll import contributions

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
    # R-PY-13: the employee's contribution base (缴费基数); default: the row's 301xx items.
    "base": (contributions.BASE_COLUMN, "contribution base"),
    # R-PS-5: why a row differs from the person's standard in the personnel database (补发, 扣发).
    "reason": ("差异说明", "差异原因", "reason"),
}
REASON_MAX = 200
REQUIRED = ("name", "id_number", "account_no", "bank_name", "net")
TEXT_COLUMNS = ("name", "id_number", "account_no", "bank_name", "seq", "reason")
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
    base: int | None = None  # 缴费基数 as on the sheet (R-PY-13)
    employer: dict[str, int] = field(default_factory=dict)  # 单位… columns, fen
    reason: str = ""  # 差异说明 (R-PS-5)

    @property
    def gross(self) -> int:
        return sum(self.items.values())

    @property
    def contribution_base(self) -> int:
        """R-PY-13: the sheet's 缴费基数, else the row's pay items of class 301 (wages; 303
        allowances to persons are no contribution base)."""
        if self.base is not None:
            return self.base
        return sum(fen for code, fen in self.items.items() if code.startswith("301"))


@dataclass
class Sheet:
    items: dict[str, str] = field(default_factory=dict)  # code → name as headed
    deductions: list[str] = field(default_factory=list)
    employer: list[str] = field(default_factory=list)  # 单位… columns present (R-PY-13)
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
        rule=str(kw.get("rule") or RULE),
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
        fen = Money.within_limit(value * 100, str(value)).fen
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise MoneyParseError("money.invalid", "不是有效金额", "not an amount")
        cents = value * 100
        if abs(cents - round(cents)) > 1e-6:  # more than two decimals, not float noise
            raise MoneyParseError(
                "money.too_many_decimals", "最多两位小数（到分）", "more than 2 decimals"
            )
        fen = Money.within_limit(int(Decimal(round(cents))), str(value)).fen
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
        elif text in contributions.COLUMNS:
            columns[index] = ("employer", text)
            sheet.employer.append(text)
        elif match:
            code = match.group(1)
            if code in contributions.BY_CODE:
                # R-PY-13: the unit's contributions are no pay item: they are paid from their
                # own lines to the agencies, not to the employee's card.
                errors.append(
                    _cell_error(
                        "payroll.contribution_as_item",
                        1,
                        column,
                        text,
                        code,
                        f"{code} 是单位缴费，不是应发工资项目；单位缴费由其自身指标支付给社保机构和"
                        f"公积金中心，可在“{'、'.join(contributions.COLUMNS)}”列填报",
                        f"{code} is an employer contribution, not pay; it is paid from its own "
                        "lines to the agencies (columns "
                        f"{', '.join(contributions.COLUMNS)})",
                        limit=", ".join(contributions.COLUMNS),
                        rule=contributions.RULE,
                    )
                )
            elif code not in known_codes:
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
            code__regex=rf"^({'|'.join(ITEM_CLASSES)})\d\d$",
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
        if kind == "fixed" and key in TEXT_COLUMNS:
            text = value if isinstance(value, str) else "" if value is None else str(value)
            if isinstance(value, float) and value.is_integer():
                text = str(int(value))
            texts[key] = text.strip()
            continue
        if key == "base" and value in (None, ""):
            continue  # no base given: the row's 301xx pay (R-PY-13)
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
    if len(texts.get("reason", "")) > REASON_MAX:
        cell(
            "reason",
            "payroll.reason_too_long",
            f"差异说明最多 {REASON_MAX} 个字",
            f"the reason is at most {REASON_MAX} characters",
            len(texts["reason"]),
            limit=REASON_MAX,
        )
    if len(errors) > before:
        return None
    items = {key: fen for (kind, key), fen in amounts.items() if kind == "item"}
    deductions = {key: fen for (kind, key), fen in amounts.items() if kind == "deduction"}
    employer = {key: fen for (kind, key), fen in amounts.items() if kind == "employer"}
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
        base=amounts.get(("fixed", "base")),
        employer=employer,
        reason=texts.get("reason", ""),
    )


def template_xlsx() -> bytes:
    """The sheet as the import reads it, with two example rows (the page's and the API's
    download)."""
    columns = [
        Column("seq", "序号", "No."),
        Column("name", "姓名", "Name"),
        Column("id_number", "身份证号", "ID number"),
        Column("account_no", "银行账号", "Account number"),
        Column("bank_name", "开户银行", "Bank"),
        Column("30101", "30101 基本工资", "30101 基本工资"),
        Column("30102", "30102 津贴补贴", "30102 津贴补贴"),
        Column("30107", "30107 绩效工资", "30107 绩效工资"),
        *(Column(name, name, name) for name in DEDUCTIONS[:1] + DEDUCTIONS[5:6]),
        Column("net", "实发工资", "实发工资"),
        Column("reason", "差异说明", "差异说明"),  # R-PS-5: why a row differs from the standard
    ]
    rows = [
        [1, "张三", "11010519491231002X", "6217000010000001", "建设银行吴江支行",
         4200, 1800, 2500, 85.5, 960, 7454.5, ""],
        [2, "李四", "320584198506120030", "6217000010000002", "工商银行吴江支行",
         3900, 1600, 2300, 51.2, 890, 6858.8, ""],
    ]  # fmt: skip
    return write_table(columns, rows, file_format="xlsx")
