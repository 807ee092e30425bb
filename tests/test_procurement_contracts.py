"""Double control (双控, R-PY-3, R-GP-4): a procurement line pays only against a filed contract,
to its supplier, within what is left of the contract and of the indicator; two requests cannot
both take the contract's last yuan; a bank failure gives the contract back its amount."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.payment_helpers import _approved, _buckets, _input, _line, _payee, _round, top_up

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.core.models import Payee
from yusuan.payments.services import PaymentLineInput, request_create
from yusuan.payments.services.bank import ResultInput, bank_file_create, bank_result_record
from yusuan.procurement.models import Contract
from yusuan.procurement.services import ContractInput, contract_file
from yusuan.workflow.services import document_submit, instance_approve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _equipment_money(user: Any) -> None:
    """The school's equipment line holds what these contracts need, whatever the demo budgeted
    for it (C10 sizes projects realistically) and whatever the demo's contracts reserved."""
    equipment = _line(user, "31002")
    if equipment.available < 500_000_00:
        top_up(user, equipment, 500_000_00 - equipment.available)


def _contract(user: Any, amount: str = "100,000.00", **kw: Any) -> Contract:
    equipment = _line(user, "31002")
    values: dict[str, Any] = {
        "number": "WJCG-2026-0188",
        "title": "多媒体教室设备采购",
        "supplier_id": _payee(user).pk,
        "amount": Money.parse(amount),
        "indicator_line_ids": [equipment.pk],
        "filed_on": dt.date(2026, 6, 1),
    }
    values.update(kw)
    return contract_file(actor=user("school_clerk"), data=ContractInput(**values), fiscal_year=2026)


def _procurement(user: Any, amount: str, contract: Contract | None, payee: Payee | None = None):  # type: ignore[no-untyped-def]
    equipment = _line(user, "31002")
    data = _input(
        user,
        [],
        business_type="procurement",
        purpose="设备采购进度款",
        contract_id=contract.pk if contract else None,
        payee_id=(payee or _payee(user)).pk,
    )
    data = type(data)(
        **{**data.__dict__, "lines": [PaymentLineInput(equipment.pk, Money.parse(amount))]}
    )
    return request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)


def test_contract_filing_checks(user: Any) -> None:
    office = _line(user, "30201")
    with pytest.raises(BusinessRuleError) as caught:
        _contract(user, amount="0", indicator_line_ids=[office.pk], title=" ")
    codes = {(e.code, e.field) for e in caught.value.errors}
    assert codes == {
        ("contracts.title_required", "title"),
        ("contracts.amount", "amount"),
        ("contracts.not_procurement", "indicator_lines"),
    }
    _contract(user)
    with pytest.raises(BusinessRuleError) as again:
        _contract(user)
    assert again.value.errors[0].code == "contracts.number_taken"


def test_procurement_line_needs_the_contract_and_its_supplier(user: Any) -> None:
    with pytest.raises(BusinessRuleError) as caught:
        _procurement(user, "1,000.00", None)
    assert [(e.code, e.rule, e.row) for e in caught.value.errors] == [
        ("payments.contract_required", "R-PY-3", 0)
    ]
    contract = _contract(user)
    school = user("school_clerk").organisation
    other = Payee.objects.create(
        mof_div_code=school.mof_div_code,
        organisation=school,
        kind="organisation",
        name="另一家设备公司",
        credit_code="91320509MA1YYYYY0X",
        bank_account_no="6222020000000777",
        bank_name="农业银行吴江支行",
    )
    with pytest.raises(BusinessRuleError) as wrong:
        _procurement(user, "1,000.00", contract, payee=other)
    error = wrong.value.errors[0]
    assert (error.code, error.rule, error.value, error.limit) == (
        "payments.not_supplier",
        "R-GP-4",
        "另一家设备公司",
        contract.supplier.name,
    )
    with pytest.raises(BusinessRuleError) as over:
        _procurement(user, "100,000.01", contract, payee=contract.supplier)
    # R-GP-9 names the line's reservation, R-PY-3 the contract's remaining amount.
    assert [(e.code, e.field, e.limit) for e in over.value.errors] == [
        ("contracts.reservation_exceeded", "lines[0].amount", "100,000.00"),
        ("payments.contract_exceeded", "contract", "100,000.00"),
    ]


def test_two_requests_cannot_share_the_contracts_last_yuan(user: Any) -> None:
    contract = _contract(user, amount="100,000.00")
    equipment = _line(user, "31002")
    first = _procurement(user, "60,000.00", contract)
    second = _procurement(user, "60,000.00", contract)  # both fit alone
    first = _approved(user, first)
    contract.refresh_from_db()
    assert contract.committed == 60_000_00
    before = _buckets(equipment)
    with pytest.raises(BusinessRuleError) as caught:
        document_submit(
            actor=user("school_clerk"), document_type="payments.request", object_id=str(second.pk)
        )
    assert [(e.code, e.rule, e.limit) for e in caught.value.errors] == [
        ("contracts.reservation_exceeded", "R-GP-9", "40,000.00"),
        ("payments.contract_exceeded", "R-PY-3", "40,000.00"),
    ]
    assert _buckets(equipment) == before  # nothing frozen
    contract.refresh_from_db()
    assert contract.committed == 60_000_00

    # The bank fails the first payment: the contract has its amount back; the second goes through.
    sent = bank_file_create(actor=user("wj_treasury"), mof_div_code=first.mof_div_code)
    assert sent is not None
    end_to_end = f"{first.voucher.number}-1"
    bank_result_record(
        actor=user("bank_icbc"),
        item=ResultInput(sent.message_id, "1", end_to_end, False, "AC01 账号不存在"),
    )
    contract.refresh_from_db()
    assert contract.committed == 0
    instance = document_submit(
        actor=user("school_clerk"), document_type="payments.request", object_id=str(second.pk)
    )
    contract.refresh_from_db()
    assert contract.committed == 60_000_00
    instance_approve(actor=user("school_reviewer"), instance_id=instance.pk)
    assert _round(second).round == instance.round


def test_contract_page_files_and_lists(client_as: Any, user: Any) -> None:
    equipment = _line(user, "31002")
    clerk = client_as("school_clerk")
    form = {
        "number": "WJCG-2026-0999",
        "title": "录播教室设备",
        "supplier_id": str(_payee(user).pk),
        "amount": "abc",
        "filed_on": "2026-07-01",
        "indicator_lines": [str(equipment.pk)],
    }
    refused = clerk.post("/payments/contracts/", form)
    assert refused.status_code == 200 and "abc" not in Contract.objects.values_list(
        "number", flat=True
    )
    form["amount"] = "88,000"
    assert clerk.post("/payments/contracts/", form).status_code == 302
    listed = clerk.get("/payments/contracts/").content.decode()
    assert "WJCG-2026-0999" in listed and "88,000.00" in listed
    assert (
        "WJCG-2026-0999"
        not in client_as("hospital_clerk").get("/payments/contracts/").content.decode()
    )
