"""Dynamic monitoring (动态监控, DOMAIN §3.9): the rule catalogue and the pure checks before the
voucher (事中).

No Django here (import-linter). The **catalogue** (:data:`CATALOGUE`) says what each rule R-MO-n
is: its condition in words, when it runs (before the voucher, in the scheduled after-the-fact
scan, or both), its default action (remind / warn / block) and level, and its parameters with
their defaults [D]. What a region makes of it is **data** (``monitoring.models.RuleSettings``,
versioned): each rule enabled or not, its action, its level and its parameters
(:class:`Thresholds`). ``yusuan.monitoring.services`` gathers a request's facts (the unit's cash
this month, its 三公 budget and spending, earlier payments to the same payee, its staff…) and
runs the before-payment checks; ``yusuan.monitoring.services.scans`` runs the after-the-fact ones.

A check returns findings; the strongest outcome decides: ``block`` releases the money and the
request must be revised, ``warn`` needs a written explanation before the voucher (red and orange
then wait for the monitoring officer, R-MO-14), ``remind`` is recorded and the voucher is issued,
``pass`` issues it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from yusuan.budgeting.rules import THREE_PUBLIC_CODES
from yusuan.common.money import Money
from yusuan.monitoring.catalogue import (  # the catalogue, read as rules.X by callers
    BEFORE,
    BLOCK,
    CARD_LIST,
    CATALOGUE,
    ORDER,
    PASS,
    SOCIAL_CONTRIBUTIONS,
    THREE_PUBLIC_NAMES,
    Thresholds,
)


def _yuan(fen: int) -> str:
    return Money(fen).format()


# --- Facts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineFacts:
    row: int
    amount: int
    dep_bgt_eco_code: str
    payee_kind: str  # "organisation" | "individual"
    payee_name: str
    payee_account_no: str = ""
    payee_id_number: str = ""
    payee_credit_code: str = ""
    thr_exp_code: str = ""  # the indicator's 三公 category, if it is one
    is_dir: bool = False  # 直达资金
    summary: str = ""


@dataclass(frozen=True)
class RequestFacts:
    business_type: str
    settlement_mode: str
    amount: int
    lines: Sequence[LineFacts]
    # Cash the unit already has in vouchers this month and this year (R-MO-2), in fen.
    cash_month_to_date: int = 0
    cash_year_to_date: int = 0
    purpose: str = ""
    has_contract: bool = False
    pay_date: Any = None  # a date
    # The unit's own accounts and its subordinates' (R-MO-3, R-MO-11).
    own_accounts: frozenset[str] = frozenset()
    # The ID numbers of the unit's staff (R-MO-13), gathered when an individual is paid from 302.
    staff_ids: frozenset[str] = frozenset()
    # R-MO-5: per 三公 category, (the unit's budget, paid and in flight before this request).
    three_public: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    # R-MO-7: per payee account, the unit's earlier requests to it in the window: (date, amount).
    payee_history: Mapping[str, Sequence[tuple[Any, int]]] = field(default_factory=dict)
    # R-MO-10: this year before this request: the 工资总额 paid, 30228 and 30229, and the staff.
    salary_paid: int = 0
    union_paid: int = 0
    welfare_paid: int = 0
    staff_count: int = 0


# --- Findings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    rule: str
    outcome: str
    level: str  # red / orange / yellow / blue (DOMAIN §2.12)
    message_zh: str
    message_en: str
    row: int | None = None
    value: str = ""
    limit: str = ""


def fire(
    t: Thresholds,
    rule: str,
    zh: str,
    en: str,
    *,
    row: int | None = None,
    value: str = "",
    limit: str = "",
    action: str = "",
) -> Finding:
    """A finding of ``rule`` with the region's action and level (a block is always red)."""
    outcome = action or t.action(rule)
    level = "red" if outcome == BLOCK else t.level(rule)
    where = f"第 {row + 1} 行：" if row is not None else ""
    where_en = f"row {row + 1}: " if row is not None else ""
    return Finding(
        rule=rule,
        outcome=outcome,
        level=level,
        message_zh=f"{rule} {where}{zh}"[:300],
        message_en=f"{rule} {where_en}{en}"[:300],
        row=row,
        value=value[:40],
        limit=limit[:40],
    )


@dataclass(frozen=True)
class MonitoringRule:
    code: str
    name: str
    check: Callable[[RequestFacts, Thresholds], list[Finding]] = field(compare=False)


# --- The before-payment checks -------------------------------------------------------------------


def public_funds_to_individual(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-1: 302xx (商品和服务支出) paid to a personal account, other than a card repayment."""
    if facts.business_type == "card_repayment":
        return []
    return [
        fire(
            t,
            "R-MO-1",
            f"公用经费（{line.dep_bgt_eco_code}）向个人账户（{line.payee_name}）转账 "
            f"{_yuan(line.amount)} 元，须说明理由",
            f"public funds ({line.dep_bgt_eco_code}) to a personal account"
            f" ({line.payee_name}), {_yuan(line.amount)}; explain why",
            row=line.row,
            value=line.dep_bgt_eco_code,
        )
        for line in facts.lines
        if line.dep_bgt_eco_code.startswith("302") and line.payee_kind == "individual"
    ]


def large_cash(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-2: cash withdrawal over the single, month-to-date or year-to-date limits; over the
    hard limit blocks, over the soft one takes the region's action."""
    if facts.settlement_mode != "cash":
        return []
    findings = []
    for label_zh, label_en, amount, warn, block in (
        ("单笔", "single", facts.amount, t.cash_single_warn, t.cash_single_block),
        (
            "本月累计",
            "month to date",
            facts.cash_month_to_date + facts.amount,
            t.cash_month_warn,
            t.cash_month_block,
        ),
        (
            "本年累计",
            "year to date",
            facts.cash_year_to_date + facts.amount,
            t.cash_year_warn,
            t.cash_year_block,
        ),
    ):
        if amount < warn and amount < block:
            continue
        blocked = amount >= block
        limit = block if blocked else warn
        findings.append(
            fire(
                t,
                "R-MO-2",
                f"提取现金{label_zh} {_yuan(amount)} 元，达到"
                f"{'阻断' if blocked else '预警'}限额 {_yuan(limit)} 元",
                f"cash withdrawal ({label_en}) {_yuan(amount)} reaches the "
                f"{'blocking' if blocked else 'warning'} limit {_yuan(limit)}",
                value=_yuan(amount),
                limit=_yuan(limit),
                action=BLOCK if blocked else "",
            )
        )
    return findings


def money_back_to_the_unit(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-3 (资金回流): the payee account is the unit's own, or a subordinate's (a cash
    withdrawal is paid to the unit by nature: R-MO-2 watches it)."""
    if facts.settlement_mode == "cash":
        return []
    return [
        fire(
            t,
            "R-MO-3",
            f"收款账户 {line.payee_account_no}（{line.payee_name}）是本单位或下属单位的账户",
            f"the payee account {line.payee_account_no} ({line.payee_name}) is the unit's"
            " own or a subordinate's",
            row=line.row,
            value=line.payee_account_no,
        )
        for line in facts.lines
        if line.payee_account_no and line.payee_account_no in facts.own_accounts
    ]


def three_public_outside_card(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-4: 公务接待 and 公务用车运行维护 settled other than by card or transfer."""
    if facts.settlement_mode in ("card", "transfer"):
        return []
    codes = set(t.words("R-MO-4", "codes"))
    return [
        fire(
            t,
            "R-MO-4",
            f"三公经费（{line.dep_bgt_eco_code}）以现金结算 {_yuan(line.amount)} 元，"
            "应使用公务卡或转账",
            f"三公 spending ({line.dep_bgt_eco_code}) settled in cash, {_yuan(line.amount)};"
            " use the official card or a transfer",
            row=line.row,
            value=line.dep_bgt_eco_code,
            limit="公务卡 | 转账",
        )
        for line in facts.lines
        if line.dep_bgt_eco_code in codes
    ]


def three_public_category(line: LineFacts) -> str:
    """The line's 三公 category: its indicator's, else its economic code's."""
    return line.thr_exp_code or THREE_PUBLIC_CODES.get(line.dep_bgt_eco_code, "")


def three_public_over_budget(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-5: Σ paid of a 三公 category this year, with this payment, over its indicators."""
    asked: dict[str, int] = defaultdict(int)
    for line in facts.lines:
        category = three_public_category(line)
        if category:
            asked[category] += line.amount
    findings = []
    for category, amount in sorted(asked.items()):
        budget, spent = facts.three_public.get(category, (0, 0))
        if spent + amount <= budget:
            continue
        name = THREE_PUBLIC_NAMES.get(category, category)
        findings.append(
            fire(
                t,
                "R-MO-5",
                f"{name}本年已支付及在途 {_yuan(spent)} 元，加本次 {_yuan(amount)} 元，"
                f"超过预算 {_yuan(budget)} 元",
                f"三公 {name}: {_yuan(spent)} paid or in flight this year plus"
                f" {_yuan(amount)} exceeds the budget {_yuan(budget)}",
                value=_yuan(spent + amount),
                limit=_yuan(budget),
            )
        )
    return findings


def wrong_economic_class(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-6 (错用科目): 301xx (not social contributions) to an organisation; 310xx with no
    contract from the configured amount. A salary sheet pays its withholdings (个税, 公积金) to
    organisations by design, a card repayment pays the card's bank."""
    if facts.business_type in ("card_repayment", "salary"):
        return []
    capital_from = int(t.param("R-MO-6", "capital_from"))
    findings = []
    for line in facts.lines:
        eco = line.dep_bgt_eco_code
        if (
            eco.startswith("301")
            and eco not in SOCIAL_CONTRIBUTIONS
            and line.payee_kind == "organisation"
        ):
            findings.append(
                fire(
                    t,
                    "R-MO-6",
                    f"工资福利支出（{eco}）付给单位（{line.payee_name}），请核对经济分类",
                    f"personnel spending ({eco}) paid to an organisation ({line.payee_name});"
                    " check the economic class",
                    row=line.row,
                    value=eco,
                )
            )
        elif eco.startswith("310") and not facts.has_contract and line.amount >= capital_from:
            findings.append(
                fire(
                    t,
                    "R-MO-6",
                    f"资本性支出（{eco}）{_yuan(line.amount)} 元没有合同",
                    f"capital spending ({eco}) of {_yuan(line.amount)} without a contract",
                    row=line.row,
                    value=_yuan(line.amount),
                    limit=_yuan(capital_from),
                )
            )
    return findings


def in_band(amount: int, t: Thresholds) -> bool:
    """R-MO-7: just below the threshold (within the band)."""
    threshold = int(t.param("R-MO-7", "threshold"))
    margin = int(t.param("R-MO-7", "margin"))
    return threshold * (100 - margin) <= amount * 100 < threshold * 100


def split_payments(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-7: with this one, ≥ N payments to the payee within D days, each just below the
    threshold."""
    by_payee: dict[str, list[LineFacts]] = defaultdict(list)
    for line in facts.lines:
        by_payee[line.payee_account_no].append(line)
    count = int(t.param("R-MO-7", "count"))
    days = int(t.param("R-MO-7", "days"))
    threshold = int(t.param("R-MO-7", "threshold"))
    findings = []
    for account, lines in sorted(by_payee.items()):
        amount = sum(line.amount for line in lines)
        if not account or not in_band(amount, t):
            continue
        earlier = [a for _day, a in facts.payee_history.get(account, ()) if in_band(a, t)]
        if len(earlier) + 1 < count:
            continue
        findings.append(
            fire(
                t,
                "R-MO-7",
                f"{days} 天内向 {lines[0].payee_name} 支付 {len(earlier) + 1} 笔，"
                f"每笔略低于 {_yuan(threshold)} 元（本笔 {_yuan(amount)} 元），疑似拆分支付",
                f"{len(earlier) + 1} payments to {lines[0].payee_name} within {days} days,"
                f" each just below {_yuan(threshold)} (this one {_yuan(amount)}): split?",
                row=lines[0].row,
                value=str(len(earlier) + 1),
                limit=str(count),
            )
        )
    return findings


def union_and_welfare(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-10: 30228 over the share of the 工资总额 paid; 30229 over the per-head standard."""
    union = sum(x.amount for x in facts.lines if x.dep_bgt_eco_code == "30228")
    welfare = sum(x.amount for x in facts.lines if x.dep_bgt_eco_code == "30229")
    findings = []
    if union:
        percent = int(t.param("R-MO-10", "union_percent"))
        limit = facts.salary_paid * percent // 100
        if facts.union_paid + union > limit:
            findings.append(
                fire(
                    t,
                    "R-MO-10",
                    f"工会经费本年累计 {_yuan(facts.union_paid + union)} 元，超过已发工资总额"
                    f" {_yuan(facts.salary_paid)} 元的 {percent}%（{_yuan(limit)} 元）",
                    f"union dues this year {_yuan(facts.union_paid + union)} exceed {percent}%"
                    f" of the pay bill paid {_yuan(facts.salary_paid)} ({_yuan(limit)})",
                    value=_yuan(facts.union_paid + union),
                    limit=_yuan(limit),
                )
            )
    if welfare and facts.staff_count:
        per_head = int(t.param("R-MO-10", "welfare_per_head"))
        limit = per_head * facts.staff_count
        if facts.welfare_paid + welfare > limit:
            findings.append(
                fire(
                    t,
                    "R-MO-10",
                    f"福利费本年累计 {_yuan(facts.welfare_paid + welfare)} 元，超过人均标准"
                    f" {_yuan(per_head)} 元 × {facts.staff_count} 人",
                    f"welfare this year {_yuan(facts.welfare_paid + welfare)} exceeds"
                    f" {_yuan(per_head)} per head × {facts.staff_count}",
                    value=_yuan(facts.welfare_paid + welfare),
                    limit=_yuan(limit),
                )
            )
    return findings


def direct_funds_beneficiary(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-11 (直达资金): the money reaches an identified person or enterprise."""
    findings = []
    for line in facts.lines:
        if not line.is_dir:
            continue
        identified = (line.payee_kind == "individual" and len(line.payee_id_number) == 18) or (
            line.payee_kind == "organisation" and len(line.payee_credit_code) == 18
        )
        if identified and line.payee_account_no not in facts.own_accounts:
            continue
        findings.append(
            fire(
                t,
                "R-MO-11",
                f"直达资金付给 {line.payee_name}，没有落实到人（身份证号）或到企（统一社会信用代码）",
                f"direct funds paid to {line.payee_name}, not an identified person (ID number)"
                " or enterprise (credit code)",
                row=line.row,
                value=line.payee_name,
            )
        )
    return findings


def card_list_in_cash(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-12: an item of the 公务卡强制结算目录 settled in cash (small amounts exempt)."""
    if facts.settlement_mode != "cash":
        return []
    below = int(t.param("R-MO-12", "exempt_below"))
    return [
        fire(
            t,
            "R-MO-12",
            f"{line.dep_bgt_eco_code} 属公务卡强制结算目录，现金结算 {_yuan(line.amount)} 元，"
            "须说明不能用公务卡的理由",
            f"{line.dep_bgt_eco_code} is on the official-card list, settled in cash"
            f" ({_yuan(line.amount)}); explain why the card could not be used",
            row=line.row,
            value=_yuan(line.amount),
            limit=_yuan(below),
        )
        for line in facts.lines
        if line.dep_bgt_eco_code in CARD_LIST and line.amount >= below
    ]


def suspicious(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-13: a watch word in the purpose or a line's summary, a watched payee, or a staff
    member of the unit paid from 302."""
    words = t.words("R-MO-13", "words")
    watched = set(t.words("R-MO-13", "watch"))
    findings = []
    hit = next((w for w in words if w in facts.purpose), None)
    if hit:
        findings.append(
            fire(
                t,
                "R-MO-13",
                f"支付用途含关注词“{hit}”",
                f"the purpose contains the watch word “{hit}”",
                value=hit,
            )
        )
    for line in facts.lines:
        word = next((w for w in words if w in line.summary), None)
        if word and not hit:
            findings.append(
                fire(
                    t,
                    "R-MO-13",
                    f"摘要含关注词“{word}”",
                    f"the summary contains the watch word “{word}”",
                    row=line.row,
                    value=word,
                )
            )
        if line.payee_name in watched or (
            line.payee_account_no and line.payee_account_no in watched
        ):
            findings.append(
                fire(
                    t,
                    "R-MO-13",
                    f"受款人 {line.payee_name} 在关注名单上",
                    f"the payee {line.payee_name} is on the watch list",
                    row=line.row,
                    value=line.payee_name,
                )
            )
        if (
            line.dep_bgt_eco_code.startswith("302")
            and line.payee_kind == "individual"
            and line.payee_id_number
            and line.payee_id_number in facts.staff_ids
        ):
            findings.append(
                fire(
                    t,
                    "R-MO-13",
                    f"受款人 {line.payee_name} 是本单位在编人员，商品和服务支出付给本单位职工",
                    f"the payee {line.payee_name} is on the unit's staff; goods and services"
                    " paid to a staff member",
                    row=line.row,
                    value=line.payee_name,
                )
            )
    return findings


RULES: list[MonitoringRule] = [
    MonitoringRule("R-MO-1", CATALOGUE["R-MO-1"].name, public_funds_to_individual),
    MonitoringRule("R-MO-2", CATALOGUE["R-MO-2"].name, large_cash),
    MonitoringRule("R-MO-3", CATALOGUE["R-MO-3"].name, money_back_to_the_unit),
    MonitoringRule("R-MO-4", CATALOGUE["R-MO-4"].name, three_public_outside_card),
    MonitoringRule("R-MO-5", CATALOGUE["R-MO-5"].name, three_public_over_budget),
    MonitoringRule("R-MO-6", CATALOGUE["R-MO-6"].name, wrong_economic_class),
    MonitoringRule("R-MO-7", CATALOGUE["R-MO-7"].name, split_payments),
    MonitoringRule("R-MO-10", CATALOGUE["R-MO-10"].name, union_and_welfare),
    MonitoringRule("R-MO-11", CATALOGUE["R-MO-11"].name, direct_funds_beneficiary),
    MonitoringRule("R-MO-12", CATALOGUE["R-MO-12"].name, card_list_in_cash),
    MonitoringRule("R-MO-13", CATALOGUE["R-MO-13"].name, suspicious),
]
assert all(BEFORE in CATALOGUE[r.code].when for r in RULES)


def evaluate(
    facts: RequestFacts, thresholds: Thresholds, rules: Sequence[MonitoringRule] = ()
) -> tuple[str, list[Finding]]:
    """Every enabled rule's findings and the strongest outcome (``pass`` when none)."""
    findings = [
        f
        for rule in (rules or RULES)
        if thresholds.enabled(rule.code)
        for f in rule.check(facts, thresholds)
    ]
    outcome = max((f.outcome for f in findings), key=ORDER.__getitem__, default=PASS)
    return outcome, findings
