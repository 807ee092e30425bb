"""Building a unit's 一上 from what the system knows (R-PJ-8, R-PJ-6): the computed 人员类 and
公用经费 lines, the ranked library projects of the budget year, and the lines' numbering."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Max, Sum

from yusuan.budgeting.choices import (
    Part,
    Side,
)
from yusuan.budgeting.models import BudgetLine, BudgetRound
from yusuan.budgeting.rules import UNIT_FUND_TYPE
from yusuan.core.choices import AccountType
from yusuan.core.models import Organisation
from yusuan.projects.basic_models import BasicLine
from yusuan.projects.basic_selectors import current_run
from yusuan.projects.choices import (
    DECLARED_CATEGORIES,
    FUNDABLE_STATES,
    SYSTEM_CATEGORIES,
)
from yusuan.projects.models import CalculationRow, Project, ProjectPlan


def pay_defaults(fund_type_code: str) -> dict[str, str]:
    """What a line pays through unless the clerk says otherwise: 授权支付 from the unit's
    zero-balance account; 单位资金 from its own (real-funds) account."""
    if fund_type_code == UNIT_FUND_TYPE:
        return {"pay_type_code": "12", "acc_type": AccountType.REAL_FUNDS}
    return {"pay_type_code": "12", "acc_type": AccountType.UNIT_ZERO_BALANCE}


def basic_lines(budget_round: BudgetRound, unit: Organisation) -> list[dict[str, Any]]:
    """R-PJ-8: the unit's 人员类 and 公用经费 from the computation in force, one line per
    functional 项 × economic 款; a finance override moves the difference onto the largest row
    (of 301 for 人员类)."""
    run = current_run(mof_div_code=budget_round.mof_div_code, fiscal_year=budget_round.fiscal_year)
    if run is None:
        return []
    projects = {
        p.category: p
        for p in Project.objects.filter(
            mof_div_code=budget_round.mof_div_code,
            organisation=unit,
            category__in=SYSTEM_CATEGORIES,
            start_year=budget_round.fiscal_year,
            end_year=budget_round.fiscal_year,
            state__in=FUNDABLE_STATES,
        )
    }
    rows = (
        BasicLine.objects.filter(run=run, organisation=unit)
        .values("category", "functional_code", "economic_code")
        .annotate(total=Sum("amount_fen"))
        .order_by("category", "economic_code", "functional_code")
    )
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for found_row in rows:
        if found_row["total"]:
            by_category[found_row["category"]].append(dict(found_row))
    lines = []
    for category, found in by_category.items():
        project = projects.get(category)
        if project is None:
            continue
        gap = project.total_amount_fen - sum(r["total"] for r in found)
        # An override moves the largest row: of 工资福利支出 (301) for 人员类 [D].
        wages = [r for r in found if str(r["economic_code"]).startswith("301")]
        largest = max(wages if category == "1" and wages else found, key=lambda r: r["total"])
        largest["total"] += gap
        for row in found:
            if row["total"] <= 0:
                continue
            lines.append(
                {
                    "part": Part.BASIC,
                    "project": project,
                    "exp_func_code": row["functional_code"],
                    "dep_bgt_eco_code": row["economic_code"],
                    "fund_type_code": project.fund_type,
                    "amount_fen": row["total"],
                    "computed": True,
                    "summary": project.name,
                    **pay_defaults(project.fund_type),
                }
            )
    return lines


def library_projects(budget_round: BudgetRound, unit: Organisation) -> list[Project]:
    """The unit's stored library projects with a plan for the budget year, in rank order."""
    year = budget_round.fiscal_year
    found = (
        Project.objects.filter(
            mof_div_code=budget_round.mof_div_code,
            organisation=unit,
            category__in=DECLARED_CATEGORIES,
            state__in=FUNDABLE_STATES,
            plans__year=year,
        )
        .distinct()
        .order_by("pk")
    )
    return sorted(found, key=lambda p: (p.rank is None, p.rank or 0, p.pk))


def project_lines(
    budget_round: BudgetRound, projects: Sequence[Project], functional: str
) -> list[dict[str, Any]]:
    """One line per plan row of the year; split by economic 款 when the year's 测算明细 add up
    to the plan (the 款 then comes with the figures), else one line to detail in 二上."""
    year = budget_round.fiscal_year
    plans: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for project_id, fund_type, amount in ProjectPlan.objects.filter(
        project__in=projects, year=year
    ).values_list("project_id", "fund_type", "amount_fen"):
        plans[project_id][fund_type] += amount
    calc: dict[int, dict[str, tuple[int, str]]] = defaultdict(dict)
    for project_id, code, amount, item in CalculationRow.objects.filter(
        project__in=projects, year=year
    ).values_list("project_id", "economic_code", "amount_fen", "procurement_item"):
        fen, kept = calc[project_id].get(code, (0, ""))
        calc[project_id][code] = (fen + amount, kept or item)
    lines = []
    for project in projects:
        plan = plans.get(project.pk, {})
        rows = calc.get(project.pk, {})
        for fund_type, amount in sorted(plan.items()):
            if amount <= 0:
                continue
            base = {
                "part": Part.PROJECT,
                "project": project,
                "exp_func_code": functional,
                "fund_type_code": fund_type,
                "is_gov_service": project.is_gov_service,
                "summary": project.name,
                **pay_defaults(fund_type),
            }
            if len(plan) == 1 and rows and sum(v[0] for v in rows.values()) == amount:
                for code, (fen, item) in sorted(rows.items()):
                    if fen > 0:
                        lines.append(
                            {
                                **base,
                                "dep_bgt_eco_code": code,
                                "amount_fen": fen,
                                "is_gov_pur": bool(item),
                                "pur_item": item,
                            }
                        )
            else:
                lines.append({**base, "dep_bgt_eco_code": "", "amount_fen": amount})
    return lines


def next_position(budget_round: BudgetRound, unit_id: int) -> int:
    top = BudgetLine.objects.filter(round=budget_round, organisation_id=unit_id).aggregate(
        top=Max("position")
    )["top"]
    return (top or 0) + 1


def create_lines(
    budget_round: BudgetRound,
    unit: Organisation,
    department: Organisation,
    rows: Sequence[dict[str, Any]],
) -> list[BudgetLine]:
    start = next_position(budget_round, unit.pk)
    made = [
        BudgetLine(
            mof_div_code=budget_round.mof_div_code,
            fiscal_year=budget_round.fiscal_year,
            round=budget_round,
            organisation=unit,
            department=department,
            position=start + index,
            side=row.pop("side", Side.EXPENDITURE),
            **row,
        )
        for index, row in enumerate(rows)
    ]
    return BudgetLine.objects.bulk_create(made, batch_size=500)
