"""R-GP-2 and R-GP-9 under real concurrency (PostgreSQL; issue 21 "done when"): plans submitted
at the same moment for the last yuan of one procurement line — exactly one reserves it; then
contracts filed at the same moment under that plan for its last yuan — exactly one takes it.
The others are refused by row with the figures, and the ledger and the reservations reconcile.
``tests/test_race_mutants.py`` runs the same bodies with the guards removed (the ledger's
conditional update; the plan's lock and its lines' conditional update) and sees several win."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from tests.payment_helpers import _payee
from tests.test_contract_reservations import _consistent, _lines, _user
from tests.test_indicators_concurrency import _in_threads

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.procurement.choices import IntentionExemption, PlanState, PurMethod
from yusuan.procurement.models import Contract, ProcurementPlan, ProcurementPlanLine
from yusuan.procurement.services import (
    ContractInput,
    ContractLineInput,
    PlanInput,
    PlanLineInput,
    plan_create,
)
from yusuan.workflow.services import document_submit, instance_approve

RACERS = 8
YEAR = 2026


@dataclass
class Observed:
    results: list[Any]
    buckets: tuple[int, int]  # the indicator line's (available, reserved)
    held: tuple[int, int]  # the winning plan's line (consumed, remaining), if any
    consistent: bool


def _plan(line: Any, yuan: str) -> ProcurementPlan:
    return plan_create(
        actor=_user("school_clerk"),
        data=PlanInput(
            title="并发采购计划",
            pur_item_code="A02010104",
            method=PurMethod.INQUIRY,
            amount=Money.parse(yuan),
            planned_start=dt.date(YEAR, 7, 1),
            lines=[PlanLineInput(line.pk, Money.parse(yuan))],
            exemption=IntentionExemption.URGENT,
            exemption_reason="并发测试",
        ),
        fiscal_year=YEAR,
    )


def plans_race_for_the_last_yuan() -> Observed:
    """Eight plans of 600 yuan submitted at once against a procurement line of 1,000 yuan."""
    (line,) = _lines(1_000_00)
    plans = [_plan(line, "600.00") for _ in range(RACERS)]

    def submit(index: int) -> bool:
        document_submit(
            actor=_user("school_clerk"),
            document_type="procurement.plan",
            object_id=str(plans[index].pk),
        )
        return True

    results = _in_threads(submit, RACERS)
    line.refresh_from_db()
    return Observed(results, (line.available, line.reserved), (0, 0), _consistent())


def contracts_race_for_the_plans_last_yuan() -> Observed:
    """A filed plan of 600 yuan; eight contracts of 400 yuan filed under it at once."""
    (line,) = _lines(1_000_00)
    plan = _plan(line, "600.00")
    instance = document_submit(
        actor=_user("school_clerk"), document_type="procurement.plan", object_id=str(plan.pk)
    )
    instance_approve(actor=_user("school_approver"), instance_id=instance.pk)
    supplier = _payee(_user).pk

    def file(index: int) -> bool:
        from yusuan.procurement.services import contract_file

        contract_file(
            actor=_user("school_clerk"),
            data=ContractInput(
                number=f"HT-PLAN-RACE-{index}",
                title="并发合同",
                supplier_id=supplier,
                amount=Money(400_00),
                indicator_line_ids=[],
                filed_on=dt.date(YEAR, 7, 2),
                lines=[ContractLineInput(line.pk, Money(400_00))],
                plan_id=plan.pk,
            ),
            fiscal_year=YEAR,
        )
        return True

    results = _in_threads(file, RACERS)
    line.refresh_from_db()
    taken = ProcurementPlanLine.objects.get(plan=plan)
    return Observed(
        results,
        (line.available, line.reserved),
        (taken.consumed, taken.remaining),
        _consistent(),
    )


@pytest.mark.postgres
def test_r_gp_2_plans_race_for_the_last_yuan_one_reserves_it(
    reload_demo_after: None, transactional_db: None
) -> None:
    observed = plans_race_for_the_last_yuan()
    assert observed.results.count(True) == 1
    refused = [r for r in observed.results if isinstance(r, BusinessRuleError)]
    assert len(refused) == RACERS - 1
    assert {(e.errors[0].rule, e.errors[0].field, e.errors[0].limit) for e in refused} == {
        ("R-GP-2", "lines[0].amount", "400.00")
    }
    assert observed.buckets == (400_00, 600_00)
    states = list(
        ProcurementPlan.objects.filter(title="并发采购计划").values_list("state", flat=True)
    )
    assert sorted(states) == sorted([PlanState.SUBMITTED] + [PlanState.DRAFT] * (RACERS - 1))
    assert observed.consistent


@pytest.mark.postgres
def test_r_gp_9_contracts_race_for_the_plans_last_yuan_one_takes_it(
    reload_demo_after: None, transactional_db: None
) -> None:
    observed = contracts_race_for_the_plans_last_yuan()
    assert observed.results.count(True) == 1
    refused = [r for r in observed.results if isinstance(r, BusinessRuleError)]
    assert len(refused) == RACERS - 1
    assert {(e.errors[0].code, e.errors[0].field, e.errors[0].limit) for e in refused} == {
        ("contracts.plan_exceeded", "lines[0].amount", "200.00")
    }
    assert observed.held == (400_00, 200_00)
    assert observed.buckets == (400_00, 600_00)  # the indicator's buckets did not move
    assert Contract.objects.filter(number__startswith="HT-PLAN-RACE-").count() == 1
    assert observed.consistent
