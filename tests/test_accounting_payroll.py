"""A salary batch in the books (issue 19; DOMAIN-2 §5.2 E1–E5): its month is accrued when its
payment request is made (Dr 5001 / Cr 应付职工薪酬 by item, the withholdings moved to 2102 and
2307 out of the items they come from), its employer contributions when theirs are; each paid
line then clears exactly what was accrued, so once everything is posted 2201, 2102 and 2307 are
back to nothing and the expense is the gross pay plus the contributions."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from tests.payment_helpers import _line, employees, enrolled_sheet, paid_by_bank, top_up
from tests.test_payroll import _import, _request
from tests.test_payroll_contributions import PAY_DAY, _account, _payees

from yusuan.accounting.models import Voucher, VoucherLine
from yusuan.accounting.rules import SALARY_PAYABLE
from yusuan.accounting.services.vouchers import voucher_post, voucher_review
from yusuan.payroll.services.contributions import payroll_contributions_request

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def books_open_from_june(user: Any) -> None:
    """The demo closes the school's months before its "as of" day, which follows the suite's
    clock (1 January to 31 December): here the books are closed to May and open from June."""
    from yusuan.accounting.models import Period

    book = user("school_accountant").organisation.books.get(fiscal_year=2026)
    Period.objects.filter(book=book, month__lt=6).update(state="closed")
    Period.objects.filter(book=book, month__gte=6).update(state="open")


def _pay(user: Any, request: Any, value_date: dt.date = PAY_DAY) -> None:
    assert paid_by_bank(user, request, value_date=value_date).state == "paid"


def _net(vouchers: list[Voucher]) -> dict[str, int]:
    """Debit minus credit by account over the vouchers' lines."""
    found: dict[str, int] = defaultdict(int)
    for line in VoucherLine.objects.filter(voucher__in=vouchers):
        found[line.account_code] += line.debit_fen - line.credit_fen
    return {code: fen for code, fen in found.items() if fen}


def test_a_salary_month_is_accrued_and_its_payments_clear_it(user: Any) -> None:
    basic, performance = _line(user, "30101"), _line(user, "30107")
    batch = _import(user, enrolled_sheet(employees(3)))
    top_up(user, basic, batch.items["30101"])
    top_up(user, performance, batch.items["30107"])
    withheld = {name: fen for name, fen in batch.deduction_totals.items() if fen}
    assert set(withheld) == {"个人所得税", "住房公积金"}
    request = _request(user, batch)

    accrual = Voucher.objects.get(event_id=f"payroll.batch:{batch.pk}:salary")
    assert (accrual.source_type, accrual.source_id) == ("payroll.batch", batch.pk)
    assert accrual.rule_code == "E1 v1, E2 v1" and accrual.problem == ""
    assert accrual.voucher_date == PAY_DAY and accrual.month == 11
    booked = _net([accrual])
    # E1: the expense is the gross pay; E2 moves the withholdings to 2102 / 2307.
    assert booked.pop("5001") == batch.gross
    assert booked.pop("210201") == -withheld["个人所得税"]
    assert booked.pop("230702") == -withheld["住房公积金"]
    # What stays payable by item is its net pay: the payment's net lines clear it.
    assert sum(booked.values()) == -batch.net
    assert set(booked) <= {SALARY_PAYABLE["30101"], SALARY_PAYABLE["30107"]}

    _pay(user, request)
    paid = list(Voucher.objects.filter(source_type="payments.request", source_id=request.pk))
    assert len(paid) == request.lines.count()
    assert {v.rule_code for v in paid} == {"E3-P v1"}
    # Each withholding line debits its own payable, never 2201.
    each = [_net([v]) for v in paid]
    assert [net["210201"] for net in each if "210201" in net] == [withheld["个人所得税"]]
    assert [net["230702"] for net in each if "230702" in net] == [withheld["住房公积金"]]
    passed_on = [net for net in each if "210201" in net or "230702" in net]
    assert not [code for net in passed_on for code in net if code.startswith("2201")]

    everything = [accrual, *paid]
    chief, accountant = user("school_chief_accountant"), user("school_accountant")
    voucher_review(actor=chief, voucher_ids=[v.pk for v in everything])
    voucher_post(actor=accountant, voucher_ids=[v.pk for v in everything])
    after = _net(everything)
    assert not [code for code in after if code.startswith(("2201", "2102", "2307"))], after
    assert after["5001"] == batch.gross == -after["4001"]
    assert after["7201"] == batch.gross == -after["6001"]


def test_employer_contributions_are_accrued_and_cleared_by_their_requests(user: Any) -> None:
    batch = _import(user, enrolled_sheet(employees(3)))
    made = payroll_contributions_request(
        actor=user("school_clerk"),
        batch_id=batch.pk,
        pay_date=PAY_DAY,
        payer_account_id=_account(user),
        payees=_payees(user),
    )
    accrual = Voucher.objects.get(event_id=f"payroll.batch:{batch.pk}:contributions")
    owed = {c.item: c.amount for c in batch.contributions.all()}
    booked = _net([accrual])
    assert booked.pop("5001") == sum(owed.values())
    assert booked == {
        "220104": -sum(fen for item, fen in owed.items() if item != "30113"),
        "220105": -owed["30113"],
    }
    for request in made:
        _pay(user, request)
    paid = list(
        Voucher.objects.filter(source_type="payments.request", source_id__in=[r.pk for r in made])
    )
    assert {v.rule_code for v in paid} == {"E3-P v1"}
    everything = [accrual, *paid]
    voucher_review(actor=user("school_chief_accountant"), voucher_ids=[v.pk for v in everything])
    voucher_post(actor=user("school_accountant"), voucher_ids=[v.pk for v in everything])
    after = _net(everything)
    assert not [code for code in after if code.startswith("2201")], after
    assert after["5001"] == sum(owed.values()) == after["7201"]


def test_a_salary_request_no_batch_made_is_expensed_at_payment(user: Any) -> None:
    """E3 without an accrual: a salary-type request typed by hand debits 5001, not 2201 (which
    nothing credited)."""
    from tests.payment_helpers import _input

    from yusuan.payments.services.requests import request_create

    line = _line(user, "30101")
    data = _input(user, [(line, "100.00")], business_type="salary")
    request = request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    _pay(user, request)
    [voucher] = Voucher.objects.filter(source_type="payments.request", source_id=request.pk)
    assert voucher.rule_code == "E3 v1"
    assert _net([voucher])["5001"] == 100_00


def test_a_bank_result_of_a_closed_month_is_booked_in_the_next_open_one(user: Any) -> None:
    """R-AC-8: the books are closed to May; a payment the bank says it paid on 10 March is
    booked on 1 June, the first open month, and posts there."""
    from tests.payment_helpers import _input

    from yusuan.accounting.models import Period
    from yusuan.payments.services.requests import request_create

    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(_line(user, "30201"), "12.00")]),
        fiscal_year=2026,
    )
    voucher_book = user("school_accountant").organisation.books.get(fiscal_year=2026)
    assert Period.objects.get(book=voucher_book, month=3).state == "closed"
    _pay(user, request, value_date=dt.date(2026, 3, 10))
    [voucher] = Voucher.objects.filter(source_type="payments.request", source_id=request.pk)
    assert (voucher.month, voucher.voucher_date) == (6, dt.date(2026, 6, 1))
    voucher_review(actor=user("school_chief_accountant"), voucher_ids=[voucher.pk])
    voucher_post(actor=user("school_accountant"), voucher_ids=[voucher.pk])
    voucher.refresh_from_db()
    assert voucher.label.startswith("记-06-")
