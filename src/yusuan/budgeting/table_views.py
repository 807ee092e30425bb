"""The department budget tables' pages (部门预算公开表; DOMAIN-2 §4.3): an index for a round, an
organisation (a unit, a department, or the finance bureau for the district) and a stage, listing
the tables with the result of their cross-checks; one page per table, as Excel
(``?export=xlsx``, through ``yusuan.common.tabular``, formula text made inert) and PDF
(``?export=pdf``). A unit sees its own tables, a department its own and its units', finance the
district's: anything else is a 404."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yusuan.budgeting import selectors, tables
from yusuan.budgeting.models import BudgetRound
from yusuan.common.errors import NotFoundError
from yusuan.common.money import Money
from yusuan.common.tabular import XLSX, Column, write_table
from yusuan.common.web import attachment
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation

VIEW = "budgeting.view_budgetround"
FINANCE_KINDS = (OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_DIVISION)
FONT = "STSong-Light"  # the CID font of the vouchers and the 测算表: every reader has it (P8)
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("table-title", fontName=FONT, fontSize=14, leading=20, alignment=1)
TEXT = ParagraphStyle("table-text", fontName=FONT, fontSize=8, leading=10)
INDENT = "\u3000"  # an ideographic space per level of a 款 or 项 row, in Excel and PDF


def _round(actor: Any, pk: int) -> BudgetRound:
    try:
        return selectors.access_round(actor, pk)
    except NotFoundError as exc:
        raise Http404 from exc


def _subject(
    request: HttpRequest, budget_round: BudgetRound, organisation_id: int
) -> tables.Subject:
    try:
        return tables.access_subject(
            request.user,  # type: ignore[arg-type]
            budget_round,
            organisation_id,
            request.GET.get("level", ""),
        )
    except NotFoundError as exc:
        raise Http404 from exc


def _stage(request: HttpRequest, present: set[str]) -> str:
    wanted = request.GET.get("stage", "")
    return wanted if wanted in tables.STAGES else tables.default_stage(present)


def _query(subject: tables.Subject, stage: str) -> str:
    params = {"stage": stage}
    if subject.organisation.kind == OrganisationKind.DEPARTMENT and subject.level == tables.UNIT:
        params["level"] = tables.UNIT
    return urlencode(params)


def _below(actor: Any, budget_round: BudgetRound, subject: tables.Subject) -> list[Organisation]:
    """Whose tables the subject's page leads down to: the district's departments, a
    department's units."""
    found = Organisation.objects.visible_to(actor).filter(mof_div_code=budget_round.mof_div_code)
    if subject.level == tables.DISTRICT:
        return list(found.filter(kind=OrganisationKind.DEPARTMENT).order_by("code"))
    if subject.organisation.kind == OrganisationKind.DEPARTMENT:
        return list(
            found.filter(
                kind=OrganisationKind.UNIT, path__startswith=subject.organisation.path
            ).order_by("code")
        )
    return []


def _departments_only(request: HttpRequest, budget_round: BudgetRound) -> HttpResponse:
    """A sector division (finance, not region-wide) has no district tables: it picks one of
    the departments it supervises."""
    actor: Any = request.user
    departments = list(
        Organisation.objects.visible_to(actor)
        .filter(mof_div_code=budget_round.mof_div_code, kind=OrganisationKind.DEPARTMENT)
        .order_by("code")
    )
    return render(
        request,
        "budgeting/tables/index.html",
        {"round": budget_round, "subject": None, "below": departments},
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def tables_index(request: HttpRequest, pk: int, organisation_id: int) -> HttpResponse:
    actor: Any = request.user
    budget_round = _round(actor, pk)
    own = getattr(actor, "organisation", None)
    if (
        own is not None
        and own.pk == organisation_id
        and own.kind in FINANCE_KINDS
        and not actor.scope.is_region_wide
    ):
        return _departments_only(request, budget_round)
    subject = _subject(request, budget_round, organisation_id)
    present = tables.stages_present(actor, budget_round, subject)
    stage = _stage(request, present)
    found = tables.tables_for(actor, budget_round, subject, stage)
    return render(
        request,
        "budgeting/tables/index.html",
        {
            "round": budget_round,
            "subject": subject,
            "level_name": tables.LEVELS[subject.level],
            "stage": stage,
            "stages": [(k, v, k in present) for k, v in tables.STAGES.items()],
            "tables": [found[k] for k in tables.TABLE_KEYS],
            "checks": tables.table_checks(found),
            "query": _query(subject, stage),
            "below": _below(actor, budget_round, subject),
            "is_department": subject.organisation.kind == OrganisationKind.DEPARTMENT,
        },
    )


def _display(section: tables.Section) -> dict[str, Any]:
    """A section as the page shows it: headings, and each row's texts and amounts."""
    return {
        "title": section.title,
        "headings": section.text_columns,
        "columns": [f"{c}（元）" for c in section.columns],  # every amount header says 元 once
        "linked": section.linked,
        "label_at": 0 if len(section.text_columns) == 1 else 1,  # the text a 款 or 项 indents
        "rows": [
            {
                "texts": section.texts(row),
                "amounts": row.amounts,
                "level": row.level,
                "strong": row.strong,
                "link": row.link,
            }
            for row in section.rows
        ],
    }


@login_required
@permission_required(VIEW, raise_exception=True)
def table_detail(request: HttpRequest, pk: int, organisation_id: int, table: str) -> HttpResponse:
    actor: Any = request.user
    if table not in tables.TABLE_KEYS:
        raise Http404
    budget_round = _round(actor, pk)
    subject = _subject(request, budget_round, organisation_id)
    wanted = request.GET.get("stage", "")
    stage = (
        wanted
        if wanted in tables.STAGES
        else tables.default_stage(tables.stages_present(actor, budget_round, subject))
    )
    source = tables.load(actor, budget_round, subject, stage)
    found = tables.BUILDERS[table](source)
    name = f"budget-table-{table}-{subject.organisation.code}-{budget_round.fiscal_year}-{stage}"
    export = request.GET.get("export", "")
    if export == "xlsx":
        return attachment(table_xlsx(found, source), f"{name}.xlsx", XLSX)
    if export == "pdf":
        return attachment(table_pdf(found, source), f"{name}.pdf", "application/pdf")
    return render(
        request,
        "budgeting/tables/table.html",
        {
            "round": budget_round,
            "subject": subject,
            "level_name": tables.LEVELS[subject.level],
            "stage": stage,
            "stage_name": tables.STAGES[stage],
            "table": found,
            "sections": [_display(s) for s in found.sections],
            "query": _query(subject, stage),
            "no_data": tables.NO_DATA,
        },
    )


# --- Excel and PDF --------------------------------------------------------------------------------


def _heading(table: tables.BudgetTable, source: tables.Source) -> str:
    return (
        f"编制单位：{source.subject_name}　{source.fiscal_year} 年度　"
        f"{tables.STAGES[source.stage]}　单位：元"
    )


def _texts(section: tables.Section, row: tables.Row) -> list[str]:
    texts = list(section.texts(row))
    label = 0 if len(texts) == 1 else 1
    texts[label] = INDENT * row.level + texts[label]
    return texts


def table_xlsx(table: tables.BudgetTable, source: tables.Source) -> bytes:
    """The table as a sheet: its title as the header, the heading line, then each section's
    column headings and rows; amounts are numbers (yuan), text is written inert."""
    width = max(len(s.text_columns) + len(s.columns) for s in table.sections)
    columns = [Column(f"c{i}", "", "") for i in range(width)]
    columns[0] = Column("c0", f"{table.number} {table.title}", f"{table.number} {table.title}")
    rows: list[list[object]] = [[_heading(table, source)]]
    if table.empty:
        rows += [[tables.NO_DATA], [table.empty_note]]
    else:
        for section in table.sections:
            if section.title:
                rows.append([section.title])
            rows.append([*section.text_columns, *section.columns])
            rows += [
                [*_texts(section, row), *(Money(v).to_yuan() for v in row.amounts)]
                for row in section.rows
            ]
    return write_table(columns, rows, file_format="xlsx", sheet_title=table.number)


def _p(value: object) -> Paragraph:
    """Stored text printed literally: ReportLab markup in a name stays text."""
    return Paragraph(escape(str(value)), TEXT)


def _widths(section: tables.Section, usable: float) -> list[float]:
    """The label gets room, a code less; the amounts share what is left (at least 18 mm)."""
    if len(section.text_columns) == 1:
        texts = [80 * mm]
    else:
        texts = [25 * mm, 60 * mm] + [45 * mm] * (len(section.text_columns) - 2)
    count = max(len(section.columns), 1)
    return texts + [max(18 * mm, (usable - sum(texts)) / count)] * len(section.columns)


def table_pdf(table: tables.BudgetTable, source: tables.Source) -> bytes:
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
        _p(_heading(table, source)),
        Spacer(1, 4 * mm),
    ]
    if table.empty:
        story += [_p(tables.NO_DATA), _p(table.empty_note)]
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
    document.build(story)
    return buffer.getvalue()
