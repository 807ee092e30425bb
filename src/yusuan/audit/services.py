"""Writing audit records: every state-changing service calls :func:`audit_record` in its transaction."""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from yusuan.audit import attachments, context
from yusuan.audit.models import AuditRecord, SecurityEventTally
from yusuan.common.bulk import insert_rows


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
    record = _record(
        action=action,
        actor=actor,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        mof_div_code=mof_div_code,
        fiscal_year=fiscal_year,
        changes=changes,
        details=_details(extra, attachments.take()),  # e.g. the ledger's movements (ADR 0017)
        username=username,
        occurred_at=timezone.now(),
    )
    record.save(force_insert=True)
    return record


@dataclass(frozen=True)
class AuditEntry:
    """One object's record in :func:`audit_records`."""

    obj: models.Model
    changes: Mapping[str, Any] | None = None
    extra: Mapping[str, Any] | None = None


def audit_records(*, action: str, actor: AuditActor | None, entries: Sequence[AuditEntry]) -> int:
    """Append one audit record per object of a bulk write (a computation's hundreds of system
    projects), each exactly as :func:`audit_record` would write it, in one ``COPY`` on
    PostgreSQL (one insert per batch elsewhere, ``common.bulk.insert_rows``); inside the caller's
    transaction. Returns how many were written. What lower writers attached rides on the first record."""
    connection = transaction.get_connection()
    assert connection.in_atomic_block, "audit_records() must run inside the service's transaction"
    if not entries:
        return 0
    taken = attachments.take()
    now = timezone.now()
    records = []
    for entry in entries:
        records.append(
            _record(
                action=action,
                actor=actor,
                obj=entry.obj,
                changes=entry.changes,
                details=_details(entry.extra, taken),
                occurred_at=now,
            )
        )
        taken = {}
    return insert_rows(AuditRecord, records)


def _details(extra: Mapping[str, Any] | None, taken: Mapping[str, list[Any]]) -> dict[str, Any]:
    details = dict(extra or {})
    api_token = context.current().api_token
    if api_token:  # the audit log's 来源: which token did it
        details.setdefault("api_token", api_token)
    for key, items in taken.items():
        details[key] = [*details.get(key, ()), *items]
    return details


def _record(
    *,
    action: str,
    actor: AuditActor | None,
    obj: models.Model | None,
    details: dict[str, Any],
    occurred_at: dt.datetime,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    mof_div_code: str = "",
    fiscal_year: int | None = None,
    changes: Mapping[str, Any] | None = None,
    username: str = "",
) -> AuditRecord:
    """An unsaved record: the object's keys, the actor's snapshot and the request's context."""
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
    organisation = getattr(actor, "organisation", None) if actor is not None else None
    return AuditRecord(
        occurred_at=occurred_at,
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


def state_changes(
    *, action: str, actor: AuditActor | None, objs: Sequence[models.Model], state: str, why: str
) -> int:
    """``state_change`` for many objects of one model at once (a bank file settling hundreds of
    requests): one update and one audit insert per batch; objects already there are left
    alone, as ``state_change`` leaves them. Returns how many moved."""
    moving = [obj for obj in objs if getattr(obj, "state") != state]  # noqa: B009
    if not moving:
        return 0
    befores = [getattr(obj, "state") for obj in moving]  # noqa: B009
    now = timezone.now()
    type(moving[0])._default_manager.filter(pk__in=[obj.pk for obj in moving]).update(
        state=state, updated_at=now
    )
    for obj in moving:
        setattr(obj, "state", state)  # noqa: B010
        setattr(obj, "updated_at", now)  # noqa: B010
    audit_records(
        action=action,
        actor=actor,
        entries=[
            AuditEntry(obj=obj, changes={"state": [before, state]}, extra={"by": why})
            for obj, before in zip(moving, befores, strict=True)
        ],
    )
    return len(moving)


# --- Security events (ADR 0016) -------------------------------------------------------------------

# Deferred events: written inside a caller's transaction that might yet be rolled back.
_deferred: contextvars.ContextVar[tuple[dict[str, Any], ...]] = contextvars.ContextVar(
    "yusuan_deferred_security_events", default=()
)


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
) -> AuditRecord | None:
    """Record a security event (a sign-in, a refusal, a download) in a transaction of its own.

    A state change joins its service's transaction; a security event must be kept whatever
    becomes of the request (a 403 or 404 answer, a rolled-back form): it is written in a durable
    transaction of its own, committed at once. Called inside a caller's transaction, it waits:
    it is written just after that transaction commits, or, if it is rolled back, at the end of
    the request (:func:`write_deferred_security_events`, called by the audit middleware).

    An event that names no account (no actor, no object: a sign-in under a name nobody holds, an
    anonymous CSRF failure or bad token) is rate-limited per action and address: the first
    ``YUSUAN_AUDIT_ANONYMOUS_EVENTS_PER_WINDOW`` of a window are recorded, the rest only counted
    and summed up in one ``security.events_suppressed`` record once the window has closed; then
    ``None`` is returned. Sealed into the hash chain like every record. Never pass a password or
    a token key."""
    if not mof_div_code and obj is None and actor is not None:
        mof_div_code = str(getattr(actor, "mof_div_code", "") or "")
    event = {
        "action": action,
        "actor": actor,
        "username": username,
        "obj": obj,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr[:255],
        "mof_div_code": mof_div_code,
        "extra": dict(extra or {}),
        "context": context.current(),
    }
    if _inside_a_transaction():
        _deferred.set((*_deferred.get(), event))
        transaction.on_commit(lambda: _write_deferred(event))
        return None
    return _write_now(event)


def _inside_a_transaction() -> bool:
    """In an atomic block of the caller's (a test case's own blocks do not count)."""
    connection = transaction.get_connection()
    blocks = getattr(connection, "atomic_blocks", [])
    return connection.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in blocks
    )


def _write_now(event: Mapping[str, Any]) -> AuditRecord | None:
    bound = context.bind(event["context"])
    try:
        with transaction.atomic(durable=True):
            anonymous = event["actor"] is None and event["obj"] is None
            if anonymous and not _anonymous_event_allowed(
                event["action"], event["context"].ip_address
            ):
                return None
            fields = {k: v for k, v in event.items() if k != "context"}
            return audit_record(**fields)
    finally:
        context.reset(bound)


def _write_deferred(event: Mapping[str, Any]) -> None:
    remaining = tuple(e for e in _deferred.get() if e is not event)
    if len(remaining) != len(_deferred.get()):
        _deferred.set(remaining)
        _write_now(event)


def write_deferred_security_events() -> int:
    """Write the security events deferred by a transaction that was rolled back (those of a
    committed one are already written). The audit middleware calls it at the end of every
    request; a command that records events inside its own transactions calls it at its end."""
    events = _deferred.get()
    _deferred.set(())
    written = 0
    for event in events:
        if not _inside_a_transaction():
            _write_now(event)
            written += 1
    return written


def _window_start(now: dt.datetime) -> dt.datetime:
    seconds = max(1, int(settings.YUSUAN_AUDIT_ANONYMOUS_WINDOW_SECONDS))
    epoch = int(now.timestamp())
    return dt.datetime.fromtimestamp(epoch - epoch % seconds, tz=dt.UTC)


def _anonymous_event_allowed(action: str, ip_address: str) -> bool:
    """Count this event in its (action, address, window) tally, in the event's transaction; true
    for the first ``YUSUAN_AUDIT_ANONYMOUS_EVENTS_PER_WINDOW`` of the window. The increment is
    one UPDATE (a row lock on PostgreSQL, the write lock on SQLite), so processes and threads
    count each event once."""
    now = timezone.now()
    start = _window_start(now)
    key = {"action": action, "ip_address": ip_address, "window_start": start}
    tally = SecurityEventTally.objects.filter(**key)
    if not tally.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                SecurityEventTally.objects.create(**key, count=1)
        except IntegrityError:  # another process created it first
            tally.update(count=F("count") + 1)
    count = tally.values_list("count", flat=True).get()
    summarise_suppressed_security_events(now=now)
    return bool(count <= settings.YUSUAN_AUDIT_ANONYMOUS_EVENTS_PER_WINDOW)


def summarise_suppressed_security_events(*, now: dt.datetime | None = None, limit: int = 20) -> int:
    """One ``security.events_suppressed`` record for each closed window in which an action from
    one address went over the limit: how many events there were and how many were not recorded
    one by one. Claimed by a conditional update, so two processes never write the same summary.
    Run at every rate-limited event and by ``audit_seal`` (every minute)."""
    now = now or timezone.now()
    per_window = settings.YUSUAN_AUDIT_ANONYMOUS_EVENTS_PER_WINDOW
    window = dt.timedelta(seconds=settings.YUSUAN_AUDIT_ANONYMOUS_WINDOW_SECONDS)
    closed = SecurityEventTally.objects.filter(
        summarised_at__isnull=True, window_start__lte=now - window
    )
    written = 0
    with transaction.atomic():
        for tally in closed.filter(count__gt=per_window).order_by("window_start", "pk")[:limit]:
            if not SecurityEventTally.objects.filter(
                pk=tally.pk, summarised_at__isnull=True
            ).update(summarised_at=now):
                continue
            bound = context.bind(context.RequestContext(ip_address=tally.ip_address))
            try:
                audit_record(
                    action="security.events_suppressed",
                    actor=None,
                    object_type="security.action",
                    object_repr=tally.action,
                    extra={
                        "action": tally.action,
                        "ip_address": tally.ip_address,
                        "window_start": tally.window_start,
                        "window_end": tally.window_start + window,
                        "events": tally.count,
                        "recorded": per_window,
                        "not_recorded": tally.count - per_window,
                    },
                )
            finally:
                context.reset(bound)
            written += 1
        # Windows that stayed under the limit need no summary; old tallies are kept a day.
        closed.filter(count__lte=per_window).update(summarised_at=now)
        SecurityEventTally.objects.filter(summarised_at__lt=now - dt.timedelta(days=1)).delete()
    return written
