"""Money events of contract and plan reservations (ADR 0022, ADR 0032, ADR 0052; R-GP-2,
R-GP-9): what a later module (accounting, the 政府采购执行表 of R-GP-12) learns when a
reservation moves.

- ``procurement.reserved``: ``services.contracts.contract_file`` — filing moved each line's share
  from available to reserved;
- ``procurement.released``: ``services.contracts.contract_close`` — closing moved what was left
  from reserved back to available;
- ``procurement.plan_reserved``: a plan submitted (``services.plans.reserve``) — each line's share
  from available to reserved;
- ``procurement.plan_released``: a plan returned, withdrawn, rejected, closed or cancelled
  (``services.plans.unreserve``) — what it still held back to available.

A contract filed under a plan takes its share from the plan's reservation: no bucket moves, so
no money event (the contract's ``plan`` names where it came from).

What a contract's payments take from or give back to the reservation travels on the payment
events themselves (their ``reservation`` part, ``payments.events``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from yusuan.common.clock import business_day
from yusuan.common.events import SourceDocument, money
from yusuan.indicators.events import IndicatorAmount, indicator_refs
from yusuan.procurement.models import Contract, ProcurementPlan


@dataclass(frozen=True)
class ContractMoved:
    event_id: str  # the ledger key of the movement
    mof_div_code: str
    fiscal_year: int
    business_date: dt.date  # Asia/Shanghai
    source: SourceDocument  # the contract
    organisation_id: int
    organisation_code: str
    supplier_id: int
    amount: int  # fen, > 0; Σ lines
    lines: tuple[IndicatorAmount, ...]


@dataclass(frozen=True)
class ContractReserved(ContractMoved):
    """A contract was filed: each line's share moved from available to reserved (R-GP-9)."""


@dataclass(frozen=True)
class ContractReleased(ContractMoved):
    """A contract closed (completed or terminated): what it still reserved is available again."""

    state: str  # ContractState


CONTRACT_RESERVED = money.channel("procurement.reserved", ContractReserved)
CONTRACT_RELEASED = money.channel("procurement.released", ContractReleased)


def _fields(contract: Contract, parts: Iterable[tuple[int, int]], event_id: str) -> ContractMoved:
    pairs = [(line_id, fen) for line_id, fen in parts if fen]
    refs = indicator_refs(line_id for line_id, _ in pairs)
    lines = tuple(IndicatorAmount(refs[line_id], fen) for line_id, fen in pairs)
    return ContractMoved(
        event_id=event_id,
        mof_div_code=contract.mof_div_code,
        fiscal_year=contract.fiscal_year,
        business_date=business_day(),
        source=SourceDocument("procurement.contract", contract.pk, contract.number),
        organisation_id=contract.organisation_id,
        organisation_code=contract.organisation.code,
        supplier_id=contract.supplier_id,
        amount=sum(x.amount for x in lines),
        lines=lines,
    )


def contract_reserved(
    contract: Contract, parts: Iterable[tuple[int, int]], *, event_id: str
) -> ContractReserved:
    return ContractReserved(**vars(_fields(contract, parts, event_id)))


def contract_released(
    contract: Contract, parts: Iterable[tuple[int, int]], *, event_id: str
) -> ContractReleased:
    return ContractReleased(**vars(_fields(contract, parts, event_id)), state=contract.state)


@dataclass(frozen=True)
class PlanMoved:
    event_id: str  # the ledger key of the movement
    mof_div_code: str
    fiscal_year: int
    business_date: dt.date  # Asia/Shanghai
    source: SourceDocument  # the plan
    organisation_id: int
    organisation_code: str
    amount: int  # fen, > 0; Σ lines
    lines: tuple[IndicatorAmount, ...]


@dataclass(frozen=True)
class PlanReserved(PlanMoved):
    """A plan was submitted: each line's share moved from available to reserved (R-GP-2)."""


@dataclass(frozen=True)
class PlanReleased(PlanMoved):
    """A plan gave back what it held: returned, withdrawn or rejected before filing (all of
    it), or closed or cancelled (what no contract took)."""

    state: str  # PlanState after the move


PLAN_RESERVED = money.channel("procurement.plan_reserved", PlanReserved)
PLAN_RELEASED = money.channel("procurement.plan_released", PlanReleased)


def _plan_fields(
    plan: ProcurementPlan, parts: Iterable[tuple[int, int]], event_id: str
) -> PlanMoved:
    pairs = [(line_id, fen) for line_id, fen in parts if fen]
    refs = indicator_refs(line_id for line_id, _ in pairs)
    lines = tuple(IndicatorAmount(refs[line_id], fen) for line_id, fen in pairs)
    return PlanMoved(
        event_id=event_id,
        mof_div_code=plan.mof_div_code,
        fiscal_year=plan.fiscal_year,
        business_date=business_day(),
        source=SourceDocument("procurement.plan", plan.pk, plan.number),
        organisation_id=plan.organisation_id,
        organisation_code=plan.organisation.code,
        amount=sum(x.amount for x in lines),
        lines=lines,
    )


def plan_reserved(
    plan: ProcurementPlan, parts: Iterable[tuple[int, int]], *, event_id: str
) -> PlanReserved:
    return PlanReserved(**vars(_plan_fields(plan, parts, event_id)))


def plan_released(
    plan: ProcurementPlan, parts: Iterable[tuple[int, int]], *, event_id: str, state: str
) -> PlanReleased:
    return PlanReleased(**vars(_plan_fields(plan, parts, event_id)), state=state)
