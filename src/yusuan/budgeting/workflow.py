"""Budget drafts (一上, 二上) and 批复 as documents of the approval engine (DOMAIN §3.3).

A draft goes up the chain of the shipped definition ``budget-draft``: unit → department → sector
division → performance division (when it carries library projects) → budget division, each
returning with reasons. Its submission is refused while it breaks R-BP-2/R-BP-10 (and, at 二上,
R-BP-1/R-BP-5/R-BP-14); the department's approval checks R-BP-1 again; the last approval writes
the stage's figures (R-BP-9). A 批复 (``budget-reply``) is entered by one budget officer and
approved by another; its approval writes the 批复 figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from yusuan.budgeting import locks
from yusuan.budgeting.choices import DraftState, Part, ReplyState, Side
from yusuan.budgeting.models import BudgetDraft, BudgetLine, Reply
from yusuan.budgeting.services import drafts, reply
from yusuan.common.actor import Actor
from yusuan.common.money import Money
from yusuan.workflow.kit import ComputedFacts, FactFields, Lifecycle, ModelHandler, NotDraft
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import DocumentType, Term, declare
from yusuan.workflow.summary import DocumentSummary, Fact

DRAFT_TYPE = "budgeting.draft"
REPLY_TYPE = "budgeting.reply"


class DraftHandler(ModelHandler[BudgetDraft]):
    model = BudgetDraft
    not_found = "budget draft"
    not_draft = NotDraft(code="budgeting.not_draft", noun_zh="单位预算", noun_en="the budget draft")
    fact_fields = FactFields(title=("number",), subtype="stage")
    lifecycle = Lifecycle(
        action="budgeting.draft.state",
        submitted=DraftState.SUBMITTED,
        approved=DraftState.APPROVED,
        rejected=DraftState.REJECTED,
    )
    related = ("organisation", "department", "round")

    def locked(self) -> QuerySet[BudgetDraft]:
        return locks.draft_qs_select_for_update()

    def computed_facts(self, document: BudgetDraft) -> ComputedFacts:
        lines = BudgetLine.objects.filter(
            round_id=document.round_id,
            organisation_id=document.organisation_id,
            removed=False,
            side=Side.EXPENDITURE,
        )
        flags = set()
        if lines.filter(part=Part.PROJECT).exists():
            flags.add("projects")
        if lines.filter(is_asset=True, amount_fen__gt=0).exists():
            flags.add("asset")
        total = lines.aggregate(t=Sum("amount_fen"))["t"] or 0
        return {
            "amount_fen": total,
            "flags": frozenset(flags),
            "url": f"/budgeting/drafts/{document.pk}/",
        }

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self.ensure_draft(document)
        drafts.on_submit(actor, document)
        super().on_submitted(actor=actor, document=document, instance=instance)

    def on_step_approved(
        self, *, actor: Actor, document: Any, instance: WorkflowInstance, step: Mapping[str, Any]
    ) -> None:
        if step.get("key") == "department_review":
            drafts.on_department_approval(document)

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        drafts.on_final_approval(actor, document)
        super().on_approved(actor=actor, document=document, instance=instance)

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary:
        draft: BudgetDraft = document
        check = drafts.draft_check(draft)
        spent = (
            BudgetLine.objects.filter(
                round_id=draft.round_id,
                organisation_id=draft.organisation_id,
                removed=False,
                side=Side.EXPENDITURE,
            ).aggregate(t=Sum("amount_fen"))["t"]
            or 0
        )
        facts = [
            Fact(_("Unit"), draft.organisation.name),
            Fact(_("Department"), draft.department.name),
            Fact(_("Stage"), draft.get_stage_display()),
            Fact(_("Total expenditure"), Money(spent).format()),
        ]
        facts += [Fact(f.rule, f.message_zh) for f in check.findings]
        return DocumentSummary(
            title=f"{draft.number} · {draft.organisation.name} {draft.fiscal_year} {draft.get_stage_display()}",
            url=f"/budgeting/drafts/{draft.pk}/",
            facts=tuple(facts),
        )


class ReplyHandler(ModelHandler[Reply]):
    model = Reply
    not_found = "budget reply"
    not_draft = NotDraft(code="budgeting.reply_not_draft", noun_zh="批复", noun_en="the 批复")
    fact_fields = FactFields(title=("number", "title"), subtype="kind")
    lifecycle = Lifecycle(
        action="budgeting.reply.state",
        submitted=ReplyState.SUBMITTED,
        approved=ReplyState.APPROVED,
        rejected=ReplyState.REJECTED,
    )
    related = ("organisation", "round")

    def locked(self) -> QuerySet[Reply]:
        return locks.reply_qs_select_for_update()

    def computed_facts(self, document: Reply) -> ComputedFacts:
        total = document.lines.aggregate(t=Sum("amount_fen"))["t"] or 0
        return {"amount_fen": total, "url": f"/budgeting/replies/{document.pk}/"}

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self.ensure_draft(document)
        reply.on_submit(document)
        super().on_submitted(actor=actor, document=document, instance=instance)

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        reply.on_final_approval(actor, document)
        super().on_approved(actor=actor, document=document, instance=instance)

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary:
        item: Reply = document
        total = item.lines.aggregate(t=Sum("amount_fen"))["t"] or 0
        return DocumentSummary(
            title=f"{item.number} · {item.title}",
            url=f"/budgeting/replies/{item.pk}/",
            facts=(
                Fact(_("Department"), item.organisation.name),
                Fact(_("Document number"), item.doc_no),
                Fact(_("People's congress decision"), item.round.congress_decision_no or "—"),
                Fact(_("Total"), Money(total).format()),
                *((Fact(_("Reason"), item.reason),) if item.reason else ()),
            ),
        )


declare(
    DocumentType(
        code=DRAFT_TYPE,
        name="单位预算（一上/二上）",
        name_en="Unit budget draft",
        subtypes=(
            Term("apply_1", "一上", "First submission"),
            Term("apply_2", "二上", "Second submission"),
        ),
        flags=(
            Term("projects", "含项目支出", "Has project lines"),
            Term("asset", "含新增资产配置", "Has new assets"),
        ),
        handler=DraftHandler(),
    )
)
declare(
    DocumentType(
        code=REPLY_TYPE,
        name="部门预算批复",
        name_en="Department budget 批复",
        entry_role="budget_officer",
        subtypes=(Term("first", "批复", "批复"), Term("change", "批复调整", "批复 change")),
        handler=ReplyHandler(),
    )
)
