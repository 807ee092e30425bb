"""一下: finance's control numbers (控制数) for a department (R-BP-1, R-PJ-6).

The budget division sets, per department, a ceiling for each 财政拨款 fund type split into basic
and project expenditure, and finance's figure (财政审核数) for each project line it will fund —
filled in the department's rank order by ``control_fill_in_rank_order`` and adjusted by hand.
Issuing is done by another officer than the one who entered them (R-WF-1); it writes the
``control`` stage of every 财政拨款 line of the department, once (R-BP-9), and freezes the issue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.budgeting import locks, rules
from yusuan.budgeting.choices import ControlState, Part, Side, Stage
from yusuan.budgeting.models import (
    BudgetLine,
    BudgetRound,
    ControlIssue,
    ControlLine,
    ControlNumber,
    RevenuePlan,
)
from yusuan.budgeting.rules import FISCAL_FUND_TYPES
from yusuan.budgeting.services.common import as_pk, err, facts, refuse, stage_amounts, write_stage
from yusuan.budgeting.services.rounds import access_round
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation
from yusuan.core.services.sequences import next_number

CONTROL_PERMISSION = "budgeting.issue_control"


@dataclass(frozen=True)
class NumberInput:
    fund_type_code: str
    part: str
    amount: Money


def access_control(actor: Actor, issue_id: object, *, for_update: bool = False) -> ControlIssue:
    pk = as_pk(issue_id)
    rows = locks.control_qs_select_for_update() if for_update else ControlIssue.objects.all()
    found = (
        rows.visible_to(actor).select_related("round", "department").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFoundError("control numbers")
    return found


def _department(actor: Actor, department_id: object) -> Organisation:
    pk = as_pk(department_id)
    found = (
        Organisation.objects.visible_to(actor)
        .filter(pk=pk, kind=OrganisationKind.DEPARTMENT)
        .first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFoundError("department")
    return found


def _number_errors(numbers: Sequence[NumberInput]) -> list[ErrorDetail]:
    errors, seen = [], set()
    for index, item in enumerate(numbers):
        if item.fund_type_code not in FISCAL_FUND_TYPES:
            errors.append(
                err(
                    "budgeting.control_fund",
                    f"numbers[{index}].fund_type_code",
                    f"控制数只对财政拨款（{'/'.join(FISCAL_FUND_TYPES)}）下达",
                    "control numbers cover appropriations (111/211/311) only",
                    rule="R-BP-1",
                    value=item.fund_type_code,
                    row=index,
                )
            )
        if item.part not in Part.values:
            errors.append(
                err(
                    "budgeting.control_part",
                    f"numbers[{index}].part",
                    "请选择基本支出或项目支出",
                    "basic or project",
                    value=item.part,
                    row=index,
                )
            )
        if item.amount.fen < 0:
            errors.append(
                err(
                    "budgeting.negative",
                    f"numbers[{index}].amount",
                    "控制数不能为负数",
                    "a control number cannot be negative",
                    value=str(item.amount),
                    row=index,
                )
            )
        key = (item.fund_type_code, item.part)
        if key in seen:
            errors.append(
                err(
                    "budgeting.control_twice",
                    f"numbers[{index}]",
                    "同一资金性质和支出类型只能有一个控制数",
                    "one control number per fund type and part",
                    value=list(key),
                    row=index,
                )
            )
        seen.add(key)
    return errors


def _project_lines(issue: ControlIssue) -> dict[int, BudgetLine]:
    """The department's 财政拨款 project lines with their 一上 figure (what finance funds)."""
    lines = BudgetLine.objects.filter(
        round=issue.round,
        department=issue.department,
        side=Side.EXPENDITURE,
        part=Part.PROJECT,
        removed=False,
    ).select_related("project", "organisation")
    return {x.pk: x for x in lines if rules.controlled_key(facts(x)) is not None}


@transaction.atomic
def control_save(
    *,
    actor: Actor,
    round_id: object,
    department_id: object,
    numbers: Sequence[NumberInput],
    figures: Mapping[int, Money] | None = None,
    doc_no: str = "",
) -> ControlIssue:
    """Enter or replace a department's control numbers (and finance's figures per project line)
    while they are not issued."""
    ensure_permission(actor, CONTROL_PERMISSION)
    budget_round = access_round(actor, round_id, for_update=True)
    department = _department(actor, department_id)
    issue = (
        locks.control_qs_select_for_update()
        .filter(round=budget_round, department=department)
        .first()
    )
    if issue is not None and issue.state == ControlState.ISSUED:
        raise refuse(
            "budgeting.control_issued",
            "state",
            f"{department.name}的控制数已于 {issue.issued_at:%Y-%m-%d} 下达，不能修改",
            f"{department.name}'s control numbers are issued and frozen",
            rule="R-BP-9",
            status=409,
        )
    raise_if_any(_number_errors(numbers))
    if issue is None:
        n = next_number(
            mof_div_code=budget_round.mof_div_code,
            fiscal_year=budget_round.fiscal_year,
            series="budget-control",
        )
        issue = ControlIssue.objects.create(
            mof_div_code=budget_round.mof_div_code,
            fiscal_year=budget_round.fiscal_year,
            round=budget_round,
            department=department,
            number=f"KZ{budget_round.fiscal_year}{n:06d}",
            created_by_id=actor.pk,
        )
    issue.doc_no = doc_no.strip()
    issue.created_by_id = actor.pk  # the last to enter them may not issue them (R-WF-1)
    issue.save(update_fields=["doc_no", "created_by", "updated_at"])
    issue.numbers.all().delete()
    ControlNumber.objects.bulk_create(
        ControlNumber(
            mof_div_code=issue.mof_div_code,
            issue=issue,
            fund_type_code=x.fund_type_code,
            part=x.part,
            amount_fen=x.amount.fen,
        )
        for x in numbers
    )
    if figures is not None:
        _set_figures(issue, figures)
    audit_record(
        action="budgeting.control_save",
        actor=actor,
        obj=issue,
        extra={
            "numbers": [[x.fund_type_code, x.part, x.amount.fen] for x in numbers],
            "figures": {str(k): v.fen for k, v in (figures or {}).items()},
        },
    )
    return issue


def _set_figures(issue: ControlIssue, figures: Mapping[int, Money]) -> None:
    lines = _project_lines(issue)
    errors = []
    for line_id, money in figures.items():
        if line_id not in lines:
            errors.append(
                err(
                    "budgeting.control_line",
                    f"figures.{line_id}",
                    "该行不是本部门财政拨款项目支出",
                    "not an appropriation project line of the department",
                    value=line_id,
                )
            )
        elif money.fen < 0:
            errors.append(
                err(
                    "budgeting.negative",
                    f"figures.{line_id}",
                    "财政审核数不能为负数",
                    "finance's figure cannot be negative",
                    value=str(money),
                )
            )
    raise_if_any(errors)
    issue.lines.all().delete()
    ControlLine.objects.bulk_create(
        ControlLine(mof_div_code=issue.mof_div_code, issue=issue, line_id=k, amount_fen=v.fen)
        for k, v in figures.items()
    )


@transaction.atomic
def control_fill_in_rank_order(*, actor: Actor, issue_id: object) -> ControlIssue:
    """R-PJ-6: fund the department's project lines in rank order, each at its 一上 figure, until
    the project control number of its fund type is used; the one that no longer fits gets the
    rest, those after it nothing."""
    ensure_permission(actor, CONTROL_PERMISSION)
    issue = access_control(actor, issue_id, for_update=True)
    if issue.state == ControlState.ISSUED:
        raise refuse(
            "budgeting.control_issued",
            "state",
            "控制数已下达，不能修改",
            "issued already",
            status=409,
        )
    left = {n.fund_type_code: n.amount_fen for n in issue.numbers.filter(part=Part.PROJECT)}
    lines = list(_project_lines(issue).values())
    applied = stage_amounts([x.pk for x in lines], Stage.APPLY_1)
    ordered = sorted(
        lines,
        key=lambda x: (
            x.project.rank is None if x.project else True,
            (x.project.rank or 0) if x.project else 0,
            x.organisation.path,
            x.project_id or 0,
            x.position,
        ),
    )
    figures: dict[int, Money] = {}
    for line in ordered:
        wanted = applied.get(line.pk, line.amount_fen)
        give = min(wanted, left.get(line.fund_type_code, 0))
        left[line.fund_type_code] = left.get(line.fund_type_code, 0) - give
        figures[line.pk] = Money(give)
    _set_figures(issue, figures)
    audit_record(
        action="budgeting.control_fill",
        actor=actor,
        obj=issue,
        extra={"figures": {str(k): v.fen for k, v in figures.items()}},
    )
    return issue


@transaction.atomic
def control_issue(*, actor: Actor, issue_id: object) -> ControlIssue:
    """Issue the control numbers: frozen from now, and each 财政拨款 line's 一下 figure written
    once (basic lines at their 一上 figure, project lines at finance's figure or 0)."""
    ensure_permission(actor, CONTROL_PERMISSION)
    issue = access_control(actor, issue_id, for_update=True)
    if issue.state == ControlState.ISSUED:
        raise refuse(
            "budgeting.control_issued", "state", "控制数已下达", "issued already", status=409
        )
    if issue.created_by_id == actor.pk:
        raise refuse(
            "budgeting.issuer_is_entrant",
            "issued_by",
            f"控制数 {issue.number} 由您录入，须由另一位人员审核下达",
            f"you entered {issue.number}; another officer issues it",
            rule="R-WF-1",
            status=403,
        )
    if not issue.numbers.exists():
        raise refuse(
            "budgeting.control_empty",
            "numbers",
            "尚未填写控制数",
            "no control numbers entered",
            rule="R-BP-1",
        )
    raise_if_any(_plan_errors(issue))  # 一下 within the available revenue
    lines = list(
        BudgetLine.objects.filter(
            round=issue.round, department=issue.department, side=Side.EXPENDITURE
        )
    )
    applied = stage_amounts([x.pk for x in lines], Stage.APPLY_1)
    figures = dict(issue.lines.values_list("line_id", "amount_fen"))
    rows = []
    for line in lines:
        if line.pk not in applied or rules.controlled_key(facts(line)) is None:
            continue
        figure = applied[line.pk] if line.part == Part.BASIC else figures.get(line.pk, 0)
        rows.append((line, figure))
    write_stage(actor, rows, Stage.CONTROL, control=issue)
    issue.state = ControlState.ISSUED
    issue.issued_by_id = actor.pk
    issue.issued_at = timezone.now()
    issue.save(update_fields=["state", "issued_by", "issued_at", "updated_at"])
    totals: dict[str, int] = defaultdict(int)
    for n in issue.numbers.all():
        totals[f"{n.fund_type_code}.{n.part}"] = n.amount_fen
    audit_record(
        action="budgeting.control_issue",
        actor=actor,
        obj=issue,
        changes={"state": [ControlState.DRAFT, ControlState.ISSUED]},
        extra={"numbers": dict(totals), "lines": len(rows)},
    )
    return issue


# --- the available-revenue plan (可用财力) ------------------------------------------------------


def revenue_plan(budget_round: BudgetRound) -> dict[str, int]:
    """The plan in force: the latest figure of each fund type."""
    found: dict[str, int] = {}
    for fund, amount in (
        RevenuePlan.objects.filter(round=budget_round)
        .order_by("created_at", "pk")
        .values_list("fund_type_code", "amount_fen")
    ):
        found[fund] = amount
    return found


def issued_totals(budget_round: BudgetRound) -> dict[str, int]:
    """Σ control numbers issued so far per fund type, over every department and both parts."""
    found: dict[str, int] = defaultdict(int)
    for fund, amount in ControlNumber.objects.filter(
        issue__round=budget_round, issue__state=ControlState.ISSUED
    ).values_list("fund_type_code", "amount_fen"):
        found[fund] += amount
    return dict(found)


@transaction.atomic
def revenue_plan_set(
    *, actor: Actor, round_id: object, figures: Mapping[str, Money], note: str = ""
) -> dict[str, int]:
    """Set the available revenue of the budget year by 财政拨款 fund type (a new row each; the
    latest counts); never below what the control numbers already issued take."""
    ensure_permission(actor, CONTROL_PERMISSION)
    budget_round = access_round(actor, round_id, for_update=True)
    issued = issued_totals(budget_round)
    errors: list[ErrorDetail] = []
    for fund, money in figures.items():
        if fund not in FISCAL_FUND_TYPES:
            errors.append(
                err(
                    "budgeting.control_fund",
                    f"figures.{fund}",
                    "可用财力按财政拨款资金性质编制",
                    "available revenue is planned per appropriation fund type",
                    value=fund,
                )
            )
        elif money.fen < 0:
            errors.append(
                err(
                    "budgeting.negative",
                    f"figures.{fund}",
                    "可用财力不能为负数",
                    "available revenue cannot be negative",
                    value=str(money),
                )
            )
        elif money.fen < issued.get(fund, 0):
            errors.append(
                err(
                    "budgeting.plan_below_issued",
                    f"figures.{fund}",
                    f"{rules.FUND_NAMES[fund]}可用财力 {rules.yuan(money.fen)} 元低于已下达的控制数合计 "
                    f"{rules.yuan(issued[fund])} 元",
                    f"available revenue {rules.yuan(money.fen)} for {fund} is below the control "
                    f"numbers issued, {rules.yuan(issued[fund])}",
                    rule="R-BP-1",
                    value=rules.yuan(money.fen),
                    limit=rules.yuan(issued[fund]),
                )
            )
    raise_if_any(errors)
    before = revenue_plan(budget_round)
    now = timezone.now()
    RevenuePlan.objects.bulk_create(
        RevenuePlan(
            mof_div_code=budget_round.mof_div_code,
            round=budget_round,
            fund_type_code=fund,
            amount_fen=money.fen,
            note=note.strip()[:200],
            created_by_id=actor.pk,
            created_at=now,
        )
        for fund, money in sorted(figures.items())
    )
    after = revenue_plan(budget_round)
    audit_record(
        action="budgeting.revenue_plan",
        actor=actor,
        obj=budget_round,
        changes={f"revenue_plan.{f}": [before.get(f), after[f]] for f in sorted(figures)},
        extra={"note": note.strip()[:200]},
    )
    return after


def _plan_errors(issue: ControlIssue) -> list[ErrorDetail]:
    """一下 within the available revenue: Σ control numbers of every department, this one's
    included, per fund type ≤ the plan (DOMAIN §3.3)."""
    plan = revenue_plan(issue.round)
    issued = issued_totals(issue.round)
    errors = []
    mine: dict[str, int] = defaultdict(int)
    for n in issue.numbers.all():
        mine[n.fund_type_code] += n.amount_fen
    for fund, amount in sorted(mine.items()):
        if amount == 0:
            continue
        if fund not in plan:
            errors.append(
                err(
                    "budgeting.no_revenue_plan",
                    f"revenue_plan.{fund}",
                    f"尚未编制{rules.FUND_NAMES.get(fund, fund)}可用财力，不能下达控制数",
                    f"no available revenue is planned for {fund}; control numbers wait for it",
                    rule="R-BP-1",
                )
            )
            continue
        total = issued.get(fund, 0) + amount
        if total > plan[fund]:
            errors.append(
                err(
                    "budgeting.over_revenue_plan",
                    f"revenue_plan.{fund}",
                    f"{rules.FUND_NAMES.get(fund, fund)}控制数合计 {rules.yuan(total)} 元（已下达 "
                    f"{rules.yuan(issued.get(fund, 0))} 元 + 本部门 {rules.yuan(amount)} 元）超过可用财力 "
                    f"{rules.yuan(plan[fund])} 元",
                    f"control numbers for {fund} would total {rules.yuan(total)}, over the available "
                    f"revenue {rules.yuan(plan[fund])}",
                    rule="R-BP-1",
                    value=rules.yuan(total),
                    limit=rules.yuan(plan[fund]),
                )
            )
    return errors
