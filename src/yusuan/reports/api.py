"""Execution report endpoints of /api/v1 (issue 22 item 7): the same figures as
``/reports/execution/`` and ``/reports/consistency/`` for the same parameters, as JSON or CSV. Read with the indicators'
token scope: they are the indicator lines' figures."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, Query, Router, Schema

from yusuan.common.api import require
from yusuan.common.tabular import Column, write_table
from yusuan.reports import consistency
from yusuan.reports import params as report_params
from yusuan.reports.selectors import AMOUNTS, VIEW, ExecutionReport, ExecutionRow

router = Router(tags=["reports"])
READ = "indicators:read"


class BudgetExecutionQuery(Schema):
    dims: str = Field(
        "department",
        max_length=40,
        description="one or two of: region, department, unit, project, line, func_class, "
        "func_kind, func_item, eco_class, eco, gov_eco, fund_type, source, tracking, kind, month",
    )
    year: int | None = Field(None, ge=2000, le=2100)
    as_of: str | None = Field(None, max_length=10, description="YYYY-MM-DD; default today")
    period_from: str | None = Field(
        None, alias="from", max_length=10, description="first day of the period; default the 1st"
    )
    region: str | None = Field(None, max_length=40)
    department: str | None = Field(None, max_length=12)
    unit: str | None = Field(None, max_length=12)
    project: str | None = Field(None, max_length=12)
    line: str | None = Field(None, max_length=12)
    exp_func_code: str | None = Field(None, max_length=40, description="a 类/款/项 code (prefix)")
    dep_bgt_eco_code: str | None = Field(
        None, max_length=40, description="a department economic code (prefix)"
    )
    gov_bgt_eco_code: str | None = Field(None, max_length=40)
    fund_type: str | None = Field(None, max_length=40)
    source: str | None = Field(None, max_length=40)
    tracking: str | None = Field(None, max_length=40, description="直达 tracking code")
    direct: bool = Field(False, description="直达资金 only")
    kind: str | None = Field(None, max_length=40, description="pending or executable")
    month: str | None = Field(None, max_length=2)


class BudgetExecutionRowOut(Schema):
    keys: list[str | None]
    names: list[str]
    budget_fen: int
    issued_fen: int
    adjusted_fen: int
    available_fen: int
    reserved_fen: int
    frozen_fen: int
    held_fen: int
    paid_fen: int
    payments_fen: int
    refunds_fen: int
    period_paid_fen: int
    last_year_paid_fen: int
    rate: str | None = Field(description="execution rate, percent (paid ÷ budget)")


class BudgetExecutionOut(Schema):
    dimensions: list[str]
    fiscal_year: int
    as_of: str
    period_from: str
    time_progress: str = Field(description="序时进度, percent")
    filters: list[list[str]] = Field(description="the filters in words: [label, value]")
    rows: list[BudgetExecutionRowOut]
    total: BudgetExecutionRowOut


def _row(row: ExecutionRow) -> dict[str, Any]:
    return {
        "keys": [None if k is None else str(k) for k in row.keys],
        "names": list(row.names),
        **{f"{name}_fen": getattr(row, name) for name in AMOUNTS},
        "rate": None if row.rate is None else str(row.rate),
    }


def _report(request: HttpRequest, query: BudgetExecutionQuery) -> ExecutionReport:
    actor = require(request, VIEW, READ)
    raw = {
        k: ("1" if v is True else str(v))
        for k, v in query.model_dump(by_alias=True).items()
        if v not in (None, False, "")
    }
    found = report_params.read(raw, today=timezone.localdate())
    return report_params.report_of(actor, found)


@router.get("/reports/execution", response=BudgetExecutionOut)
def execution(request: HttpRequest, query: Query[BudgetExecutionQuery]) -> Any:
    """Budget execution by one or two dimensions up to ``as_of``, from the kept aggregates
    (ADR 0053): the same rows and figures as the page for the same parameters."""
    report = _report(request, query)
    return {
        "dimensions": [d.key for d in report.dimensions],
        "fiscal_year": report.year,
        "as_of": report.as_of.isoformat(),
        "period_from": report.period_from.isoformat(),
        "time_progress": str(report.progress),
        "filters": [list(pair) for pair in report.filter_names],
        "rows": [_row(r) for r in report.rows],
        "total": _row(report.total),
    }


@router.get(
    "/reports/execution/csv",
    response={200: str},
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def execution_csv(request: HttpRequest, query: Query[BudgetExecutionQuery]) -> HttpResponse:
    """The same report as CSV (UTF-8 with BOM, amounts in fen): one line per row, then the
    total. Text cells that a spreadsheet would run as a formula are quote-prefixed."""
    report = _report(request, query)
    columns = [
        *(Column(d.key, d.key, d.key) for d in report.dimensions),
        *(Column(a, f"{a}_fen", f"{a}_fen") for a in AMOUNTS),
        Column("rate", "rate", "rate"),
    ]
    filler = [""] * (len(report.dimensions) - 1)
    rows = [
        [*(row.names or ("合计", *filler)), *(getattr(row, a) for a in AMOUNTS), row.rate or ""]
        for row in [*report.rows, report.total]
    ]
    return HttpResponse(
        write_table(columns, rows, file_format="csv"), content_type="text/csv; charset=utf-8"
    )


# --- The consistency panel -------------------------------------------------------------------


class ConsistencyQuery(Schema):
    year: int | None = Field(None, ge=2000, le=2100)
    level: str = Field("department", max_length=12, description="region, department, unit or line")
    under: str | None = Field(
        None, max_length=40, description="the row above: a region code, a department or unit id"
    )


class ConsistencySideOut(Schema):
    what: str = Field(description="days, months (the aggregates) or books (7101/7201)")
    figure: str = Field(description="budget, in_flight or paid")
    kept_fen: int
    ledger_fen: int


class ConsistencyDocumentOut(Schema):
    noun: str
    number: str
    url: str


class ConsistencyRowOut(Schema):
    key: str | None
    name: str
    lines: int
    differing_lines: int
    days_budget_fen: int
    ledger_budget_fen: int
    days_in_flight_fen: int
    ledger_in_flight_fen: int
    days_paid_fen: int
    months_paid_fen: int
    ledger_paid_fen: int
    books_paid_fen: int | None = Field(description="7101/7201, posted or not; null: no books")
    sides: list[ConsistencySideOut]
    documents: list[ConsistencyDocumentOut]


class ConsistencyOut(Schema):
    fiscal_year: int
    level: str
    checked_lines: int
    rows: list[ConsistencyRowOut]
    total: ConsistencyRowOut
    differences: list[ConsistencyRowOut] = Field(description="every differing indicator line")


PANEL_FIGURES = (
    "days_budget",
    "ledger_budget",
    "days_in_flight",
    "ledger_in_flight",
    "days_paid",
    "months_paid",
    "ledger_paid",
    "books_paid",
)


def _panel_row(row: consistency.ConsistencyRow) -> dict[str, Any]:
    return {
        "key": None if row.key is None else str(row.key),
        "name": row.name,
        "lines": row.lines,
        "differing_lines": row.differing,
        **{f"{name}_fen": getattr(row, name) for name in PANEL_FIGURES},
        "sides": [
            {"what": s.what, "figure": s.figure, "kept_fen": s.kept, "ledger_fen": s.ledger}
            for s in row.sides
        ],
        "documents": [{"noun": d.noun, "number": d.number, "url": d.url} for d in row.documents],
    }


def _panel(request: HttpRequest, query: ConsistencyQuery) -> consistency.Consistency:
    actor = require(request, VIEW, READ)
    raw = {k: str(v) for k, v in query.model_dump().items() if v not in (None, "")}
    found = report_params.read_panel(raw, today=timezone.localdate())
    return consistency.consistency(
        actor, year=found.year, level=found.level, under=found.under or None
    )


@router.get("/reports/consistency", response=ConsistencyOut)
def consistency_panel(request: HttpRequest, query: Query[ConsistencyQuery]) -> Any:
    """The consistency panel: per level, the aggregates, the indicator ledger and the books
    side by side, and every differing indicator line with the documents that make it."""
    result = _panel(request, query)
    return {
        "fiscal_year": result.year,
        "level": result.level,
        "checked_lines": result.checked_lines,
        "rows": [_panel_row(r) for r in result.rows],
        "total": _panel_row(result.total),
        "differences": [_panel_row(r) for r in result.differences],
    }


@router.get(
    "/reports/consistency/csv",
    response={200: str},
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def consistency_csv(request: HttpRequest, query: Query[ConsistencyQuery]) -> HttpResponse:
    """The panel's rows as CSV (amounts in fen; books empty where no books are kept)."""
    result = _panel(request, query)
    columns = [
        Column("key", "key", "key"),
        Column("name", "name", "name"),
        Column("lines", "lines", "lines"),
        Column("differing_lines", "differing_lines", "differing_lines"),
        *(Column(n, f"{n}_fen", f"{n}_fen") for n in PANEL_FIGURES),
    ]
    rows = [
        [
            "" if row.key is None else str(row.key),
            row.name or "合计",
            row.lines,
            row.differing,
            *("" if getattr(row, n) is None else getattr(row, n) for n in PANEL_FIGURES),
        ]
        for row in [*result.rows, result.total]
    ]
    return HttpResponse(
        write_table(columns, rows, file_format="csv"), content_type="text/csv; charset=utf-8"
    )
