"""The minimal contract registry of the double control (合同备案, R-PY-3, R-GP-4): a filed
procurement contract names its supplier, its amount and the procurement indicator lines it is
paid from; payments on those lines must cite it, go to its supplier and stay within it. The
procurement issue extends this (plans, award notices, R-GP-1…3).

R-GP-9 (DOMAIN-2 §6.3, ADR 0032): filing reserves the contract's amount on its lines — one
ledger posting (available → reserved, a conditional UPDATE per line) in the transaction that
creates the contract and writes its audit record, so two contracts cannot claim the same yuan;
closing it (completed or terminated) gives back what its payments did not take.

ADR 0052: a contract filed under a plan (采购实施计划) takes its shares from what the plan holds
(the plan's lines' ``consumed``, under the plan's lock) instead; the indicator's ``reserved``
bucket does not move. Closing it gives the rest back to the plan while the plan is open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import F

from yusuan.audit.services import audit_record, state_change
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import PayeeKind
from yusuan.core.models import Payee
from yusuan.core.selectors import acting_organisation
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.services.ledger import Op, apply, insufficient
from yusuan.procurement import locks
from yusuan.procurement.choices import PLAN_OPEN_STATES, ContractState, PlanState
from yusuan.procurement.events import (
    CONTRACT_RELEASED,
    CONTRACT_RESERVED,
    contract_released,
    contract_reserved,
)
from yusuan.procurement.models import (
    Contract,
    ContractInstalment,
    ContractLine,
    ProcurementPlan,
    ProcurementPlanLine,
)
from yusuan.procurement.services.contract_terms import (
    InstalmentInput,
    award_of,
    contract_error,
    date_errors,
    schedule_of,
)
from yusuan.procurement.services.posting import post

SOURCE_TYPE = "procurement.contract"


@dataclass(frozen=True)
class ContractLineInput:
    """R-GP-9: the share of the contract paid from (and reserved on) one indicator line."""

    indicator_line_id: int | None
    amount: Money


@dataclass(frozen=True)
class ContractInput:
    """``lines`` names each indicator line and its share (Σ = amount, R-GP-9); a contract paid
    from one line may name it in ``indicator_line_ids`` alone: it reserves the whole amount."""

    number: str
    title: str
    supplier_id: int | None
    amount: Money
    indicator_line_ids: Sequence[int]
    filed_on: dt.date
    organisation_id: int | None = None
    lines: Sequence[ContractLineInput] = ()
    # ADR 0052: filed under a plan, the contract takes its shares from the plan's reservation;
    # signed on an award, its supplier and amount are the award's (R-GP-9), its plan the award's.
    plan_id: int | None = None
    award_id: int | None = None
    signed_on: dt.date | None = None
    published_on: dt.date | None = None
    instalments: Sequence[InstalmentInput] = ()

    def shares(self) -> list[tuple[int | None, int]]:
        """(indicator line id, fen) per row; a bare list of several lines has no shares (0)."""
        if self.lines:
            return [(x.indicator_line_id, x.amount.fen) for x in self.lines]
        ids = list(self.indicator_line_ids)
        if len(ids) == 1:
            return [(ids[0], self.amount.fen)]
        return [(pk, 0) for pk in ids]


@transaction.atomic
def contract_file(*, actor: Actor, data: ContractInput, fiscal_year: int) -> Contract:
    ensure_permission(actor, "procurement.add_contract")
    organisation = acting_organisation(actor=actor, organisation_id=data.organisation_id)
    errors: list[ErrorDetail] = []
    number = data.number.strip()
    if not number:
        errors.append(
            contract_error("number", "contracts.number_required", "合同编号不能为空", "number")
        )
    elif Contract.objects.filter(mof_div_code=organisation.mof_div_code, number=number).exists():
        errors.append(
            contract_error(
                "number",
                "contracts.number_taken",
                f"合同编号 {number} 已备案",
                f"contract {number} is already filed",
                number,
            )  # fmt: skip
        )
    if not data.title.strip():
        errors.append(
            contract_error("title", "contracts.title_required", "合同名称不能为空", "title")
        )
    supplier = (
        Payee.objects.visible_to(actor)
        .filter(pk=data.supplier_id or 0, kind=PayeeKind.ORGANISATION, is_enabled=True)
        .first()
    )
    if supplier is None:
        errors.append(
            contract_error(
                "supplier",
                "contracts.supplier",
                "供应商须为已登记且启用的单位收款人",
                "the supplier must be a registered, enabled organisation payee",
                data.supplier_id,
            )  # fmt: skip
        )
    if data.amount.fen <= 0:
        errors.append(
            contract_error(
                "amount",
                "contracts.amount",
                f"合同金额须大于 0（当前 {data.amount} 元）",
                "the amount must be above 0",
                data.amount.format(),
            )  # fmt: skip
        )
    award = award_of(actor, data, organisation.pk, supplier, errors)
    if award is not None:
        data = replace(data, plan_id=award.plan_id)
    plan = _plan(actor, data, organisation.pk, fiscal_year, errors)
    plan_lines = (
        {x.indicator_line_id: x for x in plan.lines.order_by("pk")} if plan is not None else None
    )
    lines = _line_errors(actor, data, organisation.pk, fiscal_year, errors, plan_lines)
    if data.filed_on.year != fiscal_year:
        errors.append(
            contract_error(
                "filed_on",
                "contracts.filed_on",
                f"备案日期须在 {fiscal_year} 年度内",
                f"the filing date must be in {fiscal_year}",
                str(data.filed_on),
            )  # fmt: skip
        )
    date_errors(data, award, errors)
    schedule = schedule_of(data, errors)
    raise_if_any(errors)
    assert supplier is not None  # no error means it was found
    contract = Contract.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        organisation=organisation,
        number=number,
        title=data.title.strip(),
        supplier=supplier,
        amount=data.amount.fen,
        filed_on=data.filed_on,
        plan=plan,
        award=award,
        signed_on=data.signed_on,
        published_on=data.published_on,
        filed_by_id=actor.pk,
    )
    ContractInstalment.objects.bulk_create(
        ContractInstalment(contract=contract, row=row, **values)
        for row, values in enumerate(schedule)
    )
    contract.indicator_lines.set([line for line, _ in lines])
    ContractLine.objects.bulk_create(
        ContractLine(
            contract=contract,
            row=row,
            indicator_line=line,
            amount=fen,
            plan_line=plan_lines[line.pk] if plan_lines is not None else None,
        )
        for row, (line, fen) in enumerate(lines)
    )
    if plan is not None and plan_lines is not None:
        _take_from_plan(actor, plan, plan_lines, lines)
    else:
        _reserve(
            actor, contract, [Op(line.pk, fen, row=row) for row, (line, fen) in enumerate(lines)]
        )
    audit_record(
        action="payments.contract_file",
        actor=actor,
        obj=contract,
        changes={"amount": [None, data.amount.format()], "state": [None, contract.state]},
        extra={
            "supplier": supplier.name,
            "plan": plan.number if plan is not None else "",
            "schedule": [
                [x["name"], Money(x["amount"]).format(), x["requires_acceptance"]] for x in schedule
            ],
            "lines": [x.code for x, _ in lines],
            "reserved": {x.code: Money(fen).format() for x, fen in lines},
        },
    )
    return contract


def _plan(
    actor: Actor,
    data: ContractInput,
    organisation_id: int,
    fiscal_year: int,
    errors: list[ErrorDetail],
) -> ProcurementPlan | None:
    """The filed plan the contract is filed under, locked (its lines are about to give the
    contract its share), or None."""
    if data.plan_id is None:
        return None
    plan = locks.plan_qs_select_for_update().visible_to(actor).filter(pk=data.plan_id).first()
    if plan is None or plan.organisation_id != organisation_id or plan.fiscal_year != fiscal_year:
        errors.append(
            replace(
                contract_error(
                    "plan",
                    "contracts.plan",
                    "所引采购计划须为本单位本年度的计划",
                    "the plan must be one of this unit and year",
                    data.plan_id,
                ),
                rule="R-GP-9",
            )
        )
        return None
    if plan.state not in PLAN_OPEN_STATES:
        errors.append(
            replace(
                contract_error(
                    "plan",
                    "contracts.plan_not_open",
                    f"采购计划 {plan.number} 处于“{plan.get_state_display()}”状态，不能据以签订合同",
                    f"plan {plan.number} is {plan.state}: it takes no contract",
                    plan.number,
                ),
                rule="R-GP-9",
                limit="filed|executing",
            )
        )
        return None
    return plan


def _take_from_plan(
    actor: Actor,
    plan: ProcurementPlan,
    plan_lines: dict[int, ProcurementPlanLine],
    lines: list[tuple[IndicatorLine, int]],
) -> None:
    """R-GP-9, ADR 0052: the contract's shares come out of what the plan still holds on each
    line (a conditional update each, under the plan's lock); the indicator's ``reserved``
    bucket does not move. The plan is executing from its first contract."""
    errors: list[ErrorDetail] = []
    for row, (line, fen) in enumerate(lines):
        taken = plan_lines[line.pk]
        if not ProcurementPlanLine.objects.filter(
            pk=taken.pk, amount__gte=F("consumed") + F("released") + fen
        ).update(consumed=F("consumed") + fen):
            errors.append(_plan_exceeded(plan, taken, line, fen, row))
    raise_if_any(errors)
    if plan.state == PlanState.FILED:
        state_change(
            action="procurement.plan_state",
            actor=actor,
            obj=plan,
            state=PlanState.EXECUTING,
            why="contract filed",
        )


def _plan_exceeded(
    plan: ProcurementPlan, taken: ProcurementPlanLine, line: IndicatorLine, fen: int, row: int
) -> ErrorDetail:
    left = Money(taken.remaining)
    return ErrorDetail(
        code="contracts.plan_exceeded",
        rule="R-GP-9",
        field=f"lines[{row}].amount",
        row=row,
        value=Money(fen).format(),
        limit=left.format(),
        message_zh=(
            f"第 {row + 1} 行：采购计划 {plan.number} 在指标 {line.code} 上尚余 {left} 元，"
            f"合同需 {Money(fen)} 元"
        ),
        message_en=(
            f"row {row + 1}: plan {plan.number} has {left} left on {line.code}; "
            f"the contract needs {Money(fen)}"
        ),
    )


def _line_errors(
    actor: Actor,
    data: ContractInput,
    organisation_id: int,
    fiscal_year: int,
    errors: list[ErrorDetail],
    plan_lines: dict[int, ProcurementPlanLine] | None = None,
) -> list[tuple[IndicatorLine, int]]:
    """The lines and shares asked for, each checked; R-GP-9: Σ shares = the contract amount,
    each share within the line's available money (the ledger checks it again, atomically), or
    under a plan: a line of the plan, within what the plan still holds on it."""
    shares = data.shares()
    found = IndicatorLine.objects.visible_to(actor).in_bulk(
        [pk for pk, _ in shares if pk is not None]
    )
    named = bool(data.lines)
    picked: list[tuple[IndicatorLine, int]] = []
    seen: set[int] = set()
    for row, (pk, fen) in enumerate(shares):
        line_field = f"lines[{row}].indicator_line" if named else "indicator_lines"
        line = found.get(pk or 0)
        if (
            line is None
            or line.organisation_id != organisation_id
            or line.fiscal_year != fiscal_year
        ):
            errors.append(
                contract_error(
                    line_field,
                    "contracts.lines",
                    "请选择本单位本年度的指标",
                    "pick indicator lines of this unit and year",
                    pk,
                )  # fmt: skip
            )
            continue
        if line.kind != LineKind.EXECUTABLE or not line.is_gov_pur:
            errors.append(
                contract_error(
                    line_field,
                    "contracts.not_procurement",
                    f"指标 {line.code} 不是可执行的政府采购指标",
                    f"{line.code} is not an executable procurement line",
                    line.code,
                )  # fmt: skip
            )
            continue
        if line.pk in seen:
            errors.append(
                contract_error(
                    line_field,
                    "contracts.line_twice",
                    f"指标 {line.code} 重复列出",
                    f"{line.code} is named twice",
                    line.code,
                )  # fmt: skip
            )
            continue
        seen.add(line.pk)
        picked.append((line, fen))
        if named and fen <= 0:
            errors.append(
                replace(
                    contract_error(
                        f"lines[{row}].amount",
                        "contracts.line_amount",
                        f"第 {row + 1} 行：金额须大于 0（当前 {Money(fen)} 元）",
                        f"row {row + 1}: the amount must be above 0",
                        Money(fen).format(),
                    ),
                    rule="R-GP-9",
                    row=row,
                )
            )
        elif plan_lines is not None:
            taken = plan_lines.get(line.pk)
            if taken is None:
                errors.append(
                    replace(
                        contract_error(
                            line_field,
                            "contracts.not_in_plan",
                            f"指标 {line.code} 不在所引采购计划内",
                            f"{line.code} is not a line of the plan",
                            line.code,
                        ),
                        rule="R-GP-9",
                        row=row,
                    )
                )
            elif fen > taken.remaining:
                errors.append(_plan_exceeded(taken.plan, taken, line, fen, row))
        elif fen > line.available:
            errors.append(
                insufficient(
                    line, "available", fen, rule="R-GP-9", field=f"lines[{row}].amount", row=row
                )
            )
    if not shares:
        errors.append(
            contract_error(
                "indicator_lines",
                "contracts.lines",
                "请选择本单位本年度的指标",
                "pick indicator lines of this unit and year",
            )  # fmt: skip
        )
    elif not named and len(shares) > 1:
        errors.append(
            replace(
                contract_error(
                    "lines",
                    "contracts.line_amounts_required",
                    "合同由多条指标支付时，须列明每条指标的金额",
                    "a contract paid from several lines names each line's amount",
                ),
                rule="R-GP-9",
            )
        )
    elif named and sum(fen for _, fen in shares) != data.amount.fen:
        total = Money(sum(fen for _, fen in shares))
        errors.append(
            replace(
                contract_error(
                    "lines",
                    "contracts.lines_sum",
                    f"各指标金额合计 {total} 元，须等于合同金额 {data.amount} 元",
                    f"the lines add up to {total}; they must equal the contract amount {data.amount}",
                    total.format(),
                ),
                rule="R-GP-9",
                limit=data.amount.format(),
            )
        )
    return picked


def _reserve(actor: Actor, contract: Contract, ops: list[Op]) -> None:
    """R-GP-9: available → reserved on every line, all or none. A concurrent contract that took
    the money first leaves this one the ledger's refusal, named by the row it failed on."""
    key = f"{SOURCE_TYPE}:{contract.pk}:reserve"
    posted = post(
        "reserve",
        ops,
        actor_id=actor.pk,
        source_type=SOURCE_TYPE,
        source_id=contract.pk,
        source_no=contract.number,
        op_key=key,
    )
    if posted:
        CONTRACT_RESERVED.publish_built(
            lambda: contract_reserved(contract, [(o.line_id, o.amount) for o in ops], event_id=key)
        )


CLOSING_STATES = (ContractState.COMPLETED, ContractState.TERMINATED)


@transaction.atomic
def contract_close(
    *, actor: Actor, contract_id: int, state: str, closed_on: dt.date, reason: str = ""
) -> Contract:
    """R-GP-9: a contract completed (履约完毕) or terminated (解除/终止) gives its remaining
    reservation back to the lines' available money, in the transaction that closes it.

    Payments still in flight keep what they froze; if one fails or comes back later, its money
    goes to available, not to the closed contract (``reservations.give_back``)."""
    ensure_permission(actor, "procurement.change_contract")
    contract = (
        locks.contract_qs_select_for_update().visible_to(actor).filter(pk=contract_id).first()
    )
    if contract is None:
        raise NotFoundError("contract")
    if contract.state != ContractState.FILED:
        raise BusinessRuleError.single(
            code="contracts.closed",
            rule="R-GP-9",
            field="state",
            value=contract.state,
            limit=ContractState.FILED.value,
            message_zh=f"合同 {contract.number} 状态为“{contract.get_state_display()}”，不能再次关闭",
            message_en=f"contract {contract.number} is already {contract.state}",
        )
    if state not in CLOSING_STATES:
        raise BusinessRuleError.single(
            code="contracts.bad_state",
            rule="R-GP-9",
            field="state",
            value=state,
            limit=[x.value for x in CLOSING_STATES],
            message_zh="关闭方式须为履约完毕或终止",
            message_en="close as completed or terminated",
        )
    if closed_on < contract.filed_on:
        raise BusinessRuleError.single(
            code="contracts.closed_before_filing",
            rule="R-GP-9",
            field="closed_on",
            value=str(closed_on),
            limit=str(contract.filed_on),
            message_zh=f"关闭日期不能早于备案日期 {contract.filed_on}",
            message_en=f"the contract cannot close before it was filed ({contract.filed_on})",
        )
    # ADR 0052: under a plan still open, what is left goes back to the plan (its lines'
    # ``consumed``), which keeps it reserved; otherwise to the indicator's available money.
    plan = (
        locks.plan_qs_select_for_update().filter(pk=contract.plan_id).first()
        if contract.plan_id
        else None
    )
    to_plan = plan is not None and plan.state in PLAN_OPEN_STATES
    ops: list[Op] = []
    released: dict[str, str] = {}
    for line in contract.lines.select_related("indicator_line").order_by("pk"):
        left = line.remaining
        if left <= 0:
            continue
        # Under the contract's lock: nothing else moves this line's figures meanwhile.
        ContractLine.objects.filter(pk=line.pk).update(released=F("released") + left)
        released[line.indicator_line.code] = Money(left).format()
        # R-GP-3b: supplements reserved from available and go back there. Payments count as
        # taken from the plan's share first, so what is left is the supplements' part first.
        plan_line_id = line.plan_line_id if to_plan else None
        to_available = min(left, line.supplemented) if plan_line_id else left
        if plan_line_id and left > to_available:
            back = left - to_available
            if not ProcurementPlanLine.objects.filter(pk=plan_line_id, consumed__gte=back).update(
                consumed=F("consumed") - back
            ):
                raise ValueError(f"plan line {plan_line_id}: {back} fen back, not taken")
        if to_available:
            ops.append(Op(line.indicator_line_id, to_available, row=line.row))
    key = f"{SOURCE_TYPE}:{contract.pk}:release"
    posted = bool(ops) and apply(
        "unreserve",
        ops,
        actor_id=actor.pk,
        source_type=SOURCE_TYPE,
        source_id=str(contract.pk),
        source_no=contract.number,
        op_key=key,
    )
    before = contract.state
    contract.state = state
    contract.closed_on = closed_on
    contract.save(update_fields=["state", "closed_on", "updated_at"])
    # One record for the state and the release: it seals the unreserve movements (ADR 0017).
    audit_record(
        action="procurement.contract_state",
        actor=actor,
        obj=contract,
        changes={"state": [before, state]},
        extra={
            "by": reason.strip()[:200] or state,
            "released": released,
            "to_plan": plan.number if to_plan and plan is not None else "",
        },
    )
    if posted:
        CONTRACT_RELEASED.publish_built(
            lambda: contract_released(contract, [(o.line_id, o.amount) for o in ops], event_id=key)
        )
    return contract
