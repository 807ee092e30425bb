"""Who may decide a step: the one lock order (the document through its handler, then the round),
a stale page, the step's seat, its escalation target and delegates, and separation of duties over
all rounds (R-WF-1…R-WF-3, R-WF-5, R-WF-6): the common start of every decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.identity.models import User
from yusuan.identity.services import ensure_not_read_only
from yusuan.workflow import locks, registry, routing, rules
from yusuan.workflow.choices import STEP_ACTIONS, ActionKind, InstanceState
from yusuan.workflow.models import WorkflowAction, WorkflowInstance
from yusuan.workflow.services.common import as_user, document_label, error, state_snapshot, today
from yusuan.workflow.services.moves import Acting, _doc_type


def _locked_round(
    actor: Actor, instance_id: int, expected_step: int | None
) -> tuple[WorkflowInstance, registry.DocumentType, Any]:
    """Lock the document (through its owner) and then the round: one fixed order for every action."""
    found = (
        WorkflowInstance.objects.visible_to(actor)
        .filter(pk=instance_id)
        .values_list("document_type", "object_id")
        .first()
    )
    if found is None:
        raise NotFoundError("approval")
    document_type, object_id = found
    doc_type = _doc_type(document_type)
    assert doc_type.handler is not None
    document = doc_type.handler.load(actor=actor, object_id=object_id, for_update=True)
    instance = locks.instance_qs_select_for_update().get(pk=instance_id)
    label = document_label(doc_type, instance.title)
    if instance.state != InstanceState.IN_PROGRESS:
        last = _decisions(instance, [*STEP_ACTIONS, ActionKind.WITHDRAW]).last()
        said_zh, said_en = _decision_text(last) if last else ("", "")
        raise error(
            "not_in_progress",
            "R-WF-6",
            f"{label}审批已结束（{instance.get_state_display()}）"
            + (f"：{said_zh}" if last else "")
            + "，不能再办理",
            f"{label} is {instance.state}"
            + (f": {said_en}" if last else "")
            + "; nothing is waiting",
            status=409,
            field="state",
            value=instance.state,
        )
    if expected_step is not None and instance.step_index != expected_step:
        decided = _decisions(instance, STEP_ACTIONS).filter(step_index=expected_step).last()
        if decided is not None:
            raise _already_decided(label, instance, decided, code="stale")
        step = instance.current_step or {}
        raise error(
            "stale",
            "R-WF-6",
            f"{label}已被他人办理，当前在“{step.get('name', '')}”环节，请刷新后再操作",
            f"{label} has moved on to '{step.get('name_en', '')}'; reload the page",
            status=409,
            field="step",
            value=expected_step,
            limit=instance.step_index,
        )
    return instance, doc_type, document


# How a decision reads in a message: (zh, en).
DECIDED = {
    ActionKind.APPROVE: ("同意", "approved"),
    ActionKind.RETURN: ("退回", "returned"),
    ActionKind.REJECT: ("不予批准", "rejected"),
    ActionKind.WITHDRAW: ("撤回", "withdrawn"),
}


def _decisions(instance: WorkflowInstance, kinds: Iterable[str]) -> Any:
    """This round's actions of these kinds in the order they were taken, with who took them."""
    return (
        instance.actions.filter(kind__in=list(kinds))
        .select_related("actor", "on_behalf_of")
        .order_by("pk")
    )


def _decision_text(action: WorkflowAction) -> tuple[str, str]:
    """'step X was already approved by Y at <time>', in both languages; the time is Beijing time,
    as people read it (never the stored UTC)."""
    who = str(action.actor) if action.actor else "—"
    if action.on_behalf_of:
        who = f"{who}（代 {action.on_behalf_of}）"
    at = f"{timezone.localtime(action.created_at):%Y-%m-%d %H:%M}"
    what_zh, what_en = DECIDED[ActionKind(action.kind)]
    step_zh = f"“{action.step_name}”环节" if action.step_name else ""
    step_en = "it"
    if action.step_index is not None:
        step_en = (
            f"step '{action.instance.route[action.step_index].get('name_en', action.step_name)}'"
        )
    return (
        f"{step_zh}已由 {who} 于 {at} {what_zh}",
        f"{step_en} was already {what_en} by {who} at {at}",
    )


def _already_decided(
    label: str, instance: WorkflowInstance, action: WorkflowAction, *, code: str
) -> BusinessRuleError:
    """A second click, or a colleague's click after the step was decided: say who decided the
    step and when, and where the round waits now."""
    said_zh, said_en = _decision_text(action)
    step = instance.current_step
    assert step is not None  # only asked while the round is open
    return error(
        code,
        "R-WF-6",
        f"{label}：{said_zh}，现在“{step['name']}”环节等待{step['organisation_name']}的"
        f"“{step['role_name']}”办理",
        f"{label}: {said_en}; it now waits at '{step['name_en']}' for {step['role']} at "
        f"{step['organisation_name']}",
        status=409,
        field="step",
        value=action.step_name,
        limit=f"{action.actor.username if action.actor else ''} "
        f"{timezone.localtime(action.created_at):%Y-%m-%d %H:%M}",
    )


def _decided_by_or_for(user: User, instance: WorkflowInstance) -> WorkflowAction | None:
    """This round's latest decision of a step the user made, or could have made (a colleague
    in the same seat got there first)."""
    route = instance.route
    roles = set(user.role_codes)
    for action in reversed(list(_decisions(instance, STEP_ACTIONS))):
        step = route[action.step_index] if action.step_index is not None else {}
        if user.pk in (action.actor_id, action.on_behalf_of_id) or (
            step.get("organisation_id") == user.organisation_id and step.get("role") in roles
        ):
            return action
    return None


def _acting(actor: Actor, instance: WorkflowInstance, now: dt.datetime) -> Acting:
    """Whether, and as whom, the actor may decide the current step (its role holder, escalation
    target, or a delegate of a role holder)."""
    user = as_user(actor)
    step = instance.current_step
    assert step is not None
    roles = set(user.role_codes)
    if (
        user.organisation_id == instance.assigned_organisation_id
        and instance.assigned_role in roles
    ):
        return Acting(user, None, instance.assigned_role)
    if (
        instance.escalated_at is not None
        and user.organisation_id == instance.escalation_organisation_id
        and instance.escalation_role in roles
    ):
        return Acting(user, None, instance.escalation_role)
    assert instance.assigned_organisation_id is not None
    for candidate in routing.candidates(
        instance.assigned_organisation_id, instance.assigned_role, on=today(now)
    ):
        if candidate.user_id == user.pk and candidate.principal_id is not None:
            principal = User.objects.get(pk=candidate.principal_id)
            return Acting(user, principal, instance.assigned_role)
    decided = _decided_by_or_for(user, instance)
    if decided is not None:
        raise _already_decided(
            document_label(_doc_type(instance.document_type), instance.title),
            instance,
            decided,
            code="already_decided",
        )
    raise error(
        "not_assignee",
        "R-WF-5",
        f"“{instance.title}”当前在“{step['name']}”环节，由{step['organisation_name']}的"
        f"“{step['role_name']}”办理，您不是办理人",
        f"'{instance.title}' waits at step '{step['name_en']}' for {step['role']} at "
        f"{step['organisation_name']}; you are not that person",
        status=403,
        field="actor",
        value=user.username,
        limit=f"{step['organisation_name']} / {step['role_name']}",
    )


def _check_sod(instance: WorkflowInstance, doc_type: registry.DocumentType, acting: Acting) -> None:
    step = instance.current_step
    assert step is not None
    rounds = WorkflowInstance.objects.filter(
        document_type=instance.document_type, object_id=instance.object_id
    )
    # One read for both: the decisions of every round, and who submitted each (its SUBMIT).
    history: list[rules.PastAct] = []
    submitters: list[int] = []
    for a in WorkflowAction.objects.filter(
        instance__in=rounds, kind__in=[*STEP_ACTIONS, ActionKind.SUBMIT], actor__isnull=False
    ):
        if a.actor_id is None:
            continue
        if a.kind == ActionKind.SUBMIT:
            submitters.append(a.actor_id)
        else:
            history.append(
                rules.PastAct(
                    a.actor_id,
                    a.on_behalf_of_id,
                    a.step_key,
                    a.step_name,
                    timezone.localtime(a.created_at),  # the message prints it: Beijing time
                )
            )
    persons = [acting.user] + ([acting.principal] if acting.principal is not None else [])
    people = [(p.pk, p.username) for p in persons]
    held = {p.pk: frozenset(p.role_codes) for p in persons}
    other_roles = routing.other_route_roles(
        instance.route, str(step["key"]), doc_type.entry_role, acting.role
    )
    pairs = routing.incompatible_pairs()
    violation = rules.sod_violation(
        people=people,
        step_key=str(step["key"]),
        step_name=str(step["name"]),
        step_role=acting.role,
        entered_by_id=instance.entered_by_id,
        submitted_by_ids=submitters,
        history=history,
        held_roles=held,
        other_route_roles=other_roles,
        incompatible=pairs,
        document=document_label(doc_type, instance.title),
    )
    if violation is not None:
        raise BusinessRuleError([violation], status=403)


@dataclass(frozen=True)
class _Decision:
    instance: WorkflowInstance
    document: Any
    handler: registry.DocumentHandler
    acting: Acting
    now: dt.datetime
    before: dict[str, Any]
    step: dict[str, Any]


def _decision(actor: Actor, instance_id: int, expected_step: int | None) -> _Decision:
    """Lock, then check who acts and separation of duties: the common start of every decision."""
    ensure_not_read_only(actor, "workflow decision")
    instance, doc_type, document = _locked_round(actor, instance_id, expected_step)
    now = timezone.now()
    acting = _acting(actor, instance, now)
    _check_sod(instance, doc_type, acting)
    assert doc_type.handler is not None and instance.current_step is not None
    return _Decision(
        instance,
        document,
        doc_type.handler,
        acting,
        now,
        state_snapshot(instance),
        instance.current_step,
    )
