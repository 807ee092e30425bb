"""The adjustment (调剂单) as a document of the approval engine (R-AJ-2…R-AJ-4).

The shipped approval definitions route by subtype and by the ``three_public_increase`` flag
(R-AJ-3); the final approval posts the adjustment after checking every line's money again
(R-AJ-4), so an approval that would overspend fails with the line and its available amount.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from yusuan.common.actor import Actor
from yusuan.indicators import locks
from yusuan.indicators.choices import DocumentKind, DocumentState, SupplementState
from yusuan.indicators.models import IndicatorDocument, SupplementRequest
from yusuan.indicators.services import apply_document, revalidate, set_state
from yusuan.indicators.summary import adjustment_summary, supplement_summary
from yusuan.workflow.doctypes import ADJUSTMENT
from yusuan.workflow.kit import ComputedFacts, FactFields, Lifecycle, ModelHandler, NotDraft
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import DocumentType, attach, declare
from yusuan.workflow.summary import DocumentSummary

DOCUMENT_TYPE = ADJUSTMENT.code


class AdjustmentHandler(ModelHandler[IndicatorDocument]):
    model = IndicatorDocument
    not_found = "adjustment"
    not_draft = NotDraft(code="indicators.not_draft", noun_zh="调剂单", noun_en="the adjustment")
    fact_fields = FactFields(
        title=("number", "title"), subtype="subtype", url="indicators:document_detail"
    )
    related = ("organisation",)

    def locked(self) -> QuerySet[IndicatorDocument]:
        return locks.document_qs_select_for_update()

    def queryset(self, actor: Actor, *, for_update: bool = False) -> QuerySet[IndicatorDocument]:
        return super().queryset(actor, for_update=for_update).filter(kind=DocumentKind.ADJUST)

    def computed_facts(self, document: IndicatorDocument) -> ComputedFacts:
        lines = list(
            document.lines.select_related("source__project", "target", "source", "project")
        )
        flags: set[str] = set()
        fund_type = ""
        category = ""
        for line in lines:
            target_three_public = (
                line.target.thr_exp_code if line.target is not None else line.thr_exp_code
            )
            if target_three_public:
                flags.add("three_public_increase")
            source = line.source
            if source is not None:
                fund_type = fund_type or source.fund_type_code
                if source.project is not None:
                    category = category or source.project.category
                    if source.project.is_research:
                        flags.add("research")
        return {
            "amount_fen": sum(line.amount for line in lines),
            "fund_type": fund_type,
            "project_category": category,
            "flags": frozenset(flags),
        }

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary:
        return adjustment_summary(actor=actor, document=document)

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self.ensure_draft(document)
        revalidate(actor, document)
        set_state(actor=actor, document=document, state=DocumentState.SUBMITTED, why="submit")

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        # R-AJ-4: the money is checked again now, and posted atomically with the approval.
        revalidate(actor, document)
        apply_document(actor=actor, document=document)

    def on_returned(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        set_state(actor=actor, document=document, state=DocumentState.DRAFT, why="returned")

    def on_withdrawn(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        set_state(actor=actor, document=document, state=DocumentState.DRAFT, why="withdrawn")

    def on_rejected(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        set_state(actor=actor, document=document, state=DocumentState.REJECTED, why="rejected")


attach(DOCUMENT_TYPE, AdjustmentHandler())


class SupplementHandler(ModelHandler[SupplementRequest]):
    """追加申请 (R-AJ-7) through the kit: unit → department → finance (the shipped definition
    ``supplement-request``); the final approval marks it approved, and finance then answers it
    with an 追加 document (``services.supplements.supplement_answer``). Attachments go on the
    round's comments (R-WF-7)."""

    model = SupplementRequest
    not_found = "supplement request"
    not_draft = NotDraft(
        code="indicators.supplement_not_draft", noun_zh="追加申请", noun_en="the request"
    )
    fact_fields = FactFields(
        title=("number", "title"), amount="amount", url="indicators:supplement_detail"
    )
    lifecycle = Lifecycle(
        action="indicators.supplement_state",
        submitted=SupplementState.SUBMITTED,
        approved=SupplementState.APPROVED,
        rejected=SupplementState.REJECTED,
    )
    related = ("organisation",)

    def locked(self) -> QuerySet[SupplementRequest]:
        return locks.supplement_qs_select_for_update()

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary:
        return supplement_summary(actor=actor, request=document)


SUPPLEMENT_HANDLER = SupplementHandler()
SUPPLEMENT = declare(
    DocumentType(
        code="indicators.supplement",
        name="追加申请",
        name_en="Supplementary increase request",
        handler=SUPPLEMENT_HANDLER,
    )
)
