"""Declarations in and out of Excel (issue 17 item 1): a unit clerk's batch of new draft projects
with their plans, calculation rows, goal indicators and basis documents, and the same workbook
written from existing projects (exporting and importing again gives the same projects).

The workbook has one sheet per part of a declaration, each row tied to its project by the row
key (行键) of the 项目 sheet: 项目 / 分年度计划 / 测算明细 / 绩效指标 / 立项依据 (and 说明, read by
people only). Headers may be Chinese or English, as in every import (``common.tabular``).

An import reads the file within the upload bounds (``YUSUAN_UPLOAD_*``: size, unpacked size,
compression ratio, rows, columns, time), then creates each project through the services a page
uses (``project_create``, ``project_set_plans``, ``project_set_calculation``,
``project_set_goal``, ``project_add_document``), so the checks, their error codes and the audit
trail are the same. Every problem of every sheet is reported at once, placed on its sheet, row and
column (``field`` = ``<sheet>[<row>].<column>``, e.g. ``calculation[7].unit_price``); if there
is one, nothing is kept (one transaction).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from time import monotonic
from typing import Any

from django.conf import settings
from django.db import transaction

from openpyxl import Workbook, load_workbook

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.ids import parse_int
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.tabular import Column
from yusuan.common.tabular import _bounded as bounded_rows  # the same limits as every import
from yusuan.common.tabular import _check_archive as check_archive
from yusuan.common.tabular import _xlsx_cell as inert_cell
from yusuan.common.uploads import check_upload_size
from yusuan.core.choices import CodeKind
from yusuan.core.models import ClassificationCode
from yusuan.core.selectors import current_fiscal_year
from yusuan.projects import inputs, rules
from yusuan.projects.choices import (
    CATEGORY_NAMES,
    BasisKind,
    GoalLevel1,
    GoalLevel2,
    Operator,
    ProjectKind,
)
from yusuan.projects.models import PerformanceGoal, Project
from yusuan.projects.services import ProjectInput, project_create
from yusuan.projects.services.content import (
    project_add_document,
    project_set_calculation,
    project_set_goal,
    project_set_plans,
)

# --- the workbook ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    key: str  # the field path's first part: ``calculation[7].unit_price``
    title: str  # the sheet's name in the workbook
    en: str
    columns: tuple[Column, ...]
    required: tuple[str, ...]

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


KEY = Column("key", "行键", "Row key")
PROJECTS = Sheet(
    "projects",
    "项目",
    "Projects",
    (
        KEY,
        Column("name", "项目名称", "Project name"),
        Column("category", "项目类别", "Project category"),
        Column("kind", "项目属性", "Project kind"),
        Column("start_year", "起始年度", "First year"),
        Column("end_year", "结束年度", "Last year"),
        Column("total_amount", "项目总额(元)", "Total (yuan)"),
        Column("fund_type", "资金性质", "Fund nature"),
        Column("basis", "立项依据说明", "Basis for the project"),
        Column("content", "项目内容", "Content"),
        Column("is_procurement", "政府采购", "Government procurement"),
        Column("is_three_public", "三公经费", "三公 expenses"),
        Column("is_research", "科研项目", "Research project"),
        Column("is_infrastructure", "基本建设", "Capital construction"),
        Column("infrastructure_doc_no", "发改批复文号", "Development and reform approval number"),
        Column("is_gov_service", "政府购买服务", "Government purchase of services"),
        Column("track_code", "上级项目编码", "Upper-level project code"),
        Column("goal_annual", "年度总体目标", "Goal for the year"),
        Column("goal_medium_term", "中期目标", "Medium-term goal"),
        Column("has_beneficiaries", "有服务对象", "Serves beneficiaries"),
    ),
    ("key", "name", "category", "start_year", "end_year", "total_amount", "fund_type"),
)
PLANS = Sheet(
    "plans",
    "分年度计划",
    "Annual plans",
    (
        KEY,
        Column("year", "年度", "Year"),
        Column("fund_type", "资金性质", "Fund nature"),
        Column("amount", "金额(元)", "Amount (yuan)"),
    ),
    ("key", "year", "fund_type", "amount"),
)
CALCULATION = Sheet(
    "calculation",
    "测算明细",
    "Calculation",
    (
        KEY,
        Column("year", "年度", "Year"),
        Column("content", "支出内容", "Expenditure item"),
        Column("economic_code", "经济分类", "Economic class"),
        Column("standard_key", "支出标准", "Expenditure standard"),
        Column("unit_price", "单价(元)", "Unit price (yuan)"),
        Column("quantity", "数量", "Quantity"),
        Column("unit", "计量单位", "Unit of measure"),
        Column("amount", "金额(元)", "Amount (yuan)"),
        Column("procurement_item", "政采品目", "Procurement catalogue item"),
    ),
    ("key", "year", "content", "economic_code", "unit_price", "quantity"),
)
INDICATORS = Sheet(
    "indicators",
    "绩效指标",
    "Performance indicators",
    (
        KEY,
        Column("level1", "一级指标", "First-level indicator"),
        Column("level2", "二级指标", "Second-level indicator"),
        Column("name", "三级指标", "Third-level indicator"),
        Column("operator", "指标值符号", "Operator"),
        Column("target", "目标值", "Target value"),
        Column("unit", "计量单位", "Unit of measure"),
        Column("weight", "权重", "Weight"),
    ),
    ("key", "level1", "level2", "name", "operator", "target"),
)
DOCUMENTS = Sheet(
    "documents",
    "立项依据",
    "Basis documents",
    (
        KEY,
        Column("kind", "类别", "Kind"),
        Column("doc_no", "文号", "Document number"),
        Column("title", "文件名称", "Title"),
    ),
    ("key", "kind", "doc_no", "title"),
)
SHEETS = (PROJECTS, PLANS, CALCULATION, INDICATORS, DOCUMENTS)
NOTES = "说明"

KIND_ZH: dict[str, str] = {
    ProjectKind.NEW: "新增",
    ProjectKind.CONTINUING: "延续",
    ProjectKind.CARRIED: "结转",
}
LEVEL1_ZH: dict[str, str] = {
    GoalLevel1.OUTPUT: "产出",
    GoalLevel1.BENEFIT: "效益",
    GoalLevel1.SATISFACTION: "满意度",
}
LEVEL2_ZH: dict[str, str] = {
    GoalLevel2.QUANTITY: "数量",
    GoalLevel2.QUALITY: "质量",
    GoalLevel2.TIMELINESS: "时效",
    GoalLevel2.COST: "成本",
    GoalLevel2.ECONOMIC: "经济",
    GoalLevel2.SOCIAL: "社会",
    GoalLevel2.ECOLOGICAL: "生态",
    GoalLevel2.SUSTAINABLE: "可持续影响",
    GoalLevel2.SERVED: "服务对象满意度",
}
OPERATOR_ZH: dict[str, str] = {
    Operator.GTE: "≥",
    Operator.LTE: "≤",
    Operator.EQ: "=",
    Operator.QUALITATIVE: "定性",
}
BASIS_ZH: dict[str, str] = {
    BasisKind.POLICY: "立项依据",
    BasisKind.PLAN: "实施方案",
    BasisKind.FEASIBILITY: "可行性研究",
    BasisKind.APPROVAL: "发改批复",
    BasisKind.OTHER: "其他",
}
YES, NO = "是", "否"
TRUE_WORDS = frozenset({"是", "y", "yes", "true", "1", "√"})
FALSE_WORDS = frozenset({"否", "n", "no", "false", "0", ""})


# --- reading --------------------------------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # Excel keeps typed codes as numbers
        return str(int(value))
    return str(value).strip()


def _file_error(code: str, zh: str, en: str, value: object = None, limit: object = None) -> Any:
    return BusinessRuleError.single(
        code=code, field="file", value=value, limit=limit, message_zh=zh, message_en=en
    )


def read_workbook(data: bytes, filename: str) -> dict[str, list[list[object]]]:
    """Every sheet of an .xlsx by title, header row included, within the bounds every import
    has (``common.tabular``: size, unpacked size and ratio before opening; rows, columns and
    time while reading, counted over the whole workbook)."""
    started = monotonic()
    if not filename.lower().endswith(".xlsx"):
        raise _file_error(
            "import.file_type",
            "申报导入只支持 .xlsx 文件（多个工作表）",
            "declarations are imported from an .xlsx workbook (several sheets)",
            filename,
            ".xlsx",
        )
    check_upload_size(len(data), filename)
    check_archive(data, filename)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise _file_error(
            "import.unreadable", f"无法读取 Excel 文件（{str(exc)[:200]}）", str(exc)[:200]
        ) from exc
    max_rows: int = settings.YUSUAN_UPLOAD_MAX_ROWS
    found: dict[str, list[list[object]]] = {}
    try:
        read = 0
        for sheet in workbook.worksheets:
            declared = sheet.max_row or 0
            if read + declared > max_rows + len(SHEETS) + 1:
                raise _file_error(
                    "import.too_many_rows",
                    f"工作簿共有 {read + declared:,} 行，上限 {max_rows:,} 行",
                    f"the workbook has {read + declared:,} rows; the limit is {max_rows:,}",
                    read + declared,
                    max_rows,
                )
            rows = bounded_rows(sheet.iter_rows(values_only=True), started)
            read += len(rows)
            found[str(sheet.title).strip()] = rows
    finally:
        workbook.close()
    return found


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number the clerk sees in Excel (header = 1)
    values: dict[str, str]


def _sheet_rows(
    sheet: Sheet, raw: list[list[object]] | None, errors: list[ErrorDetail]
) -> list[SheetRow]:
    """A sheet's rows by column key; unknown and missing headers are errors on row 1."""
    if not raw:
        if sheet is PROJECTS:
            errors.append(
                ErrorDetail(
                    code="import.missing_sheet",
                    field=f"{sheet.key}",
                    limit=sheet.title,
                    message_zh=f"缺少工作表“{sheet.title}”",
                    message_en=f"the sheet '{sheet.title}' ({sheet.en}) is missing",
                )
            )
        return []
    labels: dict[str, str] = {}
    for column in sheet.columns:
        for label in (column.key, column.zh, column.en):
            labels[label.strip().lower()] = column.key
    keys: list[str | None] = []
    for index, value in enumerate(raw[0], start=1):
        label = _cell_text(value)
        key = labels.get(label.lower())
        if label and key is None:
            errors.append(
                ErrorDetail(
                    code="import.unknown_column",
                    field=f"{sheet.key}[1]",
                    row=1,
                    value=label[:40],
                    limit=", ".join(c.zh for c in sheet.columns),
                    message_zh=f"工作表“{sheet.title}”第 1 行第 {index} 列：无法识别的列名“{label[:40]}”",
                    message_en=f"sheet '{sheet.en}' row 1, column {index}: unknown column"
                    f" '{label[:40]}'",
                )
            )
        keys.append(key)
    for column in sheet.columns:
        if column.key in sheet.required and column.key not in keys:
            errors.append(
                ErrorDetail(
                    code="import.missing_column",
                    field=f"{sheet.key}[1].{column.key}",
                    row=1,
                    limit=column.zh,
                    message_zh=f"工作表“{sheet.title}”缺少必需的列“{column.zh}”",
                    message_en=f"sheet '{sheet.en}': the required column '{column.en}' is missing",
                )
            )
    rows: list[SheetRow] = []
    for number, cells in enumerate(raw[1:], start=2):
        values = {
            key: _cell_text(cells[i]) if i < len(cells) else "" for i, key in enumerate(keys) if key
        }
        if any(values.values()):
            rows.append(SheetRow(number, values))
    return rows


# --- placing errors on the sheet ------------------------------------------------------------------

_ZH_ROW = re.compile(r"^[^：]{0,12}第 \d+ 行[^：]{0,80}：")
_EN_ROW = re.compile(r"^(?:row|calculation row|indicator) \d+(?: '[^']*')?: ", re.IGNORECASE)
_PATH = re.compile(r"^(?P<prefix>\w+)\[(?P<index>\d+)\](?:\.(?P<name>\w+))?$")


def place(detail: ErrorDetail, sheet: Sheet, number: int, column: str | None) -> ErrorDetail:
    """The error as the clerk finds it: on the sheet, the Excel row and the column."""
    found = sheet.column(column) if column else None
    where_zh = f"工作表“{sheet.title}”第 {number} 行" + (f"“{found.zh}”" if found else "")
    where_en = f"sheet '{sheet.en}' row {number}" + (f" {found.en}" if found else "")
    return replace(
        detail,
        field=f"{sheet.key}[{number}]" + (f".{column}" if column else ""),
        row=number,
        message_zh=f"{where_zh}：{_ZH_ROW.sub('', detail.message_zh)}",
        message_en=f"{where_en}: {_EN_ROW.sub('', detail.message_en)}",
    )


# Fields of the project's own errors (``project_create``, ``project_set_goal``) → its columns.
HEADER_FIELDS = {
    "goal.annual": "goal_annual",
    "goal": "goal_annual",
    "plans": "total_amount",
    "organisation": "key",
}


@dataclass
class Parsed:
    """One project of the workbook: its 项目 row and its rows on the other sheets."""

    row: SheetRow
    children: dict[str, list[SheetRow]]

    def placed(self, detail: ErrorDetail, sheet: Sheet | None = None) -> ErrorDetail:
        """A service's error, whose field is ``<prefix>[i].name`` on the rows it was given
        (``prefix`` is the sheet's key) or a field of the project itself."""
        path = detail.field or ""
        match = _PATH.match(path)
        if match and match["prefix"] in self.children:
            rows = self.children[match["prefix"]]
            index = int(match["index"])
            if index < len(rows):
                target = next(s for s in SHEETS if s.key == match["prefix"])
                return place(detail, target, rows[index].number, match["name"])
        if sheet is not None:  # a document row's own field
            column = path if sheet.column(path) else None
            return place(detail, sheet, self.row.number, column)
        column = HEADER_FIELDS.get(path, path)
        return place(detail, PROJECTS, self.row.number, column if PROJECTS.column(column) else None)


# --- values ---------------------------------------------------------------------------------------


def _choice(text: str, choices: dict[str, str], labels: Iterable[tuple[str, Any]]) -> str | None:
    """A code from its code, its Chinese short name or its label; None when it is none."""
    if text in choices:
        return text
    for code, zh in choices.items():
        if text == zh:
            return code
    for code, label in labels:
        if text == str(label):
            return code
    return None


def _bad_choice(
    sheet: Sheet, number: int, column: str, value: str, allowed: Iterable[str]
) -> ErrorDetail:
    return place(
        ErrorDetail(
            code="invalid_choice",
            value=value[:40],
            limit=", ".join(allowed),
            message_zh=f"“{value[:40]}”不是可选值（{'、'.join(allowed)}）",
            message_en=f"'{value[:40]}' is not one of {', '.join(allowed)}",
        ),
        sheet,
        number,
        column,
    )


def _flag(row: SheetRow, name: str, errors: list[ErrorDetail]) -> bool:
    text = row.values.get(name, "").strip().lower()
    if text in TRUE_WORDS:
        return True
    if text not in FALSE_WORDS:
        errors.append(_bad_choice(PROJECTS, row.number, name, text, (YES, NO)))
    return False


def _code(text: str, names: dict[str, str]) -> str:
    """A code typed as ``111``, ``111 一般公共预算资金`` or by its name; what cannot be read is
    passed on as typed, for the service to refuse with its own error."""
    first = text.split()[0] if text.split() else ""
    if first in names:
        return first
    by_name = {name: code for code, name in names.items()}
    return by_name.get(text, first if first and first.isdigit() else text)


def _names(*, mof_div_code: str, fiscal_year: int, kind: str) -> dict[str, str]:
    return dict(
        ClassificationCode.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year, kind=kind
        ).values_list("code", "name")
    )


def _header(
    row: SheetRow, *, categories: dict[str, str], fund_types: dict[str, str]
) -> tuple[ProjectInput | None, list[ErrorDetail]]:
    errors: list[ErrorDetail] = []
    values = row.values
    years: dict[str, int] = {}
    for name in ("start_year", "end_year"):
        year = parse_int(values.get(name, ""))
        if year is None:
            errors.append(
                place(
                    ErrorDetail(
                        code="projects.not_a_number",
                        value=values.get(name, "")[:40],
                        message_zh=f"“{values.get(name, '')[:40]}”不是年度",
                        message_en=f"'{values.get(name, '')[:40]}' is not a year",
                    ),
                    PROJECTS,
                    row.number,
                    name,
                )
            )
        else:
            years[name] = year
    total: Money | None = None
    try:
        total = Money.parse(values.get("total_amount", ""))
    except MoneyParseError as exc:
        errors.append(
            place(
                ErrorDetail(
                    code=exc.code,
                    value=values.get("total_amount", "")[:40],
                    limit=exc.limit,
                    message_zh=exc.message_zh,
                    message_en=exc.message_en,
                ),
                PROJECTS,
                row.number,
                "total_amount",
            )
        )
    kind_text = values.get("kind", "") or ProjectKind.NEW
    kind = _choice(kind_text, dict(KIND_ZH), ProjectKind.choices)
    if kind is None:
        errors.append(_bad_choice(PROJECTS, row.number, "kind", kind_text, KIND_ZH.values()))
    flags = {
        name: _flag(row, name, errors)
        for name in (
            "is_procurement",
            "is_three_public",
            "is_research",
            "is_infrastructure",
            "is_gov_service",
        )
    }
    if errors or total is None or kind is None:
        return None, errors
    return (
        ProjectInput(
            name=values.get("name", "")[:200],
            category=_code(values.get("category", ""), categories),
            kind=kind,
            start_year=years["start_year"],
            end_year=years["end_year"],
            total_amount=total,
            fund_type=_code(values.get("fund_type", ""), fund_types),
            basis=values.get("basis", "")[:4000],
            content=values.get("content", "")[:4000],
            infrastructure_doc_no=values.get("infrastructure_doc_no", "")[:100],
            track_code=values.get("track_code", "")[:24],
            **flags,
        ),
        [],
    )


@dataclass(frozen=True)
class ImportResult:
    projects: list[Project]


def _indicator_values(rows: Sequence[SheetRow], errors: list[ErrorDetail]) -> list[dict[str, str]]:
    out = []
    for row in rows:
        values = dict(row.values)
        for name, zh, labels in (
            ("level1", LEVEL1_ZH, GoalLevel1.choices),
            ("level2", LEVEL2_ZH, GoalLevel2.choices),
            ("operator", OPERATOR_ZH, Operator.choices),
        ):
            code = _choice(values.get(name, ""), dict(zh), labels)
            if code is None:
                errors.append(
                    _bad_choice(INDICATORS, row.number, name, values.get(name, ""), zh.values())
                )
            else:
                values[name] = code
        out.append(values)
    return out


def _group(sheets: dict[str, list[SheetRow]], errors: list[ErrorDetail]) -> list[Parsed]:
    """The projects of the 项目 sheet by row key, each with its rows of the other sheets; a key
    twice on 项目, or a row whose key is not there, is an error."""
    parsed: dict[str, Parsed] = {}
    for row in sheets[PROJECTS.key]:
        key = row.values.get("key", "")
        if not key or key in parsed:
            errors.append(
                place(
                    ErrorDetail(
                        code="import.duplicate_key" if key else "import.key_required",
                        value=key[:40],
                        message_zh=f"行键“{key[:40]}”重复" if key else "请填写行键",
                        message_en=f"the row key '{key[:40]}' appears twice"
                        if key
                        else "the row key is required",
                    ),
                    PROJECTS,
                    row.number,
                    "key",
                )
            )
            continue
        parsed[key] = Parsed(row, {sheet.key: [] for sheet in SHEETS[1:]})
    for sheet in SHEETS[1:]:
        for row in sheets[sheet.key]:
            key = row.values.get("key", "")
            if key not in parsed:
                errors.append(
                    place(
                        ErrorDetail(
                            code="import.unknown_key",
                            value=key[:40],
                            limit=PROJECTS.title,
                            message_zh=f"行键“{key[:40]}”不在“项目”工作表中",
                            message_en=f"the row key '{key[:40]}' is not on the Projects sheet",
                        ),
                        sheet,
                        row.number,
                        "key",
                    )
                )
                continue
            parsed[key].children[sheet.key].append(row)
    return list(parsed.values())


def _structure(data: bytes, filename: str) -> dict[str, list[SheetRow]]:
    raw = read_workbook(data, filename)
    errors: list[ErrorDetail] = []
    known = {s.title: s for s in SHEETS} | {s.en: s for s in SHEETS} | {s.key: s for s in SHEETS}
    for title in raw:
        if title not in known and title != NOTES:
            errors.append(
                ErrorDetail(
                    code="import.unknown_sheet",
                    field="file",
                    value=title[:40],
                    limit="、".join(s.title for s in SHEETS),
                    message_zh=f"无法识别的工作表“{title[:40]}”",
                    message_en=f"unknown sheet '{title[:40]}'",
                )
            )
    by_sheet: dict[str, list[list[object]]] = {}
    for title, rows in raw.items():
        if title in known:
            by_sheet[known[title].key] = rows
    sheets = {sheet.key: _sheet_rows(sheet, by_sheet.get(sheet.key), errors) for sheet in SHEETS}
    if errors:
        raise BusinessRuleError(errors)
    return sheets


def _run(errors: list[ErrorDetail], parsed: Parsed, call: Any, sheet: Sheet | None = None) -> Any:
    """A service call of the import: its refusal placed on the workbook, the import going on to
    find the other problems (the service's own savepoint undid what it did)."""
    try:
        return call()
    except BusinessRuleError as exc:
        errors.extend(parsed.placed(e, sheet) for e in exc.errors)
        return None


def _project_rows(
    actor: Actor, project: Project, parsed: Parsed, errors: list[ErrorDetail]
) -> None:
    """The project's plans, calculation, goal and documents, each through its service."""
    fund_types = _names(
        mof_div_code=project.mof_div_code,
        fiscal_year=project.fiscal_year,
        kind=CodeKind.FUND_TYPE,
    )
    economic = _names(
        mof_div_code=project.mof_div_code,
        fiscal_year=project.fiscal_year,
        kind=CodeKind.DEPARTMENT_ECONOMIC,
    )
    children = parsed.children
    plan_values = [
        {**r.values, "fund_type": _code(r.values.get("fund_type", ""), fund_types)}
        for r in children[PLANS.key]
    ]
    plans, unreadable = inputs.plan_rows(plan_values, prefix=PLANS.key)
    errors.extend(parsed.placed(e) for e in unreadable)
    if not unreadable:
        _run(
            errors,
            parsed,
            lambda: project_set_plans(actor=actor, project=project, rows=plans, prefix=PLANS.key),
        )
    if children[CALCULATION.key]:
        calc_values = [
            {**r.values, "economic_code": _code(r.values.get("economic_code", ""), economic)}
            for r in children[CALCULATION.key]
        ]
        calculation, unreadable = inputs.calculation_rows(calc_values, prefix=CALCULATION.key)
        errors.extend(parsed.placed(e) for e in unreadable)
        if not unreadable:
            _run(
                errors,
                parsed,
                lambda: project_set_calculation(
                    actor=actor, project=project, rows=calculation, prefix=CALCULATION.key
                ),
            )
    values = parsed.row.values
    if children[INDICATORS.key] or values.get("goal_annual"):
        before = len(errors)
        indicator_values = _indicator_values(children[INDICATORS.key], errors)
        indicators, unreadable = inputs.indicator_rows(indicator_values, prefix=INDICATORS.key)
        errors.extend(parsed.placed(e) for e in unreadable)
        if len(errors) == before:
            serves = values.get("has_beneficiaries", "").strip().lower()
            goal = rules.GoalFacts(
                annual=values.get("goal_annual", "")[:4000],
                has_beneficiaries=not serves or _flag(parsed.row, "has_beneficiaries", errors),
                indicators=indicators,
            )
            _run(
                errors,
                parsed,
                lambda: project_set_goal(
                    actor=actor,
                    project=project,
                    goal=goal,
                    medium_term=values.get("goal_medium_term", "")[:4000],
                    prefix=INDICATORS.key,
                ),
            )
    for row in children[DOCUMENTS.key]:
        kind_text = row.values.get("kind", "")
        kind = _choice(kind_text, dict(BASIS_ZH), BasisKind.choices)
        one = Parsed(row, {})
        _run(
            errors,
            one,
            lambda row=row, kind=kind, kind_text=kind_text: project_add_document(
                actor=actor,
                project=project,
                kind=kind or kind_text,
                doc_no=row.values.get("doc_no", "")[:100],
                title=row.values.get("title", "")[:200],
            ),
            DOCUMENTS,
        )


def _unreadable_rows(parsed: Parsed, errors: list[ErrorDetail]) -> None:
    """The values of a project's rows that cannot be read (amounts, years, quantities, choices),
    when the project itself cannot be created and its rows go no further."""
    children = parsed.children
    for found in (
        inputs.plan_rows([r.values for r in children[PLANS.key]], prefix=PLANS.key)[1],
        inputs.calculation_rows(
            [r.values for r in children[CALCULATION.key]], prefix=CALCULATION.key
        )[1],
    ):
        errors.extend(parsed.placed(e) for e in found)
    before = len(errors)
    values = _indicator_values(children[INDICATORS.key], errors)
    if len(errors) == before:
        found = inputs.indicator_rows(values, prefix=INDICATORS.key)[1]
        errors.extend(parsed.placed(e) for e in found)


# Not durable: /api/v1 calls it inside its idempotent write (audit.idempotency.run_once).
@transaction.atomic
def declarations_import(*, actor: Actor, data: bytes, filename: str) -> ImportResult:
    """New draft projects of the actor's unit from a workbook, in the current fiscal year (as
    the page's 新建项目). Every problem is reported (sheet, row, column, value, rule); if there
    is one, no project is kept."""
    ensure_permission(actor, "projects.add_project")
    organisation = getattr(actor, "organisation", None)
    current = current_fiscal_year(actor=actor)
    if current is None or organisation is None:
        raise BusinessRuleError.single(
            code="projects.no_fiscal_year",
            field="fiscal_year",
            message_zh="本区划没有当前预算年度，不能申报项目",
            message_en="the region has no current fiscal year",
        )
    sheets = _structure(data, filename)
    errors: list[ErrorDetail] = []
    parsed_projects = _group(sheets, errors)
    categories = _names(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=current.year,
        kind=CodeKind.PROJECT_CATEGORY,
    ) or dict(CATEGORY_NAMES)
    fund_types = _names(
        mof_div_code=organisation.mof_div_code, fiscal_year=current.year, kind=CodeKind.FUND_TYPE
    )
    created: list[Project] = []
    for parsed in parsed_projects:
        data_in, unreadable = _header(parsed.row, categories=categories, fund_types=fund_types)
        errors.extend(unreadable)
        if data_in is None:  # its rows cannot reach their services: what cannot be read, then
            _unreadable_rows(parsed, errors)
            continue
        project = _run(
            errors,
            parsed,
            lambda data_in=data_in: project_create(
                actor=actor, organisation=organisation, fiscal_year=current.year, data=data_in
            ),
        )
        if project is None:
            continue
        _project_rows(actor, project, parsed, errors)
        created.append(project)
    if not parsed_projects and not errors:
        errors.append(
            ErrorDetail(
                code="core.import_empty",
                field=PROJECTS.key,
                message_zh="“项目”工作表没有数据",
                message_en="the Projects sheet has no rows",
            )
        )
    if errors:
        raise BusinessRuleError(sorted(errors, key=_sheet_order))
    audit_record(
        action="projects.import",
        actor=actor,
        obj=organisation,
        extra={
            "file": filename[:200],
            "sha256": hashlib.sha256(data).hexdigest(),
            "projects": [p.code for p in created],
        },
    )
    return ImportResult(created)


def _sheet_order(detail: ErrorDetail) -> tuple[int, int, str]:
    sheet = (detail.field or "").split("[")[0]
    order = next((i for i, s in enumerate(SHEETS) if s.key == sheet), len(SHEETS))
    return order, detail.row or 0, detail.field or ""


# --- writing --------------------------------------------------------------------------------------


def _yes(value: bool) -> str:
    return YES if value else NO


def _named(code: str, names: dict[str, str]) -> str:
    return f"{code} {names[code]}" if code in names else code


def _project_rows_out(projects: Sequence[Project]) -> dict[str, list[list[object]]]:
    """The sheets' rows of ``projects`` (each keyed by its project code)."""
    out: dict[str, list[list[object]]] = {sheet.key: [] for sheet in SHEETS}
    names: dict[tuple[str, int, str], dict[str, str]] = {}

    def named(project: Project, kind: str) -> dict[str, str]:
        key = (project.mof_div_code, project.fiscal_year, kind)
        if key not in names:
            names[key] = _names(
                mof_div_code=project.mof_div_code, fiscal_year=project.fiscal_year, kind=kind
            )
        return names[key]

    goals = {
        g.project_id: g
        for g in PerformanceGoal.objects.filter(project__in=projects).prefetch_related("indicators")
    }
    for p in projects:
        categories = named(p, CodeKind.PROJECT_CATEGORY) or dict(CATEGORY_NAMES)
        fund_types = named(p, CodeKind.FUND_TYPE)
        economic = named(p, CodeKind.DEPARTMENT_ECONOMIC)
        goal = goals.get(p.pk)
        out[PROJECTS.key].append(
            [
                p.code,
                p.name,
                categories.get(p.category, CATEGORY_NAMES.get(p.category, p.category)),
                KIND_ZH.get(p.kind, p.kind),
                p.start_year,
                p.end_year,
                Money(p.total_amount_fen).to_yuan(),
                _named(p.fund_type, fund_types),
                p.basis,
                p.content,
                _yes(p.is_procurement),
                _yes(p.is_three_public),
                _yes(p.is_research),
                _yes(p.is_infrastructure),
                p.infrastructure_doc_no,
                _yes(p.is_gov_service),
                p.track_code,
                goal.annual if goal else "",
                goal.medium_term if goal else "",
                _yes(goal.has_beneficiaries) if goal else "",
            ]
        )
        for plan in p.plans.all():
            out[PLANS.key].append(
                [
                    p.code,
                    plan.year,
                    _named(plan.fund_type, fund_types),
                    Money(plan.amount_fen).to_yuan(),
                ]
            )
        for c in p.calculation.all():
            out[CALCULATION.key].append(
                [
                    p.code,
                    c.year,
                    c.content,
                    _named(c.economic_code, economic),
                    c.standard_key,
                    Money(c.unit_price_fen).to_yuan(),
                    Decimal(c.quantity).normalize() if c.quantity % 1 else int(c.quantity),
                    c.unit,
                    Money(c.amount_fen).to_yuan(),
                    c.procurement_item,
                ]
            )
        for i in goal.indicators.all() if goal else []:
            out[INDICATORS.key].append(
                [
                    p.code,
                    LEVEL1_ZH.get(i.level1, i.level1),
                    LEVEL2_ZH.get(i.level2, i.level2),
                    i.name,
                    OPERATOR_ZH.get(i.operator, i.operator),
                    i.target,
                    i.unit,
                    i.weight,
                ]
            )
        for d in p.documents.all():
            out[DOCUMENTS.key].append([p.code, BASIS_ZH.get(d.kind, d.kind), d.doc_no, d.title])
    return out


NOTES_TEXT = (
    ("每个项目在“项目”工作表占一行，以“行键”（任意不重复的文字，如 A1）标识；", ""),
    ("其余工作表的每一行以同一行键归属到该项目。", ""),
    ("项目类别", "其他运转类、特定目标类（人员类和公用经费由系统生成，不能申报，R-PJ-8）"),
    ("项目属性", "新增、延续、结转"),
    ("资金性质、经济分类", "填写编码（如 111、30201），可带名称（如“111 一般公共预算资金”）"),
    ("是/否列", "是、否（空白为否）"),
    ("一级指标", "产出、效益、满意度"),
    ("二级指标", "数量、质量、时效、成本；经济、社会、生态、可持续影响；服务对象满意度"),
    ("指标值符号", "≥、≤、=、定性"),
    ("立项依据类别", "立项依据、实施方案、可行性研究、发改批复、其他"),
    ("金额", "以元为单位，最多两位小数；分年度计划合计须等于项目总额（R-PJ-3）"),
    ("测算明细", "金额可空，按单价×数量计算；填写的须相等（R-PJ-10）"),
    ("导入规则", "任一行有错误时全部不导入，并列出每个错误所在的工作表、行和列"),
)


def write_workbook(projects: Sequence[Project], *, notes: bool = False) -> bytes:
    """The declaration workbook of ``projects`` (none: the empty template), every text cell
    inert (``common.tabular``: text starting ``= + - @`` stays text)."""
    rows = _project_rows_out(projects)
    workbook = Workbook(write_only=True)
    for sheet in SHEETS:
        out = workbook.create_sheet(sheet.title)
        out.append([inert_cell(out, c.zh) for c in sheet.columns])
        for row in rows[sheet.key]:
            out.append([inert_cell(out, value) for value in row])
    if notes:
        out = workbook.create_sheet(NOTES)
        for pair in NOTES_TEXT:
            out.append([inert_cell(out, value) for value in pair])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


MAX_EXPORT_PROJECTS = 2000


def bounded_export(projects: Any) -> list[Project]:
    """The projects of an export, refused (naming the count and the limit) past
    ``MAX_EXPORT_PROJECTS``: filter the list first."""
    count = projects.count()
    if count > MAX_EXPORT_PROJECTS:
        raise BusinessRuleError.single(
            code="grid.export_too_large",
            field="export",
            value=count,
            limit=MAX_EXPORT_PROJECTS,
            message_zh=f"导出项目 {count} 个，超过上限 {MAX_EXPORT_PROJECTS} 个：请先筛选后再导出",
            message_en=f"the export would hold {count} projects, more than the limit of"
            f" {MAX_EXPORT_PROJECTS}: filter the list first",
        )
    return list(projects.prefetch_related("plans", "calculation", "documents"))
