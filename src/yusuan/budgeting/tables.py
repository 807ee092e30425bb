"""The department budget tables (部门预算公开表; DOMAIN-2 §4.3, ADR 0046): the nine tables and the
project table, read from the budget lines' figures of one stage (一上, 二上, 批复, or the 批复 in
force after its changes), for one unit, one department (its own lines and its units') or the
whole district.

Reading is one pass: the lines in scope with their names (one query), their figure at the stage
(one query), the code set's names (one query) and last year's 三公 indicators (one query). Every
table is then computed in Python from that one list (``build``), so the tables cannot disagree
because they read different data — and ``table_checks`` proves the identities between them that
the disclosure rules rely on (收支总表 = 收入总表 = 支出总表, 财政拨款 = Σ fiscal lines, …).

Tables 4–9 count every line of a 财政拨款 fund type, the lines paid from last year's carry-over
included (they are 财政拨款 money too, shown apart as 上年结转 on the revenue side of table 4);
the indicators a 批复 generates leave carry-over out (R-BP-11), so they equal table 4's 本年收入.

The revenue rows of tables 1 and 2 are data (``RevenueLayout``), not template text: a region whose
disclosure form prints other rows (the four-row 一、财政拨款收入 / 二、事业收入 / 三、事业单位经营收入
/ 四、其他收入) registers its layout in ``REGION_REVENUE``. Every amount is integer fen."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from yusuan.budgeting.choices import Part, RevenueKind, Side, Stage
from yusuan.budgeting.models import BudgetLine, BudgetLineAmount, BudgetRound
from yusuan.budgeting.rules import FISCAL_FUND_TYPES, FUND_NAMES, THREE_PUBLIC_CODES, yuan
from yusuan.budgeting.services.common import as_pk
from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.common.report_tables import ReportTable, Row, Section
from yusuan.core.choices import CodeKind, OrganisationKind
from yusuan.core.models import ClassificationCode, Organisation
from yusuan.indicators.models import IndicatorLine
from yusuan.projects.services.basic import declared_in

# --- what a region may change -------------------------------------------------------------------


@dataclass(frozen=True)
class RevenueRow:
    """One revenue row of tables 1 and 2: the revenue lines of these kinds (and fund types)."""

    label: str  # as table 1 prints it, numbered
    short: str  # table 2's column heading
    kinds: tuple[str, ...]
    funds: tuple[str, ...] = ()  # () = any fund type

    def matches(self, kind: str, fund: str) -> bool:
        return kind in self.kinds and (not self.funds or fund in self.funds)


@dataclass(frozen=True)
class RevenueLayout:
    """The 本年收入 rows in order (each revenue line counts in the first row it matches) and the
    carry-over row printed below 本年收入合计."""

    rows: tuple[RevenueRow, ...]
    carry_over: str = "上年结转结余"


FISCAL = RevenueKind.FISCAL.value
DEFAULT_REVENUE = RevenueLayout(
    (
        RevenueRow("一、一般公共预算拨款收入", "一般公共预算拨款收入", (FISCAL,), ("111",)),
        RevenueRow("二、政府性基金预算拨款收入", "政府性基金预算拨款收入", (FISCAL,), ("211",)),
        RevenueRow("三、国有资本经营预算拨款收入", "国有资本经营预算拨款收入", (FISCAL,), ("311",)),
        RevenueRow(
            "四、财政专户管理资金收入", "财政专户管理资金收入", (RevenueKind.SPECIAL_ACCOUNT,)
        ),
        RevenueRow("五、事业收入", "事业收入", (RevenueKind.BUSINESS,)),
        RevenueRow("六、事业单位经营收入", "事业单位经营收入", (RevenueKind.OPERATING,)),
        RevenueRow("七、上级补助收入", "上级补助收入", (RevenueKind.SUPERIOR,)),
        RevenueRow("八、附属单位上缴收入", "附属单位上缴收入", (RevenueKind.AFFILIATED,)),
        RevenueRow("九、其他收入", "其他收入", (RevenueKind.OTHER,)),
    )
)
# The four rows some local forms print (DOMAIN-2 §4.3): 财政专户 money (education fees) counted
# as 事业收入, grants from above and from affiliated units as 其他收入.
FOUR_ROW_REVENUE = RevenueLayout(
    (
        RevenueRow("一、财政拨款收入", "财政拨款收入", (FISCAL,)),
        RevenueRow("二、事业收入", "事业收入", (RevenueKind.BUSINESS, RevenueKind.SPECIAL_ACCOUNT)),
        RevenueRow("三、事业单位经营收入", "事业单位经营收入", (RevenueKind.OPERATING,)),
        RevenueRow(
            "四、其他收入",
            "其他收入",
            (RevenueKind.SUPERIOR, RevenueKind.AFFILIATED, RevenueKind.OTHER),
        ),
    )
)
# Region code → its layout; a region not named prints the default.
REGION_REVENUE: dict[str, RevenueLayout] = {}

# 人员经费 are these economic 类 of basic expenditure (工资福利支出, 对个人和家庭的补助); the rest
# of it (302 商品和服务支出, 310 资本性支出, …) is 公用经费.
PERSONNEL_CLASSES = ("301", "303")
# Table 7's rows: (key, label, indent, the economic 款 it adds up).
THREE_PUBLIC_ROWS: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("total", "合计", 0, tuple(THREE_PUBLIC_CODES)),
    ("30212", "1. 因公出国（境）费", 0, ("30212",)),
    ("car", "2. 公务用车购置及运行维护费", 0, ("31013", "30231")),
    ("31013", "其中：（1）公务用车购置费", 1, ("31013",)),
    ("30231", "（2）公务用车运行维护费", 1, ("30231",)),
    ("30217", "3. 公务接待费", 0, ("30217",)),
)

# --- levels and stages ---------------------------------------------------------------------------

UNIT, DEPARTMENT, DISTRICT = "unit", "department", "district"
LEVELS = {UNIT: "单位", DEPARTMENT: "部门", DISTRICT: "全区汇总"}
SUBJECT = {UNIT: "本单位", DEPARTMENT: "本部门", DISTRICT: "本地区"}
CURRENT = "current"
STAGES = {
    Stage.APPLY_1.value: "一上",
    Stage.APPLY_2.value: "二上",
    Stage.APPROVED.value: "批复",
    CURRENT: "批复（含调整）",
}
TABLE_KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "projects")
TITLES = {
    "1": "部门收支总表",
    "2": "部门收入总表",
    "3": "部门支出总表",
    "4": "财政拨款收支总表",
    "5": "一般公共预算支出表",
    "6": "一般公共预算基本支出表",
    "7": "一般公共预算“三公”经费支出表",
    "8": "政府性基金预算支出表",
    "9": "国有资本经营预算支出表",
    "projects": "项目支出表",
}
# Why a table has no data: "{who}{year}年…" as the disclosure rules want it said.
EMPTY_NOTES = {
    "4": "{who}{year}年没有财政拨款收支，故本表无数据。",
    "5": "{who}{year}年没有一般公共预算拨款安排的支出，故本表无数据。",
    "6": "{who}{year}年没有一般公共预算拨款安排的基本支出，故本表无数据。",
    "7": "{who}{year}年没有使用一般公共预算拨款安排的“三公”经费支出，故本表无数据。",
    "8": "{who}{year}年没有政府性基金预算拨款安排的支出，故本表无数据。",
    "9": "{who}{year}年没有国有资本经营预算拨款安排的支出，故本表无数据。",
    "projects": "{who}{year}年没有安排项目支出，故本表无数据。",
}
EMPTY_DEFAULT = "{who}{year}年在{stage}阶段尚无预算数据，故本表无数据。"


def revenue_layout(mof_div_code: str) -> RevenueLayout:
    return REGION_REVENUE.get(mof_div_code, DEFAULT_REVENUE)


def title_of(key: str, level: str) -> str:
    """A unit's own tables 1–3 are its 单位收支总表, 单位收入总表, 单位支出总表."""
    title = TITLES[key]
    return title.replace("部门", "单位", 1) if level == UNIT and key in ("1", "2", "3") else title


# --- what the tables read ------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A budget line in scope with its figure at the chosen stage."""

    line_id: int
    unit_id: int
    unit_code: str
    unit_name: str
    department_id: int
    department_code: str
    department_name: str
    side: str
    revenue_kind: str
    part: str
    project_id: int | None
    project_code: str
    project_name: str
    exp_func_code: str
    dep_bgt_eco_code: str
    fund_type_code: str
    carry_over: bool
    amount_fen: int

    @property
    def revenue(self) -> bool:
        return self.side == Side.REVENUE

    @property
    def fiscal(self) -> bool:
        return self.fund_type_code in FISCAL_FUND_TYPES

    @property
    def basic(self) -> bool:
        return self.part == Part.BASIC


@dataclass(frozen=True)
class Subject:
    """Whose tables: a unit, a department (its own lines and its units'), or the district."""

    organisation: Organisation
    level: str

    @property
    def who(self) -> str:
        return SUBJECT[self.level]


@dataclass(frozen=True)
class Source:
    mof_div_code: str
    fiscal_year: int
    subject_name: str
    level: str
    stage: str
    figures: tuple[Figure, ...]
    names: Mapping[tuple[str, str], str]  # (code kind, code) → name, of the code year
    last_year_three_public: Mapping[str, int]  # economic 款 → last year's 111 indicators
    revenue: RevenueLayout

    @property
    def who(self) -> str:
        return SUBJECT[self.level]

    def name(self, kind: str, code: str) -> str:
        return self.names.get((kind, code), "")


@dataclass(frozen=True)
class TableSet:
    source: Source
    tables: Mapping[str, ReportTable]

    def __getitem__(self, key: str) -> ReportTable:
        return self.tables[key]


# The levels an organisation's tables may be asked at (``""``: its natural one).
LEVELS_OF: dict[str, dict[str, str]] = {
    OrganisationKind.UNIT: {"": UNIT, UNIT: UNIT},
    OrganisationKind.DEPARTMENT: {"": DEPARTMENT, DEPARTMENT: DEPARTMENT, UNIT: UNIT},
    OrganisationKind.FINANCE_BUREAU: {"": DISTRICT, DISTRICT: DISTRICT},
    OrganisationKind.FINANCE_DIVISION: {"": DISTRICT, DISTRICT: DISTRICT},
}


def access_subject(
    actor: Actor, budget_round: BudgetRound, organisation_id: object, level: str = ""
) -> Subject:
    """The unit, department or district whose tables are asked for; anything outside the actor's
    scope — another unit, another department, the district for anyone not region-wide, or a
    level the organisation cannot have — is a 404."""
    organisation = (
        Organisation.objects.visible_to(actor)
        .filter(pk=as_pk(organisation_id) or 0, mof_div_code=budget_round.mof_div_code)
        .first()
    )
    if organisation is None:
        raise NotFoundError("organisation")
    allowed = LEVELS_OF.get(organisation.kind, {})
    found = allowed.get(level)
    if found is None or (found == DISTRICT and not actor.scope.is_region_wide):
        raise NotFoundError("organisation")
    return Subject(organisation, found)


def subject_lines(
    actor: Actor, budget_round: BudgetRound, subject: Subject
) -> QuerySet[BudgetLine]:
    lines = BudgetLine.objects.visible_to(actor).filter(round=budget_round)
    if subject.level == UNIT:
        return lines.filter(organisation=subject.organisation)
    if subject.level == DEPARTMENT:
        return lines.filter(department=subject.organisation)
    return lines


def stages_present(actor: Actor, budget_round: BudgetRound, subject: Subject) -> set[str]:
    """The stages some line in scope has a figure of (``current`` once any is approved)."""
    found = set(
        BudgetLineAmount.objects.visible_to(actor)
        .filter(line__in=subject_lines(actor, budget_round, subject).values("pk"))
        .values_list("stage", flat=True)
        .distinct()
    )
    if Stage.APPROVED in found:
        found.add(CURRENT)
    return found & set(STAGES)


def default_stage(present: Iterable[str]) -> str:
    """The latest stage with figures: what a page shows when no stage is asked for."""
    present = set(present)
    return next((s for s in (CURRENT, Stage.APPLY_2, Stage.APPLY_1) if s in present), Stage.APPLY_1)


def _figures(actor: Actor, lines: QuerySet[BudgetLine], stage: str) -> dict[int, int]:
    amounts = BudgetLineAmount.objects.visible_to(actor).filter(line__in=lines.values("pk"))
    if stage == CURRENT:
        amounts = amounts.filter(stage__in=(Stage.APPROVED, Stage.ADJUSTED))
    else:
        amounts = amounts.filter(stage=stage)
    found: dict[int, int] = {}
    for line_id, fen in amounts.order_by("written_at", "pk").values_list("line_id", "amount_fen"):
        found[line_id] = fen  # ``current``: the latest change wins over the 批复
    return found


def _names(mof_div_code: str, fiscal_year: int) -> dict[tuple[str, str], str]:
    code_year = declared_in(mof_div_code, fiscal_year)
    return {
        (kind, code): name
        for kind, code, name in ClassificationCode.objects.filter(
            mof_div_code=mof_div_code,
            fiscal_year=code_year,
            kind__in=(CodeKind.FUNCTIONAL, CodeKind.DEPARTMENT_ECONOMIC),
        ).values_list("kind", "code", "name")
    }


def _last_year_three_public(
    actor: Actor, budget_round: BudgetRound, lines: QuerySet[BudgetLine]
) -> dict[str, int]:
    """Last year's 一般公共预算 三公 per economic 款, from the indicators of the same units — those
    with lines in the tables (R-BP-6, as ``drafts._last_year_three_public`` reads a unit's):
    each indicator's own part (its total less what it allocated down), so a line and the lines
    allocated from it count once."""
    indicators = IndicatorLine.objects.visible_to(actor).filter(
        mof_div_code=budget_round.mof_div_code,
        fiscal_year=budget_round.fiscal_year - 1,
        organisation_id__in=lines.values("organisation_id"),
        fund_type_code="111",
        dep_bgt_eco_code__regex=r"^(" + "|".join(THREE_PUBLIC_CODES) + ")",
    )
    found: dict[str, int] = defaultdict(int)
    for code, total, allocated in indicators.values_list("dep_bgt_eco_code", "total", "allocated"):
        found[code[:5]] += total - allocated
    return dict(found)


FIELDS = (
    "pk",
    "organisation_id",
    "organisation__code",
    "organisation__name",
    "department_id",
    "department__code",
    "department__name",
    "side",
    "revenue_kind",
    "part",
    "project_id",
    "project__code",
    "project__name",
    "exp_func_code",
    "dep_bgt_eco_code",
    "fund_type_code",
    "carry_over",
)


def load(actor: Actor, budget_round: BudgetRound, subject: Subject, stage: str) -> Source:
    """What every table of the subject at the stage reads: four queries, whatever the size."""
    if stage not in STAGES:
        raise NotFoundError("stage")
    lines = subject_lines(actor, budget_round, subject)
    amounts = _figures(actor, lines, stage)
    figures = tuple(
        Figure(
            line_id=row["pk"],
            unit_id=row["organisation_id"],
            unit_code=row["organisation__code"],
            unit_name=row["organisation__name"],
            department_id=row["department_id"],
            department_code=row["department__code"],
            department_name=row["department__name"],
            side=row["side"],
            revenue_kind=row["revenue_kind"],
            part=row["part"],
            project_id=row["project_id"],
            project_code=row["project__code"] or "",
            project_name=row["project__name"] or "",
            exp_func_code=row["exp_func_code"],
            dep_bgt_eco_code=row["dep_bgt_eco_code"],
            fund_type_code=row["fund_type_code"],
            carry_over=row["carry_over"],
            amount_fen=amounts[row["pk"]],
        )
        for row in lines.order_by("organisation__code", "side", "position").values(*FIELDS)
        if row["pk"] in amounts
    )
    return Source(
        mof_div_code=budget_round.mof_div_code,
        fiscal_year=budget_round.fiscal_year,
        subject_name=subject.organisation.name,
        level=subject.level,
        stage=stage,
        figures=figures,
        names=_names(budget_round.mof_div_code, budget_round.fiscal_year),
        last_year_three_public=_last_year_three_public(actor, budget_round, lines),
        revenue=revenue_layout(budget_round.mof_div_code),
    )


def tables_for(actor: Actor, budget_round: BudgetRound, subject: Subject, stage: str) -> TableSet:
    return build(load(actor, budget_round, subject, stage))


# --- computing the tables ------------------------------------------------------------------------

NUMERALS = "一二三四五六七八九"


def numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 27 → 二十七 (up to 99): the numbering of table rows."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else NUMERALS[tens - 1] + "十")
    return head + (NUMERALS[ones - 1] if ones else "")


def _add(into: list[int], values: Sequence[int]) -> None:
    for index, value in enumerate(values):
        into[index] += value


def _tree(
    figures: Iterable[Figure],
    code_of: Callable[[Figure], str],
    split: Callable[[Figure], Sequence[int]],
    width: int,
    levels: tuple[int, ...],
    kind: str,
    source: Source,
) -> list[Row]:
    """Rows per code at each level (类, 款, 项), each the sum of the lines below it, in code
    order; a line without a code falls in a row of its own at the end."""
    sums: dict[str, list[int]] = {}
    for figure in figures:
        code = code_of(figure)
        prefixes = [code[:n] for n in levels if len(code) >= n] or [code]
        for prefix in prefixes:
            _add(sums.setdefault(prefix, [0] * width), split(figure))
    rows = []
    for code in sorted(sums, key=lambda c: (c == "", c)):
        if not any(sums[code]):
            continue
        level = levels.index(len(code)) if len(code) in levels else 0
        label = source.name(kind, code) or code or "（未列科目）"
        rows.append(Row(code, label, tuple(sums[code]), level=level, key=f"code:{code}"))
    return rows


def _classes(
    figures: Iterable[Figure], split: Callable[[Figure], Sequence[int]], width: int, source: Source
) -> list[Row]:
    """Rows per functional 类, numbered 一、二、… as tables 1 and 4 print them."""
    rows = _tree(
        figures, lambda f: f.exp_func_code, split, width, (3,), CodeKind.FUNCTIONAL, source
    )
    return [
        Row(r.code, f"{numeral(i)}、{r.label}", r.amounts, key=f"class:{r.code}")
        for i, r in enumerate(rows, start=1)
    ]


def _by_part(figure: Figure) -> tuple[int, int, int]:
    fen = figure.amount_fen
    return (fen, fen if figure.basic else 0, 0 if figure.basic else fen)


def _by_fund(figure: Figure) -> tuple[int, ...]:
    return (
        figure.amount_fen,
        *(figure.amount_fen if figure.fund_type_code == f else 0 for f in FISCAL_FUND_TYPES),
    )


def _note(source: Source, key: str) -> str:
    text = EMPTY_NOTES.get(key, EMPTY_DEFAULT)
    return text.format(who=source.who, year=source.fiscal_year, stage=STAGES[source.stage])


def _table(source: Source, key: str, *sections: Section) -> ReportTable:
    number = f"表{key}" if key.isdigit() else "附表"
    return ReportTable(key, number, title_of(key, source.level), sections, _note(source, key))


def _total(rows: Sequence[Row], width: int, label: str = "合计", key: str = "total") -> Row:
    """The sum of the top-level rows."""
    sums = [0] * width
    for row in rows:
        if row.level == 0:
            _add(sums, row.amounts)
    return Row("", label, tuple(sums), key=key, strong=True)


CODED = ("科目编码", "科目名称")
PARTS = ("合计", "基本支出", "项目支出")


def _revenue(figures: Sequence[Figure]) -> tuple[list[Figure], list[Figure]]:
    revenue = [f for f in figures if f.revenue]
    return (
        [f for f in revenue if f.revenue_kind != RevenueKind.CARRY_OVER],
        [f for f in revenue if f.revenue_kind == RevenueKind.CARRY_OVER],
    )


def _row_index(layout: RevenueLayout, figure: Figure) -> int | None:
    return next(
        (
            i
            for i, r in enumerate(layout.rows)
            if r.matches(figure.revenue_kind, figure.fund_type_code)
        ),
        None,
    )


def table_1(source: Source) -> ReportTable:
    """收支总表: revenue by the region's rows, expenditure by functional 类."""
    new, carry = _revenue(source.figures)
    layout = source.revenue
    sums = [0] * len(layout.rows)
    for figure in new:
        index = _row_index(layout, figure)
        if index is not None:
            sums[index] += figure.amount_fen
    carried = sum(f.amount_fen for f in carry)
    revenue = [
        *(Row("", r.label, (sums[i],), key=f"revenue:{i}") for i, r in enumerate(layout.rows)),
        Row("", "本年收入合计", (sum(sums),), key="revenue_new", strong=True),
        Row("", layout.carry_over, (carried,), key="carry_over"),
        Row("", "收入总计", (sum(sums) + carried,), key="revenue_total", strong=True),
    ]
    spending = [f for f in source.figures if not f.revenue]
    classes = _classes(spending, lambda f: (f.amount_fen,), 1, source)
    spent = sum(f.amount_fen for f in spending)
    expenditure = [
        *classes,
        Row("", "本年支出合计", (spent,), key="expenditure_new", strong=True),
        Row("", "结转下年", (0,), key="carry_forward"),
        Row("", "支出总计", (spent,), key="expenditure_total", strong=True),
    ]
    return _table(
        source,
        "1",
        Section("收入", ("项目",), ("预算数",), tuple(revenue)),
        Section("支出", ("项目",), ("预算数",), tuple(expenditure)),
    )


def table_2(source: Source) -> ReportTable:
    """收入总表: per unit (per department for the district), 合计 and each revenue row."""
    layout = source.revenue
    width = len(layout.rows) + 2
    by_department = source.level == DISTRICT
    groups: dict[int, list[int]] = {}
    names: dict[int, tuple[str, str]] = {}
    for figure in source.figures:
        if not figure.revenue:
            continue
        holder = figure.department_id if by_department else figure.unit_id
        names[holder] = (
            (figure.department_code, figure.department_name)
            if by_department
            else (figure.unit_code, figure.unit_name)
        )
        sums = groups.setdefault(holder, [0] * width)
        sums[0] += figure.amount_fen
        if figure.revenue_kind == RevenueKind.CARRY_OVER:
            sums[-1] += figure.amount_fen
        else:
            index = _row_index(layout, figure)
            if index is not None:
                sums[1 + index] += figure.amount_fen
    rows = [
        Row(names[k][0], names[k][1], tuple(v))
        for k, v in sorted(groups.items(), key=lambda item: names[item[0]][0])
    ]
    heading = ("部门编码", "部门名称") if by_department else ("单位编码", "单位名称")
    columns = ("合计", *(r.short for r in layout.rows), layout.carry_over)
    return _table(source, "2", Section("", heading, columns, (_total(rows, width), *rows)))


def _tree_table(source: Source, key: str, figures: Sequence[Figure]) -> ReportTable:
    rows = _tree(
        figures, lambda f: f.exp_func_code, _by_part, 3, (3, 5, 7), CodeKind.FUNCTIONAL, source
    )
    return _table(source, key, Section("", CODED, PARTS, (_total(rows, 3), *rows)))


def table_3(source: Source) -> ReportTable:
    """支出总表: every expenditure line by functional 类/款/项 × 基本/项目."""
    return _tree_table(source, "3", [f for f in source.figures if not f.revenue])


def table_4(source: Source) -> ReportTable:
    """财政拨款收支总表: 财政拨款 revenue (本年 and 上年结转) per fund type; its spending by
    functional 类 per fund type."""
    new, carry = _revenue(source.figures)
    revenue: list[Row] = []
    totals = 0
    for key, title, found, suffix in (
        ("new", "一、本年收入", [f for f in new if f.revenue_kind == FISCAL], "拨款收入"),
        ("carry", "二、上年结转", carry, "拨款"),
    ):
        per_fund = {
            fund: sum(f.amount_fen for f in found if f.fund_type_code == fund)
            for fund in FISCAL_FUND_TYPES
        }
        subtotal = sum(per_fund.values())
        totals += subtotal
        revenue.append(Row("", title, (subtotal,), key=key, strong=True))
        revenue += [
            Row("", f"{FUND_NAMES[fund]}{suffix}", (fen,), level=1, key=f"{key}:{fund}")
            for fund, fen in per_fund.items()
        ]
    revenue.append(Row("", "收入总计", (totals,), key="revenue_total", strong=True))
    spending = [f for f in source.figures if not f.revenue and f.fiscal]
    width = 1 + len(FISCAL_FUND_TYPES)
    classes = _classes(spending, _by_fund, width, source)
    total = _total(classes, width, "支出总计", "expenditure_total")
    columns = ("合计", *(FUND_NAMES[f] for f in FISCAL_FUND_TYPES))
    return _table(
        source,
        "4",
        Section("收入", ("项目",), ("预算数",), tuple(revenue)),
        Section("支出", CODED, columns, (*classes, total)),
    )


def _fund(source: Source, fund: str) -> list[Figure]:
    return [f for f in source.figures if not f.revenue and f.fund_type_code == fund]


def table_5(source: Source) -> ReportTable:
    """一般公共预算支出表: fund 111 by functional 类/款/项 × 基本/项目."""
    return _tree_table(source, "5", _fund(source, "111"))


def _personnel(figure: Figure) -> tuple[int, int, int]:
    fen = figure.amount_fen
    personnel = figure.dep_bgt_eco_code[:3] in PERSONNEL_CLASSES
    return (fen, fen if personnel else 0, 0 if personnel else fen)


def table_6(source: Source) -> ReportTable:
    """一般公共预算基本支出表: fund 111 basic lines by economic 类/款 × 人员经费/公用经费."""
    figures = [f for f in _fund(source, "111") if f.basic]
    rows = _tree(
        figures,
        lambda f: f.dep_bgt_eco_code,
        _personnel,
        3,
        (3, 5),
        CodeKind.DEPARTMENT_ECONOMIC,
        source,
    )
    return _table(
        source, "6", Section("", CODED, ("合计", "人员经费", "公用经费"), (_total(rows, 3), *rows))
    )


def table_7(source: Source) -> ReportTable:
    """一般公共预算“三公”经费支出表: last year's figure, this year's (基本/项目) and the change."""
    now: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for figure in _fund(source, "111"):
        code = figure.dep_bgt_eco_code[:5]
        if code in THREE_PUBLIC_CODES:
            _add(now[code], _by_part(figure))
    rows = []
    for key, label, level, codes in THREE_PUBLIC_ROWS:
        before = sum(source.last_year_three_public.get(c, 0) for c in codes)
        total, basic, project = (sum(now[c][i] for c in codes if c in now) for i in range(3))
        rows.append(
            Row(
                key if key.isdigit() else "",
                label,
                (before, total, basic, project, total - before),
                level=level,
                key=key,
                strong=key == "total",
            )
        )
    columns = ("上年预算数", "本年预算数", "其中：基本支出", "其中：项目支出", "增减额")
    return _table(source, "7", Section("", ("项目",), columns, tuple(rows)))


def table_8(source: Source) -> ReportTable:
    """政府性基金预算支出表: fund 211 by functional 类/款/项 × 基本/项目."""
    return _tree_table(source, "8", _fund(source, "211"))


def table_9(source: Source) -> ReportTable:
    """国有资本经营预算支出表: fund 311 by functional 类/款/项 × 基本/项目."""
    return _tree_table(source, "9", _fund(source, "311"))


PROJECT_FUNDS = ("111", "211", "311", "411", "511")


def table_projects(source: Source) -> ReportTable:
    """项目支出表: each project of each unit, by fund type, with its 绩效目标表."""
    width = 2 + len(PROJECT_FUNDS)
    sums: dict[tuple[int, int], list[int]] = {}
    about: dict[tuple[int, int], Figure] = {}
    for figure in source.figures:
        if figure.revenue or figure.basic:
            continue
        key = (figure.unit_id, figure.project_id or 0)
        about.setdefault(key, figure)
        row = sums.setdefault(key, [0] * width)
        row[0] += figure.amount_fen
        if figure.carry_over:
            row[-1] += figure.amount_fen
        elif figure.fund_type_code in PROJECT_FUNDS:
            row[1 + PROJECT_FUNDS.index(figure.fund_type_code)] += figure.amount_fen
    rows = []
    for key in sorted(sums, key=lambda k: (about[k].unit_code, about[k].project_code)):
        if not any(sums[key]):
            continue
        figure = about[key]
        rows.append(
            Row(
                figure.project_code,
                figure.project_name,
                tuple(sums[key]),
                extra=(figure.unit_name,),
                link=reverse("projects:goal_table", args=[figure.project_id])
                if figure.project_id
                else "",
            )
        )
    columns = ("合计", *(FUND_NAMES[f] for f in PROJECT_FUNDS), "上年结转")
    return _table(
        source,
        "projects",
        Section(
            "",
            ("项目编码", "项目名称", "单位名称"),
            columns,
            (_total(rows, width), *rows),
            linked=True,
        ),
    )


BUILDERS: dict[str, Callable[[Source], ReportTable]] = {
    "1": table_1,
    "2": table_2,
    "3": table_3,
    "4": table_4,
    "5": table_5,
    "6": table_6,
    "7": table_7,
    "8": table_8,
    "9": table_9,
    "projects": table_projects,
}


def build(source: Source) -> TableSet:
    return TableSet(source, {key: BUILDERS[key](source) for key in TABLE_KEYS})


# --- the identities between the tables -----------------------------------------------------------


class _Problems(list[str]):
    def equal(self, left: int, right: int, what: str) -> None:
        if left != right:
            self.append(f"{what}：{yuan(left)} ≠ {yuan(right)}（差 {yuan(left - right)}）")

    def at_most(self, left: int, right: int, what: str) -> None:
        if left > right:
            self.append(f"{what}：{yuan(left)} > {yuan(right)}")


def _sections(tables: TableSet, key: str) -> tuple[Section, ...]:
    return tables[key].sections


def _named(table: ReportTable, row: Row) -> str:
    return " ".join(x for x in (table.number, row.code, row.label) if x)


def _rows_add_up(problems: _Problems, table: ReportTable, parts: slice) -> None:
    """Each row's 合计 (first column) is the sum of its parts."""
    for section in table.sections:
        for row in section.rows:
            if len(row.amounts) > 1:
                problems.equal(
                    row.amounts[0],
                    sum(row.amounts[parts]),
                    f"{_named(table, row)} 合计与分项之和",
                )


def _tree_adds_up(problems: _Problems, table: ReportTable) -> None:
    """The 合计 row is the sum of the 类 rows, each 类 of its 款, each 款 of its 项."""
    section = table.sections[0]
    total = section.row("total")
    coded = [r for r in section.rows if r.key.startswith("code:")]
    tops = [r for r in coded if r.level == 0]
    if total is not None:
        for column, heading in enumerate(section.columns):
            problems.equal(
                total.amounts[column],
                sum(r.amounts[column] for r in tops),
                f"{table.number} 合计（{heading}）与各类之和",
            )
    for parent in coded:
        children = [
            r
            for r in coded
            if r.level == parent.level + 1 and r.code.startswith(parent.code) and parent.code
        ]
        if children:
            problems.equal(
                parent.amounts[0],
                sum(r.amounts[0] for r in children),
                f"{_named(table, parent)} 与其下级科目之和",
            )


def table_checks(tables: TableSet) -> list[str]:
    """The identities the disclosure rules rely on, each stated with both figures; [] when the
    tables agree with each other and with the lines they were read from."""
    problems = _Problems()
    source = tables.source
    layout = source.revenue
    new, carry = _revenue(source.figures)
    spending = [f for f in source.figures if not f.revenue]
    t1_in, t1_out = _sections(tables, "1")
    (t2,) = _sections(tables, "2")
    (t3,) = _sections(tables, "3")
    t4_in, t4_out = _sections(tables, "4")
    (t5,) = _sections(tables, "5")
    (t6,) = _sections(tables, "6")
    (t7,) = _sections(tables, "7")
    (t8,) = _sections(tables, "8")
    (t9,) = _sections(tables, "9")
    (tp,) = _sections(tables, "projects")

    # Table 1 balances, and holds every line.
    problems.equal(
        t1_in.amount("revenue_total"), t1_out.amount("expenditure_total"), "表1 收入总计与支出总计"
    )
    problems.equal(
        t1_in.amount("revenue_new"),
        sum(f.amount_fen for f in new),
        "表1 本年收入合计与全部本年收入（收入行的设置漏列了收入种类）",
    )
    problems.equal(t1_in.amount("carry_over"), sum(f.amount_fen for f in carry), "表1 上年结转结余")
    problems.equal(
        t1_out.amount("expenditure_total"),
        sum(f.amount_fen for f in spending),
        "表1 支出总计与全部支出",
    )
    # Table 2 = table 1's revenue, row by row.
    problems.equal(t2.amount("total"), t1_in.amount("revenue_total"), "表2 收入合计与表1 收入总计")
    for index, revenue_row in enumerate(layout.rows):
        problems.equal(
            t2.amount("total", 1 + index),
            t1_in.amount(f"revenue:{index}"),
            f"表2 {revenue_row.short}与表1",
        )
    problems.equal(
        t2.amount("total", len(layout.rows) + 1), t1_in.amount("carry_over"), "表2 上年结转与表1"
    )
    _rows_add_up(problems, tables["2"], slice(1, None))
    # Table 3 = table 1's expenditure, 类 by 类.
    problems.equal(
        t3.amount("total"), t1_out.amount("expenditure_total"), "表3 支出合计与表1 支出总计"
    )
    for row in t1_out.rows:
        if row.key.startswith("class:"):
            problems.equal(row.amounts[0], t3.amount(f"code:{row.code}"), f"表1 {row.label}与表3")
    # Table 4: 财政拨款 balances per fund type, and is every fiscal line.
    problems.equal(
        t4_in.amount("revenue_total"), t4_out.amount("expenditure_total"), "表4 收入总计与支出总计"
    )
    problems.equal(
        t4_in.amount("revenue_total"),
        sum(
            f.amount_fen
            for f in source.figures
            if f.revenue and f.fiscal and f.revenue_kind in (FISCAL, RevenueKind.CARRY_OVER)
        ),
        "表4 收入总计与财政拨款收入（含上年结转）各行之和",
    )
    problems.equal(
        t4_out.amount("expenditure_total"),
        sum(f.amount_fen for f in spending if f.fiscal),
        "表4 支出总计与财政拨款支出各行之和",
    )
    for column, fund in enumerate(FISCAL_FUND_TYPES, start=1):
        problems.equal(
            t4_in.amount(f"new:{fund}") + t4_in.amount(f"carry:{fund}"),
            t4_out.amount("expenditure_total", column),
            f"表4 {FUND_NAMES[fund]}收入与支出",
        )
        for index, revenue_row in enumerate(layout.rows):
            if revenue_row.kinds == (FISCAL,) and revenue_row.funds == (fund,):
                problems.equal(
                    t4_in.amount(f"new:{fund}"),
                    t1_in.amount(f"revenue:{index}"),
                    f"表4 {FUND_NAMES[fund]}本年收入与表1 {revenue_row.label}",
                )
    _rows_add_up(problems, tables["4"], slice(1, None))
    # Tables 5, 8, 9 are table 4's columns; table 6 is table 5's 基本支出.
    for key, column, section in (("5", 1, t5), ("8", 2, t8), ("9", 3, t9)):
        fund = FISCAL_FUND_TYPES[column - 1]
        problems.equal(
            section.amount("total"),
            t4_out.amount("expenditure_total", column),
            f"表{key} 合计与表4 {FUND_NAMES[fund]}支出",
        )
        for row in t4_out.rows:
            if row.key.startswith("class:"):
                problems.equal(
                    section.amount(f"code:{row.code}"),
                    row.amounts[column],
                    f"表{key} {row.code} {source.name(CodeKind.FUNCTIONAL, row.code)}与表4",
                )
    for key in ("3", "5", "6", "8", "9"):
        _rows_add_up(problems, tables[key], slice(1, None))
        _tree_adds_up(problems, tables[key])
    problems.equal(t6.amount("total"), t5.amount("total", 1), "表6 合计与表5 基本支出")
    # Table 7 within tables 5 and 6.
    for row in t7.rows:
        before, now, basic, project, change = row.amounts
        problems.equal(now, basic + project, f"表7 {row.label} 本年与基本、项目之和")
        problems.equal(change, now - before, f"表7 {row.label} 增减额")
        if row.key.isdigit():
            problems.equal(
                basic, t6.amount(f"code:{row.key}"), f"表7 {row.label} 基本支出与表6 {row.key}"
            )
    for key, parts in (("total", ("30212", "car", "30217")), ("car", ("31013", "30231"))):
        whole = t7.row(key)
        for column in range(5):
            problems.equal(
                t7.amount(key, column),
                sum(t7.amount(p, column) for p in parts),
                f"表7 {whole.label if whole else key}与其分项",
            )
    problems.at_most(t7.amount("total", 1), t5.amount("total"), "表7 “三公”经费超过表5 合计")
    problems.at_most(
        t7.amount("total", 3), t5.amount("total", 2), "表7 “三公”项目支出超过表5 项目支出"
    )
    # The project table is table 3's 项目支出.
    problems.equal(tp.amount("total"), t3.amount("total", 2), "项目支出表 合计与表3 项目支出")
    _rows_add_up(problems, tables["projects"], slice(1, None))
    return list(problems)
