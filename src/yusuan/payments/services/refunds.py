"""Refunds of paid payment lines (退回, DOMAIN §2.11, R-RF-1…3, P9).

A refund names one original line — one employee inside a salary batch is one line — and takes
part or all of what is left of it: ``PaymentLine.refunded`` grows by a conditional update
(``refunded + x <= amount``), so two registrations cannot refund the same yuan twice. Another
person confirms it (R-WF-1): a same-year refund restores the indicator line (paid → available,
R-RF-2); a refund in a later year does not, the money goes back to the treasury (R-RF-3).
A bank return (退票) is matched to its line by voucher number and payee account (R-RF-1b).
"""

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
from yusuan.core.services.sequences import next_number
from yusuan.indicators.services.ledger import Op, apply
from yusuan.payments import locks
from yusuan.payments.agent_banks import refuse_other_bank
from yusuan.payments.choices import LineState, RefundKind, RefundReason, RefundState
from yusuan.payments.events import (
    REFUND_CONFIRMED,
    REFUND_REGISTERED,
    refund_confirmed,
    refund_registered,
)
from yusuan.payments.models import PaymentLine, PaymentRequest, Refund
from yusuan.payments.services.second_person import locked_for_confirmation
from yusuan.procurement.models import Contract
from yusuan.procurement.services.reservations import commit_instalment, give_back


def _paid_line(actor: Actor, line_id: int) -> PaymentLine:
    line = (
        PaymentLine.objects.filter(
            pk=line_id,
            request__in=PaymentRequest.objects.visible_to(actor).values("pk"),
        )
        .select_related("request", "indicator_line", "request__voucher")
        .first()
    )
    if line is None:
        raise NotFoundError("payment line")
    return line


@transaction.atomic
def refund_register(
    *,
    actor: Actor,
    line_id: int,
    amount: Money,
    kind: str,
    reason: str,
    refund_date: dt.date,
    bank_receipt_no: str = "",
) -> Refund:
    ensure_permission(actor, "payments.add_refund")
    return _register(
        actor,
        _paid_line(actor, line_id),
        amount=amount,
        kind=kind,
        reason=reason,
        refund_date=refund_date,
        bank_receipt_no=bank_receipt_no,
    )


def _register(
    actor: Actor,
    line: PaymentLine,
    *,
    amount: Money,
    kind: str,
    reason: str,
    refund_date: dt.date,
    bank_receipt_no: str,
) -> Refund:
    label = f"{line.request.voucher.number}-{line.row + 1}"
    if line.state != LineState.PAID:
        raise BusinessRuleError.single(
            code="payments.refund_unpaid",
            rule="R-RF-1",
            field="line",
            value=label,
            message_zh=f"支付明细 {label} 尚未支付成功，不能退回",
            message_en=f"payment line {label} was not paid; nothing to refund",
        )
    if kind not in RefundKind.values or reason not in RefundReason.values:
        raise BusinessRuleError.single(
            code="payments.refund_kind",
            field="kind" if kind not in RefundKind.values else "reason",
            value=kind if kind not in RefundKind.values else reason,
            message_zh="退回类型或原因无效",
            message_en="unknown refund kind or reason",
        )
    if amount.fen <= 0 or not PaymentLine.objects.filter(
        pk=line.pk, refunded__lte=F("amount") - amount.fen
    ).update(refunded=F("refunded") + amount.fen):
        line.refresh_from_db(fields=["refunded"])
        left = Money(line.amount - line.refunded)
        raise BusinessRuleError.single(
            code="payments.refund_exceeds",
            rule="R-RF-1",
            field="amount",
            value=amount.format(),
            limit=left.format(),
            message_zh=(
                f"支付明细 {label}（{line.payee_name}）可退回 {left} 元，本次 {amount} 元超出"
            ),
            message_en=f"payment line {label} ({line.payee_name}) has {left} left to refund",
        )
    sequence = next_number(
        mof_div_code=line.request.mof_div_code, fiscal_year=refund_date.year, series="refund"
    )
    refund = Refund.objects.create(
        mof_div_code=line.request.mof_div_code,
        number=f"TH{refund_date.year}{sequence:06d}",
        line=line,
        kind=kind,
        reason=reason,
        amount=amount.fen,
        refund_date=refund_date,
        bank_receipt_no=bank_receipt_no.strip(),
        same_year=refund_date.year == line.request.fiscal_year,
        registered_by_id=actor.pk,
    )
    audit_record(
        action="payments.refund_register",
        actor=actor,
        obj=refund,
        changes={"state": [None, RefundState.REGISTERED]},
        extra={"line": label, "amount": amount.format(), "kind": kind},
    )
    REFUND_REGISTERED.publish_built(lambda: refund_registered(refund))
    return refund


@transaction.atomic
def bank_return_register(
    *,
    actor: Actor,
    voucher_number: str,
    payee_account_no: str,
    amount: Money,
    refund_date: dt.date,
    bank_receipt_no: str,
) -> Refund:
    """R-RF-1b: the bank's 退票 names the voucher and the payee account; the line is found from
    them (and the amount, when one account appears on several lines of the voucher). Registered
    by the agent bank's system account or the treasury; the unit confirms it."""
    if not actor.has_perm("payments.add_refund"):
        ensure_permission(actor, "payments.record_bank_result")
    candidates = list(
        PaymentLine.objects.filter(
            request__voucher__number=voucher_number,
            payee_account_no=payee_account_no,
            request__mof_div_code__in=actor.scope.mof_div_codes,
            state=LineState.PAID,
        ).select_related(
            "request", "indicator_line", "request__voucher", "request__payer_account__agent_bank"
        )
    )
    if len(candidates) > 1:
        candidates = [c for c in candidates if c.amount - c.refunded == amount.fen] or candidates
    if len(candidates) != 1:
        raise BusinessRuleError.single(
            code="payments.return_unmatched",
            rule="R-RF-1b",
            field="payee_account_no",
            value=f"{voucher_number} {payee_account_no}",
            message_zh=(
                f"退票未能匹配到原支付明细（凭证 {voucher_number}，账号 {payee_account_no}，"
                f"{len(candidates)} 条候选），请人工匹配"
            ),
            message_en=(
                f"the bank return matches {len(candidates)} lines of voucher {voucher_number} "
                f"for account {payee_account_no}; match it by hand"
            ),
        )
    refuse_other_bank(
        actor,
        candidates[0].request.payer_account,
        field="voucher_number",
        what_zh=f"退票（凭证 {voucher_number}）",
        what_en=f"bank returns (voucher {voucher_number})",
    )
    return _register(
        actor,
        candidates[0],
        amount=amount,
        kind=RefundKind.BANK_RETURN,
        reason=RefundReason.WRONG_ACCOUNT,
        refund_date=refund_date,
        bank_receipt_no=bank_receipt_no,
    )


def restore_ops(line: PaymentLine, amount: int) -> list[Op]:
    """Which indicator lines a same-year refund gives back to: the line's charges, last first,
    each up to what it has not yet had back (R-RF-2). The payment line is locked by the caller,
    so the charges are read and written under that lock."""
    ops: list[Op] = []
    left = amount
    for charge in locks.line_charges_select_for_update(line):
        take = min(left, charge.amount - charge.restored)
        if take <= 0:
            continue
        charge.restored += take
        charge.save(update_fields=["restored"])
        ops.append(Op(charge.indicator_line_id, take, row=line.row))
        left -= take
        if not left:
            break
    if left:
        raise ValueError(f"payment line {line.pk}: {left} fen of the refund has no charge left")
    return ops


@dataclass(frozen=True)
class ReturnInput:
    voucher_number: str
    payee_account_no: str
    amount: Money
    refund_date: dt.date
    bank_receipt_no: str


@transaction.atomic
def bank_returns_register(*, actor: Actor, items: Sequence[ReturnInput]) -> list[Refund]:
    """A bank's batch of returns, all or nothing: every return that does not match its line is
    reported by position (``returns[i]``) and none is registered."""
    registered: list[Refund] = []
    errors: list[ErrorDetail] = []
    for index, item in enumerate(items):
        try:
            with transaction.atomic():
                registered.append(
                    bank_return_register(
                        actor=actor,
                        voucher_number=item.voucher_number,
                        payee_account_no=item.payee_account_no,
                        amount=item.amount,
                        refund_date=item.refund_date,
                        bank_receipt_no=item.bank_receipt_no,
                    )
                )
        except BusinessRuleError as exc:
            errors.extend(
                replace(e, field=f"returns[{index}].{e.field or ''}", row=index) for e in exc.errors
            )
    raise_if_any(errors)
    return registered


@transaction.atomic
def refund_confirm(*, actor: Actor, refund_id: int) -> Refund:
    ensure_permission(actor, "payments.change_refund")
    refund: Refund = locked_for_confirmation(
        actor, locks.refund_qs_select_for_update(), refund_id, code="refund", zh="退回", en="refund"
    )
    line = locks.line_qs_select_for_update().select_related("request").get(pk=refund.line_id)
    restored: list[Op] = []
    if refund.same_year:
        # R-RF-2: the indicator is available again; the unit may pay from it.
        restored = restore_ops(line, refund.amount)
        contract_id = line.request.contract_id
        if contract_id is not None:
            # R-GP-9: money paid on a contract goes back to its reservation while it is open
            # (after closing, to available, as R-RF-2 says); the contract may pay it again.
            amounts: dict[int, int] = {}
            for op in restored:
                amounts[op.line_id] = amounts.get(op.line_id, 0) + op.amount
            back = give_back(contract_id=contract_id, amounts=amounts)
            restored = [
                replace(o, operation="restore_reserved") if o.line_id in back else o
                for o in restored
            ]
            if line.is_gov_pur:
                Contract.objects.filter(pk=contract_id, committed__gte=refund.amount).update(
                    committed=F("committed") - refund.amount
                )
                # R-GP-10: the refunded money may be paid on its schedule node again.
                commit_instalment(instalment_id=line.request.instalment_id, fen=-refund.amount)
        apply(
            "restore",
            restored,
            actor_id=actor.pk,
            source_type="payments.refund",
            source_id=str(refund.pk),
            source_no=refund.number,
            op_key=f"payments.refund:{refund.pk}",
        )
        state = RefundState.RESTORED
    else:
        state = RefundState.TO_TREASURY  # R-RF-3: carry-over or surplus handling decides
    refund.confirmed_by_id = actor.pk
    refund.save(update_fields=["confirmed_by", "updated_at"])
    state_change(
        action="payments.refund_state", actor=actor, obj=refund, state=state, why="confirmed"
    )
    REFUND_CONFIRMED.publish_built(
        lambda: refund_confirmed(
            refund,
            [(o.line_id, o.amount) for o in restored],
            [(o.line_id, o.amount) for o in restored if o.operation],
        )
    )
    return refund
