"""The voucher (支付凭证, DOMAIN §2.10): issued once the request passed approval and the release
checks (``payments.hooks``; monitoring registers its rules there).

The final approval calls ``after_approval``: the checks run on the request; a block releases the
frozen money and sends the request back for revision, a warning waits for the unit's written
explanation (``monitoring.services.request_explain``, which then issues the voucher), a pass
issues the voucher. Everything happens in the approval's transaction.
"""

from __future__ import annotations

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor
from yusuan.common.money import Money
from yusuan.core.services.sequences import next_number
from yusuan.payments import hooks
from yusuan.payments.agent_banks import is_allocation
from yusuan.payments.choices import RequestState, VoucherKind
from yusuan.payments.models import PaymentRequest, PaymentVoucher
from yusuan.payments.services.requests import loaded, release, set_state
from yusuan.workflow.models import WorkflowAction, WorkflowInstance


def after_approval(*, actor: Actor, request: PaymentRequest, instance: WorkflowInstance) -> str:
    """Run the release checks on an approved request and act on the outcome; returns it."""
    outcome = hooks.run_release_checks(actor=actor, request=request, round_no=instance.round)
    if outcome == hooks.Outcome.BLOCK:
        release(actor=actor, request=request, round_no=instance.round, why="blocked")
        set_state(actor=actor, request=request, state=RequestState.BLOCKED, why="monitoring")
    elif outcome == hooks.Outcome.WARN:
        set_state(
            actor=actor, request=request, state=RequestState.PENDING_EXPLANATION, why="monitoring"
        )
    else:
        issue_voucher(actor=actor, request=request, instance=instance)
    return str(outcome)


def issue_voucher(
    *, actor: Actor, request: PaymentRequest, instance: WorkflowInstance
) -> PaymentVoucher:
    amount = sum(line.amount for line in loaded(request).lines)
    # Names as they sign today: the voucher is a printed record, not a lookup.
    approvers = [
        name or username
        for name, username in WorkflowAction.objects.filter(instance=instance, kind="approve")
        .order_by("pk")
        .values_list("actor__full_name", "actor__username")
    ]
    # R-PY-12: paid from the 国库单一账户 → a 实拨 voucher (SB…), never put into a bank file.
    kind = VoucherKind.ALLOCATION if is_allocation(request.payer_account) else VoucherKind.PAYMENT
    prefix = "SB" if kind == VoucherKind.ALLOCATION else "PZ"
    # The gapless number as late as the insert allows: its counter row stays locked to the
    # commit (issue 20).
    sequence = next_number(
        mof_div_code=request.mof_div_code, fiscal_year=request.fiscal_year, series="voucher"
    )
    voucher = PaymentVoucher.objects.create(
        mof_div_code=request.mof_div_code,
        number=f"{prefix}{request.fiscal_year}{sequence:06d}",
        request=request,
        kind=kind,
        amount=amount,
        amount_in_words=Money(amount).in_words(),
        approvers=approvers,
        issued_by_id=actor.pk,
    )
    audit_record(
        action="payments.voucher_issue",
        actor=actor,
        obj=voucher,
        changes={"amount": [None, amount]},
        extra={"request": request.number, "kind": kind},
    )
    set_state(actor=actor, request=request, state=RequestState.VOUCHER_ISSUED, why="voucher")
    return voucher
