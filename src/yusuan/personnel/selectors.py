"""Reads of the personnel database, each starting from ``visible_to(actor)`` where a person reads.

"Who earned what, in which unit, in which month" is ``states_on`` (one query): for each person the
period with the latest ``effective_from`` on or before the day (ADR 0038).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery

from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.common.ids import parse_id
from yusuan.core.models import Organisation
from yusuan.personnel.choices import EstablishmentType, PersonState
from yusuan.personnel.models import (
    BudgetSnapshot,
    Establishment,
    Person,
    PersonnelChange,
    PersonPeriod,
    SnapshotRow,
)
from yusuan.personnel.rules import HELD, PAY_ITEM_BY_KEY, State

COUNTED = (
    EstablishmentType.ADMINISTRATIVE,
    EstablishmentType.INSTITUTION,
    EstablishmentType.WORKER,
)


def states_on(on: dt.date, periods: QuerySet[PersonPeriod] | None = None) -> QuerySet[PersonPeriod]:
    """Each person's period in force on ``on`` (the latest that started on or before it), from
    ``periods`` (default: all); narrow the result by unit, region or state afterwards."""
    newest = (
        PersonPeriod.objects.filter(person=OuterRef("person"), effective_from__lte=on)
        .order_by("-effective_from", "-pk")
        .values("pk")[:1]
    )
    rows = PersonPeriod.objects.all() if periods is None else periods
    return rows.filter(effective_from__lte=on, pk=Subquery(newest))


def person_state_on(person: Person, on: dt.date) -> PersonPeriod | None:
    """The person's whole state on a day, or None before the first period."""
    return (
        PersonPeriod.objects.filter(person=person, effective_from__lte=on)
        .order_by("-effective_from", "-pk")
        .first()
    )


def latest_period(person: Person) -> PersonPeriod | None:
    """The person's last period, wherever its date lies (changes apply in date order)."""
    return PersonPeriod.objects.filter(person=person).order_by("-effective_from", "-pk").first()


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def unit_roster(organisation: Organisation, year: int, month: int) -> QuerySet[PersonPeriod]:
    """Who a unit holds (在职, 离休, 退休) in a month, with their pay: each person's period in
    force on the month's last day, when that period is the unit's. A person who left during the
    month is the new unit's (or nobody's) that month."""
    return (
        states_on(month_end(year, month), PersonPeriod.objects.filter(organisation=organisation))
        .filter(state__in=HELD)
        .select_related("person")
        .order_by("person__name", "person_id")
    )


def as_state(period: PersonPeriod) -> State:
    """A period as the rules' ``State``."""
    return State(
        organisation_id=period.organisation_id,
        state=period.state,
        status=period.status,
        establishment=period.establishment,
        office=period.office,
        work_start_date=period.work_start_date,
        unit_join_date=period.unit_join_date,
        position=period.position,
        rank=period.rank,
        civil_level=period.civil_level,
        civil_step=period.civil_step,
        post_category=period.post_category,
        post_level=period.post_level,
        salary_scale=period.salary_scale,
        items={str(k): int(v) for k, v in period.items.items()},
        pension_base=period.pension_base,
        medical_base=period.medical_base,
        housing_base=period.housing_base,
    )


def headcounts_on(
    *, mof_div_code: str, on: dt.date, organisation_ids: Iterable[int] | None = None
) -> Counter[tuple[int, str]]:
    """Actual staff in service (在职) by (unit, 编制类型) on a day (R-PS-2)."""
    rows = states_on(on, PersonPeriod.objects.filter(mof_div_code=mof_div_code)).filter(
        state=PersonState.ACTIVE
    )
    if organisation_ids is not None:
        rows = rows.filter(organisation_id__in=list(organisation_ids))
    counts: Counter[tuple[int, str]] = Counter()
    for row in rows.values("organisation_id", "establishment").annotate(n=Count("pk")):
        counts[(row["organisation_id"], row["establishment"])] = row["n"]
    return counts


# --- People ---------------------------------------------------------------------------------


def person_list(
    *,
    actor: Actor,
    organisation_id: int | None = None,
    state: str = "",
    status: str = "",
    establishment: str = "",
    text: str = "",
) -> QuerySet[Person]:
    rows = Person.objects.visible_to(actor).select_related("organisation")
    if organisation_id:
        rows = rows.filter(organisation_id=organisation_id)
    if state:
        rows = rows.filter(state=state)
    if status:
        rows = rows.filter(status=status)
    if establishment:
        rows = rows.filter(establishment=establishment)
    if text:
        rows = rows.filter(name__icontains=text.strip()) | rows.filter(
            id_number__endswith=text.strip().upper()
        )
    return rows.order_by("organisation__code", "name", "pk")


def access_person(*, actor: Actor, pk: Any) -> Person:
    key = parse_id(str(pk))
    person = (
        Person.objects.visible_to(actor).select_related("organisation").filter(pk=key).first()
        if key is not None
        else None
    )
    if person is None:
        raise NotFoundError("person")
    return person


def person_history(person: Person) -> list[PersonPeriod]:
    """Every period of the person, newest first, with the change that wrote it."""
    return list(
        PersonPeriod.objects.filter(person=person)
        .select_related("organisation", "change")
        .order_by("-effective_from", "-pk")
    )


# --- Changes --------------------------------------------------------------------------------


def change_list(*, actor: Actor, state: str = "", kind: str = "") -> QuerySet[PersonnelChange]:
    rows = PersonnelChange.objects.visible_to(actor).select_related("organisation", "person")
    if state:
        rows = rows.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-pk")


def access_change(*, actor: Actor, pk: Any) -> PersonnelChange:
    key = parse_id(str(pk))
    change = (
        PersonnelChange.objects.visible_to(actor)
        .select_related("organisation", "person", "created_by", "period")
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if change is None:
        raise NotFoundError("personnel change")
    return change


# --- Establishment (R-PS-2) -----------------------------------------------------------------


@dataclass
class EstablishmentRow:
    organisation: Organisation
    record: Establishment | None
    actual: dict[str, int] = field(default_factory=dict)

    def approved(self, establishment: str) -> int:
        if self.record is None:
            return 0
        return self.record.approved(establishment) or 0

    @property
    def over(self) -> list[tuple[str, int, int]]:
        """(编制类型, approved, actual) where actual exceeds approved."""
        return [
            (kind, self.approved(kind), self.actual.get(kind, 0))
            for kind in COUNTED
            if self.actual.get(kind, 0) > self.approved(kind)
        ]


def establishment_rows(
    *, actor: Actor, fiscal_year: int, on: dt.date, organisation_id: int | None = None
) -> list[EstablishmentRow]:
    """Per agency in scope: the approved 编制 of the year and the actual staff on ``on``."""
    agencies = Organisation.objects.visible_to(actor).agencies().order_by("code")
    if organisation_id:
        agencies = agencies.filter(pk=organisation_id)
    units = list(agencies)
    records = {
        e.organisation_id: e
        for e in Establishment.objects.visible_to(actor).filter(
            fiscal_year=fiscal_year, organisation__in=units
        )
    }
    mof_div_codes = {u.mof_div_code for u in units}
    counts: Counter[tuple[int, str]] = Counter()
    for code in mof_div_codes:
        counts.update(
            headcounts_on(mof_div_code=code, on=on, organisation_ids=[u.pk for u in units])
        )
    rows = []
    for unit in units:
        actual = {kind: counts.get((unit.pk, kind), 0) for kind in EstablishmentType.values}
        if unit.pk in records or any(actual.values()):
            rows.append(EstablishmentRow(unit, records.get(unit.pk), actual))
    return rows


# --- Snapshot (R-PS-4) ----------------------------------------------------------------------


def snapshot_current(*, mof_div_code: str, fiscal_year: int) -> BudgetSnapshot | None:
    """The region's snapshot of a budget year in force: its latest version."""
    return (
        BudgetSnapshot.objects.filter(mof_div_code=mof_div_code, fiscal_year=fiscal_year)
        .order_by("-version")
        .first()
    )


def snapshot_list(*, actor: Actor) -> QuerySet[BudgetSnapshot]:
    return BudgetSnapshot.objects.visible_to(actor).select_related("taken_by")


def access_snapshot(*, actor: Actor, pk: Any) -> BudgetSnapshot:
    key = parse_id(str(pk))
    snapshot = (
        BudgetSnapshot.objects.visible_to(actor).filter(pk=key).first() if key is not None else None
    )
    if snapshot is None:
        raise NotFoundError("snapshot")
    return snapshot


@dataclass(frozen=True)
class Headcount:
    organisation_id: int
    status: str
    establishment: str
    state: str
    people: int


def snapshot_headcount(*, actor: Actor, snapshot: BudgetSnapshot) -> list[Headcount]:
    """Per unit in the actor's scope: people by 身份, 编制类型 and state (在职/离休/退休)."""
    rows = (
        SnapshotRow.objects.visible_to(actor)
        .filter(snapshot=snapshot)
        .values("organisation_id", "status", "establishment", "state")
        .annotate(n=Count("pk"))
        .order_by("organisation_id", "status", "establishment", "state")
    )
    return [
        Headcount(r["organisation_id"], r["status"], r["establishment"], r["state"], r["n"])
        for r in rows
    ]


@dataclass(frozen=True)
class SnapshotPerson:
    """One person of a snapshot with the monthly pay by economic class (款) and the bases: what
    the 人员类 amounts are computed from (DOMAIN-2 §3.3)."""

    row: SnapshotRow
    monthly_by_class: dict[str, int]

    @property
    def monthly_total(self) -> int:
        return sum(self.monthly_by_class.values())


def by_class(items: dict[str, Any]) -> dict[str, int]:
    """Monthly pay items summed by economic class (款)."""
    totals: dict[str, int] = {}
    for key, fen in items.items():
        code = PAY_ITEM_BY_KEY[key].economic_code
        totals[code] = totals.get(code, 0) + int(fen)
    return totals


def snapshot_rows(
    *, actor: Actor, snapshot: BudgetSnapshot, organisation_id: int | None = None
) -> QuerySet[SnapshotRow]:
    rows = SnapshotRow.objects.visible_to(actor).filter(snapshot=snapshot)
    if organisation_id:
        rows = rows.filter(organisation_id=organisation_id)
    return rows.order_by("organisation_id", "name", "pk")


def snapshot_people(
    *, actor: Actor, snapshot: BudgetSnapshot, organisation_id: int | None = None
) -> list[SnapshotPerson]:
    return [
        SnapshotPerson(row, by_class(row.items))
        for row in snapshot_rows(actor=actor, snapshot=snapshot, organisation_id=organisation_id)
    ]
