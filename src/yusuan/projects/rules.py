"""The project library's rules over plain values (DOMAIN §3.2, DOMAIN-2 §2.2 and §7.2).

Each function takes what a declaration holds and returns every violation it finds, so a page or
an import names them all at once (DESIGN §6). Services load the rows and raise; the approval
hooks call the same functions, so a rule cannot hold on one path and not on another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from yusuan.common.errors import ErrorDetail
from yusuan.common.money import Money
from yusuan.projects.choices import (
    DECLARED_CATEGORIES,
    LEVEL2_UNDER,
    SPECIFIC,
    BasisKind,
    GoalLevel1,
    Operator,
    ProjectKind,
    ReviewConclusion,
    ReviewKind,
)

# R-PF-5: with weights, the indicators carry 90 points; the execution rate carries the other 10.
INDICATOR_WEIGHT_TOTAL = 90


def _yuan(fen: int) -> str:
    return Money(fen).format()


@dataclass(frozen=True)
class PlanRow:
    year: int
    fund_type: str
    amount_fen: int


@dataclass(frozen=True)
class CalcRow:
    year: int
    content: str
    economic_code: str
    unit_price_fen: int
    quantity: Decimal
    amount_fen: int
    standard_key: str = ""
    unit: str = ""
    procurement_item: str = ""


@dataclass(frozen=True)
class IndicatorRow:
    level1: str
    level2: str
    name: str
    operator: str
    target: str
    unit: str = ""
    weight: int | None = None


@dataclass(frozen=True)
class GoalFacts:
    annual: str
    has_beneficiaries: bool
    indicators: Sequence[IndicatorRow]


@dataclass(frozen=True)
class ReviewFacts:
    kind: str
    conclusion: str
    approved_amount_fen: int | None


@dataclass(frozen=True)
class Thresholds:
    """Local limits (DOMAIN-2 §2.2 R-PJ-9, [K, local]); the standards table gives them."""

    ex_ante_fen: int
    appraisal_fen: int


@dataclass(frozen=True)
class Declaration:
    """What R-PJ-9 looks at: the project's own fields and its rows."""

    category: str
    kind: str
    total_amount_fen: int
    start_year: int
    end_year: int
    budget_year: int
    is_infrastructure: bool
    infrastructure_doc_no: str
    plans: Sequence[PlanRow]
    calculation: Sequence[CalcRow]
    goal: GoalFacts | None
    basis_kinds: frozenset[str]
    reviews: Sequence[ReviewFacts] = ()


def _e(
    code: str,
    field: str,
    zh: str,
    en: str,
    *,
    rule: str,
    value: object = None,
    limit: object = None,
) -> ErrorDetail:
    return ErrorDetail(
        code=code,
        rule=rule,
        field=field,
        value=value,
        limit=limit,
        message_zh=zh,
        message_en=en,
    )


def plan_errors(
    *, total_fen: int, start_year: int, end_year: int, plans: Sequence[PlanRow], prefix: str
) -> list[ErrorDetail]:
    """R-PJ-3: every year's plan inside the project's years, one row per year and fund nature,
    and Σ of the plans = the total."""
    errors: list[ErrorDetail] = []
    seen: set[tuple[int, str]] = set()
    for i, row in enumerate(plans):
        here = f"{prefix}[{i}]"
        if not start_year <= row.year <= end_year:
            errors.append(
                _e(
                    "projects.plan_year_outside",
                    f"{here}.year",
                    f"第 {i + 1} 行：年度 {row.year} 不在实施期 {start_year}–{end_year} 内",
                    f"row {i + 1}: year {row.year} is outside {start_year}–{end_year}",
                    rule="R-PJ-3",
                    value=row.year,
                    limit=[start_year, end_year],
                )
            )
        if row.amount_fen <= 0:
            errors.append(
                _e(
                    "projects.plan_not_positive",
                    f"{here}.amount",
                    f"第 {i + 1} 行：计划金额必须大于 0（当前 {_yuan(row.amount_fen)} 元）",
                    f"row {i + 1}: the planned amount must be above 0 (got {_yuan(row.amount_fen)})",
                    rule="R-PJ-3",
                    value=_yuan(row.amount_fen),
                    limit="> 0",
                )
            )
        if (row.year, row.fund_type) in seen:
            errors.append(
                _e(
                    "projects.plan_duplicate",
                    f"{here}.fund_type",
                    f"第 {i + 1} 行：{row.year} 年资金性质 {row.fund_type} 重复",
                    f"row {i + 1}: {row.year} / fund nature {row.fund_type} appears twice",
                    rule="R-PJ-3",
                    value=row.fund_type,
                )
            )
        seen.add((row.year, row.fund_type))
    planned = sum(row.amount_fen for row in plans)
    if planned != total_fen:
        errors.append(
            _e(
                "projects.plan_total_mismatch",
                prefix,
                f"分年度计划合计 {_yuan(planned)} 元，不等于项目总额 {_yuan(total_fen)} 元"
                f"（差 {_yuan(planned - total_fen)} 元）",
                f"the annual plans add up to {_yuan(planned)}, not the total {_yuan(total_fen)}"
                f" (difference {_yuan(planned - total_fen)})",
                rule="R-PJ-3",
                value=_yuan(planned),
                limit=_yuan(total_fen),
            )
        )
    return errors


def row_amount(unit_price_fen: int, quantity: Decimal) -> int:
    """Unit price × quantity, half up to the fen (quantities may have two decimals)."""
    return int((Decimal(unit_price_fen) * quantity).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def calculation_errors(
    rows: Sequence[CalcRow], *, standards: Mapping[str, int], block_over_standard: bool, prefix: str
) -> tuple[list[ErrorDetail], list[ErrorDetail]]:
    """R-PJ-10: unit price × quantity = row amount; a unit price above the 支出标准 it follows
    warns, or blocks where the region says so. Returns (errors, warnings)."""
    errors: list[ErrorDetail] = []
    warnings: list[ErrorDetail] = []
    for i, row in enumerate(rows):
        here = f"{prefix}[{i}]"
        if not row.content.strip():
            errors.append(
                _e(
                    "projects.calculation_content_required",
                    f"{here}.content",
                    f"测算明细第 {i + 1} 行：支出内容不能为空",
                    f"calculation row {i + 1}: say what the money is for",
                    rule="R-PJ-10",
                )
            )
        if row.unit_price_fen <= 0 or row.quantity <= 0:
            errors.append(
                _e(
                    "projects.calculation_not_positive",
                    f"{here}.quantity" if row.quantity <= 0 else f"{here}.unit_price",
                    f"测算明细第 {i + 1} 行：单价和数量必须大于 0"
                    f"（单价 {_yuan(row.unit_price_fen)} 元，数量 {row.quantity}）",
                    f"calculation row {i + 1}: the unit price and quantity must be above 0"
                    f" (unit price {_yuan(row.unit_price_fen)}, quantity {row.quantity})",
                    rule="R-PJ-10",
                    value=str(row.quantity) if row.quantity <= 0 else _yuan(row.unit_price_fen),
                    limit="> 0",
                )
            )
            continue
        expected = row_amount(row.unit_price_fen, row.quantity)
        if row.amount_fen != expected:
            errors.append(
                _e(
                    "projects.calculation_amount_mismatch",
                    f"{here}.amount",
                    f"测算明细第 {i + 1} 行：金额 {_yuan(row.amount_fen)} 元不等于"
                    f"单价 {_yuan(row.unit_price_fen)} 元 × 数量 {row.quantity} = {_yuan(expected)} 元",
                    f"calculation row {i + 1}: amount {_yuan(row.amount_fen)} is not unit price"
                    f" {_yuan(row.unit_price_fen)} × quantity {row.quantity} = {_yuan(expected)}",
                    rule="R-PJ-10",
                    value=_yuan(row.amount_fen),
                    limit=_yuan(expected),
                )
            )
        if row.standard_key:
            standard = standards.get(row.standard_key)
            if standard is None:
                errors.append(
                    _e(
                        "projects.calculation_unknown_standard",
                        f"{here}.standard_key",
                        f"测算明细第 {i + 1} 行：支出标准 {row.standard_key} 不存在",
                        f"calculation row {i + 1}: no expenditure standard {row.standard_key}",
                        rule="R-PJ-10",
                        value=row.standard_key,
                        limit=sorted(standards),
                    )
                )
            elif row.unit_price_fen > standard:
                over = _e(
                    "projects.calculation_above_standard",
                    f"{here}.unit_price",
                    f"测算明细第 {i + 1} 行：单价 {_yuan(row.unit_price_fen)} 元"
                    f"超过支出标准 {_yuan(standard)} 元",
                    f"calculation row {i + 1}: unit price {_yuan(row.unit_price_fen)} is above"
                    f" the standard {_yuan(standard)}",
                    rule="R-PJ-10",
                    value=_yuan(row.unit_price_fen),
                    limit=_yuan(standard),
                )
                (errors if block_over_standard else warnings).append(over)
    return errors, warnings


def _is_number(text: str) -> bool:
    try:
        Decimal(text.strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        return False
    return bool(text.strip())


def goal_errors(
    goal: GoalFacts | None, *, prefix: str = "goal", rows_prefix: str = ""
) -> list[ErrorDetail]:
    """R-PF-5 (and R-PJ-2): ≥ 1 产出 and ≥ 1 效益 indicator, 满意度 where the project serves
    people, a number and a unit on every quantitative indicator, second levels under their first,
    and weights (when used) on every indicator summing to 90."""
    if goal is None:
        return [
            _e(
                "projects.goal_missing",
                prefix,
                "特定目标类和其他运转类项目须填报绩效目标",
                "a performance goal is required for this project category",
                rule="R-PJ-2",
            )
        ]
    errors: list[ErrorDetail] = []
    if not goal.annual.strip():
        errors.append(
            _e(
                "projects.goal_annual_required",
                f"{prefix}.annual",
                "请填写年度总体目标",
                "write the goal for the year",
                rule="R-PF-5",
            )
        )
    rows = goal.indicators
    for i, row in enumerate(rows):
        here = f"{rows_prefix or prefix + '.indicators'}[{i}]"
        if row.level2 not in LEVEL2_UNDER.get(row.level1, frozenset()):
            errors.append(
                _e(
                    "projects.goal_level_mismatch",
                    f"{here}.level2",
                    f"绩效指标第 {i + 1} 行：二级指标 {row.level2} 不属于一级指标 {row.level1}",
                    f"indicator {i + 1}: {row.level2} is not under {row.level1}",
                    rule="R-PF-5",
                    value=row.level2,
                    limit=sorted(LEVEL2_UNDER.get(row.level1, frozenset())),
                )
            )
        if not row.name.strip():
            errors.append(
                _e(
                    "projects.goal_name_required",
                    f"{here}.name",
                    f"绩效指标第 {i + 1} 行：请填写三级指标名称",
                    f"indicator {i + 1}: name the indicator",
                    rule="R-PF-5",
                )
            )
        if row.operator != Operator.QUALITATIVE and (
            not _is_number(row.target) or not row.unit.strip()
        ):
            errors.append(
                _e(
                    "projects.goal_target_not_numeric",
                    f"{here}.target",
                    f"绩效指标第 {i + 1} 行“{row.name}”：定量指标须填写数值目标和计量单位"
                    f"（目标“{row.target}”，单位“{row.unit}”）",
                    f"indicator {i + 1} '{row.name}': a quantitative indicator needs a number"
                    f" and a unit (target '{row.target}', unit '{row.unit}')",
                    rule="R-PF-5",
                    value=row.target,
                )
            )
        elif row.operator == Operator.QUALITATIVE and not row.target.strip():
            errors.append(
                _e(
                    "projects.goal_target_required",
                    f"{here}.target",
                    f"绩效指标第 {i + 1} 行“{row.name}”：请填写目标值",
                    f"indicator {i + 1} '{row.name}': write the target",
                    rule="R-PF-5",
                )
            )
    present = {row.level1 for row in rows}
    needed = [GoalLevel1.OUTPUT, GoalLevel1.BENEFIT]
    if goal.has_beneficiaries:
        needed.append(GoalLevel1.SATISFACTION)
    for level in needed:
        if level not in present:
            label = str(GoalLevel1(level).label)
            errors.append(
                _e(
                    f"projects.goal_{level}_missing",
                    f"{prefix}.indicators",
                    f"绩效目标至少须有一项{label}指标",
                    f"the goal needs at least one {level} indicator",
                    rule="R-PJ-2" if level != GoalLevel1.SATISFACTION else "R-PF-5",
                    value=sorted(present),
                    limit=level,
                )
            )
    weights = [row.weight for row in rows]
    if any(w is not None for w in weights) and (
        any(w is None for w in weights) or sum(w or 0 for w in weights) != INDICATOR_WEIGHT_TOTAL
    ):
        total = sum(w or 0 for w in weights)
        errors.append(
            _e(
                "projects.goal_weights",
                f"{prefix}.indicators",
                f"使用权重时每项指标都须有权重，合计 {INDICATOR_WEIGHT_TOTAL} 分"
                f"（当前合计 {total} 分，{sum(w is None for w in weights)} 项未填）",
                f"with weights, every indicator needs one and they add up to"
                f" {INDICATOR_WEIGHT_TOTAL} (now {total}, {sum(w is None for w in weights)}"
                " missing)",
                rule="R-PF-5",
                value=total,
                limit=INDICATOR_WEIGHT_TOTAL,
            )
        )
    return errors


def needs_ex_ante(d: Declaration, t: Thresholds) -> bool:
    """中发〔2018〕34号: new major policies and projects get an ex-ante assessment."""
    return d.kind == ProjectKind.NEW and d.total_amount_fen >= t.ex_ante_fen


def needs_appraisal(d: Declaration, t: Thresholds) -> bool:
    return d.is_infrastructure or d.total_amount_fen >= t.appraisal_fen


def declaration_errors(d: Declaration) -> list[ErrorDetail]:
    """What a unit must put in before it declares (R-PJ-3, R-PJ-9 without the reviews, R-PJ-2,
    R-PF-5). The same checks run again when the project is stored."""
    errors = plan_errors(
        total_fen=d.total_amount_fen,
        start_year=d.start_year,
        end_year=d.end_year,
        plans=d.plans,
        prefix="plans",
    )
    if d.category not in DECLARED_CATEGORIES:
        return errors
    if BasisKind.POLICY not in d.basis_kinds:
        errors.append(
            _e(
                "projects.basis_missing",
                "documents",
                "请上传立项依据（政策文件及文号）",
                "attach the policy basis (立项依据) with its document number",
                rule="R-PJ-9",
            )
        )
    if d.is_infrastructure and not d.infrastructure_doc_no.strip():
        errors.append(
            _e(
                "projects.infrastructure_approval_missing",
                "infrastructure_doc_no",
                "基本建设项目须填写发改部门批复文号",
                "a capital construction project needs the development and reform approval number",
                rule="R-PJ-9",
            )
        )
    year_plan = sum(p.amount_fen for p in d.plans if p.year == d.budget_year)
    year_calc = sum(r.amount_fen for r in d.calculation if r.year == d.budget_year)
    if year_calc != year_plan or year_plan == 0:
        errors.append(
            _e(
                "projects.calculation_total_mismatch",
                "calculation",
                f"{d.budget_year} 年测算明细合计 {_yuan(year_calc)} 元，"
                f"不等于该年计划 {_yuan(year_plan)} 元",
                f"the calculation for {d.budget_year} adds up to {_yuan(year_calc)},"
                f" not the year's plan {_yuan(year_plan)}",
                rule="R-PJ-9",
                value=_yuan(year_calc),
                limit=_yuan(year_plan),
            )
        )
    if d.category == SPECIFIC or d.goal is not None:
        errors += goal_errors(d.goal)
    return errors


def _latest(reviews: Sequence[ReviewFacts], kind: str) -> ReviewFacts | None:
    found = [r for r in reviews if r.kind == kind]
    return found[-1] if found else None


def review_errors(d: Declaration, t: Thresholds, *, kind: str) -> list[ErrorDetail]:
    """R-PJ-9: an ex-ante assessment (new and above the local threshold) or a financial
    appraisal (基本建设 or above its threshold) is recorded, and it did not say no."""
    if d.category not in DECLARED_CATEGORIES:
        return []
    required = needs_ex_ante(d, t) if kind == ReviewKind.EX_ANTE else needs_appraisal(d, t)
    if not required:
        return []
    limit = t.ex_ante_fen if kind == ReviewKind.EX_ANTE else t.appraisal_fen
    latest = _latest(d.reviews, kind)
    label = "事前绩效评估" if kind == ReviewKind.EX_ANTE else "财政评审"
    if latest is None:
        return [
            _e(
                f"projects.{kind}_missing",
                "reviews",
                f"项目金额 {_yuan(d.total_amount_fen)} 元（限额 {_yuan(limit)} 元）"
                f"{'，属基本建设' if d.is_infrastructure and kind == ReviewKind.APPRAISAL else ''}"
                f"，须先登记{label}结论",
                f"the project ({_yuan(d.total_amount_fen)}, threshold {_yuan(limit)}) needs"
                f" its {kind.replace('_', '-')} review recorded first",
                rule="R-PJ-9",
                value=_yuan(d.total_amount_fen),
                limit=_yuan(limit),
            )
        ]
    if latest.conclusion == ReviewConclusion.REJECT:
        return [
            _e(
                f"projects.{kind}_rejected",
                "reviews",
                f"{label}结论为“不予支持”，项目不能入库",
                f"the {kind.replace('_', '-')} review did not support the project",
                rule="R-PJ-9",
                value=latest.conclusion,
            )
        ]
    return []


def storage_errors(d: Declaration, t: Thresholds) -> list[ErrorDetail]:
    """R-PJ-9 and R-PJ-2 at 入库: the declaration's checks again, and the reviews."""
    return [
        *declaration_errors(d),
        *review_errors(d, t, kind=ReviewKind.EX_ANTE),
        *review_errors(d, t, kind=ReviewKind.APPRAISAL),
    ]
