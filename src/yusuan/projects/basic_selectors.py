"""Reads of basic expenditure by quota (R-PJ-5, R-PJ-8; ADR 0044), each from
``visible_to(actor)`` where a person reads: a unit sees only its own rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.common.ids import parse_id
from yusuan.core.models import Organisation
from yusuan.personnel.models import SnapshotRow
from yusuan.projects import basic
from yusuan.projects.basic_models import BasicLine, BasicOverride, BasicRun
from yusuan.projects.choices import PERSONNEL, PUBLIC_FUNDS, ProjectState
from yusuan.projects.models import Project

CATEGORIES = (PERSONNEL, PUBLIC_FUNDS)
LIVE_STATES = frozenset(ProjectState.values) - {
    ProjectState.VOID,
    ProjectState.TERMINATED,
    ProjectState.CLOSED,
}


def current_run(*, mof_div_code: str, fiscal_year: int) -> BasicRun | None:
    return (
        BasicRun.objects.filter(mof_div_code=mof_div_code, fiscal_year=fiscal_year)
        .order_by("-version")
        .first()
    )


def overrides_in_force(*, mof_div_code: str, fiscal_year: int) -> dict[tuple[int, str], int]:
    """The latest override of each (unit, category) that still sets a figure."""
    latest: dict[tuple[int, str], int | None] = {}
    for org, category, amount in (
        BasicOverride.objects.filter(mof_div_code=mof_div_code, fiscal_year=fiscal_year)
        .order_by("created_at", "pk")
        .values_list("organisation_id", "category", "amount_fen")
    ):
        latest[(org, category)] = amount
    return {key: amount for key, amount in latest.items() if amount is not None}


@dataclass
class UnitSheet:
    """A unit's 测算表 of the run in force: the rows by category, the figures and the projects."""

    organisation: Organisation
    run: BasicRun | None
    lines: list[BasicLine]
    computed: dict[str, int]
    overrides: dict[str, BasicOverride]  # the latest per category (amount None: withdrawn)
    projects: dict[str, Project]

    def figure(self, category: str) -> int:
        override = self.overrides.get(category)
        if override is not None and override.amount_fen is not None:
            return override.amount_fen
        return self.computed.get(category, 0)

    def of(self, category: str) -> list[BasicLine]:
        return [line for line in self.lines if line.category == category]


def access_unit(*, actor: Actor, organisation_id: Any) -> Organisation:
    """The unit if the actor sees it; another unit is a 404 (DESIGN §6)."""
    key = parse_id(str(organisation_id))
    unit = (
        Organisation.objects.visible_to(actor).agencies().filter(pk=key).first()
        if key is not None
        else None
    )
    if unit is None:
        raise NotFoundError("unit")
    return unit


def unit_sheet(*, actor: Actor, organisation: Organisation, fiscal_year: int) -> UnitSheet:
    run = current_run(mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year)
    lines = (
        list(
            BasicLine.objects.visible_to(actor)
            .filter(run=run, organisation=organisation)
            .order_by("category", "position")
        )
        if run is not None
        else []
    )
    overrides: dict[str, BasicOverride] = {}
    for override in (
        BasicOverride.objects.visible_to(actor)
        .filter(organisation=organisation, fiscal_year=fiscal_year)
        .select_related("created_by")
        .order_by("created_at", "pk")
    ):
        overrides[override.category] = override
    projects = {
        p.category: p
        for p in Project.objects.visible_to(actor)
        .filter(
            organisation=organisation,
            start_year=fiscal_year,  # the budget year (services.basic.declared_in)
            end_year=fiscal_year,
            category__in=CATEGORIES,
            state__in=LIVE_STATES,
        )
        .order_by("-pk")
    }
    computed: dict[str, int] = defaultdict(int)
    for line in lines:
        computed[line.category] += line.amount_fen
    return UnitSheet(organisation, run, lines, dict(computed), overrides, projects)


def override_history(
    *, actor: Actor, organisation: Organisation, fiscal_year: int
) -> list[BasicOverride]:
    return list(
        BasicOverride.objects.visible_to(actor)
        .filter(organisation=organisation, fiscal_year=fiscal_year)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def unit_of_run(run: BasicRun, organisation: Organisation) -> basic.Unit:
    agency_type, functional, approved, vehicles = run.inputs.get(
        str(organisation.pk), [organisation.agency_type, "", 0, 0]
    )
    return basic.Unit(organisation.pk, str(agency_type), str(functional), approved, vehicles)


def person_rows(
    *, actor: Actor, organisation: Organisation, run: BasicRun
) -> list[tuple[SnapshotRow, list[basic.Amount]]]:
    """The drill-down: each person of the unit in the run's snapshot with what they cost, computed
    again from the snapshot row and the run's standards and unit inputs (all immutable)."""
    unit = unit_of_run(run, organisation)
    rows = (
        SnapshotRow.objects.visible_to(actor)
        .filter(snapshot_id=run.snapshot_id, organisation=organisation)
        .order_by("state", "status", "name", "pk")
    )
    return [
        (
            row,
            basic.person_amounts(
                basic.Person(
                    row.pk,
                    row.name,
                    row.state,
                    row.status,
                    row.establishment,
                    {str(k): int(v) for k, v in row.items.items()},
                    row.pension_base,
                    row.medical_base,
                    row.housing_base,
                ),
                unit,
                run.standards,
            ),
        )
        for row in rows
    ]


def summary_queryset(*, actor: Actor, run: BasicRun) -> QuerySet[Organisation]:
    """Units of a run in the actor's scope with their computed ``personnel`` and ``public``
    totals (fen) as columns the database sorts and pages (the shared grid, the paged API)."""

    def total(category: str) -> Coalesce:
        sums = (
            BasicLine.objects.filter(run=run, organisation=OuterRef("pk"), category=category)
            .order_by()
            .values("organisation")
            .annotate(s=Sum("amount_fen"))
            .values("s")
        )
        return Coalesce(Subquery(sums, output_field=IntegerField()), 0)

    units = BasicLine.objects.visible_to(actor).filter(run=run).values("organisation")
    return (
        Organisation.objects.visible_to(actor)
        .filter(pk__in=units)
        .annotate(personnel=total(PERSONNEL), public=total(PUBLIC_FUNDS))
    )
