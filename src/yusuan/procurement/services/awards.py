"""采购结果 and 履约验收 (DOMAIN-2 §6.2–6.3, R-GP-3, R-GP-9, R-GP-10; ADR 0052).

- An **award** records the supplier and amount a filed plan's procurement (or one lot of it)
  ended with and the day of the award notice. Σ awards ≤ the plan budget, checked under the
  plan's lock; a contract signed on it is for its supplier and amount (``contracts``).
- An **acceptance** (履约验收) records a contract's milestone as checked by the acceptance
  group: by someone other than who filed the contract or entered its plan (the requester), so
  that the instalment tied to it can be paid (R-GP-10, ``payments.services.checks``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import PayeeKind
from yusuan.core.models import Payee
from yusuan.procurement import locks
from yusuan.procurement.choices import (
    PLAN_OPEN_STATES,
    AcceptanceResult,
    ContractState,
)
from yusuan.procurement.errors import procurement_error, text_value
from yusuan.procurement.models import ContractAcceptance, ProcurementAward


@dataclass(frozen=True)
class AwardInput:
    supplier_id: int | None
    amount: Money
    noticed_on: dt.date | None
    lot: str = ""
    supplier_is_sme: bool = False


def _error(
    field: str, code: str, zh: str, en: str, value: Any = None, limit: Any = None, rule: str = ""
) -> ErrorDetail:
    return procurement_error(rule or "R-GP-9", field, code, zh, en, value, limit)


def _day(day: dt.date | None, field: str, earliest: dt.date, errors: list[ErrorDetail]) -> None:
    """A business date on or after ``earliest`` and not after today."""
    today = timezone.localdate()
    if day is None or not earliest <= day <= today:
        errors.append(
            _error(
                field,
                field,
                f"日期须在 {earliest} 与今天（{today}）之间",
                f"the date must be between {earliest} and today ({today})",
                str(day or ""),
                str(earliest),
            )
        )


@transaction.atomic
def award_record(*, actor: Actor, plan_id: int, data: AwardInput) -> ProcurementAward:
    ensure_permission(actor, "procurement.change_procurementplan")
    plan = locks.plan_qs_select_for_update().visible_to(actor).filter(pk=plan_id).first()
    if plan is None:
        raise NotFoundError("procurement plan")
    if plan.state not in PLAN_OPEN_STATES:
        raise BusinessRuleError(
            [
                _error(
                    "state",
                    "award_plan_state",
                    f"采购计划 {plan.number} 处于“{plan.get_state_display()}”状态，不能登记采购结果",
                    f"plan {plan.number} is {plan.state}: no award is recorded on it",
                    plan.state,
                    "filed|executing",
                )
            ],
            status=409,
        )
    errors: list[ErrorDetail] = []
    supplier = (
        Payee.objects.visible_to(actor)
        .filter(
            pk=data.supplier_id or 0,
            organisation_id=plan.organisation_id,
            kind=PayeeKind.ORGANISATION,
            is_enabled=True,
        )
        .first()
    )
    if supplier is None:
        errors.append(
            _error(
                "supplier",
                "award_supplier",
                "供应商须为本单位已登记且启用的单位收款人",
                "the supplier must be a registered, enabled organisation payee of the unit",
                data.supplier_id,
            )
        )
    fen = data.amount.fen
    awarded = int(plan.awards.aggregate(s=Sum("amount"))["s"] or 0)
    left = plan.amount - awarded
    if not 0 < fen <= left:
        errors.append(
            _error(
                "amount",
                "award_exceeds_plan",
                f"成交金额须大于 0 且不超过计划 {plan.number} 尚未定标的 {Money(left)} 元"
                f"（当前 {data.amount} 元）",
                f"the award must be above 0 and within the {Money(left)} of plan {plan.number} "
                f"not yet awarded ({data.amount} given)",
                data.amount.format(),
                Money(left).format(),
            )
        )
    _day(data.noticed_on, "noticed_on", plan.planned_start, errors)
    lot = text_value("R-GP-9", data.lot, "lot", "包/标段", "lot", 60, errors, required=False)
    raise_if_any(errors)
    assert supplier is not None and data.noticed_on is not None
    award = ProcurementAward.objects.create(
        mof_div_code=plan.mof_div_code,
        fiscal_year=plan.fiscal_year,
        organisation_id=plan.organisation_id,
        plan=plan,
        lot=lot,
        supplier=supplier,
        amount=fen,
        noticed_on=data.noticed_on,
        supplier_is_sme=data.supplier_is_sme,
        created_by_id=actor.pk,
    )
    audit_record(
        action="procurement.award_record",
        actor=actor,
        obj=plan,
        changes={"awarded": [Money(awarded).format(), Money(awarded + fen).format()]},
        extra={
            "supplier": supplier.name,
            "amount": data.amount.format(),
            "noticed_on": str(data.noticed_on),
            "sme": data.supplier_is_sme,
        },
    )
    return award


@dataclass(frozen=True)
class AcceptanceInput:
    instalment_id: int | None
    accepted_on: dt.date | None
    result: str
    members: str
    report: str


@transaction.atomic
def acceptance_record(
    *, actor: Actor, contract_id: int, data: AcceptanceInput
) -> ContractAcceptance:
    """履约验收 of one milestone (R-GP-10), recorded by someone other than the requester."""
    ensure_permission(actor, "procurement.add_contractacceptance")
    contract = (
        locks.contract_qs_select_for_update().visible_to(actor).filter(pk=contract_id).first()
    )
    if contract is None:
        raise NotFoundError("contract")
    requesters = {contract.filed_by_id, contract.plan.created_by_id if contract.plan else None}
    if actor.pk in requesters:
        raise BusinessRuleError(
            [
                _error(
                    "recorded_by",
                    "acceptance_by_requester",
                    f"合同 {contract.number} 的履约验收须由采购申请人（合同备案人、采购计划录入人）"
                    "以外的人员登记",
                    f"contract {contract.number}: the acceptance is recorded by someone other "
                    "than who asked for the purchase (filed the contract or entered its plan)",
                    getattr(actor, "username", ""),
                    rule="R-GP-10",
                )
            ],
            status=403,
        )
    if contract.state != ContractState.FILED:
        raise BusinessRuleError(
            [
                _error(
                    "state",
                    "acceptance_contract_state",
                    f"合同 {contract.number} 状态为“{contract.get_state_display()}”，不能再验收",
                    f"contract {contract.number} is {contract.state}: nothing more is accepted",
                    contract.state,
                    ContractState.FILED.value,
                    rule="R-GP-10",
                )
            ],
            status=409,
        )
    errors: list[ErrorDetail] = []
    instalment = contract.instalments.filter(pk=data.instalment_id or 0).first()
    if instalment is None:
        errors.append(
            _error(
                "instalment",
                "acceptance_milestone",
                f"请选择合同 {contract.number} 付款计划中的节点",
                f"pick a milestone of contract {contract.number}'s payment schedule",
                data.instalment_id,
                rule="R-GP-10",
            )
        )
    elif instalment.acceptances.filter(result=AcceptanceResult.PASSED).exists():
        errors.append(
            _error(
                "instalment",
                "acceptance_done",
                f"节点“{instalment.name}”已验收合格",
                f"milestone '{instalment.name}' is already accepted",
                instalment.name,
                rule="R-GP-10",
            )
        )
    if data.result not in AcceptanceResult.values:
        errors.append(
            _error(
                "result",
                "acceptance_result",
                "验收结论须为合格或不合格",
                "the result is passed or failed",
                data.result,
                list(AcceptanceResult.values),
                rule="R-GP-10",
            )
        )
    _day(data.accepted_on, "accepted_on", contract.signed_on or contract.filed_on, errors)
    members = text_value(
        "R-GP-10", data.members, "members", "验收小组成员", "acceptance group", 300, errors
    )
    report = text_value(
        "R-GP-10", data.report, "report", "验收意见", "acceptance report", 2000, errors
    )
    raise_if_any(errors)
    assert instalment is not None and data.accepted_on is not None
    acceptance = ContractAcceptance.objects.create(
        mof_div_code=contract.mof_div_code,
        contract=contract,
        instalment=instalment,
        accepted_on=data.accepted_on,
        result=data.result,
        members=members,
        report=report,
        recorded_by_id=actor.pk,
    )
    audit_record(
        action="procurement.acceptance_record",
        actor=actor,
        obj=contract,
        extra={
            "milestone": instalment.name,
            "result": data.result,
            "accepted_on": str(data.accepted_on),
        },
    )
    return acceptance
