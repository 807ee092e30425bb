"""项目库清单 (DOMAIN-2 §2.3) as a data grid (``common.grid``; ADR 0034): one row per project with
its department, category by name, plan for Y, Y+1 and Y+2, 审定数, rank, goal and latest review;
subtotals by department, unit, state or category; the Excel export is what the page shows.

The plan columns are named by their year, so the grid is built for the report year Y
(:func:`project_grid`); its name, and so the columns a person keeps, is the same for every Y."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yusuan.common.grid import (
    Cell,
    Grid,
    GridColumn,
    GroupLevel,
    choice_subtotal,
    subtotal_label,
)
from yusuan.common.links import detail_url
from yusuan.common.money import Money
from yusuan.core.grid import department_level, unit_level
from yusuan.core.models import Organisation
from yusuan.projects.choices import CATEGORY_NAMES, ProjectState, ReviewConclusion, ReviewKind
from yusuan.projects.reports import category_names, department_of


def prepare(projects: list[Any]) -> list[Any]:
    """What the page's cells need, in two queries: departments and category names."""
    if not projects:
        return projects
    departments = {department_of(p.organisation.path) for p in projects}
    names = dict(Organisation.objects.filter(pk__in=departments).values_list("pk", "name"))
    categories = category_names(
        mof_div_code=projects[0].mof_div_code, codes={p.category for p in projects}
    )
    for p in projects:
        p.department_name = names.get(department_of(p.organisation.path), "")
        p.category_label = categories.get(p.category, p.category)
    return projects


def _years(p: Any) -> str:
    return str(p.start_year) if p.start_year == p.end_year else f"{p.start_year}–{p.end_year}"


def _review(p: Any) -> str:
    if not getattr(p, "review_kind", None):
        return ""
    kind = ReviewKind(p.review_kind).label if p.review_kind in ReviewKind.values else p.review_kind
    conclusion = p.review_conclusion
    if conclusion in ReviewConclusion.values:
        conclusion = ReviewConclusion(conclusion).label
    return f"{kind}：{conclusion}"


def _approved(p: Any) -> Cell:
    if p.approved_amount_fen is None:
        return Cell("—", numeric=True)
    return Cell(Money(p.approved_amount_fen).format(), numeric=True)


def _category_subtotal(code: str) -> str:
    return subtotal_label(CATEGORY_NAMES.get(code, code))


def project_grid(year: int) -> Grid:
    """The library list for report year ``year`` (the plan columns' years)."""
    return Grid(
        name="projects.library",
        sheet_title="项目库清单",
        default_order=("-created_at", "-pk"),
        row_key=lambda p: p.code,
        row_testid="project-row",
        columns=(
            GridColumn(
                "code",
                _("Project code"),
                lambda p: Cell(p.code, url=detail_url("projects:project_detail", p.pk)),
                order_by="code",
                export=lambda p: p.code,
            ),
            GridColumn(
                "name",
                _("Project name"),
                lambda p: Cell(p.name, url=detail_url("projects:project_detail", p.pk)),
                order_by="name",
            ),
            GridColumn(
                "organisation",
                _("Unit"),
                lambda p: Cell(p.organisation.name),
                order_by="organisation__code",
            ),
            GridColumn(
                "department",
                _("Department"),
                lambda p: Cell(getattr(p, "department_name", "")),
                order_by="organisation__path",
            ),
            GridColumn(
                "category",
                _("Project category"),
                lambda p: Cell(getattr(p, "category_label", p.category_name)),
                order_by="category",
            ),
            GridColumn(
                "kind",
                _("Project kind"),
                lambda p: Cell(str(p.get_kind_display())),
                order_by="kind",
                visible=False,
            ),
            GridColumn(
                "state",
                _("State"),
                lambda p: Cell("", badges=(str(p.get_state_display()),)),
                order_by="state",
                export=lambda p: str(p.get_state_display()),
            ),
            GridColumn("years", _("Years"), lambda p: Cell(_years(p)), order_by="start_year"),
            GridColumn("total_amount_fen", _("Total (yuan)"), order_by="total_amount_fen"),
            GridColumn(
                "plan_y0", gettext("Plan %(year)s (yuan)") % {"year": year}, order_by="plan_y0"
            ),
            GridColumn(
                "plan_y1", gettext("Plan %(year)s (yuan)") % {"year": year + 1}, order_by="plan_y1"
            ),
            GridColumn(
                "plan_y2", gettext("Plan %(year)s (yuan)") % {"year": year + 2}, order_by="plan_y2"
            ),
            GridColumn(
                "approved",
                _("Approved amount (yuan)"),
                _approved,
                order_by="approved_amount_fen",
                export=lambda p: (
                    None
                    if p.approved_amount_fen is None
                    else Money(p.approved_amount_fen).to_yuan()
                ),
            ),
            GridColumn(
                "rank",
                _("Rank"),
                lambda p: Cell("" if p.rank is None else str(p.rank), numeric=True),
                order_by="rank",
                export=lambda p: p.rank,
            ),
            GridColumn(
                "goal",
                _("Performance goal"),
                lambda p: Cell(gettext("Goal set") if p.has_goal else gettext("No goal")),
                order_by="has_goal",
            ),
            GridColumn("review", _("Review result"), lambda p: Cell(_review(p))),
        ),
        levels=(
            department_level(),
            unit_level("organisation__path"),
            GroupLevel(
                "state",
                _("State"),
                order_by=("state",),
                group_by="state",
                row_key=lambda p: p.state,
                name=choice_subtotal(ProjectState),
            ),
            GroupLevel(
                "category",
                _("Project category"),
                order_by=("category",),
                group_by="category",
                row_key=lambda p: p.category,
                name=_category_subtotal,
            ),
        ),
    )
