"""A project declaration (项目申报) as its approver sees it (``workflow.summary``; issue 16 item 1):
the project's code and name, unit, category and fund nature by name, kind, years, total amount,
basis, content and flags, and a link to the project for who may open it.

A project carries no yearly budget lines, expenditure breakdown or performance targets yet
(``projects.models.Project``): the summary is its facts; the rows come when the model has them.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from yusuan.common.money import Money
from yusuan.core.choices import CodeKind
from yusuan.core.validation import code_names
from yusuan.projects.models import Project
from yusuan.workflow.summary import DocumentSummary, Fact

VIEW_PROJECT = "projects.view_project"


def _named(project: Project, kind: str, code: str) -> str:
    name = code_names(
        mof_div_code=project.mof_div_code,
        fiscal_year=project.fiscal_year,
        kind=kind,
        codes={code},
    ).get(code, "")
    return f"{code} {name}".strip()


def _years(project: Project) -> str:
    if project.start_year == project.end_year:
        return str(project.start_year)
    return f"{project.start_year}–{project.end_year}"


def _flags(project: Project) -> str:
    return "、".join(
        label
        for on, label in (
            (project.is_procurement, _("includes government procurement")),
            (project.is_three_public, _("三公 expenses")),
            (project.is_research, _("research project")),
        )
        if on
    )


def declaration_summary(*, actor: Any, project: Project) -> DocumentSummary:
    facts = [
        Fact(_("Project code"), project.code),
        Fact(_("Project name"), project.name),
        Fact(_("Unit"), project.organisation.name),
        Fact(_("Project category"), _named(project, CodeKind.PROJECT_CATEGORY, project.category)),
        Fact(_("Project kind"), project.get_kind_display()),
        Fact(_("Years"), _years(project)),
        Fact(_("Total amount (yuan)"), Money(project.total_amount_fen).format()),
        Fact(_("Fund nature"), _named(project, CodeKind.FUND_TYPE, project.fund_type)),
    ]
    flags = _flags(project)
    if flags:
        facts.append(Fact(_("Marked as"), flags))
    if project.basis:
        facts.append(Fact(_("Basis for the project"), project.basis))
    if project.content:
        facts.append(Fact(_("Content"), project.content))
    return DocumentSummary(
        title=f"{project.code} · {project.name}",
        url=reverse("projects:project_detail", args=[project.pk])
        if actor.has_perm(VIEW_PROJECT)
        else "",
        facts=tuple(facts),
    )
