"""Deadlines: escalation of overdue steps and working-calendar corrections (R-WF-9)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import ErrorDetail, raise_if_any
from yusuan.workflow import locks, routing
from yusuan.workflow.choices import (
    ActionKind,
    InstanceState,
    NotificationKind,
)
from yusuan.workflow.models import (
    CalendarDay,
    WorkflowAction,
)
from yusuan.workflow.services.common import (
    notify,
    state_snapshot,
)

# --- deadlines ----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Open overdue steps with an escalation target are shown to that target too, once."""
    moment = now or timezone.now()
    count = 0
    overdue = (
        locks.instance_qs_select_for_update()
        .filter(state=InstanceState.IN_PROGRESS, due_at__lt=moment, escalated_at__isnull=True)
        .order_by("pk")
    )
    for instance in overdue:
        step = instance.current_step
        if not step or not step.get("escalate_to"):
            continue
        target = step["escalate_to"]
        before = state_snapshot(instance)
        instance.escalated_at = moment
        instance.escalation_organisation_id = target["organisation_id"]
        instance.escalation_role = target["role"]
        instance.save()
        WorkflowAction.objects.create(
            instance=instance,
            kind=ActionKind.ESCALATE,
            step_index=instance.step_index,
            step_key=step["key"],
            step_name=step["name"],
            comment=f"逾期上报至{target['organisation_name']}（{target['role_name']}）",
            created_at=moment,
        )
        holders = routing.role_holders(int(target["organisation_id"]), str(target["role"]))
        notify(
            holders.values_list("pk", flat=True),
            instance,
            NotificationKind.ESCALATED,
            f"逾期上报：{instance.title}（{step['name']}）",
            f"Escalated (overdue): {instance.title} ({step['name_en']})",
        )
        audit_record(
            action="workflow.escalate",
            actor=None,
            obj=instance,
            changes={"escalated_to": [None, f"{target['organisation_name']}/{target['role']}"]},
            extra={
                "before": before,
                "due_at": instance.due_at,  # written in Beijing time (audit.services.jsonable)
            },
        )
        count += 1
    return count


MAX_CALENDAR_RANGE_DAYS = 31


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def calendar_days_set(
    *, actor: Actor, start: dt.date, end: dt.date, is_workday: bool, name: str
) -> list[CalendarDay]:
    """Enter an announced holiday (or 调休 working weekend) the calendar library does not know yet."""
    ensure_permission(actor, "workflow.change_calendarday")
    errors: list[ErrorDetail] = []
    if end < start:
        errors.append(
            ErrorDetail(
                code="workflow.period_reversed",
                rule="R-WF-9",
                field="end",
                value=str(end),
                limit=str(start),
                message_zh="结束日期早于开始日期",
                message_en="the period ends before it starts",
            )
        )
    elif (end - start).days + 1 > MAX_CALENDAR_RANGE_DAYS:
        errors.append(
            ErrorDetail(
                code="workflow.range_too_long",
                rule="R-WF-9",
                field="end",
                value=(end - start).days + 1,
                limit=MAX_CALENDAR_RANGE_DAYS,
                message_zh=f"一次最多设置 {MAX_CALENDAR_RANGE_DAYS} 天",
                message_en=f"at most {MAX_CALENDAR_RANGE_DAYS} days at a time",
            )
        )
    if not name.strip():
        errors.append(
            ErrorDetail(
                code="workflow.name_required",
                rule="R-WF-9",
                field="name",
                message_zh="请填写名称（如“春节”“国庆节调休上班”）",
                message_en="give the days a name",
            )
        )
    raise_if_any(errors)
    days = []
    day = start
    while day <= end:
        row, created = locks.calendar_day_qs_select_for_update().get_or_create(
            date=day, defaults={"is_workday": is_workday, "name": name.strip()}
        )
        before = None if created else row.is_workday
        row.is_workday, row.name = is_workday, name.strip()
        row.save()
        audit_record(
            action="workflow.calendar_day_set",
            actor=actor,
            obj=row,
            object_repr=f"{day} {row.name}",
            changes={"is_workday": [before, is_workday]},
        )
        days.append(row)
        day += dt.timedelta(days=1)
    return days


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def calendar_day_remove(*, actor: Actor, day: CalendarDay) -> None:
    ensure_permission(actor, "workflow.change_calendarday")
    audit_record(
        action="workflow.calendar_day_remove",
        actor=actor,
        obj=day,
        object_repr=f"{day.date} {day.name}",
        changes={"is_workday": [day.is_workday, None]},
    )
    day.delete()
