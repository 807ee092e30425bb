"""The project declaration (项目申报) as a document of the approval engine."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.ids import parse_id
from yusuan.projects import locks
from yusuan.projects.choices import ProjectState
from yusuan.projects.models import Project
from yusuan.projects.services import project_set_state
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.registry import BaseHandler, DocumentFacts, DocumentType, Term, declare

DOCUMENT_TYPE = "projects.declaration"

# Which step, once approved, moves the project on (DOMAIN §2.3).
STATE_AFTER_STEP = {"department_review": ProjectState.DEPT_REVIEWED}


class DeclarationHandler(BaseHandler):
    def load(self, *, actor: Actor, object_id: str, for_update: bool = False) -> Project:
        pk = parse_id(object_id)  # "abc", "²" or 30 digits: not found, never a 500
        if pk is None:
            raise NotFoundError("project")
        base = locks.project_qs_select_for_update() if for_update else Project.objects
        queryset = base.visible_to(actor).filter(pk=pk)
        project = queryset.first()
        if project is None:
            raise NotFoundError("project")
        return project

    def facts(self, document: Any) -> DocumentFacts:
        assert isinstance(document, Project)
        flags = {
            name
            for name, on in (
                ("procurement", document.is_procurement),
                ("three_public", document.is_three_public),
                ("research", document.is_research),
            )
            if on
        }
        return DocumentFacts(
            organisation_id=document.organisation_id,
            mof_div_code=document.mof_div_code,
            fiscal_year=document.fiscal_year,
            title=f"{document.code} {document.name}",
            entered_by_id=document.created_by_id,
            amount_fen=document.total_amount_fen,
            subtype=document.kind,
            fund_type=document.fund_type,
            project_category=document.category,
            flags=frozenset(flags),
            url=reverse("projects:project_detail", args=[document.pk]),
        )

    def on_submitted(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        if document.state != ProjectState.DRAFT:
            raise BusinessRuleError.single(
                code="projects.not_draft",
                field="state",
                value=document.get_state_display(),
                message_zh=f"项目处于“{document.get_state_display()}”状态，不能申报",
                message_en=f"the project is {document.state}; only drafts are declared",
                status=409,
            )
        project_set_state(actor=actor, project=document, state=ProjectState.DECLARED, why="submit")

    def on_step_approved(
        self, *, actor: Actor, document: Any, instance: WorkflowInstance, step: Mapping[str, Any]
    ) -> None:
        state = STATE_AFTER_STEP.get(str(step["key"]))
        if state is not None:
            project_set_state(actor=actor, project=document, state=state, why=str(step["key"]))

    def on_approved(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        project_set_state(
            actor=actor, project=document, state=ProjectState.FINANCE_REVIEWED, why="approved"
        )

    def on_returned(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        project_set_state(actor=actor, project=document, state=ProjectState.DRAFT, why="returned")

    def on_withdrawn(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        project_set_state(actor=actor, project=document, state=ProjectState.DRAFT, why="withdrawn")

    def on_rejected(self, *, actor: Actor, document: Any, instance: WorkflowInstance) -> None:
        project_set_state(actor=actor, project=document, state=ProjectState.VOID, why="rejected")


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
        flags=(
            Term("procurement", "含政府采购", "Includes procurement"),
            Term("three_public", "三公经费", "三公 expenses"),
            Term("research", "科研项目", "Research project"),
        ),
        handler=DeclarationHandler(),
    )
)
