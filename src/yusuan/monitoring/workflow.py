"""The inquiry (问询单) as a document of the approval engine (ADR 0008, the document-type kit).

The unit submits twice in the life of an inquiry: its verification (核实) while the inquiry is
issued, and, if finance finds a breach, its rectification report (整改) while it is rectifying.
Each goes to the finance monitoring officer (approval definition ``monitoring-inquiry``), who
approves — 认定正常 (closed) or 销号 (closed after rectification) — returns it to the unit (退回),
or rejects a verification: 认定违规, the unit must rectify by a date. Each move is audited with
its reason and carries the inquiry's findings with it (R-MO-14's statuses).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from yusuan.audit.services import state_change
from yusuan.common.actor import Actor
from yusuan.monitoring.models import FindingStatus, Inquiry, InquiryState
from yusuan.workflow.kit import FactFields, ModelHandler, NotDraft
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import DocumentType, declare

DOCUMENT_TYPE = "monitoring.inquiry"
ACTION = "monitoring.inquiry_state"
RECTIFY_DAYS = 30  # [D] the time a unit has to rectify, from finance's decision
# The monitoring officer's decisions: on a verification, normal or rectify; on a report, close.
NORMAL, RECTIFY, CLOSE = "normal", "rectify", "close"


class InquiryHandler(ModelHandler[Inquiry]):
    model = Inquiry
    not_found = "inquiry"
    not_draft = NotDraft(
        code="monitoring.inquiry_not_awaiting_reply",
        noun_zh="问询单",
        noun_en="the inquiry",
        action_zh="回复",
        action_en="answered",
        draft_states=frozenset({InquiryState.ISSUED, InquiryState.RECTIFYING}),
    )
    fact_fields = FactFields(
        title=("number",), entered_by="answered_by_id", url="monitoring:inquiry_detail"
    )
    related = ("organisation",)

    def _findings(self, inquiry: Inquiry, status: str, **fields: Any) -> None:
        inquiry.findings.update(status=status, **fields)

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self.ensure_draft(document)
        if document.state == InquiryState.ISSUED:
            self.move(actor=actor, document=document, state=InquiryState.VERIFYING, why="verify")
            self._findings(
                document,
                FindingStatus.EXPLAINED,
                explanation=document.answer,
                explained_by_id=actor.pk,
                explained_at=timezone.now(),
            )
        else:
            self.move(
                actor=actor, document=document, state=InquiryState.RECTIFY_REVIEW, why="rectified"
            )

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        """认定正常 or 销号 closes the inquiry; a verification decided ``rectify`` (认定违规，
        须整改) sends the unit to rectify by a date, in a new round."""
        now = timezone.now()
        if document.state == InquiryState.VERIFYING and document.decision == RECTIFY:
            document.rectify_due = timezone.localdate() + dt.timedelta(days=RECTIFY_DAYS)
            document.save(update_fields=["rectify_due", "updated_at"])
            self.move(actor=actor, document=document, state=InquiryState.RECTIFYING, why="rectify")
            self._findings(document, FindingStatus.RECTIFY, decided_by_id=actor.pk, decided_at=now)
            return
        if document.state == InquiryState.VERIFYING:
            self.move(actor=actor, document=document, state=InquiryState.NORMAL, why="normal")
            status = FindingStatus.NORMAL
        else:
            self.move(actor=actor, document=document, state=InquiryState.CLOSED, why="closed")
            status = FindingStatus.CLOSED
        document.closed_at = now
        document.save(update_fields=["closed_at", "updated_at"])
        self._findings(document, status, decided_by_id=actor.pk, decided_at=now)

    def on_rejected(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        """Rejected (驳回): the breach is confirmed and the inquiry closes without rectification
        (the findings stay 整改, for whatever follows outside the system)."""
        now = timezone.now()
        self.move(actor=actor, document=document, state=InquiryState.BREACH, why="rejected")
        document.closed_at = now
        document.save(update_fields=["closed_at", "updated_at"])
        self._findings(document, FindingStatus.RECTIFY, decided_by_id=actor.pk, decided_at=now)

    def reopened(self, document: Any) -> bool:
        """After a verification decided ``rectify``, the rectification report is a new round."""
        return bool(document.state == InquiryState.RECTIFYING)

    def _back(self, *, actor: Actor, document: Any, why: str) -> None:
        state = (
            InquiryState.ISSUED
            if document.state == InquiryState.VERIFYING
            else InquiryState.RECTIFYING
        )
        self.move(actor=actor, document=document, state=state, why=why)
        if state == InquiryState.ISSUED:
            self._findings(document, FindingStatus.GENERATED)

    def on_returned(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self._back(actor=actor, document=document, why="returned")

    def on_withdrawn(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self._back(actor=actor, document=document, why="withdrawn")

    def move(self, *, actor: Actor, document: Any, state: str, why: str) -> None:
        state_change(action=ACTION, actor=actor, obj=document, state=state, why=why)


HANDLER = InquiryHandler()
declare(
    DocumentType(code=DOCUMENT_TYPE, name="问询单", name_en="Monitoring inquiry", handler=HANDLER)
)
