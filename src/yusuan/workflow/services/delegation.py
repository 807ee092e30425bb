"""Delegation: a colleague decides for someone who is away (R-WF-8)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record, jsonable
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import ErrorDetail, raise_if_any
from yusuan.identity.models import User
from yusuan.workflow import locks
from yusuan.workflow.models import (
    Delegation,
)
from yusuan.workflow.services.common import (
    as_user,
)

MAX_DELEGATION_DAYS = 92

# --- delegation ---------------------------------------------------------------------------------


@transaction.atomic
def delegation_create(
    *,
    actor: Actor,
    delegate: User,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: str,
    delegator: User | None = None,
) -> Delegation:
    """A person (or an administrator for them) names a colleague who acts for them for a period."""
    user = as_user(actor)
    principal = delegator or user
    if principal.pk != user.pk:
        ensure_permission(actor, "workflow.add_delegation")
    errors: list[ErrorDetail] = []

    def bad(field: str, code: str, zh: str, en: str, value: Any = None, limit: Any = None) -> None:
        errors.append(
            ErrorDetail(
                code=f"workflow.{code}",
                rule="R-WF-8",
                field=field,
                value=value,
                limit=limit,
                message_zh=zh,
                message_en=en,
            )
        )

    if delegate.pk == principal.pk:
        bad(
            "delegate",
            "delegate_self",
            "不能委托给本人",
            "cannot delegate to oneself",
            delegate.username,
        )
    elif delegate.organisation_id != principal.organisation_id:
        bad(
            "delegate",
            "delegate_other_unit",
            "只能委托本单位的同事",
            "the delegate must belong to the same organisation",
            delegate.username,
        )
    if not delegate.is_active or delegate.is_system_account:
        bad(
            "delegate",
            "delegate_inactive",
            "被委托人已停用或为系统账户",
            "the delegate is inactive or a system account",
            delegate.username,
        )
    if ends_on < starts_on:
        bad(
            "ends_on",
            "period_reversed",
            "结束日期早于开始日期",
            "the period ends before it starts",
            str(ends_on),
            str(starts_on),
        )
    elif (ends_on - starts_on).days + 1 > MAX_DELEGATION_DAYS:
        bad(
            "ends_on",
            "period_too_long",
            f"委托期限不能超过 {MAX_DELEGATION_DAYS} 天",
            f"a delegation lasts at most {MAX_DELEGATION_DAYS} days",
            (ends_on - starts_on).days + 1,
            MAX_DELEGATION_DAYS,
        )
    if ends_on < timezone.localdate():
        bad("ends_on", "period_past", "委托期限已过", "the period is already over", str(ends_on))
    if not reason.strip():
        bad("reason", "reason_required", "请填写委托事由", "a reason is required")
    if Delegation.objects.filter(
        delegate=principal, revoked_at__isnull=True, ends_on__gte=starts_on, starts_on__lte=ends_on
    ).exists():
        bad(
            "delegator",
            "delegation_chain",
            f"{principal.username} 本身是他人的被委托人，委托不能转授",
            f"{principal.username} is acting for someone else; delegations are not passed on",
            principal.username,
        )
    raise_if_any(errors)
    delegation = Delegation.objects.create(
        mof_div_code=principal.mof_div_code,
        delegator=principal,
        delegate=delegate,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        created_by=user,
    )
    audit_record(
        action="workflow.delegation_create",
        actor=actor,
        obj=delegation,
        changes={
            "delegator": [None, principal.username],
            "delegate": [None, delegate.username],
            "starts_on": [None, str(starts_on)],
            "ends_on": [None, str(ends_on)],
        },
        extra={"reason": delegation.reason},
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, actor: Actor, delegation: Delegation) -> Delegation:
    user = as_user(actor)
    locked = locks.delegation_qs_select_for_update().get(pk=delegation.pk)
    if user.pk not in (locked.delegator_id, locked.created_by_id):
        ensure_permission(actor, "workflow.change_delegation")
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.revoked_by = user
        locked.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
        audit_record(
            action="workflow.delegation_revoke",
            actor=actor,
            obj=locked,
            changes={"revoked_at": [None, jsonable(locked.revoked_at)]},
        )
    return locked
