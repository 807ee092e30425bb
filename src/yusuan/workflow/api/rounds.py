"""Approval endpoints of /api/v1: the inbox, a round with its route and timeline, and every action
on it, delegations, batch approval and notifications (each mutating call accepts an
``Idempotency-Key``, P11). Definitions, the route preview and the calendar are ``definitions``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite, write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, paged, require
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.identity.models import User
from yusuan.workflow import routing, selectors, services
from yusuan.workflow.forms import COMMENT_MAX_LENGTH  # as on the pages; longer is a 422
from yusuan.workflow.models import WorkflowInstance

router = Router(tags=["approvals"])
# Operation ids are published: they keep the module these endpoints were first published from.
OPERATION_ID_PREFIX = "yusuan_workflow_api"


class RoundOut(Schema):
    id: int
    document_type: str
    object_id: str
    round: int
    title: str
    organisation_id: int
    organisation_name: str
    amount_fen: int | None
    state: str
    step_key: str
    step_name: str
    waiting_at: str
    waiting_since: dt.datetime | None
    due_at: dt.datetime | None
    overdue: bool
    submitted_by: str
    submitted_at: dt.datetime
    definition: str
    version: int


class RouteStepOut(Schema):
    index: int
    name: str
    role_name: str
    organisation_name: str
    status: Literal["done", "current", "pending"]
    decided_by: str
    decided_at: dt.datetime | None


class TimelineEntryOut(Schema):
    at: dt.datetime
    round: int
    kind: str
    step_name: str
    actor: str
    on_behalf_of: str
    role: str
    comment: str


TIMELINE_FIELDS = frozenset(TimelineEntryOut.model_fields)


class RoundDetailOut(RoundOut):
    route: list[RouteStepOut]
    timeline: list[TimelineEntryOut]


class DecisionIn(Schema):
    expected_step: int | None = None
    comment: str = Field("", max_length=COMMENT_MAX_LENGTH)


class ReturnIn(Schema):
    expected_step: int | None = None
    reason: str = Field(max_length=COMMENT_MAX_LENGTH)
    to_entry: bool = False


class ReasonIn(Schema):
    expected_step: int | None = None
    reason: str = Field(max_length=COMMENT_MAX_LENGTH)


class CommentIn(Schema):
    comment: str = Field(max_length=COMMENT_MAX_LENGTH)


def _round(instance: WorkflowInstance) -> dict[str, Any]:
    step = instance.current_step or {}
    return {
        "id": instance.pk,
        "document_type": instance.document_type,
        "object_id": instance.object_id,
        "round": instance.round,
        "title": instance.title,
        "organisation_id": instance.organisation_id,
        "organisation_name": instance.organisation.name,
        "amount_fen": instance.amount_fen,
        "state": instance.state,
        "step_key": instance.step_key,
        "step_name": step.get("name", ""),
        "waiting_at": f"{step['organisation_name']} / {step['role_name']}" if step else "",
        "waiting_since": instance.waiting_since,
        "due_at": instance.due_at,
        "overdue": instance.is_overdue(),
        "submitted_by": instance.submitted_by.username,
        "submitted_at": instance.submitted_at,
        "definition": instance.definition.code,
        "version": instance.version.number,
    }


def _detail(instance: WorkflowInstance) -> dict[str, Any]:
    timeline = selectors.timeline(instance=instance)
    return {
        **_round(instance),
        "route": [step.__dict__ for step in timeline.route],
        "timeline": [
            {k: v for k, v in entry.__dict__.items() if k in TIMELINE_FIELDS}
            for entry in timeline.entries
        ],
    }


def _loaded(pk: int, actor: Any) -> WorkflowInstance:
    return selectors.access_instance(actor=actor, pk=pk)


# Every action answers with the round as it is afterwards.
_mutate = DocumentWrite(
    api_scope="workflow:write", read=lambda actor, pk: _detail(_loaded(pk, actor))
)


@router.get("/workflow/inbox", response=list[RoundOut])
def inbox(request: HttpRequest) -> Any:
    """What waits for the caller's decision, overdue first."""
    actor = require(request, None, "workflow:read")
    rounds = selectors.with_round_relations(selectors.inbox(actor=actor))
    return [_round(i) for i in rounds]


@router.get("/workflow/submitted", response=list[RoundOut])
@paged(50)
def submitted(request: HttpRequest) -> Any:
    """The rounds the caller submitted, open ones first: where each waits, since when."""
    actor = require(request, None, "workflow:read")
    return Rendered(selectors.my_submissions(actor=actor), _round)


class OverdueOut(RoundOut):
    working_days_overdue: int


@router.get("/workflow/overdue", response=list[OverdueOut])
@paged(50)
def overdue(request: HttpRequest) -> Any:
    """Open rounds of the caller's scope past their due date, the longest overdue first."""
    actor = require(request, "workflow.view_workflowinstance", "workflow:read")
    now = timezone.now()
    overrides = routing.calendar_overrides()
    return Rendered(
        selectors.overdue(actor=actor, now=now),
        lambda i: {
            **_round(i),
            "working_days_overdue": selectors.working_days_overdue(i, now, overrides),
        },
    )


Minutes = Annotated[int, Field(ge=1, le=1440)]  # the report's window, as the page bounds it


class SeatActionOut(Schema):
    username: str
    kind: str
    at: dt.datetime


class SharedSeatOut(Schema):
    instance_id: int
    title: str
    organisation_name: str
    first: SeatActionOut
    second: SeatActionOut
    matched_on: list[str] = Field(description="session, device or address")
    seconds_apart: int


@router.get("/workflow/shared-devices", response=list[SharedSeatOut])
def shared_devices(request: HttpRequest, minutes: Minutes = 30) -> list[dict[str, Any]]:
    """P6: different people deciding one document from one session, device or address within
    ``minutes`` (a borrowed UKey), as the shared-device report shows it."""
    actor = require(request, "identity.view_sod_report", "workflow:read")

    def action(a: Any) -> dict[str, Any]:
        return {"username": a.actor.username, "kind": a.kind, "at": a.created_at}

    return [
        {
            "instance_id": seat.instance.pk,
            "title": seat.instance.title,
            "organisation_name": seat.instance.organisation.name,
            "first": action(seat.first),
            "second": action(seat.second),
            "matched_on": list(seat.matched_on),
            "seconds_apart": round(seat.minutes_apart * 60),
        }
        for seat in selectors.shared_device_report(actor=actor, minutes=minutes)
    ]


@router.get("/workflow/instances/{instance_id}", response=RoundDetailOut)
def get_instance(request: HttpRequest, instance_id: Id) -> Any:
    """A round with its frozen route, where it waits and the document's whole timeline."""
    actor = require(request, None, "workflow:read")
    return _detail(_loaded(instance_id, actor))


@router.get("/workflow/documents/{document_type}/{object_id}", response=list[RoundOut])
def document_rounds(request: HttpRequest, document_type: str, object_id: str) -> Any:
    actor = require(request, None, "workflow:read")
    rounds = selectors.document_rounds(
        actor=actor, document_type=document_type, object_id=object_id
    )
    if not rounds:
        raise NotFoundError("document")
    return [_round(_loaded(r.pk, actor)) for r in rounds]


@router.post("/workflow/documents/{document_type}/{object_id}/submit", response=RoundDetailOut)
def submit(
    request: HttpRequest,
    response: HttpResponse,
    document_type: str,
    object_id: str,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Submit a document for approval (starts a round)."""
    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:workflow.submit:{document_type}:{object_id}",
        body={},
        call=lambda actor: services.document_submit(
            actor=actor, document_type=document_type, object_id=object_id
        ),
    )


@router.post("/workflow/instances/{instance_id}/approve", response=RoundDetailOut)
def approve(
    request: HttpRequest,
    response: HttpResponse,
    instance_id: Id,
    payload: DecisionIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:workflow.approve:{instance_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: services.instance_approve(
            actor=actor,
            instance_id=instance_id,
            comment=payload.comment,
            expected_step=payload.expected_step,
        ),
    )


@router.post("/workflow/instances/{instance_id}/return", response=RoundDetailOut)
def return_(
    request: HttpRequest,
    response: HttpResponse,
    instance_id: Id,
    payload: ReturnIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:workflow.return:{instance_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: services.instance_return(
            actor=actor,
            instance_id=instance_id,
            reason=payload.reason,
            to_entry=payload.to_entry,
            expected_step=payload.expected_step,
        ),
    )


@router.post("/workflow/instances/{instance_id}/reject", response=RoundDetailOut)
def reject(
    request: HttpRequest,
    response: HttpResponse,
    instance_id: Id,
    payload: ReasonIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:workflow.reject:{instance_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: services.instance_reject(
            actor=actor,
            instance_id=instance_id,
            reason=payload.reason,
            expected_step=payload.expected_step,
        ),
    )


@router.post("/workflow/instances/{instance_id}/withdraw", response=RoundDetailOut)
def withdraw(
    request: HttpRequest,
    response: HttpResponse,
    instance_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:workflow.withdraw:{instance_id}",
        body={},
        call=lambda actor: services.instance_withdraw(actor=actor, instance_id=instance_id),
    )


@router.post("/workflow/instances/{instance_id}/comments", response=RoundDetailOut)
def comment(
    request: HttpRequest,
    response: HttpResponse,
    instance_id: Id,
    payload: CommentIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    def call(actor: Any) -> WorkflowInstance:
        action = services.instance_comment(
            actor=actor, instance_id=instance_id, comment=payload.comment
        )
        return action.instance

    return _mutate(
        request,
        response,
        key=idempotency_key,
        scope=f"api:workflow.comment:{instance_id}",
        body=payload.model_dump(mode="json"),
        call=call,
    )


class DelegationIn(Schema):
    delegate: str
    starts_on: dt.date
    ends_on: dt.date
    reason: str


class DelegationOut(Schema):
    id: int
    delegator: str
    delegate: str
    starts_on: dt.date
    ends_on: dt.date
    reason: str
    revoked_at: dt.datetime | None


def _delegation(d: Any) -> dict[str, Any]:
    return {
        "id": d.pk,
        "delegator": d.delegator.username,
        "delegate": d.delegate.username,
        "starts_on": d.starts_on,
        "ends_on": d.ends_on,
        "reason": d.reason,
        "revoked_at": d.revoked_at,
    }


@router.get("/workflow/delegations", response=list[DelegationOut])
@paged(100)
def list_delegations(request: HttpRequest) -> Any:
    actor = require(request, None, "workflow:read")
    return Rendered(selectors.delegations(actor=actor), _delegation)


@router.post("/workflow/delegations", response={201: DelegationOut})
def create_delegation(
    request: HttpRequest,
    response: HttpResponse,
    payload: DelegationIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The caller names a colleague who decides for them during the period (R-WF-8)."""

    def render(actor: Any) -> dict[str, Any]:
        delegate = User.objects.filter(
            username=payload.delegate, organisation_id=actor.organisation_id
        ).first()
        if delegate is None:
            raise BusinessRuleError.single(
                code="workflow.delegate_other_unit",
                rule="R-WF-8",
                field="delegate",
                value=payload.delegate,
                message_zh="只能委托本单位的同事",
                message_en="the delegate must belong to the same organisation",
            )
        delegation = services.delegation_create(
            actor=actor,
            delegate=delegate,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            reason=payload.reason,
        )
        return _delegation(delegation)

    return write_once(
        request,
        response,
        api_scope="workflow:write",
        key=idempotency_key,
        scope="api:workflow.delegation.create",
        body=payload.model_dump(mode="json"),
        status=201,
        render=render,
    )


@router.post("/workflow/delegations/{delegation_id}/revoke", response=DelegationOut)
def revoke_delegation(
    request: HttpRequest,
    response: HttpResponse,
    delegation_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    def render(actor: Any) -> dict[str, Any]:
        delegation = selectors.delegations(actor=actor).filter(pk=delegation_id).first()
        if delegation is None:
            raise NotFoundError("delegation")
        return _delegation(services.delegation_revoke(actor=actor, delegation=delegation))

    return write_once(
        request,
        response,
        api_scope="workflow:write",
        key=idempotency_key,
        scope=f"api:workflow.delegation.revoke:{delegation_id}",
        body={},
        status=200,
        render=render,
    )


# --- Batch approval (批量审核), as the inbox page does it ----------------------------------------


class PickIn(Schema):
    instance_id: Id
    expected_step: int | None = Field(None, ge=0, le=1000)


class BatchApproveIn(Schema):
    picks: list[PickIn] = Field(min_length=1, max_length=services.MAX_BATCH)
    comment: str = Field("", max_length=COMMENT_MAX_LENGTH)


class BatchErrorOut(Schema):
    code: str
    rule: str | None
    field: str | None
    message_zh: str
    message_en: str


class BatchOutcomeOut(Schema):
    instance_id: int
    approved: bool
    errors: list[BatchErrorOut] = Field(description="why this one was refused (empty if approved)")


@router.post("/workflow/inbox/approve", response=list[BatchOutcomeOut])
def batch_approve(
    request: HttpRequest,
    response: HttpResponse,
    payload: BatchApproveIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Approve several documents with one comment, each decided exactly as alone and in its own
    transaction: one refusal leaves the others approved, and the answer names each refusal."""

    def render(actor: Any) -> list[dict[str, Any]]:
        outcomes = services.instances_approve(
            actor=actor,
            picks=[(p.instance_id, p.expected_step) for p in payload.picks],
            comment=payload.comment.strip() or "同意 / Approved.",
        )
        return [
            {
                "instance_id": o.instance_id,
                "approved": o.error is None,
                "errors": [
                    {
                        "code": e.code,
                        "rule": e.rule,
                        "field": e.field,
                        "message_zh": e.message_zh,
                        "message_en": e.message_en,
                    }
                    for e in (o.error.errors if o.error else [])
                ],
            }
            for o in outcomes
        ]

    return write_once(
        request,
        response,
        api_scope="workflow:write",
        key=idempotency_key,
        scope="api:workflow.batch_approve",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )


@router.post("/workflow/notifications/read", response=int)
def mark_notifications_read(
    request: HttpRequest,
    response: HttpResponse,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Mark all the caller's notifications read; the answer is how many were unread."""
    return write_once(
        request,
        response,
        api_scope="workflow:write",
        key=idempotency_key,
        scope="api:workflow.notifications.read",
        body={},
        status=200,
        render=lambda actor: services.notifications_mark_read(actor=actor),
    )
