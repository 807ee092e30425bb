"""Pages of basic expenditure by quota (R-PJ-5, R-PJ-8; ADR 0044): a unit's 人员经费测算表 and
公用经费测算表 (with the drill-down per person, Excel and PDF), the region's summary on the shared
grid for finance, the compute action and finance's override. A unit sees only its own: another
unit's table is a 404; ID numbers are masked unless the role sees personal data (R-PS-6)."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yusuan.common.errors import BusinessRuleError
from yusuan.common.fields import MoneyField
from yusuan.common.grid import Cell, Grid, GridColumn, grid_download, grid_page
from yusuan.common.masking import id_number_for
from yusuan.common.money import Money
from yusuan.common.tabular import XLSX, Column, write_table
from yusuan.common.web import attachment, flash_business_errors, is_htmx
from yusuan.core.models import Organisation
from yusuan.personnel.choices import PersonState, PersonStatus
from yusuan.projects import basic
from yusuan.projects import basic_selectors as selectors
from yusuan.projects.basic_models import BasicLine
from yusuan.projects.choices import CATEGORY_NAMES, PERSONNEL, PUBLIC_FUNDS
from yusuan.projects.services import basic as service

FONT = "STSong-Light"  # as the payment voucher: a CID font every reader has (offline, P8)
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("basic-title", fontName=FONT, fontSize=14, leading=20, alignment=1)
TEXT = ParagraphStyle("basic-text", fontName=FONT, fontSize=8.5, leading=11)
STATUS = dict(PersonStatus.choices)
STATE = dict(PersonState.choices)
SHEET_COLUMNS = (
    Column("unit", "单位", "Unit"),
    Column("category", "人员类别", "Person category"),
    Column("headcount", "人数", "Headcount"),
    Column("economic", "经济分类款", "Economic class"),
    Column("functional", "功能分类项", "Functional class"),
    Column("item", "项目", "Item"),
    Column("standard", "月标准/定额", "Monthly standard or quota"),
    Column("months", "月数/数量", "Months or count"),
    Column("amount", "全年金额", "Annual amount"),
    Column("basis", "测算依据", "Basis"),
)
TITLES = {PERSONNEL: "人员经费测算表", PUBLIC_FUNDS: "公用经费测算表"}


def year_of(raw: str) -> int:
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year + 1  # the budget year prepared this year


def _year(request: HttpRequest) -> int:
    return year_of(request.GET.get("year", ""))


def _rate(bp: int) -> str:
    return f"{Money(bp).format()}%"


def basis_text(line: BasicLine) -> str:
    """The row's basis in words (what the 测算表 prints)."""
    name = basic.CLASS_NAMES.get(line.economic_code, line.economic_code)
    if line.economic_code == "30228":
        wage = Money(int(str(line.basis.get("wage_bill", 0)))).format()
        return f"工资总额 {wage} 元 × {_rate(line.rate_bp)}"
    if line.rate_bp:
        base = Money(int(str(line.basis.get("base", 0)))).format()
        return f"月缴费基数合计 {base} 元 × {_rate(line.rate_bp)} × 12"
    if line.category == PUBLIC_FUNDS:
        counted = line.basis.get("headcount") or ""
        return f"{Money(line.standard_fen).format()} 元 × {line.multiplier} {counted}".strip()
    if line.label == "年终一次性奖金":
        return f"月基本工资 × {line.multiplier} 个月"
    return f"{name}月标准 × {line.multiplier}"


def sheet_rows(sheet: selectors.UnitSheet, category: str) -> list[list[object]]:
    unit = f"{sheet.organisation.code} {sheet.organisation.name}"
    return [
        [
            unit,
            str(STATUS.get(line.status, "")) if line.status else "—",
            line.headcount,
            f"{line.economic_code} {basic.CLASS_NAMES.get(line.economic_code, '')}",
            line.functional_code or "（未设置）",
            line.label,
            Money(line.standard_fen).format(),
            line.multiplier or "",
            Money(line.amount_fen).format(),
            basis_text(line),
        ]
        for line in sheet.of(category)
    ]


@login_required
@permission_required("projects.view_project", raise_exception=True)
def basic_unit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Any = request.user
    unit = selectors.access_unit(actor=actor, organisation_id=organisation_id)
    year = _year(request)
    sheet = selectors.unit_sheet(actor=actor, organisation=unit, fiscal_year=year)
    export = request.GET.get("export", "")
    if export == "xlsx" and sheet.run is not None:
        rows = [*sheet_rows(sheet, PERSONNEL), *sheet_rows(sheet, PUBLIC_FUNDS)]
        data = write_table(SHEET_COLUMNS, rows, file_format="xlsx", sheet_title="基本支出测算表")
        return attachment(data, f"basic-{unit.code}-{year}.xlsx", XLSX)
    if export == "pdf" and sheet.run is not None:
        return attachment(sheet_pdf(sheet), f"basic-{unit.code}-{year}.pdf", "application/pdf")
    changes = (
        [c for c in sheet.run.changes if c.get("organisation_id") == unit.pk]
        if sheet.run is not None
        else []
    )
    context = {
        "unit": unit,
        "year": year,
        "sheet": sheet,
        "tables": [
            (
                category,
                TITLES[category],
                list(zip(sheet.of(category), sheet_rows(sheet, category), strict=True)),
                sheet.computed.get(category, 0),
                sheet.overrides.get(category),
                sheet.figure(category),
                sheet.projects.get(category),
            )
            for category in (PERSONNEL, PUBLIC_FUNDS)
        ],
        "changes": [(CATEGORY_NAMES.get(c["category"], ""), c) for c in changes],
        "history": selectors.override_history(actor=actor, organisation=unit, fiscal_year=year),
        "may_override": actor.has_perm("projects.override_basic"),
    }
    return render(request, "projects/basic/unit.html", context)


@login_required
@permission_required("projects.view_project", raise_exception=True)
def basic_people(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """The drill-down: a row per person and line (R-PS-6: ID numbers masked for most roles)."""
    actor: Any = request.user
    unit = selectors.access_unit(actor=actor, organisation_id=organisation_id)
    year = _year(request)
    run = selectors.current_run(mof_div_code=unit.mof_div_code, fiscal_year=year)
    people = (
        [
            (
                row,
                id_number_for(actor, row.id_number),
                str(STATUS.get(row.status, row.status)),
                str(STATE.get(row.state, row.state)),
                amounts,
                sum(a.amount for a in amounts),
            )
            for row, amounts in selectors.person_rows(actor=actor, organisation=unit, run=run)
        ]
        if run is not None
        else []
    )
    context = {"unit": unit, "year": year, "run": run, "people": people, "names": basic.CLASS_NAMES}
    return render(request, "projects/basic/people.html", context)


def _unit_cell(unit: Organisation) -> Cell:
    url = reverse("projects:basic_unit", args=[unit.pk])
    return Cell(unit.name, url=f"{url}?year={unit.basic_year}")  # type: ignore[attr-defined]


def _override_cell(unit: Organisation) -> Cell:
    figures = unit.basic_overrides  # type: ignore[attr-defined]
    shown = [
        f"{CATEGORY_NAMES[c]} {Money(figures[c]).format()}"
        for c in (PERSONNEL, PUBLIC_FUNDS)
        if c in figures
    ]
    return Cell("；".join(shown) or "—")


SUMMARY_GRID = Grid(
    name="projects.basic",
    sheet_title="基本支出测算汇总",
    default_order=("code",),
    row_key=lambda unit: str(unit.code),
    row_testid="basic-unit",
    columns=(
        GridColumn("code", gettext_lazy("Code"), lambda u: Cell(u.code), order_by="code"),
        GridColumn("unit", gettext_lazy("Unit"), _unit_cell, order_by="name"),
        GridColumn("personnel", gettext_lazy("Personnel, computed (yuan)"), order_by="personnel"),
        GridColumn("public", gettext_lazy("Public funds, computed (yuan)"), order_by="public"),
        GridColumn("overrides", gettext_lazy("Set by finance"), _override_cell),
    ),
)


@login_required
@permission_required("projects.view_project", raise_exception=True)
def basic_summary(request: HttpRequest) -> HttpResponse:
    """Units × totals of the year's computation in force, for finance (scoped for others)."""
    actor: Any = request.user
    year = _year(request)
    mof_div_code = actor.organisation.mof_div_code
    run = (
        selectors.current_run(mof_div_code=mof_div_code, fiscal_year=year) if mof_div_code else None
    )
    context: dict[str, Any] = {"year": year, "run": run, "may_compute": False}
    context["may_compute"] = actor.has_perm("projects.compute_basic")
    if run is None:
        return render(request, "projects/basic/summary.html", context)
    overrides = selectors.overrides_in_force(mof_div_code=run.mof_div_code, fiscal_year=year)
    queryset = selectors.summary_queryset(actor=actor, run=run)

    def prepare(units: list[Organisation]) -> list[Organisation]:
        for unit in units:
            unit.basic_year = year  # type: ignore[attr-defined]
            unit.basic_overrides = {  # type: ignore[attr-defined]
                c: overrides[(unit.pk, c)]
                for c in (PERSONNEL, PUBLIC_FUNDS)
                if (unit.pk, c) in overrides
            }
        return units

    if request.GET.get("export") == "xlsx":
        return grid_download(request, SUMMARY_GRID, queryset, f"basic-{year}.xlsx", prepare=prepare)
    names = dict(
        Organisation.objects.filter(
            pk__in=[c["organisation_id"] for c in run.changes[:50]]
        ).values_list("pk", "name")
    )
    context.update(
        g=grid_page(request, SUMMARY_GRID, queryset, prepare=prepare),
        params=request.GET,
        changes=[
            (names.get(c["organisation_id"], ""), CATEGORY_NAMES.get(c["category"], ""), c)
            for c in run.changes[:50]
        ],
        more_changes=max(0, len(run.changes) - 50),
    )
    template = (
        "projects/basic/summary_rows.html" if is_htmx(request) else "projects/basic/summary.html"
    )
    return render(request, template, context)


@login_required
@require_POST
@permission_required("projects.compute_basic", raise_exception=True)
def basic_compute_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    year = year_of(request.POST.get("year", ""))
    try:
        outcome = service.basic_compute(
            actor=actor, mof_div_code=actor.organisation.mof_div_code, fiscal_year=year
        )
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        if outcome.new_version:
            messages.success(
                request,
                _(
                    "Computed: version %(version)s, %(changed)s figures changed, "
                    "%(created)s projects made, %(updated)s moved."
                )
                % {
                    "version": outcome.run.version,
                    "changed": len(outcome.run.changes),
                    "created": outcome.created,
                    "updated": outcome.updated,
                },
            )
        else:
            messages.info(
                request,
                _("Nothing changed since version %(version)s.") % {"version": outcome.run.version},
            )
        if outcome.kept:
            messages.warning(
                request,
                _("%(n)s budgeted projects were left as they are (R-PS-4: 追加/追减).")
                % {"n": len(outcome.kept)},
            )
    return redirect(f"{reverse('projects:basic_summary')}?year={year}")


@login_required
@require_POST
@permission_required("projects.override_basic", raise_exception=True)
def basic_override_view(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor: Any = request.user
    unit = selectors.access_unit(actor=actor, organisation_id=organisation_id)
    year = year_of(request.POST.get("year", ""))
    raw = request.POST.get("amount", "").strip()
    try:  # the form field's parser: its message names the value and the limit (DESIGN §6)
        amount = MoneyField(required=False).clean(raw)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('projects:basic_unit', args=[unit.pk])}?year={year}")
    try:
        service.basic_override(
            actor=actor,
            organisation=unit,
            fiscal_year=year,
            category=request.POST.get("category", ""),
            amount=amount,
            reason=request.POST.get("reason", ""),
        )
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("The figure is recorded beside the computed one."))
    return redirect(f"{reverse('projects:basic_unit', args=[unit.pk])}?year={year}")


# --- PDF ------------------------------------------------------------------------------------------


def _p(value: object) -> Paragraph:
    """A stored value printed literally: ReportLab markup in a name stays text."""
    return Paragraph(escape(str(value)), TEXT)


def sheet_pdf(sheet: selectors.UnitSheet) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=10 * mm,
        bottomMargin=10 * mm,
        title="基本支出测算表",
    )
    story: list[Any] = []
    run = sheet.run
    assert run is not None
    header = [c.zh for c in SHEET_COLUMNS[1:]]
    widths = [28 * mm, 12 * mm, 40 * mm, 20 * mm, 32 * mm, 26 * mm, 16 * mm, 28 * mm, 75 * mm]
    for category in (PERSONNEL, PUBLIC_FUNDS):
        story.append(Paragraph(escape(f"{run.fiscal_year} 年度{TITLES[category]}"), TITLE))
        story.append(
            _p(
                f"单位：{sheet.organisation.code} {sheet.organisation.name}　"
                f"人员库快照第 {run.snapshot_version} 版　测算第 {run.version} 版　"
                f"测算数 {Money(sheet.computed.get(category, 0)).format()} 元　"
                f"采用数 {Money(sheet.figure(category)).format()} 元"
            )
        )
        story.append(Spacer(1, 4 * mm))
        rows = [header] + [[_p(v) for v in row[1:]] for row in sheet_rows(sheet, category)]
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 8),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [table, Spacer(1, 8 * mm)]
    document.build(story)
    return buffer.getvalue()
