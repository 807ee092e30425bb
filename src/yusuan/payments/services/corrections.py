"""Corrections of paid lines (更正, R-RF-5): part of what a line paid is charged to another
indicator line of the same unit instead — the wrong functional or economic class, the wrong
project — without any money moving at the bank.

Registered by the unit and posted by another person (R-WF-1): the posting moves the amount
from paid back to available on the old indicator line and from available to paid on the new
one (CORRECT_OUT / CORRECT_IN, one ledger posting), and moves the payment line's charge with
it, so a later refund of the line restores the line that bears the money now.
"""

from __future__ import annotations

from django.db import transaction

from yusuan.audit.services import audit_record, state_change
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.services.sequences import next_number
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.services.ledger import correct, insufficient
from yusuan.payments import locks
from yusuan.payments.choices import CorrectionState, LineState
from yusuan.payments.events import CORRECTION_POSTED, correction_posted
from yusuan.payments.models import Correction, PaymentCharge, PaymentLine, PaymentRequest
from yusuan.payments.services.second_person import locked_for_confirmation


def _error(
    code: str,
    field: str,
    zh: str,
    en: str,
    *,
    rule: str = "R-RF-5",
    value: object = None,
    limit: object = None,
) -> ErrorDetail:
    return ErrorDetail(
        code=code, field=field, message_zh=zh, message_en=en, rule=rule, value=value, limit=limit
    )


def _checks(
    line: PaymentLine, charge: PaymentCharge | None, target: IndicatorLine | None, amount: Money
) -> list[ErrorDetail]:
    label = f"{line.request.voucher.number}-{line.row + 1}"
    errors: list[ErrorDetail] = []
    if line.state != LineState.PAID:
        errors.append(
            _error(
                "payments.correction_unpaid",
                "line",
                f"支付明细 {label} 尚未支付成功，不能更正",
                f"payment line {label} was not paid; nothing to correct",
                value=label,
            )
        )
    if charge is None:
        errors.append(
            _error(
                "payments.correction_from",
                "from_line",
                f"支付明细 {label} 未使用该指标",
                f"payment line {label} is not charged to that indicator",
            )
        )
    if (
        target is None
        or target.organisation_id != line.request.organisation_id
        or target.fiscal_year != line.request.fiscal_year
        or target.kind != LineKind.EXECUTABLE
    ):
        errors.append(
            _error(
                "payments.correction_target",
                "to_line",
                "更正后的指标须为同一单位本年度的可执行指标",
                "the new indicator must be an executable line of the same unit and year",
                value=target.code if target else None,
            )
        )
        return errors
    if charge is not None and charge.indicator_line_id == target.pk:
        errors.append(
            _error(
                "payments.correction_same_line",
                "to_line",
                f"更正前后是同一指标 {target.code}",
                f"the line is already charged to {target.code}",
                value=target.code,
            )
        )
    if target.is_sal != line.is_sal:
        errors.append(
            _error(
                "payments.correction_salary",
                "to_line",
                "工资支付只能更正到工资指标，其他支付不能更正到工资指标",
                "salary payments are corrected to salary lines only, and others never to them",
                value=target.code,
                rule="R-PY-4",
            )
        )
    if target.is_gov_pur and not line.is_gov_pur:
        errors.append(
            _error(
                "payments.correction_procurement",
                "to_line",
                f"指标 {target.code} 为政府采购指标，须凭合同支付，不能更正转入",
                f"{target.code} is a procurement line: paid against a contract, not by correction",
                value=target.code,
            )
        )
    left = min(
        line.amount - line.refunded,
        charge.amount - charge.restored if charge is not None else 0,
    )
    if amount.fen <= 0 or amount.fen > left:
        errors.append(
            _error(
                "payments.correction_exceeds",
                "amount",
                f"支付明细 {label} 在该指标上可更正 {Money(left)} 元，本次 {amount} 元",
                f"payment line {label} has {Money(left)} on that indicator to correct",
                value=amount.format(),
                limit=Money(left).format(),
            )
        )
    elif amount.fen > target.available:
        errors.append(
            insufficient(target, "available", amount.fen, rule="R-RF-5", field="to_line", row=None)
        )
    return errors


def _line(actor: Actor, line_id: int, *, lock: bool) -> PaymentLine:
    base = locks.line_qs_select_for_update() if lock else PaymentLine.objects
    lines = base.filter(
        pk=line_id, request__in=PaymentRequest.objects.visible_to(actor).values("pk")
    )
    line = lines.select_related("request", "request__voucher").first()
    if line is None:
        raise NotFoundError("payment line")
    return line


def _charge(line: PaymentLine, from_line_id: int | None) -> PaymentCharge | None:
    charges = list(line.charges.all())
    if from_line_id is None and len(charges) == 1:
        return charges[0]
    return next((c for c in charges if c.indicator_line_id == from_line_id), None)


@transaction.atomic
def correction_register(
    *,
    actor: Actor,
    line_id: int,
    to_line_id: int,
    amount: Money,
    reason: str,
    from_line_id: int | None = None,
) -> Correction:
    ensure_permission(actor, "payments.add_correction")
    line = _line(actor, line_id, lock=False)
    charge = _charge(line, from_line_id)
    target = IndicatorLine.objects.visible_to(actor).filter(pk=to_line_id).first()
    errors = _checks(line, charge, target, amount)
    if not reason.strip():
        errors.append(
            _error("payments.correction_reason", "reason", "请写明更正原因", "give the reason")
        )
    raise_if_any(errors)
    assert charge is not None and target is not None
    request = line.request
    sequence = next_number(
        mof_div_code=request.mof_div_code, fiscal_year=request.fiscal_year, series="correction"
    )
    correction = Correction.objects.create(
        mof_div_code=request.mof_div_code,
        number=f"GZ{request.fiscal_year}{sequence:06d}",
        line=line,
        from_line_id=charge.indicator_line_id,
        to_line=target,
        amount=amount.fen,
        reason=reason.strip(),
        registered_by_id=actor.pk,
    )
    audit_record(
        action="payments.correction_register",
        actor=actor,
        obj=correction,
        changes={"state": [None, CorrectionState.REGISTERED]},
        extra={"line": line.pk, "to": target.code, "amount": amount.format()},
    )
    return correction


@transaction.atomic
def correction_post(*, actor: Actor, correction_id: int) -> Correction:
    ensure_permission(actor, "payments.change_correction")
    correction: Correction = locked_for_confirmation(
        actor,
        locks.correction_qs_select_for_update(),
        correction_id,
        code="correction",
        zh="更正",
        en="correction",
    )
    # The payment line is locked: its charges change only under that lock.
    line = _line(actor, correction.line_id, lock=True)
    charge = _charge(line, correction.from_line_id)
    target = IndicatorLine.objects.filter(pk=correction.to_line_id).first()
    amount = Money(correction.amount)
    raise_if_any(_checks(line, charge, target, amount))
    assert charge is not None and target is not None
    correct(
        from_line_id=charge.indicator_line_id,
        to_line_id=target.pk,
        amount=amount.fen,
        actor_id=actor.pk,
        source_type="payments.correction",
        source_id=str(correction.pk),
        source_no=correction.number,
        op_key=f"payments.correction:{correction.pk}",
    )
    charge.amount -= amount.fen
    charge.save(update_fields=["amount"])
    into = next((c for c in line.charges.all() if c.indicator_line_id == target.pk), None)
    if into is None:
        PaymentCharge.objects.create(line=line, indicator_line=target, amount=amount.fen)
    else:
        into.amount += amount.fen
        into.save(update_fields=["amount"])
    correction.confirmed_by_id = actor.pk
    correction.save(update_fields=["confirmed_by", "updated_at"])
    state_change(
        action="payments.correction_state",
        actor=actor,
        obj=correction,
        state=CorrectionState.POSTED,
        why="posted",
    )
    CORRECTION_POSTED.publish_built(lambda: correction_posted(correction))
    return correction
