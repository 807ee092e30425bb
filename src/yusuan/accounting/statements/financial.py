"""The four financial statements (会政财01–04表, DOMAIN-2 §5.5) from account sums.

A row is a set of first-level accounts and a sign: +1 for a debit-side row (assets, expenses),
−1 for a credit-side one (liabilities, net assets, revenue). Every financial account (1–5) is in
exactly one leaf row of the 资产负债表 (4xxx/5xxx through 本期盈余); a test holds the chart to that,
so 资产总计 = 负债和净资产总计 is a real check of the books (R-AC-10), not of the layout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from yusuan.accounting.statements.figures import Codes, Sums
from yusuan.common.report_tables import ReportTable, Row, Section

DEBIT, CREDIT = 1, -1
Figure = Callable[["Item"], int]  # a column: a leaf row → its figure


def _keys(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    codes: Codes = ()
    sign: int = DEBIT
    level: int = 0
    total_of: tuple[str, ...] = ()  # a subtotal: the sum of these rows (a "-" prefix subtracts)
    fund: str = ""  # only lines of this fund nature (其中：政府性基金收入); "" any

    @property
    def strong(self) -> bool:
        return bool(self.total_of)


def _column(items: Sequence[Item], figure: Figure) -> dict[str, int]:
    """Each item's figure: leaves from the accounts, then totals (which may sit above the rows
    they add up, as 一、本期收入 does) once the rows they name are known."""
    done = {i.key: i.sign * figure(i) for i in items if not i.total_of}
    waiting = [i for i in items if i.total_of]
    while waiting:
        ready = [i for i in waiting if all(k.lstrip("-") in done for k in i.total_of)]
        if not ready:
            raise ValueError(f"totals that name unknown rows: {[i.key for i in waiting]}")
        for item in ready:
            done[item.key] = sum(
                -done[k[1:]] if k.startswith("-") else done[k] for k in item.total_of
            )
        waiting = [i for i in waiting if i not in ready]
    return done


def balance_column(balance: Callable[[Codes], int]) -> Figure:
    """A column of balances (``Sums.closing`` or ``Sums.opening``)."""
    return lambda item: balance(item.codes)


def flow_column(sums: Sums | None, *, this_month: bool = False) -> Figure:
    """A column of movements (the year to date, or the month), of the row's fund nature when it
    names one; nothing without figures (no books last year)."""
    if sums is None:
        return lambda item: 0

    def figure(item: Item) -> int:
        fund = (lambda f: f == item.fund) if item.fund else None
        return sums.flow(item.codes, this_month=this_month, fund=fund)

    return figure


def rows_of(items: Sequence[Item], figures: Sequence[Figure]) -> tuple[Row, ...]:
    """Each item's amount in each column (a column gives each leaf row its figure)."""
    columns = [_column(items, figure) for figure in figures]
    return tuple(
        Row(
            "",
            item.label,
            tuple(c[item.key] for c in columns),
            level=item.level,
            key=item.key,
            strong=item.strong,
        )
        for item in items
    )


# --- 资产负债表 (会政财01表) -------------------------------------------------------------------------

REVENUE_EXPENSE = ("4", "5")
ASSETS: tuple[Item, ...] = (
    Item("cash", "货币资金", ("1001", "1002", "1011", "1021")),
    Item("short_invest", "短期投资", "1101"),
    Item("fiscal_receivable", "财政应返还额度", "1201"),
    Item("notes_receivable", "应收票据", "1211"),
    Item("receivable", "应收账款净额", "1212"),
    Item("prepaid", "预付账款", "1214"),
    Item("dividends", "应收股利", "1215"),
    Item("interest_receivable", "应收利息", "1216"),
    # [K] 坏账准备 (1219) is shown against 其他应收款; its split by debtor is a detail account.
    Item("other_receivable", "其他应收款净额", ("1218", "1219")),
    Item("inventory", "存货", ("1301", "1302", "1303")),
    Item("deferred", "待摊费用", "1401"),
    Item("current_noncurrent", "一年内到期的非流动资产", ()),
    Item(
        "current_assets",
        "流动资产合计",
        total_of=_keys(
            "cash short_invest fiscal_receivable notes_receivable receivable prepaid dividends "
            "interest_receivable other_receivable inventory deferred current_noncurrent"
        ),
    ),
    Item("equity_invest", "长期股权投资", "1501"),
    Item("bond_invest", "长期债券投资", "1502"),
    Item("fixed_cost", "固定资产原值", "1601"),
    Item("fixed_dep", "减：固定资产累计折旧", "1602", CREDIT, 1),
    Item("fixed_net", "固定资产净值", total_of=("fixed_cost", "-fixed_dep")),
    Item("materials", "工程物资", "1611"),
    Item("construction", "在建工程", "1613"),
    Item("intangible_cost", "无形资产原值", "1701"),
    Item("intangible_amort", "减：无形资产累计摊销", "1702", CREDIT, 1),
    Item("intangible_net", "无形资产净值", total_of=("intangible_cost", "-intangible_amort")),
    Item("research", "研发支出", "1703"),
    Item("infra_cost", "公共基础设施原值", "1801"),
    Item("infra_dep", "减：公共基础设施累计折旧（摊销）", "1802", CREDIT, 1),
    Item("infra_net", "公共基础设施净值", total_of=("infra_cost", "-infra_dep")),
    Item("reserves", "政府储备物资", "1811"),
    Item("heritage", "文物文化资产", "1821"),
    Item("housing_cost", "保障性住房原值", "1831"),
    Item("housing_dep", "减：保障性住房累计折旧", "1832", CREDIT, 1),
    Item("housing_net", "保障性住房净值", total_of=("housing_cost", "-housing_dep")),
    Item("long_deferred", "长期待摊费用", "1901"),
    Item("pending_loss", "待处理财产损溢", "1902"),
    Item(
        "noncurrent_assets",
        "非流动资产合计",
        total_of=_keys(
            "equity_invest bond_invest fixed_net materials construction intangible_net research "
            "infra_net reserves heritage housing_net long_deferred pending_loss"
        ),
    ),
    Item("trust_assets", "受托代理资产", "1891"),
    Item(
        "assets_total",
        "资产总计",
        total_of=("current_assets", "noncurrent_assets", "trust_assets"),
    ),
)
LIABILITIES: tuple[Item, ...] = (
    Item("short_loans", "短期借款", "2001", CREDIT),
    Item("vat", "应交增值税", "2101", CREDIT),
    Item("other_taxes", "其他应交税费", "2102", CREDIT),
    Item("due_to_finance", "应缴财政款", "2103", CREDIT),
    Item("payroll", "应付职工薪酬", "2201", CREDIT),
    Item("notes_payable", "应付票据", "2301", CREDIT),
    Item("payable", "应付账款", "2302", CREDIT),
    Item("subsidies", "应付政府补贴款", "2303", CREDIT),
    Item("interest_payable", "应付利息", "2304", CREDIT),
    Item("advances", "预收账款", "2305", CREDIT),
    Item("other_payable", "其他应付款", "2307", CREDIT),
    Item("accrued", "预提费用", "2401", CREDIT),
    Item("noncurrent_current", "一年内到期的非流动负债", ()),
    Item(
        "current_liabilities",
        "流动负债合计",
        total_of=_keys(
            "short_loans vat other_taxes due_to_finance payroll notes_payable payable subsidies "
            "interest_payable advances other_payable accrued noncurrent_current"
        ),
    ),
    Item("long_loans", "长期借款", "2501", CREDIT),
    Item("long_payable", "长期应付款", "2502", CREDIT),
    Item("provisions", "预计负债", "2601", CREDIT),
    Item(
        "noncurrent_liabilities",
        "非流动负债合计",
        total_of=("long_loans", "long_payable", "provisions"),
    ),
    Item("trust_liabilities", "受托代理负债", "2901", CREDIT),
    Item(
        "liabilities_total",
        "负债合计",
        total_of=("current_liabilities", "noncurrent_liabilities", "trust_liabilities"),
    ),
    # 以前年度盈余调整 is closed into 累计盈余 at year end; until then it is shown with it.
    Item("accumulated", "累计盈余", ("3001", "3501"), CREDIT),
    Item("special_funds", "专用基金", "3101", CREDIT),
    Item("equity_method", "权益法调整", "3201", CREDIT),
    Item("transfers", "无偿调拨净资产*", "3401", CREDIT),
    # Revenue and expense not yet closed, with 本期盈余 and its distribution (monthly reports).
    Item("surplus", "本期盈余*", ("3301", "3302", *REVENUE_EXPENSE), CREDIT),
    Item(
        "net_assets_total",
        "净资产合计",
        total_of=("accumulated", "special_funds", "equity_method", "transfers", "surplus"),
    ),
    Item(
        "liabilities_and_net_assets",
        "负债和净资产总计",
        total_of=("liabilities_total", "net_assets_total"),
    ),
)


def balance_sheet(sums: Sums) -> ReportTable:
    columns = ("期末余额", "年初余额")
    figures = (balance_column(sums.closing), balance_column(sums.opening))
    return ReportTable(
        "balance",
        "会政财01表",
        "资产负债表",
        (
            Section("资产", ("项目",), columns, rows_of(ASSETS, figures)),
            Section("负债和净资产", ("项目",), columns, rows_of(LIABILITIES, figures)),
        ),
        "本期没有已记账的凭证。",
    )


# --- 收入费用表 (会政财02表) -------------------------------------------------------------------------

GOVERNMENT_FUND = "211"  # 政府性基金预算 (其中 rows of 4001 / 6001)
INCOME: tuple[Item, ...] = (
    Item("fiscal", "（一）财政拨款收入", "4001", CREDIT, 1),
    Item("business", "（二）事业收入", "4101", CREDIT, 1),
    Item("superior", "（三）上级补助收入", "4201", CREDIT, 1),
    Item("affiliated", "（四）附属单位上缴收入", "4301", CREDIT, 1),
    Item("operating", "（五）经营收入", "4401", CREDIT, 1),
    Item("other_fiscal", "（六）非同级财政拨款收入", "4601", CREDIT, 1),
    Item("investment", "（七）投资收益", "4602", CREDIT, 1),
    Item("donation", "（八）捐赠收入", "4603", CREDIT, 1),
    Item("interest", "（九）利息收入", "4604", CREDIT, 1),
    Item("rent", "（十）租金收入", "4605", CREDIT, 1),
    Item("other", "（十一）其他收入", "4609", CREDIT, 1),
)
EXPENSES: tuple[Item, ...] = (
    Item("activities", "（一）业务活动费用", "5001", DEBIT, 1),
    Item("administration", "（二）单位管理费用", "5101", DEBIT, 1),
    Item("operating_exp", "（三）经营费用", "5201", DEBIT, 1),
    Item("disposal", "（四）资产处置费用", "5301", DEBIT, 1),
    Item("remitted", "（五）上缴上级费用", "5401", DEBIT, 1),
    Item("subsidy", "（六）对附属单位补助费用", "5501", DEBIT, 1),
    Item("income_tax", "（七）所得税费用", "5801", DEBIT, 1),
    Item("other_exp", "（八）其他费用", "5901", DEBIT, 1),
)
INCOME_ITEMS: tuple[Item, ...] = (
    Item("revenue", "一、本期收入", total_of=tuple(i.key for i in INCOME)),
    *INCOME[:1],
    Item("fund_revenue", "其中：政府性基金收入", "4001", CREDIT, 2, fund=GOVERNMENT_FUND),
    *INCOME[1:],
    Item("expense", "二、本期费用", total_of=tuple(i.key for i in EXPENSES)),
    *EXPENSES,
    Item("surplus", "三、本期盈余", total_of=("revenue", "-expense")),
)


def income_statement(sums: Sums) -> ReportTable:
    rows = rows_of(INCOME_ITEMS, (flow_column(sums, this_month=True), flow_column(sums)))
    return ReportTable(
        "income",
        "会政财02表",
        "收入费用表",
        (Section("", ("项目",), ("本月数", "本年累计数"), rows),),
        "本期没有收入和费用。",
    )


# --- 净资产变动表 (会政财03表) -----------------------------------------------------------------------

Triple = tuple[int, int, int]  # 累计盈余, 专用基金, 权益法调整


def net_assets_statement(sums: Sums, prior: Sums | None) -> ReportTable:
    """Columns 累计盈余, 专用基金, 权益法调整, 净资产合计, for this year and (when the unit kept
    books here last year) the last. Every 3xxx account and the year's revenue and expense fall
    in exactly one cell, so 本年年末余额 equals the 资产负债表's 净资产合计."""

    def yearrows_of(s: Sums) -> dict[str, Triple]:
        def flow(codes: Codes) -> int:
            return -s.flow(codes)

        surplus = flow(REVENUE_EXPENSE)
        special_in = -sum(min(0, net) for _m, _f, net in _special_rows(s))
        special_out = sum(max(0, net) for _m, _f, net in _special_rows(s))
        rows: dict[str, Triple] = {
            "last_year_end": (-s.opening("3001"), -s.opening("3101"), -s.opening("3201")),
            "prior_adjust": (flow("3501"), 0, 0),
            "surplus": (surplus, 0, 0),
            "transfers": (flow("3401"), 0, 0),
            "pooled": (0, 0, 0),  # 归集调整预算结转结余: with the year-end issue
            # 3001/3301/3302 movements in the year: what was set aside or used
            "special_set": (flow(("3001", "3301", "3302")), special_in, 0),
            "special_used": (0, -special_out, 0),
            "equity": (0, 0, flow("3201")),
        }
        change = ("surplus", "transfers", "pooled", "special_set", "special_used", "equity")
        rows["year_start"] = _plus(rows, ("last_year_end", "prior_adjust"))
        rows["change"] = _plus(rows, change)
        rows["year_end"] = _plus(rows, ("year_start", "change"))
        return rows

    labels = (
        ("last_year_end", "一、上年年末余额", 0, True),
        ("prior_adjust", "二、以前年度盈余调整（减少以“-”号填列）", 0, False),
        ("year_start", "三、本年年初余额", 0, True),
        ("change", "四、本年变动金额（减少以“-”号填列）", 0, True),
        ("surplus", "（一）本年盈余", 1, False),
        ("transfers", "（二）无偿调拨净资产", 1, False),
        ("pooled", "（三）归集调整预算结转结余", 1, False),
        ("special_set", "（四）提取或设置专用基金", 1, False),
        ("special_used", "（五）使用专用基金", 1, False),
        ("equity", "（六）权益法调整", 1, False),
        ("year_end", "五、本年年末余额", 0, True),
    )
    this = yearrows_of(sums)
    last = yearrows_of(prior) if prior is not None else None

    def cells(values: dict[str, Triple] | None, key: str) -> tuple[int, ...]:
        triple = values[key] if values is not None else (0, 0, 0)
        return (*triple, sum(triple))

    rows = tuple(
        Row("", label, (*cells(this, key), *cells(last, key)), level=level, key=key, strong=strong)
        for key, label, level, strong in labels
    )
    columns = tuple(
        f"{year}{name}"
        for year in ("本年", "上年")
        for name in ("累计盈余", "专用基金", "权益法调整", "净资产合计")
    )
    return ReportTable(
        "net_assets",
        "会政财03表",
        "净资产变动表",
        (Section("", ("项目",), columns, rows),),
        "本年净资产没有变动。",
    )


def _plus(rows: dict[str, Triple], keys: Sequence[str]) -> Triple:
    a, b, c = (sum(rows[k][i] for k in keys) for i in range(3))
    return (a, b, c)


def _special_rows(s: Sums) -> list[tuple[int, str, int]]:
    return [
        (m, f, net)
        for code, rows in s.cells.items()
        if code.startswith("3101")
        for m, f, net in rows
        if 1 <= m <= s.month
    ]


# --- 现金流量表 (会政财04表) -------------------------------------------------------------------------


def _flow(key: str, label: str) -> Item:
    """A cash flow row: its figure is the item ``flows.cash_flows`` files under ``key``."""
    return Item(key, label, level=1)


CASH_FLOW: tuple[Item, ...] = (
    Item("daily", "一、日常活动产生的现金流量", ()),
    _flow("fiscal_basic", "财政基本支出拨款收到的现金"),
    _flow("fiscal_project", "财政非资本性项目拨款收到的现金"),
    _flow("business_in", "事业活动收到的除财政拨款以外的现金"),
    _flow("other_daily_in", "收到的其他与日常活动有关的现金"),
    Item(
        "daily_in",
        "日常活动的现金流入小计",
        total_of=("fiscal_basic", "fiscal_project", "business_in", "other_daily_in"),
    ),
    _flow("goods", "购买商品、接受劳务支付的现金"),
    _flow("staff", "支付给职工以及为职工支付的现金"),
    _flow("taxes", "支付的各项税费"),
    _flow("other_daily_out", "支付的其他与日常活动有关的现金"),
    Item(
        "daily_out",
        "日常活动的现金流出小计",
        total_of=("goods", "staff", "taxes", "other_daily_out"),
    ),
    Item("daily_net", "日常活动产生的现金流量净额", total_of=("daily_in", "-daily_out")),
    Item("investing", "二、投资活动产生的现金流量", ()),
    _flow("invest_back", "收回投资收到的现金"),
    _flow("invest_income", "取得投资收益收到的现金"),
    _flow("disposal_in", "处置固定资产、无形资产、公共基础设施等收回的现金净额"),
    Item(
        "invest_in",
        "投资活动的现金流入小计",
        total_of=("invest_back", "invest_income", "disposal_in"),
    ),
    _flow("capex", "购建固定资产、无形资产、公共基础设施等支付的现金"),
    _flow("invest_out", "对外投资支付的现金"),
    Item("invest_outflow", "投资活动的现金流出小计", total_of=("capex", "invest_out")),
    Item("invest_net", "投资活动产生的现金流量净额", total_of=("invest_in", "-invest_outflow")),
    Item("financing", "三、筹资活动产生的现金流量", ()),
    _flow("fiscal_capital", "财政资本性项目拨款收到的现金"),
    _flow("borrow", "取得借款收到的现金"),
    Item("finance_in", "筹资活动的现金流入小计", total_of=("fiscal_capital", "borrow")),
    _flow("repay", "偿还借款支付的现金"),
    _flow("interest", "偿还利息支付的现金"),
    Item("finance_out", "筹资活动的现金流出小计", total_of=("repay", "interest")),
    Item("finance_net", "筹资活动产生的现金流量净额", total_of=("finance_in", "-finance_out")),
    Item("fx", "四、汇率变动对现金的影响额", ()),
    Item(
        "net_increase",
        "五、现金净增加额",
        total_of=("daily_net", "invest_net", "finance_net", "fx"),
    ),
)


def cash_flow_statement(this: dict[str, int], last: dict[str, int] | None) -> ReportTable:
    def column(items: dict[str, int] | None) -> Figure:
        return lambda item: 0 if items is None else items.get(item.key, 0)

    rows = rows_of(CASH_FLOW, (column(this), column(last)))
    return ReportTable(
        "cash_flow",
        "会政财04表",
        "现金流量表",
        (Section("", ("项目",), ("本年金额", "上年金额"), rows),),
        "本年没有现金流量。",
    )
