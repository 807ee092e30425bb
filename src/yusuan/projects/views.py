"""Project pages: list, create and edit drafts, detail with the declaration's approval panel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yusuan.common.errors import BusinessRuleError
from yusuan.common.web import (
    flash_business_errors,
    form_page,
    is_htmx,
    paginate,
    query_without_page,
)
from yusuan.core.choices import CodeKind
from yusuan.core.selectors import current_fiscal_year
from yusuan.projects import selectors
from yusuan.projects.choices import EDITABLE_STATES, ProjectState
from yusuan.projects.forms import ProjectForm
from yusuan.projects.models import Project
from yusuan.projects.services import ProjectInput, as_input, project_create, project_update
from yusuan.projects.workflow import DOCUMENT_TYPE
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.services import document_submit


def _form(
    request: HttpRequest, actor: Any, year: int, initial: dict[str, Any] | None
) -> ProjectForm:
    def choices(kind: str) -> list[tuple[str, str]]:
        return selectors.code_choices(mof_div_code=actor.mof_div_code, fiscal_year=year, kind=kind)

    return ProjectForm(
        request.POST or None,
        initial=initial,
        categories=choices(CodeKind.PROJECT_CATEGORY),
        fund_types=choices(CodeKind.FUND_TYPE),
    )


def _input(form: ProjectForm) -> ProjectInput:
    data = form.cleaned_data
    return ProjectInput(
        name=data["name"],
        category=data["category"],
        kind=data["kind"],
        start_year=data["start_year"],
        end_year=data["end_year"],
        total_amount=data["total_amount"],
        fund_type=data["fund_type"],
        basis=data["basis"],
        content=data["content"],
        is_procurement=data["is_procurement"],
        is_three_public=data["is_three_public"],
        is_research=data["is_research"],
    )


@login_required
@permission_required("projects.view_project", raise_exception=True)
def project_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    queryset = selectors.project_list(
        actor=actor, text=request.GET.get("q", "").strip(), state=request.GET.get("state", "")
    )
    context = {
        "page": paginate(request, queryset),
        "query": query_without_page(request),
        "q": request.GET.get("q", ""),
        "state": request.GET.get("state", ""),
        "states": ProjectState.choices,
    }
    if is_htmx(request):
        return render(request, "projects/project_list_rows.html", context)
    return render(request, "projects/project_list.html", context)


@login_required
@permission_required("projects.add_project", raise_exception=True)
def project_create_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    current = current_fiscal_year(actor=actor)
    year = current.year if current else 0
    form = _form(
        request,
        actor,
        year,
        {"kind": "new", "start_year": year + 1, "end_year": year + 1, "fund_type": "111"},
    )
    return form_page(
        request,
        form,
        save=lambda: project_create(
            actor=actor, organisation=actor.organisation, fiscal_year=year, data=_input(form)
        ),
        success_url_name="projects:project_detail",
        title=_("New project"),
    )


@login_required
@permission_required("projects.change_project", raise_exception=True)
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    form = _form(request, actor, project.fiscal_year, as_input(project))
    return form_page(
        request,
        form,
        save=lambda: project_update(actor=actor, project=project, data=_input(form)),
        success_url_name="projects:project_detail",
        title=str(project),
        obj=project,
    )


@login_required
@permission_required("projects.view_project", raise_exception=True)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    approval = workflow_selectors.document_approval(
        actor=actor, document_type=DOCUMENT_TYPE, document=project
    )
    return render(
        request,
        "projects/project_detail.html",
        {
            "object": project,
            "latest": approval.latest,
            "approval": approval,
            "can_edit": project.state in EDITABLE_STATES
            and actor.has_perm("projects.change_project"),
            "can_submit": project.state == ProjectState.DRAFT
            and actor.has_perm("projects.change_project"),
        },
    )


@require_POST
@login_required
@permission_required("projects.change_project", raise_exception=True)
def project_submit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    project: Project = selectors.access_project(actor=actor, pk=pk)
    try:
        instance = document_submit(
            actor=actor, document_type=DOCUMENT_TYPE, object_id=str(project.pk)
        )
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        step = instance.current_step or {}
        messages.success(
            request,
            _("Submitted. Waiting at: %(where)s")
            % {"where": f"{step.get('organisation_name', '')} · {step.get('name', '')}"},
        )
    return redirect("projects:project_detail", pk=project.pk)
