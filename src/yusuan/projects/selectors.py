"""Scoped reads of projects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from yusuan.common.actor import Actor
from yusuan.common.errors import ErrorDetail
from yusuan.common.money import Money
from yusuan.core import standard_keys
from yusuan.core.choices import CodeKind
from yusuan.core.models import ClassificationCode, Organisation
from yusuan.core.selectors import standards_for
from yusuan.core.standard_keys import EXPENSE_BLOCK
from yusuan.projects import rules
from yusuan.projects.choices import (
    DECLARED_CATEGORIES,
    DECLARED_FIELDS,
    OPEN_CHANGE_STATES,
    ChangeState,
    ProjectState,
)
from yusuan.projects.models import (
    BasisDocument,
    CalculationRow,
    GoalIndicator,
    PerformanceGoal,
    Project,
    ProjectChange,
    ProjectPlan,
    ProjectReview,
)


def project_list(*, actor: Actor, text: str = "", state: str = "") -> QuerySet[Project]:
    queryset = Project.objects.visible_to(actor).select_related("organisation")
    if text:
        queryset = queryset.filter(
            Q(code__icontains=text)
            | Q(name__icontains=text)
            | Q(organisation__name__icontains=text)
        )
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-created_at", "-pk")


def access_project(*, actor: Actor, pk: int) -> Project:
    project = (
        Project.objects.visible_to(actor)
        .select_related("organisation", "created_by")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404
    return project


def can_open_project(*, actor: Actor, pk: int) -> bool:
    """Whether ``project_detail`` opens for ``actor`` (its permission and scope): pages link a
    project only then, and show its code and name as plain text otherwise."""
    return bool(
        actor.has_perm("projects.view_project")
        and Project.objects.visible_to(actor).filter(pk=pk).exists()
    )


def code_choices(*, mof_div_code: str, fiscal_year: int, kind: str) -> list[tuple[str, str]]:
    return [
        (code, f"{code} {name}")
        for code, name in ClassificationCode.objects.filter(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year, kind=kind, is_enabled=True
        )
        .order_by("code")
        .values_list("code", "name")
    ]


def _standards(*, mof_div_code: str, year: int) -> Mapping[str, int]:
    """The region's standards for the year (ADR 0039): 支出标准 (R-PJ-10) and the library's
    thresholds (R-PJ-9), the year's latest values."""
    return standards_for(mof_div_code=mof_div_code, fiscal_year=year)


def standards_of(*, mof_div_code: str, year: int) -> tuple[Mapping[str, int], bool]:
    """The expenditure standards (R-PJ-10) of the region's year, and whether a unit price above
    one is refused (else warned)."""
    values = _standards(mof_div_code=mof_div_code, year=year)
    return (
        {k: v for k, v in values.items() if k.startswith("expense.") and k != "expense.block"},
        values["expense.block"] == EXPENSE_BLOCK,
    )


def thresholds(*, mof_div_code: str, year: int) -> rules.Thresholds:
    values = _standards(mof_div_code=mof_div_code, year=year)
    return rules.Thresholds(
        ex_ante_fen=values["project.ex_ante_threshold"],
        appraisal_fen=values["project.appraisal_threshold"],
    )


def declaration(project: Project) -> rules.Declaration:
    """The project and its rows as R-PJ-9 reads them (a handful of queries)."""
    goal = PerformanceGoal.objects.filter(project=project).first()
    return rules.Declaration(
        category=project.category,
        kind=project.kind,
        total_amount_fen=project.total_amount_fen,
        start_year=project.start_year,
        end_year=project.end_year,
        budget_year=project.budget_year,
        is_infrastructure=project.is_infrastructure,
        infrastructure_doc_no=project.infrastructure_doc_no,
        plans=[
            rules.PlanRow(p.year, p.fund_type, p.amount_fen)
            for p in ProjectPlan.objects.filter(project=project)
        ],
        calculation=[
            rules.CalcRow(
                year=r.year,
                content=r.content,
                economic_code=r.economic_code,
                unit_price_fen=r.unit_price_fen,
                quantity=r.quantity,
                amount_fen=r.amount_fen,
                standard_key=r.standard_key,
            )
            for r in CalculationRow.objects.filter(project=project)
        ],
        goal=None
        if goal is None
        else rules.GoalFacts(
            annual=goal.annual,
            has_beneficiaries=goal.has_beneficiaries,
            indicators=[
                rules.IndicatorRow(
                    level1=i.level1,
                    level2=i.level2,
                    name=i.name,
                    operator=i.operator,
                    target=i.target,
                    unit=i.unit,
                    weight=i.weight,
                )
                for i in goal.indicators.all()
            ],
        ),
        basis_kinds=frozenset(
            BasisDocument.objects.filter(project=project).values_list("kind", flat=True)
        ),
        reviews=[
            rules.ReviewFacts(r.kind, r.conclusion, r.approved_amount_fen)
            for r in ProjectReview.objects.filter(project=project).order_by("created_at", "pk")
        ],
    )


def declaration_warnings(project: Project) -> list[ErrorDetail]:
    """R-PJ-10's warnings (unit prices above their standard), shown on the project and to the
    approvers."""
    standards, block = standards_of(mof_div_code=project.mof_div_code, year=project.budget_year)
    if block:
        return []
    facts = declaration(project)
    return rules.calculation_errors(
        facts.calculation, standards=standards, block_over_standard=False, prefix="calculation"
    )[1]


def declaration_problems(project: Project) -> list[ErrorDetail]:
    """What R-PJ-3, R-PJ-9 and R-PJ-2 would refuse if the draft were declared now."""
    return rules.declaration_errors(declaration(project))


@dataclass(frozen=True)
class PlanYear:
    year: int
    rows: list[ProjectPlan]
    total_fen: int
    calculated_fen: int


@dataclass(frozen=True)
class Content:
    plans: list[PlanYear]
    planned_fen: int
    calculation: list[CalculationRow]
    calculated_fen: int
    goal: PerformanceGoal | None
    indicators: list[GoalIndicator]
    documents: list[BasisDocument]
    reviews: list[ProjectReview]
    names: dict[str, str]  # fund nature and economic codes → names (the year's code set)
    standard_names: dict[str, str]  # 支出标准 keys → their names with the amount


def declaration_content(project: Project) -> Content:
    plans = list(project.plans.all())
    calculation = list(project.calculation.all())
    goal = PerformanceGoal.objects.filter(project=project).first()
    by_year: dict[int, list[ProjectPlan]] = {}
    for plan in plans:
        by_year.setdefault(plan.year, []).append(plan)
    return Content(
        plans=[
            PlanYear(
                year=year,
                rows=rows,
                total_fen=sum(r.amount_fen for r in rows),
                calculated_fen=sum(c.amount_fen for c in calculation if c.year == year),
            )
            for year, rows in sorted(by_year.items())
        ],
        planned_fen=sum(p.amount_fen for p in plans),
        calculation=calculation,
        calculated_fen=sum(c.amount_fen for c in calculation),
        goal=goal,
        indicators=list(goal.indicators.all()) if goal is not None else [],
        documents=list(project.documents.select_related("added_by")),
        reviews=list(project.reviews.select_related("reviewer")),
        names=dict(
            ClassificationCode.objects.filter(
                mof_div_code=project.mof_div_code,
                fiscal_year=project.fiscal_year,
                kind__in=[CodeKind.FUND_TYPE, CodeKind.DEPARTMENT_ECONOMIC],
                code__in={p.fund_type for p in plans} | {c.economic_code for c in calculation},
            ).values_list("code", "name")
        ),
        standard_names=standard_labels(mof_div_code=project.mof_div_code, year=project.budget_year),
    )


def standard_labels(*, mof_div_code: str, year: int) -> dict[str, str]:
    """R-PJ-10's standards as a clerk reads them: 三类会议综合定额（550.00 元/人·天）."""
    standards, _block = standards_of(mof_div_code=mof_div_code, year=year)
    return {
        key: f"{standard_keys.BY_KEY[key].name}（{standard_keys.show(standard_keys.BY_KEY[key], value)}）"
        for key, value in standards.items()
        if key in standard_keys.BY_KEY
    }


def ranking_candidates(
    *, actor: Actor, department: Organisation, budget_year: int
) -> list[Project]:
    """R-PJ-6: the department's stored, declared projects for the budget year, in rank order
    (unranked last, oldest first)."""
    rows = (
        Project.objects.visible_to(actor)
        .filter(
            organisation__path__startswith=department.path,
            state=ProjectState.STORED,
            category__in=DECLARED_CATEGORIES,
        )
        .select_related("organisation")
    )
    found = [p for p in rows if p.budget_year == budget_year]
    return sorted(
        found, key=lambda p: (p.rank is None, p.rank or 0, p.stored_on or dt.date.min, p.pk)
    )


def ranking_years(*, actor: Actor, department: Organisation) -> list[int]:
    rows = (
        Project.objects.visible_to(actor)
        .filter(
            organisation__path__startswith=department.path,
            state=ProjectState.STORED,
            category__in=DECLARED_CATEGORIES,
        )
        .values_list("start_year", "fiscal_year")
    )
    return sorted({max(start, fiscal) for start, fiscal in rows})


# --- 项目调整 (R-PJ-11) and endings (R-PJ-4) ------------------------------------------------------


def access_change(*, actor: Actor, pk: int) -> ProjectChange:
    change = (
        ProjectChange.objects.visible_to(actor)
        .select_related("project", "project__organisation", "created_by")
        .filter(pk=pk)
        .first()
    )
    if change is None:
        raise Http404
    return change


def open_change(project: Project) -> ProjectChange | None:
    return project.changes.filter(state__in=OPEN_CHANGE_STATES).order_by("-pk").first()


@dataclass(frozen=True)
class Difference:
    what: str
    before: str
    after: str


def change_differences(change: ProjectChange) -> list[Difference]:
    """What the change alters so far (or altered, once approved): header fields by their
    labels, each year's plan, the calculation and goal row counts."""
    now = change.after if change.state == ChangeState.APPROVED and change.after else None
    if now is None:
        now = content_of(change.project)
    before = change.before
    found: list[Difference] = []
    for name, old in before["header"].items():
        new = now["header"].get(name)
        if old == new:
            continue
        label = str(getattr(Project._meta.get_field(name), "verbose_name", name))
        shown = [
            Money(v).format() if name.endswith("_fen") and isinstance(v, int) else str(v)
            for v in (old, new)
        ]
        found.append(Difference(label, shown[0], shown[1]))

    def by_year(plans: list[list[Any]]) -> dict[int, int]:
        totals: dict[int, int] = {}
        for year, _fund, fen in plans:
            totals[year] = totals.get(year, 0) + fen
        return totals

    old_plan, new_plan = by_year(before["plans"]), by_year(now["plans"])
    for year in sorted(set(old_plan) | set(new_plan)):
        if old_plan.get(year, 0) != new_plan.get(year, 0):
            found.append(
                Difference(
                    f"{year}",
                    Money(old_plan.get(year, 0)).format(),
                    Money(new_plan.get(year, 0)).format(),
                )
            )
    old_rows, new_rows = before["calculation"], now["calculation"]
    if old_rows != new_rows:
        found.append(
            Difference(
                str(CalculationRow._meta.verbose_name_plural),
                Money(sum(r["amount_fen"] for r in old_rows)).format(),
                Money(sum(r["amount_fen"] for r in new_rows)).format(),
            )
        )
    if before["goal"] != now["goal"]:
        count = [len((g or {}).get("indicators", [])) for g in (before["goal"], now["goal"])]
        found.append(
            Difference(str(GoalIndicator._meta.verbose_name_plural), str(count[0]), str(count[1]))
        )
    return found


def change_problems(project: Project, change: ProjectChange) -> list[ErrorDetail]:
    """What submitting the change would refuse now (R-PJ-3/9/2 and R-PJ-11's budgeted years)."""
    return [*declaration_problems(project), *funded_year_errors(change, project)]


@dataclass(frozen=True)
class Ending:
    code: str
    label: str


def endings_for(*, actor: Actor, project: Project) -> list[Ending]:
    """The ways the actor may end the project from its state (R-PJ-4); the service decides."""
    from yusuan.projects.services.library import ENDING_PERMISSIONS, ENDINGS

    labels = {"terminate": "终止项目", "complete": "办理完成", "void": "作废（出库）"}
    return [
        Ending(code, labels[code])
        for code, (starts, _end) in ENDINGS.items()
        if project.state in starts and any(actor.has_perm(p) for p in ENDING_PERMISSIONS[code])
    ]


# Once budgeted, these states carry money: the years already budgeted keep their amounts.
FUNDED_STATES = frozenset(
    {ProjectState.BUDGETED, ProjectState.EXECUTING, ProjectState.CARRIED_OVER}
)


def content_of(project: Project) -> dict[str, Any]:
    """Everything a change may alter, as plain JSON (fen as integers, quantities as text)."""
    goal = PerformanceGoal.objects.filter(project=project).first()
    return {
        "header": {name: getattr(project, name) for name in DECLARED_FIELDS},
        "plans": [[p.year, p.fund_type, p.amount_fen] for p in project.plans.all()],
        "calculation": [calculation_json(r) for r in project.calculation.all()],
        "goal": None if goal is None else goal_json(goal, goal.indicators.all()),
    }


def calculation_json(row: CalculationRow) -> dict[str, Any]:
    """One 测算明细 row as plain JSON: the API's shape and a change's saved content."""
    return {
        "year": row.year,
        "content": row.content,
        "economic_code": row.economic_code,
        "standard_key": row.standard_key,
        "unit_price_fen": row.unit_price_fen,
        "quantity": str(row.quantity),
        "unit": row.unit,
        "amount_fen": row.amount_fen,
        "procurement_item": row.procurement_item,
    }


def goal_json(goal: PerformanceGoal, indicators: Iterable[GoalIndicator]) -> dict[str, Any]:
    """A 绩效目标 and its indicators as plain JSON (the API's shape and a change's content)."""
    return {
        "annual": goal.annual,
        "medium_term": goal.medium_term,
        "has_beneficiaries": goal.has_beneficiaries,
        "indicators": [
            {
                "level1": i.level1,
                "level2": i.level2,
                "name": i.name,
                "operator": i.operator,
                "target": i.target,
                "unit": i.unit,
                "weight": i.weight,
            }
            for i in indicators
        ],
    }


def funded_year_errors(change: ProjectChange, project: Project) -> list[ErrorDetail]:
    """R-PJ-11: once budgeted, the years up to the change's year keep their planned amounts."""
    if change.project_state not in FUNDED_STATES:
        return []
    before: dict[int, int] = {}
    for year, _fund, fen in change.before["plans"]:
        before[year] = before.get(year, 0) + fen
    after: dict[int, int] = {}
    for plan in project.plans.all():
        after[plan.year] = after.get(plan.year, 0) + plan.amount_fen
    errors = []
    for year in sorted(set(before) | set(after)):
        if year > change.fiscal_year or before.get(year, 0) == after.get(year, 0):
            continue
        old, new = Money(before.get(year, 0)), Money(after.get(year, 0))
        errors.append(
            ErrorDetail(
                code="projects.change_budgeted_year",
                rule="R-PJ-11",
                field="plans",
                value=new.format(),
                limit=old.format(),
                message_zh=f"{year} 年已安排预算，计划金额不能由 {old.format()} 元改为"
                f" {new.format()} 元；请通过指标追加或调剂办理",
                message_en=f"{year} is budgeted: its plan cannot change from {old.format()} to"
                f" {new.format()}; use an indicator supplement or reallocation",
            )
        )
    return errors
