"""Pure rules of the approval engine: definition bodies, conditions, and separation of duties.

No database here: the services pass in what the rules need, so the rules can be tested (and
property-tested) without fixtures. Rule ids are ours (R-WF-*) and listed in
docs/development/rules-we-defined.md; they implement P6, P8, R-AJ-2 and R-PY-6.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from yusuan.common.errors import ErrorDetail

LEVELS = (
    "same_unit",
    "parent",
    "department",
    "supervising_division",
    "budget_division",
    "treasury_division",
    "procurement_division",
    "performance_division",
    "appraisal_centre",
)
AGENCY_LEVELS = frozenset({"same_unit", "parent", "department"})
FIELDS = ("subtype", "amount", "fund_type", "agency_type", "project_category", "flag")
OPERATORS_BY_FIELD: dict[str, frozenset[str]] = {
    "amount": frozenset({"eq", "ne", "gt", "gte", "lt", "lte"}),
    "flag": frozenset({"has", "lacks"}),
    **{f: frozenset({"eq", "ne", "in", "not_in"}) for f in FIELDS if f not in ("amount", "flag")},
}
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_DUE_DAYS = 60


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    op: str
    value: str | int | list[str] | None = None


class Escalation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str
    level: str


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    name: str = Field(min_length=1, max_length=60)
    name_en: str = Field(default="", max_length=80)
    role: str
    level: str
    conditions: list[Condition] = Field(default_factory=list)
    due_working_days: int | None = None
    escalate_to: Escalation | None = None


class DefinitionBody(BaseModel):
    """The versioned part of an approval definition: when it applies and its ordered steps."""

    model_config = ConfigDict(extra="forbid")

    conditions: list[Condition] = Field(default_factory=list)
    steps: list[StepSpec] = Field(min_length=1)


# --- conditions ------------------------------------------------------------------------------


def condition_holds(condition: Condition, values: Mapping[str, Any]) -> bool:
    actual = values.get(condition.field)
    op, expected = condition.op, condition.value
    if condition.field == "flag":
        flags = actual or frozenset()
        return (expected in flags) if op == "has" else (expected not in flags)
    if op in ("gt", "gte", "lt", "lte"):
        if actual is None or not isinstance(expected, int):
            return False  # an unknown amount never passes a threshold test
        return {
            "gt": actual > expected,
            "gte": actual >= expected,
            "lt": actual < expected,
            "lte": actual <= expected,
        }[op]
    if op == "eq":
        return bool(actual == expected)
    if op == "ne":
        return bool(actual != expected)
    options = expected if isinstance(expected, list) else [expected]
    if op == "in":
        return actual in options
    if op == "not_in":
        return actual not in options
    return False


def all_hold(conditions: Iterable[Condition], values: Mapping[str, Any]) -> bool:
    return all(condition_holds(c, values) for c in conditions)


# The condition fields as a person reads them (DESIGN §6: words, not codes).
FIELD_NAMES = {
    "subtype": "业务类型",
    "amount": "金额",
    "fund_type": "资金性质",
    "agency_type": "单位类型",
    "project_category": "项目类别",
    "flag": "标志",
}


def describe_condition(
    condition: Condition, name_of: Callable[[str, str], str] | None = None
) -> str:
    """A condition in words; ``name_of(field, code)`` names a subtype or flag code (the
    document type's vocabulary), the code itself when it has no name."""

    def named(code: str) -> str:
        return name_of(condition.field, code) if name_of else code

    value = condition.value
    if condition.field == "amount" and isinstance(value, int):
        value = f"{value // 100:,}.{value % 100:02d} 元"
    elif isinstance(value, list):
        value = "、".join(named(v) for v in value)
    elif isinstance(value, str):
        value = named(value)
    if condition.field == "flag":
        return f"{'有' if condition.op == 'has' else '无'}标志「{value}」"
    symbols = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}
    words = {"in": "属于", "not_in": "不属于"}
    field = FIELD_NAMES.get(condition.field, condition.field)
    return f"{field} {symbols.get(condition.op) or words.get(condition.op, '')} {value}"


# --- validating a definition body --------------------------------------------------------------


@dataclass(frozen=True)
class RoleInfo:
    code: str
    name: str
    organisation_kinds: frozenset[str]


def _err(
    path: str, code: str, zh: str, en: str, value: Any = None, limit: Any = None
) -> ErrorDetail:
    return ErrorDetail(
        code=f"workflow.{code}",
        rule="R-WF-4",
        field=path,
        value=value,
        limit=limit,
        message_zh=f"{path}：{zh}",
        message_en=f"{path}: {en}",
    )


def parse_body(raw: Any) -> tuple[DefinitionBody | None, list[ErrorDetail]]:
    """Parse a definition body from JSON data; every schema error names its path."""
    try:
        return DefinitionBody.model_validate(raw), []
    except ValidationError as exc:
        errors = []
        for item in exc.errors():
            path = "".join(
                f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                for i, p in enumerate(item["loc"])
            )
            errors.append(
                _err(path or "body", "invalid_body", item["msg"], item["msg"], item.get("input"))
            )
        return None, errors


def _check_conditions(
    path: str,
    conditions: Sequence[Condition],
    *,
    subtypes: frozenset[str],
    flags: frozenset[str],
) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    for i, c in enumerate(conditions):
        here = f"{path}[{i}]"
        if c.field not in FIELDS:
            errors.append(
                _err(
                    f"{here}.field",
                    "unknown_field",
                    "未知条件字段",
                    "unknown field",
                    c.field,
                    FIELDS,
                )
            )
            continue
        allowed = OPERATORS_BY_FIELD[c.field]
        if c.op not in allowed:
            errors.append(
                _err(
                    f"{here}.op",
                    "bad_operator",
                    f"字段 {c.field} 不能用运算符 {c.op}",
                    f"operator {c.op} does not apply to {c.field}",
                    c.op,
                    sorted(allowed),
                )
            )
            continue
        if c.field == "amount" and (not isinstance(c.value, int) or c.value < 0):
            errors.append(
                _err(
                    f"{here}.value",
                    "bad_amount",
                    "金额阈值必须是不小于 0 的整数（分）",
                    "an amount threshold is a whole number of fen ≥ 0",
                    c.value,
                )
            )
        if c.op in ("in", "not_in") and not (isinstance(c.value, list) and c.value):
            errors.append(
                _err(
                    f"{here}.value",
                    "bad_list",
                    "“属于/不属于”需要至少一个值",
                    "'is one of' needs at least one value",
                    c.value,
                )
            )
        values = c.value if isinstance(c.value, list) else [c.value]
        if c.field == "subtype":
            unknown = [v for v in values if v not in subtypes]
            if unknown:
                errors.append(
                    _err(
                        f"{here}.value",
                        "unknown_subtype",
                        "该单据类型没有此子类型",
                        "the document type has no such subtype",
                        unknown,
                        sorted(subtypes),
                    )
                )
        if c.field == "flag" and c.value not in flags:
            errors.append(
                _err(
                    f"{here}.value",
                    "unknown_flag",
                    "该单据类型没有此标志",
                    "the document type has no such flag",
                    c.value,
                    sorted(flags),
                )
            )
    return errors


def validate_body(
    body: DefinitionBody,
    *,
    subtypes: frozenset[str],
    flags: frozenset[str],
    roles: Mapping[str, RoleInfo],
) -> list[ErrorDetail]:
    """Every problem of a definition body at once, each naming its path (R-WF-4)."""
    errors = _check_conditions("conditions", body.conditions, subtypes=subtypes, flags=flags)
    seen: set[str] = set()
    for i, step in enumerate(body.steps):
        here = f"steps[{i}]"
        if not KEY_PATTERN.match(step.key):
            errors.append(
                _err(
                    f"{here}.key",
                    "bad_key",
                    "步骤代码只能用小写字母、数字和下划线，以字母开头",
                    "a step key is lower-case letters, digits and _, starting with a letter",
                    step.key,
                )
            )
        if step.key in seen:
            errors.append(
                _err(f"{here}.key", "duplicate_key", "步骤代码重复", "duplicate step key", step.key)
            )
        seen.add(step.key)
        if step.level not in LEVELS:
            errors.append(
                _err(f"{here}.level", "bad_level", "未知层级", "unknown level", step.level, LEVELS)
            )
        role = roles.get(step.role)
        if role is None:
            errors.append(
                _err(
                    f"{here}.role",
                    "unknown_role",
                    "未知岗位",
                    "unknown role",
                    step.role,
                    sorted(roles),
                )
            )
        elif step.level in LEVELS:
            errors.extend(_role_fits_level(f"{here}.role", role, step.level))
        if step.due_working_days is not None and not 1 <= step.due_working_days <= MAX_DUE_DAYS:
            errors.append(
                _err(
                    f"{here}.due_working_days",
                    "bad_due",
                    f"办理时限应为 1–{MAX_DUE_DAYS} 个工作日",
                    f"a time limit is 1–{MAX_DUE_DAYS} working days",
                    step.due_working_days,
                    MAX_DUE_DAYS,
                )
            )
        if step.escalate_to is not None:
            target = roles.get(step.escalate_to.role)
            if step.escalate_to.level not in LEVELS:
                errors.append(
                    _err(
                        f"{here}.escalate_to.level",
                        "bad_level",
                        "未知层级",
                        "unknown level",
                        step.escalate_to.level,
                        LEVELS,
                    )
                )
            elif target is None:
                errors.append(
                    _err(
                        f"{here}.escalate_to.role",
                        "unknown_role",
                        "未知岗位",
                        "unknown role",
                        step.escalate_to.role,
                    )
                )
            else:
                errors.extend(
                    _role_fits_level(f"{here}.escalate_to.role", target, step.escalate_to.level)
                )
            if step.due_working_days is None:
                errors.append(
                    _err(
                        f"{here}.escalate_to",
                        "escalation_without_due",
                        "设置了逾期上报但没有办理时限",
                        "escalation needs a time limit",
                    )
                )
        errors.extend(
            _check_conditions(f"{here}.conditions", step.conditions, subtypes=subtypes, flags=flags)
        )
    return errors


def _role_fits_level(path: str, role: RoleInfo, level: str) -> list[ErrorDetail]:
    agency_role = bool(role.organisation_kinds & {"unit", "department"})
    finance_role = bool(role.organisation_kinds & {"finance_division", "finance_bureau"})
    fits = agency_role if level in AGENCY_LEVELS else finance_role
    if fits:
        return []
    return [
        _err(
            path,
            "role_level_mismatch",
            f"岗位“{role.name}”不在该层级的机构中设置",
            f"role {role.code} is not held at level {level}",
            role.code,
            level,
        )
    ]


# --- separation of duties -----------------------------------------------------------------------


@dataclass(frozen=True)
class PastAct:
    """A step decision already taken on the document, in any round."""

    user_id: int
    principal_id: int | None  # the delegator, when acting on someone's behalf
    step_key: str
    step_name: str
    at: dt.datetime  # local time (Asia/Shanghai): R-WF-2's message prints it as people read it


def sod_violation(
    *,
    people: Sequence[tuple[int, str]],
    step_key: str,
    step_name: str,
    step_role: str,
    entered_by_id: int | None,
    submitted_by_ids: Iterable[int],
    history: Sequence[PastAct],
    held_roles: Mapping[int, frozenset[str]],
    other_route_roles: Mapping[str, str],
    incompatible: frozenset[frozenset[str]],
    document: str,
) -> ErrorDetail | None:
    """Why these people may not decide this step, or None.

    ``people`` is the actor and, when acting for a delegator, the delegator too: both are bound by
    the document's history. ``other_route_roles`` maps each other role used on this document (the
    entry role and the other steps' roles) to the step that uses it.
    """
    submitters = set(submitted_by_ids)
    for person_id, person in people:
        if person_id == entered_by_id or person_id in submitters:
            what = "录入" if person_id == entered_by_id else "提交"
            what_en = "entered" if person_id == entered_by_id else "submitted"
            return ErrorDetail(
                code="workflow.own_document",
                rule="R-WF-1",
                field="actor",
                value=person,
                limit=step_name,
                message_zh=f"{document}：{person} {what}了该单据，不能在“{step_name}”环节审批自己的单据",
                message_en=f"{document}: {person} {what_en} this document and cannot decide "
                f"step '{step_name}' on it",
            )
        for act in history:
            if act.step_key != step_key and person_id in (act.user_id, act.principal_id):
                return ErrorDetail(
                    code="workflow.second_step",
                    rule="R-WF-2",
                    field="actor",
                    value=person,
                    limit=act.step_name,
                    message_zh=f"{document}：{person} 已于 {act.at:%Y-%m-%d %H:%M} 办理了“{act.step_name}”"
                    f"环节，同一人不能再办理“{step_name}”环节",
                    message_en=f"{document}: {person} already decided step '{act.step_name}' "
                    f"at {act.at:%Y-%m-%d %H:%M} and cannot also decide '{step_name}'",
                )
        other_role = incompatible_role(
            step_role=step_role,
            other_roles=other_route_roles,
            held=held_roles.get(person_id, frozenset()),
            incompatible=incompatible,
        )
        if other_role is not None:
            other_step = other_route_roles[other_role]
            return ErrorDetail(
                code="workflow.incompatible_roles",
                rule="R-WF-3",
                field="actor",
                value=person,
                limit=other_role,
                message_zh=f"{document}：{person} 同时担任“{other_step}”所需的不相容岗位"
                f"（{other_role}），不能办理“{step_name}”（{step_role}）",
                message_en=f"{document}: {person} also holds {other_role}, used by "
                f"'{other_step}' on this document, which is incompatible with {step_role}",
            )
    return None


def incompatible_role(
    *,
    step_role: str,
    other_roles: Mapping[str, str],
    held: frozenset[str],
    incompatible: frozenset[frozenset[str]],
) -> str | None:
    """R-WF-3: a role the person holds that another step (or the entry) of this document uses and
    that the matrix declares incompatible with the role deciding this step."""
    for other in sorted(other_roles):
        if other != step_role and other in held and frozenset({step_role, other}) in incompatible:
            return other
    return None
