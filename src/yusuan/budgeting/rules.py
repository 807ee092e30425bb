"""The rules of budget preparation as functions of plain facts (DOMAIN §3.3, DOMAIN-2 §4.2).

Blocking rules return ``ErrorDetail``s that name the rule, the field, the figures and the limit;
review rules (R-BP-3, R-BP-4, R-BP-6, R-BP-13) return ``Finding``s shown beside the line."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from yusuan.common.errors import ErrorDetail
from yusuan.common.money import Money

# The values of ``choices`` the rules read (kept here so the rules stay free of Django).
EXPENDITURE, REVENUE = "expenditure", "revenue"
BASIC, PROJECT = "basic", "project"
SPECIAL_ACCOUNT, CARRY_OVER = "special", "carry_over"
UNIT_REVENUE_KINDS = ("business", "operating", "superior", "affiliated", "other")
# 财政拨款 fund types (一般公共预算 / 政府性基金 / 国有资本经营); 专户 and 单位资金 have their own.
FISCAL_FUND_TYPES = ("111", "211", "311")
SPECIAL_FUND_TYPE = "411"
UNIT_FUND_TYPE = "511"
# 三公经费 (R-BP-6): the economic 款 that are 三公, with the 三公 category the indicator carries.
THREE_PUBLIC_CODES = {
    "30212": "1",  # 因公出国（境）费用
    "31013": "2",  # 公务用车购置
    "30231": "3",  # 公务用车运行维护费
    "30217": "4",  # 公务接待费
}
# R-BP-14: 会议费 and 培训费 lines come from people × days × standard.
MEETING_TRAINING_CODES = ("30215", "30216")
# R-BP-4: "other" items (…99) within an economic 类 stay within this share (basis points).
OTHER_SHARE_LIMIT_BP = 3000

FUND_NAMES = {
    "111": "一般公共预算",
    "211": "政府性基金预算",
    "311": "国有资本经营预算",
    "411": "财政专户管理资金",
    "511": "单位资金",
}
PART_NAMES = {BASIC: ("基本支出", "basic"), PROJECT: ("项目支出", "project")}


def yuan(fen: int) -> str:
    return Money(fen).format()


@dataclass(frozen=True)
class LineFacts:
    """What the rules read of a budget line."""

    position: int
    side: str
    amount_fen: int
    fund_type_code: str = ""
    carry_over: bool = False
    revenue_kind: str = ""
    part: str = ""
    project_id: int | None = None
    exp_func_code: str = ""
    dep_bgt_eco_code: str = ""
    is_gov_pur: bool = False
    pur_item: str = ""
    is_asset: bool = False
    is_gov_service: bool = False
    service_item: str = ""
    people: int | None = None
    days: int | None = None
    standard_fen: int | None = None
    computed: bool = False


@dataclass(frozen=True)
class Finding:
    """A review rule's note on a line or a unit: shown, not blocking."""

    rule: str
    message_zh: str
    message_en: str
    position: int | None = None


# --- R-BP-2 / R-BP-10: every source covers what it funds; the budget balances ------------------

SOURCE_NAMES = {
    "fiscal": ("财政拨款", "appropriations"),
    "special": ("财政专户管理资金", "special-account funds"),
    "unit": ("单位资金", "unit funds"),
    "carry_over": ("上年结转结余", "last year's carry-over"),
}


def expenditure_source(fund_type_code: str, carry_over: bool) -> tuple[str, str]:
    """The revenue an expenditure line draws on (R-BP-10): (source, fund type)."""
    if carry_over:
        return ("carry_over", fund_type_code)
    if fund_type_code == SPECIAL_FUND_TYPE:
        return ("special", SPECIAL_FUND_TYPE)
    if fund_type_code == UNIT_FUND_TYPE:
        return ("unit", UNIT_FUND_TYPE)
    return ("fiscal", fund_type_code)


def revenue_source(revenue_kind: str, fund_type_code: str) -> tuple[str, str]:
    if revenue_kind == CARRY_OVER:
        return ("carry_over", fund_type_code)
    if revenue_kind == SPECIAL_ACCOUNT:
        return ("special", SPECIAL_FUND_TYPE)
    if revenue_kind in UNIT_REVENUE_KINDS:
        return ("unit", UNIT_FUND_TYPE)
    return ("fiscal", fund_type_code)


def _source_label(key: tuple[str, str]) -> tuple[str, str]:
    zh, en = SOURCE_NAMES[key[0]]
    if key[0] in ("fiscal", "carry_over") and key[1]:
        return f"{zh}（{FUND_NAMES.get(key[1], key[1])}）", f"{en} ({key[1]})"
    return zh, en


def balance_errors(unit_name: str, lines: Iterable[LineFacts]) -> list[ErrorDetail]:
    """R-BP-10 per source (expenditure ≤ revenue), then R-BP-2 (收入合计 = 支出合计)."""
    spent: dict[tuple[str, str], int] = defaultdict(int)
    received: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        if line.side == EXPENDITURE:
            spent[expenditure_source(line.fund_type_code, line.carry_over)] += line.amount_fen
        else:
            received[revenue_source(line.revenue_kind, line.fund_type_code)] += line.amount_fen
    errors = []
    for key in sorted(spent):
        if spent[key] > received.get(key, 0):
            zh, en = _source_label(key)
            errors.append(
                ErrorDetail(
                    code="budgeting.source_short",
                    rule="R-BP-10",
                    field=f"revenue.{key[0]}",
                    value=yuan(spent[key]),
                    limit=yuan(received.get(key, 0)),
                    message_zh=f"{unit_name}：{zh}安排的支出 {yuan(spent[key])} 元超过该来源的"
                    f"收入预算 {yuan(received.get(key, 0))} 元",
                    message_en=f"{unit_name}: spending from {en} {yuan(spent[key])} exceeds its "
                    f"revenue budget {yuan(received.get(key, 0))}",
                )
            )
    revenue, expenditure = sum(received.values()), sum(spent.values())
    if revenue != expenditure:
        errors.append(
            ErrorDetail(
                code="budgeting.unbalanced",
                rule="R-BP-2",
                field="revenue",
                value=yuan(revenue),
                limit=yuan(expenditure),
                message_zh=f"{unit_name}：收入合计 {yuan(revenue)} 元不等于支出合计 "
                f"{yuan(expenditure)} 元（差 {yuan(revenue - expenditure)} 元）",
                message_en=f"{unit_name}: total revenue {yuan(revenue)} differs from total "
                f"expenditure {yuan(expenditure)} by {yuan(revenue - expenditure)}",
            )
        )
    return errors


# --- R-BP-1: 二上 within the control numbers --------------------------------------------------


def controlled_key(line: LineFacts) -> tuple[str, str] | None:
    """The (fund type, part) a line counts against, or None: only new 财政拨款 money is
    controlled (专户, 单位资金 and carry-over are not)."""
    if line.side != EXPENDITURE or line.carry_over:
        return None
    if line.fund_type_code not in FISCAL_FUND_TYPES:
        return None
    return (line.fund_type_code, line.part or PROJECT)


def control_errors(
    department_name: str,
    sums: Mapping[tuple[str, str], int],
    controls: Mapping[tuple[str, str], int],
) -> list[ErrorDetail]:
    """R-BP-1: the department's 二上 per fund type and basic/project part ≤ its 控制数. A key
    without a control number has a control number of 0."""
    errors = []
    for key in sorted(set(sums) | set(controls)):
        total, limit = sums.get(key, 0), controls.get(key, 0)
        if total <= limit:
            continue
        fund, part = key
        fund_name = FUND_NAMES.get(fund, fund)
        part_zh, part_en = PART_NAMES[part]
        errors.append(
            ErrorDetail(
                code="budgeting.over_control",
                rule="R-BP-1",
                field=f"control.{fund}.{part}",
                value=yuan(total),
                limit=yuan(limit),
                message_zh=f"{department_name} {fund_name}{part_zh}二上合计 {yuan(total)} 元超过"
                f"一下控制数 {yuan(limit)} 元（超 {yuan(total - limit)} 元）",
                message_en=f"{department_name}: 二上 {part_en} spending from fund {fund} "
                f"({fund_name}) totals {yuan(total)}, over the control number {yuan(limit)} by "
                f"{yuan(total - limit)}",
            )
        )
    return errors


def controlled_sums(lines: Iterable[LineFacts]) -> dict[tuple[str, str], int]:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        key = controlled_key(line)
        if key is not None:
            sums[key] += line.amount_fen
    return dict(sums)


# --- 二上 detail: elements, R-BP-5, R-BP-14 ----------------------------------------------------


def _line_error(
    line: LineFacts, code: str, rule: str, name: str, zh: str, en: str, **kw: object
) -> ErrorDetail:
    return ErrorDetail(
        code=code,
        rule=rule,
        field=f"lines[{line.position}].{name}",
        row=line.position,
        message_zh=f"第 {line.position} 行：{zh}",
        message_en=f"Row {line.position}: {en}",
        **kw,
    )


def detail_errors(
    lines: Sequence[LineFacts], *, procurement_threshold_fen: int
) -> list[ErrorDetail]:
    """What 二上 needs of each expenditure line (DOMAIN-2 §4.1): functional 项 and fund type;
    政府采购 lines carry their 品目 and lines over the 采购限额标准 are flagged (R-BP-5); 会议费
    and 培训费 are people × days × standard (R-BP-14)."""
    errors: list[ErrorDetail] = []
    for line in lines:
        if line.side != EXPENDITURE or line.amount_fen == 0:
            continue
        if not line.exp_func_code:
            errors.append(
                _line_error(
                    line,
                    "budgeting.functional_required",
                    "R-BP-12",
                    "exp_func_code",
                    "须填写支出功能分类",
                    "the functional class is required",
                )
            )
        if not line.fund_type_code:
            errors.append(
                _line_error(
                    line,
                    "budgeting.fund_type_required",
                    "R-BP-10",
                    "fund_type_code",
                    "须填写资金性质",
                    "the fund nature is required",
                )
            )
        if line.is_gov_pur and not line.pur_item.strip():
            errors.append(
                _line_error(
                    line,
                    "budgeting.procurement_item",
                    "R-BP-5",
                    "pur_item",
                    "政府采购预算须填写采购品目",
                    "a procurement line names its 品目",
                )
            )
        capital = line.dep_bgt_eco_code.startswith("310")
        if capital and line.amount_fen >= procurement_threshold_fen and not line.is_gov_pur:
            errors.append(
                _line_error(
                    line,
                    "budgeting.procurement_flag",
                    "R-BP-5",
                    "is_gov_pur",
                    f"资本性支出 {yuan(line.amount_fen)} 元达到采购限额标准 "
                    f"{yuan(procurement_threshold_fen)} 元，须列入政府采购预算并填写品目",
                    f"capital spending of {yuan(line.amount_fen)} reaches the procurement "
                    f"threshold {yuan(procurement_threshold_fen)}; flag it and name its 品目",
                    value=yuan(line.amount_fen),
                    limit=yuan(procurement_threshold_fen),
                )
            )
        if line.dep_bgt_eco_code[:5] in MEETING_TRAINING_CODES:
            errors.extend(_meeting_errors(line))
        if line.is_gov_service and not line.service_item.strip():
            errors.append(
                _line_error(
                    line,
                    "budgeting.service_item",
                    "R-BP-15",
                    "service_item",
                    "政府购买服务须填写政府购买服务指导性目录中的项目",
                    "a purchase of services names its item of the region's catalogue",
                )
            )
    return errors


def carry_over_errors(lines: Iterable[LineFacts], balances: Mapping[int, int]) -> list[ErrorDetail]:
    """R-BP-11: money budgeted from last year's carry-over is the project's 结转 — here, until
    the year-end closing (R-YE-9/10) determines it, the unspent balance of the project's
    indicators of last year — never more, and never for a project that had none."""
    wanted: dict[int, list[LineFacts]] = defaultdict(list)
    for line in lines:
        if line.side == EXPENDITURE and line.carry_over and line.amount_fen:
            wanted[line.project_id or 0].append(line)
    errors = []
    for project_id, found in sorted(wanted.items()):
        total = sum(x.amount_fen for x in found)
        balance = balances.get(project_id, 0)
        if total > balance:
            first = found[0]
            errors.append(
                _line_error(
                    first,
                    "budgeting.carry_over",
                    "R-BP-11",
                    "carry_over",
                    f"上年结转安排 {yuan(total)} 元超过该项目上年指标结余 {yuan(balance)} 元；"
                    "结转资金不能作为新增资金重复安排",
                    f"carry-over of {yuan(total)} exceeds the project's balance of last year "
                    f"{yuan(balance)}",
                    value=yuan(total),
                    limit=yuan(balance),
                )
            )
    return errors


def _meeting_errors(line: LineFacts) -> list[ErrorDetail]:
    """R-BP-14: 会议费/培训费 = people × days × standard per person-day."""
    what = "会议费" if line.dep_bgt_eco_code.startswith("30215") else "培训费"
    if not line.people or not line.days or not line.standard_fen:
        return [
            _line_error(
                line,
                "budgeting.meeting_basis",
                "R-BP-14",
                "people",
                f"{what}须按人数 × 天数 × 综合定额测算，请填写人数、天数和定额",
                "meeting and training lines give people, days and the standard",
            )
        ]
    product = line.people * line.days * line.standard_fen
    if product != line.amount_fen:
        return [
            _line_error(
                line,
                "budgeting.meeting_amount",
                "R-BP-14",
                "amount",
                f"{what} {yuan(line.amount_fen)} 元不等于 {line.people} 人 × {line.days} 天 × "
                f"{yuan(line.standard_fen)} 元 = {yuan(product)} 元",
                f"{yuan(line.amount_fen)} is not {line.people} × {line.days} × "
                f"{yuan(line.standard_fen)} = {yuan(product)}",
                value=yuan(line.amount_fen),
                limit=yuan(product),
            )
        ]
    return []


# --- review findings: R-BP-3, R-BP-4, R-BP-6, R-BP-13 ------------------------------------------


def personnel_finding(
    lines: Iterable[LineFacts], computed_fen: int | None, tolerance_bp: int
) -> list[Finding]:
    """R-BP-3: a unit's 301 total against the amount computed from the person table."""
    if computed_fen is None:
        return []
    total = sum(
        x.amount_fen
        for x in lines
        if x.side == EXPENDITURE and x.dep_bgt_eco_code.startswith("301")
    )
    gap = abs(total - computed_fen)
    if gap * 10_000 <= computed_fen * tolerance_bp:
        return []
    return [
        Finding(
            "R-BP-3",
            f"工资福利支出（301）合计 {yuan(total)} 元与人员库测算数 {yuan(computed_fen)} 元相差 "
            f"{yuan(gap)} 元，超过容差 {tolerance_bp / 100:.2f}%",
            f"salaries (301) total {yuan(total)} differ from the computed {yuan(computed_fen)} "
            f"by {yuan(gap)}, over the tolerance of {tolerance_bp / 100:.2f}%",
        )
    ]


def other_share_findings(lines: Iterable[LineFacts]) -> list[Finding]:
    """R-BP-4: "other" (…99) items within each economic 类 stay ≤ 30% of that 类."""
    by_class: dict[str, int] = defaultdict(int)
    other: dict[str, int] = defaultdict(int)
    for line in lines:
        code = line.dep_bgt_eco_code
        if line.side != EXPENDITURE or len(code) < 5:
            continue
        by_class[code[:3]] += line.amount_fen
        if code[3:5] == "99":
            other[code[:3]] += line.amount_fen
    found = []
    for cls, amount in sorted(other.items()):
        total = by_class[cls]
        if total and amount * 10_000 > total * OTHER_SHARE_LIMIT_BP:
            share = amount * 100 / total
            found.append(
                Finding(
                    "R-BP-4",
                    f"经济分类 {cls} 中“其他”（{cls}99）{yuan(amount)} 元占 {share:.1f}%，超过 30%",
                    f"'other' ({cls}99) is {yuan(amount)}, {share:.1f}% of class {cls}, over 30%",
                )
            )
    return found


def three_public_findings(
    lines: Iterable[LineFacts], last_year: Mapping[str, int]
) -> list[Finding]:
    """R-BP-6 / R-BP-14: 三公 per item never above last year's (only decrease)."""
    now: dict[str, int] = defaultdict(int)
    for line in lines:
        code = line.dep_bgt_eco_code[:5]
        if line.side == EXPENDITURE and code in THREE_PUBLIC_CODES:
            now[code] += line.amount_fen
    found = []
    for code, amount in sorted(now.items()):
        before = last_year.get(code, 0)
        if amount > before:
            found.append(
                Finding(
                    "R-BP-6",
                    f"三公经费 {code} 安排 {yuan(amount)} 元，高于上年 {yuan(before)} 元"
                    f"（增 {yuan(amount - before)} 元），三公经费只减不增",
                    f"三公 item {code}: {yuan(amount)} is above last year's {yuan(before)} by "
                    f"{yuan(amount - before)}; 三公 may only decrease",
                )
            )
    return found


def asset_findings(lines: Iterable[LineFacts]) -> list[Finding]:
    """R-BP-13: new asset lines go to the asset division's review."""
    return [
        Finding(
            "R-BP-13",
            f"新增资产配置 {yuan(x.amount_fen)} 元，须经资产管理部门按配置标准和存量审核",
            f"new asset of {yuan(x.amount_fen)}: the asset division reviews it against the "
            "configuration standards and the unit's stock",
            position=x.position,
        )
        for x in lines
        if x.side == EXPENDITURE and x.is_asset and x.amount_fen
    ]


def executable(line: LineFacts, unit_is_department_pot: bool = False) -> bool:
    """R-BP-12: detailed enough to become an executable indicator (unit, project, 项, 款, fund)."""
    return bool(
        not unit_is_department_pot
        and line.project_id
        and len(line.exp_func_code) >= 7
        and len(line.dep_bgt_eco_code) >= 5
        and line.fund_type_code
    )
