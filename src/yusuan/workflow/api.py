"""Approval endpoints of /api/v1: the inbox, a round with its route and timeline, and every action
(each mutating call accepts an ``Idempotency-Key``, P11)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, Query, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite, write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import BusinessRuleError, NotFoundError, field_amount
from yusuan.core.models import Organisation
from yusuan.identity.models import User
from yusuan.workflow import registry, routing, selectors, services
from yusuan.workflow.forms import COMMENT_MAX_LENGTH  # as on the pages; longer is a 422
from yusuan.workflow.models import ApprovalDefinition, CalendarDay, WorkflowInstance

router = Router(tags=["approvals"])


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
    return [_round(i) for i in selectors.inbox(actor=actor)]


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


# --- Approval definitions and the route preview --------------------------------------------------


class DefinitionOut(Schema):
    id: int
    mof_div_code: str
    code: str
    name: str
    document_type: str
    description: str
    priority: int
    is_active: bool
    version: int | None = Field(description="the current version's number")


class VersionOut(Schema):
    number: int
    note: str
    created_by: str
    created_at: dt.datetime
    body: dict[str, Any]


class DefinitionDetailOut(DefinitionOut):
    versions: list[VersionOut] = Field(description="newest first; the first is current")


def _definition(definition: ApprovalDefinition) -> dict[str, Any]:
    current = definition.current_version()
    return {
        "id": definition.pk,
        "mof_div_code": definition.mof_div_code,
        "code": definition.code,
        "name": definition.name,
        "document_type": definition.document_type,
        "description": definition.description,
        "priority": definition.priority,
        "is_active": definition.is_active,
        "version": current.number if current else None,
    }


def _definition_detail(definition: ApprovalDefinition) -> dict[str, Any]:
    versions = definition.versions.select_related("created_by")
    return {
        **_definition(definition),
        "versions": [
            {
                "number": v.number,
                "note": v.note,
                "created_by": v.created_by.username if v.created_by else "",
                "created_at": v.created_at,
                "body": v.body,
            }
            for v in versions
        ],
    }


@router.get("/workflow/definitions", response=list[DefinitionOut])
@paged(100)
def list_definitions(request: HttpRequest, document_type: str = "") -> Any:
    actor = require(request, "workflow.view_approvaldefinition", "workflow:read")
    definitions = selectors.definition_list(actor=actor)
    if document_type:
        definitions = definitions.filter(document_type=document_type)
    return Rendered(definitions, _definition)


@router.get("/workflow/definitions/{definition_id}", response=DefinitionDetailOut)
def get_definition(request: HttpRequest, definition_id: Id) -> dict[str, Any]:
    actor = require(request, "workflow.view_approvaldefinition", "workflow:read")
    return _definition_detail(selectors.access_definition(actor=actor, pk=definition_id))


class DefinitionIn(Schema):
    code: str = Field(pattern=r"^[-a-zA-Z0-9_]+$", max_length=60)
    name: str = Field(min_length=1, max_length=100)
    document_type: str = Field(max_length=60)
    priority: int = Field(50, ge=0, le=32767)
    description: str = Field("", max_length=2000)
    body: dict[str, Any] = Field(description="conditions and steps, as on the page (R-WF-4)")


def _known_type(document_type: str) -> str:
    if registry.get(document_type) is None:
        raise BusinessRuleError.single(
            code="workflow.unknown_document_type",
            rule="R-WF-4",
            field="document_type",
            value=document_type,
            limit=", ".join(t.code for t in registry.all_types()),
            message_zh=f"没有单据类型“{document_type}”",
            message_en=f"no document type '{document_type}'",
        )
    return document_type


@router.post("/workflow/definitions", response={201: DefinitionDetailOut})
def create_definition(
    request: HttpRequest,
    response: HttpResponse,
    payload: DefinitionIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A new approval definition in the caller's region, with its first version."""

    def render(actor: Any) -> dict[str, Any]:
        definition = services.definition_create(
            actor=actor,
            mof_div_code=actor.mof_div_code,
            code=payload.code,
            name=payload.name,
            document_type=_known_type(payload.document_type),
            body=payload.body,
            description=payload.description,
            priority=payload.priority,
        )
        return _definition_detail(definition)

    return write_once(
        request,
        response,
        permission="workflow.add_approvaldefinition",
        api_scope="workflow:write",
        key=idempotency_key,
        scope="api:workflow.definition.create",
        body=payload.model_dump(mode="json"),
        status=201,
        render=render,
    )


class VersionIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    priority: int = Field(ge=0, le=32767)
    is_active: bool = Field(description="false: the definition no longer routes new documents")
    body: dict[str, Any]
    note: str = Field(min_length=1, max_length=200, description="what changed and why")


@router.post("/workflow/definitions/{definition_id}/versions", response={201: DefinitionDetailOut})
def publish_definition(
    request: HttpRequest,
    response: HttpResponse,
    definition_id: Id,
    payload: VersionIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Edit a definition: a new version (documents already submitted keep their route), its
    name, priority and whether it is active."""

    def render(actor: Any) -> dict[str, Any]:
        definition = selectors.access_definition(actor=actor, pk=definition_id)
        services.definition_publish(
            actor=actor,
            definition=definition,
            body=payload.body,
            note=payload.note,
            name=payload.name,
            priority=payload.priority,
            is_active=payload.is_active,
        )
        return _definition_detail(selectors.access_definition(actor=actor, pk=definition_id))

    return write_once(
        request,
        response,
        permission="workflow.change_approvaldefinition",
        api_scope="workflow:write",
        key=idempotency_key,
        scope=f"api:workflow.definition.publish:{definition_id}",
        body=payload.model_dump(mode="json"),
        status=201,
        render=render,
    )


class PreviewStepOut(Schema):
    name: str
    role_name: str
    organisation_name: str
    due_working_days: int | None
    people: list[str]
    escalate_to: str


class PreviewOut(Schema):
    definition_id: int | None
    definition: str
    version: int | None
    steps: list[PreviewStepOut]
    skipped: list[str] = Field(description="steps whose conditions do not hold for these facts")
    problem: str = Field(description="why no route could be built (empty when it could)")


class PreviewQuery(Schema):
    document_type: str = Field(max_length=60)
    organisation_id: Id
    subtype: str = Field("", max_length=60)
    amount: str = Field("", max_length=32, description="元, e.g. '1,234.56'")
    fund_type: str = Field("", max_length=20)
    project_category: str = Field("", max_length=20)
    flags: list[str] = Field(default_factory=list, max_length=20)


@router.get("/workflow/preview", response=PreviewOut)
def preview(request: HttpRequest, facts: Query[PreviewQuery]) -> dict[str, Any]:
    """Which definition applies to a document with these facts, who approves it, in which
    order (the preview page)."""
    actor = require(request, "workflow.view_approvaldefinition", "workflow:read")
    organisation = (
        Organisation.objects.visible_to(actor).agencies().filter(pk=facts.organisation_id).first()
    )
    if organisation is None:
        raise NotFoundError("organisation")
    money = field_amount(facts.amount, "amount") if facts.amount.strip() else None
    result = selectors.preview(
        actor=actor,
        document_type=_known_type(facts.document_type),
        organisation=organisation,
        values={
            "subtype": facts.subtype,
            "amount": money.fen if money is not None else None,
            "fund_type": facts.fund_type,
            "project_category": facts.project_category,
            "flag": frozenset(facts.flags),
        },
    )
    return {
        "definition_id": result.definition.pk if result.definition else None,
        "definition": str(result.definition) if result.definition else "",
        "version": result.version,
        "steps": [step.__dict__ for step in result.steps],
        "skipped": result.skipped,
        "problem": result.problem,
    }


@router.get("/workflow/roles", response=dict[str, str])
def role_names(request: HttpRequest) -> dict[str, str]:
    """Role codes and their names, as a definition's steps name them."""
    require(request, "workflow.view_approvaldefinition", "workflow:read")
    return routing.role_names()


# --- The working-day calendar (holidays the calendar library does not know yet) -----------------


class CalendarDayOut(Schema):
    id: int
    date: dt.date
    is_workday: bool
    name: str


def _calendar_day(day: CalendarDay) -> dict[str, Any]:
    return {"id": day.pk, "date": day.date, "is_workday": day.is_workday, "name": day.name}


class CalendarDaysIn(Schema):
    start: dt.date
    end: dt.date
    is_workday: bool = Field(description="true: 调休 working days; false: days off")
    name: str = Field(min_length=1, max_length=60)


@router.get("/workflow/calendar", response=list[CalendarDayOut])
def calendar_days(request: HttpRequest, year: Year) -> list[dict[str, Any]]:
    require(request, "workflow.view_calendarday", "workflow:read")
    return [_calendar_day(d) for d in selectors.calendar_days(year=year)]


@router.post("/workflow/calendar", response=list[CalendarDayOut])
def set_calendar_days(
    request: HttpRequest,
    response: HttpResponse,
    payload: CalendarDaysIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Enter an announced holiday or working weekend, day by day (R-WF-9)."""
    return write_once(
        request,
        response,
        permission="workflow.change_calendarday",
        api_scope="workflow:write",
        key=idempotency_key,
        scope="api:workflow.calendar.set",
        body=payload.model_dump(mode="json"),
        status=200,
        render=lambda actor: [
            _calendar_day(d)
            for d in services.calendar_days_set(
                actor=actor,
                start=payload.start,
                end=payload.end,
                is_workday=payload.is_workday,
                name=payload.name,
            )
        ],
    )


@router.post("/workflow/calendar/{day_id}/remove", response=CalendarDayOut)
def remove_calendar_day(
    request: HttpRequest,
    response: HttpResponse,
    day_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Forget an entered day: the calendar library's answer applies again."""

    def render(actor: Any) -> dict[str, Any]:
        day = CalendarDay.objects.filter(pk=day_id).first()
        if day is None:
            raise NotFoundError("calendar day")
        shown = _calendar_day(day)
        services.calendar_day_remove(actor=actor, day=day)
        return shown

    return write_once(
        request,
        response,
        permission="workflow.change_calendarday",
        api_scope="workflow:write",
        key=idempotency_key,
        scope=f"api:workflow.calendar.remove:{day_id}",
        body={},
        status=200,
        render=render,
    )
