"""Who sits at each step: organisation levels relative to the document, and the people there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.core.models import Organisation
from yusuan.identity.models import IncompatibleRolePair, Role, User
from yusuan.workflow import rules
from yusuan.workflow.choices import DIVISION_LEVELS, Level
from yusuan.workflow.models import ApprovalDefinition, CalendarDay, DefinitionVersion, Delegation


def organisation_at(document_org: Organisation, level: str) -> Organisation | None:
    """The organisation whose role holders act at ``level`` for a document of ``document_org``."""
    if level == Level.SAME_UNIT:
        return document_org
    if level == Level.PARENT:
        parent = document_org.parent
        return parent if parent is not None and parent.is_agency else None
    if level == Level.DEPARTMENT:
        node: Organisation | None = document_org
        while node is not None and node.kind != "department":
            node = node.parent
        return node
    if level == Level.SUPERVISING_DIVISION:
        node = document_org
        while node is not None:
            if node.supervising_division_id is not None:
                return node.supervising_division
            node = node.parent
        return None
    division_type = DIVISION_LEVELS.get(Level(level)) if level in Level.values else None
    if division_type is None:
        return None
    return (
        Organisation.objects.filter(
            mof_div_code=document_org.mof_div_code,
            kind="finance_division",
            division_type=division_type,
            is_enabled=True,
        )
        .order_by("code")
        .first()
    )


def role_holders(organisation_id: int, role: str) -> QuerySet[User]:
    return User.objects.filter(
        organisation_id=organisation_id,
        roles__code=role,
        is_active=True,
        is_system_account=False,
    ).distinct()


def active_delegations(on: dt.date) -> QuerySet[Delegation]:
    return Delegation.objects.filter(
        starts_on__lte=on, ends_on__gte=on, revoked_at__isnull=True, delegate__is_active=True
    )


@dataclass(frozen=True)
class Candidate:
    """Someone who can decide a step: a role holder, or a delegate acting for one (principal)."""

    user_id: int
    name: str
    principal_id: int | None = None
    principal_name: str = ""


Seat = tuple[int, str]  # (organisation id, role code): the people of one step


def seated(seats: Sequence[Seat], *, on: dt.date) -> dict[Seat, list[Candidate]]:
    """``candidates`` for several steps in two narrow queries (ids and names, not users): a
    route, a preview, a notification, not two wide queries per step."""
    wanted = set(seats)
    found: dict[Seat, list[Candidate]] = {seat: [] for seat in wanted}
    if not wanted:
        return found
    holders = (
        User.objects.filter(
            organisation_id__in={org for org, _ in wanted},
            roles__code__in={role for _, role in wanted},
            is_active=True,
            is_system_account=False,
        )
        .order_by("username", "pk")
        .values_list("pk", "organisation_id", "roles__code", "full_name", "username")
    )
    by_user: dict[int, tuple[str, list[Seat]]] = {}
    for pk, organisation_id, role, full_name, username in holders:
        seat = (organisation_id or 0, role)
        if seat in wanted:
            name = full_name or username
            found[seat].append(Candidate(pk, name))
            by_user.setdefault(pk, (name, []))[1].append(seat)
    if by_user:
        for delegate_id, delegator_id, full_name, username in (
            active_delegations(on)
            .filter(delegator_id__in=list(by_user))
            .order_by("-starts_on", "pk")  # the newest delegation acts first, as before
            .values_list("delegate_id", "delegator_id", "delegate__full_name", "delegate__username")
        ):
            principal_name, held = by_user[delegator_id]
            for seat in held:
                found[seat].append(
                    Candidate(delegate_id, full_name or username, delegator_id, principal_name)
                )
    return found


def candidates(organisation_id: int, role: str, *, on: dt.date) -> list[Candidate]:
    """The role holders at the organisation, and whoever acts for one of them today."""
    return seated([(organisation_id, role)], on=on)[(organisation_id, role)]


def seat_of(step: Mapping[str, Any]) -> Seat:
    return int(step["organisation_id"]), str(step["role"])


def role_infos() -> dict[str, rules.RoleInfo]:
    return {
        role.code: rules.RoleInfo(role.code, role.name, frozenset(role.organisation_kinds))
        for role in Role.objects.all()
    }


def role_names() -> dict[str, str]:
    return dict(Role.objects.values_list("code", "name"))


def match_definition(
    *, mof_div_code: str, document_type: str, values: Mapping[str, Any]
) -> tuple[ApprovalDefinition, DefinitionVersion] | None:
    """The first active definition (by priority) whose current version's conditions hold."""
    definitions = ApprovalDefinition.objects.filter(
        mof_div_code=mof_div_code, document_type=document_type, is_active=True
    ).order_by("priority", "code")
    for definition in definitions:
        version = definition.current_version()
        if version is None:
            continue
        body = rules.DefinitionBody.model_validate(version.body)
        if rules.all_hold(body.conditions, values):
            return definition, version
    return None


def build_route(
    *,
    body: rules.DefinitionBody,
    values: Mapping[str, Any],
    organisation: Organisation,
    names: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The steps that apply to these facts, each with the organisation that acts (frozen at submit)."""
    route: list[dict[str, Any]] = []
    errors: list[ErrorDetail] = []
    seats: set[tuple[int, str]] = set()
    for step in body.steps:
        if not rules.all_hold(step.conditions, values):
            continue
        target = organisation_at(organisation, step.level)
        if target is None:
            errors.append(
                ErrorDetail(
                    code="workflow.level_unresolved",
                    rule="R-WF-5",
                    field=f"steps.{step.key}",
                    value=organisation.name,
                    limit=step.level,
                    message_zh=f"“{step.name}”环节：找不到{organisation.name}的"
                    f"“{Level(step.level).label}”，请先在基础数据中维护",
                    message_en=f"step '{step.name}': {organisation.name} has no organisation at "
                    f"level {step.level}; maintain it in master data first",
                )
            )
            continue
        if (target.pk, step.role) in seats:
            # The same people again (a department's own document at "unit" and "department"
            # level): one decision, since nobody may decide two steps (R-WF-2).
            continue
        seats.add((target.pk, step.role))
        escalation = None
        if step.escalate_to is not None:
            escalation_org = organisation_at(organisation, step.escalate_to.level)
            if escalation_org is not None:
                escalation = {
                    "role": step.escalate_to.role,
                    "role_name": names.get(step.escalate_to.role, step.escalate_to.role),
                    "organisation_id": escalation_org.pk,
                    "organisation_name": escalation_org.name,
                }
        route.append(
            {
                "key": step.key,
                "name": step.name,
                "name_en": step.name_en or step.name,
                "role": step.role,
                "role_name": names.get(step.role, step.role),
                "level": step.level,
                "organisation_id": target.pk,
                "organisation_name": target.name,
                "due_working_days": step.due_working_days,
                "escalate_to": escalation,
            }
        )
    if errors:
        raise BusinessRuleError(errors)
    return route


def route_roles(route: Sequence[Mapping[str, Any]], entry_role: str) -> dict[str, str]:
    """Every role used on a document: the entry role and each step's, with the step's name."""
    roles = {entry_role: "录入"}
    for step in route:
        roles.setdefault(str(step["role"]), str(step["name"]))
    return roles


def unresolved_step_for(
    route: Sequence[Mapping[str, Any]],
    *,
    excluded_user_ids: set[int],
    on: dt.date,
    people: Mapping[Seat, list[Candidate]] | None = None,
) -> Mapping[str, Any] | None:
    """The first step where nobody but the excluded people could act, or None (``people``:
    ``seated`` for the route, when the caller has it already)."""
    if people is None:
        people = seated([seat_of(step) for step in route], on=on)
    for step in route:
        if not any(
            c.user_id not in excluded_user_ids
            and (c.principal_id is None or c.principal_id not in excluded_user_ids)
            for c in people[seat_of(step)]
        ):
            return step
    return None


def incompatible_pairs() -> frozenset[frozenset[str]]:
    return frozenset(
        frozenset(pair)
        for pair in IncompatibleRolePair.objects.values_list("first__code", "second__code")
    )


def other_route_roles(
    route: Sequence[Mapping[str, Any]], current_key: str, entry_role: str, acting_role: str
) -> dict[str, str]:
    """The roles the document's entry and its other steps use (R-WF-3 compares against them)."""
    return {
        role: name
        for role, name in route_roles(
            [s for s in route if s["key"] != current_key], entry_role
        ).items()
        if role != acting_role
    }


def calendar_overrides() -> dict[dt.date, bool]:
    """The administrator's working-calendar corrections (a small table), for ``calendar``."""
    return dict(CalendarDay.objects.values_list("date", "is_workday"))
