"""The project library's reports (DOMAIN-2 §2.3; issue 17 item 1): scoped reads only.

- 项目库清单: :func:`library_list`, the projects with their plan for years Y, Y+1 and Y+2 (Σ of
  ``ProjectPlan`` per year), whether they have a goal and their latest review, filtered by state,
  category, department, unit, budget year, funding and text.
- 储备项目汇总: :func:`reserve_summary`, by department × category, counts and amounts of the
  projects in the library, of those funded and of those waiting for money, and the funding gap
  (what the unfunded ones ask for year Y).
- :func:`state_summary`, every project by state.
- 中期财政规划: :func:`rolling_plan`, Σ of the library's annual plans for Y, Y+1, Y+2 by
  department × category.

Every figure is an integer number of fen summed by the database (ADR 0042); a unit's department is
the first organisation on its path (``/<department>/<unit>/``), as the indicator ledger's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, Greatest

from yusuan.common.actor import Actor
from yusuan.common.errors import ErrorDetail
from yusuan.common.ids import parse_int
from yusuan.core.choices import CodeKind, OrganisationKind
from yusuan.core.grid import department_of as path_department
from yusuan.core.models import ClassificationCode, Organisation
from yusuan.core.selectors import current_fiscal_year
from yusuan.projects.choices import CATEGORY_NAMES, FUNDABLE_STATES, ProjectState
from yusuan.projects.models import PerformanceGoal, Project, ProjectPlan, ProjectReview

# DOMAIN-2 §2.3 / R-PJ-12: the library holds the stored projects and those that got money; a
# stored project without money waits in 储备 (the funding gap), the others are funded.
LIBRARY_STATES = FUNDABLE_STATES
FUNDED_STATES = frozenset(
    {ProjectState.BUDGETED, ProjectState.EXECUTING, ProjectState.CARRIED_OVER}
)
UNFUNDED_STATES = frozenset({ProjectState.STORED})
FUNDING = {
    "library": LIBRARY_STATES,
    "funded": FUNDED_STATES,
    "unfunded": UNFUNDED_STATES,
}
YEARS_SHOWN = 3  # Y, Y+1, Y+2: the medium-term plan (中期财政规划)


def department_of(path: str) -> int:
    """A unit's department's id (``core.grid.department_of`` reads the path)."""
    return int(path_department(path))


@dataclass(frozen=True)
class ListFilters:
    state: str = ""
    category: str = ""  # a code or its name
    department: str = ""  # a department's code or (part of) its name
    unit: str = ""  # a unit's code or (part of) its name
    budget_year: int | None = None
    funding: str = ""  # library / funded / unfunded
    q: str = ""


FILTER_NAMES = ("state", "category", "department", "unit", "budget_year", "funding", "q", "year")


def read_filters(params: Mapping[str, str]) -> tuple[ListFilters, int | None, list[ErrorDetail]]:
    """The list's filters and the report year Y as typed in the address; a value that is none
    (``state=lost``, ``year=abc``) is an error naming it, not an empty list."""
    text = {name: (params.get(name) or "").strip()[:100] for name in FILTER_NAMES}
    errors: list[ErrorDetail] = []
    if text["state"] and text["state"] not in ProjectState.values:
        errors.append(
            ErrorDetail(
                code="projects.filter_state",
                field="state",
                value=text["state"][:40],
                limit=list(ProjectState.values),
                message_zh=f"状态“{text['state'][:40]}”不是项目状态",
                message_en=f"'{text['state'][:40]}' is not a project state",
            )
        )
    if text["funding"] and text["funding"] not in FUNDING:
        errors.append(
            ErrorDetail(
                code="projects.filter_funding",
                field="funding",
                value=text["funding"][:40],
                limit=list(FUNDING),
                message_zh=f"资金状况“{text['funding'][:40]}”无效",
                message_en=f"'{text['funding'][:40]}' is not library, funded or unfunded",
            )
        )
    years: dict[str, int | None] = {}
    for name in ("budget_year", "year"):
        years[name] = parse_int(text[name]) if text[name] else None
        if text[name] and (years[name] is None or not 2000 <= (years[name] or 0) <= 2100):
            errors.append(
                ErrorDetail(
                    code="projects.filter_year",
                    field=name,
                    value=text[name][:40],
                    limit="2000–2100",
                    message_zh=f"年度“{text[name][:40]}”无效",
                    message_en=f"'{text[name][:40]}' is not a year",
                )
            )
            years[name] = None
    filters = ListFilters(
        state=text["state"],
        category=text["category"],
        department=text["department"],
        unit=text["unit"],
        budget_year=years["budget_year"],
        funding=text["funding"],
        q=text["q"],
    )
    return filters, years["year"], errors


def report_year(*, actor: Actor, given: int | None, filters: ListFilters | None = None) -> int:
    """Y: the year asked for, else the budget year filtered on, else the year being prepared
    (the current fiscal year + 1: the library is declared a year ahead)."""
    if given:
        return given
    if filters is not None and filters.budget_year:
        return filters.budget_year
    current = current_fiscal_year(actor=actor)
    return (current.year if current else 2000) + 1


def _category_codes(*, mof_div_code: str, text: str) -> set[str]:
    """A category filter: its code, or the codes whose name it is (the code set's or R-PJ-7's)."""
    named = {code for code, name in CATEGORY_NAMES.items() if name == text}
    named |= set(
        ClassificationCode.objects.filter(
            mof_div_code=mof_div_code, kind=CodeKind.PROJECT_CATEGORY, name=text
        ).values_list("code", flat=True)
    )
    return named | {text}


def _organisations(*, mof_div_code: str, text: str, departments: bool) -> Q:
    """Projects of the organisations whose code is ``text`` or whose name holds it; for a
    department, of every unit under it."""
    found = Organisation.objects.filter(mof_div_code=mof_div_code).filter(
        Q(code=text) | Q(name__icontains=text)
    )
    if departments:
        found = found.filter(kind=OrganisationKind.DEPARTMENT)
        paths = list(found.values_list("path", flat=True))
        query = Q(pk__in=[])
        for path in paths:
            query |= Q(organisation__path__startswith=path)
        return query
    return Q(organisation__in=found)


def _plan_of(year: int) -> Coalesce:
    """A project's plan for ``year`` (Σ over its fund natures, fen; 0 without one)."""
    sums = (
        ProjectPlan.objects.filter(project=OuterRef("pk"), year=year)
        .order_by()
        .values("project")
        .annotate(s=Sum("amount_fen"))
        .values("s")
    )
    return Coalesce(Subquery(sums, output_field=BigIntegerField()), 0)


def library_list(*, actor: Actor, filters: ListFilters, year: int) -> QuerySet[Project]:
    """项目库清单: the actor's projects (``visible_to``) as the filters narrow them, each with
    ``plan_y0``/``plan_y1``/``plan_y2`` (its plan for Y, Y+1, Y+2), ``has_goal``, the latest
    review's ``review_kind``/``review_conclusion`` and ``budget_year_db``."""
    latest = ProjectReview.objects.filter(project=OuterRef("pk")).order_by("-created_at", "-pk")
    queryset = (
        Project.objects.visible_to(actor)
        .select_related("organisation")
        .annotate(
            budget_year_db=Greatest("start_year", "fiscal_year"),
            plan_y0=_plan_of(year),
            plan_y1=_plan_of(year + 1),
            plan_y2=_plan_of(year + 2),
            has_goal=Exists(PerformanceGoal.objects.filter(project=OuterRef("pk"))),
            review_kind=Subquery(latest.values("kind")[:1]),
            review_conclusion=Subquery(latest.values("conclusion")[:1]),
        )
    )
    region = getattr(actor, "mof_div_code", "")
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.funding:
        queryset = queryset.filter(state__in=FUNDING[filters.funding])
    if filters.category:
        queryset = queryset.filter(
            category__in=_category_codes(mof_div_code=region, text=filters.category)
        )
    if filters.department:
        queryset = queryset.filter(
            _organisations(mof_div_code=region, text=filters.department, departments=True)
        )
    if filters.unit:
        queryset = queryset.filter(
            _organisations(mof_div_code=region, text=filters.unit, departments=False)
        )
    if filters.budget_year:
        queryset = queryset.filter(budget_year_db=filters.budget_year)
    if filters.q:
        queryset = queryset.filter(
            Q(code__icontains=filters.q)
            | Q(name__icontains=filters.q)
            | Q(organisation__name__icontains=filters.q)
            | Q(organisation__code=filters.q)
        )
    return queryset


# --- summaries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Department:
    pk: int
    code: str
    name: str


def _departments(ids: Iterable[int]) -> dict[int, Department]:
    return {
        pk: Department(pk, code, name)
        for pk, code, name in Organisation.objects.filter(pk__in=set(ids)).values_list(
            "pk", "code", "name"
        )
    }


def category_names(*, mof_div_code: str, codes: Iterable[str]) -> dict[str, str]:
    """Categories by name (the code set's, else R-PJ-7's), never the bare code."""
    names = dict(CATEGORY_NAMES)
    for code, name in (
        ClassificationCode.objects.filter(
            mof_div_code=mof_div_code, kind=CodeKind.PROJECT_CATEGORY, code__in=set(codes)
        )
        .order_by("fiscal_year")
        .values_list("code", "name")
    ):
        names[code] = name
    return names


@dataclass
class Figures:
    """A cell group of the summary: counts and fen, keyed by what they count."""

    counts: dict[str, int] = field(default_factory=dict)
    amounts: dict[str, int] = field(default_factory=dict)

    def add(self, other: Figures) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for key, fen in other.amounts.items():
            self.amounts[key] = self.amounts.get(key, 0) + fen

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)

    def amount(self, key: str) -> int:
        return self.amounts.get(key, 0)


@dataclass
class SummaryRow:
    department: Department
    category: str  # a code; "" on a department's subtotal row
    category_name: str
    figures: Figures


@dataclass
class Summary:
    year: int
    rows: list[SummaryRow]  # department by department, each closed by its subtotal row
    total: Figures


def _grouped(cells: dict[tuple[int, str], Figures], *, mof_div_code: str, year: int) -> Summary:
    departments = _departments(key[0] for key in cells)
    names = category_names(mof_div_code=mof_div_code, codes=(key[1] for key in cells))
    rows: list[SummaryRow] = []
    total = Figures()
    by_department: dict[int, list[tuple[str, Figures]]] = {}
    for (department, category), figures in cells.items():
        by_department.setdefault(department, []).append((category, figures))
    ordered = sorted(
        by_department, key=lambda pk: departments.get(pk, Department(pk, str(pk), "")).code
    )
    for pk in ordered:
        found = departments.get(pk, Department(pk, str(pk), str(pk)))
        sub = Figures()
        for category, figures in sorted(by_department[pk], key=lambda item: item[0]):
            rows.append(SummaryRow(found, category, names.get(category, category), figures))
            sub.add(figures)
        rows.append(SummaryRow(found, "", "", sub))  # the department's subtotal
        total.add(sub)
    return Summary(year=year, rows=rows, total=total)


def reserve_summary(*, actor: Actor, year: int) -> Summary:
    """储备项目汇总 (DOMAIN-2 §2.3): by department × category, the count and total amount of the
    projects in the library (``library``), of those funded (``funded``: budgeted, executing,
    carried over) and of those stored without money (``unfunded``), and ``gap``: what the
    unfunded ones ask for year Y (Σ of their plan for Y)."""
    projects = Project.objects.visible_to(actor).filter(state__in=LIBRARY_STATES)
    cells: dict[tuple[int, str], Figures] = {}
    rows = (
        projects.order_by()
        .values("organisation__path", "category", "state")
        .annotate(n=Count("pk"), s=Sum("total_amount_fen"))
    )
    for row in rows:
        key = (department_of(row["organisation__path"]), row["category"])
        figures = cells.setdefault(key, Figures())
        groups = ["library", "funded" if row["state"] in FUNDED_STATES else "unfunded"]
        for group in groups:
            figures.add(Figures({group: row["n"]}, {group: int(row["s"] or 0)}))
    gaps = (
        ProjectPlan.objects.filter(
            project__in=projects.filter(state__in=UNFUNDED_STATES), year=year
        )
        .order_by()
        .values("project__organisation__path", "project__category")
        .annotate(s=Sum("amount_fen"))
    )
    for gap in gaps:
        key = (department_of(gap["project__organisation__path"]), gap["project__category"])
        cells.setdefault(key, Figures()).add(Figures({}, {"gap": int(gap["s"] or 0)}))
    return _grouped(cells, mof_div_code=getattr(actor, "mof_div_code", ""), year=year)


def rolling_plan(*, actor: Actor, year: int) -> Summary:
    """中期财政规划 (DOMAIN-2 §2.3 [K]): Σ of the library's annual plans for Y, Y+1 and Y+2 by
    department × category (amounts keyed ``y0``, ``y1``, ``y2`` and ``all``; counts: projects
    with a plan in the three years)."""
    projects = Project.objects.visible_to(actor).filter(state__in=LIBRARY_STATES)
    plans = (
        ProjectPlan.objects.filter(project__in=projects, year__range=(year, year + 2))
        .order_by()
        .values("project__organisation__path", "project__category", "year")
        .annotate(s=Sum("amount_fen"))
    )
    cells: dict[tuple[int, str], Figures] = {}
    for row in plans:
        key = (department_of(row["project__organisation__path"]), row["project__category"])
        offset = row["year"] - year
        fen = int(row["s"] or 0)
        cells.setdefault(key, Figures()).add(Figures({}, {f"y{offset}": fen, "all": fen}))
    counted = (
        ProjectPlan.objects.filter(project__in=projects, year__range=(year, year + 2))
        .order_by()
        .values("project__organisation__path", "project__category")
        .annotate(n=Count("project", distinct=True))
    )
    for each in counted:
        key = (department_of(each["project__organisation__path"]), each["project__category"])
        cells.setdefault(key, Figures()).add(Figures({"projects": each["n"]}, {}))
    return _grouped(cells, mof_div_code=getattr(actor, "mof_div_code", ""), year=year)


@dataclass(frozen=True)
class StateRow:
    state: str
    label: str
    count: int
    total_fen: int
    plan_fen: int  # Σ of the plans for year Y


def state_summary(*, actor: Actor, year: int) -> tuple[list[StateRow], StateRow]:
    """Every project the actor sees by state (in the order of the states' life): count, total
    amount and the plan for year Y; and the total row."""
    projects = Project.objects.visible_to(actor)
    counted = {
        row["state"]: (row["n"], int(row["s"] or 0))
        for row in projects.order_by()
        .values("state")
        .annotate(n=Count("pk"), s=Sum("total_amount_fen"))
    }
    planned = {
        row["project__state"]: int(row["s"] or 0)
        for row in ProjectPlan.objects.filter(project__in=projects, year=year)
        .order_by()
        .values("project__state")
        .annotate(s=Sum("amount_fen"))
    }
    rows = [
        StateRow(
            value,
            str(label),
            counted[value][0],
            counted[value][1],
            planned.get(value, 0),
        )
        for value, label in ProjectState.choices
        if value in counted
    ]
    total = StateRow(
        "",
        "",
        sum(r.count for r in rows),
        sum(r.total_fen for r in rows),
        sum(r.plan_fen for r in rows),
    )
    return rows, total
