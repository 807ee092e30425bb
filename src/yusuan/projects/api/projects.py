"""Projects in /api/v1: the scoped list and detail, enter a draft, edit a draft, submit it for
declaration."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.common.actor import ensure_permission
from yusuan.common.api import Id, IdempotencyKey, Rendered, paged, require
from yusuan.common.errors import BusinessRuleError, field_amount
from yusuan.core.selectors import current_fiscal_year
from yusuan.projects import selectors
from yusuan.projects.api.common import (
    READ,
    ProjectDetailOut,
    ProjectOut,
    StateFilter,
    _detail,
    _project,
    write,
)
from yusuan.projects.models import Project
from yusuan.projects.services import ProjectInput, project_create, project_update
from yusuan.projects.workflow import DOCUMENT_TYPE
from yusuan.workflow.services import document_submit

# The operation ids these endpoints were first published under (``yusuan.api.root``), when they
# were all in ``yusuan.projects.api``: clients generate their method names from them.
OPERATION_ID_PREFIX = "yusuan_projects_api"

router = Router(tags=["projects"])


class ProjectIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    category: str = Field(description="项目类别 code of the year's code set", max_length=8)
    kind: Literal["new", "continuing", "carried"] = "new"
    start_year: int = Field(ge=2000, le=2100)
    end_year: int = Field(ge=2000, le=2100)
    total_amount: str = Field(description="元, e.g. '1,234.56'", max_length=32)
    fund_type: str = Field(description="资金性质 code", max_length=8)
    basis: str = Field("", max_length=4000)
    content: str = Field("", max_length=4000)
    is_procurement: bool = False
    is_three_public: bool = False
    is_research: bool = False
    is_infrastructure: bool = False
    infrastructure_doc_no: str = Field("", max_length=100)
    is_gov_service: bool = False
    track_code: str = Field("", max_length=24)


def _input(payload: ProjectIn) -> ProjectInput:
    values = payload.model_dump(exclude={"total_amount"})
    return ProjectInput(**values, total_amount=field_amount(payload.total_amount, "total_amount"))


@router.get("/projects", response=list[ProjectOut])
@paged(100)
def list_projects(request: HttpRequest, q: str = "", state: StateFilter = "") -> Any:
    """The project library as the list page shows it: code, name or unit containing ``q``."""
    actor = require(request, "projects.view_project", READ)
    return Rendered(selectors.project_list(actor=actor, text=q[:100], state=state), _project)


@router.get("/projects/{project_id}", response=ProjectDetailOut)
def get_project(request: HttpRequest, project_id: Id) -> Any:
    return _detail(require(request, "projects.view_project", READ), project_id)


@router.post("/projects", response={201: ProjectDetailOut})
def create_project(
    request: HttpRequest,
    response: HttpResponse,
    payload: ProjectIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Enter a project of the caller's unit as a draft, in the current fiscal year (as the page)."""

    def call(actor: Any) -> Project:
        current = current_fiscal_year(actor=actor)
        if current is None:
            raise BusinessRuleError.single(
                code="projects.no_fiscal_year",
                field="fiscal_year",
                message_zh="本区划没有当前预算年度，不能申报项目",
                message_en="the region has no current fiscal year",
            )
        return project_create(
            actor=actor,
            organisation=actor.organisation,
            fiscal_year=current.year,
            data=_input(payload),
        )

    return write(
        request,
        response,
        key=idempotency_key,
        scope="api:projects.create",
        body=payload.model_dump(mode="json"),
        status=201,
        call=call,
    )


@router.put("/projects/{project_id}", response=ProjectDetailOut)
def update_project(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    payload: ProjectIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Replace a draft's fields (a project past draft is a 409 naming its state)."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.update:{project_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: project_update(
            actor=actor,
            project=selectors.access_project(actor=actor, pk=project_id),
            data=_input(payload),
        ),
    )


@router.post("/projects/{project_id}/submit", response=ProjectDetailOut)
def submit_project(
    request: HttpRequest,
    response: HttpResponse,
    project_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Declare the project: it enters the declaration workflow (projects.declaration)."""

    def call(actor: Any) -> Project:
        ensure_permission(actor, "projects.change_project")  # as the page's submit button
        project = selectors.access_project(actor=actor, pk=project_id)
        document_submit(actor=actor, document_type=DOCUMENT_TYPE, object_id=str(project.pk))
        return project

    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:projects.submit:{project_id}",
        body={},
        call=call,
    )
