"""Reads of the procurement module, each scoped to the actor."""

from __future__ import annotations

from django.db.models import QuerySet

from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.procurement.models import Contract


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
        .prefetch_related("indicator_lines")
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
