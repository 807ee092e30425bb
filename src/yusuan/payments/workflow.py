"""The payment request as a document of the approval engine (P6, R-PY-6).

Entry ≠ review ≠ approval is the engine's (R-WF-1); the shipped definition adds a treasury
review at 500,000 yuan and above. Submission freezes the lines' money (R-PY-1) in the same
transaction as the round starting; returning, withdrawing or rejecting releases it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yusuan.common.actor import Actor
from yusuan.core.choices import PayeeKind
from yusuan.payments import hooks, locks
from yusuan.payments.choices import RequestState, SettlementMode
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import freeze, release, revalidate, set_state
from yusuan.payments.services.requests import loaded
from yusuan.payments.services.vouchers import after_approval
from yusuan.payments.summary import request_summary
from yusuan.workflow.doctypes import PAYMENT_REQUEST
from yusuan.workflow.kit import ComputedFacts, FactFields, ModelHandler, NotDraft
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import attach
from yusuan.workflow.summary import DocumentSummary

DOCUMENT_TYPE = PAYMENT_REQUEST.code


class PaymentRequestHandler(ModelHandler[PaymentRequest]):
    model = PaymentRequest
    not_found = "payment request"
    not_draft = NotDraft(
        code="payments.not_draft", noun_zh="支付申请", noun_en="the payment request"
    )
    fact_fields = FactFields(
        title=("number", "purpose"), subtype="business_type", url="payments:request_detail"
    )
    related = ("organisation",)

    def locked(self) -> QuerySet[PaymentRequest]:
        return locks.request_qs_select_for_update()

    def computed_facts(self, document: PaymentRequest) -> ComputedFacts:
        lines = loaded(document).lines
        flags: set[str] = set()
        if any(line.is_gov_pur for line in lines):
            flags.add("procurement")
        if any(line.payee_kind == PayeeKind.INDIVIDUAL for line in lines):
            flags.add("personal_account")
        if document.settlement_mode == SettlementMode.CASH:
            flags.add("cash")
        return {
            "amount_fen": sum(line.amount for line in lines),
            "fund_type": lines[0].fund_type_code if lines else "",
            "flags": frozenset(flags),
        }

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self.ensure_draft(document)
        revalidate(actor, document)
        freeze(actor=actor, request=document, round_no=instance.round)
        set_state(actor=actor, request=document, state=RequestState.SUBMITTED, why="submit")

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        revalidate(actor, document, frozen=True)
        set_state(actor=actor, request=document, state=RequestState.APPROVED, why="approved")
        # The release checks (monitoring, 事中) before the voucher, in the approval's transaction.
        after_approval(actor=actor, request=document, instance=instance)

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary:
        return request_summary(actor=actor, request=document)

    def reopened(self, document: Any) -> bool:
        # Blocked by monitoring after approval, then revised: it goes through approval again.
        return bool(document.state == RequestState.DRAFT and hooks.findings(document))

    def on_returned(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        release(actor=actor, request=document, round_no=instance.round, why="returned")
        set_state(actor=actor, request=document, state=RequestState.DRAFT, why="returned")

    def on_withdrawn(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        release(actor=actor, request=document, round_no=instance.round, why="withdrawn")
        set_state(actor=actor, request=document, state=RequestState.DRAFT, why="withdrawn")

    def on_rejected(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        release(actor=actor, request=document, round_no=instance.round, why="rejected")
        set_state(actor=actor, request=document, state=RequestState.REJECTED, why="rejected")


attach(DOCUMENT_TYPE, PaymentRequestHandler())
