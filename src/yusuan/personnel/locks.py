"""Row locks of the personnel app, one function per locked set (Saleor's ``lock_objects``).

Lock order of an applied change: the change (the engine, through the handler), then the person."""

from __future__ import annotations

from yusuan.core.models.base import ScopedQuerySet
from yusuan.personnel.models import BudgetSnapshot, Person, PersonnelChange


def change_qs_select_for_update() -> ScopedQuerySet[PersonnelChange]:
    """Change documents (人员变动单), locked in pk order: the change's row only (PostgreSQL
    refuses FOR UPDATE on the nullable side of the outer join the engine loads ``person`` with)."""
    return PersonnelChange.objects.order_by("pk").select_for_update(of=("self",))


def person_qs_select_for_update() -> ScopedQuerySet[Person]:
    """People, locked in pk order: two changes of one person apply one after the other."""
    return Person.objects.order_by("pk").select_for_update()


def snapshot_qs_select_for_update() -> ScopedQuerySet[BudgetSnapshot]:
    """A region's snapshots of a year, locked in pk order: two takes number their versions in turn."""
    return BudgetSnapshot.objects.order_by("pk").select_for_update()
