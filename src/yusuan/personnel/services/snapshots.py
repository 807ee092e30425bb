"""The budget snapshot of the personnel database (R-PS-4).

On the 一上 date finance copies every person a unit holds (在职, 离休, 退休) in the region, with the
state in force that day, into immutable rows: that snapshot, not the live database, is what the
year's 人员类 and 公用经费 are computed from. One per region and budget year; taking it again needs
a finance person and a reason, and makes a new version (the old one stays, append-only).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

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
        periods = list(
            states_on(as_of, PersonPeriod.objects.filter(mof_div_code=mof_div_code))
            .filter(state__in=HELD)
            .order_by("organisation_id", "person_id")
            .values(  # plain values, not model instances: 7,500 people are copied as read
                "pk",
                "person_id",
                "organisation_id",
                "person__id_number",
                "person__name",
                "state",
                "status",
                "establishment",
                "items",
                "pension_base",
                "medical_base",
                "housing_base",
            )
        )
        try:
            with transaction.atomic():
                snapshot = BudgetSnapshot.objects.create(
                    mof_div_code=mof_div_code,
                    fiscal_year=fiscal_year,
                    version=version,
                    as_of=as_of,
                    reason=reason.strip(),
                    people=len(periods),
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
        SnapshotRow.objects.bulk_create(
            (
                SnapshotRow(
                    mof_div_code=mof_div_code,
                    snapshot=snapshot,
                    person_id=p["person_id"],
                    period_id=p["pk"],
                    organisation_id=p["organisation_id"],
                    id_number=p["person__id_number"],
                    name=p["person__name"],
                    state=p["state"],
                    status=p["status"],
                    establishment=p["establishment"],
                    items=p["items"],
                    pension_base=p["pension_base"],
                    medical_base=p["medical_base"],
                    housing_base=p["housing_base"],
                )
                for p in periods
            ),
            batch_size=BATCH,
        )
        audit_record(
            action="personnel.snapshot.take",
            actor=actor,
            obj=snapshot,
            fiscal_year=fiscal_year,
            changes={"version": [version - 1 or None, version]},
            extra={"as_of": as_of.isoformat(), "people": len(periods), "reason": reason.strip()},
        )
    return snapshot
