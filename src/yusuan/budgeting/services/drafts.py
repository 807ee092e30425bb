"""A unit's draft budget (一上, 二上): built, edited, checked; its stage written once (R-BP-9).

一上 builds the draft from what the system already knows: the unit's 人员类 and 公用经费 from the
basic-expenditure computation in force (R-PJ-5, R-PJ-8: computed, never typed) and the stored
library projects of the budget year in the department's rank order (R-PJ-6), with the 财政拨款
revenue derived from the spending it funds. 二上 starts from the 一下 figures: each project line
at finance's 财政审核数 (0 where finance will not fund it) and must fit the control numbers
(R-BP-1). The clerk edits working figures; the stage figure of every line is written when the
draft's last approval passes (``stage_write``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.budgeting import locks, rules
from yusuan.budgeting.choices import (
    TYPED_REVENUE_KINDS,
    ControlState,
    DraftStage,
    DraftState,
    Part,
    RevenueKind,
    Side,
    Stage,
)
from yusuan.budgeting.models import BudgetDraft, BudgetLine, BudgetRound, ControlIssue, ControlLine
from yusuan.budgeting.rules import FISCAL_FUND_TYPES, THREE_PUBLIC_CODES, UNIT_FUND_TYPE
from yusuan.budgeting.services.building import (
    basic_lines,
    create_lines,
    library_projects,
    next_position,
    pay_defaults,
    project_lines,
)
from yusuan.budgeting.services.common import (
    as_pk,
    department_of,
    ensure_agency,
    err,
    facts,
    refuse,
    write_stage,
)
from yusuan.budgeting.services.rounds import access_round
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import CodeKind
from yusuan.core.models import Organisation
from yusuan.core.selectors import acting_organisation, standards_for
from yusuan.core.services.sequences import next_number
from yusuan.core.validation import ElementValue, element_errors
from yusuan.indicators.models import IndicatorLine
from yusuan.projects.basic_models import BasicLine
from yusuan.projects.basic_selectors import current_run
from yusuan.projects.choices import (
    FUNDABLE_STATES,
)
from yusuan.projects.models import Project, ProjectPlan
from yusuan.projects.services.basic import declared_in

PREPARE_PERMISSION = "budgeting.prepare_budget"
PERSONNEL_TOLERANCE_BP = 100  # R-BP-3: 1 % [D]
EDITABLE_FIELDS = (
    "side",
    "revenue_kind",
    "part",
    "project_id",
    "exp_func_code",
    "dep_bgt_eco_code",
    "fund_type_code",
    "carry_over",
    "pay_type_code",
    "acc_type",
    "is_gov_pur",
    "pur_item",
    "is_gov_service",
    "service_item",
    "is_asset",
    "people",
    "days",
    "standard_fen",
    "summary",
    "amount_fen",
)


@dataclass(frozen=True)
class LineInput:
    side: str = Side.EXPENDITURE
    amount: Money = field(default_factory=lambda: Money(0))
    revenue_kind: str = ""
    part: str = Part.PROJECT
    project_id: int | None = None
    exp_func_code: str = ""
    dep_bgt_eco_code: str = ""
    fund_type_code: str = ""
    carry_over: bool = False
    pay_type_code: str = ""
    acc_type: str = ""
    is_gov_pur: bool = False
    pur_item: str = ""
    is_gov_service: bool = False
    service_item: str = ""
    is_asset: bool = False
    people: int | None = None
    days: int | None = None
    standard_fen: int | None = None
    summary: str = ""


@dataclass
class Check:
    """What a draft's submission would meet: blocking errors and review findings."""

    errors: list[ErrorDetail]
    findings: list[rules.Finding]


# --- reading ----------------------------------------------------------------------------------


def access_draft(actor: Actor, draft_id: object, *, for_update: bool = False) -> BudgetDraft:
    pk = as_pk(draft_id)
    rows = locks.draft_qs_select_for_update() if for_update else BudgetDraft.objects.all()
    found = (
        rows.visible_to(actor)
        .select_related("round", "organisation", "department")
        .filter(pk=pk)
        .first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFoundError("budget draft")
    return found


def unit_lines(budget_round: BudgetRound, organisation_id: int) -> list[BudgetLine]:
    return list(
        BudgetLine.objects.filter(
            round=budget_round, organisation_id=organisation_id, removed=False
        )
        .select_related("project")
        .order_by("side", "position")
    )


def department_lines(budget_round: BudgetRound, department_id: int) -> list[BudgetLine]:
    """The department's 二上 lines: those of its units that are at 二上 (a unit still at 一上
    does not count against the control numbers with its 一上 asks)."""
    at_second = BudgetDraft.objects.filter(
        round=budget_round, department_id=department_id, stage=DraftStage.APPLY_2
    ).values("organisation_id")
    return list(
        BudgetLine.objects.filter(
            round=budget_round,
            department_id=department_id,
            removed=False,
            side=Side.EXPENDITURE,
            organisation_id__in=at_second,
        )
    )


def control_of(budget_round: BudgetRound, department_id: int) -> ControlIssue | None:
    return ControlIssue.objects.filter(
        round=budget_round, department_id=department_id, state=ControlState.ISSUED
    ).first()


def control_numbers(issue: ControlIssue) -> dict[tuple[str, str], int]:
    return {(n.fund_type_code, n.part): n.amount_fen for n in issue.numbers.all()}


# --- building 一上 -----------------------------------------------------------------------------


def sync_fiscal_revenue(
    budget_round: BudgetRound, unit: Organisation, department: Organisation
) -> None:
    """财政拨款收入 per fund type = the new 财政拨款 spending it funds (derived, never typed)."""
    spent: dict[str, int] = defaultdict(int)
    for fund_type, amount in BudgetLine.objects.filter(
        round=budget_round,
        organisation=unit,
        side=Side.EXPENDITURE,
        removed=False,
        carry_over=False,
        fund_type_code__in=FISCAL_FUND_TYPES,
    ).values_list("fund_type_code", "amount_fen"):
        spent[fund_type] += amount
    existing = {
        line.fund_type_code: line
        for line in locks.line_qs_select_for_update().filter(
            round=budget_round,
            organisation=unit,
            side=Side.REVENUE,
            revenue_kind=RevenueKind.FISCAL,
        )
    }
    changed, missing = [], []
    for fund_type in FISCAL_FUND_TYPES:
        amount = spent.get(fund_type, 0)
        line = existing.get(fund_type)
        if line is None:
            if amount:
                missing.append(
                    {
                        "side": Side.REVENUE,
                        "revenue_kind": RevenueKind.FISCAL,
                        "fund_type_code": fund_type,
                        "amount_fen": amount,
                        "computed": True,
                        "summary": f"财政拨款收入（{rules.FUND_NAMES[fund_type]}）",
                    }
                )
        elif line.amount_fen != amount:
            line.amount_fen = amount
            changed.append(line)
    if changed:
        BudgetLine.objects.bulk_update(changed, ["amount_fen"])
    if missing:
        create_lines(budget_round, unit, department, missing)


def _number(budget_round: BudgetRound) -> str:
    n = next_number(
        mof_div_code=budget_round.mof_div_code,
        fiscal_year=budget_round.fiscal_year,
        series="budget-draft",
    )
    return f"BZ{budget_round.fiscal_year}{n:06d}"


@transaction.atomic
def draft_start(
    *,
    actor: Actor,
    round_id: object,
    stage: str,
    organisation_id: int | None = None,
    project_ids: Sequence[int] | None = None,
) -> BudgetDraft:
    """Open a unit's draft of a stage. 一上: lines from the computed basic expenditure and the
    library (all fundable projects, or those picked); 二上: from the 一下 figures."""
    ensure_permission(actor, PREPARE_PERMISSION)
    budget_round = access_round(actor, round_id, for_update=True)
    unit = acting_organisation(actor=actor, organisation_id=organisation_id)
    ensure_agency(unit)
    department = department_of(unit)
    if stage not in DraftStage.values:
        raise refuse(
            "budgeting.bad_stage",
            "stage",
            "阶段只能是一上或二上",
            "stage is 一上 or 二上",
            value=stage,
        )
    if BudgetDraft.objects.filter(round=budget_round, organisation=unit, stage=stage).exists():
        raise refuse(
            "budgeting.draft_exists",
            "stage",
            f"{unit.name}的{DraftStage(stage).label}预算已建立",
            f"{unit.name} has its {stage} draft already",
            status=409,
            value=stage,
        )
    if stage == DraftStage.APPLY_1:
        _build_apply_1(budget_round, unit, department, project_ids)
    else:
        _open_apply_2(budget_round, unit, department)
    sync_fiscal_revenue(budget_round, unit, department)
    draft = BudgetDraft.objects.create(
        mof_div_code=budget_round.mof_div_code,
        fiscal_year=budget_round.fiscal_year,
        round=budget_round,
        number=_number(budget_round),
        organisation=unit,
        department=department,
        stage=stage,
        created_by_id=actor.pk,
    )
    audit_record(
        action="budgeting.draft_start",
        actor=actor,
        obj=draft,
        changes={"state": [None, DraftState.DRAFT]},
        extra={
            "stage": stage,
            "lines": BudgetLine.objects.filter(round=budget_round, organisation=unit).count(),
        },
    )
    return draft


def _build_apply_1(
    budget_round: BudgetRound,
    unit: Organisation,
    department: Organisation,
    project_ids: Sequence[int] | None,
) -> None:
    if BudgetLine.objects.filter(round=budget_round, organisation=unit).exists():
        return
    basic = basic_lines(budget_round, unit)
    projects = library_projects(budget_round, unit)
    if project_ids is not None:
        wanted = set(project_ids)
        unknown = wanted - {p.pk for p in projects}
        if unknown:
            raise refuse(
                "budgeting.project_not_fundable",
                "project_ids",
                "所选项目不在本单位本年度可安排预算的项目库中（须已入库且有本年度支出计划，R-PJ-1）",
                "a picked project is not a stored library project of the unit for the year (R-PJ-1)",
                rule="R-PJ-1",
                value=sorted(unknown),
            )
        projects = [p for p in projects if p.pk in wanted]
    functional = Counter(row["exp_func_code"] for row in basic if row["exp_func_code"]).most_common(
        1
    )
    create_lines(
        budget_round,
        unit,
        department,
        [*basic, *project_lines(budget_round, projects, functional[0][0] if functional else "")],
    )


def _open_apply_2(budget_round: BudgetRound, unit: Organisation, department: Organisation) -> None:
    first = BudgetDraft.objects.filter(
        round=budget_round, organisation=unit, stage=DraftStage.APPLY_1
    ).first()
    if first is None or first.state != DraftState.APPROVED:
        raise refuse(
            "budgeting.apply_1_first",
            "stage",
            f"{unit.name}的一上预算尚未审核通过，不能编报二上",
            f"{unit.name}'s 一上 draft is not approved yet",
            rule="R-BP-9",
            status=409,
        )
    issue = control_of(budget_round, department.pk)
    if issue is None:
        raise refuse(
            "budgeting.no_control",
            "stage",
            f"{department.name}的一下控制数尚未下达，不能编报二上",
            f"{department.name} has no issued control numbers yet",
            rule="R-BP-1",
            status=409,
        )
    figures = dict(ControlLine.objects.filter(issue=issue).values_list("line_id", "amount_fen"))
    lines = list(
        locks.line_qs_select_for_update().filter(
            round=budget_round,
            organisation=unit,
            side=Side.EXPENDITURE,
            part=Part.PROJECT,
            removed=False,
        )
    )
    for line in lines:
        if rules.controlled_key(facts(line)) is not None:
            line.amount_fen = figures.get(line.pk, 0)
    BudgetLine.objects.bulk_update(lines, ["amount_fen"])


# --- editing ----------------------------------------------------------------------------------


def _editable_draft(actor: Actor, draft_id: object) -> BudgetDraft:
    ensure_permission(actor, PREPARE_PERMISSION)
    draft = access_draft(actor, draft_id, for_update=True)
    if draft.state != DraftState.DRAFT:
        raise refuse(
            "budgeting.not_draft",
            "state",
            f"预算 {draft.number} 处于“{draft.get_state_display()}”状态，不能修改",
            f"{draft.number} is {draft.state}; only drafts are edited",
            status=409,
            value=draft.state,
        )
    return draft


def _computed_refusal(line: BudgetLine) -> None:
    if line.computed:
        raise refuse(
            "budgeting.computed_line",
            f"lines[{line.position}]",
            f"第 {line.position} 行由系统生成（人员类、公用经费按定员定额测算；财政拨款收入按支出生成），不能手工修改",
            f"row {line.position} is computed by the system (R-PJ-8) and cannot be edited",
            rule="R-PJ-8",
            status=403,
            row=line.position,
        )


def _line_errors(
    draft: BudgetDraft, data: LineInput, line_id: int | None, *, plan_others_fen: int | None = None
) -> list[ErrorDetail]:
    """The rules a line's values meet (``line_save``; the Excel import row by row, giving
    ``plan_others_fen``: the project's other lines as the whole file leaves them, R-PJ-3)."""
    errors: list[ErrorDetail] = []
    code_year = declared_in(draft.mof_div_code, draft.fiscal_year)
    elements = []
    if data.amount.fen < 0:
        errors.append(
            err(
                "budgeting.negative",
                "amount",
                "金额不能为负数",
                "the amount cannot be negative",
                value=str(data.amount),
            )
        )
    if data.side == Side.REVENUE:
        if data.revenue_kind not in TYPED_REVENUE_KINDS:
            errors.append(
                err(
                    "budgeting.revenue_kind",
                    "revenue_kind",
                    "请选择收入类型（财政拨款收入按支出自动生成）",
                    "choose the revenue kind (appropriations are derived from spending)",
                    value=data.revenue_kind,
                    limit=list(TYPED_REVENUE_KINDS),
                )
            )
        if data.revenue_kind == RevenueKind.CARRY_OVER:
            elements.append(ElementValue("fund_type_code", CodeKind.FUND_TYPE, data.fund_type_code))
        return errors + element_errors(
            mof_div_code=draft.mof_div_code, fiscal_year=code_year, elements=elements
        )
    if data.side != Side.EXPENDITURE:
        errors.append(
            err(
                "budgeting.side",
                "side",
                "请选择收入或支出",
                "choose revenue or expenditure",
                value=data.side,
            )
        )
        return errors
    if data.part != Part.PROJECT:
        errors.append(
            err(
                "budgeting.basic_computed",
                "part",
                "基本支出由系统按人员库和定员定额测算，单位不能手工增加（R-PJ-8）",
                "basic expenditure is computed (R-PJ-8); units add project lines only",
                rule="R-PJ-8",
                value=data.part,
            )
        )
    project = (
        Project.objects.filter(pk=data.project_id, organisation_id=draft.organisation_id).first()
        if data.project_id
        else None
    )
    if project is None or project.state not in FUNDABLE_STATES:
        errors.append(
            err(
                "budgeting.project_required",
                "project_id",
                "项目支出须选择本单位已入库的项目（未纳入项目库的项目不得安排预算，R-PJ-1）",
                "a project line names a stored project of the unit (R-PJ-1)",
                rule="R-PJ-1",
                value=data.project_id,
            )
        )
    elements.append(ElementValue("fund_type_code", CodeKind.FUND_TYPE, data.fund_type_code))
    if data.exp_func_code:
        elements.append(ElementValue("exp_func_code", CodeKind.FUNCTIONAL, data.exp_func_code))
    if data.dep_bgt_eco_code:
        elements.append(
            ElementValue("dep_bgt_eco_code", CodeKind.DEPARTMENT_ECONOMIC, data.dep_bgt_eco_code)
        )
    if data.is_gov_service and data.service_item.strip():  # R-BP-15: in the region's catalogue
        elements.append(
            ElementValue("service_item", CodeKind.GOV_SERVICE, data.service_item.strip())
        )
    errors += element_errors(
        mof_div_code=draft.mof_div_code, fiscal_year=code_year, elements=elements
    )
    if project is not None and project.state in FUNDABLE_STATES and not data.carry_over:
        errors += _plan_errors(draft, project, data, line_id, others=plan_others_fen)
    return errors


def _plan_errors(
    draft: BudgetDraft,
    project: Project,
    data: LineInput,
    line_id: int | None,
    *,
    others: int | None = None,
) -> list[ErrorDetail]:
    """R-PJ-3: a project's lines of the year stay within its plan for the year, per fund nature
    (the plan is kept by year and fund nature, DOMAIN-2 §2.1). ``others``: the project's other
    lines of the fund, when the caller knows them better than the database does (an import
    changes several lines at once); else they are read."""
    fund = data.fund_type_code
    plan = (
        ProjectPlan.objects.filter(
            project=project, year=draft.fiscal_year, fund_type=fund
        ).aggregate(t=Sum("amount_fen"))["t"]
        or 0
    )
    if others is None:
        others = (
            BudgetLine.objects.filter(
                round=draft.round,
                project=project,
                side=Side.EXPENDITURE,
                removed=False,
                carry_over=False,
                fund_type_code=fund,
            )
            .exclude(pk=line_id or 0)
            .aggregate(t=Sum("amount_fen"))["t"]
            or 0
        )
    total = others + data.amount.fen
    if total <= plan:
        return []
    fund_name = rules.FUND_NAMES.get(fund, fund)
    return [
        err(
            "budgeting.over_plan",
            "amount",
            f"项目 {project.code} {project.name} 本年度{fund_name}安排合计 {rules.yuan(total)} 元超过其"
            f"{draft.fiscal_year} 年{fund_name}支出计划 {rules.yuan(plan)} 元（请先调整项目计划）",
            f"project {project.code}: the year's {fund} lines total {rules.yuan(total)}, over its "
            f"{draft.fiscal_year} plan for {fund} of {rules.yuan(plan)}",
            rule="R-PJ-3",
            value=rules.yuan(total),
            limit=rules.yuan(plan),
        )
    ]


def _apply(line: BudgetLine, data: LineInput) -> dict[str, list[Any]]:
    amount = data.amount.fen
    if data.people and data.days and data.standard_fen:
        amount = data.people * data.days * data.standard_fen  # R-BP-14: computed, not typed
    values: dict[str, Any] = {
        "side": data.side,
        "revenue_kind": data.revenue_kind if data.side == Side.REVENUE else "",
        "part": data.part if data.side == Side.EXPENDITURE else "",
        "project_id": data.project_id if data.side == Side.EXPENDITURE else None,
        "exp_func_code": data.exp_func_code.strip(),
        "dep_bgt_eco_code": data.dep_bgt_eco_code.strip(),
        "fund_type_code": data.fund_type_code.strip() or _revenue_fund(data),
        "carry_over": data.carry_over or data.revenue_kind == RevenueKind.CARRY_OVER,
        "pay_type_code": data.pay_type_code or pay_defaults(data.fund_type_code)["pay_type_code"],
        "acc_type": data.acc_type or pay_defaults(data.fund_type_code)["acc_type"],
        "is_gov_pur": data.is_gov_pur,
        "pur_item": data.pur_item.strip(),
        "is_gov_service": data.is_gov_service,
        "service_item": data.service_item.strip() if data.is_gov_service else "",
        "is_asset": data.is_asset,
        "people": data.people,
        "days": data.days,
        "standard_fen": data.standard_fen,
        "summary": data.summary.strip()[:200],
        "amount_fen": amount,
    }
    changes = {}
    for name in EDITABLE_FIELDS:
        before = getattr(line, name)
        if before != values[name]:
            changes[name] = [before, values[name]]
            setattr(line, name, values[name])
    return changes


def _revenue_fund(data: LineInput) -> str:
    if data.side != Side.REVENUE:
        return ""
    if data.revenue_kind == RevenueKind.SPECIAL_ACCOUNT:
        return "411"
    if data.revenue_kind == RevenueKind.CARRY_OVER:
        return ""
    return UNIT_FUND_TYPE


@transaction.atomic
def line_save(
    *, actor: Actor, draft_id: object, data: LineInput, line_id: object = None
) -> BudgetLine:
    """Add a line to a draft or change one (the working figure; stages are written at approval)."""
    draft = _editable_draft(actor, draft_id)
    line: BudgetLine | None = None
    if line_id not in (None, ""):
        line = (
            locks.line_qs_select_for_update()
            .filter(
                pk=as_pk(line_id) or 0,
                round=draft.round,
                organisation=draft.organisation,
                removed=False,
            )
            .first()
        )
        if line is None:
            raise NotFoundError("budget line")
        _computed_refusal(line)
    raise_if_any(_line_errors(draft, data, line.pk if line else None))
    if line is None:
        line = BudgetLine(
            mof_div_code=draft.mof_div_code,
            fiscal_year=draft.fiscal_year,
            round=draft.round,
            organisation=draft.organisation,
            department=draft.department,
            position=next_position(draft.round, draft.organisation_id),
        )
    changes = _apply(line, data)
    line.save()
    sync_fiscal_revenue(draft.round, draft.organisation, draft.department)
    audit_record(
        action="budgeting.line_save",
        actor=actor,
        obj=draft,
        changes={f"lines[{line.position}].{k}": v for k, v in changes.items()},
        extra={"line": line.pk},
    )
    return line


@transaction.atomic
def line_remove(*, actor: Actor, draft_id: object, line_id: object) -> BudgetLine:
    draft = _editable_draft(actor, draft_id)
    line = (
        locks.line_qs_select_for_update()
        .filter(
            pk=as_pk(line_id) or 0,
            round=draft.round,
            organisation=draft.organisation,
            removed=False,
        )
        .first()
    )
    if line is None:
        raise NotFoundError("budget line")
    _computed_refusal(line)
    before = line.amount_fen
    line.removed, line.amount_fen = True, 0
    line.save(update_fields=["removed", "amount_fen", "updated_at"])
    sync_fiscal_revenue(draft.round, draft.organisation, draft.department)
    audit_record(
        action="budgeting.line_remove",
        actor=actor,
        obj=draft,
        changes={f"lines[{line.position}].amount_fen": [before, 0]},
        extra={"line": line.pk},
    )
    return line


# --- checking ---------------------------------------------------------------------------------


def control_check(draft: BudgetDraft) -> list[ErrorDetail]:
    """R-BP-1 over the department's working 二上 figures (every unit's, not only this one)."""
    issue = control_of(draft.round, draft.department_id)
    if issue is None:
        return []
    sums = rules.controlled_sums(
        facts(x) for x in department_lines(draft.round, draft.department_id)
    )
    return rules.control_errors(draft.department.name, sums, control_numbers(issue))


def _last_year_three_public(draft: BudgetDraft) -> dict[str, int]:
    """R-BP-6: last year's 三公 per economic 款, from the unit's indicators of that year."""
    found: dict[str, int] = defaultdict(int)
    for code, total in IndicatorLine.objects.filter(
        mof_div_code=draft.mof_div_code,
        fiscal_year=draft.fiscal_year - 1,
        organisation_id=draft.organisation_id,
        dep_bgt_eco_code__regex=r"^(" + "|".join(THREE_PUBLIC_CODES) + ")",
    ).values_list("dep_bgt_eco_code", "total"):
        found[code[:5]] += total
    return found


def _carry_over_balances(draft: BudgetDraft, lines: Sequence[BudgetLine]) -> dict[int, int]:
    """R-BP-11 [D until the year-end closing]: the unspent balance (total − paid − frozen) of
    each carried project's indicators of last year, for the unit."""
    projects = {x.project_id for x in lines if x.carry_over and x.project_id}
    if not projects:
        return {}
    found: dict[int, int] = defaultdict(int)
    for project_id, total, paid, frozen in IndicatorLine.objects.filter(
        mof_div_code=draft.mof_div_code,
        fiscal_year=draft.fiscal_year - 1,
        organisation_id=draft.organisation_id,
        project_id__in=projects,
    ).values_list("project_id", "total", "paid", "frozen"):
        found[project_id] += total - paid - frozen
    return found


def _computed_personnel(draft: BudgetDraft) -> int | None:
    """R-BP-3: the unit's 工资福利支出 (301) as the computation in force made it from the
    person table. A finance override of the 人员类 figure (R-PJ-8) moves the lines away from it,
    and the review sees by how much."""
    run = current_run(mof_div_code=draft.mof_div_code, fiscal_year=draft.fiscal_year)
    if run is None:
        return None
    rows = BasicLine.objects.filter(run=run, organisation_id=draft.organisation_id, category="1")
    if not rows.exists():
        return None
    return int(
        rows.filter(economic_code__startswith="301").aggregate(t=Sum("amount_fen"))["t"] or 0
    )


def draft_check(draft: BudgetDraft) -> Check:
    lines = unit_lines(draft.round, draft.organisation_id)
    line_facts = [facts(x) for x in lines]
    name = draft.organisation.name
    errors = rules.balance_errors(name, line_facts)
    if draft.stage == DraftStage.APPLY_2:
        threshold = standards_for(mof_div_code=draft.mof_div_code, fiscal_year=draft.fiscal_year)[
            "budget.procurement_threshold"
        ]
        errors += rules.detail_errors(line_facts, procurement_threshold_fen=int(threshold))
        errors += rules.carry_over_errors(line_facts, _carry_over_balances(draft, lines))
        errors += control_check(draft)
    findings = [
        *rules.personnel_finding(line_facts, _computed_personnel(draft), PERSONNEL_TOLERANCE_BP),
        *rules.other_share_findings(line_facts),
        *rules.three_public_findings(line_facts, _last_year_three_public(draft)),
        *rules.asset_findings(line_facts),
    ]
    return Check(errors, findings)


# --- the engine's hooks -----------------------------------------------------------------------


def stage_of(draft: BudgetDraft) -> str:
    return Stage.APPLY_1 if draft.stage == DraftStage.APPLY_1 else Stage.APPLY_2


def on_submit(actor: Actor, draft: BudgetDraft) -> None:
    raise_if_any(draft_check(draft).errors)
    draft.submitted_at = timezone.now()
    draft.save(update_fields=["submitted_at", "updated_at"])


def on_department_approval(draft: BudgetDraft) -> None:
    """R-BP-1 again when the department approves: other units may have moved meanwhile."""
    if draft.stage == DraftStage.APPLY_2:
        raise_if_any(control_check(draft))


def on_final_approval(actor: Actor, draft: BudgetDraft) -> None:
    """R-BP-9: the stage's figure of every line of the unit, written once, as approved."""
    raise_if_any(draft_check(draft).errors)
    lines = list(BudgetLine.objects.filter(round=draft.round, organisation=draft.organisation))
    write_stage(
        actor, [(x, 0 if x.removed else x.amount_fen) for x in lines], stage_of(draft), draft=draft
    )
    draft.approved_at = timezone.now()
    draft.save(update_fields=["approved_at", "updated_at"])
