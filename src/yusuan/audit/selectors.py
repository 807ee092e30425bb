"""Reading the audit trail within a scope (auditors see their whole scope, others their own objects)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from yusuan.audit.actions import CHANGE, SECURITY, SECURITY_PREFIXES
from yusuan.audit.models import AuditRecord
from yusuan.common.scope import Scope


def _security_actions() -> Q:
    condition = Q()
    for prefix in SECURITY_PREFIXES:
        condition |= Q(action__startswith=prefix)
    return condition


def audit_record_list_visible_to(
    *,
    scope: Scope,
    text: str = "",
    kind: str = "",
    action: str = "",
    username: str = "",
    object_type: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    whole_site: bool = False,
) -> QuerySet[AuditRecord]:
    """The records of ``scope``. Events tied to no region (a sign-in under a name nobody holds,
    an anonymous CSRF failure or bad token, their summaries) belong to the installation, not to
    a region: only a viewer of the ``whole_site`` sees them (``User.sees_whole_site``: a
    region-wide auditor of a one-region installation, or a superuser), never one region's
    auditor among several (ADR 0016)."""
    in_region = Q(mof_div_code__in=scope.mof_div_codes)
    if whole_site:
        in_region |= Q(mof_div_code="")
    queryset = AuditRecord.objects.filter(in_region)
    if scope.organisation_ids is not None:
        mine = Q(organisation_id__in=scope.organisation_ids) | Q(
            subject_organisation_id__in=scope.organisation_ids
        )
        queryset = queryset.filter(mine | Q(mof_div_code="") if whole_site else mine)
    if text:
        queryset = queryset.filter(
            Q(object_repr__icontains=text) | Q(object_id=text) | Q(action__icontains=text)
        )
    if kind == SECURITY:
        queryset = queryset.filter(_security_actions())
    elif kind == CHANGE:
        queryset = queryset.exclude(_security_actions())
    if action:
        queryset = queryset.filter(action=action)
    if username:
        queryset = queryset.filter(actor_username=username)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if date_from:
        queryset = queryset.filter(occurred_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(occurred_at__date__lte=date_to)
    return queryset.order_by("-id")


def audit_history_for(*, object_type: str, object_id: str) -> QuerySet[AuditRecord]:
    """An object's history. The caller has already authorised access to the object itself."""
    return AuditRecord.objects.filter(object_type=object_type, object_id=object_id).order_by("-id")
