"""The two tables read voucher by voucher: the 现金流量表 (会政财04表) and the 本年预算结余与本年盈余
差异调节表 (附注, R-AC-5). Pure functions over a voucher's lines.

Both split one figure of a voucher over the voucher's other lines by what those lines are:

* **Cash flow.** Cash is 1001 库存现金, 1002 银行存款, 1011 零余额账户用款额度 and 1021 其他货币资金.
  A 4001 财政拨款收入 line is money received from the treasury and spent in the same voucher (制度:
  国库集中支付 counts as cash in and out). It is an inflow, classed by the line's R-AC-3 activity. What
  went out (fiscal inflow − cash increase) is split over the voucher's other debit lines by account.
  What came in from elsewhere (cash increase − fiscal inflow) is split over its other credit lines.
* **Differences.** Per voucher, revenue (4xxx) minus budget revenue (6xxx), and expense (5xxx) minus
  budget expenditure (7xxx). The four groups of the 制度's table take each difference. A group's
  items take it by the financial lines that explain it (a 2201 debit explains budget expenditure
  without expense: 支付应付款项).

What no line explains goes to the table's 其他 row, so both tables always add up. Their checks
(R-AC-10) compare these voucher-level sums with the month totals the other statements read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from yusuan.accounting.choices import BudgetActivity, Half
from yusuan.accounting.rules import WITHHELD_ACCOUNT


@dataclass(frozen=True)
class Entry:
    """One line of a posted voucher, as the statements that look inside vouchers see it."""

    half: str
    account_code: str
    net: int  # debit positive
    dep_bgt_eco_code: str = ""
    budget_activity: str = ""
    red: bool = False  # a red-ink line (红字: a negative amount)

    @classmethod
    def of(cls, half: str, code: str, debit: int, credit: int, eco: str, activity: str) -> Entry:
        """A stored line's debit and credit as its net and red-ink flag."""
        return cls(half, code, debit - credit, eco, activity, debit < 0 or credit < 0)


CASH = ("1001", "1002", "1011", "1021")
FISCAL_REVENUE = "4001"
# 应付职工薪酬, and the employee's insurance and housing fund shares withheld (E4): paid for staff.
STAFF_PAYABLES = ("2201", *sorted({a for a in WITHHELD_ACCOUNT.values() if a.startswith("2307")}))
CAPITAL_ECONOMIC = ("309", "310")  # 资本性支出 (基本建设) and 资本性支出


def _fiscal_item(entry: Entry) -> str:
    if entry.budget_activity == BudgetActivity.PROJECT:
        if entry.dep_bgt_eco_code.startswith(CAPITAL_ECONOMIC):
            return "fiscal_capital"
        return "fiscal_project"
    return "fiscal_basic"


def _outflow_item(entry: Entry) -> str:
    code, eco = entry.account_code, entry.dep_bgt_eco_code
    if code.startswith(STAFF_PAYABLES) or (code[:1] == "5" and eco.startswith(("301", "303"))):
        return "staff"
    if code.startswith(("2101", "2102", "5801")):
        return "taxes"
    if code.startswith(("1601", "1611", "1613", "1701", "1703", "1801", "1821", "1831")):
        return "capex"
    if code.startswith(("1101", "1501", "1502")):
        return "invest_out"
    if code.startswith(("2001", "2501")):
        return "repay"
    if code.startswith("2304"):
        return "interest"
    if code[:1] == "5" or code.startswith(("1214", "1301", "1302", "1303", "1811", "2301", "2302")):
        return "goods"
    return "other_daily_out"


def _paid_for(entry: Entry) -> str:
    """What a debit line money went out for; a revenue debit (money paid back) is a negative
    inflow (``-`` prefix)."""
    if entry.account_code[:1] == "4":
        return "-" + _inflow_item(entry)
    return _outflow_item(entry)


def _came_from(entry: Entry) -> str:
    """Where a credit line's money came from; an expense credited (a payment refunded to the
    unit's own account) is a negative outflow (``-`` prefix)."""
    if entry.account_code[:1] == "5":
        return _refunded(entry)
    return _inflow_item(entry)


def _refunded(entry: Entry) -> str:
    """A credit line of a refund: what the money had gone out for, taken back."""
    return "-" + _outflow_item(entry)


def _inflow_item(entry: Entry) -> str:
    code = entry.account_code
    if code.startswith(("4101", "4201", "4301", "4401", "1211", "1212", "2305")):
        return "business_in"
    if code.startswith(("1101", "1501", "1502")):
        return "invest_back"
    if code.startswith(("4602", "1215", "1216")):
        return "invest_income"
    if code.startswith(("1601", "1701", "1801")):
        return "disposal_in"
    if code.startswith(("2001", "2501")):
        return "borrow"
    return "other_daily_in"


ItemOf = Callable[[Entry], str]


def _oriented(lines: Sequence[Entry]) -> tuple[int, list[Entry]]:
    """A red-ink voucher (红字冲销: negative amounts on the original sides) counts as its
    original taken away: its lines turned back, and what they give subtracted."""
    if any(e.red for e in lines):
        return -1, [replace(e, net=-e.net, red=False) for e in lines]
    return 1, list(lines)


def _add(into: dict[str, int], part: dict[str, int], sign: int) -> None:
    for key, value in part.items():
        into[key] += sign * value


def _split(
    amount: int, lines: Sequence[Entry], item_of: ItemOf, into: dict[str, int], rest: str
) -> None:
    """Give ``amount`` to ``lines`` in order, each up to its own size; the remainder to ``rest``.
    A negative amount (a refund) is split the same way and subtracts."""
    sign = 1 if amount >= 0 else -1
    left = abs(amount)
    for entry in lines:
        if not left:
            break
        take = min(left, abs(entry.net))
        item = item_of(entry)
        if item.startswith("-"):
            into[item[1:]] -= sign * take
        else:
            into[item] += sign * take
        left -= take
    if left:
        into[rest] += sign * left


def cash_flows(vouchers: Iterable[Sequence[Entry]]) -> dict[str, int]:
    """Cash flow items (fen, inflows and outflows both positive) of these vouchers."""
    total: dict[str, int] = defaultdict(int)
    for voucher in vouchers:
        sign, lines = _oriented(voucher)
        items: dict[str, int] = defaultdict(int)
        financial = [e for e in lines if e.half == Half.FINANCIAL]
        cash = sum(e.net for e in financial if e.account_code.startswith(CASH))
        treasury = [e for e in financial if e.account_code.startswith(FISCAL_REVENUE)]
        if not treasury and not any(e.account_code.startswith(CASH) for e in financial):
            continue  # no money moved
        received = 0
        for entry in treasury:
            items[_fiscal_item(entry)] -= entry.net  # a credit is money in
            received -= entry.net
        others = [
            e
            for e in financial
            if not e.account_code.startswith(CASH) and not e.account_code.startswith(FISCAL_REVENUE)
        ]
        out = received - cash  # > 0: paid out; < 0: came in
        if out > 0:
            _split(out, [e for e in others if e.net > 0], _paid_for, items, "other_daily_out")
        elif out < 0:
            # Treasury money given back (a refund, R1) undoes what it paid for.
            came_from = _refunded if received < 0 else _came_from
            _split(-out, [e for e in others if e.net < 0], came_from, items, "other_daily_in")
        _add(total, items, sign)
    return dict(total)


# --- 差异调节表 ------------------------------------------------------------------------------------

RECEIVABLES = ("1211", "1212", "1218", "2305")
INVENTORIES = ("1301", "1302", "1303", "1811")
CAPITAL_ASSETS = ("1601", "1611", "1613", "1701", "1703", "1801", "1821", "1831")
DEPRECIATION = ("1602", "1702", "1802", "1832")
BORROWING = ("2001", "2501", "2304")


def _revenue_gap_item(entry: Entry) -> str:
    """加 1 / 减 1: revenue without budget revenue, or the reverse."""
    if entry.account_code.startswith(RECEIVABLES):
        return "receivable"
    if entry.account_code.startswith(("2001", "2501")):
        return "borrowing"
    if entry.account_code[:1] == "1":
        return "non_cash"  # a donated asset
    return "other"


def _expense_gap_item(entry: Entry) -> str:
    """加 2 / 减 2: budget expenditure without expense (what it bought instead), or the reverse
    (what the expense used up)."""
    code = entry.account_code
    if code.startswith(INVENTORIES):
        return "inventory"
    if code.startswith(CAPITAL_ASSETS):
        return "capital"
    if code.startswith(DEPRECIATION):
        return "depreciation"
    if code.startswith(BORROWING):
        return "borrowing"
    if code.startswith("5301"):
        return "disposal"
    if code[:1] == "2" or code.startswith("1214"):
        return "payable"
    return "other"


def differences(vouchers: Iterable[Sequence[Entry]]) -> dict[str, int]:
    """The 差异调节表's items (fen), keyed ``group:item``: ``rev_only`` 当期确认为收入但没有确认为
    预算收入, ``brev_only`` the reverse, ``bexp_only`` 当期确认为预算支出但没有确认为费用, ``exp_only``
    the reverse; plus ``budget_balance`` and ``surplus`` summed from the same lines."""
    total: dict[str, int] = defaultdict(int)
    for voucher in vouchers:
        sign, lines = _oriented(voucher)
        items: dict[str, int] = defaultdict(int)
        sums: dict[str, int] = defaultdict(int)
        for entry in lines:
            sums[entry.account_code[:1]] += entry.net
        revenue, budget_revenue = -sums["4"], -sums["6"]
        expense, budget_expenditure = sums["5"], sums["7"]
        items["surplus"] += revenue - expense
        items["budget_balance"] += budget_revenue - budget_expenditure
        financial = [e for e in lines if e.half == Half.FINANCIAL and e.account_code[:1] in "123"]
        gap = revenue - budget_revenue
        if gap > 0:  # revenue recognised first: its debit is a receivable or an asset
            _split(
                gap,
                [e for e in financial if e.net > 0],
                _group("rev_only"),
                items,
                "rev_only:other",
            )
        elif gap < 0:  # budget revenue only: a receivable collected, a loan taken
            _split(
                -gap,
                [e for e in financial if e.net < 0],
                _group("brev_only"),
                items,
                "brev_only:other",
            )
        gap = budget_expenditure - expense
        if gap > 0:  # paid, not an expense: what the payment settled or bought (its debits)
            _split(
                gap,
                [e for e in financial if e.net > 0],
                _group("bexp_only", True),
                items,
                "bexp_only:other",
            )
        elif gap < 0:  # an expense, not paid: what it used up or owes (its credits)
            _split(
                -gap,
                [e for e in financial if e.net < 0],
                _group("exp_only", True),
                items,
                "exp_only:other",
            )
        _add(total, items, sign)
    return dict(total)


def _group(group: str, expense: bool = False) -> ItemOf:
    item_of = _expense_gap_item if expense else _revenue_gap_item
    return lambda entry: f"{group}:{item_of(entry)}"
