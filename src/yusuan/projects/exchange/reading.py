"""Reading the declaration workbook: the file within the upload bounds, each sheet's rows by
column key, the values a clerk types (codes, choices, yes/no, years, amounts) and every problem
placed on its sheet, row and column."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from time import monotonic
from typing import Any

from django.conf import settings

from openpyxl import load_workbook

from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.ids import parse_int
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.tabular import _bounded as bounded_rows  # the same limits as every import
from yusuan.common.tabular import _check_archive as check_archive
from yusuan.common.uploads import check_upload_size
from yusuan.projects.choices import GoalLevel1, GoalLevel2, Operator, ProjectKind
from yusuan.projects.exchange.sheets import (
    FALSE_WORDS,
    INDICATORS,
    KIND_ZH,
    LEVEL1_ZH,
    LEVEL2_ZH,
    NO,
    NOTES,
    OPERATOR_ZH,
    PROJECTS,
    SHEETS,
    TRUE_WORDS,
    YES,
    Sheet,
)
from yusuan.projects.services import ProjectInput


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
