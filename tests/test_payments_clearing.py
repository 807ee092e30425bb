"""Daily clearing of a zero-balance account (R-PY-8): the bank's total against the lines the
system settled that day; equal is matched, a difference stays open until another person
resolves it in writing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

import pytest
from tests.test_payments_bank import _result, _sent

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.payments.services.bank import bank_result_record
from yusuan.payments.services.clearing import clearing_record, clearing_resolve, system_total

pytestmark = pytest.mark.django_db


def test_matched_day_and_an_open_difference_resolved_by_another(user: Any) -> None:
    request = _sent(user, "1,000", "20")
    bank = user("bank_icbc")
    bank_result_record(actor=bank, item=_result(request, 1, True))
    bank_result_record(actor=bank, item=_result(request, 2, False))  # failed: not cleared
    account = request.payer_account
    today = timezone.localdate()
    ours = system_total(account, today)
    assert ours >= 100_000  # this request's paid line (the demo may have paid more today)

    item = clearing_record(
        actor=bank, account_no=account.account_no, day=today, bank_total=Money(ours + 2_000)
    )
    assert item.state == "open" and item.difference == 2_000
    with pytest.raises(BusinessRuleError) as caught:
        clearing_resolve(actor=bank, item_id=item.pk, note="银行多报")
    assert caught.value.errors[0].code in ("permission_denied", "payments.clearing_same_person")
    with pytest.raises(BusinessRuleError) as short:
        clearing_resolve(actor=user("wj_treasury"), item_id=item.pk, note=" ")
    assert short.value.errors[0].field == "note"

    # The bank corrects its report: the same day is matched now.
    item = clearing_record(
        actor=bank, account_no=account.account_no, day=today, bank_total=Money(ours)
    )
    assert item.state == "matched" and item.difference == 0
    with pytest.raises(BusinessRuleError) as done:
        clearing_record(actor=bank, account_no=account.account_no, day=today, bank_total=Money(1))
    assert done.value.errors[0].code == "payments.clearing_done"


def test_difference_resolved_in_writing(user: Any) -> None:
    request = _sent(user, "50")
    bank = user("bank_icbc")
    bank_result_record(actor=bank, item=_result(request, 1, True))
    # Every result in this database was recorded today: on a day long past the system paid 0.
    quiet_day = timezone.localdate() - dt.timedelta(days=40)
    item = clearing_record(
        actor=bank,
        account_no=request.payer_account.account_no,
        day=quiet_day,
        bank_total=Money(5_000),
    )
    assert (item.state, item.system_total, item.difference) == ("open", 0, 5_000)
    resolved = clearing_resolve(
        actor=user("wj_treasury"), item_id=item.pk, note="银行将次日交易计入当日，已核对回单"
    )
    assert resolved.state == "resolved" and resolved.resolved_by == user("wj_treasury")
    with pytest.raises(BusinessRuleError):
        clearing_record(
            actor=bank,
            account_no="NOPE",
            day=quiet_day,
            bank_total=Money(1),
        )
