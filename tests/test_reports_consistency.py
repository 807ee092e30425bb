"""The consistency panel (issue 22 item 2, done-when 2): the aggregates, the indicator ledger and
the books agree at every level on the demo; money moved behind the events' back, or an aggregate
row tampered with, is listed with its line, the figures that differ and the documents that make
the difference — on the page, in the API's JSON and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils import timezone

import pytest
from tests.payment_helpers import _line
from tests.test_accounting_api import token_caller

from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.services import ledger
from yusuan.indicators.services.ledger import Op, money_posting
from yusuan.reports.consistency import LEVELS, consistency
from yusuan.reports.models import ExecutionDay, ExecutionMonth

pytestmark = pytest.mark.django_db

YEAR = 2026
INJECTED = "INJ-20260001"


def _moved_behind_the_events(user: Any, amount: int) -> IndicatorLine:
    """A freeze and a payment on the school's office line, posted on the ledger with no money
    event: the aggregates and the books never hear of them."""
    line = _line(user, "30201")
    clerk = user("school_clerk")
    for operation in ("freeze", "pay"):
        ledger.post(
            money_posting(
                operation,
                [Op(line.pk, amount)],
                actor_id=clerk.pk,
                source_type="payments.line",
                source_id="999999999",
                source_no=INJECTED,
                op_key=f"injected:{operation}",
            )
        )
    return line


@pytest.mark.parametrize("level", LEVELS)
def test_the_demo_agrees_at_every_level(user: Any, level: str) -> None:
    result = consistency(user("wj_budget"), year=YEAR, level=level)
    assert result.differences == []
    assert result.checked_lines > 100
    assert all(row.agrees for row in result.rows)
    assert sum(row.lines for row in result.rows) == result.checked_lines
    total = result.total
    assert total.days_paid == total.months_paid == total.ledger_paid > 0
    assert total.days_budget == total.ledger_budget > 0
    assert total.books_paid is not None and total.books_paid == total.booked_ledger > 0
    # Every level adds up to the same totals.
    assert sum(row.ledger_paid for row in result.rows) == total.ledger_paid


def test_a_unit_checks_its_own_lines_only(user: Any) -> None:
    clerk = user("school_clerk")
    result = consistency(clerk, year=YEAR, level="line")
    own = IndicatorLine.objects.filter(organisation=clerk.organisation, fiscal_year=YEAR)
    assert result.checked_lines == own.count() == len(result.rows)


def test_money_moved_without_an_event_is_named_with_its_document(user: Any) -> None:
    line = _moved_behind_the_events(user, 77_00)
    result = consistency(user("wj_budget"), year=YEAR, level="department")
    (row,) = result.differences
    assert row.line_id == line.pk
    sides = {(s.what, s.figure): (s.kept, s.ledger) for s in row.sides}
    kept, ledger_paid = sides["days", "paid"]
    assert ledger_paid - kept == 77_00
    assert sides["months", "paid"] == (kept, ledger_paid)
    assert ("days", "in_flight") not in sides  # frozen then paid: nothing left in flight
    books, booked = sides["books", "paid"]
    assert booked - books == 77_00  # no voucher books it
    assert INJECTED in {ref.number for ref in row.documents}
    # Each level above says one line differs, and only its own chain.
    assert sum(r.differing for r in result.rows) == 1
    school_unit = consistency(user("wj_budget"), year=YEAR, level="unit")
    assert [r.key for r in school_unit.rows if not r.agrees] == [line.organisation_id]
    region = consistency(user("wj_budget"), year=YEAR, level="region")
    assert [r.differing for r in region.rows] == [1]


def test_a_tampered_aggregate_names_the_day_and_its_documents(user: Any) -> None:
    row = ExecutionDay.objects.filter(paid__gt=0, fiscal_year=YEAR).order_by("pk").first()
    assert row is not None
    ExecutionDay.objects.filter(pk=row.pk).update(paid=row.paid + 1)
    result = consistency(user("wj_budget"), year=YEAR, level="unit")
    (found,) = result.differences
    assert found.line_id == row.line_id
    assert [(s.what, s.figure, s.kept - s.ledger) for s in found.sides] == [("days", "paid", 1)]
    assert found.documents  # the payments of that line on that day
    # The month rows are kept apart: tampering with one shows there, not in the days.
    ExecutionDay.objects.filter(pk=row.pk).update(paid=row.paid)
    month = ExecutionMonth.objects.get(line_id=row.line_id, day=row.day.replace(day=1))
    ExecutionMonth.objects.filter(pk=month.pk).update(
        total=month.total - 5, available=month.available - 5
    )
    (found,) = consistency(user("wj_budget"), year=YEAR, level="line").differences
    assert [(s.what, s.figure, s.kept - s.ledger) for s in found.sides] == [
        ("months", "budget", -5)
    ]


def test_the_page_and_the_api_list_the_difference(client_as: Any, user: Any) -> None:
    _moved_behind_the_events(user, 12_34)
    page = client_as("wj_budget").get("/reports/consistency/?level=unit")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="panel-differences"' in text and INJECTED in text
    caller = token_caller(user, "wj_budget", ["indicators:read"])
    answer = caller.get("/api/v1/reports/consistency?level=line")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    (diff,) = body["differences"]
    assert INJECTED in {d["number"] for d in diff["documents"]}
    assert {(s["what"], s["figure"]) for s in diff["sides"]} >= {
        ("days", "paid"),
        ("books", "paid"),
    }
    listed = caller.get("/api/v1/reports/consistency/csv?level=department")
    assert listed.status_code == 200
    rows = list(csv.reader(io.StringIO(listed.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["key", "name", "lines", "differing_lines"]
    assert sum(int(r[3]) for r in rows[1:-1]) == 1 and rows[-1][1] == "合计"


def test_bad_parameters_are_named(client_as: Any, user: Any) -> None:
    page = client_as("wj_budget").get("/reports/consistency/?level=galaxy&year=99999")
    assert page.status_code == 200
    assert 'data-testid="panel-error"' in page.content.decode()
    caller = token_caller(user, "wj_budget", ["indicators:read"])
    answer = caller.get("/api/v1/reports/consistency?level=galaxy")
    assert answer.status_code in (400, 422)
    assert "level" in answer.content.decode()
    assert timezone.localdate().year >= 2000
