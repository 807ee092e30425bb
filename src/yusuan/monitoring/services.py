"""Monitoring before the voucher (事中, DOMAIN §3.9): payments' release check (ADR 0025).

When a request is fully approved, payments runs its release checks (``payments.hooks``) in the
approval's transaction; :class:`MonitoringCheck` runs the rules (``yusuan.monitoring.rules``) on
the request's facts and keeps what they found. Payments acts on the outcome: a block releases the
frozen money and sends the request back for revision, a warning waits for the unit's written
explanation (:func:`request_explain`, which then issues the voucher), a pass issues the voucher.
"""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError
from yusuan.monitoring import rules
from yusuan.monitoring.models import MonitoringFinding
from yusuan.payments.choices import RequestState, SettlementMode
from yusuan.payments.hooks import Finding, Outcome
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services.requests import loaded, locked_request
from yusuan.payments.services.vouchers import issue_voucher
from yusuan.workflow.models import WorkflowInstance

# What the request page and API show of a finding (``payments.hooks.Finding``).
SHOWN = [field.name for field in dataclasses.fields(Finding)]

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


class MonitoringCheck:
    """The monitoring rules as payments' release check (registered by ``MonitoringConfig``)."""

    def run(self, *, actor: Actor, request: PaymentRequest, round_no: int) -> Outcome:
        outcome, findings = rules.evaluate(facts(request), thresholds())
        MonitoringFinding.objects.bulk_create(
            MonitoringFinding(request=request, round=round_no, **dataclasses.asdict(f))
            for f in findings
        )
        return Outcome(outcome)

    def findings(self, request: PaymentRequest) -> list[Finding]:
        rows = MonitoringFinding.objects.filter(request=request).values(*SHOWN)
        return [Finding(**row) for row in rows]


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
