"""Reads of the procurement module, each scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet, Sum

from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.procurement.choices import ContractState
from yusuan.procurement.models import Contract, ContractLine


def contracts(*, actor: Actor, organisation_id: int) -> list[Contract]:
    return list(
        Contract.objects.visible_to(actor)
        .filter(organisation_id=organisation_id)
        .select_related("supplier")
        .order_by("-filed_on")
    )


def contract_list(*, actor: Actor) -> QuerySet[Contract]:
    return (
        Contract.objects.visible_to(actor)
        .select_related("organisation", "supplier")
        .prefetch_related("indicator_lines", "lines__indicator_line")
        .order_by("-filed_on", "-pk")
    )


def contract_get(*, actor: Actor, contract_id: int) -> Contract:
    found = contract_list(actor=actor).filter(pk=contract_id).first()
    if found is None:
        raise NotFoundError("contract")
    return found


def procurement_lines(*, actor: Actor, organisation_id: int) -> list[IndicatorLine]:
    """The unit's executable procurement lines a contract may be paid from."""
    return list(
        IndicatorLine.objects.visible_to(actor)
        .filter(
            organisation_id=organisation_id,
            is_gov_pur=True,
            kind=LineKind.EXECUTABLE,
        )
        .order_by("-fiscal_year", "code")
    )


def contract_lines(contract: Contract) -> list[ContractLine]:
    """R-GP-9: a contract's lines with what each reserved, what payments consumed and what is
    left (as the contract detail page and the API show them); the contract was read scoped."""
    return sorted(contract.lines.all(), key=lambda line: line.row)


@dataclass(frozen=True)
class ReservationDifference:
    line_code: str
    reserved: int  # the ledger's bucket
    held: int  # Σ what the open contracts on the line still hold


def reservation_differences(*, mof_div_code: str | None = None) -> list[ReservationDifference]:
    """R-GP-9 reconciled: every indicator line's ``reserved`` bucket equals Σ (amount − consumed −
    released) of the contracts on it (closed contracts hold nothing). Empty when consistent."""
    held = dict(
        ContractLine.objects.values("indicator_line_id")
        .annotate(n=Sum(F("amount") - F("consumed") - F("released")))
        .values_list("indicator_line_id", "n")
    )
    lines = IndicatorLine.objects.filter(kind=LineKind.EXECUTABLE)
    if mof_div_code:
        lines = lines.filter(mof_div_code=mof_div_code)
    open_held = dict(
        ContractLine.objects.filter(contract__state=ContractState.FILED)
        .values("indicator_line_id")
        .annotate(n=Sum(F("amount") - F("consumed") - F("released")))
        .values_list("indicator_line_id", "n")
    )
    differences = []
    for pk, code, reserved in lines.values_list("pk", "code", "reserved"):
        expected = int(open_held.get(pk) or 0)
        if reserved != expected or int(held.get(pk) or 0) != expected:
            differences.append(ReservationDifference(code, reserved, expected))
    return differences
