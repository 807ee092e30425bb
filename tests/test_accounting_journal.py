"""A unit's books as a beancount journal, checked by beancount's own ``bean-check`` (issue 19):
every transaction balances and every month-end balance the books keep matches the journal's
postings; stored text cannot break out of its string."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.db.models import F

import pytest
from beancount import loader
from beancount.core import data
from tests.test_accounting_statements import YEAR, _fa, _post, second_accountant, worked_year

from yusuan.accounting.models import Book, PeriodTotal

pytestmark = pytest.mark.django_db
BEAN_CHECK = Path(sys.executable).with_name("bean-check")


@pytest.fixture
def poster(user: Any) -> Any:
    return second_accountant(user)


@pytest.fixture
def year(user: Any, poster: Any) -> dict[str, Any]:
    return worked_year(user, poster)


def _check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "book.beancount"
    path.write_text(text, encoding="utf-8")
    return subprocess.run(
        [str(BEAN_CHECK), str(path)], capture_output=True, text=True, timeout=120, check=False
    )


def test_bean_check_passes_on_the_worked_year_and_the_demo_school(
    client_as: Any, year: dict[str, Any], tmp_path: Path
) -> None:
    client = client_as("school_accountant")
    for book in (
        year["book"],
        Book.objects.get(organisation=year["book"].organisation_id, fiscal_year=2026),
    ):
        answer = client.get(f"/accounting/books/{book.pk}/journal/")
        assert answer.status_code == 200
        assert answer["Content-Disposition"].endswith('.beancount"')
        text = answer.content.decode()
        checked = _check(tmp_path, text)
        assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    balances = [e for e in entries if isinstance(e, data.Balance)]
    assert text.count(" balance ") == len(balances)


def test_a_kept_total_that_drifted_fails_bean_check(
    client_as: Any, year: dict[str, Any], tmp_path: Path
) -> None:
    book = year["book"]
    row = PeriodTotal.objects.filter(book=book, month=3, account_code="220101").first()
    assert row is not None
    PeriodTotal.objects.filter(pk=row.pk).update(debit_fen=F("debit_fen") + 1)
    text = client_as("school_accountant").get(f"/accounting/books/{book.pk}/journal/").content
    checked = _check(tmp_path, text.decode())
    assert checked.returncode != 0
    assert "Balance failed for 'Liabilities:2201'" in checked.stdout + checked.stderr


def test_hostile_summaries_stay_inside_their_strings(
    user: Any,
    poster: Any,
    year: dict[str, Any],
    tmp_path: Path,
) -> None:
    hostile = 'x" \n2030-01-01 open Assets:Evil CNY\n; \\"'
    _post(
        user,
        poster,
        year["book"],
        dt.date(YEAR, 7, 1),
        [_fa("5001", debit=1), _fa("2302", credit=1)],
        summary=hostile,
    )
    client = user("school_accountant")
    from yusuan.accounting.journal import beancount

    text = beancount(actor=client, book_id=year["book"].pk)
    checked = _check(tmp_path, text)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    assert not any(isinstance(e, data.Open) and "Evil" in e.account for e in entries)
    narrations = [e.narration for e in entries if isinstance(e, data.Transaction)]
    assert " ".join(hostile.split()) in narrations


def test_api_gives_the_journal_and_another_units_book_is_404(
    user: Any, year: dict[str, Any]
) -> None:
    from tests.test_accounting_api import token_caller

    book = year["book"]
    answer = token_caller(user, "school_accountant", ["accounting:read"]).get(
        f"/api/v1/accounting/books/{book.pk}/journal"
    )
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain")
    assert f"{YEAR}-01-01 open Assets:1002 CNY" in answer.content.decode()
    outsider = token_caller(user, "office_clerk", ["accounting:read"])
    assert outsider.get(f"/api/v1/accounting/books/{book.pk}/journal").status_code == 404
