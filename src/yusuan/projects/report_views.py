"""Pages of the project library's reports (DOMAIN-2 §2.3, §7.1; issue 17 items 1–2): the library
list on the data grid, 储备项目汇总, the projects by state, the three-year rolling plan, the
declaration workbook (import with every bad row named, template, export) and each project's
绩效目标表 (page, Excel, PDF).

A report is built once as a :class:`ReportTable` (its columns and rows of cells), which the page
shows and ``?export=xlsx`` writes, so the file is what the page says. Every figure links down to
the library list filtered to the projects it adds up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yusuan.common.errors import BusinessRuleError
from yusuan.common.grid import grid_download, grid_page
from yusuan.common.money import Money
from yusuan.common.tabular import XLSX, Column, write_table
from yusuan.common.uploads import upload_bytes
from yusuan.common.web import attachment, is_htmx
from yusuan.core.forms import ImportForm
from yusuan.projects import exchange, reports, selectors
from yusuan.projects.choices import ProjectState
from yusuan.projects.goal_table import goal_table, goal_table_pdf, goal_table_xlsx
from yusuan.projects.list_grid import prepare, project_grid

VIEW = "projects.view_project"
ADD = "projects.add_project"


# --- the library list -----------------------------------------------------------------------------


def _list_context(request: HttpRequest) -> tuple[dict[str, Any], Any, int, list[Any]]:
    actor: Any = request.user
    filters, year, errors = reports.read_filters(request.GET)
    y = reports.report_year(actor=actor, given=year, filters=filters)
    context: dict[str, Any] = {
        "filters": filters,
        "year": y,
        "states": ProjectState.choices,
        "fundings": (
            ("library", _("In the library")),
            ("funded", _("Funded")),
            ("unfunded", _("Waiting for money")),
        ),
        "filter_errors": {e.field: e.message(get_language()) for e in errors},
        "reports": _report_links(),
    }
    return context, filters, y, errors


def project_list_page(request: HttpRequest) -> HttpResponse:
    """项目库清单 (DOMAIN-2 §2.3) on the data grid; ``projects:project_list``'s body. A filter that
    is no value is a 422 naming it, with no rows (as the payment requests' list)."""
    actor: Any = request.user
    context, filters, year, errors = _list_context(request)
    if errors:
        return render(request, "projects/project_list.html", context, status=422)
    grid = project_grid(year)
    queryset = reports.library_list(actor=actor, filters=filters, year=year)
    if request.GET.get("export") == "xlsx":
        return grid_download(request, grid, queryset, "project-library.xlsx", prepare=prepare)
    context["g"] = grid_page(request, grid, queryset, prepare=prepare)
    context["export_url"] = reverse("projects:declarations_export") + "?" + request.GET.urlencode()
    if is_htmx(request):
        return render(request, "projects/project_list_rows.html", context)
    return render(request, "projects/project_list.html", context)


# --- report tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportCell:
    text: str
    value: object = None  # what the Excel file holds (a number for figures)
    url: str = ""
    numeric: bool = False


@dataclass
class ReportRow:
    cells: list[ReportCell]
    kind: str = ""  # "", "subtotal" or "total"


@dataclass
class ReportTable:
    title: str
    columns: list[str]
    rows: list[ReportRow] = field(default_factory=list)
    numeric_from: int = 2  # the first column holding figures

    def xlsx(self) -> bytes:
        return write_table(
            [Column(f"c{i}", label, label) for i, label in enumerate(self.columns)],
            ([c.value if c.value is not None else c.text for c in row.cells] for row in self.rows),
            file_format="xlsx",
            sheet_title=self.title[:31],
        )


def _list_url(**params: object) -> str:
    kept = {k: str(v) for k, v in params.items() if v not in ("", None)}
    return reverse("projects:project_list") + "?" + urlencode(kept)


def _money(fen: int, url: str = "") -> ReportCell:
    return ReportCell(Money(fen).format(), Money(fen).to_yuan(), url, numeric=True)


def _count(n: int, url: str = "") -> ReportCell:
    return ReportCell(str(n), n, url, numeric=True)


def _report_links() -> list[tuple[str, str]]:
    return [
        (reverse("projects:project_list"), _("Project library list")),
        (reverse("projects:report_reserve"), _("Reserve projects summary")),
        (reverse("projects:report_states"), _("Projects by state")),
        (reverse("projects:report_rolling"), _("Three-year rolling plan")),
    ]


def _label(row: reports.SummaryRow) -> tuple[ReportCell, ReportCell]:
    if row.category:
        return ReportCell(row.department.name), ReportCell(row.category_name)
    return ReportCell(_("Subtotal") + " · " + row.department.name), ReportCell("")


def reserve_table(summary: reports.Summary) -> ReportTable:
    """储备项目汇总: counts and amounts in the library, funded and waiting, and the gap for Y."""
    y = summary.year
    table = ReportTable(
        title=_("Reserve projects summary"),
        columns=[
            _("Department"),
            _("Project category"),
            _("In the library (projects)"),
            _("In the library (yuan)"),
            _("Funded (projects)"),
            _("Funded (yuan)"),
            _("Waiting for money (projects)"),
            _("Waiting for money (yuan)"),
            _("Funding gap %(year)s (yuan)") % {"year": y},
        ],
    )

    def cells(figures: reports.Figures, department: str, category: str) -> list[ReportCell]:
        link = {"department": department, "category": category, "year": y}
        return [
            _count(figures.count("library"), _list_url(funding="library", **link)),
            _money(figures.amount("library"), _list_url(funding="library", **link)),
            _count(figures.count("funded"), _list_url(funding="funded", **link)),
            _money(figures.amount("funded"), _list_url(funding="funded", **link)),
            _count(figures.count("unfunded"), _list_url(funding="unfunded", **link)),
            _money(figures.amount("unfunded"), _list_url(funding="unfunded", **link)),
            _money(figures.amount("gap"), _list_url(funding="unfunded", **link)),
        ]

    return _filled(table, summary, cells)


def _filled(
    table: ReportTable,
    summary: reports.Summary,
    cells: Callable[[reports.Figures, str, str], list[ReportCell]],
) -> ReportTable:
    """A department × category summary's rows (department subtotals marked), then the total."""
    for row in summary.rows:
        table.rows.append(
            ReportRow(
                [*_label(row), *cells(row.figures, row.department.code, row.category)],
                "" if row.category else "subtotal",
            )
        )
    table.rows.append(
        ReportRow(
            [
                ReportCell(pgettext("report row", "Total")),
                ReportCell(""),
                *cells(summary.total, "", ""),
            ],
            "total",
        )
    )
    return table


def rolling_table(summary: reports.Summary) -> ReportTable:
    """中期财政规划: Σ of the library's plans for Y, Y+1, Y+2 by department × category."""
    y = summary.year
    table = ReportTable(
        title=_("Three-year rolling plan"),
        columns=[
            _("Department"),
            _("Project category"),
            _("Projects"),
            *(_("Plan %(year)s (yuan)") % {"year": y + i} for i in range(reports.YEARS_SHOWN)),
            _("Three years (yuan)"),
        ],
    )

    def cells(figures: reports.Figures, department: str, category: str) -> list[ReportCell]:
        url = _list_url(funding="library", department=department, category=category, year=y)
        return [
            _count(figures.count("projects"), url),
            *(_money(figures.amount(f"y{i}"), url) for i in range(reports.YEARS_SHOWN)),
            _money(figures.amount("all"), url),
        ]

    return _filled(table, summary, cells)


def states_table(rows: Sequence[reports.StateRow], total: reports.StateRow, y: int) -> ReportTable:
    table = ReportTable(
        title=_("Projects by state"),
        columns=[
            _("State"),
            _("Projects"),
            _("Total (yuan)"),
            _("Plan %(year)s (yuan)") % {"year": y},
        ],
        numeric_from=1,
    )
    for row in [*rows, total]:
        url = _list_url(state=row.state, year=y)
        table.rows.append(
            ReportRow(
                [
                    ReportCell(row.label or pgettext("report row", "Total")),
                    _count(row.count, url),
                    _money(row.total_fen, url),
                    _money(row.plan_fen, url),
                ],
                "" if row.state else "total",
            )
        )
    return table


def _report(
    request: HttpRequest, build: Callable[[Any, int], ReportTable], filename: str
) -> HttpResponse:
    actor: Any = request.user
    _filters, year, errors = reports.read_filters({"year": request.GET.get("year", "")})
    y = reports.report_year(actor=actor, given=year)
    table = build(actor, y)
    if not errors and request.GET.get("export") == "xlsx":
        return attachment(table.xlsx(), f"{filename}-{y}.xlsx", XLSX)
    context = {
        "table": table,
        "year": y,
        "reports": _report_links(),
        "filter_errors": {e.field: e.message(get_language()) for e in errors},
    }
    return render(request, "projects/reports/report.html", context, status=422 if errors else 200)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def report_reserve(request: HttpRequest) -> HttpResponse:
    return _report(
        request,
        lambda actor, y: reserve_table(reports.reserve_summary(actor=actor, year=y)),
        "reserve-projects",
    )


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def report_states(request: HttpRequest) -> HttpResponse:
    return _report(
        request,
        lambda actor, y: states_table(*reports.state_summary(actor=actor, year=y), y),
        "projects-by-state",
    )


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def report_rolling(request: HttpRequest) -> HttpResponse:
    return _report(
        request,
        lambda actor, y: rolling_table(reports.rolling_plan(actor=actor, year=y)),
        "rolling-plan",
    )


# --- 绩效目标表 -------------------------------------------------------------------------------------


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def goal_table_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's 绩效目标表 (DOMAIN-2 §7.1); ``?export=xlsx`` or ``?export=pdf``. Another
    unit's project is a 404."""
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    table = goal_table(project)
    export = request.GET.get("export", "")
    if export == "xlsx":
        return attachment(goal_table_xlsx(table), f"goal-{project.code}.xlsx", XLSX)
    if export == "pdf":
        response = HttpResponse(goal_table_pdf(table), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="goal-{project.code}.pdf"'
        return response
    return render(request, "projects/reports/goal_table.html", {"t": table, "project": project})


# --- the declaration workbook ---------------------------------------------------------------------


@login_required
@permission_required(ADD, raise_exception=True)
def declarations_import(request: HttpRequest) -> HttpResponse:
    """A workbook of new draft declarations; every problem listed (sheet, row, column), nothing
    imported while there is one."""
    actor: Any = request.user
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = exchange.declarations_import(
                actor=actor, data=upload_bytes(upload), filename=upload.name or ""
            )
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(
                request, _("Imported %(n)d draft projects.") % {"n": len(result.projects)}
            )
            return redirect(_list_url(state=ProjectState.DRAFT))
    return render(
        request,
        "projects/reports/import.html",
        {"form": form, "errors": errors, "title": _("Import declarations")},
        status=422 if errors else 200,
    )


@login_required
@permission_required(ADD, raise_exception=True)
@require_GET
def declarations_template(request: HttpRequest) -> HttpResponse:
    """The empty declaration workbook, with a sheet of notes on the values each column takes."""
    return attachment(exchange.write_workbook([], notes=True), "declarations-template.xlsx", XLSX)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def declarations_export(request: HttpRequest) -> HttpResponse:
    """The projects the library list shows (its filters) as the declaration workbook."""
    actor: Any = request.user
    _context, filters, year, errors = _list_context(request)
    if errors:
        raise BusinessRuleError(errors)
    projects = reports.library_list(actor=actor, filters=filters, year=year).order_by("code")
    found = exchange.bounded_export(projects)
    return attachment(exchange.write_workbook(found), "declarations.xlsx", XLSX)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def project_export(request: HttpRequest, pk: int) -> HttpResponse:
    """One project as the declaration workbook (imported again, it gives the same project)."""
    project = selectors.access_project(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return attachment(exchange.write_workbook([project]), f"declaration-{project.code}.xlsx", XLSX)
