"""采购实施计划 (备案, DOMAIN §2.8, DOMAIN-2 §6.2–6.3, ADR 0052).

A unit's clerk enters a plan: what it buys (品目), how (method), from which procurement lines and
when it starts. It is a document of the approval engine (``procurement.workflow``):

- **Submitting** re-checks everything and reserves the plan's money on its lines (R-GP-2: one
  ledger posting, available → reserved, all or none), so two plans cannot claim the same yuan.
  R-GP-7 (the intention published ``procurement.intention_days`` before the start, or an
  exemption with its reason) blocks or only marks the plan, as the region's
  ``procurement.intention_check`` says.
- The approval route depends on the plan's flags: a method other than 公开招标 at or above the
  公开招标数额标准 (R-GP-8) or imported products go to the finance procurement division.
- **Approved**, the plan is filed (备案); contracts filed under it take their share from its
  lines (``contracts.contract_file``), not from the indicator's available money.
- Returned, withdrawn or rejected, it gives its reservation back. **Closing** a filed plan
  (completed, or cancelled before any contract) gives back what its contracts did not take.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.selectors import acting_organisation, standard_value
from yusuan.core.services.sequences import next_number
from yusuan.core.standard_keys import INTENTION_BLOCK, THRESHOLD_MAX
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.services.ledger import Op, insufficient
from yusuan.procurement import locks, selectors
from yusuan.procurement.choices import (
    IntentionExemption,
    IntentionState,
    OrgForm,
    PlanState,
    PurMethod,
)
from yusuan.procurement.errors import procurement_error, text_value, unknown_pur_item
from yusuan.procurement.events import PLAN_RELEASED, PLAN_RESERVED, plan_released, plan_reserved
from yusuan.procurement.models import ProcurementIntention, ProcurementPlan, ProcurementPlanLine
from yusuan.procurement.rules import (
    Lead,
    category_of,
    intention_lead_error,
    items_related,
    method_category_error,
    needs_method_approval,
)
from yusuan.procurement.services.posting import post

SERIES = "procurement-plan"
SOURCE_TYPE = "procurement.plan"
RULE = "R-GP-2"


@dataclass(frozen=True)
class PlanLineInput:
    """R-GP-2: the share of the plan drawn from (and reserved on) one procurement line."""

    indicator_line_id: int | None
    amount: Money


@dataclass(frozen=True)
class PlanInput:
    """What a unit files (DOMAIN-2 §6.2): project, 品目, method, budget, start and lines."""

    title: str
    pur_item_code: str
    method: str
    amount: Money
    planned_start: dt.date | None
    lines: Sequence[PlanLineInput]
    intention_id: int | None = None
    exemption: str = ""
    exemption_reason: str = ""
    ceiling_price: Money | None = None
    is_imported: bool = False
    imported_reason: str = ""
    single_source_reason: str = ""
    is_sme_reserved: bool = False
    organisation_id: int | None = None


def _error(
    field: str, code: str, zh: str, en: str, value: Any = None, limit: Any = None, rule: str = RULE
) -> ErrorDetail:
    return procurement_error(rule, field, code, zh, en, value, limit)


@dataclass
class _Checked:
    values: dict[str, Any]
    lines: list[tuple[IndicatorLine, int]]


def _checked(
    actor: Actor, data: PlanInput, *, mof_div_code: str, organisation_id: int, fiscal_year: int
) -> _Checked:
    """The model's values and lines from ``data``, or every problem at once (named by field)."""
    errors: list[ErrorDetail] = []
    values: dict[str, Any] = {
        "title": text_value(RULE, data.title, "title", "采购项目名称", "project name", 120, errors),
        "is_sme_reserved": bool(data.is_sme_reserved),
        "is_imported": bool(data.is_imported),
    }
    code = data.pur_item_code.strip().upper()
    category = category_of(code)
    if not category or not selectors.pur_item_known(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year, code=code, enabled_only=True
    ):
        errors.append(unknown_pur_item(RULE, code, fiscal_year))
    values.update(pur_item_code=code, category=category)
    amount = data.amount.fen
    if not 0 < amount <= THRESHOLD_MAX:
        errors.append(
            _error(
                "amount",
                "plan_amount_range",
                f"计划金额须大于 0 且不超过 {Money(THRESHOLD_MAX)} 元（当前 {data.amount} 元）",
                f"the plan budget must be above 0 and at most {Money(THRESHOLD_MAX)} "
                f"({data.amount} given)",
                data.amount.format(),
                Money(THRESHOLD_MAX).format(),
            )
        )
    values["amount"] = amount
    ceiling = data.ceiling_price.fen if data.ceiling_price is not None else None
    if ceiling is not None and not 0 < ceiling <= max(amount, 0):
        errors.append(
            _error(
                "ceiling_price",
                "ceiling_price",
                f"最高限价须大于 0 且不超过计划金额 {data.amount} 元（当前 {Money(ceiling)} 元）",
                f"the ceiling price must be above 0 and at most the budget {data.amount}",
                Money(ceiling).format(),
                data.amount.format(),
            )
        )
    values["ceiling_price"] = ceiling
    start = data.planned_start
    if start is None or start.year != fiscal_year:
        errors.append(
            _error(
                "planned_start",
                "planned_start",
                f"计划开始日期须在 {fiscal_year} 年内",
                f"the planned start must be in {fiscal_year}",
                str(start or ""),
                str(fiscal_year),
            )
        )
    values["planned_start"] = start
    method = data.method
    if method not in PurMethod.values:
        errors.append(
            _error(
                "method",
                "method_unknown",
                f"采购方式“{method}”无效",
                f"unknown procurement method '{method}'",
                method,
                list(PurMethod.values),
                rule="R-GP-8",
            )
        )
    elif category and (found := method_category_error(method, category)) is not None:
        errors.append(found)
    values["method"] = method
    values["single_source_reason"] = text_value(
        "R-GP-8",
        data.single_source_reason,
        "single_source_reason",
        "单一来源采购理由",
        "reason for a single source",
        500,
        errors,
        required=method == PurMethod.SINGLE_SOURCE,
    )
    values["imported_reason"] = text_value(
        "R-GP-8",
        data.imported_reason,
        "imported_reason",
        "采购进口产品理由",
        "reason for imported products",
        500,
        errors,
        required=values["is_imported"],
    )
    values.update(_intention(actor, data, organisation_id, fiscal_year, code, errors))
    lines = _lines(actor, data, organisation_id, fiscal_year, code, errors)
    if start is not None and category and 0 < amount <= THRESHOLD_MAX:
        scope = selectors.scope_of(
            mof_div_code=mof_div_code,
            fiscal_year=fiscal_year,
            pur_item_code=code,
            amount_fen=amount,
            on=start,
        )
        if not scope.is_government_procurement:
            errors.append(
                _error(
                    "amount",
                    "not_government_procurement",
                    f"品目 {code} 不在集中采购目录内，金额 {data.amount} 元低于限额标准 "
                    f"{Money(scope.limit_fen)} 元，不属于政府采购，无需编报实施计划",
                    f"{code} is outside the central catalogue and {data.amount} is below the "
                    f"limit {Money(scope.limit_fen)}: not government procurement, no plan needed",
                    data.amount.format(),
                    Money(scope.limit_fen).format(),
                    rule="R-GP-11",
                )
            )
        values["org_form"] = scope.org_form or OrgForm.DISPERSED
        thresholds = selectors.tender_thresholds(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year, on=start
        )
        values["method_exception"] = method in PurMethod.values and needs_method_approval(
            method=method, category=category, amount_fen=amount, thresholds=thresholds
        )
    raise_if_any(errors)
    return _Checked(values, lines)


def _intention(
    actor: Actor,
    data: PlanInput,
    organisation_id: int,
    fiscal_year: int,
    code: str,
    errors: list[ErrorDetail],
) -> dict[str, Any]:
    """R-GP-7: the intention the plan follows (published, of the unit and year, of the same
    品目 branch), or an exemption with its reason. Whether it was published early enough is
    checked at submission (``submit_checks``): a draft may wait for it."""
    values: dict[str, Any] = {"intention": None, "exemption": "", "exemption_reason": ""}
    if data.intention_id is not None:
        intention = (
            ProcurementIntention.objects.visible_to(actor).filter(pk=data.intention_id).first()
        )
        if (
            intention is None
            or intention.organisation_id != organisation_id
            or intention.fiscal_year != fiscal_year
            or intention.state not in (IntentionState.PUBLISHED, IntentionState.CHANGED)
        ):
            errors.append(
                _error(
                    "intention",
                    "plan_intention",
                    "所引采购意向须为本单位本年度已公开（未撤回）的意向",
                    "the intention must be a published (not withdrawn) one of this unit and year",
                    data.intention_id,
                    rule="R-GP-7",
                )
            )
        elif code and not items_related(code, intention.pur_item_code):
            errors.append(
                _error(
                    "intention",
                    "plan_intention_item",
                    f"采购意向 {intention.number} 的品目为 {intention.pur_item_code}，"
                    f"与计划品目 {code} 不符",
                    f"intention {intention.number} is for {intention.pur_item_code}, not {code}",
                    intention.pur_item_code,
                    code,
                    rule="R-GP-7",
                )
            )
        values["intention"] = intention
    if data.exemption:
        if data.exemption not in IntentionExemption.values:
            errors.append(
                _error(
                    "exemption",
                    "exemption_unknown",
                    f"免于意向公开的情形“{data.exemption}”无效",
                    f"unknown exemption '{data.exemption}'",
                    data.exemption,
                    list(IntentionExemption.values),
                    rule="R-GP-7",
                )
            )
        values["exemption"] = data.exemption
        values["exemption_reason"] = text_value(
            "R-GP-7",
            data.exemption_reason,
            "exemption_reason",
            "免于意向公开的理由",
            "reason for the exemption",
            200,
            errors,
        )
    return values


def _lines(
    actor: Actor,
    data: PlanInput,
    organisation_id: int,
    fiscal_year: int,
    code: str,
    errors: list[ErrorDetail],
) -> list[tuple[IndicatorLine, int]]:
    """R-GP-2: procurement lines of the unit and year, each once, each share within the line's
    available money (the ledger checks again, atomically, at submission) and of the 品目 its
    budget was approved for; Σ shares = the plan budget."""
    found = IndicatorLine.objects.visible_to(actor).in_bulk(
        [x.indicator_line_id for x in data.lines if x.indicator_line_id is not None]
    )
    items = selectors.budget_pur_items(list(found))
    picked: list[tuple[IndicatorLine, int]] = []
    seen: set[int] = set()
    for row, entry in enumerate(data.lines):
        field = f"lines[{row}].indicator_line"
        fen = entry.amount.fen
        line = found.get(entry.indicator_line_id or 0)
        if (
            line is None
            or line.organisation_id != organisation_id
            or line.fiscal_year != fiscal_year
            or line.kind != LineKind.EXECUTABLE
            or not line.is_gov_pur
        ):
            errors.append(
                _error(
                    field,
                    "plan_line",
                    f"第 {row + 1} 行：请选择本单位本年度的政府采购指标",
                    f"row {row + 1}: pick a procurement line of this unit and year",
                    entry.indicator_line_id,
                )
            )
            continue
        if line.pk in seen:
            errors.append(
                _error(
                    field,
                    "plan_line_twice",
                    f"第 {row + 1} 行：指标 {line.code} 重复列出",
                    f"row {row + 1}: {line.code} is named twice",
                    line.code,
                )
            )
            continue
        seen.add(line.pk)
        budget_item = items.get(line.pk, "")
        if code and budget_item and not items_related(code, budget_item):
            errors.append(
                _error(
                    field,
                    "plan_item_mismatch",
                    f"第 {row + 1} 行：指标 {line.code} 的政府采购预算品目为 {budget_item}，"
                    f"不能用于品目 {code}",
                    f"row {row + 1}: {line.code} was budgeted for {budget_item}, not {code}",
                    code,
                    budget_item,
                )
            )
        picked.append((line, fen))
        if fen <= 0:
            errors.append(
                _error(
                    f"lines[{row}].amount",
                    "plan_line_amount",
                    f"第 {row + 1} 行：金额须大于 0（当前 {Money(fen)} 元）",
                    f"row {row + 1}: the amount must be above 0",
                    Money(fen).format(),
                )
            )
        elif fen > line.available:
            errors.append(
                insufficient(
                    line, "available", fen, rule=RULE, field=f"lines[{row}].amount", row=row
                )
            )
    total = sum(entry.amount.fen for entry in data.lines)
    if not data.lines:
        errors.append(
            _error(
                "lines",
                "plan_lines_required",
                "请至少选择一条政府采购指标",
                "name at least one procurement line",
            )
        )
    elif total != data.amount.fen:
        errors.append(
            _error(
                "lines",
                "plan_lines_sum",
                f"各指标金额合计 {Money(total)} 元，须等于计划金额 {data.amount} 元",
                f"the lines add up to {Money(total)}; they must equal the plan budget {data.amount}",
                Money(total).format(),
                data.amount.format(),
            )
        )
    return picked


def _save_lines(plan: ProcurementPlan, lines: list[tuple[IndicatorLine, int]]) -> None:
    plan.lines.all().delete()
    ProcurementPlanLine.objects.bulk_create(
        ProcurementPlanLine(plan=plan, row=row, indicator_line=line, amount=fen)
        for row, (line, fen) in enumerate(lines)
    )


def _lines_shown(lines: list[tuple[IndicatorLine, int]]) -> dict[str, str]:
    return {line.code: Money(fen).format() for line, fen in lines}


@transaction.atomic
def plan_create(*, actor: Actor, data: PlanInput, fiscal_year: int) -> ProcurementPlan:
    ensure_permission(actor, "procurement.add_procurementplan")
    organisation = acting_organisation(actor=actor, organisation_id=data.organisation_id)
    checked = _checked(
        actor,
        data,
        mof_div_code=organisation.mof_div_code,
        organisation_id=organisation.pk,
        fiscal_year=fiscal_year,
    )
    number = next_number(
        mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year, series=SERIES
    )
    plan = ProcurementPlan.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        organisation=organisation,
        number=f"JH{fiscal_year}{number:06d}",
        created_by_id=actor.pk,
        **checked.values,
    )
    _save_lines(plan, checked.lines)
    audit_record(
        action="procurement.plan_create",
        actor=actor,
        obj=plan,
        changes={"amount": [None, Money(plan.amount).format()], "state": [None, plan.state]},
        extra={"method": plan.method, "lines": _lines_shown(checked.lines)},
    )
    return plan


def _load(actor: Actor, plan_id: int) -> ProcurementPlan:
    found = locks.plan_qs_select_for_update().visible_to(actor).filter(pk=plan_id).first()
    if found is None:
        raise NotFoundError("procurement plan")
    return found


def _state_error(plan: ProcurementPlan, allowed: Any, zh: str, en: str) -> BusinessRuleError:
    return BusinessRuleError(
        [
            _error(
                "state",
                "plan_state",
                f"采购计划 {plan.number} 处于“{plan.get_state_display()}”状态，{zh}",
                f"plan {plan.number} is {plan.state}: {en}",
                plan.state,
                allowed,
            )
        ],
        status=409,
    )


TRACKED = ("title", "pur_item_code", "method", "amount", "planned_start", "is_imported")


@transaction.atomic
def plan_update(*, actor: Actor, plan_id: int, data: PlanInput) -> ProcurementPlan:
    """Edit a draft (a returned plan is a draft again); lines are replaced."""
    ensure_permission(actor, "procurement.change_procurementplan")
    plan = _load(actor, plan_id)
    if plan.state != PlanState.DRAFT:
        raise _state_error(plan, PlanState.DRAFT, "只有草稿可以修改", "only a draft is edited")
    checked = _checked(
        actor,
        data,
        mof_div_code=plan.mof_div_code,
        organisation_id=plan.organisation_id,
        fiscal_year=plan.fiscal_year,
    )
    changes = {
        field: [str(getattr(plan, field)), str(checked.values[field])]
        for field in TRACKED
        if getattr(plan, field) != checked.values[field]
    }
    for field, value in checked.values.items():
        setattr(plan, field, value)
    plan.save()
    _save_lines(plan, checked.lines)
    audit_record(
        action="procurement.plan_update",
        actor=actor,
        obj=plan,
        changes=changes,
        extra={"lines": _lines_shown(checked.lines)},
    )
    return plan


def _input_of(plan: ProcurementPlan) -> PlanInput:
    return PlanInput(
        title=plan.title,
        pur_item_code=plan.pur_item_code,
        method=plan.method,
        amount=Money(plan.amount),
        planned_start=plan.planned_start,
        lines=[
            PlanLineInput(line.indicator_line_id, Money(line.amount))
            for line in plan.lines.order_by("row")
        ],
        intention_id=plan.intention_id,
        exemption=plan.exemption,
        exemption_reason=plan.exemption_reason,
        ceiling_price=Money(plan.ceiling_price) if plan.ceiling_price is not None else None,
        is_imported=plan.is_imported,
        imported_reason=plan.imported_reason,
        single_source_reason=plan.single_source_reason,
        is_sme_reserved=plan.is_sme_reserved,
    )


def submit_checks(actor: Actor, plan: ProcurementPlan) -> None:
    """At submission (the engine's hook, the plan locked): everything again on today's data
    (an intention withdrawn, a threshold changed, money taken meanwhile), then R-GP-7 on the
    dates — refused, or only marked (``intention_late``) where the region warns."""
    checked = _checked(
        actor,
        _input_of(plan),
        mof_div_code=plan.mof_div_code,
        organisation_id=plan.organisation_id,
        fiscal_year=plan.fiscal_year,
    )
    for field in ("org_form", "method_exception", "category"):
        setattr(plan, field, checked.values[field])
    late = None
    if not plan.exemption:
        intention = checked.values["intention"]
        days = standard_value(
            mof_div_code=plan.mof_div_code,
            fiscal_year=plan.fiscal_year,
            key="procurement.intention_days",
        )
        late = intention_lead_error(
            Lead(
                published_on=intention.published_on if intention else None,
                starts_on=plan.planned_start,
                days=days,
            ),
            number=f" {intention.number}" if intention else "",
        )
    mode = standard_value(
        mof_div_code=plan.mof_div_code,
        fiscal_year=plan.fiscal_year,
        key="procurement.intention_check",
    )
    if late is not None and mode == INTENTION_BLOCK:
        raise BusinessRuleError([late])
    plan.intention_late = late is not None
    plan.save(update_fields=["org_form", "method_exception", "category", "intention_late"])


def _ops(plan: ProcurementPlan, *, left_only: bool = False) -> list[Op]:
    lines = plan.lines.order_by("pk")
    return [
        Op(line.indicator_line_id, line.remaining if left_only else line.amount, row=line.row)
        for line in lines
        if (line.remaining if left_only else line.amount) > 0
    ]


def reserve(actor: Actor, plan: ProcurementPlan, round_no: int) -> None:
    """R-GP-2: available → reserved on every line of the plan, all or none; a plan (or
    contract) that took the money first leaves this one the ledger's refusal, by row."""
    ops = _ops(plan)
    key = f"{SOURCE_TYPE}:{plan.pk}:reserve:{round_no}"
    if post(
        "reserve",
        ops,
        actor_id=actor.pk,
        source_type=SOURCE_TYPE,
        source_id=plan.pk,
        source_no=plan.number,
        op_key=key,
        rule=RULE,
    ):
        PLAN_RESERVED.publish_built(
            lambda: plan_reserved(plan, [(o.line_id, o.amount) for o in ops], event_id=key)
        )


def unreserve(
    actor: Actor, plan: ProcurementPlan, *, key: str, left_only: bool, state: str
) -> list[Op]:
    """Reserved → available for what the plan still holds (``left_only``: closing, counted as
    released) or for its whole amount (returned, withdrawn or rejected before filing, when no
    contract can have taken from it). The plan is locked; ``state`` is the one it moves to."""
    ops = _ops(plan, left_only=left_only)
    if left_only:  # all that is left is released, in one statement (the plan is locked)
        plan.lines.update(released=F("amount") - F("consumed"))
    op_key = f"{SOURCE_TYPE}:{plan.pk}:{key}"
    if ops and post(
        "unreserve",
        ops,
        actor_id=actor.pk,
        source_type=SOURCE_TYPE,
        source_id=plan.pk,
        source_no=plan.number,
        op_key=op_key,
    ):
        PLAN_RELEASED.publish_built(
            lambda: plan_released(
                plan, [(o.line_id, o.amount) for o in ops], event_id=op_key, state=state
            )
        )
    return ops


CLOSING = (PlanState.CLOSED, PlanState.CANCELLED)


@transaction.atomic
def plan_close(
    *,
    actor: Actor,
    plan_id: int,
    state: str = PlanState.CLOSED,
    reason: str = "",
    on: dt.date | None = None,
) -> ProcurementPlan:
    """Close a filed plan (its procurement is done: what contracts did not take goes back to
    the lines' available money) or cancel one no contract was filed under (all of it)."""
    ensure_permission(actor, "procurement.change_procurementplan")
    plan = _load(actor, plan_id)
    if plan.state not in (PlanState.FILED, PlanState.EXECUTING):
        raise _state_error(
            plan, "filed|executing", "只有已备案的计划可以关闭", "only a filed plan is closed"
        )
    if state not in CLOSING:
        raise BusinessRuleError(
            [
                _error(
                    "state",
                    "plan_close_state",
                    "关闭方式须为完成或取消",
                    "close as closed or cancelled",
                    state,
                    [x.value for x in CLOSING],
                )
            ]
        )
    if state == PlanState.CANCELLED and plan.contracts.exists():
        raise BusinessRuleError(
            [
                _error(
                    "state",
                    "plan_has_contracts",
                    f"采购计划 {plan.number} 已有合同，不能取消，只能关闭",
                    f"plan {plan.number} has contracts: close it, do not cancel it",
                    state,
                    PlanState.CLOSED.value,
                )
            ],
            status=409,
        )
    errors: list[ErrorDetail] = []
    why = text_value(RULE, reason, "reason", "关闭理由", "reason", 200, errors)
    today = timezone.localdate()
    day = on or today
    if day > today or (plan.filed_on and day < plan.filed_on):
        errors.append(
            _error(
                "closed_on",
                "closed_on",
                f"关闭日期须在备案日期 {plan.filed_on} 与今天（{today}）之间",
                f"the closing date must be between the filing ({plan.filed_on}) and today ({today})",
                str(day),
                str(today),
            )
        )
    raise_if_any(errors)
    codes = dict(plan.lines.values_list("indicator_line_id", "indicator_line__code"))
    ops = unreserve(actor, plan, key="release", left_only=True, state=state)
    before = plan.state
    plan.state = state
    plan.closed_on = day
    plan.close_reason = why
    plan.save(update_fields=["state", "closed_on", "close_reason", "updated_at"])
    # One record for the state and the release: it seals the unreserve movements (ADR 0017).
    audit_record(
        action="procurement.plan_state",
        actor=actor,
        obj=plan,
        changes={"state": [before, state]},
        extra={
            "by": why,
            "released": {codes[o.line_id]: Money(o.amount).format() for o in ops},
        },
    )
    return plan
