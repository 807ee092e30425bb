"""The .xlsx reader (``common.xlsx``) gives every import the values openpyxl's read-only,
data-only mode gave it — shared and inline strings, rich text without its phonetic guide, whole
and decimal numbers, dates and times by the cell's number format (1900 and 1904 calendars),
booleans, formula results, errors, missing rows and cells — and, unlike openpyxl, no row or
column is lost to a stale declared dimension. A damaged file is refused by name."""

# ruff: noqa: DTZ001 - a cell's date and time carry no time zone, in Excel as here
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from yusuan.common.errors import BusinessRuleError
from yusuan.common.tabular import Column, read_rows, read_table, write_table

SHEET = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_RELATIONSHIP = (
    b'<Relationship Id="rId9" Target="sharedStrings.xml" Type="http://schemas.openxmlformats.org'
    b'/officeDocument/2006/relationships/sharedStrings"/></Relationships>'
)
SHARED_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)


def _openpyxl_rows(data: bytes) -> list[list[object]]:
    """What the import read before: openpyxl's read-only values, trailing blanks left off."""
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = []
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        cells = list(row)
        while cells and cells[-1] in (None, ""):
            cells.pop()
        rows.append(cells)
    workbook.close()
    return rows


def _saved(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _typed_workbook(*, epoch: dt.datetime | None = None) -> bytes:
    """A workbook as Excel keeps one: shared strings, styles with date formats, a dimension."""
    workbook = Workbook()
    if epoch is not None:
        workbook.epoch = epoch
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["单位编码", "姓名", "参加工作日期", "金额", "人数", "在职", "备注"])
    sheet.append(["102001", "张三", dt.date(2010, 7, 1), 1234.5, 3, True, None])
    sheet.append([102002, "李四", dt.datetime(1999, 12, 31, 8, 30), -0.25, 0, False, "=SUM(D2:D3)"])
    sheet["H2"] = dt.time(9, 15)
    sheet["I2"] = dt.timedelta(hours=30)
    sheet["G4"] = "  两端空格  "  # row 4: only column G; rows 5 and 6 missing
    sheet["A7"] = 1e21
    sheet["B7"] = CellRichText(["王", TextBlock(InlineFont(b=True), "五")])
    sheet["C7"] = dt.date(1900, 2, 28)
    workbook.create_sheet("第二张")["A1"] = "ignored"
    return _saved(workbook)


def _crafted(sheet_xml: str, *, strings: str | None = None) -> bytes:
    """A workbook whose first sheet (and shared strings, named as Excel names them) are
    exactly as written."""
    template = zipfile.ZipFile(io.BytesIO(_saved(Workbook())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as crafted:
        for part in template.infolist():
            data = template.read(part)
            if part.filename == SHEET:
                data = sheet_xml.encode()
            elif strings is not None and part.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", SHARED_RELATIONSHIP)
            elif strings is not None and part.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", SHARED_TYPE)
            crafted.writestr(part.filename, data)
        if strings is not None:
            crafted.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


def _sheet(rows: str, dimension: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData></worksheet>'


@pytest.mark.parametrize("epoch", [None, CALENDAR_MAC_1904], ids=["1900", "1904"])
def test_an_excel_workbook_reads_as_openpyxl_read_it(epoch: dt.datetime | None) -> None:
    data = _typed_workbook(epoch=epoch)
    rows = read_rows(data, "人员.xlsx")
    assert rows == _openpyxl_rows(data)
    assert rows[1][:6] == ["102001", "张三", dt.datetime(2010, 7, 1), 1234.5, 3, True]
    assert rows[1][7:] == [dt.time(9, 15), dt.timedelta(hours=30)]
    # The formula in G3 was never calculated: it has no value to read.
    assert rows[2] == [102002, "李四", dt.datetime(1999, 12, 31, 8, 30), -0.25, 0, False]
    assert rows[3] == [None] * 6 + ["  两端空格  "]
    assert rows[4] == rows[5] == []  # rows the file leaves out are empty rows, numbered on
    assert rows[6] == [1e21, "王五", dt.datetime(1900, 2, 28)]


def test_a_sheet_written_without_cell_references_or_dimension() -> None:
    rows = (
        "<row><c t='inlineStr'><is><t>编码</t></is></c><c t='inlineStr'><is><t>名称</t></is>"
        "</c></row>"
        "<row r='3.0'><c><v>7</v></c><c/><c t='inlineStr'><is><r><t>高等</t></r>"
        "<r><rPr><b/></rPr><t>教育</t></r><rPh sb='0' eb='1'><t>ガ</t></rPh></is></c>"
        "<c t='b'><v>1</v></c><c t='str'><f>A3&amp;\"x\"</f><v>7x</v></c><c t='e'><v>#N/A</v>"
        "</c><c t='inlineStr'><is><t/></is></c><c t='d'><v>2010-07-01T08:00:00</v></c></row>"
    )
    data = _crafted(_sheet(rows))
    assert read_rows(data, "x.xlsx") == _openpyxl_rows(data)
    assert read_rows(data, "x.xlsx") == [
        ["编码", "名称"],
        [],
        [7, None, "高等教育", True, "7x", "#N/A", "", dt.datetime(2010, 7, 1, 8)],
    ]


def test_shared_strings_with_runs_and_phonetic_guides() -> None:
    strings = (
        f'<sst xmlns="{MAIN}" count="3" uniqueCount="3"><si><t>编码</t></si>'
        "<si><r><t>吴江</t></r><r><t>区</t></r><rPh sb='0' eb='1'><t>ウ</t></rPh></si>"
        "<si><t>a_x005F_x000D_b</t></si></sst>"
    )
    rows = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c></row>'
    )
    data = _crafted(_sheet(rows, "A1:C2"), strings=strings)
    assert read_rows(data, "x.xlsx") == _openpyxl_rows(data)
    assert read_rows(data, "x.xlsx")[1] == ["吴江区", None, "a_x000D_b"]


def test_a_stale_dimension_loses_no_row_or_column() -> None:
    # Some writers declare "A1" whatever the sheet holds; openpyxl cut the sheet to it.
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>编码</t></is></c></row>'
        '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row>'
    )
    data = _crafted(_sheet(rows, "A1"))
    assert _openpyxl_rows(data) == [["编码"]]
    assert read_rows(data, "x.xlsx") == [["编码"], [1, 2]]


def test_an_export_reads_back_with_its_row_numbers() -> None:
    columns = [Column("code", "编码", "code"), Column("name", "名称", "name")]
    data = write_table(columns, [["=1+2", "甲"], ["", ""], [3, "乙"]], file_format="xlsx")
    table = read_table(data, "x.xlsx", columns, ["code"])
    assert table.rows == [(2, {"code": "=1+2", "name": "甲"}), (4, {"code": "3", "name": "乙"})]


@pytest.mark.parametrize(
    ("sheet_xml", "strings"),
    [
        pytest.param(_sheet("<row><c><v>1</v></c>"), None, id="broken_xml"),
        pytest.param(_sheet('<row><c t="s"><v>9</v></c></row>'), None, id="no_such_string"),
        pytest.param(_sheet('<row><c t="b"><v>yes</v></c></row>'), None, id="bad_boolean"),
        pytest.param(_sheet('<row r="x"><c><v>1</v></c></row>'), None, id="bad_row_number"),
    ],
)
def test_a_damaged_sheet_is_refused_by_name(sheet_xml: str, strings: str | None) -> None:
    with pytest.raises(BusinessRuleError) as excinfo:
        read_rows(_crafted(sheet_xml, strings=strings), "坏.xlsx")
    [error] = excinfo.value.errors
    assert (error.code, error.field) == ("import.unreadable", "file")
    assert "无法读取 Excel 文件" in error.message_zh


def test_a_package_without_a_workbook_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("readme.txt", "not a workbook")
    with pytest.raises(BusinessRuleError) as excinfo:
        read_rows(out.getvalue(), "x.xlsx")
    assert [e.code for e in excinfo.value.errors] == ["import.unreadable"]
