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
