"""The procurement plan (采购实施计划) as a document of the approval engine (ADR 0052).

Submission re-checks the plan and reserves its money (R-GP-2, R-GP-7); the shipped definitions
route a plan whose method departs from 公开招标 at or above the 公开招标数额标准 (R-GP-8), or
which buys imported products, to the finance procurement division after the unit; approval
files it (备案). Returning, withdrawing or rejecting gives the reservation back.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yusuan.audit.services import state_change
from yusuan.common.actor import Actor
from yusuan.common.money import Money
from yusuan.procurement import locks, selectors
from yusuan.procurement.choices import PlanState, PurMethod
from yusuan.procurement.models import ProcurementPlan
from yusuan.procurement.rules import needs_method_approval
from yusuan.procurement.services import plans
from yusuan.workflow.kit import ComputedFacts, FactFields, ModelHandler, NotDraft
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import DocumentType, Term, declare
from yusuan.workflow.summary import Cell, Column, DocumentSummary, Fact

PLAN_TYPE = "procurement.plan"
ACTION = "procurement.plan_state"


def method_exception(plan: ProcurementPlan) -> bool:
    """R-GP-8 on the thresholds in force at the plan's start, as the route is chosen."""
    thresholds = selectors.tender_thresholds(
        mof_div_code=plan.mof_div_code, fiscal_year=plan.fiscal_year, on=plan.planned_start
    )
    return needs_method_approval(
        method=plan.method, category=plan.category, amount_fen=plan.amount, thresholds=thresholds
    )


class PlanHandler(ModelHandler[ProcurementPlan]):
    model = ProcurementPlan
    not_found = "procurement plan"
    not_draft = NotDraft(code="procurement.plan_not_draft", noun_zh="采购计划", noun_en="the plan")
    fact_fields = FactFields(
        title=("number", "title"),
        amount="amount",
        subtype="method",
        url="procurement:plan_detail",
    )
    related = ("organisation",)

    def locked(self) -> QuerySet[ProcurementPlan]:
        return locks.plan_qs_select_for_update()

    def computed_facts(self, document: ProcurementPlan) -> ComputedFacts:
        flags = set()
        if method_exception(document):
            flags.add("method_exception")
        if document.is_imported:
            flags.add("imported")
        if document.method == PurMethod.SINGLE_SOURCE:
            flags.add("single_source")
        return {"flags": frozenset(flags)}

    def _move(self, actor: Actor, plan: ProcurementPlan, state: str, why: str) -> None:
        state_change(action=ACTION, actor=actor, obj=plan, state=state, why=why)

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self.ensure_draft(document)
        plans.submit_checks(actor, document)
        plans.reserve(actor, document, instance.pk)
        self._move(actor, document, PlanState.SUBMITTED, "submit")

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        document.filed_on = timezone.localdate()
        document.save(update_fields=["filed_on"])
        self._move(actor, document, PlanState.FILED, "approved")

    def _give_back(
        self, actor: Actor, plan: ProcurementPlan, instance: WorkflowInstance, state: str
    ) -> None:
        # Before filing no contract can have taken from it: the whole amount goes back.
        plans.unreserve(actor, plan, key=f"unreserve:{instance.pk}", left_only=False, state=state)

    def on_returned(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self._give_back(actor, document, instance, PlanState.DRAFT)
        self._move(actor, document, PlanState.DRAFT, "returned")

    def on_withdrawn(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self._give_back(actor, document, instance, PlanState.DRAFT)
        self._move(actor, document, PlanState.DRAFT, "withdrawn")

    def on_rejected(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self._give_back(actor, document, instance, PlanState.REJECTED)
        self._move(actor, document, PlanState.REJECTED, "rejected")

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary:
        plan: ProcurementPlan = document
        lines = selectors.plan_lines(plan)
        facts = [
            Fact(_("Unit"), plan.organisation.name),
            Fact(_("Procurement item (品目)"), plan.pur_item_code),
            Fact(_("Procurement method"), plan.get_method_display()),
            Fact(_("Organisation form"), plan.get_org_form_display()),
            Fact(_("Plan budget"), Money(plan.amount).format()),
            Fact(_("Planned start"), str(plan.planned_start)),
        ]
        if plan.intention_id:
            assert plan.intention is not None
            facts.append(
                Fact(
                    _("Procurement intention"),
                    f"{plan.intention.number}（{plan.intention.published_on}）",
                )
            )
        if plan.exemption:
            facts.append(
                Fact(
                    _("Intention exemption"),
                    f"{plan.get_exemption_display()}：{plan.exemption_reason}",
                )
            )
        if method_exception(plan):
            facts.append(Fact("R-GP-8", _("Above the public tender threshold without 公开招标")))
        if plan.single_source_reason:
            facts.append(Fact(_("Why a single source"), plan.single_source_reason))
        if plan.is_imported:
            facts.append(Fact(_("Why imported products"), plan.imported_reason))
        if plan.intention_late:
            facts.append(Fact("R-GP-7", _("The intention was not published in time")))
        return DocumentSummary(
            title=f"{plan.number} · {plan.title}",
            url=f"/procurement/plans/{plan.pk}/",
            facts=tuple(facts),
            columns=(
                Column(_("Indicator line")),
                Column(_("Amount (yuan)"), numeric=True),
                Column(_("Line available now (yuan)"), numeric=True),
            ),
            rows=tuple(
                (
                    Cell(line.indicator_line.code, note=line.indicator_line.summary),
                    Cell(Money(line.amount).format(), numeric=True),
                    Cell(Money(line.indicator_line.available).format(), numeric=True),
                )
                for line in lines
            ),
        )


HANDLER = PlanHandler()

declare(
    DocumentType(
        code=PLAN_TYPE,
        name="政府采购实施计划",
        name_en="Procurement plan",
        subtypes=(
            Term(PurMethod.OPEN_TENDER, "公开招标", "Open tender"),
            Term(PurMethod.INVITED_TENDER, "邀请招标", "Invited tender"),
            Term(PurMethod.NEGOTIATION, "竞争性谈判", "Competitive negotiation"),
            Term(PurMethod.CONSULTATION, "竞争性磋商", "Competitive consultation"),
            Term(PurMethod.SINGLE_SOURCE, "单一来源", "Single source"),
            Term(PurMethod.INQUIRY, "询价", "Request for quotations"),
            Term(PurMethod.FRAMEWORK, "框架协议", "Framework agreement"),
        ),
        flags=(
            Term(
                "method_exception",
                "达到公开招标数额标准而采用非公开招标方式",
                "Not open tender above the tender threshold (R-GP-8)",
            ),
            Term("imported", "采购进口产品", "Imported products"),
            Term("single_source", "单一来源采购", "Single source"),
        ),
        handler=HANDLER,
    )
)
