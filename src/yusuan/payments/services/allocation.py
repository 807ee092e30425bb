"""实拨: the treasury's receipt for an allocation voucher (R-PY-12; ADR 0029).

A 实拨 voucher (``VoucherKind.ALLOCATION``) goes into no agent bank's file: the treasury
(国库处 / 支付中心) hands it to the 人民银行国库, which moves the money from the region's 国库单一账户 to
the lower government's treasury and returns a receipt (划款回执). The treasury officer records
that receipt here, for the whole voucher: paid (frozen → paid on the indicator) or returned by the
receiving treasury (frozen → available again, the request ``failed`` and free to be voided).

Each line settles through ``services.bank.settle_line`` — the same ledger key, the same unique
result per line, the same money events as an agent bank's result — so a line is settled once,
whichever way it was paid. The receipt's number is kept as the result's message id, the line's
end-to-end id as its entry id. A 实拨 is not cleared against a zero-balance account (R-PY-11):
``paid`` is its last state.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError
from yusuan.common.money import Money
from yusuan.payments import locks
from yusuan.payments.choices import LineState, RequestState, VoucherKind
from yusuan.payments.models import BankResult, PaymentRequest
from yusuan.payments.services.bank import end_to_end_id
from yusuan.payments.services.requests import locked_request
from yusuan.payments.services.settlement import ResultInput, settle_line

REFERENCE_MAX = 64
# A 划款回执号 as the treasury prints it: letters, digits and - _ / . (no spaces, no markup).
RECEIPT_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,63}")
REASON_MAX = 300


@dataclass(frozen=True)
class AllocationReceipt:
    """What the 人民银行国库's receipt says about one 实拨 voucher."""

    paid: bool
    reference: str  # the receipt's number (划款回执号)
    value_date: dt.date | None = None  # the day the money moved; today when not given
    reason: str = ""  # why the receiving treasury returned it (required when not paid)


def _receipt_errors(data: AllocationReceipt, issued_on: dt.date) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    reference = data.reference.strip()
    if not RECEIPT_NUMBER.fullmatch(reference):
        errors.append(
            ErrorDetail(
                code="payments.allocation_reference",
                rule="R-PY-12",
                field="reference",
                value=reference[:REFERENCE_MAX],
                limit=RECEIPT_NUMBER.pattern,
                message_zh=f"回执号“{reference[:REFERENCE_MAX]}”无效：应为 1 至 {REFERENCE_MAX} 位"
                "字母、数字或 - _ / .，以字母或数字开头",
                message_en=f"receipt number '{reference[:REFERENCE_MAX]}' is invalid: 1 to "
                f"{REFERENCE_MAX} letters, digits or - _ / ., starting with a letter or digit",
            )
        )
    today = timezone.localdate()
    day = data.value_date or today
    if not issued_on <= day <= today:
        errors.append(
            ErrorDetail(
                code="payments.allocation_value_date",
                rule="R-PY-12",
                field="value_date",
                value=day.isoformat(),
                limit=f"{issued_on.isoformat()} – {today.isoformat()}",
                message_zh=f"划款日期 {day.isoformat()} 应在凭证签发日 {issued_on.isoformat()} "
                f"与今天 {today.isoformat()} 之间",
                message_en=f"the value date {day.isoformat()} must fall between the voucher's "
                f"issue date {issued_on.isoformat()} and today {today.isoformat()}",
            )
        )
    if not data.paid and not data.reason.strip():
        errors.append(
            ErrorDetail(
                code="payments.allocation_reason",
                rule="R-PY-12",
                field="reason",
                value="",
                limit=f"1–{REASON_MAX}",
                message_zh="资金被下级国库退回时，请填写退回原因",
                message_en="say why the receiving treasury returned the money",
            )
        )
    elif len(data.reason) > REASON_MAX:
        errors.append(
            ErrorDetail(
                code="payments.allocation_reason",
                rule="R-PY-12",
                field="reason",
                value=len(data.reason),
                limit=REASON_MAX,
                message_zh=f"退回原因最多 {REASON_MAX} 个字符（当前 {len(data.reason)} 个）",
                message_en=f"the reason has at most {REASON_MAX} characters "
                f"(got {len(data.reason)})",
            )
        )
    return errors


def _replayed(request: PaymentRequest, data: AllocationReceipt) -> bool:
    """The same receipt recorded before (a resend): nothing to do. Anything else on a settled
    voucher is refused naming what was recorded."""
    recorded = BankResult.objects.filter(line__request=request).order_by("pk").first()
    if recorded is None:
        return False
    if recorded.message_id == data.reference.strip() and recorded.accepted == data.paid:
        return True
    said = "已划款" if recorded.accepted else "被退回"
    raise BusinessRuleError.single(
        code="payments.allocation_settled",
        rule="R-PY-12",
        field="reference",
        value=data.reference.strip()[:REFERENCE_MAX],
        limit=recorded.message_id,
        message_zh=f"实拨凭证 {request.voucher.number} 已按回执 {recorded.message_id} 记录为"
        f"“{said}”，不能再记录另一结果",
        message_en=f"allocation voucher {request.voucher.number} was already recorded as "
        f"{'paid' if recorded.accepted else 'returned'} by receipt {recorded.message_id}",
        status=409,
    )


@transaction.atomic
def allocation_settle(*, actor: Actor, request_id: int, data: AllocationReceipt) -> PaymentRequest:
    """Record the treasury's receipt for a request's 实拨 voucher, every line at once."""
    ensure_permission(actor, "payments.confirm_allocation")
    if not PaymentRequest.objects.visible_to(actor).filter(pk=request_id).exists():
        raise NotFoundError("payment request")
    # Lines, then the request, then the ledger (payments.locks), as a bank's results lock them.
    lines = list(
        locks.line_qs_select_for_update().filter(request_id=request_id).order_by("row", "pk")
    )
    request = locked_request(actor, request_id)
    voucher = getattr(request, "voucher", None)
    if voucher is None or voucher.kind != VoucherKind.ALLOCATION:
        raise BusinessRuleError.single(
            code="payments.not_an_allocation",
            rule="R-PY-12",
            field="request",
            value=request.number,
            limit=VoucherKind.ALLOCATION.value,
            message_zh=f"支付申请 {request.number} 没有实拨凭证：它的结果由代理银行报告，"
            "不由国库确认",
            message_en=f"payment request {request.number} has no allocation voucher: its "
            "results come from the agent bank, not the treasury",
            status=409,
        )
    if request.state != RequestState.VOUCHER_ISSUED:
        if _replayed(request, data):
            return request
        raise BusinessRuleError.single(
            code="payments.allocation_state",
            rule="R-PY-12",
            field="request",
            value=request.get_state_display(),
            limit=RequestState.VOUCHER_ISSUED.label,
            message_zh=f"支付申请 {request.number} 当前为“{request.get_state_display()}”，"
            "只有已签发实拨凭证的申请才能记录国库划款结果",
            message_en=f"payment request {request.number} is {request.state}: only a request "
            "whose allocation voucher was issued takes the treasury's receipt",
            status=409,
        )
    if request.created_by_id == actor.pk:
        # R-WF-1: who entered a payment does not confirm that it was paid.
        raise BusinessRuleError.single(
            code="payments.allocation_own_request",
            rule="R-WF-1",
            field="request",
            value=request.number,
            message_zh=f"支付申请 {request.number} 由您录入，须由另一人记录国库划款结果",
            message_en=f"you entered payment request {request.number}; someone else records "
            "the treasury's receipt",
            status=403,
        )
    errors = _receipt_errors(data, timezone.localtime(voucher.created_at).date())
    # Only a well-formed number is looked up (a NUL byte is refused above, not sent to the
    # database, which would refuse it with a 500).
    used = (
        BankResult.objects.filter(message_id=data.reference.strip())
        .exclude(line__request=request)
        .values_list("line__request__voucher__number", flat=True)
        .first()
        if RECEIPT_NUMBER.fullmatch(data.reference.strip())
        else None
    )
    if used is not None:
        errors.append(
            ErrorDetail(
                code="payments.allocation_reference_used",
                rule="R-PY-12",
                field="reference",
                value=data.reference.strip(),
                limit=used,
                message_zh=f"回执号 {data.reference.strip()} 已用于凭证 {used}，"
                "一张回执只对应一张实拨凭证",
                message_en=f"receipt {data.reference.strip()} was recorded for voucher {used}; "
                "one receipt answers one allocation voucher",
            )
        )
    if errors:
        raise BusinessRuleError(errors)
    reference = data.reference.strip()
    value_date = data.value_date or timezone.localdate()
    for line in lines:
        if line.state != LineState.OPEN:
            continue  # settled already (cannot happen on an issued voucher; kept safe)
        line.request = request
        e2e = end_to_end_id(voucher, line)
        BankResult.objects.create(
            message_id=reference,
            entry_id=e2e,
            line=line,
            accepted=data.paid,
            reason=data.reason.strip()[:REASON_MAX],
            value_date=value_date,
            recorded_by_id=actor.pk,
        )
        settle_line(
            actor=actor,
            line=line,
            item=ResultInput(
                reference, e2e, e2e, data.paid, data.reason.strip(), value_date=value_date
            ),
            audit_action="payments.allocation_result",
            audit_extra={
                "treasury_receipt": reference,
                "voucher": voucher.number,
                "value_date": value_date.isoformat(),
                "total": Money(voucher.amount).format(),
            },
            why="treasury",
        )
    return request
