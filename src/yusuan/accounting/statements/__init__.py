"""The seven statements of a unit's books (or the sum of the books an actor sees, for a
department or the district), the 附注's 差异调节表, and their checks (R-AC-9, R-AC-10).

Financial statements are monthly (month = the statement's period, figures year to date);
budgetary ones are annual, and show the year to date before December. Everything comes from
totals kept at posting: by account (``PeriodTotal``) and, for the 现金流量表 and the 差异调节表,
which read inside each voucher, by item (``FlowTotal``). The checks compare the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from yusuan.accounting.models import Book
from yusuan.accounting.services.books import access_book
from yusuan.accounting.statements import budgetary, financial
from yusuan.accounting.statements.figures import Sums, load_fiscal, load_flows, load_sums
from yusuan.common.actor import Actor
from yusuan.common.money import Money
from yusuan.common.report_tables import ReportTable
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Region
from yusuan.projects.models import Project

KEYS = ("balance", "income", "net_assets", "cash_flow", "budget", "carryover", "fiscal")
NOTE = "reconciliation"
ALL = (*KEYS, NOTE)
BLOCK, WARN = "block", "warn"
FINANCE_KINDS = (OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_DIVISION)
# A check's key → the statements it compares (a failure is printed on each of them).
CHECK_TABLES: dict[str, tuple[str, ...]] = {
    "balance": ("balance",),
    "balance_open": ("balance",),
    "surplus": ("income", "net_assets"),
    "net_assets": ("net_assets", "balance"),
    "budget_balance": ("budget", "carryover"),
    "fiscal_end": ("fiscal", "carryover"),
    "reconciliation": (NOTE,),
    "reconciliation_budget": (NOTE, "budget"),
    "reconciliation_surplus": (NOTE, "income"),
    "cash_flow": ("cash_flow", "balance"),
    "cash": ("balance",),
    "receivable": ("balance",),
    "quota": ("balance",),
}


@dataclass(frozen=True)
class Check:
    rule: str
    key: str
    zh: str
    en: str
    left: int
    right: int
    severity: str = BLOCK

    @property
    def ok(self) -> bool:
        return self.left == self.right

    @property
    def message_zh(self) -> str:
        return (
            f"{self.zh}：{Money(self.left).format()} 元 ≠ {Money(self.right).format()} 元，"
            f"相差 {Money(abs(self.left - self.right)).format()} 元"
        )

    @property
    def message_en(self) -> str:
        return (
            f"{self.en}: {Money(self.left).format()} ≠ {Money(self.right).format()}, "
            f"a difference of {Money(abs(self.left - self.right)).format()}"
        )


@dataclass(frozen=True)
class Statements:
    fiscal_year: int
    month: int
    subject: str  # 编制单位: the unit, or the department or district the sum is of
    books: tuple[Book, ...]
    tables: dict[str, ReportTable]
    checks: tuple[Check, ...]

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def publishable(self) -> bool:
        """R-AC-10: no blocking check fails (the R-AC-9 cash check only warns)."""
        return not any(c.severity == BLOCK for c in self.failures)

    def heading(self) -> str:
        return f"编制单位：{self.subject}　{self.fiscal_year} 年 {self.month} 月　单位：元"


def _prior(books: Sequence[Book]) -> list[Book]:
    if not books:
        return []
    return list(
        Book.objects.filter(
            organisation__in=[b.organisation_id for b in books],
            fiscal_year=books[0].fiscal_year - 1,
        )
    )


def _cash_checks(sums: Sums) -> list[Check]:
    """R-AC-9, each month to date: 8001 资金结存—货币资金 = the budget-managed part of the cash
    (货币资金 less what is held for finance, 2103 应缴财政款 [D]); —财政应返还额度 = 1201;
    —零余额账户用款额度 = 1011 (the legacy quota model)."""
    checks = []
    for month in range(1, sums.month + 1):
        pairs = (
            (
                "cash",
                "资金结存—货币资金 与 预算管理的货币资金",
                "8001 monetary funds and the budget-managed cash",
                sums.closing("800102", month),
                sums.closing(("1001", "1002", "1021"), month) + sums.closing("2103", month),
            ),
            (
                "receivable",
                "资金结存—财政应返还额度 与 财政应返还额度",
                "8001 fiscal receivable and 1201",
                sums.closing("800103", month),
                sums.closing("1201", month),
            ),
            (
                "quota",
                "资金结存—零余额账户用款额度 与 零余额账户用款额度",
                "8001 quota and 1011",
                sums.closing("800101", month),
                sums.closing("1011", month),
            ),
        )
        checks += [
            Check(
                "R-AC-9", f"{key}:{month}", f"{month} 月 {zh}", f"month {month}: {en}", a, b, WARN
            )
            for key, zh, en, a, b in pairs
        ]
    return checks


def _checks(tables: dict[str, ReportTable], sums: Sums) -> list[Check]:
    t = tables
    cash = ("1001", "1002", "1011", "1021")
    checks = [
        Check(
            "R-AC-10",
            "balance",
            "资产总计 = 负债和净资产总计（期末）",
            "total assets = liabilities and net assets (closing)",
            t["balance"].amount("assets_total"),
            t["balance"].amount("liabilities_and_net_assets"),
        ),
        Check(
            "R-AC-10",
            "balance_open",
            "资产总计 = 负债和净资产总计（年初）",
            "total assets = liabilities and net assets (opening)",
            t["balance"].amount("assets_total", 1),
            t["balance"].amount("liabilities_and_net_assets", 1),
        ),
        Check(
            "R-AC-10",
            "surplus",
            "收入费用表 本期盈余 = 净资产变动表 本年盈余",
            "surplus of the income statement = of the net assets statement",
            t["income"].amount("surplus", 1),
            t["net_assets"].amount("surplus", 3),
        ),
        Check(
            "R-AC-10",
            "net_assets",
            "净资产变动表 本年年末余额 = 资产负债表 净资产合计",
            "net assets at year end (changes statement) = (balance sheet)",
            t["net_assets"].amount("year_end", 3),
            t["balance"].amount("net_assets_total"),
        ),
        Check(
            "R-AC-10",
            "budget_balance",
            "预算收入支出表 本年预算收支差额 = 预算结转结余变动表 本年收支差额",
            "budget balance (01) = the year's differences (02)",
            t["budget"].amount("balance"),
            t["carryover"].amount("fiscal_diff") + t["carryover"].amount("other_diff"),
        ),
        Check(
            "R-AC-10",
            "fiscal_end",
            "财政拨款预算收入支出表 年末结转结余 = 预算结转结余变动表 年末财政拨款结转结余",
            "fiscal carry-over at year end (03) = (02)",
            t["fiscal"].amount("total", 10) + t["fiscal"].amount("total", 11),
            t["carryover"].amount("end_fiscal"),
        ),
        Check(
            "R-AC-5",
            "reconciliation",
            "差异调节表：本年预算结余 + 差异调节 = 本年盈余",
            "reconciliation: budget balance + adjustments = surplus",
            t[NOTE].amount("budget_balance") + t[NOTE].amount("adjustments"),
            t[NOTE].amount("surplus"),
        ),
        Check(
            "R-AC-10",
            "reconciliation_budget",
            "差异调节表 本年预算结余（凭证）= 预算收入支出表 本年预算收支差额（科目汇总）",
            "budget balance from the vouchers = from the account totals",
            t[NOTE].amount("budget_balance"),
            t["budget"].amount("balance"),
        ),
        Check(
            "R-AC-10",
            "reconciliation_surplus",
            "差异调节表 本年盈余（凭证）= 收入费用表 本期盈余（科目汇总）",
            "surplus from the vouchers = from the account totals",
            t[NOTE].amount("surplus"),
            t["income"].amount("surplus", 1),
        ),
        Check(
            "R-AC-10",
            "cash_flow",
            "现金流量表 现金净增加额 = 货币资金 期末 − 年初",
            "net increase in cash = closing − opening cash",
            t["cash_flow"].amount("net_increase"),
            sums.closing(cash) - sums.opening(cash),
        ),
    ]
    return checks + _cash_checks(sums)


def compute(books: Sequence[Book], month: int, subject: str) -> Statements:
    """The statements of these books (one unit's, or a department's or district's sum)."""
    month = max(1, min(12, month))
    fiscal_year = books[0].fiscal_year if books else 0
    sums = load_sums(books, month)
    prior_books = _prior(books)
    prior = load_sums(prior_books, 12) if prior_books else None
    cash_items, gap_items = load_flows(books, month)
    last_cash = load_flows(prior_books, 12)[0] if prior_books else None
    cells = load_fiscal(books, month)
    names = dict(
        Project.objects.filter(pk__in={k.project_id for k in cells if k.project_id}).values_list(
            "pk", "name"
        )
    )
    tables = {
        "balance": financial.balance_sheet(sums),
        "income": financial.income_statement(sums),
        "net_assets": financial.net_assets_statement(sums, prior),
        "cash_flow": financial.cash_flow_statement(cash_items, last_cash),
        "budget": budgetary.budget_statement(sums, prior),
        "carryover": budgetary.carryover_statement(sums, prior),
        "fiscal": budgetary.fiscal_statement(cells, names),
        NOTE: budgetary.reconciliation_statement(gap_items),
    }
    return Statements(
        fiscal_year=fiscal_year,
        month=month,
        subject=subject,
        books=tuple(books),
        tables=tables,
        checks=tuple(_checks(tables, sums)),
    )


def book_statements(*, actor: Actor, book_id: object, month: int) -> Statements:
    """One unit's statements (another unit's book is a 404)."""
    book = access_book(actor, book_id)
    return compute([book], month, book.organisation.name)


def summary_statements(*, actor: Actor, fiscal_year: int, month: int) -> Statements:
    """The sum of every book of the year the actor sees (汇总): headed by the actor's department,
    or for finance (which sees the whole region) by the region."""
    books = list(
        Book.objects.visible_to(actor)
        .filter(fiscal_year=fiscal_year)
        .select_related("organisation")
    )
    organisation = getattr(actor, "organisation", None)
    name = organisation.name if organisation is not None else ""
    if organisation is not None and organisation.kind in FINANCE_KINDS:
        region = Region.objects.filter(mof_div_code=organisation.mof_div_code).first()
        name = region.name if region is not None else name
    return compute(books, month, f"{name}（汇总）")
