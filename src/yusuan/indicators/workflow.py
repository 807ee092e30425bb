"""The adjustment (调剂单) as a document of the approval engine (R-AJ-2…R-AJ-4).

The shipped approval definitions route by subtype and by the ``three_public_increase`` flag
(R-AJ-3); the final approval posts the adjustment after checking every line's money again
(R-AJ-4), so an approval that would overspend fails with the line and its available amount.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.ids import parse_id
from yusuan.indicators import locks
from yusuan.indicators.choices import DocumentKind, DocumentState
from yusuan.indicators.models import IndicatorDocument
from yusuan.indicators.services import apply_document, revalidate, set_state
from yusuan.workflow.doctypes import ADJUSTMENT
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import BaseHandler, DocumentFacts, attach

DOCUMENT_TYPE = ADJUSTMENT.code


class AdjustmentHandler(BaseHandler):
    def load(self, *, actor: Actor, object_id: str, for_update: bool = False) -> IndicatorDocument:
        pk = parse_id(object_id)
        if pk is None:
            raise NotFoundError("adjustment")
        base = locks.document_qs_select_for_update() if for_update else IndicatorDocument.objects
        queryset = base.visible_to(actor).filter(pk=pk, kind=DocumentKind.ADJUST)
        document = queryset.select_related("organisation").first()
        if document is None:
            raise NotFoundError("adjustment")
        return document

    def facts(self, document: Any) -> DocumentFacts:
        assert isinstance(document, IndicatorDocument)
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
        return DocumentFacts(
            organisation_id=document.organisation_id,
            mof_div_code=document.mof_div_code,
            fiscal_year=document.fiscal_year,
            title=f"{document.number} {document.title}",
            entered_by_id=document.created_by_id,
            amount_fen=sum(line.amount for line in lines),
            subtype=document.subtype,
            fund_type=fund_type,
            project_category=category,
            flags=frozenset(flags),
            url=reverse("indicators:document_detail", args=[document.pk]),
        )

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        if document.state != DocumentState.DRAFT:
            raise BusinessRuleError.single(
                code="indicators.not_draft",
                field="state",
                value=document.get_state_display(),
                message_zh=f"调剂单处于“{document.get_state_display()}”状态，不能送审",
                message_en=f"the adjustment is {document.state}; only drafts are submitted",
                status=409,
            )
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
