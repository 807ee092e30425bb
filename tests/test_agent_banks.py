"""One agent bank per zero-balance account, clearing by bank value date and source, 实拨
(DOMAIN-2 §1 C5; R-PY-9, R-PY-10, R-PY-11, R-PY-12; ADR 0026)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.utils import timezone

import pytest
from tests.payment_helpers import _approved, _input, _line

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money
from yusuan.core.models import BankAccount, Organisation
from yusuan.core.services.accounts import BankAccountData, bank_account_create
from yusuan.payments import iso20022 as iso
from yusuan.payments import selectors
from yusuan.payments.agent_banks import SPECIAL, TREASURY, clearing_source
from yusuan.payments.choices import RequestState
from yusuan.payments.models import BankFile, ClearingDay, PaymentRequest
from yusuan.payments.services import request_create
from yusuan.payments.services.bank import ResultInput, bank_files_create, bank_result_record
from yusuan.payments.services.clearing import clearing_record, system_figures

pytestmark = pytest.mark.django_db

ICBC = "中国工商银行苏州吴江支行"
RCB = "江苏苏州农村商业银行吴江支行"


def _rcb_account(user: Any) -> BankAccount:
    """A second zero-balance account of the school, held at the rural commercial bank."""
    school = user("school_clerk").organisation
    rcb = Organisation.objects.get(mof_div_code=school.mof_div_code, kind="bank", name=RCB)
    return BankAccount.objects.create(
        mof_div_code=school.mof_div_code,
        organisation=school,
        account_type="unit_zero_balance",
        account_no="3220509000000777",
        account_name=f"{school.name}零余额账户（农商行）",
        bank_name=RCB,
        agent_bank=rcb,
    )


def _issued(user: Any, amount: str, data: Any = None) -> PaymentRequest:
    data = data or _input(user, [(_line(user, "30201"), amount)])
    request = request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    request = _approved(user, request)
    assert request.state == RequestState.VOUCHER_ISSUED
    return request


def _result(request: PaymentRequest, *, value_date: dt.date | None = None) -> ResultInput:
    request.refresh_from_db()
    assert request.voucher.bank_file is not None
    return ResultInput(
        message_id=request.voucher.bank_file.message_id,
        entry_id=f"E-{request.voucher.number}",
        end_to_end_id=f"{request.voucher.number}-1",
        accepted=True,
        value_date=value_date,
    )


def test_files_go_per_bank_and_a_result_posted_by_the_wrong_bank_is_refused(user: Any) -> None:
    at_icbc = _issued(user, "120")
    data = _input(user, [(_line(user, "30201"), "80")])
    rcb_account = _rcb_account(user)
    at_rcb = _issued(user, "80", dataclasses.replace(data, payer_account_id=rcb_account.pk))
    files = bank_files_create(actor=user("wj_treasury"), mof_div_code=at_icbc.mof_div_code)
    assert sorted(f.bank.name for f in files if f.bank) == sorted([ICBC, RCB])
    by_bank = {f.bank.name: f for f in files if f.bank}
    at_icbc.refresh_from_db()
    at_rcb.refresh_from_db()
    assert at_icbc.voucher.bank_file == by_bank[ICBC]
    assert at_rcb.voucher.bank_file == by_bank[RCB]
    # R-PY-9: a file holds only the vouchers of accounts its bank holds.
    debtors = {b.debtor.number for b in iso.read_pain001(by_bank[RCB].xml.encode()).blocks}
    assert debtors == {rcb_account.account_no}
    assert at_icbc.voucher.number not in by_bank[RCB].xml

    with pytest.raises(BusinessRuleError) as wrong:
        bank_result_record(actor=user("bank_icbc"), item=_result(at_rcb))
    error = wrong.value.errors[0]
    assert wrong.value.status == 403
    assert (error.code, error.rule, error.field) == (
        "payments.not_the_agent_bank",
        "R-PY-9",
        "end_to_end_id",
    )
    assert ICBC in str(error.value) and rcb_account.account_name in str(error.value)
    assert error.limit == RCB
    assert ICBC in error.message_zh and rcb_account.account_name in error.message_zh
    at_rcb.refresh_from_db()
    assert at_rcb.state == RequestState.AT_BANK  # nothing recorded

    # Another bank's file is not there for it (404), and its clearing is refused.
    with pytest.raises(NotFoundError):
        selectors.bank_file_get(actor=user("bank_icbc"), file_id=by_bank[RCB].pk)
    with pytest.raises(BusinessRuleError) as clearing:
        clearing_record(
            actor=user("bank_icbc"),
            account_no=rcb_account.account_no,
            day=timezone.localdate(),
            bank_total=Money(8_000),
        )
    assert (clearing.value.errors[0].rule, clearing.value.errors[0].field) == (
        "R-PY-9",
        "account_no",
    )

    # The bank holding the account settles it.
    outcome = bank_result_record(actor=user("bank_rcb"), item=_result(at_rcb))
    assert outcome.line_state == "paid"


def test_on_the_demo_each_bank_file_holds_only_its_own_accounts() -> None:
    accounts = BankAccount.objects.filter(account_type="unit_zero_balance")
    assert not accounts.filter(agent_bank__isnull=True).exists()  # R-PY-9: every one held
    assert accounts.values("agent_bank").distinct().count() >= 3  # several banks
    files = BankFile.objects.all()
    assert files.exists()
    held = dict(accounts.values_list("account_no", "agent_bank_id"))
    for bank_file in files:
        assert bank_file.bank_id is not None
        for block in iso.read_pain001(bank_file.xml.encode()).blocks:
            assert held[block.debtor.number] == bank_file.bank_id, bank_file.message_id


def test_clearing_is_by_bank_value_date_and_clears_the_request(user: Any) -> None:
    request = _issued(user, "345.67")
    bank_files_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    value_date = dt.date(2026, 11, 2)  # the bank's day, not the day it is recorded
    bank_result_record(actor=user("bank_icbc"), item=_result(request, value_date=value_date))
    account = request.payer_account
    assert system_figures(account, value_date) == (34_567, 0)
    assert system_figures(account, value_date, SPECIAL) == (0, 0)

    short = clearing_record(
        actor=user("bank_icbc"), account_no=account.account_no, day=value_date, bank_total=Money(1)
    )
    assert (short.state, short.bank_total, short.system_total) == ("open", 1, 34_567)
    assert short.bank.name == ICBC
    request.refresh_from_db()
    assert request.state == RequestState.PAID  # an open difference clears nothing

    matched = clearing_record(
        actor=user("bank_icbc"),
        account_no=account.account_no,
        day=value_date,
        bank_total=Money(40_000),
        bank_returned=Money(40_000 - 34_567),
    )
    assert (matched.state, matched.bank_paid, matched.bank_returned) == ("matched", 40_000, 5_433)
    assert matched.source == TREASURY
    request.refresh_from_db()
    assert request.state == RequestState.CLEARED  # R-PY-10: its day is matched
    assert AuditRecord.objects.filter(
        action="payments.request_state", object_id=str(request.pk), changes__state__1="cleared"
    ).exists()
    assert ClearingDay.objects.filter(account=account, day=value_date).count() == 1


def test_clearing_source_follows_fund_nature(user: Any) -> None:
    # R-PY-11: 4xx 财政专户, 5xx unit funds not cleared, other fiscal money the treasury.
    assert clearing_source("111") == TREASURY
    assert clearing_source("21") == TREASURY
    assert clearing_source("401") == SPECIAL
    assert clearing_source("501") is None
    account = BankAccount.objects.get(
        organisation=user("school_clerk").organisation, account_type="unit_zero_balance"
    )
    with pytest.raises(BusinessRuleError) as caught:
        clearing_record(
            actor=user("bank_icbc"),
            account_no=account.account_no,
            day=dt.date(2026, 11, 2),
            bank_total=Money(1),
            source="unit",
        )
    error = caught.value.errors[0]
    assert (error.code, error.rule, error.field, error.value) == (
        "payments.clearing_source",
        "R-PY-11",
        "source",
        "unit",
    )


def test_a_transfer_to_a_lower_government_is_refused_from_a_zero_balance_account(
    user: Any,
) -> None:
    line = _line(user, "30201")
    line.gov_bgt_eco_code = "51301"  # 上下级政府间转移性支出
    line.save(update_fields=["gov_bgt_eco_code"])
    with pytest.raises(BusinessRuleError) as caught:
        request_create(
            actor=user("school_clerk"), data=_input(user, [(line, "100")]), fiscal_year=2026
        )
    errors = [e for e in caught.value.errors if e.rule == "R-PY-12"]
    assert [(e.code, e.field, e.value) for e in errors] == [
        ("payments.transfer_by_allocation", "lines[0].indicator_line", "51301")
    ]
    assert "实拨" in errors[0].message_zh


def test_a_zero_balance_account_must_be_held_at_an_agent_bank(user: Any) -> None:
    school = user("school_clerk").organisation
    with pytest.raises(BusinessRuleError) as caught:
        bank_account_create(
            actor=user("wj_admin"),
            data=BankAccountData(
                organisation_id=school.pk,
                account_type="unit_zero_balance",
                account_no="3220509000000888",
                account_name="某零余额账户",
                bank_name="不存在的银行",
            ),
        )
    error = next(e for e in caught.value.errors if e.rule == "R-PY-9")
    assert (error.code, error.field, error.value) == (
        "core.account_agent_bank",
        "bank_name",
        "不存在的银行",
    )
    assert RCB in error.limit
    made = bank_account_create(
        actor=user("wj_admin"),
        data=BankAccountData(
            organisation_id=school.pk,
            account_type="unit_zero_balance",
            account_no="3220509000000889",
            account_name="某零余额账户",
            bank_name=RCB,
        ),
    )
    assert made.agent_bank is not None and made.agent_bank.name == RCB
