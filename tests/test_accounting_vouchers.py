"""Unit accounting (issue 19): vouchers generated from money events, reviewed and posted by
different people, numbered without gaps, frozen once posted, reversed in red ink (R-AC-1, R-AC-2,
R-AC-6, R-AC-7, R-AC-8, R-AC-11)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

import pytest
from tests.test_payments_refunds import _paid_batch

from yusuan.accounting.choices import PeriodState, VoucherOrigin, VoucherState
from yusuan.accounting.models import Book, Period, PeriodTotal, Voucher, VoucherLine
from yusuan.accounting.services.books import period_close, period_reopen
from yusuan.accounting.services.lines import LineInput
from yusuan.accounting.services.vouchers import (
    voucher_create,
    voucher_post,
    voucher_reverse,
    voucher_review,
)
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money
from yusuan.identity.models import Role

pytestmark = pytest.mark.django_db


def _second_accountant(user: Any) -> Any:
    """Another accountant of the school (to post what the first one prepared)."""
    other = user("school_approver")
    other.roles.add(Role.objects.get(code="accountant"))
    return user("school_approver")


def _codes(error: BusinessRuleError) -> list[tuple[str | None, str | None]]:
    return [(d.code, d.rule) for d in error.errors]


def _generated(request: Any) -> list[Voucher]:
    return list(
        Voucher.objects.filter(source_type="payments.request", source_id=request.pk).order_by("pk")
    )


def _lines(voucher: Voucher) -> list[tuple[str, str, int, int]]:
    return [
        (line.half, line.account_code, line.debit_fen, line.credit_fen)
        for line in voucher.lines.order_by("row")
    ]


def test_a_paid_line_becomes_one_draft_voucher_in_both_halves(user: Any) -> None:
    """E6 (DOMAIN-2 §5.2, DOMAIN §4.2 Model U): office costs paid by the treasury book
    Dr 5001 Cr 4001 and Dr 7201 Cr 6001 (the school is an institution, R-AC-11), with the
    indicator's codes on the budgetary lines (R-AC-3), one voucher per paid line (R-AC-7)."""
    request = _paid_batch(user)
    vouchers = _generated(request)
    assert len(vouchers) == 3
    first = vouchers[0]
    assert first.origin == VoucherOrigin.GENERATED
    assert first.state == VoucherState.DRAFT
    assert first.problem == ""
    assert first.rule_code == "E6 v1"
    assert first.event_id.endswith(":settle")
    assert first.source_number == request.number
    assert first.book.unit_kind == "institution"
    assert _lines(first) == [
        ("fa", "5001", 100_00, 0),
        ("fa", "4001", 0, 100_00),
        ("ba", "7201", 100_00, 0),
        ("ba", "6001", 0, 100_00),
    ]
    budget = first.lines.get(account_code="7201")
    indicator = request.lines.first().charges.first().indicator_line
    assert (budget.exp_func_code, budget.dep_bgt_eco_code, budget.fund_type_code) == (
        indicator.exp_func_code,
        indicator.dep_bgt_eco_code,
        indicator.fund_type_code,
    )
    assert budget.indicator_line_id == indicator.pk
    assert budget.budget_activity in ("public", "project")
    assert sum(v.total_fen for v in vouchers) == 390_00


def test_review_and_posting_by_three_different_people_number_without_gaps(user: Any) -> None:
    request = _paid_batch(user)
    vouchers = _generated(request)
    ids = [v.pk for v in vouchers]
    # The payment's own clerk may not review or post what her payment generated (R-AC-7).
    with pytest.raises(BusinessRuleError) as posted_early:
        voucher_post(actor=user("school_accountant"), voucher_ids=ids)
    assert ("accounting.not_reviewed", None) in _codes(posted_early.value)
    voucher_review(actor=user("school_chief_accountant"), voucher_ids=ids)
    voucher_post(actor=user("school_accountant"), voucher_ids=ids)
    numbers = sorted(Voucher.objects.filter(pk__in=ids).values_list("number", flat=True))
    first = Voucher.objects.filter(book=vouchers[0].book, month=vouchers[0].month).exclude(
        number=None
    )
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    assert sorted(first.values_list("number", flat=True)) == list(range(1, first.count() + 1))
    totals = PeriodTotal.objects.filter(book=vouchers[0].book)
    assert totals.filter(account_code="6001").aggregate(c=Sum("credit_fen"))["c"] >= 390_00
    # Both halves of the month's totals balance (R-AC-2).
    for prefix in ("12345", "678"):
        rows = [t for t in totals if t.account_code[0] in prefix]
        assert sum(t.debit_fen for t in rows) == sum(t.credit_fen for t in rows)


def test_the_reviewer_may_not_post_and_the_preparer_may_not_review(user: Any) -> None:
    school = user("school_accountant").organisation
    book = Book.objects.get(organisation=school, fiscal_year=2026)
    voucher = voucher_create(
        actor=user("school_accountant"),
        book_id=book.pk,
        voucher_date=timezone.localdate(),  # an open month, whatever the suite's clock
        summary="计提折旧",
        lines=[
            LineInput("5001", debit=Money(1200_00)),
            LineInput("1602", credit=Money(1200_00)),
        ],
    )
    assert voucher.origin == VoucherOrigin.MANUAL
    with pytest.raises(BusinessRuleError) as own:
        voucher_review(actor=user("school_accountant"), voucher_ids=[voucher.pk])
    assert ("permission_denied", "DESIGN-7") in _codes(own.value)
    voucher_review(actor=user("school_chief_accountant"), voucher_ids=[voucher.pk])
    with pytest.raises(BusinessRuleError) as preparer_posts:
        voucher_post(actor=user("school_accountant"), voucher_ids=[voucher.pk])
    assert ("accounting.same_person", "R-AC-7") in _codes(preparer_posts.value)


def test_an_unbalanced_or_misfiled_voucher_names_rule_field_and_figures(user: Any) -> None:
    school = user("school_accountant").organisation
    book = Book.objects.get(organisation=school, fiscal_year=2026)
    with pytest.raises(BusinessRuleError) as caught:
        voucher_create(
            actor=user("school_accountant"),
            book_id=book.pk,
            voucher_date=dt.date(2026, 3, 5),
            summary="错误凭证",
            lines=[
                LineInput("5001", debit=Money(100_00)),
                LineInput("4001", credit=Money(90_00)),
                LineInput("1011", debit=Money(5_00)),  # R-AC-6: no 1011 under 一体化
                LineInput("7101", debit=Money(1_00)),  # R-AC-11: an institution books 7201
                LineInput("8001", credit=Money(1_00)),  # has sub-accounts
            ],
        )
    details = {(d.code, d.rule, d.field) for d in caught.value.errors}
    assert ("accounting.legacy_account", "R-AC-6", "lines[2].account_code") in details
    assert ("accounting.expenditure_account", "R-AC-11", "lines[3].account_code") in details
    assert ("accounting.not_leaf", "R-AC-2", "lines[4].account_code") in details
    unbalanced = [d for d in caught.value.errors if d.code == "accounting.unbalanced"]
    assert [d.field for d in unbalanced] == ["lines.fa"]
    assert unbalanced[0].value == 105_00 and unbalanced[0].limit == 90_00
    assert "相差 15.00 元" in unbalanced[0].message_zh


def _net(voucher: Voucher, indicator_id: int) -> dict[str, int]:
    """Debit minus credit of the month's totals on the indicator line's codes."""
    rows = PeriodTotal.objects.filter(book=voucher.book, month=voucher.month)
    found = {}
    for code in ("5001", "4001", "7201", "6001"):
        sums = rows.filter(account_code=code, indicator_line_id=indicator_id).aggregate(
            d=Sum("debit_fen"), c=Sum("credit_fen")
        )
        found[code] = (sums["d"] or 0) - (sums["c"] or 0)
    return found


def _posted_voucher(user: Any) -> Voucher:
    request = _paid_batch(user)
    voucher = _generated(request)[0]
    voucher_review(actor=user("school_chief_accountant"), voucher_ids=[voucher.pk])
    voucher_post(actor=user("school_accountant"), voucher_ids=[voucher.pk])
    voucher.refresh_from_db()
    return voucher


def test_a_posted_voucher_is_frozen_by_the_database_and_reversed_in_red(user: Any) -> None:
    voucher = _posted_voucher(user)
    line = voucher.lines.first()
    for statement in (
        lambda: VoucherLine.objects.filter(pk=line.pk).update(debit_fen=1),
        lambda: VoucherLine.objects.filter(pk=line.pk).delete(),
        lambda: Voucher.objects.filter(pk=voucher.pk).update(summary="改"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            statement()
    red = voucher_reverse(
        actor=user("school_accountant"),
        voucher_id=voucher.pk,
        voucher_date=voucher.voucher_date,
        reason="收款人错误",
    )
    assert red.origin == VoucherOrigin.REVERSAL and red.reverses_id == voucher.pk
    assert [(a, c, -d, -cr) for a, c, d, cr in _lines(red)] == _lines(voucher)
    with pytest.raises(BusinessRuleError) as twice:
        voucher_reverse(
            actor=user("school_accountant"),
            voucher_id=voucher.pk,
            voucher_date=voucher.voucher_date,
            reason="again",
        )
    assert ("accounting.already_reversed", None) in _codes(twice.value)
    voucher_review(actor=user("school_chief_accountant"), voucher_ids=[red.pk])
    # The reversal was prepared by the accountant: someone else posts it.
    with pytest.raises(BusinessRuleError):
        voucher_post(actor=user("school_accountant"), voucher_ids=[red.pk])
    indicator = red.lines.get(account_code="7201").indicator_line_id
    before = _net(voucher, indicator)
    voucher_post(actor=_second_accountant(user), voucher_ids=[red.pk])
    after = _net(voucher, indicator)
    # The red lines take the payment back out of the month's totals, account by account.
    assert {code: before[code] - after[code] for code in before} == {
        "5001": 100_00,
        "4001": -100_00,
        "7201": 100_00,
        "6001": -100_00,
    }


def test_closed_months_refuse_postings_and_reopen_takes_two_people(user: Any) -> None:
    request = _paid_batch(user)
    voucher = _generated(request)[0]
    book = voucher.book
    chief = user("school_chief_accountant")
    # Closing needs every voucher of the month posted and the months before closed (R-AC-8).
    with pytest.raises(BusinessRuleError) as order:
        period_close(actor=chief, book_id=book.pk, month=voucher.month)
    assert ("accounting.period_order", "R-AC-8") in _codes(order.value) or (
        "accounting.unposted",
        "R-AC-8",
    ) in _codes(order.value)
    Period.objects.filter(book=book, month__lt=voucher.month).update(state=PeriodState.CLOSED)
    others = Voucher.objects.filter(book=book, month=voucher.month).exclude(
        state=VoucherState.POSTED
    )
    voucher_review(
        actor=chief, voucher_ids=list(others.filter(state="draft").values_list("pk", flat=True))
    )
    voucher_post(
        actor=user("school_accountant"), voucher_ids=list(others.values_list("pk", flat=True))
    )
    period_close(actor=chief, book_id=book.pk, month=voucher.month)
    late = voucher_create(
        actor=user("school_accountant"),
        book_id=book.pk,
        voucher_date=voucher.voucher_date,
        summary="补记",
        lines=[LineInput("5001", debit=Money(1_00)), LineInput("1602", credit=Money(1_00))],
    )
    voucher_review(actor=chief, voucher_ids=[late.pk])
    with pytest.raises(BusinessRuleError) as closed:
        voucher_post(actor=_second_accountant(user), voucher_ids=[late.pk])
    assert ("accounting.period_closed", "R-AC-8") in _codes(closed.value)
    period_reopen(actor=chief, book_id=book.pk, month=voucher.month, reason="补记折旧")
    with pytest.raises(BusinessRuleError) as same:
        period_reopen(actor=chief, book_id=book.pk, month=voucher.month)
    assert ("accounting.same_person", "R-AC-8") in _codes(same.value)
    assert Period.objects.get(book=book, month=voucher.month).state == PeriodState.CLOSED


def _unbalance(line_id: int) -> None:
    """One credit a fen short, in plain SQL, then the deferred checks as COMMIT runs them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounting_voucherline SET credit_fen = credit_fen - 1 WHERE id = %s",
            [line_id],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.postgres
def test_on_postgresql_an_unbalanced_voucher_inserted_in_sql_fails_at_commit(user: Any) -> None:
    """R-AC-2 enforced by the database: a deferred constraint trigger checks each voucher when
    the transaction commits; ``SET CONSTRAINTS ALL IMMEDIATE`` runs that check now, as COMMIT
    would (the test's own transaction never commits)."""
    voucher = _generated(_paid_batch(user))[0]
    line = voucher.lines.get(account_code="4001")
    with pytest.raises(IntegrityError, match="R-AC-2"), transaction.atomic():
        _unbalance(line.pk)
    line.refresh_from_db()
    assert line.credit_fen == 100_00


def test_another_units_accountant_gets_a_404_and_changes_nothing(user: Any) -> None:
    voucher = _generated(_paid_batch(user))[0]
    office = user("office_clerk")  # the government office's accountant
    office.roles.add(Role.objects.get(code="chief_accountant"))
    for service in (voucher_review, voucher_post):
        with pytest.raises(NotFoundError):
            service(actor=user("office_clerk"), voucher_ids=[voucher.pk])
    voucher.refresh_from_db()
    assert voucher.state == VoucherState.DRAFT and voucher.reviewed_by_id is None


def test_legacy_quota_issued_to_the_school_is_booked_and_unified_books_nothing(user: Any) -> None:
    """DOMAIN §4.1 (L-ISSUE): in a legacy-model book an executable 授权支付 line issued to the
    school is one voucher, Dr 1011 Cr 4001 and Dr 8001—零余额账户用款额度 Cr 6001 with the line's
    codes; the same issue under the unified model (the default) books nothing."""
    from tests.indicator_helpers import issue, project, spec

    school = user("school_accountant").organisation
    works = project(school, user("school_clerk"))
    book = Book.objects.get(organisation=school, fiscal_year=2026)
    before = Voucher.objects.filter(source_type="indicators.document").count()
    issue(
        user("wj_budget"),
        user("wj_budget_chief"),
        [(spec(school, works, pay_type_code="12"), 500_00)],
    )
    assert Voucher.objects.filter(source_type="indicators.document").count() == before
    Book.objects.filter(pk=book.pk).update(quota_model="legacy")
    line = issue(
        user("wj_budget"),
        user("wj_budget_chief"),
        [(spec(school, works, pay_type_code="12"), 800_00), (spec(school, works), 300_00)],
        doc_no="吴财预〔2026〕2号",
    )[0]
    voucher = Voucher.objects.get(source_type="indicators.document", book=book)
    assert (voucher.rule_code, voucher.problem, voucher.total_fen) == ("L-ISSUE v1", "", 800_00)
    assert _lines(voucher) == [
        ("fa", "1011", 800_00, 0),
        ("fa", "4001", 0, 800_00),
        ("ba", "800101", 800_00, 0),
        ("ba", "6001", 0, 800_00),
    ]
    revenue = voucher.lines.get(account_code="6001")
    assert (revenue.indicator_line_id, revenue.exp_func_code, revenue.fund_type_code) == (
        line.pk,
        line.exp_func_code,
        "111",
    )
