"""Submitting a document and deciding its steps.

Every action locks the document (through its handler) and then the round, checks who may act and
separation of duties, moves the round, runs the owning module's hook, writes the action, the audit
record and the notifications — all in one transaction (P5, P6, P8)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.uploads import megabytes
from yusuan.core.models import Organisation
from yusuan.identity.models import User
from yusuan.identity.services import ensure_not_read_only
from yusuan.workflow import calendar, locks, registry, routing, rules
from yusuan.workflow.choices import (
    DOCUMENT_CLOSED_STATES,
    STEP_ACTIONS,
    ActionKind,
    InstanceState,
    NotificationKind,
)
from yusuan.workflow.models import (
    WorkflowAction,
    WorkflowAttachment,
    WorkflowInstance,
)
from yusuan.workflow.services.common import (
    as_user,
    document_label,
    error,
    notify,
    notify_step,
    state_snapshot,
    today,
    where,
)

ATTACHMENT_TYPES = (
    ".pdf",
    ".jpg",
    ".jpeg",
    ".png",
    ".xlsx",
    ".xls",
    ".docx",
    ".doc",
    ".ofd",
    ".zip",
)

# --- documents and rounds ------------------------------------------------------------------------


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


@transaction.atomic
def document_submit(*, actor: Actor, document_type: str, object_id: str) -> WorkflowInstance:
    """Start a round: pick the definition, freeze the route, run the owner's submit hook."""
    doc_type = _doc_type(document_type)
    handler = doc_type.handler
    assert handler is not None
    document = handler.load(actor=actor, object_id=object_id, for_update=True)
    facts = handler.facts(document)
    user = as_user(actor)
    label = document_label(doc_type, facts.title)
    rounds = WorkflowInstance.objects.filter(document_type=document_type, object_id=object_id)
    last = rounds.order_by("-round").first()
    if last is not None and last.state == InstanceState.IN_PROGRESS:
        raise error(
            "already_submitted",
            "R-WF-6",
            f"{label}已在审批中（{last.current_step['name'] if last.current_step else ''}）",
            f"{label} is already waiting for approval",
            status=409,
            field="state",
            value=last.state,
        )
    if (
        last is not None
        and last.state in DOCUMENT_CLOSED_STATES
        and not (last.state == InstanceState.APPROVED and handler.reopened(document))
    ):
        raise error(
            "document_closed",
            "R-WF-6",
            f"{label}已{last.get_state_display()}，不能再次送审",
            f"{label} was {last.state} and cannot be submitted again",
            status=409,
            field="state",
            value=last.state,
        )
    if last is not None:
        # R-WF-1 over all rounds: whoever decided a step of this document never submits it.
        decided = (
            WorkflowAction.objects.filter(instance__in=rounds, kind__in=list(STEP_ACTIONS))
            .filter(Q(actor_id=user.pk) | Q(on_behalf_of_id=user.pk))
            .values_list("step_name", flat=True)
            .first()
        )
        if decided is not None:
            raise error(
                "decider_submits",
                "R-WF-1",
                f"{label}：您已在前一轮审批了“{decided}”环节，不能再作为送审人提交",
                f"{label}: you decided step '{decided}' in an earlier round and cannot submit it",
                status=403,
                field="submitted_by",
                value=user.username,
            )
    organisation = facts.organisation
    if organisation is None or organisation.pk != facts.organisation_id:
        organisation = Organisation.objects.get(pk=facts.organisation_id)
    values = facts.condition_values(agency_type=organisation.agency_type or "")
    matched = routing.match_definition(
        mof_div_code=facts.mof_div_code, document_type=document_type, values=values
    )
    if matched is None:
        raise error(
            "no_definition",
            "R-WF-5",
            f"{label}：没有适用的审批流程（类型 {doc_type.name}，子类型 {facts.subtype or '—'}），"
            "请联系系统管理员配置",
            f"{label}: no approval definition applies (type {document_type}, subtype "
            f"{facts.subtype or '-'}); ask the administrator to configure one",
            field="document_type",
            value=document_type,
        )
    definition, version = matched
    body = rules.DefinitionBody.model_validate(version.body)
    route = routing.build_route(
        body=body, values=values, organisation=organisation, names=routing.role_names()
    )
    now = timezone.now()
    excluded = {user.pk} | ({facts.entered_by_id} if facts.entered_by_id else set())
    people = routing.seated([routing.seat_of(step) for step in route], on=today(now))
    stuck = routing.unresolved_step_for(
        route, excluded_user_ids=excluded, on=today(now), people=people
    )
    if stuck is not None:
        raise error(
            "no_approver",
            "R-WF-5",
            f"{label}：“{stuck['name']}”环节没有可办理人（{stuck['organisation_name']}的"
            f"“{stuck['role_name']}”岗位无人或只有录入/提交人本人），请先配置人员或委托",
            f"{label}: nobody can decide step '{stuck['name_en']}' ({stuck['role']} at "
            f"{stuck['organisation_name']}) other than the person who entered or submitted it",
            field=f"steps.{stuck['key']}",
            value=stuck["role"],
            limit=stuck["organisation_name"],
        )
    instance = WorkflowInstance(
        mof_div_code=facts.mof_div_code,
        fiscal_year=facts.fiscal_year,
        document_type=document_type,
        object_id=object_id,
        round=(last.round + 1) if last else 1,
        organisation=organisation,
        title=facts.title[:200],
        amount_fen=facts.amount_fen,
        facts={**facts.snapshot(), "agency_type": organisation.agency_type or ""},
        url=facts.url,
        definition=definition,
        version=version,
        route=route,
        entered_by_id=facts.entered_by_id,
        submitted_by=user,
        submitted_at=now,
    )
    _activate(instance, 0, now)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:  # a concurrent submit of the same document won the race
        raise error(
            "already_submitted",
            "R-WF-6",
            f"{label}已在审批中",
            f"{label} is already waiting for approval",
            status=409,
        ) from exc
    WorkflowAction.objects.create(
        instance=instance,
        kind=ActionKind.SUBMIT,
        actor=user,
        acting_role=doc_type.entry_role,
        created_at=now,
        **where(),
    )
    handler.on_submitted(actor=actor, document=document, instance=instance)
    audit_record(
        action="workflow.submit",
        actor=actor,
        obj=instance,
        changes={"state": [None, instance.state], "step": [None, instance.step_key]},
        extra={
            "document_type": document_type,
            "object_id": object_id,
            "round": instance.round,
            "definition": definition.code,
            "version": version.number,
            "route": [s["key"] for s in route],
        },
    )
    notify_step(instance, now, people[routing.seat_of(route[0])])
    return instance


@dataclass(frozen=True)
class Acting:
    user: User
    principal: User | None
    role: str


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


def _require_reason(reason: str, what: str) -> str:
    text = reason.strip()
    if not text:
        raise error(
            "reason_required",
            "R-WF-6",
            f"{what}必须填写理由",
            f"{what}: a reason is required",
            field="reason",
        )
    return text


def _submitter_and_entrant(instance: WorkflowInstance) -> list[int]:
    return [pk for pk in (instance.submitted_by_id, instance.entered_by_id) if pk is not None]


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


def _notify_owner(instance: WorkflowInstance, kind: NotificationKind, zh: str, en: str) -> None:
    notify(_submitter_and_entrant(instance), instance, kind, zh, en)


@transaction.atomic
def instance_approve(
    *, actor: Actor, instance_id: int, comment: str = "", expected_step: int | None = None
) -> WorkflowInstance:
    d = _decision(actor, instance_id, expected_step)
    instance, step = d.instance, d.step
    assert instance.step_index is not None
    _record(instance, ActionKind.APPROVE, d.acting, d.now, comment=comment.strip(), step=step)
    d.handler.on_step_approved(actor=actor, document=d.document, instance=instance, step=step)
    if instance.step_index + 1 < len(instance.route):
        _activate(instance, instance.step_index + 1, d.now)
        instance.save(update_fields=MOVED)
        notify_step(instance, d.now)
    else:
        _close(instance, InstanceState.APPROVED, d.now)
        instance.save(update_fields=MOVED)
        d.handler.on_approved(actor=actor, document=d.document, instance=instance)
        _notify_owner(
            instance,
            NotificationKind.FINISHED,
            f"已审批通过：{instance.title}",
            f"Approved: {instance.title}",
        )
    _audit_move(actor, instance, "approve", d.before, d.acting, comment)
    return instance


MAX_BATCH = 100


@dataclass(frozen=True)
class BatchOutcome:
    instance_id: int
    error: BusinessRuleError | None  # None: approved


def instances_approve(
    *, actor: Actor, picks: Sequence[tuple[int, int | None]], comment: str = ""
) -> list[BatchOutcome]:
    """批量审核: approve several documents with one comment. Each is decided exactly as alone
    (who may act, SoD, the owner's checks, ``expected_step`` against a stale page) and in its own
    transaction, so one refusal leaves the others approved; the outcomes name each refusal."""
    if len(picks) > MAX_BATCH:
        raise error(
            "batch_too_large",
            "R-WF-6",
            f"一次最多批量审核 {MAX_BATCH} 件，本次选择了 {len(picks)} 件",
            f"at most {MAX_BATCH} documents at once; {len(picks)} were picked",
            field="picks",
            value=len(picks),
            limit=MAX_BATCH,
        )
    outcomes = []
    for instance_id, step in dict.fromkeys(picks):  # a double-listed pick is decided once
        try:
            instance_approve(
                actor=actor, instance_id=instance_id, comment=comment, expected_step=step
            )
        except BusinessRuleError as exc:
            outcomes.append(BatchOutcome(instance_id, exc))
        else:
            outcomes.append(BatchOutcome(instance_id, None))
    return outcomes


@transaction.atomic
def instance_return(
    *,
    actor: Actor,
    instance_id: int,
    reason: str,
    to_entry: bool = False,
    expected_step: int | None = None,
) -> WorkflowInstance:
    """Send the document back one step, or to the person who entered it (ends the round)."""
    text = _require_reason(reason, "退回")
    d = _decision(actor, instance_id, expected_step)
    instance = d.instance
    assert instance.step_index is not None
    back_to_entry = to_entry or instance.step_index == 0
    target = "" if back_to_entry else str(instance.route[instance.step_index - 1]["key"])
    _record(instance, ActionKind.RETURN, d.acting, d.now, comment=text, target=target, step=d.step)
    if back_to_entry:
        _close(instance, InstanceState.RETURNED, d.now)
        instance.save(update_fields=MOVED)
        d.handler.on_returned(actor=actor, document=d.document, instance=instance)
        _notify_owner(
            instance,
            NotificationKind.RETURNED,
            f"已退回修改：{instance.title}（{text[:80]}）",
            f"Returned for revision: {instance.title}",
        )
    else:
        _activate(instance, instance.step_index - 1, d.now)
        instance.save(update_fields=MOVED)
        notify_step(instance, d.now)
    _audit_move(actor, instance, "return", d.before, d.acting, text)
    return instance


@transaction.atomic
def instance_reject(
    *, actor: Actor, instance_id: int, reason: str, expected_step: int | None = None
) -> WorkflowInstance:
    text = _require_reason(reason, "不予批准")
    d = _decision(actor, instance_id, expected_step)
    instance = d.instance
    _record(instance, ActionKind.REJECT, d.acting, d.now, comment=text, step=d.step)
    _close(instance, InstanceState.REJECTED, d.now)
    instance.save(update_fields=MOVED)
    d.handler.on_rejected(actor=actor, document=d.document, instance=instance)
    _notify_owner(
        instance,
        NotificationKind.FINISHED,
        f"不予批准：{instance.title}（{text[:80]}）",
        f"Rejected: {instance.title}",
    )
    _audit_move(actor, instance, "reject", d.before, d.acting, text)
    return instance


@transaction.atomic
def instance_withdraw(*, actor: Actor, instance_id: int, reason: str = "") -> WorkflowInstance:
    """The submitter takes the document back before anybody approved a step of this round."""
    instance, doc_type, document = _locked_round(actor, instance_id, None)
    user = as_user(actor)
    label = document_label(doc_type, instance.title)
    if instance.submitted_by_id != user.pk:
        raise error(
            "withdraw_not_submitter",
            "R-WF-6",
            f"{label}只能由提交人撤回",
            f"only the submitter may withdraw {label}",
            status=403,
            field="actor",
            value=user.username,
        )
    first = instance.actions.filter(kind=ActionKind.APPROVE).order_by("created_at").first()
    if first is not None:
        raise error(
            "withdraw_after_approval",
            "R-WF-6",
            f"{label}已于 {timezone.localtime(first.created_at):%Y-%m-%d %H:%M} 通过"
            f"“{first.step_name}”环节，不能撤回，请联系当前办理人退回",
            f"{label} was approved at step '{first.step_name}'; it can no longer be withdrawn",
            status=409,
            field="state",
            limit=first.step_name,
        )
    handler = doc_type.handler
    assert handler is not None
    now = timezone.now()
    before = state_snapshot(instance)
    _record(instance, ActionKind.WITHDRAW, None, now, comment=reason.strip(), actor=user)
    _close(instance, InstanceState.WITHDRAWN, now)
    instance.save(update_fields=MOVED)
    handler.on_withdrawn(actor=actor, document=document, instance=instance)
    _audit_move(actor, instance, "withdraw", before, None, reason)
    return instance


@transaction.atomic
def instance_comment(
    *,
    actor: Actor,
    instance_id: int,
    comment: str,
    files: Sequence[UploadedFile] = (),
) -> WorkflowAction:
    """A remark, with optional attachments, by anyone who can see the round and writes at all
    (a read-only role such as the auditor does not: a 403). Moves nothing."""
    ensure_not_read_only(actor, "workflow comment")
    instance = WorkflowInstance.objects.visible_to(actor).filter(pk=instance_id).first()
    if instance is None:
        raise NotFoundError("approval")
    text = comment.strip()
    errors: list[ErrorDetail] = []
    if not text and not files:
        errors.append(
            ErrorDetail(
                code="workflow.empty_comment",
                rule="R-WF-6",
                field="comment",
                message_zh="请填写意见或上传附件",
                message_en="write a comment or attach a file",
            )
        )
    for i, upload in enumerate(files):
        name = upload.name or ""
        if not name.lower().endswith(ATTACHMENT_TYPES):
            errors.append(
                ErrorDetail(
                    code="workflow.attachment_type",
                    rule="R-WF-7",
                    field=f"files[{i}]",
                    value=name,
                    limit=list(ATTACHMENT_TYPES),
                    message_zh=f"附件 {name} 的类型不允许",
                    message_en=f"attachment {name}: file type not allowed",
                )
            )
        # The one upload limit: past it the upload handler stopped storing the file.
        limit = settings.YUSUAN_UPLOAD_MAX_BYTES
        if (upload.size or 0) > limit:
            errors.append(
                ErrorDetail(
                    code="workflow.attachment_size",
                    rule="R-WF-7",
                    field=f"files[{i}]",
                    value=upload.size,
                    limit=limit,
                    message_zh=f"附件 {name} 超过 {megabytes(limit)}",
                    message_en=f"attachment {name} exceeds {megabytes(limit)}",
                )
            )
    raise_if_any(errors)
    now = timezone.now()
    action = _record(instance, ActionKind.COMMENT, None, now, comment=text, actor=as_user(actor))
    for upload in files:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        WorkflowAttachment.objects.create(
            action=action,
            file=upload,
            name=(upload.name or "")[:200],
            size=upload.size or 0,
            sha256=digest.hexdigest(),
            content_type=(upload.content_type or "")[:100],
        )
    audit_record(
        action="workflow.comment",
        actor=actor,
        obj=instance,
        extra={"comment": text[:500], "files": [u.name for u in files]},
    )
    return action
