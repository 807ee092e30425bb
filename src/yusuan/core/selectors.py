"""Scoped reads of master data. Every page, fragment and API endpoint goes through these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.core import standard_keys
from yusuan.core.choices import CodeKind, EconomicGroup
from yusuan.core.models import (
    BankAccount,
    ClassificationCode,
    EconomicMapping,
    FiscalYear,
    Organisation,
    Payee,
    Region,
    Standard,
    StandardVersion,
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
    """The default of every year filter: today's year when it is open, else the latest open year
    before it, else the latest open one. A year opened ahead (December, for next year's 批复 and
    its indicators, R-BP-12) does not become the working year before it begins."""
    open_years = FiscalYear.objects.visible_to(actor).filter(status="open")
    today = timezone.localdate().year
    return (
        open_years.filter(year__lte=today).order_by("-year").first()
        or open_years.order_by("-year").first()
    )


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


# --- standards (支出标准 and 定员定额, ADR 0039) --------------------------------------------------


def _in_force(rows: Iterable[tuple[str, dt.date, int]], on: dt.date) -> dict[str, int]:
    """Per key, the value of its latest version effective on ``on``, from ``(key, effective_from,
    value)`` in (key, effective_from, version) order. A date before a key's first version gets
    that first version (the value the year opened with)."""
    found: dict[str, int] = {}
    for key, effective_from, value in rows:
        if key not in found or effective_from <= on:
            found[key] = value
    return found


def _versions(mof_div_code: str, fiscal_year: int) -> QuerySet[StandardVersion]:
    return StandardVersion.objects.filter(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year
    ).order_by("standard__key", "effective_from", "version")


def _as_of(fiscal_year: int, on: dt.date | None) -> dt.date:
    """``None``: the year's last day, so every version of the year counts (the year's latest)."""
    return on or dt.date(fiscal_year, 12, 31)


def standards_for(
    *, mof_div_code: str, fiscal_year: int, on: dt.date | None = None
) -> Mapping[str, int]:
    """Every standard of the region's year in force on ``on`` (one query), keyed as
    ``core.standard_keys``; a known key the year has no row for yet has its registry default.
    ``on=None`` is the year's latest value of each (what a budget for the year is computed on)."""
    rows = _versions(mof_div_code, fiscal_year).values_list(
        "standard__key", "effective_from", "value"
    )
    return MappingProxyType({**standard_keys.DEFAULTS, **_in_force(rows, _as_of(fiscal_year, on))})


def standard_value(
    *, mof_div_code: str, fiscal_year: int, key: str, on: dt.date | None = None
) -> int:
    """One standard in force on ``on`` (``None``: the year's latest); a known key without a row
    has its registry default, an unknown key is a ``LookupError``."""
    rows = (
        _versions(mof_div_code, fiscal_year)
        .filter(standard__key=key)
        .values_list("standard__key", "effective_from", "value")
    )
    found = _in_force(rows, _as_of(fiscal_year, on))
    if key in found:
        return found[key]
    if key in standard_keys.BY_KEY:
        return standard_keys.BY_KEY[key].default
    raise LookupError(f"no standard {key!r}")


def standard_history(*, mof_div_code: str, fiscal_year: int, key: str) -> list[StandardVersion]:
    """Every version of one standard of the region's year, the latest first."""
    return list(
        StandardVersion.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year, standard__key=key
        )
        .select_related("created_by")
        .order_by("-version")
    )


@dataclass(frozen=True)
class StandardRow:
    """A standard as the page lists it: its year's latest value and its last change."""

    standard: Standard
    known: standard_keys.Known | None
    value: int
    effective_from: dt.date
    basis: str
    last: StandardVersion


def standard_table(*, actor: Actor, mof_div_code: str, fiscal_year: int) -> list[StandardRow]:
    """The region's standards of the year (another region's: none), in registry order."""
    standards = list(
        Standard.objects.visible_to(actor).filter(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year
        )
    )
    versions: dict[int, list[StandardVersion]] = {}
    for version in (
        StandardVersion.objects.filter(standard__in=standards)
        .select_related("created_by")
        .order_by("effective_from", "version")
    ):
        versions.setdefault(version.standard_id, []).append(version)
    order = {known.key: n for n, known in enumerate(standard_keys.KNOWN)}
    rows: list[StandardRow] = []
    for standard in sorted(standards, key=lambda s: (order.get(s.key, len(order)), s.key)):
        history = versions.get(standard.pk, [])
        if not history:
            continue
        latest = history[-1]
        rows.append(
            StandardRow(
                standard=standard,
                known=standard_keys.BY_KEY.get(standard.key),
                value=latest.value,
                effective_from=latest.effective_from,
                basis=latest.basis,
                last=max(history, key=lambda v: v.version),
            )
        )
    return rows


def access_standard(*, actor: Actor, pk: int) -> Standard:
    obj = _get_or_404(Standard.objects.visible_to(actor), pk)
    assert isinstance(obj, Standard)
    return obj
