"""The monitoring rule catalogue (DOMAIN §3.9, ADR 0054) and a region's tuning of it.

No Django here (import-linter): what each rule R-MO-n is — its condition in words, when it runs
(before the voucher, in the after-the-fact scan, or both), its default action and level, its
parameters with their defaults [D] — and :class:`Thresholds`, what a region makes of it (held in
``monitoring.models.RuleSettings``, versioned). The checks are in ``monitoring.rules`` (before
the voucher) and ``monitoring.scans`` (after the fact).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PASS, REMIND, WARN, BLOCK = "pass", "remind", "warn", "block"
ORDER = {PASS: 0, REMIND: 1, WARN: 2, BLOCK: 3}
ACTIONS = (REMIND, WARN, BLOCK)
BEFORE, AFTER = "before", "after"  # 事中 (before the voucher), 事后 (the scheduled scan)


# --- The catalogue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    # "fen" (an amount), "count", "days", "percent", "words" (comma separated), "month_day"
    kind: str
    label_zh: str
    label_en: str


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str  # Chinese, as the finance bureau names it
    name_en: str
    condition: str  # the condition in words (DOMAIN §3.9), English
    when: tuple[str, ...]  # BEFORE and/or AFTER
    action: str  # the default action [D]
    level: str  # the default level of a warning [D]
    params: tuple[Param, ...] = ()
    subject: str = "payment"  # payment, indicator or unit

    @property
    def condition_zh(self) -> str:
        return CONDITIONS_ZH[self.code]

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


# R-MO-12: the central 公务卡强制结算目录 (16 items; 水电费 is two codes): our mapping [D].
CARD_LIST = (
    "30201",
    "30202",
    "30203",
    "30204",
    "30205",
    "30206",
    "30207",
    "30209",
    "30211",
    "30213",
    "30214",
    "30215",
    "30216",
    "30217",
    "30218",
    "30231",
    "30239",
)
# R-MO-6: 工资福利 paid to institutions by design (社会保险, 职业年金, 住房公积金, 医疗费).
SOCIAL_CONTRIBUTIONS = ("30108", "30109", "30110", "30111", "30112", "30113", "30114")
# R-MO-10: 工资总额 (basic pay, allowances, bonus, meal allowance, performance pay).
SALARY_CODES = ("30101", "30102", "30103", "30106", "30107")
THREE_PUBLIC_NAMES = {
    "1": "因公出国（境）费",
    "2": "公务用车购置费",
    "3": "公务用车运行维护费",
    "4": "公务接待费",
}

CONDITIONS_ZH = {
    "R-MO-1": "302 类（商品和服务支出）付给个人，公务卡还款除外",
    "R-MO-2": "现金结算：单笔、本月累计或本年累计达到限额（级别和限额见下方提现阈值）",
    "R-MO-3": "收款账户是付款单位或其下属单位的账户",
    "R-MO-4": "公务接待费、公务用车运行维护费未用公务卡或转账结算",
    "R-MO-5": "单位某类三公经费本年支出加本次支付超过该类指标",
    "R-MO-6": "工资福利（301 类，社保缴费除外）付给单位，或资本性支出（310 类）没有合同",
    "R-MO-7": "同一单位 D 天内向同一收款人支付 N 笔以上，每笔略低于限额",
    "R-MO-8": "支付凭证在非工作日或非工作时间生成",
    "R-MO-9": "上级转移支付指标超过下达期限仍未分解（R-IN-5）",
    "R-MO-10": "工会经费超过已发工资总额的比例，或福利费超过人均标准",
    "R-MO-11": "直达资金未付给可识别的个人（身份证号）或企业（统一社会信用代码），或付到本单位账户",
    "R-MO-12": "公务卡强制结算目录内的支出以现金结算（小额豁免除外）",
    "R-MO-13": "用途含关注词、收款人在关注名单上，或 302 类支出付给本单位在编人员",
    "R-MO-15": "单位年末一段时间的支付占全年支付的比例过高",
    "R-MO-16": "项目结束（结项、终止）后仍有支付",
}

CATALOGUE: dict[str, RuleSpec] = {
    spec.code: spec
    for spec in (
        RuleSpec(
            "R-MO-1",
            "公用经费向个人账户转账",
            "Public funds to a personal account",
            "302xx paid to an individual, other than a card repayment",
            (BEFORE,),
            WARN,
            "red",
        ),
        RuleSpec(
            "R-MO-2",
            "大额提现",
            "Large cash withdrawal",
            "cash: single, month-to-date or year-to-date amount at a limit (levels and limits "
            "in the region's cash thresholds)",
            (BEFORE, AFTER),
            WARN,
            "orange",
        ),
        RuleSpec(
            "R-MO-3",
            "资金回流",
            "Money back to the unit's own account",
            "the payee account is an account of the paying unit or of a unit under it",
            (BEFORE,),
            WARN,
            "orange",
        ),
        RuleSpec(
            "R-MO-4",
            "三公经费未用公务卡或转账",
            "三公 outside the official card",
            "公务接待费 or 公务用车运行维护费 settled other than by official card or transfer",
            (BEFORE,),
            WARN,
            "orange",
            (Param("codes", "30217,30231", "words", "经济分类", "economic codes"),),
        ),
        RuleSpec(
            "R-MO-5",
            "三公经费超预算",
            "三公 over budget",
            "the unit's 三公 spending of a category this year, with this payment, exceeds the "
            "indicators of that category",
            (BEFORE, AFTER),
            BLOCK,
            "red",
        ),
        RuleSpec(
            "R-MO-6",
            "错用科目",
            "Economic class against the payee",
            "工资福利 (301xx, not social contributions) paid to an organisation, or capital "
            "spending (310xx) without a contract",
            (BEFORE,),
            WARN,
            "yellow",
            (
                Param(
                    "capital_from",
                    10_000_00,
                    "fen",
                    "无合同资本性支出起点",
                    "capital, no contract, from",
                ),
            ),
        ),
        RuleSpec(
            "R-MO-7",
            "拆分支付",
            "Split payments",
            "the same payee paid by the same unit at least N times within D days, each just "
            "below a threshold",
            (BEFORE, AFTER),
            WARN,
            "orange",
            (
                Param("threshold", 100_000_00, "fen", "限额", "threshold"),
                Param("margin", 10, "percent", "低于限额幅度", "band below it"),
                Param("count", 3, "count", "笔数", "payments"),
                Param("days", 30, "days", "天数", "days"),
            ),
        ),
        RuleSpec(
            "R-MO-8",
            "非工作时间支付",
            "Payments at odd times",
            "a voucher issued on a non-working day or outside working hours",
            (AFTER,),
            REMIND,
            "blue",
            (
                Param("from_hour", 8, "count", "上班时间（时）", "working hours from"),
                Param("to_hour", 18, "count", "下班时间（时）", "working hours to"),
            ),
        ),
        RuleSpec(
            "R-MO-9",
            "转移支付超时下达",
            "Transfer allocation overdue",
            "an upper-level transfer indicator not passed down within the days allowed (R-IN-5)",
            (AFTER,),
            WARN,
            "orange",
            subject="indicator",
        ),
        RuleSpec(
            "R-MO-10",
            "工会经费、福利费超标准",
            "Union and welfare over the standard",
            "30228 over a share of the 工资总额 paid, or 30229 over the per-head standard",
            (BEFORE,),
            WARN,
            "yellow",
            (
                Param(
                    "union_percent", 2, "percent", "工会经费占工资总额", "union, of the pay bill"
                ),
                Param("welfare_per_head", 2_000_00, "fen", "福利费人均标准", "welfare per head"),
            ),
        ),
        RuleSpec(
            "R-MO-11",
            "直达资金未落实到人到企",
            "Direct funds without a final beneficiary",
            "a 直达 line paid to no identified person (ID number) or enterprise (credit code), "
            "or to the unit's own accounts",
            (BEFORE,),
            BLOCK,
            "red",
        ),
        RuleSpec(
            "R-MO-12",
            "公务卡强制结算目录现金结算",
            "Official-card list settled in cash",
            "an item of the 公务卡强制结算目录 settled in cash, at or above the small-amount "
            "exemption",
            (BEFORE,),
            WARN,
            "yellow",
            (Param("exempt_below", 200_00, "fen", "小额豁免（低于）", "exempt below"),),
        ),
        RuleSpec(
            "R-MO-13",
            "支付用途或受款人可疑",
            "Suspicious purpose or payee",
            "the purpose matches a watch word, the payee is on the watch list, or a staff "
            "member of the unit is paid from 302",
            (BEFORE, AFTER),
            WARN,
            "orange",
            (
                Param(
                    "words",
                    "礼品,购物卡,礼金,消费卡,会员卡,旅游,烟酒,KTV",
                    "words",
                    "可疑用途关键词",
                    "watch words",
                ),
                Param("watch", "", "words", "受款人关注名单（名称或账号）", "watched payees"),
            ),
        ),
        RuleSpec(
            "R-MO-15",
            "年末突击花钱",
            "Year-end surge",
            "the unit's paid in the last weeks of the year above a share of its year's paid",
            (AFTER,),
            WARN,
            "yellow",
            (
                Param("from_day", "12-01", "month_day", "起始日（月-日）", "from (month-day)"),
                Param("share", 30, "percent", "占全年支付比例", "share of the year"),
                Param("min_paid", 100_000_00, "fen", "最低支付额", "at least paid"),
            ),
            subject="unit",
        ),
        RuleSpec(
            "R-MO-16",
            "向已结项项目支付",
            "Payment to a closed project",
            "a payment on a project that was closed or ended before the payment date",
            (AFTER,),
            WARN,
            "orange",
        ),
    )
}
RULE_CODES = tuple(CATALOGUE)

# R-MO-14: the levels of DOMAIN §2.12. Red and orange findings wait for the finance monitoring
# officer (监控岗) or the supervising division; yellow and blue are cleared by the unit's explanation.
LEVELS = ("red", "orange", "yellow", "blue")
REVIEWED_LEVELS = frozenset({"red", "orange"})
# The level of each rule's warning where a region has not set it.
DEFAULT_LEVELS: tuple[tuple[str, str], ...] = tuple((s.code, s.level) for s in CATALOGUE.values())


def needs_review(level: str) -> bool:
    """R-MO-14: only the monitoring officer or the supervising division clears red and orange."""
    return level in REVIEWED_LEVELS


@dataclass(frozen=True)
class Thresholds:
    """A region's tuning (R-MO-14): R-MO-2's limits in fen, the level of each rule's warning and,
    per rule, whether it runs, its action and its parameters. Defaults are ours [D]; each region
    keeps its own in the database (``monitoring.models.RuleSettings``)."""

    cash_single_warn: int = 20_000_00
    cash_single_block: int = 50_000_00
    cash_month_warn: int = 50_000_00
    cash_month_block: int = 100_000_00
    cash_year_warn: int = 300_000_00
    cash_year_block: int = 500_000_00
    levels: tuple[tuple[str, str], ...] = DEFAULT_LEVELS
    # {code: {"enabled": bool, "action": str, "params": {name: value}}}; missing: the defaults.
    tuning: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)

    def level(self, rule: str) -> str:
        """The level of ``rule``'s warning in this region (a block is always red)."""
        return dict(self.levels).get(rule, dict(DEFAULT_LEVELS).get(rule, "red"))

    def enabled(self, rule: str) -> bool:
        return bool(self.tuning.get(rule, {}).get("enabled", True))

    def action(self, rule: str) -> str:
        action = self.tuning.get(rule, {}).get("action") or CATALOGUE[rule].action
        return str(action)

    def param(self, rule: str, name: str) -> Any:
        params = self.tuning.get(rule, {}).get("params", {})
        return params.get(name, CATALOGUE[rule].param(name).default)

    def words(self, rule: str, name: str) -> list[str]:
        return [w.strip() for w in str(self.param(rule, name)).split(",") if w.strip()]


@dataclass(frozen=True)
class RuleInForce:
    """One rule as a region runs it."""

    spec: RuleSpec
    enabled: bool
    action: str
    level: str
    params: tuple[tuple[Param, Any], ...]


def in_force(t: Thresholds) -> list[RuleInForce]:
    return [
        RuleInForce(
            spec,
            t.enabled(code),
            t.action(code),
            t.level(code),
            tuple((p, t.param(code, p.name)) for p in spec.params),
        )
        for code, spec in CATALOGUE.items()
    ]


# The largest value each kind of number takes: what a rule can compute with (a window of 10
# years, a threshold of 100 billion yuan), so that an absurd number is refused by name, not a 500.
LIMITS = {"fen": 10**13, "count": 100_000, "days": 3_660, "percent": 100}
TEXT_KINDS = ("words", "month_day")


def month_day(value: str) -> tuple[int, int] | None:
    """ "12-01" → (12, 1), a day every year has; None if it is not one."""
    parts = value.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        return None
    month, day = int(parts[0]), int(parts[1])
    days_in = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    return (month, day) if 1 <= month <= 12 and 1 <= day <= days_in[month - 1] else None


def _param_problem(code: str, param: Param, value: Any) -> tuple[str, str, str, str] | None:
    where = f"{code}.{param.name}"
    if param.kind == "words":
        if isinstance(value, str) and len(value) <= 500:
            return None
        return (
            where,
            str(value)[:40],
            f"规则 {code} 的{param.label_zh}须为逗号分隔的文字（500 字以内）",
            f"{param.label_en} of {code} is comma-separated text (≤ 500)",
        )
    if param.kind == "month_day":
        if isinstance(value, str) and month_day(value) is not None:
            return None
        return (
            where,
            str(value)[:40],
            f"规则 {code} 的{param.label_zh}须为“月-日”，如 12-01",
            f"{param.label_en} of {code} is a month and day, e.g. 12-01",
        )
    limit = LIMITS[param.kind]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit:
        return None
    return (
        where,
        str(value)[:40],
        f"规则 {code} 的{param.label_zh}须为 0 至 {limit} 之间的整数",
        f"{param.label_en} of {code} must be a whole number from 0 to {limit}",
    )


def validate_tuning(tuning: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """The problems of a region's tuning: (field, value, message zh, message en)."""
    problems: list[tuple[str, str, str, str]] = []
    for code, entry in tuning.items():
        spec = CATALOGUE.get(code)
        if spec is None or not isinstance(entry, Mapping):
            problems.append((code, str(entry)[:40], f"没有规则 {code}", f"no rule {code}"))
            continue
        action = entry.get("action", spec.action)
        if action not in ACTIONS:
            problems.append(
                (
                    f"{code}.action",
                    str(action)[:40],
                    f"规则 {code} 的处理方式只能是提示、预警或阻断",
                    f"the action of {code} is remind, warn or block",
                )
            )
        if not isinstance(entry.get("enabled", True), bool):
            problems.append(
                (
                    f"{code}.enabled",
                    str(entry.get("enabled"))[:40],
                    f"规则 {code} 的启用须为是或否",
                    f"enabled of {code} is true or false",
                )
            )
        params = entry.get("params", {})
        if not isinstance(params, Mapping):
            problems.append(
                (
                    f"{code}.params",
                    str(params)[:40],
                    f"规则 {code} 的参数须为名称和值",
                    f"the params of {code} are names and values",
                )
            )
            continue
        known = {p.name: p for p in spec.params}
        for name, value in params.items():
            param = known.get(str(name))
            if param is None:
                problems.append(
                    (
                        f"{code}.{name}",
                        str(value)[:40],
                        f"规则 {code} 没有参数 {name}",
                        f"{code} has no parameter {name}",
                    )
                )
                continue
            problem = _param_problem(code, param, value)
            if problem is not None:
                problems.append(problem)
    return problems
