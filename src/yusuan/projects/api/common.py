"""What the project endpoints share: their token scopes, the state filter, a project as every
endpoint shows it and the write that answers with it."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema

from yusuan.audit.idempotency import DocumentWrite
from yusuan.projects import selectors
from yusuan.projects.models import Project

READ, WRITE = "projects:read", "projects:write"

StateFilter = Literal[
    "",
    "draft",
    "declared",
    "dept_reviewed",
    "finance_reviewed",
    "stored",
    "budgeted",
    "executing",
    "carried_over",
    "completed",
    "closed",
    "terminated",
    "void",
]


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    fiscal_year: int
    organisation_id: int
    organisation_name: str
    category: str
    kind: str
    start_year: int
    end_year: int
    total_amount_fen: int
    fund_type: str
    state: str
    rank: int | None
    approved_amount_fen: int | None


class ProjectDetailOut(ProjectOut):
    basis: str
    content: str
    is_procurement: bool
    is_three_public: bool
    is_research: bool
    is_infrastructure: bool
    infrastructure_doc_no: str
    is_gov_service: bool
    track_code: str
    version: int


def _project(project: Project) -> dict[str, Any]:
    fields = ProjectOut.model_fields.keys() - {"id", "organisation_name"}
    return {
        **{name: getattr(project, name) for name in fields},
        "id": project.pk,
        "organisation_name": project.organisation.name,
    }


def _detail(actor: Any, pk: int) -> dict[str, Any]:
    project = selectors.access_project(actor=actor, pk=pk)
    extra = ProjectDetailOut.model_fields.keys() - ProjectOut.model_fields.keys()
    return {**_project(project), **{name: getattr(project, name) for name in extra}}


write = DocumentWrite(api_scope=WRITE, read=_detail)
