"""The 绩效目标表 of a project (DOMAIN-2 §7.1, project version): as a page, an Excel sheet and a
one-page A4 PDF.

- Header: the project, its department and unit, and its funds for the budget year and the whole
  period: the total, 财政拨款 (the three government budgets: fund natures 1xx 一般公共预算,
  2xx 政府性基金, 3xx 国有资本经营) and other funds (财政专户, 单位资金…), from the plan's rows.
- The overall goal, medium-term and for the year.
- Indicator rows: level 1 | level 2 | level 3 | operator | target | unit | weight.

The PDF uses the voucher's CID font (STSong-Light, not embedded); every stored value goes through
``_text`` so ReportLab prints it literally (``<font>`` or ``<img src=…>`` stay text). The sheet's
text cells are inert (``common.tabular``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yusuan.common.money import Money
from yusuan.common.tabular import _xlsx_cell as inert_cell
from yusuan.core.models import Organisation
from yusuan.projects.exchange.sheets import LEVEL1_ZH, LEVEL2_ZH, OPERATOR_ZH
from yusuan.projects.models import GoalIndicator, PerformanceGoal, Project
from yusuan.projects.reports import department_of

FONT = "STSong-Light"  # as the payment voucher: a CID font every PDF reader can substitute
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
# 财政拨款: money of the three government budgets (DOMAIN §2.0 fund natures 1/2/3).
FISCAL_PREFIXES = ("1", "2", "3")


@dataclass(frozen=True)
class Funds:
    total_fen: int
    fiscal_fen: int

    @property
    def other_fen(self) -> int:
        return self.total_fen - self.fiscal_fen


@dataclass(frozen=True)
class IndicatorLine:
    level1: str
    level2: str
    name: str
    operator: str
    target: str
    unit: str
    weight: int | None


@dataclass(frozen=True)
class GoalTable:
    project: Project
    department: str
    unit: str
    year: int  # the budget year
    year_funds: Funds
    all_funds: Funds
    medium_term: str
    annual: str
    indicators: list[IndicatorLine]

    @property
    def has_goal(self) -> bool:
        return bool(self.annual or self.indicators)


def _funds(rows: list[tuple[int, str, int]], year: int | None) -> Funds:
    chosen = [(fund, fen) for y, fund, fen in rows if year is None or y == year]
    return Funds(
        total_fen=sum(fen for _, fen in chosen),
        fiscal_fen=sum(fen for fund, fen in chosen if fund.startswith(FISCAL_PREFIXES)),
    )


def goal_table(project: Project) -> GoalTable:
    """The table of a project the caller may open (``selectors.access_project``)."""
    goal = PerformanceGoal.objects.filter(project=project).first()
    indicators: list[GoalIndicator] = list(goal.indicators.all()) if goal else []
    plans = list(project.plans.values_list("year", "fund_type", "amount_fen"))
    department = (
        Organisation.objects.filter(pk=department_of(project.organisation.path))
        .values_list("name", flat=True)
        .first()
    )
    return GoalTable(
        project=project,
        department=department or "",
        unit=project.organisation.name,
        year=project.budget_year,
        year_funds=_funds(plans, project.budget_year),
        all_funds=_funds(plans, None),
        medium_term=goal.medium_term if goal else "",
        annual=goal.annual if goal else "",
        indicators=[
            IndicatorLine(
                LEVEL1_ZH.get(i.level1, i.level1),
                LEVEL2_ZH.get(i.level2, i.level2),
                i.name,
                OPERATOR_ZH.get(i.operator, i.operator),
                i.target,
                i.unit,
                i.weight,
            )
            for i in indicators
        ],
    )


TITLE = "项目支出绩效目标表"
INDICATOR_HEADER = ("一级指标", "二级指标", "三级指标", "指标值符号", "目标值", "计量单位", "权重")


def _yuan(fen: int) -> str:
    return Money(fen).format()


def _header_rows(table: GoalTable) -> list[list[object]]:
    p = table.project
    return [
        ["项目名称", p.name, "项目编码", p.code],
        ["主管部门", table.department, "实施单位", table.unit],
        ["实施期", f"{p.start_year}–{p.end_year}", "预算年度", str(table.year)],
        ["资金（元）", "年度", "实施期", ""],
        ["资金总额", _yuan(table.year_funds.total_fen), _yuan(table.all_funds.total_fen), ""],
        [
            "其中：财政拨款",
            _yuan(table.year_funds.fiscal_fen),
            _yuan(table.all_funds.fiscal_fen),
            "",
        ],
        ["其他资金", _yuan(table.year_funds.other_fen), _yuan(table.all_funds.other_fen), ""],
        ["中期目标", table.medium_term, "", ""],
        ["年度目标", table.annual, "", ""],
    ]


def _indicator_rows(table: GoalTable) -> list[list[object]]:
    return [
        [i.level1, i.level2, i.name, i.operator, i.target, i.unit, i.weight]
        for i in table.indicators
    ]


def goal_table_xlsx(table: GoalTable) -> bytes:
    """The table as one sheet: the header block, then the indicator rows (text cells inert)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("绩效目标表")
    rows: list[list[object]] = [
        [TITLE],
        *_header_rows(table),
        [],
        list(INDICATOR_HEADER),
        *_indicator_rows(table),
    ]
    for row in rows:
        sheet.append([inert_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


TITLE_STYLE = ParagraphStyle("goal-title", fontName=FONT, fontSize=15, leading=20, alignment=1)
CELL = ParagraphStyle("goal-cell", fontName=FONT, fontSize=8.5, leading=10.5)
WIDTH = 186 * mm  # A4 portrait less 12 mm margins


def _text(value: object) -> str:
    """A stored value as Paragraph text that ReportLab prints literally."""
    return escape("" if value is None else str(value))


def _p(value: object) -> Paragraph:
    return Paragraph(_text(value), CELL)


def _style(spans: list[tuple[Any, ...]]) -> TableStyle:
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, 8.5),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            *spans,
        ]
    )


def goal_table_pdf(table: GoalTable) -> bytes:
    """The table on A4 (one page for a goal of a dozen indicators; longer ones flow on)."""
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{TITLE} {table.project.code}",
        author=table.unit,
    )
    header = [[_p(v) for v in row] for row in _header_rows(table)]
    quarter = WIDTH / 4
    head = Table(
        header,
        colWidths=[quarter * 0.8, quarter * 1.2, quarter * 0.8, quarter * 1.2],
        style=_style(
            [
                ("SPAN", (2, 3), (3, 3)),
                ("SPAN", (2, 4), (3, 4)),
                ("SPAN", (2, 5), (3, 5)),
                ("SPAN", (2, 6), (3, 6)),
                ("SPAN", (1, 7), (3, 7)),
                ("SPAN", (1, 8), (3, 8)),
                ("BACKGROUND", (0, 3), (-1, 3), colors.HexColor("#eeeeee")),
            ]
        ),
    )
    body = [
        [_p(v) for v in INDICATOR_HEADER],
        *([_p(v) for v in r] for r in _indicator_rows(table)),
    ]
    widths = [w * mm for w in (20, 24, 58, 18, 30, 20, 16)]
    indicators = Table(
        body,
        colWidths=widths,
        repeatRows=1,
        style=_style([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]),
    )
    document.build(
        [
            Paragraph(TITLE, TITLE_STYLE),
            Paragraph(
                f"（{_text(table.year)} 年度）", ParagraphStyle("sub", parent=CELL, alignment=1)
            ),
            Spacer(1, 4 * mm),
            head,
            Spacer(1, 3 * mm),
            indicators,
        ]
    )
    return out.getvalue()
