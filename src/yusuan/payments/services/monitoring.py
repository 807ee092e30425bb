"""Monitoring before the voucher (事中, DOMAIN §3.9) and the voucher itself (DOMAIN §2.10).

The final approval calls ``after_approval``: the registered rules (``yusuan.payments.rules``) run
on the request's facts; a block releases the frozen money and sends the request back for revision,
a warning waits for the unit's written explanation (``request_explain``), a pass issues the
voucher. Everything happens in the approval's transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.core.services.sequences import next_number
from yusuan.payments import rules
from yusuan.payments.choices import RequestState, SettlementMode
from yusuan.payments.models import MonitoringFinding, PaymentRequest, PaymentVoucher
from yusuan.payments.services.requests import loaded, locked_request, release, set_state
from yusuan.workflow.models import WorkflowAction, WorkflowInstance

# Requests whose cash counts toward the month and year limits of R-MO-2.
CASH_COUNTED = (
    RequestState.VOUCHER_ISSUED,
    RequestState.AT_BANK,
    RequestState.PAID,
    RequestState.CLEARED,
)


def thresholds() -> rules.Thresholds:
    """``YUSUAN_MONITORING`` in settings overrides the defaults (fen), e.g.
    ``{"cash_single_block": 3000000}``."""
    return rules.Thresholds(**getattr(settings, "YUSUAN_MONITORING", {}))


def facts(request: PaymentRequest) -> rules.RequestFacts:
    lines = loaded(request).lines
    month_to_date = year_to_date = 0
    if request.settlement_mode == SettlementMode.CASH:
        cash = PaymentRequest.objects.filter(
            organisation_id=request.organisation_id,
            fiscal_year=request.fiscal_year,
            settlement_mode=SettlementMode.CASH,
            state__in=CASH_COUNTED,
        ).exclude(pk=request.pk)
        year_to_date = int(cash.aggregate(s=Sum("lines__amount"))["s"] or 0)
        month_to_date = int(
            cash.filter(pay_date__month=request.pay_date.month).aggregate(s=Sum("lines__amount"))[
                "s"
            ]
            or 0
        )
    return rules.RequestFacts(
        business_type=request.business_type,
        settlement_mode=request.settlement_mode,
        amount=sum(x.amount for x in lines),
        lines=[
            rules.LineFacts(
                row=x.row,
                amount=x.amount,
                dep_bgt_eco_code=x.dep_bgt_eco_code,
                payee_kind=x.payee_kind,
                payee_name=x.payee_name,
            )
            for x in lines
        ],
        cash_month_to_date=month_to_date,
        cash_year_to_date=year_to_date,
    )


def after_approval(*, actor: Actor, request: PaymentRequest, instance: WorkflowInstance) -> str:
    """Run monitoring on an approved request and act on the outcome; returns it."""
    outcome, findings = rules.evaluate(facts(request), thresholds())
    MonitoringFinding.objects.bulk_create(
        MonitoringFinding(
            request=request,
            round=instance.round,
            rule=f.rule,
            outcome=f.outcome,
            level=f.level,
            row=f.row,
            value=f.value,
            limit=f.limit,
            message_zh=f.message_zh,
            message_en=f.message_en,
        )
        for f in findings
    )
    if outcome == rules.BLOCK:
        release(actor=actor, request=request, round_no=instance.round, why="blocked")
        set_state(actor=actor, request=request, state=RequestState.BLOCKED, why="monitoring")
    elif outcome == rules.WARN:
        set_state(
            actor=actor, request=request, state=RequestState.PENDING_EXPLANATION, why="monitoring"
        )
    else:
        issue_voucher(actor=actor, request=request, instance=instance)
    return outcome


def issue_voucher(
    *, actor: Actor, request: PaymentRequest, instance: WorkflowInstance
) -> PaymentVoucher:
    amount = sum(line.amount for line in loaded(request).lines)
    sequence = next_number(
        mof_div_code=request.mof_div_code, fiscal_year=request.fiscal_year, series="voucher"
    )
    # Names as they sign today: the voucher is a printed record, not a lookup.
    approvers = [
        name or username
        for name, username in WorkflowAction.objects.filter(instance=instance, kind="approve")
        .order_by("pk")
        .values_list("actor__full_name", "actor__username")
    ]
    voucher = PaymentVoucher.objects.create(
        mof_div_code=request.mof_div_code,
        number=f"PZ{request.fiscal_year}{sequence:06d}",
        request=request,
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
        extra={"request": request.number},
    )
    set_state(actor=actor, request=request, state=RequestState.VOUCHER_ISSUED, why="voucher")
    return voucher


@transaction.atomic
def request_explain(*, actor: Actor, request_id: int, explanation: str) -> PaymentRequest:
    """The unit's written explanation of a warning (recorded); then the voucher is issued."""
    ensure_permission(actor, "payments.change_paymentrequest")
    request = locked_request(actor, request_id)
    if request.state != RequestState.PENDING_EXPLANATION:
        raise BusinessRuleError.single(
            code="payments.no_warning",
            field="state",
            value=request.get_state_display(),
            message_zh=f"支付申请 {request.number} 没有待说明的预警",
            message_en=f"payment request {request.number} has no warning to explain",
            status=409,
        )
    text = explanation.strip()
    if len(text) < 4:
        raise BusinessRuleError.single(
            code="payments.explanation_required",
            rule="R-MO-1",
            field="explanation",
            value=text,
            limit="≥ 4",
            message_zh="请填写预警说明（至少 4 个字）",
            message_en="write an explanation of the warning (4 characters at least)",
        )
    request.explanation = text
    request.save(update_fields=["explanation", "updated_at"])
    audit_record(
        action="payments.explain",
        actor=actor,
        obj=request,
        changes={"explanation": ["", text]},
    )
    instance = (
        WorkflowInstance.objects.filter(document_type="payments.request", object_id=str(request.pk))
        .order_by("-round")
        .first()
    )
    assert instance is not None  # a warning only follows an approval round
    issue_voucher(actor=actor, request=request, instance=instance)
    return request
