"""Reading the first worksheet of an .xlsx: cell values as openpyxl's read-only, data-only mode
gives them (numbers, text, booleans, dates by the cell's number format, cached formula results),
streamed row by row at a fraction of its cost.

openpyxl builds a descriptor-checked object per cell and per inline string, and when a sheet
declares no dimension (openpyxl's own write-only files, so every export of ours) it parses the
whole sheet once more just to look for one: a 7,500-person sheet took 2–3 s to read. Here the
package's parts are parsed with lxml (entities never resolved, nothing fetched) and the sheet is
streamed with one small step per cell; openpyxl still lends its number-format and Excel-date
rules, so a date reads the same either way.

Two differences from openpyxl, both Excel's own behaviour: a sheet's declared dimension does not
cut off rows or columns outside it (a stale dimension silently dropped data), and a cell
without a value adds no width to its row. The caller bounds rows, columns and time
(``common.tabular``); every part was bounded in size before it is opened.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import (
    CALENDAR_MAC_1904,
    CALENDAR_WINDOWS_1900,
    from_excel,
    from_ISO8601,
)

# Types of the package relationships that lead to the parts read here (transitional and strict).
_OFFICE_DOCUMENT = "/officeDocument"
_WORKSHEET = "/worksheet"
_SHARED_STRINGS = "/sharedStrings"
_STYLES = "/styles"
_DIGITS = "0123456789"
_SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
# No entity is expanded, no DTD loaded, nothing fetched over the network.
_SAFE: dict[str, Any] = {"resolve_entities": False, "no_network": True, "load_dtd": False}


class NotAWorkbookError(ValueError):
    """The package lacks a part it names, or a part is not what it should be."""


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _namespace(tag: str) -> str:
    return tag[: tag.index("}") + 1] if tag.startswith("{") else ""


def _parse(archive: zipfile.ZipFile, name: str) -> Any:
    with archive.open(name) as part:
        return etree.parse(part, etree.XMLParser(**_SAFE)).getroot()


def _rels(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """``(id, type, target part)`` of a part's relationships; targets resolved to part names."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels_name not in archive.NameToInfo:
        return []
    found = []
    for rel in _parse(archive, rels_name):
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        target = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        found.append((rel.get("Id", ""), rel.get("Type", ""), posixpath.normpath(target)))
    return found


def _part_of_type(archive: zipfile.ZipFile, content_type: str) -> str | None:
    if "[Content_Types].xml" not in archive.NameToInfo:
        return None
    for override in _parse(archive, "[Content_Types].xml"):
        if _local(override.tag) == "Override" and override.get("ContentType") == content_type:
            return str(override.get("PartName", "")).lstrip("/")
    return None


def _text(node: Any, ns: str) -> str:
    """A string item's text (``<si>`` or ``<is>``): its plain ``t`` and its runs' ``t``, not the
    phonetic guide (``rPh``) — what openpyxl's ``Text.content`` gives."""
    plain, run = f"{ns}t", f"{ns}r"
    parts = []
    for child in node:
        if child.tag == plain:
            parts.append(child.text or "")
        elif child.tag == run:
            parts.extend(t.text or "" for t in child.iterchildren(plain))
    return "".join(parts)


def _shared_strings(archive: zipfile.ZipFile, name: str | None) -> list[str]:
    if name is None or name not in archive.NameToInfo:
        return []
    strings = []
    with archive.open(name) as part:
        for _event, item in etree.iterparse(part, events=("end",), tag="{*}si", **_SAFE):
            # openpyxl drops the escape of a literal "_xHHHH_" the same way.
            strings.append(_text(item, _namespace(item.tag)).replace("x005F_", ""))
            item.clear()
    return strings


def _date_styles(archive: zipfile.ZipFile, name: str | None) -> tuple[set[int], set[int]]:
    """Indexes of the cell formats (``cellXfs``) whose number format shows a date or time, and
    of those that show a duration, by openpyxl's rules."""
    dates: set[int] = set()
    durations: set[int] = set()
    if name is None or name not in archive.NameToInfo:
        return dates, durations
    root = _parse(archive, name)
    custom: dict[int, str] = {}
    formats: list[Any] = []
    for section in root:
        if _local(section.tag) == "numFmts":
            for fmt in section:
                if _local(fmt.tag) == "numFmt" and fmt.get("numFmtId", "").isdigit():
                    custom[int(fmt.get("numFmtId"))] = fmt.get("formatCode", "")
        elif _local(section.tag) == "cellXfs":
            formats = [xf for xf in section if _local(xf.tag) == "xf"]
    for index, xf in enumerate(formats):
        number = int(xf.get("numFmtId", "0") or 0)
        code = custom.get(number, BUILTIN_FORMATS.get(number))
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            durations.add(index)
    return dates, durations


@dataclass
class FirstSheet:
    """The workbook's first worksheet: its declared size, and its rows on demand."""

    archive: zipfile.ZipFile
    part: str
    strings: list[str]
    dates: set[int]
    durations: set[int]
    epoch: dt.datetime
    max_row: int | None = None
    max_column: int | None = None

    def _declared_size(self) -> None:
        """The ``<dimension>``, which comes before the data (nothing further is parsed)."""
        with self.archive.open(self.part) as part:
            for _event, node in etree.iterparse(part, events=("start",), **_SAFE):
                name = _local(node.tag)
                if name == "dimension":
                    # A broken dimension declares nothing: the rows are checked as they come.
                    with contextlib.suppress(TypeError, ValueError):
                        _c, _r, self.max_column, self.max_row = range_boundaries(node.get("ref"))
                    return
                if name == "sheetData":
                    return

    def rows(self) -> Iterator[list[object]]:
        """Every row from the first, as a list of cell values by column (``None`` where there
        is none); a row the file leaves out is an empty list, as it is an empty row in Excel."""
        columns: dict[str, int] = {}
        expected = 1
        with self.archive.open(self.part) as part:
            namespace = ""
            for _event, row in etree.iterparse(part, events=("end",), tag="{*}row", **_SAFE):
                namespace = namespace or _namespace(row.tag)
                number = row.get("r")
                index = _row_number(number) if number else expected
                while expected < index:
                    expected += 1
                    yield []
                expected += 1
                yield self._cells(row, namespace, columns)
                row.clear()
                while row.getprevious() is not None:  # free the rows already read
                    del row.getparent()[0]

    def _cells(self, row: Any, ns: str, columns: dict[str, int]) -> list[object]:
        value_tag, inline_tag, plain_tag = f"{ns}v", f"{ns}is", f"{ns}t"
        found: list[tuple[int, object]] = []
        column = width = 0
        for cell in row.iterchildren(f"{ns}c"):
            ref = cell.get("r")
            if ref:
                letters = ref.rstrip(_DIGITS)
                column = columns.get(letters) or columns.setdefault(
                    letters, column_index_from_string(letters)
                )
            else:
                column += 1
            kind = cell.get("t", "n")
            value: object
            if kind == "inlineStr":
                node = cell.find(inline_tag)
                if node is None:
                    value = None
                elif len(node) == 1 and node[0].tag == plain_tag:  # plain text, no runs
                    value = node[0].text or ""
                else:
                    value = _text(node, ns)
            else:
                text = cell.findtext(value_tag) or None
                value = text if text is None else self._value(kind, text, cell)
            if value is None:
                continue
            found.append((column, value))
            if value != "" and column > width:
                width = column
        cells: list[object] = [None] * width
        for position, value in found:
            if position <= width:
                cells[position - 1] = value
        return cells

    def _value(self, kind: str, text: str, cell: Any) -> object:
        if kind == "n":
            number: int | float = (
                float(text) if "." in text or "e" in text or "E" in text else int(text)
            )
            style = int(cell.get("s") or 0)
            if style not in self.dates:
                return number
            try:
                return from_excel(number, self.epoch, timedelta=style in self.durations)
            except (OverflowError, ValueError):
                return "#VALUE!"  # a date out of range: openpyxl's error value
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)  # type: ignore[no-untyped-call]
        return text  # "str" (a formula's text result), "e" (an error such as #N/A)


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)  # some writers put "3.0"
        if not number.is_integer():
            raise
        return int(number)


def first_sheet(archive: zipfile.ZipFile) -> FirstSheet | None:
    """The first worksheet of the workbook (hidden or not, chart sheets skipped), or ``None``
    when it has none. Raises ``NotAWorkbookError`` when the package is not a workbook."""
    documents = [t for _i, kind, t in _rels(archive, "") if kind.endswith(_OFFICE_DOCUMENT)]
    if not documents or documents[0] not in archive.NameToInfo:
        raise NotAWorkbookError("no workbook part (xl/workbook.xml) in the package")
    workbook_part = documents[0]
    workbook = _parse(archive, workbook_part)
    rels = _rels(archive, workbook_part)
    by_id = {rel_id: (kind, target) for rel_id, kind, target in rels}
    epoch = CALENDAR_WINDOWS_1900
    sheet_ids: list[str] = []
    for section in workbook:
        name = _local(section.tag)
        if name == "workbookPr" and section.get("date1904", "").lower() in ("1", "true"):
            epoch = CALENDAR_MAC_1904
        elif name == "sheets":
            sheet_ids = [
                value
                for sheet in section
                for key, value in sheet.attrib.items()
                if _local(key) == "id"
            ]
    part = next(
        (
            by_id[rel_id][1]
            for rel_id in sheet_ids
            if rel_id in by_id
            and by_id[rel_id][0].endswith(_WORKSHEET)
            and by_id[rel_id][1] in archive.NameToInfo
        ),
        None,
    )
    if part is None:
        return None
    # Found by the workbook's relationships; failing that where openpyxl looks for them (the
    # package's content types; the usual name).
    strings = next((t for _i, kind, t in rels if kind.endswith(_SHARED_STRINGS)), None)
    strings = strings or _part_of_type(archive, _SHARED_STRINGS_TYPE)
    styles = next((t for _i, kind, t in rels if kind.endswith(_STYLES)), "xl/styles.xml")
    dates, durations = _date_styles(archive, styles)
    sheet = FirstSheet(
        archive=archive,
        part=part,
        strings=_shared_strings(archive, strings),
        dates=dates,
        durations=durations,
        epoch=epoch,
    )
    sheet._declared_size()
    return sheet
