"""The known standards (支出标准 and 定员定额, ADR 0039): keys, defaults, units and the rules they serve.

A region keeps each standard per fiscal year in ``core.models.Standard`` with an append-only
history of versions; this module is the registry in code of which keys exist, what a new year
starts with when there is no previous year to copy (``standards_seed``), what unit the integer
counts and which values are sane. Pure: no ORM, no I/O.

Figures marked [D] are demo defaults a region replaces with its own; [K]/[S] as in DOMAIN.md.
Rates are basis points (1600 = 16.00 %), amounts integer fen, never floats (ADR 0002).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from yusuan.common.errors import ErrorDetail
from yusuan.common.money import Money, MoneyParseError
from yusuan.core.choices import StandardGroup, StandardUnit

# Rule ids the standards serve (DOMAIN §3.11, DOMAIN-2 §2.2 and §3.3).
RULE_CONTRIBUTIONS = "R-PY-13"  # employer contributions of a salary batch
RULE_QUOTAS = "R-PJ-5"  # 人员类 and 公用经费 computed from the person table and quotas
RULE_EXPENSE = "R-PJ-10"  # a calculation row's unit price within the 支出标准
RULE_LIBRARY = "R-PJ-9"  # when a declaration needs an ex-ante assessment or an appraisal
RULE_ROLLING = "R-PJ-12"  # the rolling library
RULE_SALARY_SHEET = "R-PS-5"  # a salary sheet checked against the personnel database
RULE_INTENTION = "R-GP-7"  # an in-scope procurement needs its intention published in time
RULE_METHOD = "R-GP-8"  # above the public-tender threshold the method is 公开招标
RULE_SCOPE = "R-GP-11"  # below the limit and outside the catalogue: not government procurement
THRESHOLD_MAX = 100_000_000_000  # 1,000,000,000.00 yuan

BP_MAX = 10_000  # 100.00 %: a rate above it is absurd (ADR 0039)
AMOUNT_MAX = 100_000_000  # 1,000,000.00 yuan: no per-head, per-vehicle or per-day standard is near

# Where the page writes its value with a unit: (Chinese, English).
SUFFIX: dict[str, tuple[str, str]] = {
    StandardUnit.BASIS_POINTS: ("%", "%"),
    StandardUnit.PERCENT: ("%", "%"),
    StandardUnit.FEN_PER_MONTH: ("元/月", "yuan per month"),
    StandardUnit.FEN_PER_PERSON_YEAR: ("元/人·年", "yuan per person per year"),
    StandardUnit.FEN_PER_VEHICLE_YEAR: ("元/辆·年", "yuan per vehicle per year"),
    StandardUnit.FEN_PER_PERSON_DAY: ("元/人·天", "yuan per person-day"),
    StandardUnit.FEN_PER_PERSON_NIGHT: ("元/人·晚", "yuan per person-night"),
    StandardUnit.MONTHS: ("个月", "months"),
    StandardUnit.FEN: ("元", "yuan"),
    StandardUnit.YEARS: ("年", "years"),
    StandardUnit.DAYS: ("天", "days"),
    StandardUnit.CHOICE: ("", ""),
}
FEN_UNITS = frozenset(
    {
        StandardUnit.FEN,
        StandardUnit.FEN_PER_MONTH,
        StandardUnit.FEN_PER_PERSON_YEAR,
        StandardUnit.FEN_PER_VEHICLE_YEAR,
        StandardUnit.FEN_PER_PERSON_DAY,
        StandardUnit.FEN_PER_PERSON_NIGHT,
    }
)

# public.headcount_basis
HEADCOUNT_APPROVED, HEADCOUNT_ACTUAL = 1, 2
# expense.block
EXPENSE_WARN, EXPENSE_BLOCK = 0, 1
# accounting.quota_model (R-AC-6, DOMAIN §4) and accounting.accrue_unspent (DOMAIN §4.5)
QUOTA_UNIFIED, QUOTA_LEGACY = 1, 2
# procurement.intention_check (R-GP-7, ADR 0052)
INTENTION_WARN, INTENTION_BLOCK = 0, 1
# payroll.personnel_check (R-PS-5, ADR 0045)
PERSONNEL_CHECK_TRIAL, PERSONNEL_CHECK_ENFORCED = 0, 1


@dataclass(frozen=True)
class Known:
    """One key of the registry."""

    key: str
    name: str  # Chinese, as the page and the 测算表 print it
    name_en: str
    group: str  # StandardGroup
    unit: str  # StandardUnit
    default: int
    rule: str
    basis: str = ""  # the default basis document (文号)
    economic_code: str = ""  # the department economic class it budgets, if one
    minimum: int = 0
    maximum: int = BP_MAX
    choices: tuple[tuple[int, str, str], ...] = ()  # (value, Chinese, English) for CHOICE

    def suffix(self, language: str | None = None) -> str:
        zh, en = SUFFIX[self.unit]
        return en if _english(language) else zh


def _english(language: str | None) -> bool:
    return bool(language and language.lower().startswith("en"))


DEMO = "演示默认值 [D]"


def _rate(
    key: str,
    name: str,
    name_en: str,
    default: int,
    code: str,
    *,
    basis: str = DEMO,
    rule: str = RULE_CONTRIBUTIONS,
    minimum: int = 0,
    maximum: int = BP_MAX,
) -> Known:
    group, unit = StandardGroup.CONTRIBUTION, StandardUnit.BASIS_POINTS
    return Known(key, name, name_en, group, unit, default, rule, basis, code, minimum, maximum)


def _amount(
    key: str,
    name: str,
    name_en: str,
    group: str,
    unit: str,
    default_yuan: int,
    rule: str,
    *,
    basis: str = DEMO,
    code: str = "",
) -> Known:
    fen = default_yuan * 100
    return Known(key, name, name_en, group, unit, fen, rule, basis, code, 0, AMOUNT_MAX)


PER_HEAD_KEYS: dict[str, str] = {  # AgencyType → key of its 日常公用经费 per-head quota
    "1": "public.per_head.1",
    "2": "public.per_head.2",
    "31": "public.per_head.31",
    "32": "public.per_head.32",
}

KNOWN: tuple[Known, ...] = (
    # --- 缴费比例 (DOMAIN §3.11; R-PY-13 for a salary batch, R-PJ-5 for the 人员类 budget) ---
    _rate(
        "contribution.pension",
        "机关事业单位基本养老保险缴费比例",
        "Basic pension, employer rate",
        1600,
        "30108",
        basis="国办发〔2019〕13号",
    ),
    _rate(
        "contribution.annuity",
        "职业年金缴费比例",
        "Occupational annuity, employer rate",
        800,
        "30109",
        basis="国办发〔2015〕18号",
    ),
    _rate(
        "contribution.medical",
        "职工基本医疗保险缴费比例（含生育）",
        "Basic medical insurance (incl. maternity), employer rate",
        800,
        "30110",
    ),
    _rate(
        "contribution.civil_servant_medical",
        "公务员医疗补助缴费比例",
        "Civil servants' medical subsidy, employer rate",
        400,
        "30111",
        rule=RULE_QUOTAS,
    ),
    _rate(
        "contribution.unemployment",
        "失业保险缴费比例",
        "Unemployment insurance, employer rate",
        50,
        "30112",
    ),
    _rate(
        "contribution.injury",
        "工伤保险缴费比例",
        "Work-injury insurance, employer rate",
        20,
        "30112",
    ),
    _rate(
        "contribution.housing_fund",
        "住房公积金缴存比例",
        "Housing provident fund, employer rate",
        1200,
        "30113",
        basis="住房公积金管理条例；建金〔2005〕5号",
        minimum=500,  # 5–12 % [K 建金〔2005〕5号]
        maximum=1200,
    ),
    _rate(
        "contribution.union_fund",
        "工会经费拨缴比例（工资总额）",
        "Trade-union fund, share of the wage bill",
        200,
        "30228",
        basis="中华人民共和国工会法",
        rule=RULE_QUOTAS,
    ),
    # --- 缴费基数上下限 (DOMAIN §3.11: 300 % / 60 % of last year's provincial average wage) ---
    _amount(
        "base.average_wage",
        "上年度全省全口径城镇单位就业人员月平均工资",
        "Last year's provincial average monthly wage of urban employees",
        StandardGroup.BASE,
        StandardUnit.FEN_PER_MONTH,
        8_017,  # ≈ 96,200 yuan a year for Jiangsu [D]
        RULE_QUOTAS,
    ),
    Known(
        "base.cap_pct",
        "缴费基数上限（占平均工资）",
        "Contribution base cap, share of the average wage",
        StandardGroup.BASE,
        StandardUnit.PERCENT,
        300,
        RULE_QUOTAS,
        basis="人社部发〔2015〕28号",
        minimum=100,
        maximum=1000,
    ),
    Known(
        "base.floor_pct",
        "缴费基数下限（占平均工资）",
        "Contribution base floor, share of the average wage",
        StandardGroup.BASE,
        StandardUnit.PERCENT,
        60,
        RULE_QUOTAS,
        basis="人社部发〔2015〕28号",
        maximum=100,
    ),
    # Medical insurance and the housing fund cap their bases locally (often 300 % of an average
    # wage) or not at all [K]; 0 leaves the base as the personnel database records it.
    Known(
        "base.medical_cap_pct",
        "医疗保险缴费基数上限（占平均工资，0 为不设上限）",
        "Medical insurance base cap, share of the average wage (0: none)",
        StandardGroup.BASE,
        StandardUnit.PERCENT,
        0,
        RULE_QUOTAS,
        maximum=1000,
    ),
    Known(
        "base.housing_cap_pct",
        "住房公积金缴存基数上限（占平均工资，0 为不设上限）",
        "Housing fund base cap, share of the average wage (0: none)",
        StandardGroup.BASE,
        StandardUnit.PERCENT,
        0,
        RULE_QUOTAS,
        basis="住房公积金管理条例；建金〔2005〕5号",
        maximum=1000,
    ),
    # --- 工资性项目 ---
    Known(
        "bonus.year_end_months",
        "公务员年终一次性奖金（月基本工资倍数）",
        "Civil servants' year-end bonus, months of basic salary",
        StandardGroup.SALARY,
        StandardUnit.MONTHS,
        1,
        RULE_QUOTAS,
        basis="国发〔2006〕22号 [K]",
        economic_code="30103",
        maximum=3,
    ),
    # --- 公用经费定额 (DOMAIN-2 §3.3: per head by unit type × headcount, plus separate items) ---
    _amount(
        "public.per_head.1",
        "日常公用经费定额（行政单位）",
        "Daily public funds per head (administrative units)",
        StandardGroup.PUBLIC,
        StandardUnit.FEN_PER_PERSON_YEAR,
        24_000,
        RULE_QUOTAS,
    ),
    _amount(
        "public.per_head.2",
        "日常公用经费定额（参公管理事业单位）",
        "Daily public funds per head (institutions managed as civil service)",
        StandardGroup.PUBLIC,
        StandardUnit.FEN_PER_PERSON_YEAR,
        22_000,
        RULE_QUOTAS,
    ),
    _amount(
        "public.per_head.31",
        "日常公用经费定额（全额拨款事业单位）",
        "Daily public funds per head (fully funded institutions)",
        StandardGroup.PUBLIC,
        StandardUnit.FEN_PER_PERSON_YEAR,
        16_000,
        RULE_QUOTAS,
    ),
    _amount(
        "public.per_head.32",
        "日常公用经费定额（差额拨款事业单位）",
        "Daily public funds per head (partly funded institutions)",
        StandardGroup.PUBLIC,
        StandardUnit.FEN_PER_PERSON_YEAR,
        8_000,
        RULE_QUOTAS,
    ),
    _amount(
        "public.per_vehicle",
        "公务用车运行维护费定额",
        "Official vehicle running costs per vehicle",
        StandardGroup.PUBLIC,
        StandardUnit.FEN_PER_VEHICLE_YEAR,
        30_000,
        RULE_QUOTAS,
        code="30231",
    ),
    _amount(
        "public.per_retiree",
        "离退休人员公用经费定额",
        "Public funds per retiree",
        StandardGroup.PUBLIC,
        StandardUnit.FEN_PER_PERSON_YEAR,
        2_000,
        RULE_QUOTAS,
    ),
    _amount(
        "public.heating_per_head",
        "取暖费定额（不适用地区为 0）",
        "Heating per head (0 where it does not apply)",
        StandardGroup.PUBLIC,
        StandardUnit.FEN_PER_PERSON_YEAR,
        0,
        RULE_QUOTAS,
        basis="江苏不实行集中供暖 [D]",
    ),
    Known(
        "public.headcount_basis",
        "公用经费人数口径",
        "Headcount the quotas multiply",
        StandardGroup.PUBLIC,
        StandardUnit.CHOICE,
        HEADCOUNT_ACTUAL,
        RULE_QUOTAS,
        basis=DEMO,
        minimum=HEADCOUNT_APPROVED,
        maximum=HEADCOUNT_ACTUAL,
        choices=(
            (HEADCOUNT_APPROVED, "编制数", "approved headcount (编制数)"),
            (HEADCOUNT_ACTUAL, "实有人数", "actual headcount (实有人数)"),
        ),
    ),
    # --- 支出标准 (R-PJ-10): 会议费 财行〔2016〕214号, 培训费 财行〔2016〕540号 (综合定额) ---
    *(
        _amount(
            f"expense.meeting.{n}",
            f"{label}会议综合定额",
            f"Meetings, class {n}: all-in per person-day",
            StandardGroup.EXPENSE,
            StandardUnit.FEN_PER_PERSON_DAY,
            yuan,
            RULE_EXPENSE,
            basis="财行〔2016〕214号",
            code="30215",
        )
        for n, label, yuan in (
            (1, "一类", 760),
            (2, "二类", 650),
            (3, "三类", 550),
            (4, "四类", 550),
        )
    ),
    *(
        _amount(
            f"expense.training.{n}",
            f"{label}培训综合定额",
            f"Training, class {n}: all-in per person-day",
            StandardGroup.EXPENSE,
            StandardUnit.FEN_PER_PERSON_DAY,
            yuan,
            RULE_EXPENSE,
            basis="财行〔2016〕540号",
            code="30216",
        )
        for n, label, yuan in ((1, "一类", 650), (2, "二类", 550), (3, "三类", 450))
    ),
    _amount(
        "expense.travel.accommodation",
        "差旅住宿费标准（其他人员）",
        "Travel accommodation per night (other staff)",
        StandardGroup.EXPENSE,
        StandardUnit.FEN_PER_PERSON_NIGHT,
        380,
        RULE_EXPENSE,
        basis="财行〔2016〕71号（江苏） [K]",
        code="30211",
    ),
    Known(
        "expense.block",
        "超支出标准的处理",
        "When a unit price exceeds the standard",
        StandardGroup.EXPENSE,
        StandardUnit.CHOICE,
        EXPENSE_WARN,
        RULE_EXPENSE,
        basis=DEMO,
        maximum=EXPENSE_BLOCK,
        choices=((EXPENSE_WARN, "警告", "warn"), (EXPENSE_BLOCK, "阻断", "block")),
    ),
    # --- 项目库限额 (R-PJ-9 [K, local]; 中发〔2018〕34号 for ex-ante assessments) ---
    Known(
        "project.ex_ante_threshold",
        "新增项目事前绩效评估金额起点",
        "New projects from this total need an ex-ante assessment",
        StandardGroup.PROJECT,
        StandardUnit.FEN,
        100_000_000,  # 1,000,000 yuan
        RULE_LIBRARY,
        basis=DEMO,
        maximum=THRESHOLD_MAX,
    ),
    Known(
        "project.stale_years",
        "未安排资金项目出库年限",
        "Years a stored project may wait unfunded before it is listed for removal (出库)",
        StandardGroup.PROJECT,
        StandardUnit.YEARS,
        3,
        RULE_ROLLING,
        basis=DEMO,
        minimum=1,
        maximum=10,
    ),
    Known(
        "project.appraisal_threshold",
        "项目财政评审金额起点",
        "Projects from this total (and every 基本建设 project) are appraised",
        StandardGroup.PROJECT,
        StandardUnit.FEN,
        200_000_000,  # 2,000,000 yuan
        RULE_LIBRARY,
        basis=DEMO,
        maximum=THRESHOLD_MAX,
    ),
    # --- 预算编制 (R-BP-5): lines at or above it that buy capital goods join the 政府采购预算 ---
    Known(
        "budget.procurement_threshold",
        "政府采购限额标准（预算编制）",
        "Procurement threshold: capital lines from this amount join the procurement budget",
        StandardGroup.PROJECT,
        StandardUnit.FEN,
        100_000_000,  # 1,000,000 yuan
        "R-BP-5",
        basis=DEMO,
        maximum=THRESHOLD_MAX,
    ),
    # --- 工资统发核对 (R-PS-5, ADR 0045): a salary sheet against the personnel database ---
    Known(
        "payroll.personnel_check",
        "工资表与人员信息库核对方式",
        "How salary sheets are checked against the personnel database",
        StandardGroup.SALARY,
        StandardUnit.CHOICE,
        PERSONNEL_CHECK_ENFORCED,
        RULE_SALARY_SHEET,
        basis="人员信息库用于工资统发核对 [D]",
        maximum=PERSONNEL_CHECK_ENFORCED,
        choices=(
            (PERSONNEL_CHECK_TRIAL, "试运行（只警告）", "trial (warnings only)"),
            (PERSONNEL_CHECK_ENFORCED, "强制（不符即阻断）", "enforced (a mismatch blocks)"),
        ),
    ),
    Known(
        "payroll.tolerance_bp",
        "工资项目与标准差异容差（占月标准）",
        "Salary item difference allowed without a reason, share of the monthly standard",
        StandardGroup.SALARY,
        StandardUnit.BASIS_POINTS,
        0,  # any difference needs its reason (DOMAIN-2 R-PS-5)
        RULE_SALARY_SHEET,
        basis="DOMAIN-2 R-PS-5 [D]",
        maximum=2_000,  # 20 %: beyond it the control would not control
    ),
    # --- 单位会计核算 (R-AC-6, DOMAIN §4): how treasury payments are booked in the region ---
    Known(
        "accounting.quota_model",
        "国库集中支付核算模式",
        "How treasury payments are booked",
        StandardGroup.ACCOUNTING,
        StandardUnit.CHOICE,
        QUOTA_UNIFIED,
        "R-AC-6",
        basis="财会〔2022〕25号（解释第5号）",
        minimum=QUOTA_UNIFIED,
        maximum=QUOTA_LEGACY,
        choices=(
            (QUOTA_UNIFIED, "一体化（不使用1011）", "integrated (no 1011)"),
            (QUOTA_LEGACY, "额度管理（使用1011）", "legacy quota model (1011)"),
        ),
    ),
    Known(
        "accounting.accrue_unspent",
        "年末确认财政应返还额度",
        "Accrue unspent treasury balances at year end",
        StandardGroup.ACCOUNTING,
        StandardUnit.CHOICE,
        1,
        "R-AC-6",
        basis="DOMAIN §4.5 [K]",
        minimum=0,
        maximum=1,
        choices=(
            (0, "不确认（结余不再按权责发生制列支）", "no (not accrued)"),
            (1, "确认（借1201 贷4001）", "yes (Dr 1201 Cr 4001)"),
        ),
    ),
    # --- 政府采购 (DOMAIN-2 §6, ADR 0052): the region's 限额标准 and 公开招标数额标准 -------------------
    # The goods-and-services limit is budget.procurement_threshold above (R-BP-5): one figure.
    Known(
        "procurement.limit_works",
        "政府采购限额标准（工程）",
        "Procurement threshold for works: from this amount a purchase is government procurement",
        StandardGroup.PROCUREMENT,
        StandardUnit.FEN,
        100_000_000,  # 1,000,000 yuan
        RULE_SCOPE,
        basis="江苏省政府集中采购目录及标准（本地区文件为准）[D]",
        maximum=THRESHOLD_MAX,
    ),
    Known(
        "procurement.tender_goods_services",
        "公开招标数额标准（货物、服务）",
        "Public tender threshold for goods and services",
        StandardGroup.PROCUREMENT,
        StandardUnit.FEN,
        400_000_000,  # 4,000,000 yuan
        RULE_METHOD,
        basis="江苏省政府集中采购目录及标准（本地区文件为准）[D]",
        maximum=THRESHOLD_MAX,
    ),
    Known(
        "procurement.tender_works",
        "公开招标数额标准（工程）",
        "Public tender threshold for works",
        StandardGroup.PROCUREMENT,
        StandardUnit.FEN,
        400_000_000,  # 4,000,000 yuan: 施工单项合同估算价 (国家发展改革委令第16号) [K]
        RULE_METHOD,
        basis="必须招标的工程项目规定（国家发展改革委令第16号）[K]",
        maximum=THRESHOLD_MAX,
    ),
    Known(
        "procurement.intention_days",
        "采购意向公开提前天数",
        "Days an intention is published before its procurement starts",
        StandardGroup.PROCUREMENT,
        StandardUnit.DAYS,
        30,
        RULE_INTENTION,
        basis="财库〔2020〕10号 [S]",
        minimum=30,  # the notice's floor: a region may ask for more, never less
        maximum=365,
    ),
    Known(
        "procurement.intention_check",
        "采购意向公开时限检查",
        "What a procurement started too early after its intention meets",
        StandardGroup.PROCUREMENT,
        StandardUnit.CHOICE,
        INTENTION_BLOCK,
        RULE_INTENTION,
        basis="DOMAIN-2 R-GP-7 [D]",
        minimum=INTENTION_WARN,
        maximum=INTENTION_BLOCK,
        choices=(
            (INTENTION_WARN, "提醒（可继续）", "warn (may go on)"),
            (INTENTION_BLOCK, "阻断", "block"),
        ),
    ),
)
BY_KEY: Mapping[str, Known] = {known.key: known for known in KNOWN}
DEFAULTS: Mapping[str, int] = {known.key: known.default for known in KNOWN}


def per_head_key(agency_type: str) -> str | None:
    """The key of a unit type's 日常公用经费 quota (None: the type has none, e.g. self-funded)."""
    return PER_HEAD_KEYS.get(agency_type)


# --- showing and reading values in human units --------------------------------------------------


def show(known: Known, value: int, language: str | None = None) -> str:
    """``16.00 %``, ``24,000.00 元/人·年``, ``1 个月``, ``实有人数``."""
    if known.unit == StandardUnit.BASIS_POINTS:
        return f"{Money(value).format()} %"
    if known.unit == StandardUnit.PERCENT:
        return f"{value} %"
    if known.unit in FEN_UNITS:
        return f"{Money(value).format()} {known.suffix(language)}"
    if known.unit == StandardUnit.CHOICE:
        for number, zh, en in known.choices:
            if number == value:
                return en if _english(language) else zh
        return str(value)
    return f"{value} {known.suffix(language)}"


def editable(known: Known, value: int) -> str:
    """The value as the edit form shows it (no grouping, no unit)."""
    if known.unit == StandardUnit.BASIS_POINTS or known.unit in FEN_UNITS:
        return Money(value).format(grouping=False)
    return str(value)


def limit_text(known: Known, language: str | None = None) -> str:
    if known.unit == StandardUnit.CHOICE:
        return " | ".join(show(known, number, language) for number, _, _ in known.choices)
    return f"{show(known, known.minimum, language)} – {show(known, known.maximum, language)}"


def _not_a_number(known: Known, text: str) -> ErrorDetail:
    return ErrorDetail(
        code="core.standard_not_a_number",
        rule=known.rule,
        field="value",
        value=text,
        limit=limit_text(known),
        message_zh=f"{known.name}：“{text}”不是有效数值，应在 {limit_text(known)} 之间",
        message_en=f"{known.name_en}: '{text}' is not a number; expected {limit_text(known, 'en')}",
    )


def parse(known: Known, text: str) -> int | ErrorDetail:
    """What a finance officer types, in the standard's human unit (``16``, ``16.00 %``,
    ``24,000`` 元, ``1``), as the stored integer; or why not (``core.standard_not_a_number``).
    Range is checked by :func:`check`."""
    cleaned = unicodedata.normalize("NFKC", str(text)).strip()
    if known.unit in (StandardUnit.BASIS_POINTS, StandardUnit.PERCENT):
        cleaned = cleaned.removesuffix("%").rstrip()
    if known.unit in FEN_UNITS:
        for suffix in (known.suffix(), known.suffix("en")):
            cleaned = cleaned.removesuffix(suffix).rstrip()
    if known.unit == StandardUnit.BASIS_POINTS or known.unit in FEN_UNITS:
        try:
            return Money.parse(cleaned, allow_negative=True).fen
        except MoneyParseError:
            return _not_a_number(known, str(text))
    sign, digits = ("-", cleaned[1:]) if cleaned.startswith("-") else ("", cleaned)
    if not digits.isascii() or not digits.isdigit() or len(digits) > 12:
        return _not_a_number(known, str(text))
    return int(sign + digits)


def check(known: Known, value: int) -> ErrorDetail | None:
    """``core.standard_out_of_range`` for a value outside the key's limits (negative, a rate
    above 100 %, a housing-fund rate outside 5–12 %, a choice that is not one)."""
    allowed = {number for number, _, _ in known.choices}
    if known.minimum <= value <= known.maximum and (not allowed or value in allowed):
        return None
    shown_zh, shown_en = show(known, value), show(known, value, "en")
    return ErrorDetail(
        code="core.standard_out_of_range",
        rule=known.rule,
        field="value",
        value=value,
        limit=limit_text(known),
        message_zh=f"{known.name}：{shown_zh} 超出允许范围 {limit_text(known)}",
        message_en=f"{known.name_en}: {shown_en} is outside {limit_text(known, 'en')}",
    )
