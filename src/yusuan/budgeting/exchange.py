"""A unit's budget draft in and out of Excel (issue 18 item 5): a unit may fill its draft offline
and import it; every stage exports.

**The workbook** has one sheet of lines (预算明细), revenue and expenditure, one row per line with
its values, the figure of every stage (一上, 一下, 二上, 批复 in force; R-BP-9, written once, never
read back) and the working figure (编制数). A hidden, locked column holds each line's id, so an
import finds the line again. Computed lines (人员类/公用经费 by quota, R-PJ-8; 财政拨款收入 derived
from spending) and removed lines are locked and grey. The export of any draft is this sheet; the
template is the same export of the draft as it stands, with its editable cells unlocked, drop-down
lists for the columns that take a fixed set of words, and a sheet of notes (说明). Text is written
inert (``common.tabular``: text starting ``= + - @`` stays text).

**An import** (the unit's clerk, a draft in state DRAFT; ``_editable_draft`` as ``line_save``)
reads the first sheet within the upload bounds of every import (``common.tabular.read_table``:
size, unpacked size, ratio, rows, columns, time). A row with a line id is that line; a row
without one is a new line; a line absent from the file is left as it is. Only rows that change
something are checked, each by the rules of ``line_save`` (``services.drafts._line_errors``),
R-PJ-3 over the project's lines as the whole file leaves them. A computed or removed line keeps
its values (R-PJ-8). Every problem is reported with its row, column, value and rule (field
``lines[<excel row>].<column>``); if there is one, nothing is kept. Otherwise the changes are
written in one transaction, the 财政拨款 revenue is derived again (``sync_fiscal_revenue``) and one
audit record lists every change.
"""

from __future__ import annotations

import hashlib
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from yusuan.audit.services import audit_record
from yusuan.budgeting import locks, selectors
from yusuan.budgeting.choices import (
    TYPED_REVENUE_KINDS,
    Part,
    RevenueKind,
    Side,
)
from yusuan.budgeting.models import BudgetDraft, BudgetLine
from yusuan.budgeting.rules import FUND_NAMES, MEETING_TRAINING_CODES
from yusuan.budgeting.services import building, drafts
from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.money import MAX_FEN, Money, MoneyParseError
from yusuan.common.tabular import Column, read_table
from yusuan.common.tabular import _xlsx_cell as inert_cell  # the one inert writer of exports
from yusuan.projects.exchange.reading import place
from yusuan.projects.exchange.sheets import Sheet
from yusuan.projects.models import Project

TITLE = "预算明细"
NOTES = "说明"
EDITABLE_COLUMNS = (
    Column("side", "收支", "Revenue or expenditure"),
    Column("revenue_kind", "收入类型", "Revenue kind"),
    Column("part", "基本/项目", "Basic or project"),
    Column("project_code", "项目编码", "Project code"),
    Column("exp_func_code", "功能分类", "Functional class"),
    Column("dep_bgt_eco_code", "部门经济分类", "Economic class"),
    Column("fund_type", "资金性质", "Fund nature"),
    Column("carry_over", "上年结转", "From last year's carry-over"),
    Column("is_gov_pur", "政府采购", "Government procurement"),
    Column("pur_item", "采购品目", "Procurement catalogue item"),
    Column("is_gov_service", "政府购买服务", "Government purchase of services"),
    Column("service_item", "服务目录项目", "Service catalogue item"),
    Column("is_asset", "新增资产", "New asset"),
    Column("people", "人数", "People"),
    Column("days", "天数", "Days"),
    Column("standard", "标准(元/人天)", "Standard per person-day (yuan)"),
    Column("summary", "摘要", "Summary"),
    Column("amount", "编制数(元)", "Working figure (yuan)"),
)
STAGE_COLUMNS = (
    Column("apply_1", "一上(元)", "一上 (yuan)"),
    Column("control", "一下(元)", "一下 (yuan)"),
    Column("apply_2", "二上(元)", "二上 (yuan)"),
    Column("approved", "批复(元)", "批复 in force (yuan)"),
)
LINE_ID = Column("line_id", "行ID", "Line id")
COLUMNS = (
    LINE_ID,
    Column("position", "序号", "Row"),
    *EDITABLE_COLUMNS[:4],
    Column("project_name", "项目名称", "Project name"),
    *EDITABLE_COLUMNS[4:-1],
    *STAGE_COLUMNS,
    EDITABLE_COLUMNS[-1],
    Column("status", "状态", "Status"),
)
SHEET = Sheet(
    "lines", TITLE, "Budget lines", COLUMNS, ("line_id", *(c.key for c in EDITABLE_COLUMNS))
)
EDITABLE = frozenset(c.key for c in EDITABLE_COLUMNS)
MONEY_COLUMNS = frozenset({"standard", "amount", *(c.key for c in STAGE_COLUMNS)})

SIDE_ZH: dict[str, str] = {Side.EXPENDITURE: "支出", Side.REVENUE: "收入"}
PART_ZH: dict[str, str] = {Part.BASIC: "基本支出", Part.PROJECT: "项目支出"}
REVENUE_ZH: dict[str, str] = {
    RevenueKind.FISCAL: "财政拨款收入",
    RevenueKind.SPECIAL_ACCOUNT: "财政专户管理资金收入",
    RevenueKind.BUSINESS: "事业收入",
    RevenueKind.OPERATING: "事业单位经营收入",
    RevenueKind.SUPERIOR: "上级补助收入",
    RevenueKind.AFFILIATED: "附属单位上缴收入",
    RevenueKind.OTHER: "其他收入",
    RevenueKind.CARRY_OVER: "上年结转结余",
}
YES, NO = "是", "否"
TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", ""})
FLAGS = ("carry_over", "is_gov_pur", "is_gov_service", "is_asset")
# The longest text each column keeps (the model's fields).
LENGTHS = {
    "exp_func_code": 16,
    "dep_bgt_eco_code": 16,
    "pur_item": 40,
    "service_item": 16,
    "summary": 200,
}
COMPUTED_NOTE = "系统生成，只读（R-PJ-8）"
REMOVED_NOTE = "已删除，只读"
# The fields of a line (and of the service's errors) → the sheet's columns.
FIELD_COLUMNS = {
    **{c.key: c.key for c in EDITABLE_COLUMNS},
    "project_id": "project_code",
    "fund_type_code": "fund_type",
    "standard_fen": "standard",
    "amount_fen": "amount",
}
# What a line pays through is not in the file: the import keeps it (``LineInput`` gets it).
NOT_IN_FILE = frozenset({"pay_type_code", "acc_type"})


def _fund_label(code: str) -> str:
    return f"{code} {FUND_NAMES[code]}" if code in FUND_NAMES else code


# --- writing ------------------------------------------------------------------------------------

GREY = PatternFill("solid", fgColor="EDEDED")
HEAD = PatternFill("solid", fgColor="DDEBF7")
UNLOCKED = Protection(locked=False)
MONEY_FORMAT = "#,##0.00"
WIDTHS = {
    "side": 6,
    "revenue_kind": 16,
    "part": 10,
    "project_code": 24,
    "project_name": 28,
    "exp_func_code": 10,
    "dep_bgt_eco_code": 10,
    "fund_type": 18,
    "pur_item": 14,
    "summary": 30,
    "status": 22,
}


def _yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else Money(fen).to_yuan()


def _line_values(row: selectors.LineRow) -> dict[str, Any]:
    line = row.line
    status = COMPUTED_NOTE if line.computed else ""
    if line.removed:
        status = REMOVED_NOTE
    return {
        "line_id": line.pk,
        "position": line.position,
        "side": SIDE_ZH.get(line.side, line.side),
        "revenue_kind": REVENUE_ZH.get(line.revenue_kind, line.revenue_kind),
        "part": PART_ZH.get(line.part, line.part),
        "project_code": line.project.code if line.project else "",
        "project_name": line.project.name if line.project else "",
        "exp_func_code": line.exp_func_code,
        "dep_bgt_eco_code": line.dep_bgt_eco_code,
        "fund_type": _fund_label(line.fund_type_code),
        "carry_over": YES if line.carry_over else NO,
        "is_gov_pur": YES if line.is_gov_pur else NO,
        "pur_item": line.pur_item,
        "is_gov_service": YES if line.is_gov_service else NO,
        "service_item": line.service_item,
        "is_asset": YES if line.is_asset else NO,
        "people": line.people,
        "days": line.days,
        "standard": _yuan(line.standard_fen),
        "summary": line.summary,
        **{
            column.key: _yuan(figure)
            for column, figure in zip(STAGE_COLUMNS, row.by_stage, strict=True)
        },
        "amount": _yuan(line.amount_fen),
        "status": status,
    }


def _cell(
    sheet: WriteOnlyWorksheet, value: Any, *, key: str, editable: bool, template: bool
) -> Cell:
    made = inert_cell(sheet, value)  # formula-like text: a quoted text cell already
    cell = made if isinstance(made, Cell) else WriteOnlyCell(sheet, made)  # type: ignore[arg-type]
    if key in MONEY_COLUMNS:
        cell.number_format = MONEY_FORMAT
    if editable and template:
        cell.protection = UNLOCKED
    else:
        cell.fill = GREY
    return cell


def _validation(sheet: WriteOnlyWorksheet, key: str, words: Sequence[str], zh: str) -> None:
    letter = get_column_letter(next(i for i, c in enumerate(COLUMNS, 1) if c.key == key))
    check = DataValidation(
        type="list",
        formula1='"' + ",".join(words) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="请从列表中选择",
        error=zh,
    )
    check.add(f"{letter}2:{letter}1048576")
    sheet.data_validations.append(check)  # type: ignore[attr-defined]  # (set up by openpyxl)


def _notes(draft: BudgetDraft) -> list[tuple[str, str, str]]:
    typed = "、".join(REVENUE_ZH[k] for k in TYPED_REVENUE_KINDS)
    funds = "、".join(_fund_label(c) for c in FUND_NAMES)
    meeting = "、".join(MEETING_TRAINING_CODES)
    return [
        (
            "本文件",
            f"{draft.organisation.name} {draft.fiscal_year} 年预算 {draft.get_stage_display()}"
            f"（{draft.number}）的预算明细，填写后在该预算页面“导入”",
            f"The lines of {draft.number}; fill them in and import the file on the draft's page",
        ),
        (
            "行ID",
            "隐藏列，用于把每一行对回预算行；请勿修改。新增一行：在表格下方的空白行填写，"
            "行ID留空（复制的行须清空行ID）",
            "A hidden column that matches each row to its line; do not change it. To add a line, "
            "fill an empty row below the table with no line id",
        ),
        (
            "未出现的行",
            "文件中没有的预算行保持不变：删除文件中的行不会删除预算行（请在预算页面删除）",
            "Lines absent from the file are left as they are: deleting a row here removes "
            "nothing (remove lines on the draft's page)",
        ),
        (
            "只读行",
            "灰色的行由系统生成（人员类、公用经费按定员定额测算；财政拨款收入按支出生成）"
            "或已删除，须保持不变，否则整个文件不导入（R-PJ-8）；财政拨款收入在导入后按支出重新生成",
            "Grey rows are computed (R-PJ-8) or removed and must stay as they are; the "
            "appropriation revenue is derived again from the spending after the import",
        ),
        (
            "各阶段数",
            "一上、一下、二上、批复各列是已写定的阶段数（R-BP-9），只读，导入时不读取；"
            "只有“编制数(元)”是可修改的金额",
            "The 一上, 一下, 二上 and 批复 columns are the stage figures, written once (R-BP-9): "
            "never read back. The working figure is the amount you change",
        ),
        ("收支", "支出、收入", "expenditure or revenue"),
        (
            "收入类型",
            f"{typed}（财政拨款收入按支出自动生成，不能填写）",
            "the revenue kinds a unit types (appropriations are derived)",
        ),
        (
            "基本/项目",
            "新增的支出行只能是项目支出；基本支出由系统测算（R-PJ-8）",
            "new expenditure lines are project lines; basic expenditure is computed (R-PJ-8)",
        ),
        (
            "项目编码",
            "本单位已入库项目的编码（未纳入项目库的项目不得安排预算，R-PJ-1）",
            "the code of one of the unit's stored projects (R-PJ-1)",
        ),
        ("资金性质", funds, "the fund natures, by code (the name may follow)"),
        ("是/否列", "是、否（空白为否）", "yes or no (empty is no)"),
        (
            "金额",
            "以元为单位，最多两位小数；项目各行合计不超过项目当年计划（R-PJ-3）",
            "in yuan, at most two decimals; a project's lines stay within its plan (R-PJ-3)",
        ),
        (
            "会议费、培训费",
            f"经济分类 {meeting}：填写人数、天数、标准，编制数 = 人数 × 天数 × 标准（R-BP-14）",
            "meetings and training: people × days × standard (R-BP-14)",
        ),
        (
            "导入规则",
            "只有草稿状态的预算可以导入；任一行有错误时全部不导入，并列出每个错误所在的行、列、值和规则；"
            "导入是一次操作，记一条审计记录",
            "Only a draft imports; if any row has a problem nothing is imported and every "
            "problem is listed (row, column, value, rule); one import is one audit record",
        ),
    ]


def draft_workbook(draft: BudgetDraft, *, template: bool = False) -> bytes:
    """The draft's lines (every stage's figure and the working one) as an .xlsx; the template
    unlocks what a clerk may change, lists the words a column takes and adds the notes."""
    rows = selectors.line_rows(selectors.draft_lines(draft))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(TITLE)
    for index, column in enumerate(COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = WIDTHS.get(column.key, 12)
        if template and column.key in EDITABLE:
            dimension.protection = UNLOCKED  # rows added below the table may be filled in
    sheet.column_dimensions["A"].hidden = True
    sheet.freeze_panes = "C2"
    sheet.protection.sheet = True  # no password: it guides; the import is what enforces
    sheet.protection.insertRows = False
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
    head = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, column.zh)
        cell.font = Font(bold=True)
        cell.fill = HEAD
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        head.append(cell)
    sheet.append(head)
    for row in rows:
        values = _line_values(row)
        open_row = not (row.line.computed or row.line.removed)
        sheet.append(
            [
                _cell(
                    sheet,
                    values[c.key],
                    key=c.key,
                    editable=open_row and c.key in EDITABLE,
                    template=template,
                )
                for c in COLUMNS
            ]
        )
    if template:
        _validation(sheet, "side", list(SIDE_ZH.values()), "收支只能是支出或收入")
        _validation(
            sheet,
            "revenue_kind",
            [REVENUE_ZH[k] for k in TYPED_REVENUE_KINDS],
            "请选择收入类型（财政拨款收入按支出自动生成）",
        )
        _validation(sheet, "part", [PART_ZH[Part.PROJECT]], "新增支出行只能是项目支出（R-PJ-8）")
        _validation(sheet, "fund_type", [_fund_label(c) for c in FUND_NAMES], "请选择资金性质")
        for key in FLAGS:
            _validation(sheet, key, [YES, NO], "请填写是或否")
        notes = workbook.create_sheet(NOTES)
        notes.column_dimensions["A"].width = 14
        notes.column_dimensions["B"].width = 80
        notes.column_dimensions["C"].width = 80
        notes.append([inert_cell(notes, v) for v in ("项目", "说明", "Explanation")])
        for note in _notes(draft):
            notes.append([inert_cell(notes, v) for v in note])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading --------------------------------------------------------------------------------------


@dataclass
class _Row:
    """One row of the file that changes something: its line (None: a new one), what it asks
    for and the line as it would be (``probe``)."""

    number: int
    values: dict[str, str]
    line: BudgetLine | None
    data: drafts.LineInput
    probe: BudgetLine


@dataclass
class _Reader:
    """Reads one row's values into a ``LineInput``, placing each unreadable value on its cell."""

    projects: dict[str, int]
    errors: list[ErrorDetail] = field(default_factory=list)

    def error(self, number: int, column: str, code: str, zh: str, en: str, **kw: Any) -> None:
        self.errors.append(
            place(ErrorDetail(code=code, message_zh=zh, message_en=en, **kw), SHEET, number, column)
        )

    def choice(self, number: int, column: str, text: str, words: dict[str, str]) -> str | None:
        if text in words:
            return text
        for code, zh in words.items():
            if text == zh:
                return code
        allowed = list(words.values())
        self.error(
            number,
            column,
            "invalid_choice",
            f"“{text[:40]}”不是可选值（{'、'.join(allowed)}）",
            f"'{text[:40]}' is not one of {', '.join(allowed)}",
            value=text[:40],
            limit=", ".join(allowed),
        )
        return None

    def flag(self, number: int, column: str, text: str) -> bool:
        word = text.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word not in FALSE_WORDS:
            self.error(
                number,
                column,
                "invalid_choice",
                f"“{text[:40]}”不是可选值（是、否）",
                f"'{text[:40]}' is not one of 是, 否 (yes, no)",
                value=text[:40],
                limit="是, 否",
            )
        return False

    def count(self, number: int, column: str, text: str) -> int | None:
        if not text:
            return None
        if text.isascii() and text.isdigit() and len(text) <= 9:
            return int(text)
        self.error(
            number,
            column,
            "budgeting.not_a_count",
            f"“{text[:40]}”不是非负整数",
            f"'{text[:40]}' is not a whole number of at least 0",
            value=text[:40],
        )
        return None

    def money(self, number: int, column: str, text: str) -> Money | None:
        try:
            return Money.parse(text)
        except MoneyParseError as exc:
            self.error(
                number,
                column,
                exc.code,
                exc.message_zh,
                exc.message_en,
                value=text[:40],
                limit=exc.limit,
            )
            return None

    def fund(self, text: str) -> str:
        """A fund nature typed as ``111``, ``111 一般公共预算`` or its name; anything else is
        passed on as typed, for the code check (R-MD-1) to refuse."""
        first = text.split()[0] if text.split() else ""
        if first in FUND_NAMES:
            return first
        by_name = {name: code for code, name in FUND_NAMES.items()}
        return by_name.get(text, text[:8])

    def read(
        self, number: int, values: dict[str, str], line: BudgetLine | None
    ) -> drafts.LineInput | None:
        """The row's ``LineInput`` (the amount as typed), or None when a value cannot be read."""
        before = len(self.errors)
        side = self.choice(number, "side", values["side"], dict(SIDE_ZH))
        revenue_text = values["revenue_kind"]
        revenue = (
            self.choice(number, "revenue_kind", revenue_text, dict(REVENUE_ZH))
            if revenue_text
            else ""
        )
        part_text = values["part"]
        part = self.choice(number, "part", part_text, dict(PART_ZH)) if part_text else ""
        flags = {name: self.flag(number, name, values[name]) for name in FLAGS}
        people = self.count(number, "people", values["people"])
        days = self.count(number, "days", values["days"])
        standard = self.money(number, "standard", values["standard"] or "0")
        typed = self.money(number, "amount", values["amount"] or "0")
        for name, most in LENGTHS.items():
            if len(values[name]) > most:
                self.error(
                    number,
                    name,
                    "import.too_long",
                    f"最多 {most} 个字，此处 {len(values[name])} 个",
                    f"at most {most} characters; this has {len(values[name])}",
                    value=values[name][:40],
                    limit=most,
                )
        if len(self.errors) > before or typed is None or standard is None:
            return None
        side_code = side or Side.EXPENDITURE
        code = values["project_code"]
        fund = self.fund(values["fund_type"])
        # What it pays through stays, unless the fund changes (then as line_save: the default).
        kept = line is not None and fund == line.fund_type_code
        return drafts.LineInput(
            side=side_code,
            amount=typed,
            revenue_kind=revenue or "",
            part=(part or Part.PROJECT) if side_code == Side.EXPENDITURE else "",
            project_id=self.projects.get(code) if code else None,
            exp_func_code=values["exp_func_code"],
            dep_bgt_eco_code=values["dep_bgt_eco_code"],
            fund_type_code=fund,
            pay_type_code=line.pay_type_code if kept and line is not None else "",
            acc_type=line.acc_type if kept and line is not None else "",
            people=people,
            days=days,
            standard_fen=standard.fen or None,
            summary=values["summary"],
            carry_over=flags["carry_over"],
            is_gov_pur=flags["is_gov_pur"],
            is_gov_service=flags["is_gov_service"],
            service_item=values["service_item"] if flags["is_gov_service"] else "",
            is_asset=flags["is_asset"],
        )

    def per_person_day(
        self, number: int, values: dict[str, str], data: drafts.LineInput
    ) -> drafts.LineInput | None:
        """R-BP-14: with people, days and a standard the figure is their product (as
        ``line_save`` makes it); a typed figure that is not is refused, not replaced."""
        if not (data.people and data.days and data.standard_fen):
            return data
        product = data.people * data.days * data.standard_fen
        if product <= MAX_FEN and (not values["amount"] or product == data.amount.fen):
            return replace(data, amount=Money(product))
        shown = Money(product).format() if product <= MAX_FEN else f"> {Money(MAX_FEN).format()}"
        self.error(
            number,
            "amount",
            "budgeting.amount_not_product",
            f"会议费、培训费的编制数须等于人数 × 天数 × 标准 = {shown} 元",
            f"the figure is people × days × standard = {shown} yuan",
            rule="R-BP-14",
            value=values["amount"][:40],
            limit=shown,
        )
        return None


def _differences(line: BudgetLine, data: drafts.LineInput) -> list[str]:
    """The fields of a line the row would change, as typed (a computed or removed line: none)."""
    typed = {
        "side": data.side,
        "revenue_kind": data.revenue_kind,
        "part": data.part,
        "project_id": data.project_id,
        "exp_func_code": data.exp_func_code,
        "dep_bgt_eco_code": data.dep_bgt_eco_code,
        "fund_type_code": data.fund_type_code,
        "carry_over": data.carry_over,
        "is_gov_pur": data.is_gov_pur,
        "pur_item": data.pur_item,
        "is_gov_service": data.is_gov_service,
        "service_item": data.service_item,
        "is_asset": data.is_asset,
        "people": data.people,
        "days": data.days,
        "standard_fen": data.standard_fen,
        "summary": data.summary,
        "amount_fen": data.amount.fen,
    }
    return [name for name, value in typed.items() if getattr(line, name) != value]


def _read(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    if not filename.lower().endswith(".xlsx"):
        raise BusinessRuleError.single(
            code="import.file_type",
            field="file",
            value=filename[:100],
            limit=".xlsx",
            message_zh="预算导入只支持 .xlsx 文件（请先下载模板）",
            message_en="a budget draft is imported from an .xlsx file (download the template)",
        )
    rows = read_table(data, filename, COLUMNS, SHEET.required).rows
    if not rows:
        raise BusinessRuleError.single(
            code="core.import_empty",
            field="file",
            message_zh="文件中没有预算行",
            message_en="the file has no budget lines",
        )
    return rows


def _line_of(
    number: int,
    text: str,
    lines: dict[int, BudgetLine],
    seen: dict[int, int],
    reader: _Reader,
) -> tuple[bool, BudgetLine | None]:
    """The line a row names (None: a new line); False when the id is not one of the draft's."""
    if not text:
        return True, None
    pk = int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None
    line = lines.get(pk) if pk is not None else None
    if line is None:
        reader.error(
            number,
            "line_id",
            "budgeting.unknown_line",
            f"行ID“{text[:40]}”不是本单位本年度预算的行（新增行请留空行ID）",
            f"the line id '{text[:40]}' is not a line of this unit's budget (leave it empty for "
            "a new line)",
            value=text[:40],
        )
        return False, None
    if line.pk in seen:
        reader.error(
            number,
            "line_id",
            "budgeting.duplicate_line",
            f"行ID {line.pk} 与第 {seen[line.pk]} 行重复（复制的行请清空行ID）",
            f"the line id {line.pk} is also on row {seen[line.pk]} (clear it on a copied row)",
            value=text[:40],
        )
        return False, None
    seen[line.pk] = number
    return True, line


def _read_only(
    reader: _Reader, number: int, values: dict[str, str], line: BudgetLine, changed: list[str]
) -> None:
    """R-PJ-8: a computed line (or a removed one) keeps its values."""
    name = "amount_fen" if "amount_fen" in changed else changed[0]
    column = FIELD_COLUMNS.get(name, "amount")
    if line.removed:
        reader.error(
            number,
            column,
            "budgeting.removed_line",
            f"序号 {line.position} 的预算行已删除，不能通过导入修改（新增行请留空行ID）",
            f"line {line.position} was removed and is not changed by an import (add a new row "
            "instead)",
            value=values.get(column, "")[:40],
        )
        return
    reader.error(
        number,
        column,
        "budgeting.computed_line",
        f"序号 {line.position} 的预算行由系统生成（人员类、公用经费按定员定额测算；财政拨款收入按支出生成），"
        f"不能修改，编制数须保持 {Money(line.amount_fen).format()} 元（R-PJ-8）",
        f"line {line.position} is computed by the system (R-PJ-8) and cannot be changed: its "
        f"figure stays {Money(line.amount_fen).format()}",
        rule="R-PJ-8",
        value=values.get(column, "")[:40],
        limit=Money(line.amount_fen).format(),
    )


def _plan_key(line: BudgetLine) -> tuple[int, str] | None:
    """What R-PJ-3 adds a line to: (project, fund nature), for new money spent on a project."""
    if line.side != Side.EXPENDITURE or line.removed or line.carry_over or not line.project_id:
        return None
    return (line.project_id, line.fund_type_code)


def _plan_others(draft: BudgetDraft, rows: Sequence[_Row]) -> dict[int, int]:
    """Per row, the project's other lines of the fund as the whole file leaves them (R-PJ-3):
    the lines the file does not change, from the database, and the other rows' new figures."""
    touched = [r.line.pk for r in rows if r.line is not None]
    projects = {r.probe.project_id for r in rows if r.probe.project_id}
    kept: dict[tuple[int, str], int] = defaultdict(int)
    for project_id, fund, total in (
        BudgetLine.objects.filter(
            round=draft.round,
            project_id__in=projects,
            side=Side.EXPENDITURE,
            removed=False,
            carry_over=False,
        )
        .exclude(pk__in=touched)
        .order_by()
        .values_list("project_id", "fund_type_code")
        .annotate(total=Sum("amount_fen"))
    ):
        kept[(project_id, fund)] += total
    changed: dict[tuple[int, str], int] = defaultdict(int)
    for r in rows:
        if (key := _plan_key(r.probe)) is not None:
            changed[key] += r.probe.amount_fen
    others: dict[int, int] = {}
    for r in rows:
        key = (r.data.project_id or 0, r.data.fund_type_code)
        own = r.probe.amount_fen if _plan_key(r.probe) == key else 0
        others[r.number] = kept[key] + changed[key] - own
    return others


def _placed(detail: ErrorDetail, row: _Row) -> ErrorDetail:
    """A service's error on the row's cell; the value as the clerk typed it where the service's
    is an id."""
    name = (detail.field or "").rsplit(".", 1)[-1]
    column = FIELD_COLUMNS.get(name)
    if column is not None and (detail.value is None or name == "project_id"):
        detail = replace(detail, value=row.values.get(column, "")[:40])
    return place(detail, SHEET, row.number, column)


@dataclass(frozen=True)
class DraftImport:
    changed: list[int]  # the positions of the lines changed
    added: list[int]  # the positions of the lines added


# Not durable: one transaction; an API wrapping it would run it inside its idempotent write.
@transaction.atomic
def draft_import(*, actor: Actor, draft_id: object, data: bytes, filename: str) -> DraftImport:
    """The draft's lines from a workbook (the export or template of ``draft_workbook``): every
    changed row checked as ``line_save`` checks a line; every problem reported (row, column,
    value, rule) and, if there is one, nothing kept."""
    draft = drafts._editable_draft(actor, draft_id)  # the permission, the scope (404), DRAFT
    table = _read(data, filename)
    lines = {
        x.pk: x
        for x in locks.line_qs_select_for_update().filter(
            round=draft.round, organisation=draft.organisation
        )
    }
    reader = _Reader(
        dict(
            Project.objects.filter(organisation_id=draft.organisation_id).values_list("code", "pk")
        )
    )
    seen: dict[int, int] = {}
    rows: list[_Row] = []
    for number, values in table:
        known, line = _line_of(number, values.get("line_id", ""), lines, seen, reader)
        wanted = reader.read(number, values, line)
        if not known or wanted is None:
            continue
        if line is not None and (line.computed or line.removed):
            if changed := _differences(line, wanted):
                _read_only(reader, number, values, line, changed)
            continue
        wanted = reader.per_person_day(number, values, wanted)
        if wanted is None:
            continue
        probe = BudgetLine(
            **({f: getattr(line, f) for f in drafts.EDITABLE_FIELDS} if line is not None else {})
        )
        changes = {k: v for k, v in drafts._apply(probe, wanted).items() if k not in NOT_IN_FILE}
        if line is not None and not changes:
            continue  # as it is: not checked again
        rows.append(_Row(number, values, line, wanted, probe))
    errors = reader.errors
    others = _plan_others(draft, rows)
    for row in rows:
        found = drafts._line_errors(
            draft,
            row.data,
            row.line.pk if row.line is not None else None,
            plan_others_fen=others[row.number],
        )
        errors.extend(_placed(e, row) for e in found)
    if errors:
        order = {c.key: i for i, c in enumerate(COLUMNS)}
        raise BusinessRuleError(
            sorted(
                errors,
                key=lambda e: (e.row or 0, order.get((e.field or "").rsplit(".", 1)[-1], 99)),
            )
        )
    return _write(actor, draft, rows, data, filename)


def _write(
    actor: Actor, draft: BudgetDraft, rows: Sequence[_Row], data: bytes, filename: str
) -> DraftImport:
    changes: dict[str, list[Any]] = {}
    changed, added = [], []
    for row in rows:
        line = row.line
        if line is None:
            line = BudgetLine(
                mof_div_code=draft.mof_div_code,
                fiscal_year=draft.fiscal_year,
                round=draft.round,
                organisation=draft.organisation,
                department=draft.department,
                position=building.next_position(draft.round, draft.organisation_id),
            )
            added.append(line.position)
        else:
            changed.append(line.position)
        made = drafts._apply(line, row.data)
        line.save()
        changes.update({f"lines[{line.position}].{k}": v for k, v in made.items()})
    if rows:
        drafts.sync_fiscal_revenue(draft.round, draft.organisation, draft.department)
        audit_record(
            action="budgeting.draft_import",
            actor=actor,
            obj=draft,
            changes=changes,
            extra={
                "file": filename[:200],
                "sha256": hashlib.sha256(data).hexdigest(),
                "changed": changed,
                "added": added,
            },
        )
    return DraftImport(changed, added)


__all__ = [
    "COLUMNS",
    "DraftImport",
    "draft_import",
    "draft_workbook",
]
