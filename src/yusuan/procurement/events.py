"""Money events of contract reservations (ADR 0022, ADR 0032, R-GP-9): what a later module
(accounting, the 政府采购执行表 of R-GP-12) learns when a contract's reservation moves.

- ``procurement.reserved``: ``services.contracts.contract_file`` — filing moved each line's share
  from available to reserved;
- ``procurement.released``: ``services.contracts.contract_close`` — closing moved what was left
  from reserved back to available.

What a contract's payments take from or give back to the reservation travels on the payment
events themselves (their ``reservation`` part, ``payments.events``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from yusuan.common.events import SourceDocument, money
from yusuan.indicators.events import IndicatorAmount, indicator_refs
from yusuan.procurement.models import Contract


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
        business_date=timezone.localdate(),
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
