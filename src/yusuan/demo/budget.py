"""What each demo body is budgeted for (DOMAIN-2 §1 C10): staff lines by unit type, 公用经费 by
head count, 特定目标类/其他运转类 projects of skewed sizes, multi-year, 结转 and unfunded (储备)
projects. Pure planning: ``demo.indicators`` turns the plans into projects and indicator lines.

Each agency's executable lines have distinct economic codes (one 30201 line per unit, …), as a
unit's 年初 budget reads and as the demo's payments expect.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from yusuan.core.choices import AgencyType
from yusuan.indicators.choices import ThreePublic

# Yearly amounts per head, in yuan [K: order of magnitude of a Jiangsu district, 2025].
BASIC_PAY = 52_000  # 30101 基本工资 (incl. 13th month)
ALLOWANCES = 60_000  # 30102 津贴补贴 (行政 and 参公)
BONUS = 12_000  # 30103 奖金: the 年终一次性奖金 (行政 and 参公)
PERFORMANCE = 70_000  # 30107 绩效工资 (事业 units)
PUBLIC_PER_HEAD = 26_000  # 公用经费 quota
# Share of a 差额 unit's (hospitals, 32) basic pay that the budget funds; the rest is its revenue.
PARTIAL_SHARE = (0.2, 0.45)


@dataclass
class PlannedLine:
    eco: str
    summary: str
    fen: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlannedProject:
    name: str
    category: str  # 1 人员类, 21 公用经费, 22 其他运转类, 3 特定目标类
    kind: str  # new / continuing / carried
    start_year: int
    end_year: int
    total_fen: int
    declared_in: int  # the year the project was declared (its code's year)
    state: str  # budgeted / carried_over / stored
    lines: list[PlannedLine] = field(default_factory=list)
    source_type: str = "01"  # 年初预算; 02 上年结转
    is_procurement: bool = False


def _round(fen: float, step_yuan: int = 1000) -> int:
    step = step_yuan * 100
    return max(step, int(fen) // step * step)


def skewed_yuan(rng: random.Random, median: int, sigma: float = 1.0, cap: int = 50_000_000) -> int:
    """A project size: log-normal around ``median`` yuan (most projects are tens or hundreds of
    thousands, a few run to millions), capped, rounded to 1,000 yuan; in fen."""
    yuan = min(cap, median * math.exp(rng.gauss(0.0, sigma)))
    return _round(max(20_000.0, yuan) * 100)


def headcount(rng: random.Random, name: str, is_department: bool) -> int:
    if "医院" in name or "妇幼保健院" in name:
        return rng.randint(300, 900)
    if any(k in name for k in ("中学", "小学", "学校")):
        return rng.randint(45, 140)
    if any(k in name for k in ("幼儿园", "卫生院", "社区卫生")):
        return rng.randint(25, 70)
    return rng.randint(25, 80) if is_department else rng.randint(8, 35)


def staff_lines(rng: random.Random, agency_type: str, heads: int) -> list[PlannedLine]:
    """C10: 行政/参公 pay 30102 津贴补贴 and 30103 奖金 (no 30107 绩效工资); 全额事业 pay 30107;
    差额 units get part of their basic pay; 自收自支 units get no 财政拨款 for staff."""
    if agency_type == AgencyType.INSTITUTION_SELF:
        return []
    if agency_type == AgencyType.INSTITUTION_PARTIAL:
        share = rng.uniform(*PARTIAL_SHARE)
        return [
            PlannedLine(
                "30101",
                "基本工资（差额补助）",
                _round(heads * BASIC_PAY * share * 100),
                {"is_sal": True},
            )
        ]
    lines = [PlannedLine("30101", "基本工资", _round(heads * BASIC_PAY * 100), {"is_sal": True})]
    if agency_type in (AgencyType.ADMINISTRATIVE, AgencyType.CIVIL_SERVICE_INSTITUTION):
        lines += [
            PlannedLine("30102", "津贴补贴", _round(heads * ALLOWANCES * 100), {"is_sal": True}),
            PlannedLine(
                "30103", "奖金（年终一次性奖金）", _round(heads * BONUS * 100), {"is_sal": True}
            ),
        ]
    else:
        lines.append(
            PlannedLine("30107", "绩效工资", _round(heads * PERFORMANCE * 100), {"is_sal": True})
        )
    return lines


def public_lines(rng: random.Random, agency_type: str, heads: int) -> list[PlannedLine]:
    """公用经费 by head count; none for 自收自支 units, a smaller share for 差额 units."""
    if agency_type == AgencyType.INSTITUTION_SELF:
        return []
    quota = heads * PUBLIC_PER_HEAD * (0.3 if agency_type == AgencyType.INSTITUTION_PARTIAL else 1)
    quota *= rng.uniform(0.85, 1.15)
    shares = (
        ("30201", "办公费", 0.34),
        ("30211", "差旅费", 0.16),
        ("30216", "培训费", 0.10),
        ("30217", "公务接待费", 0.04),
        ("30213", "维修（护）费", 0.36),
    )
    return [
        PlannedLine(
            eco,
            summary,
            _round(quota * share * 100, 100),
            {"thr_exp_code": ThreePublic.RECEPTION} if eco == "30217" else {},
        )
        for eco, summary, share in shares
    ]


# The first 特定目标类 project of every agency (its equipment is bought by contract in the demo).
CORE_SPECIAL = ("信息化运维", "设备购置更新", "业务能力建设", "专项业务经费")
# Further projects: (name, category, [(eco, summary)], procurement, may run several years).
EXTRA_PROJECTS: tuple[tuple[str, str, tuple[tuple[str, str], ...], bool, bool], ...] = (
    ("信息系统建设", "3", (("31007", "信息网络及软件购置更新"),), True, True),
    ("专家咨询及劳务", "22", (("30226", "劳务费"),), False, False),
    ("业务会议及宣传", "22", (("30215", "会议费"), ("30202", "印刷费")), False, False),
    ("专用材料购置", "3", (("30218", "专用材料费"),), True, False),
    ("物业管理服务", "22", (("30209", "物业管理费"),), True, False),
    ("业务用房改造工程", "3", (("31001", "房屋建筑物购建"),), True, True),
    ("专项设备更新", "3", (("31099", "其他资本性支出"),), True, True),
)
RESERVE_NAMES = (
    "智慧化改造",
    "设施设备提升",
    "业务系统升级",
    "安全隐患整治",
    "服务能力提升",
    "档案数字化",
)


def _split(total: int, shares: int, rng: random.Random) -> list[int]:
    if shares == 1:
        return [total]
    first = _round(total * rng.uniform(0.55, 0.8), 100)
    return [first, total - first]


def plan_agency(
    rng: random.Random,
    *,
    name: str,
    short: str,
    agency_type: str,
    is_department: bool,
    year: int,
) -> list[PlannedProject]:
    """The projects of one agency: 人员类 and 公用经费 (one year, total = the year's lines),
    the core 特定目标类 project, 0-3 further projects (some multi-year, declared last year),
    sometimes a 结转 project, and 0-2 unfunded 储备 projects for next year."""
    heads = headcount(rng, name, is_department)
    size = 3.0 if heads >= 300 else 2.0 if is_department else 1.0
    plans: list[PlannedProject] = []

    def one_year(label: str, category: str, lines: list[PlannedLine]) -> None:
        if lines:
            total = sum(line.fen for line in lines)
            plans.append(
                PlannedProject(
                    f"{short}{label}",
                    category,
                    "continuing",
                    year,
                    year,
                    total,
                    year,
                    "budgeted",
                    lines,
                )
            )

    one_year("人员经费", "1", staff_lines(rng, agency_type, heads))
    one_year("日常公用经费", "21", public_lines(rng, agency_type, heads))
    core = skewed_yuan(rng, int(450_000 * size), 0.9)
    equipment, commission = _split(core, 2, rng)
    plans.append(
        PlannedProject(
            f"{short}{rng.choice(CORE_SPECIAL)}",
            "3",
            "new",
            year,
            year,
            core,
            year,
            "budgeted",
            [
                PlannedLine("31002", "设备购置", equipment, {"is_gov_pur": True}),
                PlannedLine("30227", "委托业务费", commission),
            ],
            is_procurement=True,
        )
    )
    extras = rng.sample(EXTRA_PROJECTS, rng.choice((0, 1, 1, 2, 2, 3)))
    for label, category, ecos, procurement, multi in extras:
        this_year = skewed_yuan(rng, int(250_000 * size), 1.1)
        kind, start, end, declared, total = "new", year, year, year, this_year
        if multi and rng.random() < 0.6:
            years = rng.choice((2, 3))
            if "工程" in label:  # construction: larger, spread over the years
                this_year = skewed_yuan(rng, int(2_500_000 * size), 0.8)
            if rng.random() < 0.5:  # started last year, now in its second year
                kind, start, declared = "continuing", year - 1, year - 1
            end = start + years - 1
            total = _round(this_year * years * rng.uniform(0.9, 1.4))
        amounts = _split(this_year, len(ecos), rng)
        plans.append(
            PlannedProject(
                f"{short}{label}",
                category,
                kind,
                start,
                end,
                total,
                declared,
                "budgeted",
                [
                    PlannedLine(eco, summary, fen)
                    for (eco, summary), fen in zip(ecos, amounts, strict=True)
                ],
                is_procurement=procurement,
            )
        )
    used = {line.eco for plan in plans for line in plan.lines}
    carried = [p for p in EXTRA_PROJECTS if not set(e for e, _ in p[2]) & used]
    if carried and rng.random() < 0.3:
        label, category, ecos, procurement, _ = rng.choice(carried)
        left = skewed_yuan(rng, int(120_000 * size), 1.0)
        total = _round(left / rng.uniform(0.15, 0.5))
        plans.append(
            PlannedProject(
                f"{short}{label}（上年结转）",
                category,
                "carried",
                year - 1,
                year,
                total,
                year - 1,
                "carried_over",
                [PlannedLine(ecos[0][0], f"{ecos[0][1]}（上年结转）", left)],
                source_type="02",
                is_procurement=procurement,
            )
        )
    for label in rng.sample(RESERVE_NAMES, rng.choice((0, 0, 1, 1, 2))):
        years = rng.choice((1, 1, 2, 3))
        plans.append(
            PlannedProject(
                f"{short}{label}项目",
                "3",
                "new",
                year + 1,
                year + years,
                skewed_yuan(rng, int(400_000 * size), 1.2) * years,
                year,
                "stored",
            )
        )
    return plans
