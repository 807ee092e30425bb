"""Moving a round along its frozen route and recording the move: the document type's handler,
a step made current, a round closed, the action row and the audit record of a decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor
from yusuan.identity.models import User
from yusuan.workflow import calendar, registry, routing
from yusuan.workflow.choices import ActionKind, InstanceState
from yusuan.workflow.models import WorkflowAction, WorkflowInstance
from yusuan.workflow.services.common import error, state_snapshot, where


def _doc_type(code: str) -> registry.DocumentType:
    doc_type = registry.get(code)
    if doc_type is None or doc_type.handler is None:
        raise error(
            "document_type_unavailable",
            "R-WF-4",
            f"单据类型 {code} 尚未启用",
            f"document type {code} is not available",
            field="document_type",
            value=code,
        )
    return doc_type


def _activate(instance: WorkflowInstance, index: int, now: dt.datetime) -> None:
    step = instance.route[index]
    instance.step_index = index
    instance.step_key = step["key"]
    instance.assigned_organisation_id = step["organisation_id"]
    instance.assigned_role = step["role"]
    instance.waiting_since = now
    instance.escalated_at = None
    instance.escalation_organisation_id = None
    instance.escalation_role = ""
    days = step.get("due_working_days")
    if days:
        instance.due_at, instance.due_exact = calendar.due_after(
            now, int(days), routing.calendar_overrides()
        )
    else:
        instance.due_at, instance.due_exact = None, True


# What _activate and _close change: a decision saves these, not the frozen route and facts.
MOVED = [
    "state",
    "step_index",
    "step_key",
    "assigned_organisation",
    "assigned_role",
    "waiting_since",
    "due_at",
    "due_exact",
    "escalated_at",
    "escalation_organisation",
    "escalation_role",
    "finished_at",
    "updated_at",
]


def _close(instance: WorkflowInstance, state: InstanceState, now: dt.datetime) -> None:
    instance.state = state
    instance.step_index = None
    instance.step_key = ""
    instance.assigned_organisation_id = None
    instance.assigned_role = ""
    instance.waiting_since = None
    instance.due_at = None
    instance.escalated_at = None
    instance.escalation_organisation_id = None
    instance.escalation_role = ""
    instance.finished_at = now


@dataclass(frozen=True)
class Acting:
    user: User
    principal: User | None
    role: str


def _record(
    instance: WorkflowInstance,
    kind: ActionKind,
    acting: Acting | None,
    now: dt.datetime,
    *,
    comment: str = "",
    target: str = "",
    step: Mapping[str, Any] | None = None,
    actor: User | None = None,
) -> WorkflowAction:
    return WorkflowAction.objects.create(
        instance=instance,
        kind=kind,
        step_index=instance.step_index if step is not None else None,
        step_key=str(step["key"]) if step else "",
        step_name=str(step["name"]) if step else "",
        actor=acting.user if acting else actor,
        on_behalf_of=acting.principal if acting else None,
        acting_role=acting.role if acting else "",
        comment=comment,
        target_step_key=target,
        created_at=now,
        **where(),
    )


def _audit_move(
    actor: Actor | None,
    instance: WorkflowInstance,
    action: str,
    before: Mapping[str, Any],
    acting: Acting | None,
    comment: str,
) -> None:
    audit_record(
        action=f"workflow.{action}",
        actor=actor,
        obj=instance,
        changes={k: [before[k], v] for k, v in state_snapshot(instance).items() if before[k] != v},
        extra={
            "document_type": instance.document_type,
            "object_id": instance.object_id,
            "round": instance.round,
            "on_behalf_of": acting.principal.username if acting and acting.principal else None,
            "role": acting.role if acting else None,
            "comment": comment[:500],
        },
    )
