"""Row locks of the workflow app, one function per locked set (Saleor's ``lock_objects``).

A decision locks the approved document (its app's handler) before its workflow instance; every
set here is locked in pk order, so two transactions never wait on each other in a circle.
"""

from __future__ import annotations

from django.db.models import QuerySet

from yusuan.core.models.base import ScopedQuerySet
from yusuan.workflow.models import (
    ApprovalDefinition,
    CalendarDay,
    Delegation,
    WorkflowInstance,
)


def instance_qs_select_for_update() -> ScopedQuerySet[WorkflowInstance]:
    """Workflow instances (one per submitted round), locked in pk order."""
    return WorkflowInstance.objects.order_by("pk").select_for_update()


def definition_qs_select_for_update() -> ScopedQuerySet[ApprovalDefinition]:
    """Approval definitions, locked in pk order while a new version is written."""
    return ApprovalDefinition.objects.order_by("pk").select_for_update()


def delegation_qs_select_for_update() -> ScopedQuerySet[Delegation]:
    """Delegations, locked in pk order while one is revoked."""
    return Delegation.objects.order_by("pk").select_for_update()


def calendar_day_qs_select_for_update() -> QuerySet[CalendarDay]:
    """Working-calendar days, locked in date order (the date is the key)."""
    return CalendarDay.objects.order_by("date").select_for_update()
