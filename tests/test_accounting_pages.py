"""Accounting pages (issue 19): review and post from the list, the trial balance drills from the
6001 line to its ledger and up to the payment, the reconciliation lists the unposted vouchers
that make a difference; another unit's voucher is a 404."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.test_payments_refunds import _paid_batch

from yusuan.accounting.choices import VoucherState
from yusuan.accounting.models import Voucher
from yusuan.accounting.services.vouchers import voucher_post, voucher_review

pytestmark = pytest.mark.django_db


def test_review_post_and_drill_from_6001_down_to_the_payment(user: Any, client_as: Any) -> None:
    request = _paid_batch(user)
    ids = list(
        Voucher.objects.filter(source_type="payments.request", source_id=request.pk).values_list(
            "pk", flat=True
        )
    )
    book_id = Voucher.objects.get(pk=ids[0]).book_id
    month = Voucher.objects.get(pk=ids[0]).month
    chief, accountant = client_as("school_chief_accountant"), client_as("school_accountant")
    listed = chief.get("/accounting/vouchers/?state=draft")
    assert listed.status_code == 200
    assert request.number in listed.content.decode()
    voucher_review(actor=user("school_chief_accountant"), voucher_ids=ids)
    assert "已审核" in chief.get(f"/accounting/vouchers/{ids[0]}/").content.decode()
    voucher_post(actor=user("school_accountant"), voucher_ids=ids)
    assert set(Voucher.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        VoucherState.POSTED
    }
    page = accountant.get(f"/accounting/books/{book_id}/trial-balance/?month={month}")
    html = page.content.decode()
    assert "Both halves balance" in html or "两方均平衡" in html or "借贷平衡" in html
    row = re.search(r'<tr data-account="6001">(.*?)</tr>', html, re.S)
    assert row is not None
    ledger_url = re.search(r'href="([^"]+/ledger/6001/[^"]*)"', row.group(1)).group(1)
    ledger = accountant.get(ledger_url.replace("&amp;", "&")).content.decode()
    assert f'href="/payments/{request.pk}/"' in ledger
    detail = accountant.get(f"/accounting/vouchers/{ids[0]}/").content.decode()
    assert f'href="/payments/{request.pk}/"' in detail
    assert "6001" in detail and "7201" in detail
    # Both ways: the payment's page links its vouchers, for those who may read the books.
    payment = accountant.get(f"/payments/{request.pk}/").content.decode()
    for pk in ids:
        assert f'href="/accounting/vouchers/{pk}/"' in payment
    clerk = client_as("school_clerk").get(f"/payments/{request.pk}/").content.decode()
    assert "/accounting/vouchers/" not in clerk


def test_reconciliation_names_the_unposted_vouchers(user: Any, client_as: Any) -> None:
    request = _paid_batch(user)
    voucher = Voucher.objects.filter(source_type="payments.request", source_id=request.pk).first()
    page = client_as("school_accountant").get(
        f"/accounting/books/{voucher.book_id}/reconciliation/?month={voucher.month}"
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert f"/accounting/vouchers/{voucher.pk}/" in html


def test_another_units_voucher_and_book_are_404(user: Any, client_as: Any) -> None:
    request = _paid_batch(user)
    voucher = Voucher.objects.filter(source_type="payments.request", source_id=request.pk).first()
    outsider = client_as("hospital_clerk")
    assert outsider.get(f"/accounting/vouchers/{voucher.pk}/").status_code in (403, 404)
    other = client_as("office_clerk")  # another unit's accountant
    assert other.get(f"/accounting/vouchers/{voucher.pk}/").status_code == 404
    assert other.get(f"/accounting/books/{voucher.book_id}/trial-balance/").status_code == 404
    assert other.get(f"/accounting/books/{voucher.book_id}/ledger/6001/").status_code == 404


def test_the_pages_review_and_post_in_a_batch_and_refuse_another_units(
    user: Any, client_as: Any
) -> None:
    request = _paid_batch(user)
    ids = [
        str(pk)
        for pk in Voucher.objects.filter(
            source_type="payments.request", source_id=request.pk
        ).values_list("pk", flat=True)
    ]
    # The government office's accountant picks the school's vouchers: a 404, nothing moves.
    outsider = client_as("office_clerk")
    assert outsider.post("/accounting/vouchers/post/batch/", {"ids": ids}).status_code == 404
    chief = client_as("school_chief_accountant")
    listed = chief.get(f"/accounting/vouchers/?q={request.number}").content.decode()
    for pk in ids:
        assert f'data-testid="pick-{pk}"' in listed
    answer = chief.post("/accounting/vouchers/review/batch/", {"ids": ids}, follow=True)
    assert "已审核" in answer.content.decode() or "Reviewed" in answer.content.decode()
    # The preparer-poster rule holds on the page too: the chief may not post (no keep_books).
    assert chief.post("/accounting/vouchers/post/batch/", {"ids": ids}).status_code == 403
    done = client_as("school_accountant").post(
        "/accounting/vouchers/post/batch/", {"ids": ids, "next": "https://evil.example/"}
    )
    assert done.status_code == 302 and done["Location"] == "/accounting/vouchers/"
    assert set(Voucher.objects.filter(pk__in=ids).values_list("state", flat=True)) == {
        VoucherState.POSTED
    }


def test_a_manual_voucher_from_the_page_puts_each_problem_beside_its_field(
    user: Any, client_as: Any
) -> None:
    from yusuan.accounting.models import Book

    book = Book.objects.get(organisation=user("school_accountant").organisation, fiscal_year=2026)
    page = client_as("school_accountant")
    form = {
        "book": book.pk,
        "voucher_date": "2026-06-15",
        "summary": "<img src=x onerror=alert(1)>",
        "row_count": 4,
        "lines-0-account_code": "1002",
        "lines-0-debit": "100",
        "lines-2-account_code": "9999",
        "lines-2-credit": "abc",
        "lines-3-account_code": "4609",
        "lines-3-credit": "90",
    }
    before = Voucher.objects.count()
    bad = page.post("/accounting/vouchers/new/", form)
    html = bad.content.decode()
    assert bad.status_code == 200 and Voucher.objects.count() == before
    # Row 2 of the form was left blank: the problems are on rows 1 and 2 of what was sent,
    # shown on the rows typed (the third and fourth of the form).
    assert 'data-field="lines[1].credit"' in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    form["lines-2-credit"] = "10"
    bad = page.post("/accounting/vouchers/new/", form).content.decode()
    assert 'data-field="lines[1].account_code"' in bad
    form["lines-2-account_code"] = "4609"
    form["lines-3-credit"] = "90"
    saved = page.post("/accounting/vouchers/new/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    voucher = Voucher.objects.latest("pk")
    assert voucher.total_fen == 100_00 and voucher.state == VoucherState.DRAFT
    assert saved["Location"] == f"/accounting/vouchers/{voucher.pk}/"
