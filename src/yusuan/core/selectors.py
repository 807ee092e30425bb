"""Scoped reads of master data. Every page, fragment and API endpoint goes through these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.core.choices import CodeKind, EconomicGroup
from yusuan.core.models import (
    BankAccount,
    ClassificationCode,
    EconomicMapping,
    FiscalYear,
    Organisation,
    Payee,
    Region,
)


def _get_or_404(queryset: QuerySet[Any], pk: int) -> object:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def organisation_list(
    *, actor: Actor, text: str = "", kind: str = "", agency_type: str = ""
) -> QuerySet[Organisation]:
    queryset = Organisation.objects.visible_to(actor).select_related(
        "parent", "supervising_division"
    )
    if text:
        queryset = queryset.filter(Q(code__icontains=text) | Q(name__icontains=text))
    if kind:
        queryset = queryset.filter(kind=kind)
    if agency_type:
        queryset = queryset.filter(agency_type=agency_type)
    return queryset.order_by("code")


def acting_organisation(*, actor: Actor, organisation_id: int | None) -> Organisation:
    """The unit a document is entered for: the one named, or the actor's own; outside the
    actor's scope (or none at all) it does not exist for them (``NotFoundError``, a 404)."""
    organisation_id = organisation_id or getattr(actor, "organisation_id", None)
    organisation = (
        Organisation.objects.visible_to(actor).filter(pk=organisation_id).first()
        if organisation_id
        else None
    )
    if organisation is None:
        raise NotFoundError("organisation")
    return organisation


def access_organisation(*, actor: Actor, pk: int) -> Organisation:
    obj = _get_or_404(
        Organisation.objects.visible_to(actor).select_related("parent", "supervising_division"), pk
    )
    assert isinstance(obj, Organisation)
    return obj


def organisation_children(*, actor: Actor, organisation: Organisation) -> QuerySet[Organisation]:
    return Organisation.objects.visible_to(actor).filter(parent=organisation).order_by("code")


def bank_account_list(
    *, actor: Actor, text: str = "", account_type: str = ""
) -> QuerySet[BankAccount]:
    queryset = BankAccount.objects.visible_to(actor).select_related("organisation")
    if text:
        queryset = queryset.filter(
            Q(account_no__icontains=text)
            | Q(account_name__icontains=text)
            | Q(organisation__name__icontains=text)
        )
    if account_type:
        queryset = queryset.filter(account_type=account_type)
    return queryset.order_by("organisation__code", "account_type", "pk")


def access_bank_account(*, actor: Actor, pk: int) -> BankAccount:
    obj = _get_or_404(BankAccount.objects.visible_to(actor).select_related("organisation"), pk)
    assert isinstance(obj, BankAccount)
    return obj


def payee_list(*, actor: Actor, text: str = "", kind: str = "") -> QuerySet[Payee]:
    queryset = Payee.objects.visible_to(actor).select_related("organisation")
    if text:
        queryset = queryset.filter(Q(name__icontains=text) | Q(bank_account_no__icontains=text))
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("name", "pk")


def access_payee(*, actor: Actor, pk: int) -> Payee:
    obj = _get_or_404(Payee.objects.visible_to(actor).select_related("organisation"), pk)
    assert isinstance(obj, Payee)
    return obj


def fiscal_year_list(*, actor: Actor) -> QuerySet[FiscalYear]:
    return FiscalYear.objects.visible_to(actor).order_by("-year")


def access_fiscal_year(*, actor: Actor, pk: int) -> FiscalYear:
    obj = _get_or_404(FiscalYear.objects.visible_to(actor), pk)
    assert isinstance(obj, FiscalYear)
    return obj


def current_fiscal_year(*, actor: Actor) -> FiscalYear | None:
    """The latest open year of the actor's region: the default of every year filter."""
    return FiscalYear.objects.visible_to(actor).filter(status="open").order_by("-year").first()


def code_list(
    *, actor: Actor, fiscal_year: int, kind: str = "", text: str = "", enabled: str = ""
) -> QuerySet[ClassificationCode]:
    queryset = ClassificationCode.objects.visible_to(actor).filter(fiscal_year=fiscal_year)
    if kind:
        queryset = queryset.filter(kind=kind)
    if text:
        queryset = queryset.filter(Q(code__startswith=text) | Q(name__icontains=text))
    if enabled in ("1", "0"):
        queryset = queryset.filter(is_enabled=enabled == "1")
    return queryset.order_by("kind", "code")


def code_counts(*, actor: Actor, fiscal_year: int) -> dict[str, int]:
    rows = (
        ClassificationCode.objects.visible_to(actor)
        .filter(fiscal_year=fiscal_year)
        .values("kind")
        .annotate(n=Count("pk"))
    )
    return {row["kind"]: row["n"] for row in rows}


def access_code(*, actor: Actor, pk: int) -> ClassificationCode:
    obj = _get_or_404(ClassificationCode.objects.visible_to(actor), pk)
    assert isinstance(obj, ClassificationCode)
    return obj


def region_list(*, actor: Actor) -> QuerySet[Region]:
    return Region.objects.visible_to(actor).order_by("mof_div_code")


@dataclass(frozen=True)
class MappingRow:
    """One department economic 款 and the government economic 款 it maps to per unit group."""

    code: str
    name: str
    agency: tuple[str, str] | None
    institution: tuple[str, str] | None


def economic_mapping_table(*, actor: Actor, fiscal_year: int, text: str = "") -> list[MappingRow]:
    """R-MD-3 as a table: every enabled department economic 款 with its two mappings (or a gap)."""
    codes = ClassificationCode.objects.visible_to(actor).filter(fiscal_year=fiscal_year)
    names = {
        code: name
        for code, name in codes.filter(kind=CodeKind.GOVERNMENT_ECONOMIC).values_list(
            "code", "name"
        )
    }
    targets: dict[tuple[str, str], str] = {
        (row.department_economic_code, row.group): row.government_economic_code
        for row in EconomicMapping.objects.visible_to(actor).filter(fiscal_year=fiscal_year)
    }
    departments = codes.filter(kind=CodeKind.DEPARTMENT_ECONOMIC, level=2, is_enabled=True)
    if text:
        departments = departments.filter(Q(code__startswith=text) | Q(name__icontains=text))

    def target(code: str, group: str) -> tuple[str, str] | None:
        government = targets.get((code, group))
        return (government, names.get(government, "")) if government else None

    return [
        MappingRow(
            code=row.code,
            name=row.name,
            agency=target(row.code, EconomicGroup.AGENCY),
            institution=target(row.code, EconomicGroup.INSTITUTION),
        )
        for row in departments.order_by("code")
    ]


def payees(*, actor: Actor, organisation_id: int, kind: str = "") -> list[Payee]:
    """The unit's enabled payees (``kind``: only organisations or only individuals)."""
    found = Payee.objects.visible_to(actor).filter(organisation_id=organisation_id, is_enabled=True)
    if kind:
        found = found.filter(kind=kind)
    return list(found.order_by("name")[:500])
