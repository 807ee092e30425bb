"""Changes after filing, as documents of the approval engine (ADR 0052, ``procurement.change``).

- **Method change (变更采购方式)**: a filed plan without an award (a failed tender, 废标, is the
  usual cause) may change its method. The new method is checked as at entry (询价 for goods
  only, a single source with its reason); at or above the 公开招标数额标准 a method other than
  公开招标 is flagged ``method_exception`` and routed to the finance procurement division
  (R-GP-8: finance approves it before the procurement starts). Approved, the plan takes it.
- **Supplementary contract (补充合同, R-GP-3b)**: adds to a filed contract for the same goods,
  works or services, Σ supplements ≤ 10 % of the original contract amount (政府采购法 art. 49).
  It names one of the contract's indicator lines; approved, it reserves the addition there
  (available → reserved, R-GP-9), raises the contract, its line and — when the contract has a
  payment schedule — adds a node paid after acceptance, so Σ nodes = contract (R-GP-10).
  The cap and the line's available money are checked at submission and again at approval, under
  the contract's lock; the reservation is made at approval, so a change waiting in an inbox
  holds no money (ADR 0052).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.services.sequences import next_number
from yusuan.indicators.services.ledger import Op
from yusuan.procurement import locks, selectors
from yusuan.procurement.choices import (
    PLAN_OPEN_STATES,
    ChangeKind,
    ContractState,
    InstalmentKind,
    PurMethod,
)
from yusuan.procurement.errors import procurement_error, text_value
from yusuan.procurement.events import CONTRACT_RESERVED, contract_reserved
from yusuan.procurement.models import (
    Contract,
    ContractInstalment,
    ContractLine,
    ProcurementAward,
    ProcurementChange,
    ProcurementPlan,
)
from yusuan.procurement.rules import method_category_error, needs_method_approval
from yusuan.procurement.services.posting import post

SERIES = "procurement-change"
SOURCE_TYPE = "procurement.change"


@dataclass(frozen=True)
class ChangeInput:
    """A method change names the plan and the new method; a supplement names the contract, the
    amount, the indicator line it is paid from and the date it was signed."""

    kind: str
    reason: str
    plan_id: int | None = None
    new_method: str = ""
    single_source_reason: str = ""
    contract_id: int | None = None
    amount: Money | None = None
    indicator_line_id: int | None = None
    signed_on: dt.date | None = None


def _error(
    rule: str, field: str, code: str, zh: str, en: str, value: Any = None, limit: Any = None
) -> ErrorDetail:
    return procurement_error(rule, field, code, zh, en, value, limit)


def method_exception(plan: ProcurementPlan, method: str) -> bool:
    """R-GP-8 for ``method`` on the plan's thresholds in force at its start."""
    thresholds = selectors.tender_thresholds(
        mof_div_code=plan.mof_div_code, fiscal_year=plan.fiscal_year, on=plan.planned_start
    )
    return needs_method_approval(
        method=method, category=plan.category, amount_fen=plan.amount, thresholds=thresholds
    )


# --- method change (R-GP-8) -----------------------------------------------------------------


def _method_errors(
    plan: ProcurementPlan, method: str, single_source_reason: str
) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    if plan.state not in PLAN_OPEN_STATES:
        errors.append(
            _error(
                "R-GP-8",
                "plan",
                "change_plan_state",
                f"采购计划 {plan.number} 处于“{plan.get_state_display()}”状态，"
                "只有已备案的计划可以变更采购方式",
                f"plan {plan.number} is {plan.state}; only a filed plan changes its method",
                plan.state,
                [s.value for s in PLAN_OPEN_STATES],
            )
        )
    contracts = plan.contracts.count()
    if contracts:
        errors.append(
            _error(
                "R-GP-8",
                "plan",
                "change_after_contract",
                f"采购计划 {plan.number} 已签订 {contracts} 份合同，不能再变更采购方式",
                f"plan {plan.number} has {contracts} contract(s); its method no longer changes",
                contracts,
                0,
            )
        )
    awards = ProcurementAward.objects.filter(plan=plan).count()
    if awards:
        errors.append(
            _error(
                "R-GP-8",
                "plan",
                "change_after_award",
                f"采购计划 {plan.number} 已登记 {awards} 个采购结果，不能再变更采购方式",
                f"plan {plan.number} has {awards} award(s); its method no longer changes",
                awards,
                0,
            )
        )
    if method not in PurMethod.values:
        errors.append(
            _error(
                "R-GP-8",
                "new_method",
                "method_unknown",
                f"采购方式“{method}”无效",
                f"unknown procurement method '{method}'",
                method,
                list(PurMethod.values),
            )
        )
    elif method == plan.method:
        errors.append(
            _error(
                "R-GP-8",
                "new_method",
                "method_unchanged",
                f"新采购方式与计划现在的方式“{plan.get_method_display()}”相同",
                f"the new method is the plan's method already ({plan.method})",
                method,
            )
        )
    elif (found := method_category_error(method, plan.category)) is not None:
        errors.append(replace(found, field="new_method"))
    if method == PurMethod.SINGLE_SOURCE and not single_source_reason:
        errors.append(
            _error(
                "R-GP-8",
                "single_source_reason",
                "single_source_reason_required",
                "单一来源采购理由不能为空",
                "the reason for a single source is required",
            )
        )
    return errors


# --- supplementary contract (R-GP-3b) -------------------------------------------------------


def _supplement_errors(
    contract: Contract, amount: int, line_id: int | None, signed_on: dt.date | None
) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    if contract.state != ContractState.FILED:
        errors.append(
            _error(
                "R-GP-3b",
                "contract",
                "supplement_contract_state",
                f"合同 {contract.number} 状态为“{contract.get_state_display()}”，不能签订补充合同",
                f"contract {contract.number} is {contract.state}; it takes no supplement",
                contract.state,
                ContractState.FILED.value,
            )
        )
    if amount <= 0:
        errors.append(
            _error(
                "R-GP-3b",
                "amount",
                "supplement_amount",
                f"补充合同金额须大于 0（当前 {Money(amount)} 元）",
                f"the supplementary amount must be above 0 ({Money(amount)} given)",
                Money(amount).format(),
                "0.01",
            )
        )
    else:
        original, approved, cap = selectors.supplement_room(contract)
        if approved + amount > cap:
            errors.append(
                _error(
                    "R-GP-3b",
                    "amount",
                    "supplement_over_ten_percent",
                    f"补充合同累计 {Money(approved + amount)} 元（已批准 {Money(approved)} 元，"
                    f"本次 {Money(amount)} 元）超过原合同金额 {Money(original)} 元的 "
                    f"{selectors.SUPPLEMENT_PERCENT}%（{Money(cap)} 元）",
                    f"supplements would total {Money(approved + amount)} ({Money(approved)} "
                    f"approved, {Money(amount)} now), above {selectors.SUPPLEMENT_PERCENT}% of the "
                    f"original contract {Money(original)} ({Money(cap)})",
                    Money(approved + amount).format(),
                    Money(cap).format(),
                )
            )
    line = contract.lines.select_related("indicator_line").filter(indicator_line_id=line_id).first()
    if line is None:
        errors.append(
            _error(
                "R-GP-3b",
                "indicator_line",
                "supplement_line",
                f"补充合同须从原合同 {contract.number} 的指标中支付",
                f"a supplement is paid from one of contract {contract.number}'s indicator lines",
                line_id,
                list(contract.lines.values_list("indicator_line__code", flat=True)),
            )
        )
    elif amount > 0 and line.indicator_line.available < amount:
        available = Money(line.indicator_line.available)
        errors.append(
            _error(
                "R-GP-3b",
                "amount",
                "supplement_insufficient",
                f"指标 {line.indicator_line.code} 可用余额 {available} 元，补充合同需 "
                f"{Money(amount)} 元",
                f"indicator {line.indicator_line.code} has {available} available; the "
                f"supplement needs {Money(amount)}",
                Money(amount).format(),
                available.format(),
            )
        )
    today = timezone.localdate()
    if signed_on is not None and signed_on > today:
        errors.append(
            _error(
                "R-GP-3b",
                "signed_on",
                "supplement_signed_later",
                f"补充合同签订日期 {signed_on} 晚于今天 {today}",
                f"the supplement's signing date {signed_on} is after today ({today})",
                str(signed_on),
                str(today),
            )
        )
    elif signed_on is None or signed_on < (contract.signed_on or contract.filed_on):
        start = contract.signed_on or contract.filed_on
        errors.append(
            _error(
                "R-GP-3b",
                "signed_on",
                "supplement_signed_on",
                f"补充合同签订日期须不早于原合同日期 {start}",
                f"the supplement is signed on or after the contract ({start})",
                str(signed_on or ""),
                str(start),
            )
        )
    return errors


# --- entry -----------------------------------------------------------------------------------


@transaction.atomic
def change_create(*, actor: Actor, data: ChangeInput) -> ProcurementChange:
    """A draft change of a plan's method or a supplementary contract; every problem at once."""
    errors: list[ErrorDetail] = []
    reason = text_value("R-GP-8", data.reason, "reason", "变更理由", "reason", 500, errors)
    values: dict[str, Any] = {"kind": data.kind, "reason": reason}
    target: ProcurementPlan | Contract | None
    if data.kind == ChangeKind.METHOD:
        ensure_permission(actor, selectors.change_permission(data.kind))
        target = ProcurementPlan.objects.visible_to(actor).filter(pk=data.plan_id or 0).first()
        if target is None:
            raise NotFoundError("procurement plan")
        ss_reason = text_value(
            "R-GP-8",
            data.single_source_reason,
            "single_source_reason",
            "单一来源采购理由",
            "reason for a single source",
            500,
            errors,
            required=False,
        )
        errors += _method_errors(target, data.new_method, ss_reason)
        values.update(
            plan=target,
            old_method=target.method,
            new_method=data.new_method,
            single_source_reason=ss_reason,
        )
        if not errors:
            values["method_exception"] = method_exception(target, data.new_method)
    elif data.kind == ChangeKind.SUPPLEMENT:
        ensure_permission(actor, selectors.change_permission(data.kind))
        target = Contract.objects.visible_to(actor).filter(pk=data.contract_id or 0).first()
        if target is None:
            raise NotFoundError("contract")
        amount = data.amount.fen if data.amount is not None else 0
        errors += _supplement_errors(target, amount, data.indicator_line_id, data.signed_on)
        values.update(
            contract=target,
            amount=amount,
            indicator_line_id=data.indicator_line_id,
            signed_on=data.signed_on,
        )
    else:
        raise BusinessRuleError(
            [
                _error(
                    "R-GP-8",
                    "kind",
                    "change_kind",
                    f"变更类型“{data.kind}”无效",
                    f"unknown kind of change '{data.kind}'",
                    data.kind,
                    list(ChangeKind.values),
                )
            ]
        )
    raise_if_any(errors)
    year = target.fiscal_year
    number = next_number(mof_div_code=target.mof_div_code, fiscal_year=year, series=SERIES)
    change = ProcurementChange.objects.create(
        mof_div_code=target.mof_div_code,
        fiscal_year=year,
        organisation_id=target.organisation_id,
        number=f"BG{year}{number:06d}",
        created_by_id=actor.pk,
        **values,
    )
    audit_record(
        action="procurement.change_create",
        actor=actor,
        obj=change,
        changes={"state": [None, change.state]},
        extra={
            "kind": change.kind,
            "of": target.number,
            "method": [change.old_method, change.new_method] if change.new_method else "",
            "amount": Money(change.amount).format() if change.amount else "",
        },
    )
    return change


# --- the engine's hooks ----------------------------------------------------------------------


def _target(change: ProcurementChange) -> ProcurementPlan | Contract:
    """The plan or contract, locked (the engine has locked the change: change → target)."""
    if change.plan_id is not None:
        return locks.plan_qs_select_for_update().get(pk=change.plan_id)
    assert change.contract_id is not None
    return locks.contract_qs_select_for_update().get(pk=change.contract_id)


def submit_checks(change: ProcurementChange) -> ProcurementPlan | Contract:
    """At submission and again at approval: the plan or contract still takes the change; it is
    returned, locked."""
    target = _target(change)
    if isinstance(target, ProcurementPlan):
        raise_if_any(_method_errors(target, change.new_method, change.single_source_reason))
        exception = method_exception(target, change.new_method)
        if exception != change.method_exception:
            change.method_exception = exception
            change.save(update_fields=["method_exception", "updated_at"])
    else:
        raise_if_any(
            _supplement_errors(
                target, change.amount or 0, change.indicator_line_id, change.signed_on
            )
        )
    return target


def apply_change(actor: Actor, change: ProcurementChange) -> None:
    """Approved: the plan takes the new method, or the contract the supplement (reserved)."""
    target = submit_checks(change)
    if isinstance(target, ProcurementPlan):
        before = target.method
        if change.old_method != before:  # another change was approved meanwhile
            change.old_method = before
            change.save(update_fields=["old_method", "updated_at"])
        target.method = change.new_method
        target.method_exception = change.method_exception
        if change.single_source_reason:
            target.single_source_reason = change.single_source_reason
        target.save(
            update_fields=["method", "method_exception", "single_source_reason", "updated_at"]
        )
        audit_record(
            action="procurement.plan_method_changed",
            actor=actor,
            obj=target,
            changes={"method": [before, target.method]},
            extra={"change": change.number, "reason": change.reason},
        )
    else:
        _supplement(actor, change, target)
    change.approved_on = timezone.localdate()
    change.save(update_fields=["approved_on", "updated_at"])


def _supplement(actor: Actor, change: ProcurementChange, contract: Contract) -> None:
    amount = change.amount or 0
    line_id = change.indicator_line_id
    assert line_id is not None
    line = contract.lines.select_related("indicator_line").get(
        indicator_line_id=change.indicator_line_id
    )
    key = f"{SOURCE_TYPE}:{change.pk}:reserve"
    post(
        "reserve",
        [Op(line_id, amount, row=0)],
        actor_id=actor.pk,
        source_type=SOURCE_TYPE,
        source_id=change.pk,
        source_no=change.number,
        op_key=key,
        rule="R-GP-3b",
    )
    # Under the contract's lock: the line and the contract grow together.
    ContractLine.objects.filter(pk=line.pk).update(
        amount=F("amount") + amount, supplemented=F("supplemented") + amount
    )
    before = contract.amount
    Contract.objects.filter(pk=contract.pk).update(amount=F("amount") + amount)
    contract.refresh_from_db(fields=["amount"])
    node = ""
    if contract.instalments.exists():  # R-GP-10: Σ nodes = contract amount
        row = (contract.instalments.aggregate(m=Max("row"))["m"] or 0) + 1
        node = f"补充合同 {change.number}"
        ContractInstalment.objects.create(
            contract=contract,
            row=row,
            name=node,
            kind=InstalmentKind.ACCEPTANCE,
            amount=amount,
            requires_acceptance=True,
        )
    audit_record(
        action="procurement.contract_supplemented",
        actor=actor,
        obj=contract,
        changes={"amount": [Money(before).format(), Money(contract.amount).format()]},
        extra={"change": change.number, "line": line.indicator_line.code, "node": node},
    )
    CONTRACT_RESERVED.publish_built(
        lambda: contract_reserved(contract, [(line_id, amount)], event_id=key)
    )
