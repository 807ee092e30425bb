"""The budget snapshot of the personnel database (R-PS-4).

On the 一上 date finance copies every person a unit holds (在职, 离休, 退休) in the region, with the
state in force that day, into immutable rows: that snapshot, not the live database, is what the
year's 人员类 and 公用经费 are computed from. One per region and budget year; taking it again needs
a finance person and a reason, and makes a new version (the old one stays, append-only).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import BusinessRuleError
from yusuan.personnel import locks
from yusuan.personnel.models import BudgetSnapshot, PersonPeriod, SnapshotRow
from yusuan.personnel.rules import HELD
from yusuan.personnel.selectors import states_on

RULE = "R-PS-4"
BATCH = 2000


def snapshot_take(
    *, actor: Actor, mof_div_code: str, fiscal_year: int, as_of: dt.date, reason: str = ""
) -> BudgetSnapshot:
    """Copy every held person's state on ``as_of`` into a new snapshot of the budget year."""
    ensure_permission(actor, "personnel.add_budgetsnapshot")
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    with transaction.atomic():
        earlier = list(
            locks.snapshot_qs_select_for_update().filter(
                mof_div_code=mof_div_code, fiscal_year=fiscal_year
            )
        )
        if earlier and not reason.strip():
            raise BusinessRuleError.single(
                code="personnel.snapshot_retake_reason",
                rule=RULE,
                field="reason",
                value=len(earlier),
                message_zh=f"{fiscal_year} 年度的人员库快照已生成（第 {len(earlier)} 版）；重新生成须说明理由",
                message_en=f"the {fiscal_year} snapshot exists (version {len(earlier)}); give the "
                "reason for taking it again",
                status=409,
            )
        version = max((s.version for s in earlier), default=0) + 1
        held = (
            states_on(as_of, PersonPeriod.objects.filter(mof_div_code=mof_div_code))
            .filter(state__in=HELD)
            .order_by()
        )
        people = held.count()
        try:
            with transaction.atomic():
                snapshot = BudgetSnapshot.objects.create(
                    mof_div_code=mof_div_code,
                    fiscal_year=fiscal_year,
                    version=version,
                    as_of=as_of,
                    reason=reason.strip(),
                    people=people,
                    taken_by_id=actor.pk,
                )
        except IntegrityError as exc:  # the first snapshot of the year, taken twice at once
            raise BusinessRuleError.single(
                code="personnel.snapshot_taken_meanwhile",
                rule=RULE,
                field="fiscal_year",
                value=fiscal_year,
                message_zh="同一年度的快照刚由他人生成，请刷新后再试",
                message_en="someone took this year's snapshot meanwhile; reload and try again",
                status=409,
            ) from exc
        copied = _copy(snapshot, held)
        if copied != people:  # PostgreSQL: a change committed between the count and the copy
            raise BusinessRuleError.single(
                code="personnel.snapshot_changed_meanwhile",
                rule=RULE,
                field="fiscal_year",
                value=fiscal_year,
                message_zh="生成快照时人员库有变动，请重试",
                message_en="the personnel database changed while the snapshot was taken; try again",
                status=409,
            )
        audit_record(
            action="personnel.snapshot.take",
            actor=actor,
            obj=snapshot,
            fiscal_year=fiscal_year,
            changes={"version": [version - 1 or None, version]},
            extra={"as_of": as_of.isoformat(), "people": people, "reason": reason.strip()},
        )
    return snapshot


# A snapshot row's columns and the period's (or person's) fields they are copied from.
COPIED = (
    ("person", "person_id"),
    ("period", "pk"),
    ("organisation", "organisation_id"),
    ("id_number", "person__id_number"),
    ("name", "person__name"),
    ("state", "state"),
    ("status", "status"),
    ("establishment", "establishment"),
    ("items", "items"),
    ("pension_base", "pension_base"),
    ("medical_base", "medical_base"),
    ("housing_base", "housing_base"),
)


def _copy(snapshot: BudgetSnapshot, held: QuerySet[PersonPeriod]) -> int:
    """Copy the held periods into the snapshot inside the database (INSERT … SELECT: 7,500
    people never pass through Python), in unit and person order; the number of rows copied."""
    select, params = held.values_list(*(path for _f, path in COPIED)).query.sql_with_params()
    meta = SnapshotRow._meta
    column = {field.name: field.column for field in meta.concrete_fields if field.column}
    columns = ", ".join(
        connection.ops.quote_name(column[name])
        for name in ("mof_div_code", "snapshot", *(f for f, _p in COPIED))
    )
    # The SELECT's columns: the region, the snapshot (our own integer id, written as a literal:
    # a bound parameter would have no type there on PostgreSQL), then COPIED's fields in order.
    paths = [path for _column, path in COPIED]
    by_unit, by_person = (3 + paths.index(path) for path in ("organisation_id", "person_id"))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT %s, {int(snapshot.pk)}, copied.* FROM ({select}) copied "
        f"ORDER BY {by_unit}, {by_person}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [snapshot.mof_div_code, *params])
        return int(cursor.rowcount)
