"""The audit log of /api/v1 (read-only): the records of the caller's scope, filtered as on the
audit page, personal numbers in the changes masked as the page masks them."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest

from ninja import Field, Query, Router, Schema

from yusuan.audit.actions import action_label
from yusuan.audit.models import AuditRecord
from yusuan.audit.selectors import audit_record_list_visible_to
from yusuan.common.api import Id, Rendered, paged, require
from yusuan.common.masking import field_value_for

router = Router(tags=["audit"])

PERMISSION = "audit.view_all_audit"  # the audit page's


class AuditRecordOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_username: str
    organisation_code: str
    role_codes: str
    ip_address: str
    action: str
    action_label: str
    object_type: str
    object_id: str
    object_repr: str
    mof_div_code: str
    fiscal_year: int | None
    changes: dict[str, list[Any]] = Field(
        description="field → [before, after]; account and identity numbers masked unless the "
        "role may view personal data"
    )
    extra: dict[str, Any] = Field(description="the event's details (security events only)")


class AuditFilters(Schema):
    q: str = Field("", max_length=200, description="object, object id or action")
    kind: Literal["", "security", "change"] = ""
    action: str = Field("", max_length=80)
    user: str = Field("", max_length=150, description="the actor's user name")
    object_type: str = Field("", max_length=80, description="e.g. core.payee")
    date_from: dt.date | None = Field(None, description="on or after (Beijing date)")
    date_to: dt.date | None = Field(None, description="on or before")


def _record(actor: Any) -> Any:
    def render(record: AuditRecord) -> dict[str, Any]:
        changes = record.changes if isinstance(record.changes, dict) else {}
        return {
            "id": record.pk,
            "occurred_at": record.occurred_at,
            "actor_username": record.actor_username,
            "organisation_code": record.organisation_code,
            "role_codes": record.role_codes,
            "ip_address": record.ip_address,
            "action": record.action,
            "action_label": action_label(record.action),
            "object_type": record.object_type,
            "object_id": record.object_id,
            "object_repr": record.object_repr,
            "mof_div_code": record.mof_div_code,
            "fiscal_year": record.fiscal_year,
            "changes": {
                field: [field_value_for(actor, field, value) for value in pair]
                for field, pair in changes.items()
                if isinstance(pair, list)
            },
            "extra": record.extra if record.action.startswith("security.") else {},
        }

    return render


def _visible(actor: Any, filters: AuditFilters | None = None) -> Any:
    f = filters or AuditFilters.model_validate({})
    return audit_record_list_visible_to(
        scope=actor.scope,
        text=f.q.strip(),
        kind=f.kind,  # "security" or "change" (audit.actions), as the page's filter
        action=f.action.strip(),
        username=f.user.strip(),
        object_type=f.object_type.strip(),
        date_from=f.date_from,
        date_to=f.date_to,
        whole_site=bool(getattr(actor, "sees_whole_site", False)),
    )


@router.get("/audit/records", response=list[AuditRecordOut])
@paged(50)
def list_records(request: HttpRequest, filters: Query[AuditFilters]) -> Any:
    """The trail of the caller's scope, newest first (who, when, from where, what changed)."""
    actor = require(request, PERMISSION, "audit:read")
    return Rendered(_visible(actor, filters), _record(actor))


@router.get("/audit/records/{record_id}", response=AuditRecordOut)
def get_record(request: HttpRequest, record_id: Id) -> dict[str, Any]:
    actor = require(request, PERMISSION, "audit:read")
    record = _visible(actor).filter(pk=record_id).first()
    if record is None:
        raise Http404
    return dict(_record(actor)(record))
