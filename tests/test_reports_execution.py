"""The execution report (issue 22 items 2 and 7): by one or two dimensions from the kept
aggregates, within the reader's scope, drill down by row, the same figures on the page, in the
API's JSON and CSV, in Excel and PDF with the filters in the title; bad parameters refused by
name."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from django.db.models import Sum
from django.utils import timezone

import pytest
from openpyxl import load_workbook
from tests.test_accounting_api import token_caller

from yusuan.core.models import Organisation
from yusuan.indicators.models import IndicatorLine
from yusuan.reports.models import ExecutionDay
from yusuan.reports.selectors import Filters, execution_report, time_progress

pytestmark = pytest.mark.django_db

SCHOOL = "吴江区松陵实验小学"


HOSPITAL = "吴江区第一人民医院"


def _ledger(**lookup: Any) -> dict[str, int]:
    sums = IndicatorLine.objects.filter(fiscal_year=2026, **lookup).aggregate(
        total=Sum("total"), allocated=Sum("allocated"), paid=Sum("paid"), frozen=Sum("frozen")
    )
    return {k: int(v or 0) for k, v in sums.items()}


def test_by_department_for_finance_equals_the_ledger(user: Any) -> None:
    today = timezone.localdate()
    report = execution_report(user("wj_budget"), dims=["department"], year=2026, as_of=today)
    ledger = _ledger(mof_div_code="320509")
    assert report.total.budget == ledger["total"] - ledger["allocated"]
    assert report.total.paid == ledger["paid"]
    assert report.total.frozen == ledger["frozen"]
    assert report.total.issued + report.total.adjusted == report.total.budget
    assert len(report.rows) >= 2  # the demo's departments
    assert report.progress == time_progress(today)


@pytest.mark.parametrize(
    ("as_of", "period_from"),
    [
        ("01-31", None),  # no whole month before: every figure from the day rows
        ("03-15", "03-10"),  # mid-month, the period inside the month
        ("06-30", "02-20"),  # the period starts months earlier, mid-month
        ("12-31", "01-01"),  # the whole year
    ],
)
def test_months_and_days_add_up_to_the_day_rows(
    user: Any, as_of: str, period_from: str | None
) -> None:
    """The report reads whole months from ExecutionMonth and the rest from ExecutionDay; at any
    split its figures equal the day rows summed directly, by month too."""
    day = dt.date.fromisoformat(f"2026-{as_of}")
    start = dt.date.fromisoformat(f"2026-{period_from}") if period_from else day.replace(day=1)
    report = execution_report(
        user("wj_budget"), dims=["month"], year=2026, as_of=day, period_from=start
    )
    rows = ExecutionDay.objects.filter(mof_div_code="320509", fiscal_year=2026, day__lte=day)
    expected = rows.aggregate(
        total=Sum("total"), allocated=Sum("allocated"), paid=Sum("paid"), frozen=Sum("frozen")
    )
    period = rows.filter(day__gte=start).aggregate(paid=Sum("paid"))["paid"] or 0
    assert report.total.budget == (expected["total"] or 0) - (expected["allocated"] or 0)
    assert report.total.paid == (expected["paid"] or 0)
    assert report.total.frozen == (expected["frozen"] or 0)
    assert report.total.period_paid == period
    by_month: dict[int, int] = {}
    for month, paid in rows.values_list("day__month", "paid"):
        by_month[month] = by_month.get(month, 0) + paid
    assert {row.keys[0]: row.paid for row in report.rows} == by_month


def test_a_unit_sees_its_own_lines_only(user: Any) -> None:
    today = timezone.localdate()
    clerk = user("school_clerk")
    report = execution_report(clerk, dims=["unit"], year=2026, as_of=today)
    assert [row.names[0] for row in report.rows] == [SCHOOL]
    school = _ledger(organisation=clerk.organisation)
    assert report.total.paid == school["paid"]
    hospital = Organisation.objects.get(name=HOSPITAL)
    other = execution_report(
        clerk, dims=["unit"], year=2026, as_of=today, filters=Filters(unit=hospital.pk)
    )
    assert other.rows == [] and other.total.budget == 0


def test_two_dimensions_and_a_drill_down_on_the_page(client_as: Any, user: Any) -> None:
    client = client_as("wj_budget")
    page = client.get("/reports/execution/", {"dims": "department,func_class"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "预算执行" in text or "execution" in text.lower()
    report = page.context["report"]
    assert [d.key for d in report.dimensions] == ["department", "func_class"]
    department = report.rows[0].keys[0]
    # The department's name links one level down: its units, filtered to it.
    assert f"department={department}" in text and "dims=unit%2Cfunc_class" in text
    down = client.get("/reports/execution/", {"dims": "unit,func_class", "department": department})
    sub = down.context["report"]
    assert sub.rows and sum(r.paid for r in sub.rows) == sum(
        r.paid for r in report.rows if r.keys[0] == department
    )
    assert ("部门" in down.context["heading"]) or ("Department" in down.context["heading"])


def test_the_api_json_and_csv_match_the_page(client_as: Any, user: Any) -> None:
    page = client_as("wj_budget").get("/reports/execution/", {"dims": "fund_type"})
    shown = page.context["report"]
    api = token_caller(user, "wj_budget", ["indicators:read"])
    body = api.get("/api/v1/reports/execution?dims=fund_type").json()
    assert body["total"]["paid_fen"] == shown.total.paid
    assert [r["names"] for r in body["rows"]] == [list(r.names) for r in shown.rows]
    raw = api.get("/api/v1/reports/execution/csv?dims=fund_type")
    assert raw["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(raw.content.decode("utf-8-sig"))))
    assert lines[0][:2] == ["fund_type", "budget_fen"]
    assert lines[-1][0] == "合计" and int(lines[-1][1 + 7]) == shown.total.paid  # paid_fen


def test_excel_and_pdf_carry_the_filters_in_the_title(client_as: Any) -> None:
    client = client_as("wj_budget")
    query = {"dims": "unit", "direct": "1", "fund_type": "1"}
    xlsx = client.get("/reports/execution/", {**query, "export": "xlsx"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [str(c.value) for row in sheet.iter_rows(max_row=3) for c in row if c.value]
    heading = " ".join(cells)
    assert "直达" in heading and "单位：元" in heading
    pdf = client.get("/reports/execution/", {**query, "export": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"dims": "nope"}, "dims"),
        ({"dims": "unit,unit,unit"}, "dims"),
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"year": "2026", "as_of": "2025-06-30"}, "as_of"),
        ({"unit": "<script>"}, "unit"),
        ({"exp_func_code": "205'; DROP"}, "exp_func_code"),
        ({"month": "13"}, "month"),
    ],
)
def test_bad_parameters_are_refused_by_name(user: Any, query: dict[str, str], field: str) -> None:
    api = token_caller(user, "wj_budget", ["indicators:read"])
    answer = api.get(f"/api/v1/reports/execution?{urlencode(query)}")
    assert answer.status_code in (400, 422), answer.content
    assert field in answer.content.decode()


def test_the_page_names_a_bad_parameter_and_still_answers(client_as: Any) -> None:
    page = client_as("wj_budget").get("/reports/execution/", {"dims": "nope"})
    assert page.status_code == 200
    assert "nope" in page.content.decode() and page.context["error"] is not None
