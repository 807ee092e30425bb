"""What the statements read: account sums from the maintained month totals, and, for the two
tables that must look inside each voucher (the 现金流量表 and the 差异调节表), the posted
vouchers' lines grouped by voucher.

Amounts are integer fen, net debit positive (Dr − Cr), as in ``PeriodTotal``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Sum

from yusuan.accounting.choices import VoucherState
from yusuan.accounting.flows import Entry
from yusuan.accounting.models import OPENING_MONTH, Book, FlowTotal, PeriodTotal, VoucherLine
from yusuan.accounting.rules import FISCAL_FUND_TYPES

Codes = str | tuple[str, ...]  # an account code prefix, or several


def fiscal(fund_type_code: str) -> bool:
    return fund_type_code in FISCAL_FUND_TYPES


@dataclass
class Sums:
    """Net sums per (account code, month, fund nature) of some books, months 0…``month``."""

    month: int
    cells: dict[str, list[tuple[int, str, int]]] = field(default_factory=dict)  # code → rows

    def _net(self, codes: Codes, keep: Callable[[int, str], bool]) -> int:
        prefixes = (codes,) if isinstance(codes, str) else codes
        total = 0
        for code, rows in self.cells.items():
            if code.startswith(prefixes):
                total += sum(net for month, fund, net in rows if keep(month, fund))
        return total

    def opening(self, codes: Codes) -> int:
        """Balance at the start of the year (期初, month 0), debit positive."""
        return self._net(codes, lambda month, _fund: month == OPENING_MONTH)

    def closing(self, codes: Codes, month: int | None = None) -> int:
        """Balance at the end of ``month`` (default: the statement's month)."""
        last = self.month if month is None else month
        return self._net(codes, lambda m, _fund: m <= last)

    def flow(
        self,
        codes: Codes,
        *,
        this_month: bool = False,
        fund: Callable[[str], bool] | None = None,
    ) -> int:
        """Movement over the year to date (or the statement's month only), debit positive."""
        first = self.month if this_month else 1
        return self._net(
            codes,
            lambda m, f: first <= m <= self.month and (fund is None or fund(f)),
        )


def load_sums(books: Sequence[Book], month: int) -> Sums:
    sums = Sums(month=month)
    rows = (
        PeriodTotal.objects.filter(book__in=[b.pk for b in books], month__lte=month)
        .values("account_code", "month", "fund_type_code")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    )
    for row in rows:
        net = (row["d"] or 0) - (row["c"] or 0)
        sums.cells.setdefault(row["account_code"], []).append(
            (row["month"], row["fund_type_code"], net)
        )
    return sums


@dataclass(frozen=True)
class FiscalKey:
    """One row of the 财政拨款预算收入支出表: a fund nature, and basic personnel / basic public
    or one project."""

    fund_type_code: str
    activity: str  # personnel / public / project ("" when a line carries none)
    project_id: int  # 0 for basic expenditure


# The 财政拨款结转/结余 sub-accounts (chart.json) by the 会政预03表 column they feed.
ADJUST = ("810101", "810201")  # 年初余额调整
POOLED_IN = ("810102",)  # 归集调入
POOLED_OUT = ("810103", "810104", "810202")  # 归集调出 / 归集上缴
INTERNAL = ("810105", "810203")  # 单位内部调剂


@dataclass
class FiscalCells:
    """Credit positive: 8101 (结转) and 8102 (结余) at the start of the year and their movements
    in the year by kind; 6001 and the 财政拨款 7xxx of the year (net of refunds)."""

    carry_open: int = 0
    surplus_open: int = 0
    carry_adjust: int = 0
    surplus_adjust: int = 0
    pooled_in: int = 0
    carry_out: int = 0  # 归集调出 / 上缴 (a debit, shown positive)
    surplus_out: int = 0
    carry_internal: int = 0
    surplus_internal: int = 0
    carry_other: int = 0  # 本年收支结转, 结转转入 …: the year-end closing's own moves
    surplus_other: int = 0
    revenue: int = 0
    expenditure: int = 0

    def add_balance(self, code: str, credit: int, *, opening: bool) -> None:
        carry = code.startswith("8101")
        if opening:
            if carry:
                self.carry_open += credit
            else:
                self.surplus_open += credit
        elif code.startswith(ADJUST):
            if carry:
                self.carry_adjust += credit
            else:
                self.surplus_adjust += credit
        elif code.startswith(POOLED_IN):
            self.pooled_in += credit
        elif code.startswith(POOLED_OUT):
            if carry:
                self.carry_out -= credit
            else:
                self.surplus_out -= credit
        elif code.startswith(INTERNAL):
            if carry:
                self.carry_internal += credit
            else:
                self.surplus_internal += credit
        elif carry:
            self.carry_other += credit
        else:
            self.surplus_other += credit

    @property
    def carry_end(self) -> int:
        """年末结转: this year's revenue less expenditure is carried until the year-end closing
        books it (R-YE-9/10 then decide what becomes 结余) [D]."""
        return (
            self.carry_open
            + self.carry_adjust
            + self.pooled_in
            - self.carry_out
            + self.carry_internal
            + self.carry_other
            + self.revenue
            - self.expenditure
        )

    @property
    def surplus_end(self) -> int:
        return (
            self.surplus_open
            + self.surplus_adjust
            - self.surplus_out
            + self.surplus_internal
            + self.surplus_other
        )


FISCAL_ACCOUNTS = ("6001", "7", "8101", "8102")


def load_fiscal(books: Sequence[Book], month: int) -> dict[FiscalKey, FiscalCells]:
    """财政拨款 budgetary figures by fund nature, R-AC-3 activity and project."""
    rows = (
        PeriodTotal.objects.filter(
            book__in=[b.pk for b in books],
            month__lte=month,
            fund_type_code__in=sorted(FISCAL_FUND_TYPES),
        )
        .values("account_code", "month", "fund_type_code", "budget_activity", "project_id")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    )
    cells: dict[FiscalKey, FiscalCells] = defaultdict(FiscalCells)
    for row in rows:
        code: str = row["account_code"]
        if not code.startswith(FISCAL_ACCOUNTS):
            continue
        activity = row["budget_activity"]
        project = row["project_id"] if activity == "project" else 0
        cell = cells[FiscalKey(row["fund_type_code"], activity, project)]
        credit = (row["c"] or 0) - (row["d"] or 0)
        opening = row["month"] == OPENING_MONTH
        if code.startswith(("8101", "8102")):
            cell.add_balance(code, credit, opening=opening)
        elif opening:
            continue  # 6xxx/7xxx carry no opening balance
        elif code.startswith("6001"):
            cell.revenue += credit
        else:
            cell.expenditure -= credit
    return dict(cells)


# What a voucher's line carries into the two voucher-level tables, in this order.
LINE_FIELDS = (
    "voucher_id",
    "voucher__book_id",
    "voucher__month",
    "half",
    "account_code",
    "debit_fen",
    "credit_fen",
    "dep_bgt_eco_code",
    "budget_activity",
)


def by_voucher(rows: Iterable[Sequence[Any]]) -> dict[tuple[int, int], list[list[Entry]]]:
    """Rows of ``LINE_FIELDS``, ordered by voucher, to each (book, month)'s vouchers' lines."""
    grouped: dict[tuple[int, int], list[list[Entry]]] = defaultdict(list)
    current: int | None = None
    lines: list[Entry] = []
    for voucher_id, book_id, month, half, code, debit, credit, eco, activity in rows:
        if voucher_id != current:
            current, lines = voucher_id, []
            grouped[(book_id, month)].append(lines)
        lines.append(Entry.of(half, code, debit, credit, eco, activity))
    return dict(grouped)


def load_vouchers(books: Sequence[Book], month: int) -> dict[tuple[int, int], list[list[Entry]]]:
    """The posted vouchers of months 1…``month`` (opening balances excluded), each as its
    lines, by (book, month): what ``FlowTotal`` is kept from, read again to check it."""
    rows = (
        VoucherLine.objects.filter(
            voucher__book__in=[b.pk for b in books],
            voucher__state=VoucherState.POSTED,
            voucher__month__gte=1,
            voucher__month__lte=month,
        )
        .order_by("voucher_id", "row")
        .values_list(*LINE_FIELDS)
    )
    return by_voucher(rows.iterator(chunk_size=5000))


def load_flows(books: Sequence[Book], month: int) -> tuple[dict[str, int], dict[str, int]]:
    """The 现金流量表's and the 差异调节表's items over months 1…``month``, from ``FlowTotal``."""
    found: dict[str, dict[str, int]] = {FlowTotal.CASH: {}, FlowTotal.GAP: {}}
    rows = (
        FlowTotal.objects.filter(book__in=[b.pk for b in books], month__gte=1, month__lte=month)
        .values("kind", "item")
        .annotate(amount=Sum("amount_fen"))
    )
    for row in rows:
        found[row["kind"]][row["item"]] = row["amount"] or 0
    return found[FlowTotal.CASH], found[FlowTotal.GAP]
