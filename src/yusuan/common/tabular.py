"""Reading and writing the sheets finance staff live in: Excel (.xlsx) and CSV (UTF-8 or GBK).

Headers may be Chinese or English; rows keep the line number the clerk sees in Excel (header = 1).

Every import reads through ``read_rows``, which bounds what a file may cost before and while it
is parsed (settings ``YUSUAN_UPLOAD_*``): its size; for an .xlsx (a zip) the size its parts unpack
to and their compression ratio, checked before any part is opened (a 227 KiB sheet that unpacked
to 50 MB kept a worker busy for 34 s); the rows and columns, from the sheet's declared dimension
and again while streaming; and the time spent, checked on every row. An .xlsx is read by
``common.xlsx`` (openpyxl's values, several times faster); openpyxl writes the exports.

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
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from time import monotonic
from typing import TypeGuard

from django.conf import settings

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from yusuan.common import xlsx
from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.uploads import check_upload_size, megabytes

# Parts smaller than this are not judged by their ratio: a small styles.xml packs very well too.
RATIO_FROM_BYTES = 1024 * 1024
# Text starting with one of these is a formula to Excel, WPS or LibreOffice (OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    rows: list[tuple[int, dict[str, str]]] = []
    for number, raw in enumerate(raw_rows[1:], start=2):
        values = {key: _text(raw[i]) if i < len(raw) else "" for i, key in enumerate(keys) if key}
        if any(values.values()):
            rows.append((number, values))
    return Table(rows)


def read_rows(data: bytes, filename: str) -> list[list[object]]:
    """The first sheet of an .xlsx (typed cell values) or a CSV (text), header row included;
    trailing empty cells are left off. Refused, with the limit named, when the file is larger,
    unpacks larger, has more rows or columns or takes longer than the ``YUSUAN_UPLOAD_*``
    settings allow."""
    started = monotonic()
    name = filename.lower()
    if name.endswith((".xlsx", ".csv")):
        check_upload_size(len(data), filename)
    if name.endswith(".xlsx"):
        raw_rows = _xlsx_rows(data, filename, started)
    elif name.endswith(".csv"):
        raw_rows = _csv_rows(data, started)
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


def _limit_error(code: str, value: object, limit: object, zh: str, en: str) -> BusinessRuleError:
    return BusinessRuleError.single(
        code=code, field="file", value=value, limit=limit, message_zh=zh, message_en=en
    )


def _unreadable(what: str, exc: Exception) -> BusinessRuleError:
    return _limit_error(
        "import.unreadable",
        str(exc)[:200],
        None,
        f"无法读取 {what} 文件（{str(exc)[:200]}）",
        f"Cannot read the {what} file ({str(exc)[:200]})",
    )


def _check_archive(data: bytes, filename: str) -> None:
    """What the .xlsx unpacks to, from its zip directory, before anything is unpacked (the zip
    reader stops at each part's declared size, so a part cannot unpack to more)."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise _unreadable("Excel", exc) from exc
    inflated = sum(part.file_size for part in parts)
    limit: int = settings.YUSUAN_UPLOAD_MAX_INFLATED_BYTES
    if inflated > limit:
        raise _limit_error(
            "import.inflated_too_large",
            inflated,
            limit,
            f"文件 {filename} 解压后 {megabytes(inflated)}，上限 {megabytes(limit)}",
            f"the file {filename} unpacks to {megabytes(inflated)}; the limit is "
            f"{megabytes(limit)}",
        )
    max_ratio: int = settings.YUSUAN_UPLOAD_MAX_RATIO
    for part in parts:
        ratio = part.file_size // max(part.compress_size, 1)
        if part.file_size >= RATIO_FROM_BYTES and ratio > max_ratio:
            raise _limit_error(
                "import.compression_ratio",
                f"{ratio}:1",
                f"{max_ratio}:1",
                f"文件 {filename} 的 {part.filename} 压缩比 {ratio}:1，上限 {max_ratio}:1"
                "（普通表格约 6:1；过高的压缩比是压缩炸弹的特征）",
                f"{part.filename} in {filename} is compressed {ratio}:1; the limit is "
                f"{max_ratio}:1 (an ordinary sheet is about 6:1; far more is a zip bomb)",
            )


def _bounded(rows: Iterable[Sequence[object]], started: float) -> list[list[object]]:
    """The rows, trailing empty cells left off, stopped with an error past the row or column
    limit or the time limit (checked on every row, so a slow file is cut short)."""
    max_rows: int = settings.YUSUAN_UPLOAD_MAX_ROWS
    max_columns: int = settings.YUSUAN_UPLOAD_MAX_COLUMNS
    seconds: int = settings.YUSUAN_UPLOAD_PARSE_SECONDS
    kept: list[list[object]] = []
    for number, row in enumerate(rows, start=1):
        if monotonic() - started > seconds:
            raise _limit_error(
                "import.parse_timeout",
                number,
                seconds,
                f"读取文件超过 {seconds} 秒的上限，在第 {number:,} 行停止；请拆分文件",
                f"reading the file took longer than the limit of {seconds} s; stopped at row "
                f"{number:,}; split the file",
            )
        if number > max_rows + 1:
            raise _too_many_rows(f"> {max_rows:,}", max_rows)
        cells = list(row)
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if len(cells) > max_columns:
            raise _too_many_columns(len(cells), max_columns, number)
        kept.append(cells)
    return kept


def _too_many_rows(count: str, limit: int) -> BusinessRuleError:
    return _limit_error(
        "import.too_many_rows",
        count,
        limit,
        f"文件表头下有 {count} 行（含空行），上限 {limit:,} 行",
        f"the file has {count} rows below the header (empty ones included); the limit is {limit:,}",
    )


def _too_many_columns(count: int, limit: int, row: int | None) -> BusinessRuleError:
    where = f"第 {row:,} 行" if row else "工作表"
    where_en = f"row {row:,}" if row else "the sheet"
    return _limit_error(
        "import.too_many_columns",
        count,
        limit,
        f"{where}有 {count:,} 列，上限 {limit:,} 列",
        f"{where_en} has {count:,} columns; the limit is {limit:,}",
    )


def _xlsx_rows(data: bytes, filename: str, started: float) -> list[list[object]]:
    _check_archive(data, filename)
    try:
        sheet = xlsx.first_sheet(zipfile.ZipFile(io.BytesIO(data)))
    except Exception as exc:  # a damaged package fails in many ways (zip, XML, a missing part)
        raise _unreadable("Excel", exc) from exc
    if sheet is None:
        return []
    # The declared dimension refuses an oversized sheet before a row is parsed; without one,
    # each row is checked as it is read.
    max_rows: int = settings.YUSUAN_UPLOAD_MAX_ROWS
    max_columns: int = settings.YUSUAN_UPLOAD_MAX_COLUMNS
    if sheet.max_row is not None and sheet.max_row > max_rows + 1:
        raise _too_many_rows(f"{sheet.max_row - 1:,}", max_rows)
    if sheet.max_column is not None and sheet.max_column > max_columns:
        raise _too_many_columns(sheet.max_column, max_columns, None)
    try:
        return _bounded(sheet.rows(), started)
    except BusinessRuleError:
        raise
    except Exception as exc:  # broken XML or a cell that is not what its type says
        raise _unreadable("Excel", exc) from exc


def _csv_rows(data: bytes, started: float) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        text = data.decode("utf-8", errors="replace")
    rows = ([_csv_value(cell) for cell in row] for row in csv.reader(io.StringIO(text)))
    try:
        return _bounded(rows, started)
    except csv.Error as exc:  # a field over csv's 128 KiB limit, a stray quote
        raise _unreadable("CSV", exc) from exc


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
