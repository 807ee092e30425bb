"""Writing audit records: every state-changing service calls :func:`audit_record` in its transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Protocol

from django.db import models, transaction
from django.utils import timezone

from yusuan.audit import attachments, context
from yusuan.audit.models import AuditRecord


class AuditActor(Protocol):
    pk: Any
    username: str

    @property
    def role_codes(self) -> tuple[str, ...]: ...


def jsonable(value: Any) -> Any:
    """Values as they are stored in ``changes``: stable text for anything JSON has no type for."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).isoformat()  # people read it: Beijing time, offset kept
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: jsonable(getattr(instance, _attname(instance, name))) for name in fields}


def _attname(instance: models.Model, name: str) -> str:
    field = instance._meta.get_field(name)
    return str(getattr(field, "attname", name))


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed."""
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def audit_record(
    *,
    action: str,
    actor: AuditActor | None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    mof_div_code: str = "",
    fiscal_year: int | None = None,
    changes: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    username: str = "",
) -> AuditRecord:
    """Append one audit record. Must run inside the caller's transaction (P5: same commit).

    It also carries what lower writers of the same transaction attached for it
    (:mod:`yusuan.audit.attachments`): the indicator ledger's movements, in ``extra``.
    ``username`` names who was claimed when there is no actor (a failed sign-in): stored as
    typed, cut to the field's length."""
    connection = transaction.get_connection()
    assert connection.in_atomic_block, "audit_record() must run inside the service's transaction"
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
        mof_div_code = mof_div_code or str(getattr(obj, "mof_div_code", "") or "")
        year = getattr(obj, "fiscal_year", None)
        fiscal_year = (
            fiscal_year if fiscal_year is not None else (year if isinstance(year, int) else None)
        )
    subject_organisation_id = (
        getattr(obj, "scope_organisation_id", None) if obj is not None else None
    )
    request = context.current()
    details = dict(extra or {})
    for key, items in attachments.take().items():  # e.g. the ledger's movements (ADR 0017)
        details[key] = [*details.get(key, ()), *items]
    organisation = getattr(actor, "organisation", None) if actor is not None else None
    record = AuditRecord(
        occurred_at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,  # type: ignore[misc]
        actor_username=getattr(actor, "username", "") if actor is not None else username[:150],
        organisation_id=getattr(organisation, "pk", None),
        organisation_code=str(getattr(organisation, "code", "") or ""),
        role_codes=",".join(actor.role_codes) if actor is not None else "",
        ip_address=request.ip_address,
        session_hash=request.session_hash,
        request_id=request.request_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        subject_organisation_id=subject_organisation_id,
        mof_div_code=mof_div_code,
        fiscal_year=fiscal_year,
        changes=jsonable(dict(changes or {})),
        extra=jsonable(details),
    )
    record.save(force_insert=True)
    return record


def state_change(
    *, action: str, actor: AuditActor | None, obj: models.Model, state: str, why: str
) -> bool:
    """Move ``obj.state`` and record it with the reason, in the caller's transaction (every state
    change of a document writes its audit record with it). ``False`` if it was already there."""
    before = getattr(obj, "state")  # noqa: B009 - any model with a ``state`` field
    if before == state:
        return False
    setattr(obj, "state", state)  # noqa: B010
    obj.save(update_fields=["state", "updated_at"])
    audit_record(
        action=action, actor=actor, obj=obj, changes={"state": [before, state]}, extra={"by": why}
    )
    return True


def security_event(
    *,
    action: str,
    actor: AuditActor | None,
    username: str = "",
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    mof_div_code: str = "",
    extra: Mapping[str, Any] | None = None,
) -> AuditRecord:
    """Record a security event (a sign-in, a refusal, a download) in a transaction of its own.

    A state change joins its service's transaction; a security event has none to join and must
    be kept whatever becomes of the request (a 403 or 404 answer, a rolled-back form). It is
    sealed into the hash chain like every record. Never pass a password or a token key."""
    if not mof_div_code and obj is None and actor is not None:
        mof_div_code = str(getattr(actor, "mof_div_code", "") or "")
    with transaction.atomic():
        return audit_record(
            action=action,
            actor=actor,
            obj=obj,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:255],
            mof_div_code=mof_div_code,
            extra=extra,
            username=username,
        )
