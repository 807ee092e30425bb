"""A project's life in the library, in /api/v1: the department's ranking (R-PJ-6), 项目调整
(R-PJ-11), endings (R-PJ-4), removing a basis document, and rolling the library into the next
year with the projects left waiting (R-PJ-12).

Removing a document edits the declaration but stays here, where the single router registered it:
in ``declaration`` it would move its URL pattern and its place in the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite, write_once
from yusuan.common.api import Id, IdempotencyKey, require
from yusuan.common.errors import BusinessRuleError
from yusuan.projects import selectors
from yusuan.projects.api.common import READ, WRITE, ProjectDetailOut, ProjectOut, _project, write
from yusuan.projects.api.declaration import DeclarationOut, declaration_write
from yusuan.projects.models import Project
from yusuan.projects.services.changes import change_cancel, change_start
from yusuan.projects.services.content import project_remove_document
from yusuan.projects.services.library import library_roll, project_end, project_rank, stale_projects

# The operation ids these endpoints were first published under (``yusuan.api.root``), when they
# were all in ``yusuan.projects.api``: clients generate their method names from them.
OPERATION_ID_PREFIX = "yusuan_projects_api"

router = Router(tags=["projects"])


class RankingIn(Schema):
    budget_year: int = Field(ge=2000, le=2100)
    ordered: list[int] = Field(description="project ids, first to fund first", max_length=5000)


class RankingOut(Schema):
    budget_year: int
    projects: list[ProjectOut]


@router.get("/projects-ranking", response=RankingOut)
def get_ranking(request: HttpRequest, budget_year: int) -> Any:
    """The department's stored projects for the budget year in rank order (R-PJ-6)."""
    actor = require(request, "projects.rank_project", READ)
    department = _department(actor)
    found = selectors.ranking_candidates(
        actor=actor, department=department, budget_year=budget_year
    )
    return {"budget_year": budget_year, "projects": [_project(p) for p in found]}


def _department(actor: Any) -> Any:
    organisation = getattr(actor, "organisation", None)
    if organisation is None or organisation.kind != "department":
        raise BusinessRuleError.single(
            code="projects.rank_not_department",
            rule="R-PJ-6",
            field="department",
            message_zh="只有主管部门可以对本部门项目排序",
            message_en="only a department ranks its projects",
            status=403,
        )
    return organisation


@router.put("/projects-ranking", response=RankingOut)
def put_ranking(
    request: HttpRequest,
    response: HttpResponse,
    payload: RankingIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Rank all the department's stored projects of the budget year, first to fund first."""

    def render(actor: Any) -> dict[str, Any]:
        department = _department(actor)
        project_rank(
            actor=actor,
            department=department,
            budget_year=payload.budget_year,
            ordered=payload.ordered,
        )
        found = selectors.ranking_candidates(
            actor=actor, department=department, budget_year=payload.budget_year
        )
        return {"budget_year": payload.budget_year, "projects": [_project(p) for p in found]}

    return write_once(
        request,
        response,
        permission="projects.rank_project",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:projects.ranking",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )


# --- 项目调整 (R-PJ-11), endings (R-PJ-4), the rolling library (R-PJ-12) -------------------------


class ProjectChangeIn(Schema):
    reason: str = Field(max_length=4000)


class ProjectChangeOut(Schema):
    id: int
    number: str
    project_id: int
    project_code: str
    reason: str
    state: str
    from_version: int
    before: dict[str, Any]
    after: dict[str, Any]


def _change(actor: Any, pk: int) -> dict[str, Any]:
    change = selectors.access_change(actor=actor, pk=pk)
    return {
        "id": change.pk,
        "number": change.number,
        "project_id": change.project_id,
        "project_code": change.project.code,
        "reason": change.reason,
        "state": change.state,
        "from_version": change.from_version,
        "before": change.before,
        "after": change.after,
    }


change_write = DocumentWrite(api_scope=WRITE, read=_change)


@router.post("/projects/{project_id}/changes", response={201: ProjectChangeOut})
def start_change(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: ProjectChangeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Open a 项目调整 on a stored project: its content is then edited with the declaration's
    endpoints (plans, calculation, goal) and the change submitted through
    ``/workflow/documents/projects.change/{id}/submit``."""
    return change_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.change:{project_id}",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: change_start(
            actor=actor,
            project=selectors.access_project(actor=actor, pk=project_id),
            reason=payload.reason,
        ),
    )


@router.get("/projects/changes/{change_id}", response=ProjectChangeOut)
def get_change(request: HttpRequest, change_id: Id) -> Any:
    return _change(require(request, "projects.view_project", READ), change_id)


@router.post("/projects/changes/{change_id}/cancel", response=ProjectChangeOut)
def cancel_change(
    request: HttpRequest,
    response: HttpResponse,
    change_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Drop a draft change: the project's content goes back as it was."""

    def call(actor: Any) -> Any:
        change = selectors.access_change(actor=actor, pk=change_id)
        change_cancel(actor=actor, change=change)
        return change

    return change_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.change_cancel:{change_id}",
        body={},
        call=call,
    )


class EndIn(Schema):
    ending: Literal["terminate", "complete", "void"]
    reason: str = Field(max_length=500)


@router.post("/projects/{project_id}/end", response=ProjectDetailOut)
def end_project(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: EndIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Terminate (终止), complete (完成) or void (作废/出库) a project (R-PJ-4)."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.end:{project_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: project_end(
            actor=actor,
            project=selectors.access_project(actor=actor, pk=project_id),
            ending=payload.ending,
            reason=payload.reason,
        ),
    )


@router.delete("/projects/{project_id}/documents/{document_id}", response=DeclarationOut)
def delete_document(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    document_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Remove a basis document from a draft (or a project being changed)."""

    def call(actor: Any) -> Project:
        project = selectors.access_project(actor=actor, pk=project_id)
        project_remove_document(actor=actor, project=project, document_id=document_id)
        return project

    return declaration_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.document_remove:{project_id}:{document_id}",
        body={},
        call=call,
    )


class RollIn(Schema):
    from_year: int = Field(ge=2000, le=2100)


class RollOut(Schema):
    offered: int
    continuing: int
    stale: list[ProjectOut]


@router.post("/projects-library/roll", response=RollOut)
def roll_library(
    request: HttpRequest,
    response: HttpResponse,
    payload: RollIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """R-PJ-12: roll the region's library from ``from_year`` into the next year (idempotent)."""

    def render(actor: Any) -> dict[str, Any]:
        result = library_roll(
            actor=actor, mof_div_code=actor.mof_div_code, from_year=payload.from_year
        )
        return {
            "offered": result.offered,
            "continuing": result.continuing,
            "stale": [_project(p) for p in result.stale],
        }

    return write_once(
        request,
        response,
        permission="projects.roll_library",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:projects.roll",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )


@router.get("/projects-library/stale", response=list[ProjectOut])
def list_stale(request: HttpRequest, year: int) -> Any:
    """R-PJ-12: stored projects waiting ``project.stale_years`` or more by ``year`` (for 出库)."""
    actor = require(request, "projects.roll_library", READ)
    return [_project(p) for p in stale_projects(mof_div_code=actor.mof_div_code, year=year)]
