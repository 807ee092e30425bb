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
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.money import Money
from yusuan.procurement import locks, selectors
from yusuan.procurement.choices import ChangeKind, PlanState, PurMethod
from yusuan.procurement.models import ProcurementChange, ProcurementPlan
from yusuan.procurement.services import changes, plans
from yusuan.workflow.kit import ComputedFacts, FactFields, Lifecycle, ModelHandler, NotDraft
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import DocumentType, Term, declare
from yusuan.workflow.summary import Cell, Column, DocumentSummary, Fact

PLAN_TYPE = "procurement.plan"
ACTION = "procurement.plan_state"


def method_exception(plan: ProcurementPlan) -> bool:
    """R-GP-8 on the thresholds in force at the plan's start, as the route is chosen."""
    return changes.method_exception(plan, plan.method)


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


# --- changes after filing (ADR 0052) ----------------------------------------------------------

CHANGE_TYPE = "procurement.change"
CHANGE_ACTION = "procurement.change_state"


class ChangeHandler(ModelHandler[ProcurementChange]):
    """A method change or a supplementary contract: checked at submission, re-checked and
    applied at approval under the plan's or contract's lock (``services.changes``)."""

    model = ProcurementChange
    not_found = "procurement change"
    not_draft = NotDraft(
        code="procurement.change_not_draft", noun_zh="变更单", noun_en="the change"
    )
    fact_fields = FactFields(
        title=("number",),
        amount="amount",
        subtype="kind",
        flags={"method_exception": "method_exception"},
        url="procurement:change_detail",
    )
    related = ("organisation",)
    lifecycle = Lifecycle(action=CHANGE_ACTION)

    def computed_facts(self, document: ProcurementChange) -> ComputedFacts:
        """R-GP-8 on the thresholds in force now, as the route is chosen (not the draft's)."""
        if document.kind != ChangeKind.METHOD or document.plan is None:
            return {}
        live = changes.method_exception(document.plan, document.new_method)
        return {"flags": frozenset({"method_exception"} if live else ())}

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self.ensure_draft(document)
        # The page asks for the same permission (an API token's scope is not enough).
        ensure_permission(actor, selectors.change_permission(document.kind))
        changes.submit_checks(document)
        super().on_submitted(actor=actor, document=document, instance=instance)

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        changes.apply_change(actor, document)
        super().on_approved(actor=actor, document=document, instance=instance)

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary:
        change: ProcurementChange = document
        facts = [
            Fact(_("Unit"), change.organisation.name),
            Fact(_("Kind of change"), change.get_kind_display()),
            Fact(_("Reason for the change"), change.reason),
        ]
        if change.kind == ChangeKind.METHOD:
            assert change.plan is not None
            plan = change.plan
            facts += [
                Fact(_("Procurement plan"), f"{plan.number} · {plan.title}"),
                Fact(_("Plan budget"), Money(plan.amount).format()),
                Fact(
                    _("Procurement method"),
                    f"{change.get_old_method_display()} → {change.get_new_method_display()}",
                ),
            ]
            if change.method_exception:
                facts.append(
                    Fact("R-GP-8", _("Above the public tender threshold without 公开招标"))
                )
            if change.single_source_reason:
                facts.append(Fact(_("Why a single source"), change.single_source_reason))
        else:
            assert change.contract is not None and change.indicator_line is not None
            contract = change.contract
            original, approved, cap = selectors.supplement_room(contract)
            facts += [
                Fact(_("Contract"), f"{contract.number} · {contract.title}"),
                Fact(_("Original contract amount"), Money(original).format()),
                Fact(_("Supplements approved before"), Money(approved).format()),
                Fact(_("This supplement"), Money(change.amount or 0).format()),
                Fact("R-GP-3b", _("At most %(cap)s in all") % {"cap": Money(cap).format()}),
                Fact(
                    _("Indicator line"),
                    f"{change.indicator_line.code}（{_('available')} "
                    f"{Money(change.indicator_line.available).format()}）",
                ),
                Fact(_("Signed on"), str(change.signed_on)),
            ]
        return DocumentSummary(
            title=f"{change.number} · {change.get_kind_display()}",
            url=f"/procurement/changes/{change.pk}/",
            facts=tuple(facts),
        )


CHANGE_HANDLER = ChangeHandler()

declare(
    DocumentType(
        code=CHANGE_TYPE,
        name="政府采购变更",
        name_en="Procurement change",
        subtypes=(
            Term(ChangeKind.METHOD, "变更采购方式", "Change of procurement method"),
            Term(ChangeKind.SUPPLEMENT, "补充合同", "Supplementary contract"),
        ),
        flags=(
            Term(
                "method_exception",
                "达到公开招标数额标准而变更为非公开招标方式",
                "A method other than open tender above the tender threshold (R-GP-8)",
            ),
        ),
        handler=CHANGE_HANDLER,
    )
)
