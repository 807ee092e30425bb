"""Awards, payment schedules and 履约验收 (R-GP-3, R-GP-9, R-GP-10; DOMAIN-2 §6.2–6.3, ADR 0052).

A filed plan's award names the supplier and amount; the contract signed on it repeats both and
carries its payment schedule (Σ nodes = the contract); a milestone is accepted by someone
other than the requester; a payment on the contract names its node, and a node waiting for
acceptance is refused until the acceptance passed — the third control beside the indicator and
the contract. Figures: the node's (amount, committed) and the contract's committed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.utils import timezone

import pytest
from tests.payment_helpers import DOCUMENT_TYPE, _input, _payee
from tests.test_contract_reservations import _lines, _user
from tests.test_procurement_plans import _filed, _plan

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.core.models import Payee
from yusuan.identity.services import api_token_issue
from yusuan.indicators.models import IndicatorLine
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import PaymentLineInput, request_create
from yusuan.procurement import reports
from yusuan.procurement.choices import InstalmentKind, IntentionExemption
from yusuan.procurement.models import Contract, ContractInstalment, ProcurementPlan
from yusuan.procurement.selectors import contract_deadlines, reservation_differences
from yusuan.procurement.services import ContractInput, ContractLineInput, contract_file
from yusuan.procurement.services.awards import (
    AcceptanceInput,
    AwardInput,
    acceptance_record,
    award_record,
)
from yusuan.procurement.services.contract_terms import InstalmentInput
from yusuan.workflow.services import document_submit, instance_return

pytestmark = pytest.mark.django_db

YEAR = 2026


def _day() -> dt.date:
    """A day the suite's clock allows for every step (never after today, in 2026)."""
    return min(timezone.localdate(), dt.date(YEAR, 6, 1))


def _filed_plan(line: IndicatorLine, yuan: str = "600,000.00") -> ProcurementPlan:
    return _filed(
        _plan(
            [(line, yuan)],
            planned_start=_day(),
            exemption=IntentionExemption.URGENT,
            exemption_reason="设备损毁急需更换",
        )
    )


def _award(plan: ProcurementPlan, yuan: str, **kw: Any) -> Any:
    values: dict[str, Any] = {
        "supplier_id": _payee(_user).pk,
        "amount": Money.parse(yuan),
        "noticed_on": _day(),
        "supplier_is_sme": True,
    }
    values.update(kw)
    return award_record(actor=_user("school_clerk"), plan_id=plan.pk, data=AwardInput(**values))


SCHEDULE = [
    ("预付款", InstalmentKind.ADVANCE, "150,000.00", None),
    ("验收款", InstalmentKind.ACCEPTANCE, "300,000.00", None),
    ("质保金", InstalmentKind.RETENTION, "50,000.00", dt.date(YEAR, 12, 31)),
]


def _contract(award: Any, line: IndicatorLine, *, number: str = "HT-AW-1", **kw: Any) -> Contract:
    values: dict[str, Any] = {
        "number": number,
        "title": "录播教室设备采购合同",
        "supplier_id": award.supplier_id,
        "amount": Money(award.amount),
        "indicator_line_ids": [],
        "filed_on": _day(),
        "lines": [ContractLineInput(line.pk, Money(award.amount))],
        "award_id": award.pk,
        "signed_on": _day(),
        "instalments": [
            InstalmentInput(name, kind, Money.parse(yuan), ends)
            for name, kind, yuan, ends in SCHEDULE
        ],
    }
    values.update(kw)
    return contract_file(
        actor=_user("school_clerk"), data=ContractInput(**values), fiscal_year=YEAR
    )


def _node(contract: Contract, name: str) -> ContractInstalment:
    return contract.instalments.get(name=name)


def _request(contract: Contract, line: IndicatorLine, yuan: str, node: Any) -> PaymentRequest:
    data = _input(
        _user,
        [],
        business_type="procurement",
        purpose="设备采购合同款",
        contract_id=contract.pk,
        payee_id=contract.supplier_id,
        instalment_id=node.pk if node is not None else None,
    )
    data = type(data)(**{**data.__dict__, "lines": [PaymentLineInput(line.pk, Money.parse(yuan))]})
    return request_create(actor=_user("school_clerk"), data=data, fiscal_year=YEAR)


def _codes(caught: pytest.ExceptionInfo[BusinessRuleError]) -> dict[str, tuple[Any, ...]]:
    return {e.field: (e.code, e.rule, e.value, e.limit) for e in caught.value.errors}


# --- awards -----------------------------------------------------------------------------------


def test_r_gp_9_awards_stay_within_the_plan_and_name_the_units_supplier(user: Any) -> None:
    (line,) = _lines(900_000_00)
    plan = _filed_plan(line)
    _award(plan, "500,000.00")
    with pytest.raises(BusinessRuleError) as caught:
        _award(plan, "100,000.01", noticed_on=_day() - dt.timedelta(days=1))
    found = _codes(caught)
    assert found["amount"] == (
        "procurement.award_exceeds_plan",
        "R-GP-9",
        "100,000.01",
        "100,000.00",
    )
    assert found["noticed_on"][0] == "procurement.noticed_on"  # before the planned start
    hospital = Payee.objects.filter(organisation__name__contains="医院").first()
    assert hospital is not None
    with pytest.raises(BusinessRuleError) as other:
        _award(plan, "1.00", supplier_id=hospital.pk)
    assert _codes(other)["supplier"][0] == "procurement.award_supplier"
    draft = _plan(
        [(line, "100,000.00")],
        planned_start=_day(),
        exemption=IntentionExemption.URGENT,
        exemption_reason="急需",
    )
    with pytest.raises(BusinessRuleError) as early:
        _award(draft, "1.00")
    assert early.value.status == 409


def test_r_gp_9_the_contract_repeats_its_awards_supplier_and_amount(user: Any) -> None:
    (line,) = _lines(900_000_00)
    award = _award(_filed_plan(line), "500,000.00")
    other = (
        Payee.objects.filter(organisation=_user("school_clerk").organisation, kind="organisation")
        .exclude(pk=award.supplier_id)
        .first()
    )
    with pytest.raises(BusinessRuleError) as caught:
        _contract(
            award,
            line,
            supplier_id=other.pk if other else award.supplier_id,
            amount=Money.parse("499,999.99"),
            lines=[ContractLineInput(line.pk, Money.parse("499,999.99"))],
            signed_on=_day() - dt.timedelta(days=1),
            instalments=[InstalmentInput("尾款", "retention", Money.parse("1.00"))],
        )
    found = _codes(caught)
    assert found["amount"] == (
        "contracts.award_amount",
        "R-GP-9",
        "499,999.99",
        "500,000.00",
    )
    if other is not None:
        assert found["supplier"][:2] == ("contracts.award_supplier", "R-GP-9")
    assert found["signed_on"][:2] == ("contracts.signed_on", "R-GP-3")
    assert found["instalments"][:2] == ("contracts.schedule_sum", "R-GP-10")
    assert found["instalments"][2:] == ("1.00", "499,999.99")
    assert found["instalments[0].warranty_ends"][0] == "contracts.warranty_ends_required"
    contract = _contract(award, line)
    assert contract.plan_id == award.plan_id and contract.award_id == award.pk
    assert [(n.name, n.amount, n.requires_acceptance) for n in contract.instalments.all()] == [
        ("预付款", 150_000_00, False),
        ("验收款", 300_000_00, True),
        ("质保金", 50_000_00, False),
    ]
    with pytest.raises(BusinessRuleError) as twice:
        _contract(award, line, number="HT-AW-2")
    assert "contracts.award_used" in {e.code for e in twice.value.errors}
    assert reservation_differences() == []


def test_r_gp_3_late_signing_and_filing_are_tracked_not_refused(user: Any) -> None:
    (line,) = _lines(900_000_00)
    start = dt.date(YEAR, 1, 5)
    plan = _filed(
        _plan(
            [(line, "500,000.00")],
            planned_start=start,
            exemption=IntentionExemption.URGENT,
            exemption_reason="急需",
        )
    )
    if timezone.localdate() < dt.date(YEAR, 4, 1):
        pytest.skip("the clock's today leaves no room for a late signing in the year")
    award = _award(plan, "500,000.00", noticed_on=start)
    contract = _contract(
        award,
        line,
        signed_on=dt.date(YEAR, 3, 10),  # a Tuesday, 64 days after the notice
        published_on=dt.date(YEAR, 3, 12),  # the 2nd working day after signing
        filed_on=dt.date(YEAR, 3, 20),  # the 8th
    )
    deadlines = {d.what_en: (d.due, d.done, d.late) for d in contract_deadlines(contract)}
    assert deadlines["signed within 30 days of the award notice"] == (
        dt.date(YEAR, 2, 4),
        dt.date(YEAR, 3, 10),
        True,
    )
    assert deadlines["published within 2 working days"] == (
        dt.date(YEAR, 3, 12),
        dt.date(YEAR, 3, 12),
        False,
    )
    assert deadlines["filed within 7 working days"] == (
        dt.date(YEAR, 3, 19),
        dt.date(YEAR, 3, 20),
        True,
    )
    # R-GP-12: the execution report lists what was late, most late first, in the unit's scope.
    missed = reports.missed_deadlines(
        actor=_user("school_clerk"), fiscal_year=YEAR, on=dt.date(YEAR, 4, 1)
    )
    assert [
        (m.what_en, m.days_late, m.done_on) for m in missed if m.contract_id == contract.pk
    ] == [
        ("signed within 30 days of the award notice", 34, dt.date(YEAR, 3, 10)),
        ("filed within 7 working days", 1, dt.date(YEAR, 3, 20)),
    ]
    others = reports.missed_deadlines(
        actor=_user("hospital_clerk"), fiscal_year=YEAR, on=dt.date(YEAR, 4, 1)
    )
    assert contract.pk not in {m.contract_id for m in others}
    # Not published at all: late from its due date to the day the report is read.
    Contract.objects.filter(pk=contract.pk).update(published_on=None)
    missed = reports.missed_deadlines(
        actor=_user("school_clerk"), fiscal_year=YEAR, on=dt.date(YEAR, 4, 1)
    )
    assert ("published within 2 working days", 20, None) in [
        (m.what_en, m.days_late, m.done_on) for m in missed if m.contract_id == contract.pk
    ]


# --- acceptance and the third control ---------------------------------------------------------


def test_r_gp_10_an_instalment_waits_for_its_milestones_acceptance(user: Any) -> None:
    (line,) = _lines(900_000_00)
    contract = _contract(_award(_filed_plan(line), "500,000.00"), line)
    acceptance = _node(contract, "验收款")

    # No node named: refused, listing the milestones.
    with pytest.raises(BusinessRuleError) as unnamed:
        _request(contract, line, "10,000.00", None)
    assert _codes(unnamed)["instalment"][:2] == ("payments.instalment_required", "R-GP-10")

    # The acceptance node before the acceptance: refused, naming the milestone.
    with pytest.raises(BusinessRuleError) as early:
        _request(contract, line, "300,000.00", acceptance)
    (code, rule, value, _limit) = _codes(early)["instalment"]
    assert (code, rule, value) == ("payments.instalment_not_accepted", "R-GP-10", "验收款")
    assert "验收款" in early.value.errors[0].message_zh
    assert contract.number in early.value.errors[0].message_zh

    # The advance needs no acceptance, within its own amount.
    with pytest.raises(BusinessRuleError) as over:
        _request(contract, line, "150,000.01", _node(contract, "预付款"))
    assert _codes(over)["instalment"][2:] == ("150,000.01", "150,000.00")
    advance = _request(contract, line, "150,000.00", _node(contract, "预付款"))
    instance = document_submit(
        actor=_user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(advance.pk)
    )
    node = _node(contract, "预付款")
    assert (node.amount, node.committed) == (150_000_00, 150_000_00)
    # Returned, the node has its money back; submitted again, it takes it again.
    instance_return(actor=_user("school_reviewer"), instance_id=instance.pk, reason="补附件")
    assert _node(contract, "预付款").committed == 0
    document_submit(
        actor=_user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(advance.pk)
    )
    assert _node(contract, "预付款").committed == 150_000_00

    # The requester (who filed the contract) may not accept; someone else may.
    accept = AcceptanceInput(
        instalment_id=acceptance.pk,
        accepted_on=timezone.localdate(),
        result="passed",
        members="张三、李四、王五",
        report="设备到货安装调试完毕，功能参数符合合同约定",
    )
    with pytest.raises(BusinessRuleError) as own:
        acceptance_record(actor=_user("school_clerk"), contract_id=contract.pk, data=accept)
    assert own.value.status == 403
    assert own.value.errors[0].code == "procurement.acceptance_by_requester"
    failed = AcceptanceInput(**{**accept.__dict__, "result": "failed", "report": "缺少配件"})
    acceptance_record(actor=_user("school_approver"), contract_id=contract.pk, data=failed)
    with pytest.raises(BusinessRuleError) as still:
        _request(contract, line, "300,000.00", acceptance)
    assert _codes(still)["instalment"][0] == "payments.instalment_not_accepted"
    acceptance_record(actor=_user("school_approver"), contract_id=contract.pk, data=accept)
    paid = _request(contract, line, "300,000.00", acceptance)
    assert paid.instalment_id == acceptance.pk
    with pytest.raises(BusinessRuleError) as again:
        acceptance_record(actor=_user("school_reviewer"), contract_id=contract.pk, data=accept)
    assert again.value.errors[0].code == "procurement.acceptance_done"

    # The retention waits for the warranty's end (31 December), whatever was accepted.
    with pytest.raises(BusinessRuleError) as retention:
        _request(contract, line, "50,000.00", _node(contract, "质保金"))
    assert _codes(retention)["pay_date"] == (
        "payments.retention_early",
        "R-GP-10",
        "2026-11-23",
        "2026-12-31",
    )


def test_a_node_of_another_contract_is_not_this_ones(user: Any) -> None:
    line_a, line_b = _lines(900_000_00, 900_000_00)
    first = _contract(_award(_filed_plan(line_a), "500,000.00"), line_a)
    second = _contract(_award(_filed_plan(line_b), "500,000.00"), line_b, number="HT-AW-9")
    with pytest.raises(BusinessRuleError) as caught:
        _request(first, line_a, "1.00", _node(second, "预付款"))
    assert _codes(caught)["instalment"][0] == "payments.instalment_required"


def test_the_api_records_an_award_files_on_it_and_accepts(user: Any) -> None:
    (line,) = _lines(900_000_00)
    plan = _filed_plan(line)
    token = api_token_issue(
        actor=None, user=user("school_clerk"), name="t", scopes=("payments:read", "payments:write")
    )
    client = Client(enforce_csrf_checks=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}

    def post(path: str, body: Any, **kw: Any) -> Any:
        return client.post(
            path, data=json.dumps(body), content_type="application/json", **auth, **kw
        )

    award = post(
        f"/api/v1/procurement/plans/{plan.pk}/awards",
        {
            "supplier_id": _payee(_user).pk,
            "amount": "500,000.00",
            "noticed_on": _day().isoformat(),
            "supplier_is_sme": True,
        },
    )
    assert award.status_code == 201, award.content
    filed = post(
        "/api/v1/procurement/contracts",
        {
            "number": "HT-API-AW",
            "title": "接口合同",
            "supplier_id": _payee(_user).pk,
            "amount": "500,000.00",
            "filed_on": _day().isoformat(),
            "signed_on": _day().isoformat(),
            "lines": [{"indicator": line.code, "amount": "500,000.00"}],
            "award_id": award.json()["id"],
            "instalments": [
                {
                    "name": name,
                    "kind": kind,
                    "amount": yuan,
                    "warranty_ends": str(ends or "") or None,
                }
                for name, kind, yuan, ends in SCHEDULE
            ],
        },
    )
    assert filed.status_code == 201, filed.content
    out = filed.json()
    assert [(n["name"], n["accepted"]) for n in out["instalments"]] == [
        ("预付款", False),
        ("验收款", False),
        ("质保金", False),
    ]
    assert out["deadlines"][0]["late"] is False
    milestone = out["instalments"][1]["id"]
    body = {
        "instalment_id": milestone,
        "accepted_on": timezone.localdate().isoformat(),
        "result": "passed",
        "members": "<b>张三</b>",
        "report": "合格",
    }
    path = f"/api/v1/procurement/contracts/{out['id']}/acceptances"
    own = post(path, body)
    assert own.status_code == 403 and "acceptance_by_requester" in own.content.decode()
    approver = api_token_issue(
        actor=None, user=user("school_approver"), name="a", scopes=("payments:write",)
    )
    accepted = client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {approver.key}",
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["instalments"][1]["accepted"] is True
