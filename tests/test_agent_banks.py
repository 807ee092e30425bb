"""One agent bank per zero-balance account, clearing by bank value date and source, 实拨
(DOMAIN-2 §1 C5; R-PY-9, R-PY-10, R-PY-11, R-PY-12; ADR 0029)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

import pytest
from tests.payment_helpers import _approved, _input, _line, town_payee, treasury_account
from tests.test_api_csrf import csrf_session

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money
from yusuan.core.models import BankAccount, Organisation
from yusuan.core.services.accounts import BankAccountData, bank_account_create
from yusuan.identity.services import api_token_issue
from yusuan.payments import iso20022 as iso
from yusuan.payments import selectors
from yusuan.payments.agent_banks import SPECIAL, TREASURY, clearing_source
from yusuan.payments.choices import RequestState
from yusuan.payments.models import BankFile, BankResult, ClearingDay, PaymentRequest
from yusuan.payments.services import request_create
from yusuan.payments.services.bank import (
    ResultInput,
    bank_files_create,
    bank_report_record,
    bank_result_record,
    read_report,
)
from yusuan.payments.services.clearing import clearing_record, system_figures
from yusuan.payments.services.refunds import bank_return_register

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


def test_on_the_demo_each_bank_file_holds_only_its_own_accounts(user: Any) -> None:
    accounts = BankAccount.objects.filter(account_type="unit_zero_balance")
    assert not accounts.filter(agent_bank__isnull=True).exists()  # R-PY-9: every one held
    assert accounts.values("agent_bank").distinct().count() >= 3  # several banks
    files = BankFile.objects.all()
    held = dict(accounts.values_list("account_no", "agent_bank_id"))
    # The school pays through ICBC, the first hospital through the rural commercial bank.
    assert set(files.values_list("bank__name", flat=True)) >= {ICBC, RCB}
    for bank_file in files:
        assert bank_file.bank_id is not None
        debtors = {b.debtor.number for b in iso.read_pain001(bank_file.xml.encode()).blocks}
        assert debtors, bank_file.message_id
        # R-PY-9: a file holds only the accounts its bank holds.
        assert {held[number] for number in debtors} == {bank_file.bank_id}, bank_file.message_id
    # Each bank's system account reported the results of its own files, with value dates.
    hospital = user("hospital_clerk").organisation
    paid = PaymentRequest.objects.filter(organisation=hospital, state=RequestState.PAID)
    assert paid.exists()
    assert not paid.exclude(voucher__bank_file__bank__name=RCB).exists()
    results = BankResult.objects.filter(line__request__organisation=hospital)
    assert results.count() == paid.count()  # one line each
    assert set(results.values_list("recorded_by__username", flat=True)) == {"bank_rcb"}
    # R-PY-10: each result carries the bank's value date, the request's pay date.
    assert all(r.value_date == r.line.request.pay_date for r in results.select_related("line"))

    # bank_icbc posting a result for the hospital's voucher is refused, naming bank and account.
    at_rcb = paid.select_related("voucher__bank_file", "payer_account").order_by("pk").first()
    assert at_rcb is not None
    account = at_rcb.payer_account
    with pytest.raises(BusinessRuleError) as wrong:
        bank_result_record(
            actor=user("bank_icbc"),
            item=dataclasses.replace(_result(at_rcb), entry_id=f"X-{at_rcb.voucher.number}"),
        )
    error = wrong.value.errors[0]
    assert wrong.value.status == 403
    assert (error.code, error.rule, error.field) == (
        "payments.not_the_agent_bank",
        "R-PY-9",
        "end_to_end_id",
    )
    assert error.limit == RCB
    assert ICBC in error.message_zh and account.account_name in error.message_zh
    assert ICBC in str(error.value) and account.account_name in str(error.value)


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


REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>ICBC-STS-{n}</MsgId><CreDtTm>2026-11-05T16:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{file}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>
</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>{voucher}</OrgnlPmtInfId>
<TxInfAndSts><StsId>A</StsId><OrgnlEndToEndId>{voucher}-1</OrgnlEndToEndId><TxSts>ACSC</TxSts>
{accepted}</TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"""


@pytest.mark.parametrize(
    ("accepted", "value_date"),
    [
        ("<AccptncDtTm>2026-11-03T09:30:00</AccptncDtTm>", dt.date(2026, 11, 3)),
        ("", dt.date(2026, 11, 5)),  # no AccptncDtTm: the report's CreDtTm
    ],
)
def test_the_value_date_comes_from_the_banks_report(
    user: Any, accepted: str, value_date: dt.date
) -> None:
    request = _issued(user, "12.34")
    bank_files_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    request.refresh_from_db()
    assert request.voucher.bank_file is not None
    xml = REPORT.format(
        n=len(accepted),
        file=request.voucher.bank_file.message_id,
        voucher=request.voucher.number,
        accepted=accepted,
    )
    report = read_report(xml.encode())
    bank_report_record(actor=user("bank_icbc"), report=report)
    result = BankResult.objects.get(line__request=request)
    assert result.value_date == value_date  # R-PY-10: not the (fixed) clock's day
    assert system_figures(request.payer_account, value_date) == (1_234, 0)


def test_returns_count_on_their_day_and_only_the_holding_bank_reports_them(user: Any) -> None:
    request = _issued(user, "500")
    bank_files_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    day = dt.date(2026, 11, 9)
    bank_result_record(actor=user("bank_icbc"), item=_result(request, value_date=day))
    line = request.lines.get()
    with pytest.raises(BusinessRuleError) as caught:
        bank_return_register(
            actor=user("bank_rcb"),
            voucher_number=request.voucher.number,
            payee_account_no=line.payee_account_no,
            amount=Money(200_00),
            refund_date=day,
            bank_receipt_no="TP-R1",
        )
    error = caught.value.errors[0]
    assert (error.code, error.rule, error.field, error.limit) == (
        "payments.not_the_agent_bank",
        "R-PY-9",
        "voucher_number",
        ICBC,
    )
    assert RCB in str(error.value)
    bank_return_register(
        actor=user("bank_icbc"),
        voucher_number=request.voucher.number,
        payee_account_no=line.payee_account_no,
        amount=Money(200_00),
        refund_date=day,
        bank_receipt_no="TP-R1",
    )
    # R-PY-10: paid 500.00 and returned 200.00 that value date.
    assert system_figures(request.payer_account, day) == (500_00, 200_00)
    item = clearing_record(
        actor=user("bank_icbc"),
        account_no=request.payer_account.account_no,
        day=day,
        bank_total=Money(500_00),
        bank_returned=Money(200_00),
    )
    assert (item.state, item.bank_total, item.system_total) == ("matched", 300_00, 300_00)


def _two_banks_waiting(user: Any) -> tuple[PaymentRequest, PaymentRequest, BankAccount]:
    at_icbc = _issued(user, "61")
    data = _input(user, [(_line(user, "30201"), "39")])
    rcb_account = _rcb_account(user)
    at_rcb = _issued(user, "39", dataclasses.replace(data, payer_account_id=rcb_account.pk))
    return at_icbc, at_rcb, rcb_account


def test_the_bank_exchange_page_sends_one_file_per_bank(client_as: Any, user: Any) -> None:
    at_icbc, at_rcb, _account = _two_banks_waiting(user)
    page = client_as("wj_treasury").post("/payments/bank/", {"send": "1"}, follow=True)
    text = page.content.decode()
    at_icbc.refresh_from_db()
    at_rcb.refresh_from_db()
    files = {at_icbc.voucher.bank_file, at_rcb.voucher.bank_file}
    assert len(files) == 2 and None not in files
    for sent in files:
        assert sent is not None and sent.bank is not None
        assert f"已向{sent.bank.name}发送 {sent.message_id}" in text
    assert ICBC in text and RCB in text  # the files table names each file's bank


def test_the_api_sends_to_one_bank_at_a_time_and_a_bank_lists_only_its_files(
    user: Any,
) -> None:
    at_icbc, at_rcb, rcb_account = _two_banks_waiting(user)
    client, csrf = csrf_session(user("wj_treasury"))
    path = f"/api/v1/payments/bank-files?mof_div_code={at_rcb.mof_div_code}"
    first = client.post(
        f"{path}&bank_id={rcb_account.agent_bank_id}",
        content_type="application/json",
        data="{}",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert first.status_code == 200, first.content
    assert first.json()["bank_id"] == rcb_account.agent_bank_id
    at_icbc.refresh_from_db()
    assert at_icbc.state == RequestState.VOUCHER_ISSUED  # not the RCB's: still waiting
    second = client.post(path, content_type="application/json", data="{}", HTTP_X_CSRFTOKEN=csrf)
    assert (
        second.status_code == 200
        and second.json()["bank_id"] == at_icbc.payer_account.agent_bank_id
    )
    third = client.post(path, content_type="application/json", data="{}", HTTP_X_CSRFTOKEN=csrf)
    assert third.status_code == 204

    token = api_token_issue(
        actor=None, user=user("bank_icbc"), name="t", scopes=("payments:read", "payments:write")
    )
    listed = Client().get("/api/v1/payments/bank-files", HTTP_AUTHORIZATION=f"Bearer {token.key}")
    assert listed.status_code == 200
    ids = {row["id"] for row in listed.json()["items"]}
    assert second.json()["id"] in ids and first.json()["id"] not in ids  # R-PY-9


def test_a_voucher_of_an_account_held_at_no_bank_is_not_sent_and_the_page_says_so(
    client_as: Any, user: Any
) -> None:
    request = _issued(user, "18")
    BankAccount.objects.filter(pk=request.payer_account_id).update(agent_bank=None)
    page = client_as("wj_treasury").post("/payments/bank/", {"send": "1"}, follow=True)
    text = page.content.decode()
    request.refresh_from_db()
    assert request.state == RequestState.VOUCHER_ISSUED and request.voucher.bank_file is None
    assert "1 张已开具的支付凭证未发送" in text and "R-PY-9" in text


def test_special_account_money_clears_against_the_special_account(user: Any) -> None:
    request = _issued(user, "70")
    bank_files_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    day = dt.date(2026, 11, 4)
    bank_result_record(actor=user("bank_icbc"), item=_result(request, value_date=day))
    request.lines.update(fund_type_code="401")  # 财政专户管理资金 (R-PY-11)
    account = request.payer_account
    assert system_figures(account, day, TREASURY) == (0, 0)
    assert system_figures(account, day, SPECIAL) == (70_00, 0)
    treasury_day = clearing_record(
        actor=user("bank_icbc"), account_no=account.account_no, day=day, bank_total=Money(0)
    )
    assert treasury_day.state == "matched"
    request.refresh_from_db()
    assert request.state == RequestState.PAID  # its special-account day is not cleared yet
    special_day = clearing_record(
        actor=user("bank_icbc"),
        account_no=account.account_no,
        day=day,
        bank_total=Money(70_00),
        source=SPECIAL,
    )
    assert (special_day.state, special_day.source) == ("matched", SPECIAL)
    request.refresh_from_db()
    assert request.state == RequestState.CLEARED


def test_a_transfer_is_paid_by_allocation_with_its_own_voucher_and_no_bank_file(
    user: Any,
) -> None:
    """R-PY-12: a 51301 transfer from the treasury single account ends with a 实拨 voucher (kind
    allocation, SB number, the amount, the treasury as payer), put into no agent bank's file."""
    from yusuan.payments.choices import VoucherKind
    from yusuan.payments.schemas import request_row
    from yusuan.payments.voucher_pdf import voucher_pdf

    line = _line(user, "30201")
    line.gov_bgt_eco_code = "51301"  # 上下级政府间转移性支出
    line.save(update_fields=["gov_bgt_eco_code"])
    treasury = treasury_account(user)
    data = dataclasses.replace(
        _input(user, [(line, "250")]), payer_account_id=treasury.pk, payee_id=town_payee(user).pk
    )
    request = _issued(user, "250", data)
    voucher = request.voucher
    assert voucher.kind == VoucherKind.ALLOCATION
    assert voucher.number.startswith("SB2026")
    assert voucher.amount == 25_000
    assert request.payer_account.account_type == "treasury_single"
    assert AuditRecord.objects.filter(
        action="payments.voucher_issue", object_id=str(voucher.pk), extra__kind="allocation"
    ).exists()
    # Not put into any agent bank's pain.001 file (nor cleared against a zero-balance account).
    assert bank_files_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code) == []
    voucher.refresh_from_db()
    request.refresh_from_db()
    assert voucher.bank_file is None
    assert request.state == RequestState.VOUCHER_ISSUED
    assert not BankFile.objects.filter(vouchers=voucher).exists()
    assert voucher_pdf(request, voucher, request.lines.all()).startswith(b"%PDF")
    assert request_row(request)["voucher_kind"] == "allocation"  # as the API shows it


def test_a_non_transfer_line_is_refused_on_an_allocation_request(user: Any) -> None:
    """R-PY-12: the treasury single account pays only 51301 transfers (实拨); an ordinary line on
    such a request is refused naming the row, the class and the limit."""
    line = _line(user, "30201")
    treasury = treasury_account(user)
    data = dataclasses.replace(_input(user, [(line, "100")]), payer_account_id=treasury.pk)
    with pytest.raises(BusinessRuleError) as caught:
        request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    errors = [e for e in caught.value.errors if e.rule == "R-PY-12"]
    assert [(e.code, e.field, e.value, e.limit) for e in errors] == [
        (
            "payments.allocation_not_transfer",
            "lines[0].indicator_line",
            line.gov_bgt_eco_code,
            "51301",
        )
    ]
    assert "实拨" in errors[0].message_zh and "treasury single account" in errors[0].message_en
    assert not PaymentRequest.objects.filter(payer_account=treasury).exists()


def test_a_treasury_account_not_held_by_the_finance_bureau_is_not_a_payer(user: Any) -> None:
    """R-RF-4 / R-PY-12: only the 国库单一账户 of the region's finance bureau pays by 实拨."""
    treasury = treasury_account(user)
    treasury.organisation = user("school_clerk").organisation  # not a finance bureau
    treasury.save(update_fields=["organisation"])
    line = _line(user, "30201")
    line.gov_bgt_eco_code = "51301"
    line.save(update_fields=["gov_bgt_eco_code"])
    data = dataclasses.replace(_input(user, [(line, "100")]), payer_account_id=treasury.pk)
    with pytest.raises(BusinessRuleError) as caught:
        request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    codes = [e.code for e in caught.value.errors]
    assert codes == ["payments.bad_payer_account", "payments.transfer_by_allocation"]


def test_a_treasury_single_account_belongs_to_the_finance_bureau(user: Any) -> None:
    """R-PY-12: a unit cannot hold the 国库单一账户 that 实拨 pays from."""
    school = user("school_clerk").organisation
    with pytest.raises(BusinessRuleError) as caught:
        bank_account_create(
            actor=user("wj_admin"),
            data=BankAccountData(
                organisation_id=school.pk,
                account_type="treasury_single",
                account_no="3220509000000890",
                account_name="某国库单一账户",
                bank_name="国家金库吴江区支库",
            ),
        )
    error = next(e for e in caught.value.errors if e.rule == "R-PY-12")
    assert (error.code, error.field, error.value, error.limit) == (
        "core.account_type_owner",
        "account_type",
        "treasury_single",
        "finance_bureau",
    )
