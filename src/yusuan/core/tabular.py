"""Reading and writing the sheets finance staff live in: Excel (.xlsx) and CSV (UTF-8 or GBK).

Headers may be Chinese or English; rows keep the line number the clerk sees in Excel (header = 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook, load_workbook

from yusuan.common.errors import BusinessRuleError, ErrorDetail

MAX_ROWS = 200_000


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
    return [list(row) for row in csv.reader(io.StringIO(text))]


def write_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    *,
    file_format: str,
    language: str = "zh",
) -> bytes:
    header = [c.en if language.startswith("en") else c.zh for c in columns]
    if file_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        return buffer.getvalue().encode("utf-8-sig")  # BOM: Excel opens UTF-8 CSV correctly
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        sheet.append(["" if v is None else v for v in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
