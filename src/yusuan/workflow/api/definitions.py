"""Approval definitions, the route preview and the working-day calendar in /api/v1, as the
administrator's pages offer them (each mutating call accepts an ``Idempotency-Key``, P11)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Query, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import BusinessRuleError, NotFoundError, field_amount
from yusuan.core.models import Organisation
from yusuan.workflow import registry, routing, selectors, services
from yusuan.workflow.models import ApprovalDefinition, CalendarDay

router = Router(tags=["approvals"])
# Operation ids are published: they keep the module these endpoints were first published from.
OPERATION_ID_PREFIX = "yusuan_workflow_api"


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
