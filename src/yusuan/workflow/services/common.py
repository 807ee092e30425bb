"""Helpers shared by the approval services: errors, the caller, where from, notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from yusuan.audit import context
from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.identity.models import User
from yusuan.workflow import calendar, registry, routing
from yusuan.workflow.choices import (
    NotificationKind,
)
from yusuan.workflow.models import (
    Notification,
    WorkflowInstance,
)


def error(
    code: str, rule: str, zh: str, en: str, *, status: int = 422, **kw: Any
) -> BusinessRuleError:
    return BusinessRuleError(
        [ErrorDetail(code=f"workflow.{code}", rule=rule, message_zh=zh, message_en=en, **kw)],
        status=status,
    )


def as_user(actor: Actor) -> User:
    assert isinstance(actor, User)
    return actor


def where() -> dict[str, str]:
    here = context.current()
    return {
        "ip_address": here.ip_address,
        "session_hash": here.session_hash,
        "device_hash": here.device_hash,
    }


def state_snapshot(instance: WorkflowInstance) -> dict[str, Any]:
    return {"state": instance.state, "step": instance.step_key or None}


def notify(
    user_ids: Iterable[int],
    instance: WorkflowInstance,
    kind: NotificationKind,
    zh: str,
    en: str,
) -> None:
    unique = list(dict.fromkeys(user_ids))
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=pk, instance=instance, kind=kind, message_zh=zh[:300], message_en=en[:300]
            )
            for pk in unique
        ]
    )
    if getattr(settings, "YUSUAN_WORKFLOW_EMAIL", False):
        recipients = list(
            User.objects.filter(pk__in=unique).exclude(email="").values_list("email", flat=True)
        )
        if recipients:
            # Sent only once the decision is committed; a mail failure never undoes it.
            transaction.on_commit(
                lambda: send_mail(
                    f"[Yusuan] {zh}", f"{zh}\n{en}", None, recipients, fail_silently=True
                )
            )


def notify_step(
    instance: WorkflowInstance, now: dt.datetime, people: list[routing.Candidate] | None = None
) -> None:
    """A task for everyone who can decide the current step (``people``: when already known)."""
    step = instance.current_step
    assert step is not None
    if people is None:
        people = routing.candidates(*routing.seat_of(step), on=today(now))
    notify(
        [c.user_id for c in people],
        instance,
        NotificationKind.TASK,
        f"待办：{instance.title}（{step['name']}）",
        f"To do: {instance.title} ({step['name_en']})",
    )


def today(now: dt.datetime) -> dt.date:
    return now.astimezone(calendar.LOCAL).date()


def document_label(doc_type: registry.DocumentType, title: str) -> str:
    return f"{doc_type.name}“{title}”"


# Not durable: /api/v1 calls it inside its idempotency transaction (audit.idempotency.run_once).
@transaction.atomic
def notifications_mark_read(*, actor: Actor, ids: Sequence[int] | None = None) -> int:
    queryset = Notification.objects.filter(user_id=as_user(actor).pk, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())
