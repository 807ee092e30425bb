"""Reading and writing the sheets finance staff live in: Excel (.xlsx) and CSV (UTF-8 or GBK).

Headers may be Chinese or English; rows keep the line number the clerk sees in Excel (header = 1).

Every export goes through ``write_table``, which makes typed text inert (OWASP "CSV injection"):
a spreadsheet runs text that starts with ``= + - @``, a tab or a carriage return as a formula
(``=HYPERLINK(…)`` in a payee name becomes a link that leaks data when clicked). In .xlsx such text
is written as a text cell with Excel's quote prefix; in CSV, which has no types, it gets a leading
``'``, which the CSV reader here takes off again so an exported file imports unchanged. Numbers
stay numbers: only text is neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeGuard

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from yusuan.common.errors import BusinessRuleError, ErrorDetail

MAX_ROWS = 200_000
# Text starting with one of these is a formula to Excel, WPS or LibreOffice (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str


@dataclass(frozen=True)
class Table:
    rows: list[tuple[int, dict[str, str]]]


def _header_map(columns: Sequence[Column]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for column in columns:
        for label in (column.key, column.zh, column.en):
            mapping[label.strip().lower()] = column.key
    return mapping


def read_table(
    data: bytes, filename: str, columns: Sequence[Column], required: Iterable[str]
) -> Table:
    """Parse a sheet into ``(row_number, {key: text})``; unknown or missing headers are errors."""
    raw_rows = read_rows(data, filename)
    mapping = _header_map(columns)
    header = [str(cell or "").strip() for cell in raw_rows[0]]
    keys: list[str | None] = []
    errors: list[ErrorDetail] = []
    for index, label in enumerate(header, start=1):
        key = mapping.get(label.lower())
        if label and key is None:
            errors.append(
                ErrorDetail(
                    code="import.unknown_column",
                    field=label,
                    row=1,
                    value=label,
                    limit=", ".join(c.zh for c in columns),
                    message_zh=f"第 1 行第 {index} 列：无法识别的列名“{label}”",
                    message_en=f"Row 1, column {index}: unknown column '{label}'",
                )
            )
        keys.append(key)
    missing = [c for c in columns if c.key in set(required) and c.key not in keys]
    for column in missing:
        errors.append(
            ErrorDetail(
                code="import.missing_column",
                field=column.key,
                row=1,
                value=None,
                limit=column.zh,
                message_zh=f"缺少必需的列“{column.zh}”",
                message_en=f"Required column '{column.en}' is missing",
            )
        )
    if errors:
        raise BusinessRuleError(errors)
    if len(raw_rows) > MAX_ROWS + 1:
        raise BusinessRuleError.single(
            code="import.too_many_rows",
            field="file",
            value=len(raw_rows) - 1,
            limit=MAX_ROWS,
            message_zh=f"文件行数超过上限 {MAX_ROWS}",
            message_en=f"More than {MAX_ROWS} rows",
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        values = {key: _text(raw[i]) if i < len(raw) else "" for i, key in enumerate(keys) if key}
        if any(values.values()):
            rows.append((number, values))
    return Table(rows)


def read_rows(data: bytes, filename: str) -> list[list[object]]:
    """The first sheet of an .xlsx (typed cell values) or a CSV (text), header row included."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw_rows = _xlsx_rows(data)
    elif name.endswith(".csv"):
        raw_rows = _csv_rows(data)
    else:
        raise BusinessRuleError.single(
            code="import.file_type",
            field="file",
            value=filename,
            limit=".xlsx, .csv",
            message_zh="只支持 .xlsx 或 .csv 文件",
            message_en="Only .xlsx and .csv files are accepted",
        )
    if not raw_rows:
        raise BusinessRuleError.single(
            code="core.import_empty",
            field="file",
            message_zh="文件为空",
            message_en="The file is empty",
        )
    return raw_rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # Excel stores typed-in codes as numbers
        return str(int(value))
    return str(value).strip()


def _xlsx_rows(data: bytes) -> list[list[object]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise BusinessRuleError.single(
            code="import.unreadable",
            field="file",
            message_zh="无法读取 Excel 文件",
            message_en="Cannot read the Excel file",
        ) from exc
    sheet = workbook.worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _csv_rows(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        text = data.decode("utf-8", errors="replace")
    return [[_csv_value(cell) for cell in row] for row in csv.reader(io.StringIO(text))]


def _is_formula_like(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def _csv_value(text: str) -> str:
    """A CSV cell as typed: the ``'`` that ``csv_cell`` put before a formula-like text removed."""
    return text[1:] if text.startswith("'") and _is_formula_like(text[1:]) else text


def _csv_cell(value: object) -> object:
    """A value for a CSV file that no spreadsheet will run as a formula."""
    if value is None:
        return ""
    return f"'{value}" if _is_formula_like(value) else value


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    """A value for a write-only sheet; formula-like text becomes a quoted text cell."""
    if value is None:
        return ""
    if not _is_formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"  # openpyxl would store "=…" as a formula
    cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


def write_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    *,
    file_format: str,
    language: str = "zh",
    sheet_title: str | None = None,
) -> bytes:
    """The one writer of exports (.xlsx or .csv): header row, then ``rows``, all made inert."""
    header = [c.en if language.startswith("en") else c.zh for c in columns]
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_csv_cell(v) for v in header])
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
        return buffer.getvalue().encode("utf-8-sig")  # BOM: Excel opens UTF-8 CSV correctly
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append([_xlsx_cell(sheet, v) for v in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
