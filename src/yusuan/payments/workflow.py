"""The payment request as a document of the approval engine (P6, R-PY-6).

Entry ≠ review ≠ approval is the engine's (R-WF-1); the shipped definition adds a treasury
review at 500,000 yuan and above. Submission freezes the lines' money (R-PY-1) in the same
transaction as the round starting; returning, withdrawing or rejecting releases it.
"""

from __future__ import annotations

from typing import Any

from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.ids import parse_id
from yusuan.core.choices import PayeeKind
from yusuan.payments import hooks, locks
from yusuan.payments.choices import RequestState, SettlementMode
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import freeze, release, revalidate, set_state
from yusuan.payments.services.requests import loaded
from yusuan.payments.services.vouchers import after_approval
from yusuan.workflow.doctypes import PAYMENT_REQUEST
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import BaseHandler, DocumentFacts, attach

DOCUMENT_TYPE = PAYMENT_REQUEST.code


class PaymentRequestHandler(BaseHandler):
    def load(self, *, actor: Actor, object_id: str, for_update: bool = False) -> PaymentRequest:
        pk = parse_id(object_id)
        if pk is None:
            raise NotFoundError("payment request")
        base = locks.request_qs_select_for_update() if for_update else PaymentRequest.objects
        request = base.visible_to(actor).filter(pk=pk).select_related("organisation").first()
        if request is None:
            raise NotFoundError("payment request")
        return request

    def facts(self, document: Any) -> DocumentFacts:
        assert isinstance(document, PaymentRequest)
        lines = loaded(document).lines
        flags: set[str] = set()
        if any(line.is_gov_pur for line in lines):
            flags.add("procurement")
        if any(line.payee_kind == PayeeKind.INDIVIDUAL for line in lines):
            flags.add("personal_account")
        if document.settlement_mode == SettlementMode.CASH:
            flags.add("cash")
        return DocumentFacts(
            organisation_id=document.organisation_id,
            mof_div_code=document.mof_div_code,
            fiscal_year=document.fiscal_year,
            title=f"{document.number} {document.purpose}",
            entered_by_id=document.created_by_id,
            amount_fen=sum(line.amount for line in lines),
            subtype=document.business_type,
            fund_type=lines[0].fund_type_code if lines else "",
            flags=frozenset(flags),
            url="",  # the request page comes with the payment pages
            organisation=document.organisation,
        )

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        if document.state != RequestState.DRAFT:
            raise BusinessRuleError.single(
                code="payments.not_draft",
                field="state",
                value=document.get_state_display(),
                message_zh=f"支付申请处于“{document.get_state_display()}”状态，不能送审",
                message_en=f"the payment request is {document.state}; only drafts are submitted",
                status=409,
            )
        revalidate(actor, document)
        freeze(actor=actor, request=document, round_no=instance.round)
        set_state(actor=actor, request=document, state=RequestState.SUBMITTED, why="submit")

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        revalidate(actor, document, frozen=True)
        set_state(actor=actor, request=document, state=RequestState.APPROVED, why="approved")
        # The release checks (monitoring, 事中) before the voucher, in the approval's transaction.
        after_approval(actor=actor, request=document, instance=instance)

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
