"""Printed tables of figures: the department budget tables (部门预算公开表) and the unit's
accounting statements (会计报表) are the same thing on paper — a numbered title, a heading line
(who, which year, 单位：元), sections of labelled rows with amount columns — and are shown, exported
to Excel and printed to PDF the same way.

Amounts are integer fen; they become yuan only here, at the edge (DESIGN §5). Stored text (a unit
or project name) is written inert: escaped in the page and the PDF, quote-prefixed in Excel.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yusuan.common.money import Money
from yusuan.common.tabular import Column, write_table

FONT = "STSong-Light"  # the CID font of the vouchers and the 测算表: every reader has it (P8)
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("report-title", fontName=FONT, fontSize=14, leading=20, alignment=1)
TEXT = ParagraphStyle("report-text", fontName=FONT, fontSize=8, leading=10)
INDENT = "\u3000"  # an ideographic space per level of a row, in Excel and PDF
NO_DATA = "本表无数据"


@dataclass(frozen=True)
class Row:
    code: str
    label: str
    amounts: tuple[int, ...]
    level: int = 0  # indent: 类 0, 款 1, 项 2; 其中 rows 1
    key: str = ""  # how checks find it: "total", "class:201", "assets_total", …
    strong: bool = False  # a total or subtotal
    extra: tuple[str, ...] = ()  # more text columns (the project table's unit)
    link: str = ""  # where the row leads (a project's 绩效目标表, an account's ledger)


@dataclass(frozen=True)
class Section:
    title: str
    text_columns: tuple[str, ...]  # one: the label only; two or more: code, label, extra…
    columns: tuple[str, ...]  # the amount columns, in yuan
    rows: tuple[Row, ...]
    linked: bool = False  # rows' links go in a column of their own (else on the label)

    def texts(self, row: Row) -> tuple[str, ...]:
        if len(self.text_columns) == 1:
            return (row.label,)
        return (row.code, row.label, *row.extra)

    def row(self, key: str) -> Row | None:
        return next((r for r in self.rows if r.key == key), None)

    def amount(self, key: str, column: int = 0) -> int:
        found = self.row(key)
        return found.amounts[column] if found is not None else 0


@dataclass(frozen=True)
class ReportTable:
    key: str
    number: str  # 表1, 附表, 会政财01表 …
    title: str
    sections: tuple[Section, ...]
    empty_note: str = ""

    @property
    def empty(self) -> bool:
        return not any(any(r.amounts) for s in self.sections for r in s.rows)

    def amount(self, key: str, column: int = 0) -> int:
        """A row's amount, whichever section holds it (0 when no section does)."""
        for section in self.sections:
            if section.row(key) is not None:
                return section.amount(key, column)
        return 0


def display(section: Section) -> dict[str, Any]:
    """A section as the page shows it (template ``common/report_sections.html``)."""
    return {
        "title": section.title,
        "headings": section.text_columns,
        "columns": [f"{c}（元）" for c in section.columns],  # every amount header says 元 once
        "linked": section.linked,
        "label_at": 0 if len(section.text_columns) == 1 else 1,  # the text a row indents
        "rows": [
            {
                "texts": section.texts(row),
                "amounts": row.amounts,
                "level": row.level,
                "strong": row.strong,
                "link": row.link,
                "key": row.key,
            }
            for row in section.rows
        ],
    }


def _texts(section: Section, row: Row) -> list[str]:
    texts = list(section.texts(row))
    label = 0 if len(texts) == 1 else 1
    texts[label] = INDENT * row.level + texts[label]
    return texts


def to_xlsx(table: ReportTable, heading: str, *, footer: tuple[str, ...] = ()) -> bytes:
    """The table as a sheet: its title as the header, the heading line, then each section's
    column headings and rows; amounts are numbers (yuan), text is written inert."""
    width = max(len(s.text_columns) + len(s.columns) for s in table.sections)
    columns = [Column(f"c{i}", "", "") for i in range(width)]
    columns[0] = Column("c0", f"{table.number} {table.title}", f"{table.number} {table.title}")
    rows: list[list[object]] = [[heading]]
    if table.empty:
        rows += [[NO_DATA], [table.empty_note]]
    else:
        for section in table.sections:
            if section.title:
                rows.append([section.title])
            rows.append([*section.text_columns, *section.columns])
            rows += [
                [*_texts(section, row), *(Money(v).to_yuan() for v in row.amounts)]
                for row in section.rows
            ]
    rows += [[line] for line in footer]
    return write_table(columns, rows, file_format="xlsx", sheet_title=table.number[:31])


def _p(value: object) -> Paragraph:
    """Stored text printed literally: ReportLab markup in a name stays text."""
    return Paragraph(escape(str(value)), TEXT)


def _widths(section: Section, usable: float) -> list[float]:
    """The label gets room, a code less; the amounts share what is left (at least 18 mm)."""
    if len(section.text_columns) == 1:
        texts = [80 * mm]
    else:
        texts = [25 * mm, 60 * mm] + [45 * mm] * (len(section.text_columns) - 2)
    count = max(len(section.columns), 1)
    return texts + [max(18 * mm, (usable - sum(texts)) / count)] * len(section.columns)


def to_pdf(table: ReportTable, heading: str, *, footer: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    pagesize = landscape(A4)
    document = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title=f"{table.number} {table.title}",
    )
    story: list[Any] = [
        Paragraph(escape(f"{table.number} {table.title}"), TITLE),
        _p(heading),
        Spacer(1, 4 * mm),
    ]
    if table.empty:
        story += [_p(NO_DATA), _p(table.empty_note)]
    for section in () if table.empty else table.sections:
        if section.title:
            story.append(_p(section.title))
        header = [*section.text_columns, *section.columns]
        body = [
            [*(_p(t) for t in _texts(section, row)), *(Money(v).format() for v in row.amounts)]
            for row in section.rows
        ]
        grid = Table(
            [header, *body],
            colWidths=_widths(section, pagesize[0] - 20 * mm),
            repeatRows=1,
        )
        first_amount = len(section.text_columns)
        style = [
            ("FONT", (0, 0), (-1, -1), FONT, 7.5),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (first_amount, 1), (-1, -1), "RIGHT"),
        ]
        style += [
            ("BACKGROUND", (0, i), (-1, i), colors.HexColor("#f6f6f6"))
            for i, row in enumerate(section.rows, start=1)
            if row.strong
        ]
        grid.setStyle(TableStyle(style))
        story += [grid, Spacer(1, 6 * mm)]
    story += [_p(line) for line in footer]
    document.build(story)
    return buffer.getvalue()
