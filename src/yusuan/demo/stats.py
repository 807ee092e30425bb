"""What an official looks at first in a demo (DOMAIN-2 §1 C10): which functional codes carry the
lines, and how large the projects are. ``yusuan demo_stats`` prints these figures."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count

from yusuan.indicators.models import IndicatorLine
from yusuan.projects.models import Project

# Upper bounds of the project-total buckets, in yuan.
BUCKETS = (100_000, 500_000, 1_000_000, 5_000_000, 10_000_000, 50_000_000)


@dataclass
class Figures:
    lines: int = 0
    top_functional: list[tuple[str, int]] = field(default_factory=list)
    projects: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_state: dict[str, int] = field(default_factory=dict)
    multi_year: int = 0
    special_buckets: list[tuple[str, int]] = field(default_factory=list)
    special_median_yuan: int = 0
    special_max_yuan: int = 0
    code_lengths: dict[int, int] = field(default_factory=dict)


def _bucket_label(index: int) -> str:
    low = 0 if index == 0 else BUCKETS[index - 1]
    if index == len(BUCKETS):
        return f"> {low // 10_000:,} 万"
    return f"{low // 10_000:,}–{BUCKETS[index] // 10_000:,} 万"


def figures(*, mof_div_code: str, year: int) -> Figures:
    lines = IndicatorLine.objects.filter(mof_div_code=mof_div_code, fiscal_year=year)
    result = Figures(lines=lines.count())
    result.top_functional = list(
        lines.values("exp_func_code")
        .annotate(n=Count("id"))
        .order_by("-n", "exp_func_code")
        .values_list("exp_func_code", "n")[:10]
    )
    projects = list(Project.objects.filter(mof_div_code=mof_div_code))
    result.projects = len(projects)
    result.by_category = dict(sorted(Counter(p.category for p in projects).items()))
    result.by_kind = dict(sorted(Counter(p.kind for p in projects).items()))
    result.by_state = dict(sorted(Counter(p.state for p in projects).items()))
    result.multi_year = sum(1 for p in projects if p.end_year > p.start_year)
    result.code_lengths = dict(sorted(Counter(len(p.code) for p in projects).items()))
    special = sorted(p.total_amount_fen // 100 for p in projects if p.category in ("22", "3"))
    counts = Counter(
        next((i for i, bound in enumerate(BUCKETS) if yuan <= bound), len(BUCKETS))
        for yuan in special
    )
    result.special_buckets = [(_bucket_label(i), counts[i]) for i in range(len(BUCKETS) + 1)]
    if special:
        result.special_median_yuan = special[len(special) // 2]
        result.special_max_yuan = special[-1]
    return result


def report(data: Figures) -> list[str]:
    out = [f"Indicator lines: {data.lines}", "Top 10 functional codes by line count:"]
    out += [
        f"  {code}  {n:>5}  ({n * 100 / max(data.lines, 1):.1f} %)"
        for code, n in data.top_functional
    ]
    out += [
        f"Projects: {data.projects}; by category {data.by_category}; by kind {data.by_kind};",
        f"  by state {data.by_state}; multi-year {data.multi_year}; "
        f"code lengths {data.code_lengths}",
        "Totals of 其他运转类/特定目标类 projects (yuan):",
    ]
    out += [f"  {label:<14} {n:>5}" for label, n in data.special_buckets]
    out.append(
        f"  median {data.special_median_yuan:,} yuan; largest {data.special_max_yuan:,} yuan"
    )
    return out
