"""采购意向公开 (R-GP-1, R-GP-7; DOMAIN-2 §6.1–6.2): a unit enters what it means to buy, publishes
it, may change it (the first publication date stands, ADR 0052) or withdraw it with a reason.
Every write is one transaction with its audit record; numbers are gapless per region and year
and taken last (issue 20: a number held from the start of a transaction serialises writers)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record, state_change
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.selectors import acting_organisation
from yusuan.core.services.sequences import next_number
from yusuan.core.standard_keys import THRESHOLD_MAX
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.procurement import locks, selectors
from yusuan.procurement.choices import IntentionState
from yusuan.procurement.errors import procurement_error, text_value, unknown_pur_item
from yusuan.procurement.models import ProcurementIntention
from yusuan.procurement.rules import category_of

SERIES = "procurement-intention"
RULE = "R-GP-7"


@dataclass(frozen=True)
class IntentionInput:
    """What a unit publishes (DOMAIN-2 §6.1): project, need, budget, expected month, 品目."""

    project_name: str
    need_summary: str
    budget: Money
    expected_month: dt.date | None  # any day of the month
    pur_item_code: str
    is_sme_reserved: bool = False
    indicator_line_id: int | None = None
    note: str = ""
    organisation_id: int | None = None


def _error(
    field: str, code: str, zh: str, en: str, value: Any = None, limit: Any = None
) -> ErrorDetail:
    return procurement_error(RULE, field, code, zh, en, value, limit)


def _text(
    value: str, field: str, name_zh: str, name_en: str, limit: int, errors: list[ErrorDetail]
) -> str:
    return text_value(RULE, value, field, name_zh, name_en, limit, errors)


def _checked(
    actor: Actor, data: IntentionInput, *, mof_div_code: str, organisation_id: int, fiscal_year: int
) -> dict[str, Any]:
    """The model's values from ``data``, or every problem at once (named by field)."""
    errors: list[ErrorDetail] = []
    values: dict[str, Any] = {
        "project_name": _text(
            data.project_name, "project_name", "采购项目名称", "project name", 120, errors
        ),
        "need_summary": _text(
            data.need_summary, "need_summary", "采购需求概况", "summary of the need", 2000, errors
        ),
        "note": data.note.strip()[:200],
        "is_sme_reserved": bool(data.is_sme_reserved),
    }
    budget = data.budget.fen
    if not 0 < budget <= THRESHOLD_MAX:
        errors.append(
            _error(
                "budget",
                "budget_range",
                f"预算金额须大于 0 且不超过 {Money(THRESHOLD_MAX)} 元（当前 {data.budget} 元）",
                f"the budget must be above 0 and at most {Money(THRESHOLD_MAX)} ({data.budget} given)",
                data.budget.format(),
                Money(THRESHOLD_MAX).format(),
            )
        )
    values["budget"] = budget
    month = data.expected_month
    if month is None or month.year != fiscal_year:
        errors.append(
            _error(
                "expected_month",
                "expected_month",
                f"预计采购时间须在 {fiscal_year} 年内",
                f"the expected month must be in {fiscal_year}",
                str(month) if month else "",
                str(fiscal_year),
            )
        )
    else:
        values["expected_month"] = month.replace(day=1)
    code = data.pur_item_code.strip().upper()
    category = category_of(code)
    if not category or not selectors.pur_item_known(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year, code=code, enabled_only=True
    ):
        errors.append(unknown_pur_item(RULE, code, fiscal_year))
    values["pur_item_code"] = code
    values["category"] = category
    values["indicator_line"] = None
    if data.indicator_line_id is not None:
        line = IndicatorLine.objects.visible_to(actor).filter(pk=data.indicator_line_id).first()
        if (
            line is None
            or line.organisation_id != organisation_id
            or line.fiscal_year != fiscal_year
            or line.kind != LineKind.EXECUTABLE
            or not line.is_gov_pur
        ):
            errors.append(
                _error(
                    "indicator_line",
                    "intention_line",
                    "关联指标须为本单位本年度的政府采购指标",
                    "the linked indicator must be a procurement line of this unit and year",
                    data.indicator_line_id,
                )
            )
        values["indicator_line"] = line
    raise_if_any(errors)
    return values


def _load(actor: Actor, intention_id: int) -> ProcurementIntention:
    found = locks.intention_qs_select_for_update().visible_to(actor).filter(pk=intention_id).first()
    if found is None:
        raise NotFoundError("procurement intention")
    return found


def _state_error(
    intention: ProcurementIntention, allowed: str, zh: str, en: str
) -> BusinessRuleError:
    return BusinessRuleError(
        [
            _error(
                "state",
                "intention_state",
                f"采购意向 {intention.number} 处于“{intention.get_state_display()}”状态，{zh}",
                f"intention {intention.number} is {intention.state}: {en}",
                intention.state,
                allowed,
            )
        ],
        status=409,
    )


def _site_date(intention: ProcurementIntention, on: dt.date | None, field: str) -> dt.date:
    """The day a publication, change or withdrawal appeared on the designated site: ``on``
    (default today), within the intention's year, never after today."""
    today = timezone.localdate()
    day = on or today
    if day > today or day.year != intention.fiscal_year:
        raise_if_any(
            [
                _error(
                    field,
                    field,
                    f"日期须在 {intention.fiscal_year} 年内且不晚于今天（{today}）",
                    f"the date must be in {intention.fiscal_year} and not after today ({today})",
                    str(day),
                    str(today),
                )
            ]
        )
    if intention.published_on and day < intention.published_on:
        raise_if_any(
            [
                _error(
                    field,
                    field,
                    f"日期不能早于公开日期 {intention.published_on}",
                    f"the date cannot be before the publication on {intention.published_on}",
                    str(day),
                    str(intention.published_on),
                )
            ]
        )
    return day


@transaction.atomic
def intention_create(
    *, actor: Actor, data: IntentionInput, fiscal_year: int
) -> ProcurementIntention:
    ensure_permission(actor, "procurement.add_procurementintention")
    organisation = acting_organisation(actor=actor, organisation_id=data.organisation_id)
    values = _checked(
        actor,
        data,
        mof_div_code=organisation.mof_div_code,
        organisation_id=organisation.pk,
        fiscal_year=fiscal_year,
    )
    number = next_number(
        mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year, series=SERIES
    )
    intention = ProcurementIntention.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        organisation=organisation,
        number=f"YX{fiscal_year}{number:06d}",
        created_by_id=actor.pk,
        **values,
    )
    audit_record(
        action="procurement.intention_create",
        actor=actor,
        obj=intention,
        changes={
            "budget": [None, Money(intention.budget).format()],
            "state": [None, intention.state],
        },
    )
    return intention


# What a change after publication records (the public listing shows the latest values).
TRACKED = (
    "project_name",
    "need_summary",
    "budget",
    "expected_month",
    "pur_item_code",
    "is_sme_reserved",
)


@transaction.atomic
def intention_update(
    *, actor: Actor, intention_id: int, data: IntentionInput, on: dt.date | None = None
) -> ProcurementIntention:
    """Edit a draft; a published intention is changed (更正): state ``changed`` and
    ``changed_on`` today, the first publication date kept (ADR 0052)."""
    ensure_permission(actor, "procurement.change_procurementintention")
    intention = _load(actor, intention_id)
    if intention.state == IntentionState.WITHDRAWN:
        raise _state_error(
            intention,
            "draft|published|changed",
            "已撤回，不能修改",
            "a withdrawn intention is not changed",
        )
    values = _checked(
        actor,
        data,
        mof_div_code=intention.mof_div_code,
        organisation_id=intention.organisation_id,
        fiscal_year=intention.fiscal_year,
    )
    changes = {
        field: [_shown(field, getattr(intention, field)), _shown(field, values[field])]
        for field in TRACKED
        if getattr(intention, field) != values[field]
    }
    if values["indicator_line"] != intention.indicator_line:
        changes["indicator_line"] = [
            intention.indicator_line_id,
            getattr(values["indicator_line"], "pk", None),
        ]
    for field, value in values.items():
        setattr(intention, field, value)
    if intention.state != IntentionState.DRAFT and changes:
        intention.changed_on = _site_date(intention, on, "changed_on")
        if intention.state == IntentionState.PUBLISHED:
            changes["state"] = [intention.state, IntentionState.CHANGED]
            intention.state = IntentionState.CHANGED
    intention.save()
    audit_record(action="procurement.intention_update", actor=actor, obj=intention, changes=changes)
    return intention


def _shown(field: str, value: Any) -> Any:
    """A tracked value as the audit record keeps it: 元 text for the budget, ISO dates."""
    if field == "budget":
        return Money(value).format()
    return str(value) if isinstance(value, dt.date) else value


@transaction.atomic
def intention_publish(
    *, actor: Actor, intention_id: int, on: dt.date | None = None
) -> ProcurementIntention:
    """Record a draft's publication (R-GP-1) on ``on``, the day it appeared on the designated
    site (default today, never later): the procurement may start
    ``procurement.intention_days`` after it."""
    ensure_permission(actor, "procurement.publish_procurementintention")
    intention = _load(actor, intention_id)
    if intention.state != IntentionState.DRAFT:
        raise _state_error(
            intention, IntentionState.DRAFT, "只有草稿可以公开", "only a draft is published"
        )
    published_on = _site_date(intention, on, "published_on")
    intention.published_on = published_on
    intention.save(update_fields=["published_on", "updated_at"])
    state_change(
        action="procurement.intention_publish",
        actor=actor,
        obj=intention,
        state=IntentionState.PUBLISHED,
        why=f"published on {intention.published_on}",
    )
    return intention


@transaction.atomic
def intention_withdraw(
    *, actor: Actor, intention_id: int, reason: str, on: dt.date | None = None
) -> ProcurementIntention:
    """Withdraw a published intention (the need is gone), naming why; the public listing keeps
    showing it as withdrawn. A draft is simply never published."""
    ensure_permission(actor, "procurement.publish_procurementintention")
    intention = _load(actor, intention_id)
    if intention.state not in (IntentionState.PUBLISHED, IntentionState.CHANGED):
        raise _state_error(
            intention,
            "published|changed",
            "只有已公开的意向可以撤回",
            "only a published intention is withdrawn",
        )
    why = reason.strip()
    if not why:
        raise_if_any(
            [
                _error(
                    "reason",
                    "reason_required",
                    "请填写撤回理由",
                    "give the reason for the withdrawal",
                )
            ]
        )
    intention.withdrawn_on = _site_date(intention, on, "withdrawn_on")
    intention.withdraw_reason = why[:200]
    intention.save(update_fields=["withdrawn_on", "withdraw_reason", "updated_at"])
    state_change(
        action="procurement.intention_withdraw",
        actor=actor,
        obj=intention,
        state=IntentionState.WITHDRAWN,
        why=why[:200],
    )
    return intention
