"""The accounting rules as pure functions (R-AC-1…3, R-AC-6, R-AC-11; DOMAIN §4, DOMAIN-2 §5).

A posting rule (data, per region, versioned) says: for an item of a money event whose facts
satisfy ``conditions``, book these ``lines``. An item is the part of an event borne by one
indicator line (a payment line paid from two indicator lines is two items). ``book`` turns the
items of one event into the lines of one voucher; ``balance_errors`` is R-AC-2.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from yusuan.accounting.choices import BudgetActivity, Half, QuotaModel, Side, UnitKind
from yusuan.common.errors import ErrorDetail, err
from yusuan.common.money import Money

# Fund nature (资金性质) → the family of accounts a payment is booked against (DOMAIN-2 §5.2).
FISCAL_FUND_TYPES = frozenset({"111", "211", "311"})  # 财政拨款: 4001 / 6001
SPECIAL_FUND_TYPES = frozenset({"411"})  # 财政专户管理资金: 4101 / 6101
OWN_FUND_TYPES = frozenset({"511"})  # 单位资金: 1002 / 8001—货币资金

EXPENDITURE_ACCOUNT = {  # R-AC-11
    UnitKind.ADMINISTRATIVE: "7101",
    UnitKind.INSTITUTION: "7201",
}
# 财政拨款 budgetary accounts whose lines must carry the R-AC-3 dimensions.
DIMENSIONED_PREFIXES = ("6001", "7101", "7201")


# 应付职工薪酬 by salary item (DOMAIN-2 §5.2 E1/E3/E5; the sub-accounts of 2201 in the chart).
# [K] 30103 奖金 goes to 其他个人收入 and 30111 (公务员医疗补助) with the social insurance.
SALARY_PAYABLE = {
    "30101": "220101",
    "30102": "220102",
    "30107": "220103",
    "30108": "220104",
    "30109": "220104",
    "30110": "220104",
    "30111": "220104",
    "30112": "220104",
    "30113": "220105",
}
OTHER_PAY = "220199"
# What is withheld from pay and passed on (E2/E4): the tax to 2102, the employee's shares of
# the insurances and the housing fund to 2307 (DOMAIN-2 §5.2).
WITHHELD_ACCOUNT = {
    "个人所得税": "210201",
    "养老保险": "230701",
    "职业年金": "230701",
    "医疗保险": "230701",
    "失业保险": "230701",
    "住房公积金": "230702",
}
OTHER_WITHHELD = "230799"


def salary_payable(eco: str) -> str:
    return SALARY_PAYABLE.get(eco, OTHER_PAY)


def withheld_account(kind: str) -> str:
    return WITHHELD_ACCOUNT.get(kind, OTHER_WITHHELD)


def fund_class(fund_type_code: str) -> str:
    if fund_type_code in FISCAL_FUND_TYPES:
        return "fiscal"
    if fund_type_code in SPECIAL_FUND_TYPES:
        return "special"
    if fund_type_code in OWN_FUND_TYPES:
        return "own"
    return ""


def unit_kind_of(agency_type: str) -> str:
    """R-AC-11: 行政单位 (1) and 参公 units (2) book 7101; institutions and others 7201. Where a
    province books 参公 units otherwise, the book's ``unit_kind`` is changed when it is opened."""
    return UnitKind.ADMINISTRATIVE if agency_type in ("1", "2") else UnitKind.INSTITUTION


@dataclass(frozen=True)
class Dims:
    """What a line is dimensioned by (DOMAIN-2 §5.1)."""

    exp_func_code: str = ""
    dep_bgt_eco_code: str = ""
    fund_type_code: str = ""
    budget_activity: str = BudgetActivity.NONE
    project_id: int | None = None
    indicator_line_id: int | None = None
    payee_id: int | None = None
    counterparty: str = ""


@dataclass(frozen=True)
class Item:
    """Part of an event to book: its amount (fen), the facts rules match on and its dimensions.
    A correction's item also has where the money came ``from`` and went ``to``."""

    amount: int
    facts: Mapping[str, Any]
    dims: Dims
    from_dims: Dims | None = None
    to_dims: Dims | None = None
    summary: str = ""


@dataclass(frozen=True)
class RuleSpec:
    code: str
    version: int
    name: str
    event: str
    priority: int
    conditions: Mapping[str, Any]
    lines: Sequence[Mapping[str, Any]]
    net_halves: Sequence[str] = ()

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version}"


@dataclass(frozen=True)
class Line:
    """A line to book: ``amount`` on ``side`` (negative in a red-ink reversal)."""

    half: str
    side: str
    account_code: str
    amount: int
    dims: Dims = field(default_factory=Dims)
    summary: str = ""

    @property
    def debit(self) -> int:
        return self.amount if self.side == Side.DEBIT else 0

    @property
    def credit(self) -> int:
        return self.amount if self.side == Side.CREDIT else 0


def matches(conditions: Mapping[str, Any], facts: Mapping[str, Any]) -> bool:
    """Every condition holds: a list is "any of", ``eco_prefix`` tests the economic class's
    start, a scalar must be equal."""
    for key, wanted in conditions.items():
        if key == "eco_prefix":
            if not str(facts.get("eco", "")).startswith(tuple(wanted)):
                return False
        elif isinstance(wanted, list):
            if facts.get(key) not in wanted:
                return False
        elif facts.get(key) != wanted:
            return False
    return True


def first_match(rules: Iterable[RuleSpec], facts: Mapping[str, Any]) -> RuleSpec | None:
    for rule in sorted(rules, key=lambda r: (r.priority, r.code)):
        if matches(rule.conditions, facts):
            return rule
    return None


class NoRuleError(Exception):
    """No rule books this item (the voucher is left as a draft naming the problem)."""


def _dims_for(item: Item, which: str) -> Dims:
    if which == "from":
        return item.from_dims or item.dims
    if which == "to":
        return item.to_dims or item.dims
    if which == "none":
        return Dims()
    return item.dims


def book(
    items: Sequence[Item],
    rules: Sequence[RuleSpec],
    *,
    payment_rules: Sequence[RuleSpec],
    expenditure_account: str,
) -> tuple[list[Line], list[str]]:
    """The voucher lines of ``items`` and the labels of the rules used. ``payment_rules`` resolve
    ``{payment_account}``: the financial account the payment's rule debits for those dims (a
    refund credits what the payment debited, DOMAIN §4.4)."""
    lines: list[Line] = []
    used: list[str] = []
    for item in items:
        rule = first_match(rules, item.facts)
        if rule is None:
            raise NoRuleError(_describe(item.facts))
        if rule.label not in used:
            used.append(rule.label)
        booked: list[Line] = []
        for spec in rule.lines:
            dims = _dims_for(item, str(spec.get("dims", "item")))
            account = _account(
                str(spec["account"]),
                item=item,
                dims=dims,
                payment_rules=payment_rules,
                expenditure_account=expenditure_account,
            )
            booked.append(
                Line(
                    half=str(spec["half"]),
                    side=str(spec["side"]),
                    account_code=account,
                    amount=item.amount,
                    dims=dims,
                    summary=item.summary,
                )
            )
        lines += _net(booked, rule.net_halves)
    return merge(lines), used


def _describe(facts: Mapping[str, Any]) -> str:
    shown = {k: v for k, v in facts.items() if v not in ("", None)}
    return ", ".join(f"{k}={v}" for k, v in sorted(shown.items()))


def _account(
    template: str,
    *,
    item: Item,
    dims: Dims,
    payment_rules: Sequence[RuleSpec],
    expenditure_account: str,
) -> str:
    if template == "{expenditure}":
        return expenditure_account
    if template.startswith("{fact:"):  # an account the event's item names (a payable by item)
        named = item.facts.get(template[6:-1])
        if not named:
            raise NoRuleError(_describe(item.facts))
        return str(named)
    if template == "{payment_account}":
        facts = {
            **item.facts,
            "eco": dims.dep_bgt_eco_code,
            "fund_class": fund_class(dims.fund_type_code),
        }
        rule = first_match(payment_rules, facts)
        if rule is None:
            raise NoRuleError(_describe(facts))
        for spec in rule.lines:
            if spec["half"] == Half.FINANCIAL and spec["side"] == Side.DEBIT:
                account = str(spec["account"])
                if account.startswith("{fact:"):  # a salary payment's payable (E3/E4)
                    return _account(
                        account,
                        item=item,
                        dims=dims,
                        payment_rules=payment_rules,
                        expenditure_account=expenditure_account,
                    )
                if account.startswith("{"):  # the legacy rule debits {payment_account} itself
                    rest = [r for r in payment_rules if r.code != rule.code]
                    return _account(
                        template,
                        item=item,
                        dims=dims,
                        payment_rules=rest,
                        expenditure_account=expenditure_account,
                    )
                return account
        raise NoRuleError(_describe(facts))
    return template


def _net(lines: list[Line], halves: Sequence[str]) -> list[Line]:
    """In ``halves``, lines on one account net across dimensions: a 更正 that leaves the
    expense account unchanged books nothing in the financial half (DOMAIN-2 §5.2 E16)."""
    if not halves:
        return lines
    by_account: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        if line.half in halves:
            by_account[(line.half, line.account_code)] += line.debit - line.credit
    if any(by_account.values()):
        return lines
    return [line for line in lines if line.half not in halves]


def merge(lines: Iterable[Line]) -> list[Line]:
    """Lines with the same half, side, account and dimensions add up (one line per charge)."""
    order: list[tuple[Any, ...]] = []
    sums: dict[tuple[Any, ...], Line] = {}
    for line in lines:
        key = (line.half, line.side, line.account_code, line.dims, line.summary)
        if key in sums:
            sums[key] = replace(sums[key], amount=sums[key].amount + line.amount)
        else:
            order.append(key)
            sums[key] = line
    # Budgetary half after the financial one, debits before credits (how vouchers read).
    ranked = sorted(order, key=lambda k: (k[0] != Half.FINANCIAL, k[1] != Side.DEBIT))
    return [sums[key] for key in ranked if sums[key].amount != 0]


# --- Checks --------------------------------------------------------------------------------


def half_of(account_code: str) -> str:
    """Accounts 1–5 are financial, 6–8 budgetary (R-AC-2)."""
    return Half.FINANCIAL if account_code[:1] in "12345" else Half.BUDGETARY


def balance_errors(lines: Sequence[Line]) -> list[ErrorDetail]:
    """R-AC-2: Σ debit = Σ credit over the financial lines and, separately, the budgetary ones."""
    errors = []
    for half, name_zh, name_en in (
        (Half.FINANCIAL, "财务会计", "financial"),
        (Half.BUDGETARY, "预算会计", "budgetary"),
    ):
        debit = sum(line.debit for line in lines if line.half == half)
        credit = sum(line.credit for line in lines if line.half == half)
        if debit != credit:
            diff = Money(abs(debit - credit))
            errors.append(
                err(
                    "accounting.unbalanced",
                    f"lines.{half}",
                    f"{name_zh}分录借方合计 {Money(debit).format()} 元，贷方合计 "
                    f"{Money(credit).format()} 元，相差 {diff.format()} 元，借贷必须相等",
                    f"{name_en} lines: debits {Money(debit).format()}, credits "
                    f"{Money(credit).format()}, a difference of {diff.format()}; they must be equal",
                    rule="R-AC-2",
                    value=debit,
                    limit=credit,
                )
            )
    return errors


def line_errors(
    lines: Sequence[Line],
    *,
    quota_model: str,
    unit_kind: str,
    account: Callable[[str], Any | None],
) -> list[ErrorDetail]:
    """Each line: a known leaf account of the right half (R-AC-2), not closed to the booking
    model (R-AC-6), the unit's expenditure account (R-AC-11), the R-AC-3 dimensions on
    财政拨款 budgetary lines. ``account(code)`` returns the chart row (``None``: unknown) with
    ``half``, ``legacy_only``, ``is_leaf`` and ``is_leaf_unified``."""
    errors: list[ErrorDetail] = []
    other = {"7101": "7201", "7201": "7101"}[EXPENDITURE_ACCOUNT[UnitKind(unit_kind)]]
    for row, line in enumerate(lines):
        where = f"lines[{row}].account_code"
        found = account(line.account_code)
        if found is None:
            errors.append(
                err(
                    "accounting.unknown_account",
                    where,
                    f"第 {row + 1} 行：科目 {line.account_code} 不在本地区的会计科目表中",
                    f"row {row + 1}: account {line.account_code} is not in the region's chart",
                    rule="R-AC-2",
                    value=line.account_code,
                    row=row,
                )
            )
            continue
        leaf = found.is_leaf if quota_model == QuotaModel.LEGACY else found.is_leaf_unified
        if not leaf:
            errors.append(
                err(
                    "accounting.not_leaf",
                    where,
                    f"第 {row + 1} 行：科目 {line.account_code} 有下级科目，请记入明细科目",
                    f"row {row + 1}: account {line.account_code} has sub-accounts; book to one",
                    rule="R-AC-2",
                    value=line.account_code,
                    row=row,
                )
            )
        if found.half != line.half:
            errors.append(
                err(
                    "accounting.wrong_half",
                    where,
                    f"第 {row + 1} 行：科目 {line.account_code} 不属于"
                    f"{'财务会计' if line.half == Half.FINANCIAL else '预算会计'}",
                    f"row {row + 1}: account {line.account_code} is not a {line.half} account",
                    rule="R-AC-2",
                    value=line.account_code,
                    row=row,
                )
            )
        if quota_model == QuotaModel.UNIFIED and found.legacy_only:
            errors.append(
                err(
                    "accounting.legacy_account",
                    where,
                    f"第 {row + 1} 行：一体化核算模式下不再使用科目 {line.account_code}"
                    "（零余额账户用款额度及财政直接/授权支付明细科目）",
                    f"row {row + 1}: under the integrated model account {line.account_code} "
                    "is no longer used (1011 and the direct/authorised sub-accounts)",
                    rule="R-AC-6",
                    value=line.account_code,
                    row=row,
                )
            )
        if line.account_code.startswith(other):
            errors.append(
                err(
                    "accounting.expenditure_account",
                    where,
                    f"第 {row + 1} 行：本单位应使用 {EXPENDITURE_ACCOUNT[UnitKind(unit_kind)]}，"
                    f"不能使用 {line.account_code}",
                    f"row {row + 1}: this unit books {EXPENDITURE_ACCOUNT[UnitKind(unit_kind)]}, "
                    f"not {line.account_code}",
                    rule="R-AC-11",
                    value=line.account_code,
                    limit=EXPENDITURE_ACCOUNT[UnitKind(unit_kind)],
                    row=row,
                )
            )
        errors += _dimension_errors(row, line)
    return errors


def _dimension_errors(row: int, line: Line) -> list[ErrorDetail]:
    """R-AC-3: 6001 and 7101/7201 财政拨款 lines carry 功能分类(项), 经济分类(款), 资金性质 and the
    basic/project split (a project line also its project)."""
    if line.half != Half.BUDGETARY or not line.account_code.startswith(DIMENSIONED_PREFIXES):
        return []
    d = line.dims
    if (
        line.account_code.startswith("7")
        and d.fund_type_code
        and fund_class(d.fund_type_code) != "fiscal"
    ):
        return []  # non-fiscal spending: the split is not required
    missing = []
    if len(d.exp_func_code) != 7:
        missing.append(("exp_func_code", "功能分类（项级）", "functional class (项)"))
    if len(d.dep_bgt_eco_code) != 5:
        missing.append(("dep_bgt_eco_code", "经济分类（款级）", "economic class (款)"))
    if not d.fund_type_code:
        missing.append(("fund_type_code", "资金性质", "fund nature"))
    if not d.budget_activity:
        missing.append(("budget_activity", "基本/项目支出", "basic or project"))
    elif d.budget_activity == BudgetActivity.PROJECT and not d.project_id:
        missing.append(("project", "项目", "project"))
    return [
        err(
            "accounting.missing_dimension",
            f"lines[{row}].{name}",
            f"第 {row + 1} 行：科目 {line.account_code} 须注明{zh}",
            f"row {row + 1}: account {line.account_code} needs its {en}",
            rule="R-AC-3",
            row=row,
        )
        for name, zh, en in missing
    ]


def activity_of(*, dep_bgt_eco_code: str, basic: str) -> str:
    """R-AC-3's split of a line: 项目支出 when the project's category says so (``basic`` is what
    R-PJ-7's ``expenditure_kind`` returns), else 人员经费 for 301/303 and 日常公用经费 for the rest."""
    if basic == "project":
        return BudgetActivity.PROJECT
    if not dep_bgt_eco_code:
        return BudgetActivity.NONE
    if dep_bgt_eco_code.startswith(("301", "303")):
        return BudgetActivity.PERSONNEL
    return BudgetActivity.PUBLIC


# --- Depreciation and amortisation (E11) -----------------------------------------------------------

# The asset account → its accumulated depreciation or amortisation account (财会〔2017〕25号).
ACCUMULATED = {"1601": "1602", "1701": "1702", "1801": "1802", "1831": "1832"}


def months_in_service(in_service_year: int, in_service_month: int, year: int, month: int) -> int:
    """Which month of its life ``year``-``month`` is for an asset in service from the given
    month: 1 for that month itself (当月增加，当月计提), 0 or less before it."""
    return (year - in_service_year) * 12 + (month - in_service_month) + 1


def depreciation_due(cost: int, salvage: int, life_months: int, month_of_life: int) -> int:
    """Straight line in whole fen: what month ``month_of_life`` (1…life) owes. Each month is the
    rise of ``floor((cost − salvage) × k / life)``, so the months add up to cost − salvage exactly
    and no month differs from another by more than a fen; nothing outside the life."""
    if month_of_life < 1 or month_of_life > life_months:
        return 0
    base = cost - salvage
    return base * month_of_life // life_months - base * (month_of_life - 1) // life_months
