"""Reads of the approval engine: the inbox (待办), timelines, overdue lists, previews, reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError
from yusuan.core.models import Organisation
from yusuan.identity.models import User
from yusuan.workflow import calendar, registry, routing, rules
from yusuan.workflow.choices import STEP_ACTIONS, ActionKind, InstanceState
from yusuan.workflow.models import (
    ApprovalDefinition,
    CalendarDay,
    DefinitionVersion,
    Delegation,
    Notification,
    WorkflowAction,
    WorkflowInstance,
)
from yusuan.workflow.summary import DocumentSummary


def _user(actor: Actor) -> User:
    assert isinstance(actor, User)
    return actor


# What a round's line in a list shows (pages and API): read with the rounds, never one by one.
ROUND_RELATIONS = ("organisation", "assigned_organisation", "submitted_by", "definition", "version")


@dataclass(frozen=True)
class _Principal:
    """A colleague the user stands in for today (an active delegation): where and as what."""

    organisation_id: int | None
    role_codes: frozenset[str]


def _principals(user: User, on: dt.date) -> list[_Principal]:
    """Two small queries, the second only when someone delegated to the user."""
    rows = list(
        routing.active_delegations(on)
        .filter(delegate=user)
        .values_list("delegator_id", "delegator__organisation_id")
    )
    if not rows:
        return []
    roles: dict[int, set[str]] = {delegator: set() for delegator, _ in rows}
    for delegator, code in User.roles.through.objects.filter(user_id__in=roles).values_list(
        "user_id", "role__code"
    ):
        roles[delegator].add(code)
    return [_Principal(org, frozenset(roles[delegator])) for delegator, org in rows]


def _seat_filter(user: User, principals: list[_Principal]) -> Q:
    """Rounds waiting at a seat this user fills: own roles, escalation, or a delegator's roles."""
    roles = list(user.role_codes)
    seats = Q(assigned_organisation_id=user.organisation_id, assigned_role__in=roles) | Q(
        escalated_at__isnull=False,
        escalation_organisation_id=user.organisation_id,
        escalation_role__in=roles,
    )
    for principal in principals:
        seats |= Q(
            assigned_organisation_id=principal.organisation_id,
            assigned_role__in=sorted(principal.role_codes),
        )
    return seats


def instances_visible(*, actor: Actor, ids: list[int]) -> list[tuple[int, str]]:
    """(id, title) of those rounds the actor may see; the others are simply left out."""
    return list(
        WorkflowInstance.objects.visible_to(actor)
        .filter(pk__in=ids)
        .order_by()
        .values_list("pk", "title")
    )


def inbox(*, actor: Actor, now: dt.datetime | None = None) -> list[WorkflowInstance]:
    """What waits for this person, overdue first, then by due date and age.

    Rounds the person may not decide are left out: they entered or submitted the document, or
    decided another step of it (R-WF-1/2, in the query), or they — or the colleague they act
    for — hold a role the matrix declares incompatible with one the route uses (R-WF-3, checked
    here with the same rule the services apply).
    """
    user = _user(actor)
    moment = now or timezone.now()
    principals = _principals(user, calendar_today(moment))
    # Every page's menu badge asks, and most people have nothing waiting: first whether any
    # round waits at one of their seats (a query the ORM compiles in a fraction of the time),
    # then the R-WF-1/2 exclusions, then the rounds with their relations (issue 20: the inbox was
    # half the CPU of a plain page).
    seated = _seated(user, principals)
    if not seated.exists():
        return []
    ids = list(_not_their_own(seated, user).values_list("pk", flat=True))
    if not ids:
        return []
    candidates = list(_inbox_rounds(ids, moment))
    pairs = routing.incompatible_pairs()
    own = frozenset(user.role_codes)
    result = []
    for instance in candidates:
        doc_type = registry.get(instance.document_type)
        entry_role = doc_type.entry_role if doc_type else "unit_clerk"
        seats: list[tuple[str, list[frozenset[str]]]] = []
        if (
            instance.assigned_organisation_id == user.organisation_id
            and instance.assigned_role in own
        ):
            seats.append((instance.assigned_role, [own]))
        if (
            instance.escalated_at is not None
            and instance.escalation_organisation_id == user.organisation_id
            and instance.escalation_role in own
        ):
            seats.append((instance.escalation_role, [own]))
        for principal in principals:
            roles = principal.role_codes
            if (
                instance.assigned_organisation_id == principal.organisation_id
                and instance.assigned_role in roles
            ):
                seats.append((instance.assigned_role, [own, roles]))
        for role, holders in seats:
            others = routing.other_route_roles(instance.route, instance.step_key, entry_role, role)
            if all(
                rules.incompatible_role(
                    step_role=role, other_roles=others, held=h, incompatible=pairs
                )
                is None
                for h in holders
            ):
                result.append(instance)
                break
    return result


def _seated(user: User, principals: list[_Principal]) -> QuerySet[WorkflowInstance]:
    """Open rounds of the user's scope waiting at a seat they fill, not entered by them."""
    return (
        WorkflowInstance.objects.visible_to(user)
        .filter(state=InstanceState.IN_PROGRESS)
        .filter(_seat_filter(user, principals))
        .exclude(entered_by=user)
        .order_by()
    )


def _not_their_own(seated: QuerySet[WorkflowInstance], user: User) -> QuerySet[WorkflowInstance]:
    """Without the documents the user submitted a round of, or decided another step of."""
    same_document = Q(
        instance__document_type=OuterRef("document_type"),
        instance__object_id=OuterRef("object_id"),
    )
    decided_other_step = (
        WorkflowAction.objects.filter(
            same_document,
            kind__in=list(STEP_ACTIONS),
        )
        .filter(Q(actor=user) | Q(on_behalf_of=user))
        .exclude(step_key=OuterRef("step_key"))
    )
    submitted_a_round = WorkflowInstance.objects.filter(
        document_type=OuterRef("document_type"),
        object_id=OuterRef("object_id"),
        submitted_by=user,
    )
    return seated.exclude(Exists(submitted_a_round)).exclude(Exists(decided_other_step))


def _inbox_rounds(ids: list[int], moment: dt.datetime) -> QuerySet[WorkflowInstance]:
    return (
        WorkflowInstance.objects.filter(pk__in=ids)
        .annotate(
            overdue=Case(
                When(due_at__lt=moment, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("overdue", F("due_at").asc(nulls_last=True), "waiting_since", "pk")
    )


def with_round_relations(rounds: list[WorkflowInstance]) -> list[WorkflowInstance]:
    """What a shown round's line needs (unit, submitter, definition, version), read for the rounds
    shown only, a query per relation: the inbox itself reads none (the menu badge counts it)."""
    prefetch_related_objects(rounds, *ROUND_RELATIONS)
    return rounds


def inbox_contains(*, actor: Actor, pk: int, now: dt.datetime | None = None) -> bool:
    return any(instance.pk == pk for instance in inbox(actor=actor, now=now))


def calendar_today(moment: dt.datetime) -> dt.date:
    return moment.astimezone(calendar.LOCAL).date()


def my_submissions(*, actor: Actor) -> QuerySet[WorkflowInstance]:
    """Rounds this person submitted, open ones first: "where is it waiting, since when"."""
    return (
        WorkflowInstance.objects.filter(submitted_by=_user(actor))
        .select_related(*ROUND_RELATIONS)
        .annotate(
            open_first=Case(
                When(state=InstanceState.IN_PROGRESS, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "-submitted_at")
    )


def access_instance(*, actor: Actor, pk: int) -> WorkflowInstance:
    instance = (
        WorkflowInstance.objects.visible_to(actor)
        .select_related("organisation", "submitted_by", "entered_by", "definition", "version")
        .filter(pk=pk)
        .first()
    )
    if instance is None:
        raise Http404
    return instance


def document_rounds(*, actor: Actor, document_type: str, object_id: str) -> list[WorkflowInstance]:
    return list(
        WorkflowInstance.objects.visible_to(actor)
        .filter(document_type=document_type, object_id=object_id)
        .order_by("round")
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    round: int
    kind: str
    kind_label: str
    step_name: str
    actor: str
    on_behalf_of: str
    role: str
    comment: str
    attachments: list[tuple[int, str, int]]


@dataclass(frozen=True)
class RouteStep:
    index: int
    name: str
    role_name: str
    organisation_name: str
    status: str  # done | current | pending
    decided_by: str
    decided_at: dt.datetime | None


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    route: list[RouteStep]
    waiting_at: str
    waiting_since: dt.datetime | None
    due_at: dt.datetime | None
    overdue: bool


def timeline(*, instance: WorkflowInstance, now: dt.datetime | None = None) -> Timeline:
    """Everything that happened to the document, in every round, and where it waits now."""
    moment = now or timezone.now()
    actions = (
        WorkflowAction.objects.filter(
            instance__document_type=instance.document_type,
            instance__object_id=instance.object_id,
        )
        .select_related("actor", "on_behalf_of", "instance")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    role_names = routing.role_names()
    entries = [
        TimelineEntry(
            at=a.created_at,
            round=a.instance.round,
            kind=a.kind,
            kind_label=str(ActionKind(a.kind).label),
            step_name=a.step_name,
            actor=_person(a.actor) if a.actor else "系统",
            on_behalf_of=_person(a.on_behalf_of) if a.on_behalf_of else "",
            role=role_names.get(a.acting_role, a.acting_role),
            comment=a.comment,
            attachments=[(f.pk, f.name, f.size) for f in a.attachments.all()],
        )
        for a in actions
    ]
    decided = {
        a.step_key: a
        for a in actions
        if a.instance_id == instance.pk and a.kind == ActionKind.APPROVE
    }
    route = []
    for i, step in enumerate(instance.route):
        if instance.is_open and i == instance.step_index:
            status = "current"
        elif instance.state == InstanceState.APPROVED or (
            instance.step_index is not None and i < instance.step_index
        ):
            status = "done"
        else:
            status = "pending"
        act = decided.get(step["key"]) if status == "done" else None
        route.append(
            RouteStep(
                index=i,
                name=step["name"],
                role_name=step["role_name"],
                organisation_name=step["organisation_name"],
                status=status,
                decided_by=_person(act.actor) if act and act.actor else "",
                decided_at=act.created_at if act else None,
            )
        )
    step = instance.current_step
    waiting_at = (
        f"{step['organisation_name']} · {step['role_name']}（{step['name']}）" if step else ""
    )
    return Timeline(
        entries=entries,
        route=route,
        waiting_at=waiting_at,
        waiting_since=instance.waiting_since,
        due_at=instance.due_at,
        overdue=instance.is_overdue(moment),
    )


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return f"{user.full_name or user.username}（{user.username}）"


def can_withdraw(*, actor: Actor, instance: WorkflowInstance) -> bool:
    return (
        instance.is_open
        and instance.submitted_by_id == _user(actor).pk
        and not instance.actions.filter(kind=ActionKind.APPROVE).exists()
    )


def can_open_document(*, actor: Actor, instance: WorkflowInstance) -> bool:
    """Whether the document's own page opens for ``actor``. An approver of another office sees
    the round, not a link to a 403."""
    return (
        _openable(actor=actor, document_type=instance.document_type, object_id=instance.object_id)
        is not None
    )


def document_summary(*, actor: Actor, instance: WorkflowInstance) -> DocumentSummary | None:
    """What the round approves, as the document's module summarises it for ``actor``
    (``workflow.summary``); ``None`` when the module gives none or the actor cannot open it."""
    doc_type = registry.get(instance.document_type)
    if doc_type is None or doc_type.handler is None:
        return None
    try:
        document = doc_type.handler.load(actor=actor, object_id=instance.object_id)
    except (BusinessRuleError, Http404):
        return None
    return doc_type.handler.summary(actor=actor, document=document)


def round_attachments(timeline: Timeline) -> list[tuple[int, str, int]]:
    """Every file attached to the document's rounds (id, name, size), oldest first."""
    return [a for entry in timeline.entries for a in entry.attachments]


@dataclass(frozen=True)
class DocumentApproval:
    """The approval side of a document's own page: its latest round and that round's timeline,
    and where to fetch the summary the approver sees (``workflow/_document_approval.html``)."""

    latest: WorkflowInstance | None
    timeline: Timeline | None
    summary_url: str


def document_approval(*, actor: Actor, document_type: str, document: Any) -> DocumentApproval:
    """For a document its page has already loaded in the actor's scope. The summary (issue 16
    item 1: the clerk sees what the approver will see, balances before and after) is fetched
    when unfolded, so a page of thousands of lines pays nothing for it."""
    rounds = document_rounds(actor=actor, document_type=document_type, object_id=str(document.pk))
    latest = rounds[-1] if rounds else None
    doc_type = registry.get(document_type)
    return DocumentApproval(
        latest=latest,
        timeline=timeline(instance=latest) if latest else None,
        summary_url=reverse("workflow:document_summary", args=[document_type, document.pk])
        if doc_type is not None and doc_type.handler is not None
        else "",
    )


def _openable(
    *, actor: Actor, document_type: str, object_id: str
) -> tuple[Any, registry.DocumentHandler] | None:
    """The document if its own page opens for ``actor``: its module's scoped ``load`` finds it
    and the actor may view that kind of document (``<app>.view_<model>``, the permission every
    document page asks for)."""
    doc_type = registry.get(document_type)
    if doc_type is None or doc_type.handler is None:
        return None
    try:
        document = doc_type.handler.load(actor=actor, object_id=object_id)
    except (BusinessRuleError, Http404):  # not found, out of scope (NotFoundError) or refused
        return None
    meta = type(document)._meta
    if not actor.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
        return None
    return document, doc_type.handler


def document_page_summary(
    *, actor: Actor, document_type: str, object_id: str
) -> tuple[DocumentSummary | None, list[tuple[int, str, int]]]:
    """The approver's summary of a document and its rounds' attachments, for whoever may open
    the document's page; anyone else gets a 404, as the page would give them."""
    found = _openable(actor=actor, document_type=document_type, object_id=object_id)
    if found is None:
        raise Http404
    document, handler = found
    rounds = document_rounds(actor=actor, document_type=document_type, object_id=object_id)
    return (
        handler.summary(actor=actor, document=document),
        round_attachments(timeline(instance=rounds[-1])) if rounds else [],
    )


def can_decide(*, actor: Actor, instance: WorkflowInstance, now: dt.datetime | None = None) -> bool:
    """Whether the inbox would offer this round to the actor (the services re-check everything)."""
    return inbox_contains(actor=actor, pk=instance.pk, now=now)


def overdue(*, actor: Actor, now: dt.datetime | None = None) -> QuerySet[WorkflowInstance]:
    """Open rounds past their due date in the actor's scope (for supervisors)."""
    moment = now or timezone.now()
    return (
        WorkflowInstance.objects.visible_to(actor)
        .filter(state=InstanceState.IN_PROGRESS, due_at__lt=moment)
        .select_related(*ROUND_RELATIONS)
        .order_by("due_at")
    )


def working_days_overdue(
    instance: WorkflowInstance,
    now: dt.datetime | None = None,
    overrides: Mapping[dt.date, bool] | None = None,
) -> int:
    """Pass ``overrides`` (``routing.calendar_overrides()``) when counting for many rounds."""
    if instance.due_at is None:
        return 0
    if overrides is None:
        overrides = routing.calendar_overrides()
    # due_at is the last second of the last allowed day: count the working days after that day.
    return calendar.working_days_between(instance.due_at, now or timezone.now(), overrides)


def definition_list(*, actor: Actor) -> QuerySet[ApprovalDefinition]:
    """Each with its current version prefetched (``current_version()`` then asks nothing)."""
    newest = DefinitionVersion.objects.filter(
        number=Subquery(
            DefinitionVersion.objects.filter(definition=OuterRef("definition"))
            .order_by("-number")
            .values("number")[:1]
        )
    )
    return (
        ApprovalDefinition.objects.visible_to(actor)
        .prefetch_related(Prefetch("versions", queryset=newest, to_attr="newest_versions"))
        .order_by("document_type", "priority", "code")
    )


def access_definition(*, actor: Actor, pk: int) -> ApprovalDefinition:
    definition = ApprovalDefinition.objects.visible_to(actor).filter(pk=pk).first()
    if definition is None:
        raise Http404
    return definition


@dataclass(frozen=True)
class PreviewStep:
    name: str
    role_name: str
    organisation_name: str
    due_working_days: int | None
    people: list[str]
    escalate_to: str


@dataclass(frozen=True)
class Preview:
    definition: ApprovalDefinition | None
    version: int | None
    steps: list[PreviewStep]
    skipped: list[str]
    problem: str


def preview(
    *,
    actor: Actor,
    document_type: str,
    organisation: Organisation,
    values: Mapping[str, Any],
    on: dt.date | None = None,
) -> Preview:
    """For a document with these facts: which definition applies, who approves, in which order."""
    day = on or timezone.localdate()
    user = _user(actor)
    full_values = {**values, "agency_type": organisation.agency_type or ""}
    matched = routing.match_definition(
        mof_div_code=organisation.mof_div_code, document_type=document_type, values=full_values
    )
    if matched is None:
        return Preview(None, None, [], [], "没有适用的审批流程 / no definition applies")
    definition, version = matched
    body = rules.DefinitionBody.model_validate(version.body)
    skipped = [s.name for s in body.steps if not rules.all_hold(s.conditions, full_values)]
    try:
        route = routing.build_route(
            body=body, values=full_values, organisation=organisation, names=routing.role_names()
        )
    except Exception as exc:  # a BusinessRuleError: show it instead of the steps
        return Preview(definition, version.number, [], skipped, str(exc))
    steps = []
    seated = routing.seated([routing.seat_of(step) for step in route], on=day)
    for step in route:
        people = seated[routing.seat_of(step)]
        names = [
            c.name + (f"（代 {c.principal_name}）" if c.principal_id else "")
            for c in people
            if c.user_id != user.pk
        ]
        escalation = step.get("escalate_to")
        steps.append(
            PreviewStep(
                name=step["name"],
                role_name=step["role_name"],
                organisation_name=step["organisation_name"],
                due_working_days=step.get("due_working_days"),
                people=names,
                escalate_to=(
                    f"{escalation['organisation_name']} · {escalation['role_name']}"
                    if escalation
                    else ""
                ),
            )
        )
    return Preview(definition, version.number, steps, skipped, "")


def delegations(*, actor: Actor) -> QuerySet[Delegation]:
    user = _user(actor)
    mine = Q(delegator=user) | Q(delegate=user) | Q(created_by=user)
    queryset = Delegation.objects.visible_to(user)
    if not user.has_perm("workflow.change_delegation"):
        queryset = queryset.filter(mine)
    return queryset.select_related("delegator", "delegate").order_by("-starts_on", "-pk")


def notifications(*, actor: Actor) -> QuerySet[Notification]:
    return Notification.objects.filter(user=_user(actor)).select_related("instance")


def unread_count(*, actor: Actor) -> int:
    return Notification.objects.filter(user=_user(actor), read_at__isnull=True).count()


@dataclass(frozen=True)
class SharedSeat:
    """Two decisions on one document by different people from one session, device or address."""

    instance: WorkflowInstance
    first: WorkflowAction
    second: WorkflowAction
    matched_on: list[str]
    minutes_apart: float


def shared_device_report(
    *, actor: Actor, minutes: int = 30, since: dt.datetime | None = None
) -> list[SharedSeat]:
    """P6 / R-PY-6: different users deciding or submitting one document from the same session,
    device or IP within ``minutes`` — the "borrowed UKey" pattern of seed 000."""
    window = dt.timedelta(minutes=minutes)
    visible = WorkflowInstance.objects.visible_to(actor)
    actions = (
        WorkflowAction.objects.filter(
            instance__in=visible,
            kind__in=[ActionKind.SUBMIT, *STEP_ACTIONS],
            actor__isnull=False,
        )
        .select_related("actor", "instance", "instance__organisation")
        .order_by("instance__document_type", "instance__object_id", "created_at")
    )
    if since is not None:
        actions = actions.filter(created_at__gte=since)
    by_document: dict[tuple[str, str], list[WorkflowAction]] = {}
    for action in actions:
        key = (action.instance.document_type, action.instance.object_id)
        by_document.setdefault(key, []).append(action)
    found: list[SharedSeat] = []
    for acts in by_document.values():
        for i, first in enumerate(acts):
            for second in acts[i + 1 :]:
                if second.created_at - first.created_at > window:
                    break
                if second.actor_id == first.actor_id:
                    continue
                matched = [
                    label
                    for label, a, b in (
                        ("session", first.session_hash, second.session_hash),
                        ("device", first.device_hash, second.device_hash),
                        ("ip", first.ip_address, second.ip_address),
                    )
                    if a and a == b
                ]
                if matched:
                    found.append(
                        SharedSeat(
                            instance=second.instance,
                            first=first,
                            second=second,
                            matched_on=matched,
                            minutes_apart=round(
                                (second.created_at - first.created_at).total_seconds() / 60, 1
                            ),
                        )
                    )
    found.sort(key=lambda s: s.second.created_at, reverse=True)
    return found


def calendar_days(*, year: int) -> list[CalendarDay]:
    return list(CalendarDay.objects.filter(date__year=year).order_by("date"))


def calendar_year_known(year: int) -> bool:
    """Whether chinese-calendar has the State Council's arrangement for that year."""
    return calendar.is_workday(dt.date(year, 6, 1), {})[1]
