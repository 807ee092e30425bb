"""A project declaration (项目申报) as its approver sees it (``workflow.summary``; issue 16 item 1):
the project's code and name, unit, category and fund nature by name, kind, years, total amount,
basis, content and flags, and a link to the project for who may open it.

Then what the reviewers of the chain decide on (ADR 0040): the plan by year, the 测算明细 as
rows with their total, the 绩效目标 and its indicators, the basis documents by 文号, the reviews
recorded so far, and R-PJ-10's warnings (unit prices above a standard) as findings.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from yusuan.common.money import Money
from yusuan.core.choices import CodeKind
from yusuan.core.validation import code_names
from yusuan.projects import selectors
from yusuan.projects.models import Project
from yusuan.workflow.summary import Cell, Column, DocumentSummary, Fact, Finding

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
            (project.is_infrastructure, _("capital construction (基本建设)")),
            (project.is_gov_service, _("government purchase of services")),
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
    content = selectors.declaration_content(project)
    if content.plans:
        facts.append(
            Fact(
                _("Plan by year and fund source"),
                "；".join(f"{y.year}：{Money(y.total_fen).format()}" for y in content.plans),
            )
        )
    if project.approved_amount_fen is not None:
        facts.append(Fact(_("Approved amount (yuan)"), Money(project.approved_amount_fen).format()))
    if content.documents:
        facts.append(
            Fact(
                _("Basis documents"), "；".join(f"{d.doc_no} {d.title}" for d in content.documents)
            )
        )
    for review in content.reviews:
        facts.append(
            Fact(
                review.get_kind_display(),
                " · ".join(
                    part
                    for part in (
                        review.get_conclusion_display(),
                        f"{review.score}" if review.score is not None else "",
                        review.opinion,
                    )
                    if part
                ),
            )
        )
    notes: list[str] = []
    if content.goal is not None:
        notes.append(f"{_('Goal for the year')}：{content.goal.annual}")
        notes += [
            f"{i.get_level1_display()} · {i.get_level2_display()}：{i.name}"
            f" {i.get_operator_display()} {i.target}{i.unit}"
            for i in content.indicators
        ]
    standards = content.standard_names
    rows = tuple(
        (
            Cell(str(r.year)),
            Cell(r.content),
            Cell(f"{r.economic_code} {content.names.get(r.economic_code, '')}".strip()),
            Cell(Money(r.unit_price_fen).format(), numeric=True),
            Cell(f"{r.quantity.normalize():f}{r.unit}", numeric=True),
            Cell(Money(r.amount_fen).format(), numeric=True),
            Cell(standards.get(r.standard_key, "") if r.standard_key else ""),
        )
        for r in content.calculation
    )
    findings = tuple(
        Finding(rule=w.rule or "", severity=_("Warning"), text=w.message_zh)
        for w in selectors.declaration_warnings(project)
    )
    return DocumentSummary(
        title=f"{project.code} · {project.name}",
        url=reverse("projects:project_detail", args=[project.pk])
        if actor.has_perm(VIEW_PROJECT)
        else "",
        facts=tuple(facts),
        columns=(
            Column(_("Year")),
            Column(_("Expenditure item")),
            Column(_("Economic class")),
            Column(_("Unit price (yuan)"), numeric=True),
            Column(_("Quantity"), numeric=True),
            Column(_("Amount (yuan)"), numeric=True),
            Column(_("Expenditure standard")),
        ),
        rows=rows,
        total=(
            Cell(_("Total")),
            Cell(""),
            Cell(""),
            Cell(""),
            Cell(""),
            Cell(Money(content.calculated_fen).format(), numeric=True),
            Cell(""),
        )
        if rows
        else (),
        row_count=len(rows),
        findings=findings,
        notes=tuple(notes),
    )
