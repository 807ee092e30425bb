"""Monitoring before the voucher (事中监控, DOMAIN §3.9): pure rules over a request's facts.

No Django here (import-linter): ``yusuan.monitoring.services`` gathers the facts (including the
unit's cash already withdrawn this month and year) and the thresholds, runs every registered
rule and records the findings. A rule returns findings; the strongest outcome decides: ``block``
releases the money and the request must be revised, ``warn`` needs a written explanation before
the voucher, ``pass`` issues it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from yusuan.common.money import Money

PASS, WARN, BLOCK = "pass", "warn", "block"
ORDER = {PASS: 0, WARN: 1, BLOCK: 2}


def _yuan(fen: int) -> str:
    return Money(fen).format()


@dataclass(frozen=True)
class LineFacts:
    row: int
    amount: int
    dep_bgt_eco_code: str
    payee_kind: str  # "organisation" | "individual"
    payee_name: str


@dataclass(frozen=True)
class RequestFacts:
    business_type: str
    settlement_mode: str
    amount: int
    lines: Sequence[LineFacts]
    # Cash the unit already has in vouchers this month and this year (R-MO-2), in fen.
    cash_month_to_date: int = 0
    cash_year_to_date: int = 0


# R-MO-14: the levels of DOMAIN §2.12. Red and orange findings wait for the finance monitoring
# officer (监控岗) or the supervising division; yellow and blue are cleared by the unit's explanation.
LEVELS = ("red", "orange", "yellow", "blue")
REVIEWED_LEVELS = frozenset({"red", "orange"})
# The level of each rule's warning, as the code had it before R-MO-14 made it per-region data.
DEFAULT_LEVELS: tuple[tuple[str, str], ...] = (("R-MO-1", "red"), ("R-MO-2", "orange"))


def needs_review(level: str) -> bool:
    """R-MO-14: only the monitoring officer or the supervising division clears red and orange."""
    return level in REVIEWED_LEVELS


@dataclass(frozen=True)
class Thresholds:
    """R-MO-2 limits in fen and the level of each rule's warning (R-MO-14). Defaults are ours [D];
    each region keeps its own in the database (``monitoring.models.RuleSettings``)."""

    cash_single_warn: int = 20_000_00
    cash_single_block: int = 50_000_00
    cash_month_warn: int = 50_000_00
    cash_month_block: int = 100_000_00
    cash_year_warn: int = 300_000_00
    cash_year_block: int = 500_000_00
    levels: tuple[tuple[str, str], ...] = DEFAULT_LEVELS

    def level(self, rule: str) -> str:
        """The level of ``rule``'s warning in this region (a block is always red)."""
        return dict(self.levels).get(rule, dict(DEFAULT_LEVELS).get(rule, "red"))


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


@dataclass(frozen=True)
class MonitoringRule:
    code: str
    name: str
    check: Callable[[RequestFacts, Thresholds], list[Finding]] = field(compare=False)


def public_funds_to_individual(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-1: 302xx (商品和服务支出) paid to a personal account, other than a card repayment."""
    if facts.business_type == "card_repayment":
        return []
    return [
        Finding(
            rule="R-MO-1",
            outcome=WARN,
            level=t.level("R-MO-1"),
            row=line.row,
            value=line.dep_bgt_eco_code,
            message_zh=(
                f"第 {line.row + 1} 行：公用经费（{line.dep_bgt_eco_code}）向个人账户"
                f"（{line.payee_name}）转账 {_yuan(line.amount)} 元，须说明理由"
            ),
            message_en=(
                f"row {line.row + 1}: public funds ({line.dep_bgt_eco_code}) to a personal account"
                f" ({line.payee_name}), {_yuan(line.amount)}; explain why"
            ),
        )
        for line in facts.lines
        if line.dep_bgt_eco_code.startswith("302") and line.payee_kind == "individual"
    ]


def large_cash(facts: RequestFacts, t: Thresholds) -> list[Finding]:
    """R-MO-2: cash withdrawal over the single, month-to-date or year-to-date limits; over the
    hard limit blocks, over the soft one warns."""
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
        limit = block if amount >= block else warn if amount >= warn else None
        if limit is None:
            continue
        outcome = BLOCK if amount >= block else WARN
        findings.append(
            Finding(
                rule="R-MO-2",
                outcome=outcome,
                level="red" if outcome == BLOCK else t.level("R-MO-2"),
                value=_yuan(amount),
                limit=_yuan(limit),
                message_zh=(
                    f"提取现金{label_zh} {_yuan(amount)} 元，达到"
                    f"{'阻断' if outcome == BLOCK else '预警'}限额 {_yuan(limit)} 元"
                ),
                message_en=(
                    f"cash withdrawal ({label_en}) {_yuan(amount)} reaches the "
                    f"{'blocking' if outcome == BLOCK else 'warning'} limit {_yuan(limit)}"
                ),
            )
        )
    return findings


RULES: list[MonitoringRule] = [
    MonitoringRule("R-MO-1", "公用经费向个人账户转账", public_funds_to_individual),
    MonitoringRule("R-MO-2", "大额提现", large_cash),
]


def evaluate(
    facts: RequestFacts, thresholds: Thresholds, rules: Sequence[MonitoringRule] = ()
) -> tuple[str, list[Finding]]:
    """Every rule's findings and the strongest outcome (``pass`` when none)."""
    findings = [f for rule in (rules or RULES) for f in rule.check(facts, thresholds)]
    outcome = max((f.outcome for f in findings), key=ORDER.__getitem__, default=PASS)
    return outcome, findings
