"""Deciding a step: approve (one or a batch), return, reject, and the submitter's withdrawal.

Every decision locks and checks through ``acting._decision``, moves the round, runs the owning
module's hook, writes the action, the audit record and the notifications — all in one
transaction (P5, P6, P8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError
from yusuan.workflow.choices import ActionKind, InstanceState, NotificationKind
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services.acting import _decision, _locked_round
from yusuan.workflow.services.common import (
    as_user,
    document_label,
    error,
    notify,
    notify_step,
    state_snapshot,
)
from yusuan.workflow.services.moves import MOVED, _activate, _audit_move, _close, _record


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
