"""Refunds of one line inside a paid batch (P9, R-RF-1…3): partial, over-refund refused with the
figures, confirmed by another person, same year restores the indicator, a later year does not;
a bank return is matched to its line by voucher and account."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.payment_helpers import _approved, _buckets, _input, _line, _payee

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.core.models import Payee
from yusuan.indicators.selectors import reconcile
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import PaymentLineInput, request_create
from yusuan.payments.services.bank import ResultInput, bank_file_create, bank_result_record
from yusuan.payments.services.refunds import (
    bank_return_register,
    refund_confirm,
    refund_register,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 23)


def _paid_batch(user: Any) -> PaymentRequest:
    """Three lines to three payees, all paid by the bank."""
    office = _line(user, "30201")
    school = user("school_clerk").organisation
    payees = [_payee(user)] + [
        Payee.objects.create(
            mof_div_code=school.mof_div_code,
            organisation=school,
            kind="organisation",
            name=f"供应商{i}",
            credit_code=f"91320509MA1XXXX{i}0X",
            bank_account_no=f"62220200000009{i}",
            bank_name="农业银行吴江支行",
        )
        for i in (1, 2)
    ]
    data = _input(user, [])
    data = type(data)(
        **{
            **data.__dict__,
            "lines": [
                PaymentLineInput(office.pk, Money(fen), payee.pk)
                for fen, payee in zip((100_00, 250_00, 40_00), payees, strict=True)
            ],
        }
    )
    request = _approved(
        user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    )
    sent = bank_file_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert sent is not None
    for row in (1, 2, 3):
        bank_result_record(
            actor=user("bank_icbc"),
            item=ResultInput(sent.message_id, str(row), f"{request.voucher.number}-{row}", True),
        )
    request.refresh_from_db()
    assert request.state == "paid"
    return request


def test_partial_refund_of_one_line_restores_its_indicator(user: Any) -> None:
    office = _line(user, "30201")
    request = _paid_batch(user)
    after_payment = _buckets(office)
    second = request.lines.get(row=1)
    refund = refund_register(
        actor=user("school_clerk"),
        line_id=second.pk,
        amount=Money(100_00),
        kind="payee_refund",
        reason="overpaid",
        refund_date=TODAY,
    )
    assert refund.same_year and refund.state == "registered"
    assert _buckets(office) == after_payment  # nothing moves until confirmed
    with pytest.raises(BusinessRuleError) as caught:
        refund_register(
            actor=user("school_clerk"),
            line_id=second.pk,
            amount=Money(150_01),
            kind="payee_refund",
            reason="overpaid",
            refund_date=TODAY,
        )
    error = caught.value.errors[0]
    assert (error.rule, error.field, error.value, error.limit) == (
        "R-RF-1",
        "amount",
        "150.01",
        "150.00",
    )
    with pytest.raises(BusinessRuleError) as same_person:
        refund_confirm(actor=user("school_clerk"), refund_id=refund.pk)
    assert same_person.value.errors[0].code in ("payments.refund_same_person", "permission_denied")
    refund_confirm(actor=user("school_approver"), refund_id=refund.pk)
    refund.refresh_from_db()
    assert refund.state == "restored"
    available, frozen, paid = after_payment
    assert _buckets(office) == (available + 100_00, frozen, paid - 100_00)
    second.refresh_from_db()
    assert second.refunded == 100_00
    assert request.lines.get(row=0).refunded == 0  # the other lines are untouched
    assert reconcile() == []


def test_prior_year_refund_does_not_restore(user: Any) -> None:
    office = _line(user, "30201")
    request = _paid_batch(user)
    before = _buckets(office)
    refund = refund_register(
        actor=user("school_clerk"),
        line_id=request.lines.get(row=2).pk,
        amount=Money(40_00),
        kind="payee_refund",
        reason="error",
        refund_date=dt.date(2027, 3, 2),
    )
    assert not refund.same_year
    refund_confirm(actor=user("school_approver"), refund_id=refund.pk)
    refund.refresh_from_db()
    assert refund.state == "to_treasury"
    assert _buckets(office) == before


def test_bank_return_is_matched_by_voucher_and_account(user: Any) -> None:
    request = _paid_batch(user)
    third = request.lines.get(row=2)
    refund = bank_return_register(
        actor=user("wj_treasury"),
        voucher_number=request.voucher.number,
        payee_account_no=third.payee_account_no,
        amount=Money(40_00),
        refund_date=TODAY,
        bank_receipt_no="TP20261123001",
    )
    assert refund.line_id == third.pk and refund.kind == "bank_return"
    with pytest.raises(BusinessRuleError) as same_person:  # holds the right, registered it
        refund_confirm(actor=user("wj_treasury"), refund_id=refund.pk)
    assert (same_person.value.errors[0].code, same_person.value.errors[0].rule) == (
        "payments.refund_same_person",
        "R-WF-1",
    )
    with pytest.raises(BusinessRuleError) as caught:
        bank_return_register(
            actor=user("wj_treasury"),
            voucher_number=request.voucher.number,
            payee_account_no="000000",
            amount=Money(1),
            refund_date=TODAY,
            bank_receipt_no="TP2",
        )
    assert caught.value.errors[0].rule == "R-RF-1b"
