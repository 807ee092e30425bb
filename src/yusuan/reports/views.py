"""The execution report page (issue 22 item 2): any one or two dimensions on the data grid,
drill down by clicking a row, Excel and PDF with the filters in the title; and the consistency
panel (aggregates = indicator ledger = books, at every level)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from yusuan.common import report_tables
from yusuan.common.errors import BusinessRuleError
from yusuan.common.grid import Cell, Grid, GridColumn, grid_page
from yusuan.common.money import Money
from yusuan.common.report_tables import ReportTable, Row, Section
from yusuan.common.tabular import XLSX
from yusuan.common.web import attachment, is_htmx
from yusuan.reports import consistency
from yusuan.reports import params as report_params
from yusuan.reports.selectors import (
    DIMENSIONS,
    VIEW,
    ExecutionReport,
    ExecutionRow,
    percent,
)

# The amount columns: (key, label, shown by default).
AMOUNT_COLUMNS = (
    ("issued", gettext_lazy("Issued (年初/下达, 元)"), True),
    ("adjusted", gettext_lazy("Adjusted (调整, 元)"), True),
    ("budget", gettext_lazy("Budget (可执行数, 元)"), True),
    ("reserved", gettext_lazy("Reserved for contracts (元)"), False),
    ("frozen", gettext_lazy("In flight (冻结, 元)"), True),
    ("held", gettext_lazy("Frozen by finance (元)"), False),
    ("payments", gettext_lazy("Paid by the bank (元)"), False),
    ("refunds", gettext_lazy("Refunds (元)"), False),
    ("paid", gettext_lazy("Paid, net (元)"), True),
    ("available", gettext_lazy("Available (元)"), True),
    ("period_paid", gettext_lazy("Paid in the period (元)"), True),
    ("last_year_paid", gettext_lazy("Paid same period last year (元)"), True),
)


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def gap(row: ExecutionRow, progress: Decimal) -> Decimal | None:
    return None if row.rate is None else row.rate - progress


def growth(row: ExecutionRow) -> Decimal | None:
    """同比: paid against the same period last year, in percent."""
    if row.last_year_paid <= 0:
        return None
    return percent(row.paid - row.last_year_paid, row.last_year_paid)


def report_grid(report: ExecutionReport, found: report_params.ReportParams) -> Grid:
    """The grid of one report: its dimension columns (each name a drill-down link), amounts,
    the execution rate, its gap to 序时进度 and the change on last year."""

    def name_cell(index: int) -> Any:
        dim = report.dimensions[index]

        def cell(row: ExecutionRow) -> Cell:
            key = row.keys[index]
            if dim.key == "line" and key is not None:
                url = reverse("indicators:line_detail", args=[key])
            else:
                query = report_params.drill(found, dim.key, key)
                url = f"?{urlencode(query)}" if query is not None else ""
            return Cell(row.names[index], url=url)

        return cell

    columns = [
        GridColumn(f"dim{i}", dim.label, name_cell(i), order_by="sort_name" if i == 0 else "")
        for i, dim in enumerate(report.dimensions)
    ]
    columns += [GridColumn(key, label, visible=shown) for key, label, shown in AMOUNT_COLUMNS]
    progress = report.progress
    columns += [
        GridColumn(
            "rate",
            gettext_lazy("Execution rate"),
            lambda r: Cell(_pct(r.rate), numeric=True),
            order_by="rate",
        ),
        GridColumn(
            "gap",
            gettext_lazy("Gap to time progress"),
            lambda r: Cell(_pct(gap(r, progress)), numeric=True),
        ),
        GridColumn(
            "growth",
            gettext_lazy("Change on last year"),
            lambda r: Cell(_pct(growth(r)), numeric=True),
        ),
    ]
    return Grid(
        name="reports.execution",
        columns=tuple(columns),
        default_order=("sort_name",),
        sheet_title="预算执行",
    )


def title_of(report: ExecutionReport) -> str:
    by = "×".join(str(d.label) for d in report.dimensions)
    return _("Budget execution by %(by)s") % {"by": by}


def heading_of(report: ExecutionReport) -> str:
    """The line under the title: the year, the as-of day, the period, every filter, the unit."""
    parts = [
        _("%(year)s, as of %(day)s") % {"year": report.year, "day": report.as_of.isoformat()},
        _("period from %(day)s") % {"day": report.period_from.isoformat()},
        *(f"{label}：{value}" for label, value in report.filter_names),
        _("time progress %(p)s%%") % {"p": report.progress},
        "单位：元",
    ]
    return "　".join(parts)


def report_table(report: ExecutionReport) -> ReportTable:
    """The report as a printed table (Excel, PDF): the same rows and figures as the page."""
    amounts = [key for key, _label, _shown in AMOUNT_COLUMNS]
    labels = [
        str(label).replace("（元）", "").replace(" (元)", "").replace(", 元)", ")")
        for _k, label, _s in AMOUNT_COLUMNS
    ]
    rows = [
        Row(
            code="",
            label=" / ".join(row.names),
            amounts=tuple(getattr(row, key) for key in amounts),
            extra=(_pct(row.rate), _pct(gap(row, report.progress))),
        )
        for row in report.rows
    ]
    rows.append(
        Row(
            code="",
            label=_("Total"),
            amounts=tuple(getattr(report.total, key) for key in amounts),
            extra=(_pct(report.total.rate), _pct(gap(report.total, report.progress))),
            strong=True,
            key="total",
        )
    )
    section = Section(
        title="",
        text_columns=(
            "",
            "×".join(str(d.label) for d in report.dimensions),
            _("Execution rate"),
            _("Gap to time progress"),
        ),
        columns=tuple(labels),
        rows=tuple(rows),
    )
    return ReportTable(key="execution", number="", title=title_of(report), sections=(section,))


@login_required
@permission_required(VIEW, raise_exception=True)
def execution_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    raw: dict[str, str] = {k: str(v) for k, v in request.GET.items()}
    error = None
    try:
        found = report_params.read(raw, today=timezone.localdate())
        report = report_params.report_of(actor, found)
    except BusinessRuleError as exc:
        error = exc
        found = report_params.read({}, today=timezone.localdate())
        report = report_params.report_of(actor, found)
    export = request.GET.get("export", "")
    name = f"execution-{report.year}-{report.as_of.isoformat()}"
    if export in ("xlsx", "pdf") and error is None:
        table = report_table(report)
        heading = heading_of(report)
        if export == "xlsx":
            return attachment(report_tables.to_xlsx(table, heading), f"{name}.xlsx", XLSX)
        return attachment(report_tables.to_pdf(table, heading), f"{name}.pdf", "application/pdf")
    grid = report_grid(report, found)
    query = report_params.query_of(found)
    context = {
        "report": report,
        "title": title_of(report),
        "heading": heading_of(report),
        "g": grid_page(request, grid, report.rows),
        "error": error,
        "params": found,
        "dim1": found.dims[0],
        "dim2": found.dims[1] if len(found.dims) > 1 else "",
        "query": query,
        "dimensions": DIMENSIONS.values(),
        "export_query": urlencode(query),
    }
    if is_htmx(request):
        return render(request, "reports/execution_rows.html", context)
    return render(request, "reports/execution.html", context)


# --- The consistency panel (issue 22 item 2) -----------------------------------------------

PANEL_AMOUNTS = (
    ("days_budget", gettext_lazy("Budget, aggregates (元)")),
    ("ledger_budget", gettext_lazy("Budget, indicator ledger (元)")),
    ("days_in_flight", gettext_lazy("In flight, aggregates (元)")),
    ("ledger_in_flight", gettext_lazy("In flight, indicator ledger (元)")),
    ("days_paid", gettext_lazy("Paid, aggregates by day (元)")),
    ("months_paid", gettext_lazy("Paid, aggregates by month (元)")),
    ("ledger_paid", gettext_lazy("Paid, indicator ledger (元)")),
)
LEVEL_LABELS = {
    "region": gettext_lazy("Region"),
    "department": gettext_lazy("Department"),
    "unit": gettext_lazy("Unit"),
    "line": gettext_lazy("Indicator"),
}


def panel_grid(result: consistency.Consistency) -> Grid:
    level = result.level
    down = consistency.LEVELS[consistency.LEVELS.index(level) + 1] if level != "line" else ""

    def name(row: consistency.ConsistencyRow) -> Cell:
        if level == "line" and row.line_id is not None:
            return Cell(row.name, url=reverse("indicators:line_detail", args=[row.line_id]))
        query = {"year": result.year, "level": down, "under": row.key}
        return Cell(row.name, url=f"?{urlencode(query)}")

    def books(row: consistency.ConsistencyRow) -> Cell:
        paid = row.books_paid
        if paid is None:
            return Cell("—", numeric=True)
        return Cell(
            Money(paid).format(),
            numeric=True,
            note=_("unposted %(a)s") % {"a": Money(row.unposted).format()} if row.unposted else "",
        )

    def status(row: consistency.ConsistencyRow) -> Cell:
        if row.agrees:
            return Cell("", badges=(str(_("Agrees")),))
        text = ngettext("%(n)s line differs", "%(n)s lines differ", row.differing)
        return Cell("", badges=(text % {"n": row.differing},))

    columns = [
        GridColumn("name", LEVEL_LABELS[level], name, order_by="name"),
        GridColumn("lines", gettext_lazy("Lines"), lambda r: Cell(str(r.lines), numeric=True)),
        *(GridColumn(key, label) for key, label in PANEL_AMOUNTS),
        GridColumn("books", gettext_lazy("Paid, books 7101/7201 (元)"), books),
        GridColumn("status", gettext_lazy("Consistency"), status, order_by="agrees"),
    ]
    return Grid(
        name="reports.consistency",
        columns=tuple(columns),
        default_order=("agrees", "name"),
        sheet_title="一致性核对",
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def consistency_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    raw = {k: str(v) for k, v in request.GET.items()}
    error = None
    try:
        found = report_params.read_panel(raw, today=timezone.localdate())
    except BusinessRuleError as exc:
        error = exc
        found = report_params.read_panel({}, today=timezone.localdate())
    result = consistency.consistency(
        actor, year=found.year, level=found.level, under=found.under or None
    )
    context = {
        "result": result,
        "params": found,
        "levels": [(key, LEVEL_LABELS[key]) for key in consistency.LEVELS],
        "g": grid_page(request, panel_grid(result), result.rows),
        "error": error,
    }
    if is_htmx(request):
        return render(request, "reports/consistency_rows.html", context)
    return render(request, "reports/consistency.html", context)
