"""The project declaration (项目申报) as a document of the approval engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from yusuan.common.actor import Actor
from yusuan.common.errors import raise_if_any
from yusuan.projects import locks, rules, selectors
from yusuan.projects.choices import ChangeState, ProjectState, ReviewKind
from yusuan.projects.models import Project, ProjectChange
from yusuan.projects.selectors import funded_year_errors
from yusuan.projects.services import project_set_state
from yusuan.projects.services.changes import change_apply, change_close, change_set_state
from yusuan.projects.services.library import ensure_declarable, ensure_reviewed, project_store
from yusuan.projects.summary import declaration_summary
from yusuan.workflow.kit import ComputedFacts, FactFields, ModelHandler, NotDraft
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import DocumentType, Term, declare
from yusuan.workflow.summary import DocumentSummary

DOCUMENT_TYPE = "projects.declaration"

# Which step, once approved, moves the project on (DOMAIN §2.3).
STATE_AFTER_STEP = {
    "department_review": ProjectState.DEPT_REVIEWED,
    "sector_review": ProjectState.FINANCE_REVIEWED,
}
# Which step needs which review on file before it is approved (R-PJ-9). The last approval
# checks every prerequisite again, whatever the route's steps are called.
REVIEW_AT_STEP = {"performance_review": ReviewKind.EX_ANTE, "appraisal": ReviewKind.APPRAISAL}


class DeclarationHandler(ModelHandler[Project]):
    model = Project
    not_found = "project"
    not_draft = NotDraft(
        code="projects.not_draft",
        noun_zh="项目",
        noun_en="the project",
        action_zh="申报",
        action_en="declared",
    )
    fact_fields = FactFields(
        title=("code", "name"),
        amount="total_amount_fen",
        subtype="kind",
        fund_type="fund_type",
        project_category="category",
        flags={
            "procurement": "is_procurement",
            "three_public": "is_three_public",
            "research": "is_research",
            "infrastructure": "is_infrastructure",
            "gov_service": "is_gov_service",
        },
        url="projects:project_detail",
    )

    def locked(self) -> QuerySet[Project]:
        return locks.project_qs_select_for_update()

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary:
        return declaration_summary(actor=actor, project=document)

    def computed_facts(self, document: Project) -> ComputedFacts:
        """Flags the route's conditions read: whether the project needs an ex-ante assessment
        or a financial appraisal (R-PJ-9, thresholds from the region's standards)."""
        facts = selectors.declaration(document)
        limits = selectors.thresholds(mof_div_code=document.mof_div_code, year=document.budget_year)
        flags = {flag for flag, name in self.fact_fields.flags.items() if getattr(document, name)}
        if rules.needs_ex_ante(facts, limits):
            flags.add("ex_ante")
        if rules.needs_appraisal(facts, limits):
            flags.add("appraisal")
        return {"flags": frozenset(flags)}

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self.ensure_draft(document)
        ensure_declarable(document)
        project_set_state(actor=actor, project=document, state=ProjectState.DECLARED, why="submit")

    def on_step_approved(
        self, *, actor: Actor, document: Any, instance: WorkflowInstance, step: Mapping[str, Any]
    ) -> None:
        review = REVIEW_AT_STEP.get(str(step["key"]))
        if review is not None:
            ensure_reviewed(document, kind=review)
        state = STATE_AFTER_STEP.get(str(step["key"]))
        if state is not None:
            project_set_state(actor=actor, project=document, state=state, why=str(step["key"]))

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        project_store(actor=actor, project=document)

    def on_returned(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        project_set_state(actor=actor, project=document, state=ProjectState.DRAFT, why="returned")

    def on_withdrawn(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        project_set_state(actor=actor, project=document, state=ProjectState.DRAFT, why="withdrawn")

    def on_rejected(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        project_set_state(actor=actor, project=document, state=ProjectState.VOID, why="rejected")


FLAGS = (
    Term("procurement", "含政府采购", "Includes procurement"),
    Term("three_public", "三公经费", "三公 expenses"),
    Term("research", "科研项目", "Research project"),
    Term("infrastructure", "基本建设", "Capital construction"),
    Term("gov_service", "政府购买服务", "Government purchase of services"),
    Term("ex_ante", "须事前绩效评估", "Needs an ex-ante assessment"),
    Term("appraisal", "须财政评审", "Needs a financial appraisal"),
)


declare(
    DocumentType(
        code=DOCUMENT_TYPE,
        name="项目申报",
        name_en="Project declaration",
        subtypes=(
            Term("new", "新增项目", "New"),
            Term("continuing", "延续项目", "Continuing"),
            Term("carried", "结转项目", "Carried over"),
        ),
        flags=FLAGS,
        handler=DeclarationHandler(),
    )
)


# --- 项目调整 (R-PJ-11) -----------------------------------------------------------------------

CHANGE_TYPE = "projects.change"


class ChangeHandler(ModelHandler[ProjectChange]):
    model = ProjectChange
    not_found = "project change"
    related = ("project",)
    not_draft = NotDraft(
        code="projects.change_not_draft",
        noun_zh="项目调整",
        noun_en="the project change",
        action_zh="送审",
        action_en="submitted",
    )
    fact_fields = FactFields(title=("number",), url="projects:change_detail")

    def locked(self) -> QuerySet[ProjectChange]:
        return locks.change_qs_select_for_update()

    def summary(self, *, actor: Actor, document: Any) -> DocumentSummary:
        """The approver sees the project as the change would leave it."""
        return declaration_summary(actor=actor, project=document.project)

    def computed_facts(self, document: ProjectChange) -> ComputedFacts:
        """The project's own facts (amount, category, flags), as its declaration's route read
        them: a change is reviewed where the declaration was."""
        project = document.project
        declared = registry_handler().computed_facts(project)
        return {
            "amount_fen": project.total_amount_fen,
            "project_category": project.category,
            "subtype": project.kind,
            "flags": declared.get("flags", frozenset()),
        }

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        self.ensure_draft(document)
        project = locks.project_qs_select_for_update().get(pk=document.project_id)
        ensure_declarable(project)
        raise_if_any(funded_year_errors(document, project))
        change_set_state(actor=actor, change=document, state=ChangeState.SUBMITTED, why="submit")

    def on_step_approved(
        self, *, actor: Actor, document: Any, instance: WorkflowInstance, step: Mapping[str, Any]
    ) -> None:
        review = REVIEW_AT_STEP.get(str(step["key"]))
        if review is not None:
            ensure_reviewed(document.project, kind=review)

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        project = locks.project_qs_select_for_update().get(pk=document.project_id)
        facts = selectors.declaration(project)
        limits = selectors.thresholds(mof_div_code=project.mof_div_code, year=project.budget_year)
        raise_if_any(rules.storage_errors(facts, limits))
        change_apply(actor=actor, change=document)

    def on_returned(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        change_set_state(actor=actor, change=document, state=ChangeState.DRAFT, why="returned")

    def on_withdrawn(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        change_set_state(actor=actor, change=document, state=ChangeState.DRAFT, why="withdrawn")

    def on_rejected(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        change_close(actor=actor, change=document, state=ChangeState.REJECTED, why="rejected")


_DECLARATION = DeclarationHandler()


def registry_handler() -> DeclarationHandler:
    return _DECLARATION


declare(
    DocumentType(
        code=CHANGE_TYPE,
        name="项目调整",
        name_en="Project change",
        subtypes=(
            Term("new", "新增项目", "New"),
            Term("continuing", "延续项目", "Continuing"),
            Term("carried", "结转项目", "Carried over"),
        ),
        flags=FLAGS,
        handler=ChangeHandler(),
    )
)
