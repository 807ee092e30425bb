"""R-GP-9 (DOMAIN-2 §6.3, ADR 0032): a filed contract reserves its amount on the indicator lines
it is paid from; its payments freeze from that reservation and give back to it; closing the
contract releases what is left. Two contracts cannot claim the same yuan.

Figures throughout are the line's buckets and the contract line's reserved / consumed /
released / remaining; the ledger reconciles (``reconcile``) and every line's ``reserved`` bucket
is what the open contracts on it still hold (``reservation_differences``)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from tests.indicator_helpers import issue, project, spec
from tests.payment_helpers import DOCUMENT_TYPE, _approved, _input, _payee, _round
from tests.test_money_events import BUCKETS, Journal

from yusuan.common.errors import BusinessRuleError
from yusuan.common.events import money
from yusuan.common.money import Money
from yusuan.identity.models import User
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.selectors import reconcile
from yusuan.payments.events import PaymentFailed, PaymentFrozen, PaymentReleased, RefundConfirmed
from yusuan.payments.models import PaymentRequest, Refund
from yusuan.payments.services import PaymentLineInput, request_create
from yusuan.payments.services.bank import ResultInput, bank_file_create, bank_result_record
from yusuan.payments.services.refunds import refund_confirm, refund_register
from yusuan.procurement.events import ContractReleased
from yusuan.procurement.models import Contract, ContractLine
from yusuan.procurement.selectors import reservation_differences
from yusuan.procurement.services import (
    ContractInput,
    ContractLineInput,
    contract_close,
    contract_file,
)
from yusuan.workflow.services import document_submit, instance_approve, instance_return

pytestmark = pytest.mark.django_db


def _user(name: str) -> Any:
    return User.objects.select_related("organisation").get(username=name)


def _lines(*amounts: int) -> list[IndicatorLine]:
    """Fresh procurement lines of the school (no demo payments on them), one per amount."""
    clerk = _user("school_clerk")
    proj = project(clerk.organisation, clerk, name="设备购置项目")
    return issue(
        _user("wj_budget"),
        _user("wj_budget_chief"),
        [
            (
                spec(
                    clerk.organisation,
                    proj,
                    dep_bgt_eco_code="31002",
                    is_gov_pur=True,
                    summary=f"设备购置{i}",
                ),
                fen,
            )
            for i, fen in enumerate(amounts)
        ],
        doc_no="吴财预〔2026〕77号",
    )


def _file(
    shares: list[tuple[IndicatorLine, str]], amount: str | None = None, number: str = "HT-1"
) -> Contract:
    total = amount or Money(sum(Money.parse(a).fen for _, a in shares)).format()
    return contract_file(
        actor=_user("school_clerk"),
        data=ContractInput(
            number=number,
            title="录播教室设备采购",
            supplier_id=_payee(_user).pk,
            amount=Money.parse(total),
            indicator_line_ids=[],
            filed_on=dt.date(2026, 6, 1),
            lines=[ContractLineInput(line.pk, Money.parse(a)) for line, a in shares],
        ),
        fiscal_year=2026,
    )


def _b(line: IndicatorLine) -> tuple[int, int, int, int]:
    line.refresh_from_db()
    return line.available, line.reserved, line.frozen, line.paid


def _cl(contract: Contract, line: IndicatorLine) -> tuple[int, int, int, int]:
    found = ContractLine.objects.get(contract=contract, indicator_line=line)
    return found.amount, found.consumed, found.released, found.remaining


def _pay(contract: Contract, shares: list[tuple[IndicatorLine, str]]) -> PaymentRequest:
    data = _input(
        _user,
        [],
        business_type="procurement",
        purpose="设备采购进度款",
        contract_id=contract.pk,
        payee_id=contract.supplier_id,
    )
    data = type(data)(
        **{
            **data.__dict__,
            "lines": [PaymentLineInput(line.pk, Money.parse(a)) for line, a in shares],
        }
    )
    return request_create(actor=_user("school_clerk"), data=data, fiscal_year=2026)


def _consistent() -> bool:
    return reconcile() == [] and reservation_differences() == []


def test_r_gp_9_filing_reserves_each_lines_share(user: Any) -> None:
    a, b = _lines(100_000_00, 50_000_00)
    contract = _file([(a, "70,000.00"), (b, "30,000.00")])
    assert contract.state == "filed"
    assert _b(a) == (30_000_00, 70_000_00, 0, 0)
    assert _b(b) == (20_000_00, 30_000_00, 0, 0)
    assert _cl(contract, a) == (70_000_00, 0, 0, 70_000_00)
    assert set(contract.indicator_lines.all()) == {a, b}
    assert _consistent()


def test_r_gp_9_shares_must_add_up_and_fit(user: Any) -> None:
    a, b = _lines(100_000_00, 50_000_00)
    with pytest.raises(BusinessRuleError) as caught:
        _file([(a, "70,000.00"), (b, "30,000.00")], amount="120,000.00")
    [error] = caught.value.errors
    assert (error.code, error.rule, error.field, error.value, error.limit) == (
        "contracts.lines_sum",
        "R-GP-9",
        "lines",
        "100,000.00",
        "120,000.00",
    )
    with pytest.raises(BusinessRuleError) as over:
        _file([(a, "10,000.00"), (b, "50,000.01")])
    [error] = over.value.errors
    assert (error.code, error.rule, error.field, error.row, error.value, error.limit) == (
        "indicators.insufficient",
        "R-GP-9",
        "lines[1].amount",
        1,
        "50,000.01",
        "50,000.00",
    )
    assert b.code in error.message_zh and b.code in error.message_en
    assert _b(a) == (100_000_00, 0, 0, 0) and not Contract.objects.filter(number="HT-1").exists()


def test_r_gp_9_two_contracts_cannot_claim_the_same_yuan(user: Any) -> None:
    (a,) = _lines(100_000_00)
    _file([(a, "60,000.00")], number="HT-1")
    with pytest.raises(BusinessRuleError) as caught:
        _file([(a, "60,000.00")], number="HT-2")
    [error] = caught.value.errors
    assert (error.rule, error.field, error.value, error.limit) == (
        "R-GP-9",
        "lines[0].amount",
        "60,000.00",
        "40,000.00",
    )
    assert "可用余额" in error.message_zh and "available" in error.message_en
    # Ordinary payments cannot take the reserved money either: only 40,000 is available.
    assert _b(a) == (40_000_00, 60_000_00, 0, 0)
    assert _consistent()


def test_r_gp_9_payments_consume_the_reservation_and_give_it_back(
    user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The money events of the whole story are booked by a journal (tests/test_money_events.py)
    # and must equal the ledger at the end, bucket by bucket (reserved included).
    journal = Journal()
    with money.subscribed_to_all(journal), django_capture_on_commit_callbacks(execute=True):
        a, b = _story(user)
    booked = journal.balances()
    for line in (a, b):
        line.refresh_from_db()
        assert {k: booked[line.pk, k] for k in BUCKETS} == {k: getattr(line, k) for k in BUCKETS}
    assert any(event.reservation for event in journal.of(PaymentFrozen))
    assert any(event.reservation for event in journal.of(PaymentReleased))
    assert any(event.reservation for event in journal.of(PaymentFailed))
    assert any(event.reservation for event in journal.of(RefundConfirmed))
    assert [x.amount for x in journal.of(ContractReleased)] == [55_000_00]


def _story(user: Any) -> tuple[IndicatorLine, IndicatorLine]:
    a, b = _lines(100_000_00, 50_000_00)
    contract = _file([(a, "70,000.00"), (b, "30,000.00")])
    request = _pay(contract, [(a, "50,000.00"), (b, "10,000.00")])
    instance = document_submit(
        actor=_user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(request.pk)
    )
    # Frozen from the reservation: available untouched.
    assert _b(a) == (30_000_00, 20_000_00, 50_000_00, 0)
    assert _b(b) == (20_000_00, 20_000_00, 10_000_00, 0)
    assert _cl(contract, a) == (70_000_00, 50_000_00, 0, 20_000_00)
    # Returned for revision: back to the reservation, not to available.
    instance_return(
        actor=_user("school_reviewer"), instance_id=instance.pk, reason="补充发票", to_entry=True
    )
    assert _b(a) == (30_000_00, 70_000_00, 0, 0)
    assert _cl(contract, a) == (70_000_00, 0, 0, 70_000_00)
    assert _consistent()

    # Approved and paid by the bank: reserved → frozen → paid.
    request = _approved(user, request)
    assert _round(request).state == "approved"
    sent = bank_file_create(actor=_user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert sent is not None
    bank_result_record(
        actor=_user("bank_icbc"),
        item=ResultInput(sent.message_id, "1", f"{request.voucher.number}-1", True),
    )
    bank_result_record(
        actor=_user("bank_icbc"),
        item=ResultInput(sent.message_id, "2", f"{request.voucher.number}-2", False, "AC01"),
    )
    assert _b(a) == (30_000_00, 20_000_00, 0, 50_000_00)
    # The failed line went back to the contract's reservation on b.
    assert _b(b) == (20_000_00, 30_000_00, 0, 0)
    assert _cl(contract, b) == (30_000_00, 0, 0, 30_000_00)
    contract.refresh_from_db()
    assert contract.committed == 50_000_00
    assert _consistent()

    # A same-year refund while the contract is open restores the reservation (R-GP-9, not R-RF-2).
    line = request.lines.get(row=0)
    refund = refund_register(
        actor=_user("school_clerk"),
        line_id=line.pk,
        amount=Money.parse("5,000.00"),
        refund_date=dt.date(2026, 11, 25),
        kind="payee_refund",
        reason="overpaid",
    )
    refund_confirm(actor=_user("school_approver"), refund_id=refund.pk)
    assert _b(a) == (30_000_00, 25_000_00, 0, 45_000_00)
    assert _cl(contract, a) == (70_000_00, 45_000_00, 0, 25_000_00)
    contract.refresh_from_db()
    assert contract.committed == 45_000_00
    assert _consistent()

    # Closing releases what is left to available; a later refund goes to available too.
    contract_close(
        actor=_user("school_clerk"),
        contract_id=contract.pk,
        state="completed",
        closed_on=dt.date(2026, 11, 30),
    )
    assert _b(a) == (55_000_00, 0, 0, 45_000_00)
    assert _b(b) == (50_000_00, 0, 0, 0)
    assert _cl(contract, a) == (70_000_00, 45_000_00, 25_000_00, 0)
    refund = refund_register(
        actor=_user("school_clerk"),
        line_id=line.pk,
        amount=Money.parse("1,000.00"),
        refund_date=dt.date(2026, 12, 1),
        kind="payee_refund",
        reason="overpaid",
    )
    refund_confirm(actor=_user("school_approver"), refund_id=refund.pk)
    assert Refund.objects.get(pk=refund.pk).state == "restored"
    assert _b(a) == (56_000_00, 0, 0, 44_000_00)
    assert _cl(contract, a) == (70_000_00, 44_000_00, 26_000_00, 0)
    assert _consistent()
    return a, b


def test_r_gp_9_a_payment_beyond_the_reservation_or_on_a_closed_contract_is_refused(
    user: Any,
) -> None:
    a, b = _lines(100_000_00, 50_000_00)
    contract = _file([(a, "70,000.00"), (b, "30,000.00")])
    # Each line's share binds, even with the contract's total not reached.
    with pytest.raises(BusinessRuleError) as caught:
        _pay(contract, [(a, "10,000.00"), (b, "30,000.01")])
    [error] = caught.value.errors
    assert (error.code, error.rule, error.field, error.value, error.limit) == (
        "contracts.reservation_exceeded",
        "R-GP-9",
        "lines[1].amount",
        "30,000.01",
        "30,000.00",
    )
    assert contract.number in error.message_zh and b.code in error.message_en
    draft = _pay(contract, [(a, "10,000.00")])
    contract_close(
        actor=_user("school_clerk"),
        contract_id=contract.pk,
        state="terminated",
        closed_on=dt.date(2026, 7, 1),
        reason="供应商违约",
    )
    assert _b(a) == (100_000_00, 0, 0, 0)
    with pytest.raises(BusinessRuleError) as closed:
        document_submit(
            actor=_user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(draft.pk)
        )
    assert [(e.code, e.rule, e.field) for e in closed.value.errors] == [
        ("contracts.closed", "R-GP-9", "contract")
    ]
    with pytest.raises(BusinessRuleError) as again:
        contract_close(
            actor=_user("school_clerk"),
            contract_id=contract.pk,
            state="completed",
            closed_on=dt.date(2026, 7, 2),
        )
    assert again.value.errors[0].code == "contracts.closed"
    assert _b(a) == (100_000_00, 0, 0, 0) and _consistent()


def test_r_gp_9_payment_in_flight_when_the_contract_closes(user: Any) -> None:
    (a,) = _lines(100_000_00)
    contract = _file([(a, "80,000.00")])
    request = _pay(contract, [(a, "30,000.00")])
    instance = document_submit(
        actor=_user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(request.pk)
    )
    contract_close(
        actor=_user("school_clerk"),
        contract_id=contract.pk,
        state="terminated",
        closed_on=dt.date(2026, 7, 1),
    )
    assert _b(a) == (70_000_00, 0, 30_000_00, 0)
    # A closed contract pays nothing more: the last approval is refused.
    instance_approve(actor=_user("school_reviewer"), instance_id=instance.pk)
    with pytest.raises(BusinessRuleError) as refused:
        instance_approve(actor=_user("school_approver"), instance_id=instance.pk)
    assert [(e.code, e.rule) for e in refused.value.errors] == [("contracts.closed", "R-GP-9")]
    # The frozen money comes back to available, not to the closed contract.
    instance_return(
        actor=_user("school_approver"), instance_id=instance.pk, reason="合同已终止", to_entry=True
    )
    assert _b(a) == (100_000_00, 0, 0, 0)
    assert _cl(contract, a) == (80_000_00, 0, 80_000_00, 0)
    assert _consistent()


def test_r_gp_9_contract_page_and_api(client_as: Any, user: Any) -> None:
    a, b = _lines(100_000_00, 50_000_00)
    api = client_as("school_clerk")
    answer = api.post(
        "/api/v1/procurement/contracts",
        data=json.dumps(
            {
                "number": "HT-API-1",
                "title": "录播教室设备采购",
                "supplier_id": _payee(user).pk,
                "amount": "90,000.00",
                "filed_on": "2026-06-01",
                "lines": [
                    {"indicator": a.code, "amount": "60,000.00"},
                    {"indicator": b.code, "amount": "30,000.00"},
                ],
            }
        ),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "filed"
    assert body["lines"] == [
        {
            "indicator": a.code,
            "amount_fen": 60_000_00,
            "consumed_fen": 0,
            "released_fen": 0,
            "remaining_fen": 60_000_00,
        },
        {
            "indicator": b.code,
            "amount_fen": 30_000_00,
            "consumed_fen": 0,
            "released_fen": 0,
            "remaining_fen": 30_000_00,
        },
    ]
    # The second contract for the same money: refused by line, with the figures.
    refused = api.post(
        "/api/v1/procurement/contracts",
        data=json.dumps(
            {
                "number": "HT-API-2",
                "title": "另一合同",
                "supplier_id": _payee(user).pk,
                "amount": "40,000.01",
                "filed_on": "2026-06-02",
                "lines": [{"indicator": a.code, "amount": "40,000.01"}],
            }
        ),
        content_type="application/json",
    )
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["rule"], error["field"], error["value"], error["limit"]) == (
        "R-GP-9",
        "lines[0].amount",
        "40,000.01",
        "40,000.00",
    )
    contract = Contract.objects.get(number="HT-API-1")
    _approved(user, _pay(contract, [(a, "10,000.00")]))
    page = api.get(f"/payments/contracts/{contract.pk}/").content.decode()
    # reserved at filing, consumed, released, still reserved.
    assert all(x in page for x in (a.code, "60,000.00", "10,000.00", "50,000.00"))
    assert client_as("hospital_clerk").get(f"/payments/contracts/{contract.pk}/").status_code == 404
    # Closed by the page, seen by the API.
    closed = api.post(
        f"/payments/contracts/{contract.pk}/",
        {"state": "completed", "closed_on": "2026-11-30", "reason": "验收完毕"},
    )
    assert closed.status_code == 302
    got = api.get(f"/api/v1/procurement/contracts/{contract.pk}").json()
    assert got["state"] == "completed" and got["closed_on"] == "2026-11-30"
    assert [x["released_fen"] for x in got["lines"]] == [50_000_00, 30_000_00]
    again = api.post(
        f"/api/v1/procurement/contracts/{contract.pk}/close",
        data=json.dumps({"state": "terminated", "closed_on": "2026-12-01"}),
        content_type="application/json",
    )
    assert again.status_code == 422 and again.json()["errors"][0]["code"] == "contracts.closed"
    assert _b(a) == (90_000_00, 0, 10_000_00, 0) and _consistent()


def test_r_gp_9_contract_page_files_with_shares(client_as: Any, user: Any) -> None:
    a, b = _lines(100_000_00, 50_000_00)
    clerk = client_as("school_clerk")
    form = {
        "number": "HT-PAGE-1",
        "title": "录播教室设备",
        "supplier_id": str(_payee(user).pk),
        "amount": "80,000",
        "filed_on": "2026-07-01",
        "line_0": str(a.pk),
        "line_amount_0": "60,000",
        "line_1": str(b.pk),
        "line_amount_1": "10,000",
    }
    refused = clerk.post("/payments/contracts/", form).content.decode()
    assert 'data-field="lines"' in refused and "R-GP-9" in refused
    form["line_amount_1"] = "20,000"
    assert clerk.post("/payments/contracts/", form).status_code == 302
    assert _b(a) == (40_000_00, 60_000_00, 0, 0) and _b(b) == (30_000_00, 20_000_00, 0, 0)


def test_r_gp_9_the_demos_contracts_reserve_their_lines(user: Any) -> None:
    # Given the tiny demo as generated (its contracts filed through the service; none yet when
    # the clock is at 1 January),
    contracts = list(Contract.objects.prefetch_related("lines"))
    for contract in contracts:
        # each holds its whole amount on its lines, less what its payments took,
        assert sum(x.amount for x in contract.lines.all()) == contract.amount
        assert sum(x.consumed for x in contract.lines.all()) == contract.committed
    # and every line's reserved bucket is what the open contracts on it still hold.
    held = any(x.remaining for c in contracts if c.state == "filed" for x in c.lines.all())
    assert IndicatorLine.objects.filter(reserved__gt=0).exists() == held
    assert _consistent()
