"""Submitting a document: the round it starts (ADR 0008).

The document is locked through its handler; the definition is matched and the route frozen; the
owner's submit hook, the action, the audit record and the notifications are one transaction
(P5, P8)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor
from yusuan.core.models import Organisation
from yusuan.workflow import routing, rules
from yusuan.workflow.choices import DOCUMENT_CLOSED_STATES, STEP_ACTIONS, ActionKind, InstanceState
from yusuan.workflow.models import WorkflowAction, WorkflowInstance
from yusuan.workflow.services.common import (
    as_user,
    document_label,
    error,
    notify_step,
    today,
    where,
)
from yusuan.workflow.services.moves import _activate, _doc_type


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
