"""The three budgetary statements (会政预01–03表, DOMAIN-2 §5.5) and the 附注's 差异调节表 (R-AC-5).

Until the year-end issue books the closing entries (6xxx/7xxx into 81xx/82xx), this year's
budget revenue less budget expenditure is shown as 结转 in the 年末 rows: it is what the closing
will carry (R-YE-9/10 decide the 结转/结余 split) [D].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from yusuan.accounting.statements.figures import (
    ADJUST,
    POOLED_IN,
    POOLED_OUT,
    Codes,
    FiscalCells,
    FiscalKey,
    Sums,
    fiscal,
)
from yusuan.accounting.statements.financial import (
    CREDIT,
    DEBIT,
    GOVERNMENT_FUND,
    Item,
    flow_column,
    rows_of,
)
from yusuan.common.report_tables import ReportTable, Row, Section

# --- 预算收入支出表 (会政预01表) ----------------------------------------------------------------------

BUDGET_REVENUE: tuple[Item, ...] = (
    Item("fiscal", "（一）财政拨款预算收入", "6001", CREDIT, 1),
    Item("fund", "其中：政府性基金收入", "6001", CREDIT, 2, fund=GOVERNMENT_FUND),
    Item("business", "（二）事业预算收入", "6101", CREDIT, 1),
    Item("superior", "（三）上级补助预算收入", "6201", CREDIT, 1),
    Item("affiliated", "（四）附属单位上缴预算收入", "6301", CREDIT, 1),
    Item("operating", "（五）经营预算收入", "6401", CREDIT, 1),
    Item("debt", "（六）债务预算收入", "6501", CREDIT, 1),
    Item("other_fiscal", "（七）非同级财政拨款预算收入", "6601", CREDIT, 1),
    Item("investment", "（八）投资预算收益", "6602", CREDIT, 1),
    Item("other", "（九）其他预算收入", "6609", CREDIT, 1),
)
BUDGET_EXPENDITURE: tuple[Item, ...] = (
    Item("administrative", "（一）行政支出", "7101", DEBIT, 1),
    Item("institution", "（二）事业支出", "7201", DEBIT, 1),
    Item("operating_exp", "（三）经营支出", "7301", DEBIT, 1),
    Item("remitted", "（四）上缴上级支出", "7401", DEBIT, 1),
    Item("subsidy", "（五）对附属单位补助支出", "7501", DEBIT, 1),
    Item("investing", "（六）投资支出", "7601", DEBIT, 1),
    Item("debt_repaid", "（七）债务还本支出", "7701", DEBIT, 1),
    Item("other_exp", "（八）其他支出", "7901", DEBIT, 1),
)
BUDGET_ITEMS: tuple[Item, ...] = (
    Item(
        "revenue",
        "一、本年预算收入",
        total_of=tuple(i.key for i in BUDGET_REVENUE if i.key != "fund"),
    ),
    *BUDGET_REVENUE,
    Item("expenditure", "二、本年预算支出", total_of=tuple(i.key for i in BUDGET_EXPENDITURE)),
    *BUDGET_EXPENDITURE,
    Item("balance", "三、本年预算收支差额", total_of=("revenue", "-expenditure")),
)


def budget_statement(sums: Sums, prior: Sums | None) -> ReportTable:
    rows = rows_of(BUDGET_ITEMS, (flow_column(sums), flow_column(prior)))
    return ReportTable(
        "budget",
        "会政预01表",
        "预算收入支出表",
        (Section("", ("项目",), ("本年数", "上年数"), rows),),
        "本年没有预算收入和预算支出。",
    )


# --- 预算结转结余变动表 (会政预02表) -------------------------------------------------------------------

OTHER_BALANCES = ("8201", "8202", "8301", "8401", "8501", "8701")


def _carryover_values(s: Sums) -> dict[str, int]:
    def credit_open(codes: Codes) -> int:
        return -s.opening(codes)

    def credit_flow(codes: Codes, fund: Callable[[str], bool] | None = None) -> int:
        return -s.flow(codes, fund=fund)

    def other(f: str) -> bool:
        return not fiscal(f)

    fiscal_diff = credit_flow("6001") + credit_flow("7", fund=fiscal)
    other_diff = credit_flow(("61", "62", "63", "64", "65", "66")) + credit_flow("7", fund=other)
    adjust, pooled_in, pooled_out = (
        credit_flow(ADJUST),
        credit_flow(POOLED_IN),
        -credit_flow(POOLED_OUT),
    )
    values = {
        "open_fiscal": credit_open(("8101", "8102")),
        "open_other": credit_open(OTHER_BALANCES),
        # An earlier year's payment refunded (R2) credits 年初余额调整.
        "adjust_fiscal": adjust,
        "adjust_other": 0,  # [K] the non-fiscal balances keep no adjustment sub-account here
        "fiscal_diff": fiscal_diff,
        "fiscal_in": pooled_in,
        "fiscal_out": pooled_out,
        # The rest of the 81xx movements: 单位内部调剂, the closing's own transfers.
        "fiscal_moves": credit_flow(("8101", "8102")) - adjust - pooled_in + pooled_out,
        "other_diff": other_diff,
        "other_moves": credit_flow(OTHER_BALANCES),
        "end_fiscal_carry": -s.closing("8101") + fiscal_diff,
        "end_fiscal_surplus": -s.closing("8102"),
        "end_other_carry": -s.closing("8201") + other_diff,
        "end_other_surplus": -s.closing(("8202", "8501", "8701")),
        "end_special": -s.closing("8301"),
        "end_operating": -s.closing("8401"),
    }
    values["open"] = values["open_fiscal"] + values["open_other"]
    values["adjust"] = values["adjust_fiscal"] + values["adjust_other"]
    values["change_fiscal"] = (
        values["fiscal_diff"] + values["fiscal_in"] - values["fiscal_out"] + values["fiscal_moves"]
    )
    values["change_other"] = values["other_diff"] + values["other_moves"]
    values["change"] = values["change_fiscal"] + values["change_other"]
    values["end_fiscal"] = values["end_fiscal_carry"] + values["end_fiscal_surplus"]
    values["end_other"] = (
        values["end_other_carry"]
        + values["end_other_surplus"]
        + values["end_special"]
        + values["end_operating"]
    )
    values["end"] = values["end_fiscal"] + values["end_other"]
    return values


CARRYOVER_LABELS: tuple[tuple[str, str, int, bool], ...] = (
    ("open", "一、年初预算结转结余", 0, True),
    ("open_fiscal", "（一）财政拨款结转结余", 1, False),
    ("open_other", "（二）其他资金结转结余", 1, False),
    ("adjust", "二、年初余额调整（减少以“-”号填列）", 0, True),
    ("adjust_fiscal", "（一）财政拨款结转结余", 1, False),
    ("adjust_other", "（二）其他资金结转结余", 1, False),
    ("change", "三、本年变动金额（减少以“-”号填列）", 0, True),
    ("change_fiscal", "（一）财政拨款结转结余", 1, False),
    ("fiscal_diff", "1. 本年收支差额", 2, False),
    ("fiscal_in", "2. 归集调入", 2, False),
    ("fiscal_out", "3. 归集上缴或调出", 2, False),
    ("fiscal_moves", "4. 单位内部调剂及其他", 2, False),
    ("change_other", "（二）其他资金结转结余", 1, False),
    ("other_diff", "1. 本年收支差额", 2, False),
    ("other_moves", "2. 缴回资金、使用专用结余、支付所得税等", 2, False),
    ("end", "四、年末预算结转结余", 0, True),
    ("end_fiscal", "（一）财政拨款结转结余", 1, False),
    ("end_fiscal_carry", "1. 财政拨款结转", 2, False),
    ("end_fiscal_surplus", "2. 财政拨款结余", 2, False),
    ("end_other", "（二）其他资金结转结余", 1, False),
    ("end_other_carry", "1. 非财政拨款结转", 2, False),
    ("end_other_surplus", "2. 非财政拨款结余", 2, False),
    ("end_special", "3. 专用结余", 2, False),
    ("end_operating", "4. 经营结余", 2, False),
)


def carryover_statement(sums: Sums, prior: Sums | None) -> ReportTable:
    this = _carryover_values(sums)
    last = _carryover_values(prior) if prior is not None else None
    rows = tuple(
        Row(
            "",
            label,
            (this[key], last[key] if last is not None else 0),
            level=level,
            key=key,
            strong=strong,
        )
        for key, label, level, strong in CARRYOVER_LABELS
    )
    return ReportTable(
        "carryover",
        "会政预02表",
        "预算结转结余变动表",
        (Section("", ("项目",), ("本年数", "上年数"), rows),),
        "本年没有预算结转结余。",
    )


# --- 财政拨款预算收入支出表 (会政预03表) ----------------------------------------------------------------

FUND_ROWS = (
    ("111", "一般公共预算财政拨款"),
    ("211", "政府性基金预算财政拨款"),
    ("311", "国有资本经营预算财政拨款"),
)
FISCAL_COLUMNS = (
    "年初结转",
    "年初结余",
    "调整年初结转",
    "调整年初结余",
    "本年归集调入",
    "本年归集上缴或调出",
    "单位内部调剂结转",
    "单位内部调剂结余",
    "本年财政拨款收入",
    "本年财政拨款支出",
    "年末结转",
    "年末结余",
)


def _fiscal_amounts(cells: list[FiscalCells]) -> tuple[int, ...]:
    def total(name: str) -> int:
        return sum(getattr(c, name) for c in cells)

    return (
        total("carry_open"),
        total("surplus_open"),
        total("carry_adjust"),
        total("surplus_adjust"),
        total("pooled_in"),
        total("carry_out") + total("surplus_out"),
        total("carry_internal"),
        total("surplus_internal"),
        total("revenue"),
        total("expenditure"),
        total("carry_end"),
        total("surplus_end"),
    )


def fiscal_statement(
    cells: Mapping[FiscalKey, FiscalCells], project_names: Mapping[int, str]
) -> ReportTable:
    rows: list[Row] = []
    for fund, fund_name in FUND_ROWS:
        mine = {k: v for k, v in cells.items() if k.fund_type_code == fund}
        if not mine and fund == "311":
            continue  # the 制度's table has two funds; 国有资本 only when it has figures
        personnel = [v for k, v in mine.items() if k.activity == "personnel"]
        public = [v for k, v in mine.items() if k.activity not in ("personnel", "project")]
        projects = sorted(
            {k.project_id for k in mine if k.activity == "project"},
            key=lambda p: project_names.get(p, ""),
        )
        project_cells = [v for k, v in mine.items() if k.activity == "project"]
        rows += [
            Row(
                "", fund_name, _fiscal_amounts(list(mine.values())), key=f"fund:{fund}", strong=True
            ),
            Row("", "基本支出", _fiscal_amounts(personnel + public), level=1, key=f"basic:{fund}"),
            Row("", "人员经费", _fiscal_amounts(personnel), level=2, key=f"personnel:{fund}"),
            Row("", "日常公用经费", _fiscal_amounts(public), level=2, key=f"public:{fund}"),
            Row("", "项目支出", _fiscal_amounts(project_cells), level=1, key=f"projects:{fund}"),
        ]
        rows += [
            Row(
                "",
                project_names.get(p, f"#{p}"),
                _fiscal_amounts(
                    [v for k, v in mine.items() if k.activity == "project" and k.project_id == p]
                ),
                level=2,
                key=f"project:{fund}:{p}",
            )
            for p in projects
        ]
    rows.append(Row("", "总计", _fiscal_amounts(list(cells.values())), key="total", strong=True))
    return ReportTable(
        "fiscal",
        "会政预03表",
        "财政拨款预算收入支出表",
        (Section("", ("项目",), FISCAL_COLUMNS, tuple(rows)),),
        "本年没有财政拨款预算收入和支出。",
    )


# --- 本年预算结余与本年盈余差异调节表 (附注, R-AC-5) -----------------------------------------------------

RECONCILIATION_LABELS: tuple[tuple[str, str, int, bool], ...] = (
    ("budget_balance", "一、本年预算结余（本年预算收支差额）", 0, True),
    ("adjustments", "二、差异调节", 0, True),
    ("plus", "加：", 1, True),
    ("rev_only", "1. 当期确认为收入但没有确认为预算收入", 1, False),
    ("rev_only:receivable", "（1）应收款项、预收账款确认的收入", 2, False),
    ("rev_only:non_cash", "（2）接受非货币性资产捐赠确认的收入", 2, False),
    ("rev_only:other", "（3）其他", 2, False),
    ("bexp_only", "2. 当期确认为预算支出但没有确认为费用", 1, False),
    ("bexp_only:payable", "（1）支付应付款项、预付账款的支出", 2, False),
    ("bexp_only:inventory", "（2）为取得存货、政府储备物资等计入物资成本的支出", 2, False),
    ("bexp_only:capital", "（3）为购建固定资产等的资本性支出", 2, False),
    ("bexp_only:borrowing", "（4）偿还借款本息支出", 2, False),
    ("bexp_only:other", "（5）其他", 2, False),
    ("minus", "减：", 1, True),
    ("brev_only", "1. 当期确认为预算收入但没有确认为收入", 1, False),
    ("brev_only:receivable", "（1）收到应收款项、预收账款确认的预算收入", 2, False),
    ("brev_only:borrowing", "（2）取得借款确认的预算收入", 2, False),
    ("brev_only:other", "（3）其他", 2, False),
    ("exp_only", "2. 当期确认为费用但没有确认为预算支出", 1, False),
    ("exp_only:inventory", "（1）发出存货、政府储备物资等确认的费用", 2, False),
    ("exp_only:depreciation", "（2）计提的折旧费用和摊销费用", 2, False),
    ("exp_only:disposal", "（3）确认的资产处置费用（处置资产价值）", 2, False),
    ("exp_only:payable", "（4）应付款项、预付账款确认的费用", 2, False),
    ("exp_only:other", "（5）其他", 2, False),
    ("surplus", "三、本年盈余（本年收入与费用的差额）", 0, True),
)
GROUP_ITEMS = {
    "rev_only": ("receivable", "non_cash", "other"),
    "bexp_only": ("payable", "inventory", "capital", "borrowing", "other"),
    "brev_only": ("receivable", "borrowing", "other"),
    "exp_only": ("inventory", "depreciation", "disposal", "payable", "other"),
}


def reconciliation_values(items: Mapping[str, int]) -> dict[str, int]:
    values = {key: 0 for key, *_ in RECONCILIATION_LABELS}
    for group, names in GROUP_ITEMS.items():
        for name in names:
            # An item the split files under a name the table lacks counts as the group's 其他.
            values[f"{group}:{name}"] = items.get(f"{group}:{name}", 0)
        values[f"{group}:other"] += sum(
            v
            for k, v in items.items()
            if k.startswith(f"{group}:") and k.split(":", 1)[1] not in names
        )
        values[group] = sum(values[f"{group}:{n}"] for n in names)
    values["plus"] = values["rev_only"] + values["bexp_only"]
    values["minus"] = values["brev_only"] + values["exp_only"]
    values["adjustments"] = values["plus"] - values["minus"]
    values["budget_balance"] = items.get("budget_balance", 0)
    values["surplus"] = items.get("surplus", 0)
    return values


def reconciliation_statement(items: Mapping[str, int]) -> ReportTable:
    values = reconciliation_values(items)
    rows = tuple(
        Row("", label, (values[key],), level=level, key=key, strong=strong)
        for key, label, level, strong in RECONCILIATION_LABELS
    )
    return ReportTable(
        "reconciliation",
        "附注",
        "本年预算结余与本年盈余差异调节表",
        (Section("", ("项目",), ("金额",), rows),),
        "本年没有预算结余和盈余。",
    )
