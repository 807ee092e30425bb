"""Execution reports read from the kept aggregates (issue 22 item 2, ADR 0053).

Two queries group the kept rows (never payments) by the raw keys the chosen dimensions need: the
``ExecutionMonth`` rows of the whole months before the as-of day's month and the ``ExecutionDay``
rows after; a department, a 类 or a month is then folded from them here. The same queries for the
year before, up to the same day, give "the same period last year".

Figures follow DOMAIN §6.1: the budget is Σ (total − allocated) up to the as-of day (年初数
``issued`` + 调整数 ``adjusted``); ``paid`` is net of same-year refunds and corrections; the
execution rate is paid ÷ budget, 序时进度 the share of the year gone, and the gap between them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, Substr
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError
from yusuan.core.choices import CodeKind
from yusuan.core.models import Organisation, Region
from yusuan.core.validation import code_names
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.projects.models import Project
from yusuan.reports.models import ExecutionDay, ExecutionFigures, ExecutionMonth

VIEW = "reports.view_executionday"
Figures = TypeVar("Figures", bound=ExecutionFigures)


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str | Promise
    raw: str  # the name of the raw key in the grouped query
    expr: Any  # what the query groups by (on ExecutionDay and ExecutionMonth)
    names: str  # how keys become names: region, organisation, department, project, line, code:<kind>, kind, month, tracking
    fold: Callable[[Any, Mapping[int, str]], Any] = lambda value, _paths: value
    down: str = ""  # the dimension a row drills down into
    filter: str = ""  # the Filters field a drill-down from a row sets to its key (default: key)

    @property
    def filter_field(self) -> str:
        return self.filter or self.key


def _department(value: Any, paths: Mapping[int, str]) -> Any:
    if value is None:
        return None
    path = paths.get(int(value), "")
    head = path.strip("/").split("/")[0]
    return int(head) if head.isdigit() else value


DIMENSIONS: dict[str, Dimension] = {
    d.key: d
    for d in (
        Dimension("region", _("Region"), "region", F("mof_div_code"), "region", down="department"),
        Dimension(
            "department",
            _("Department"),
            "organisation",
            F("line__organisation_id"),
            "organisation",
            fold=_department,
            down="unit",
        ),
        Dimension(
            "unit",
            _("Unit"),
            "organisation",
            F("line__organisation_id"),
            "organisation",
            down="project",
        ),
        Dimension(
            "project", _("Project"), "project", F("line__project_id"), "project", down="line"
        ),
        Dimension("line", _("Indicator"), "line", F("line_id"), "line"),
        Dimension(
            "func_class",
            _("Functional class (类)"),
            "func_class",
            Substr("line__exp_func_code", 1, 3),
            f"code:{CodeKind.FUNCTIONAL}",
            down="func_kind",
            filter="exp_func_code",
        ),
        Dimension(
            "func_kind",
            _("Functional class (款)"),
            "func_kind",
            Substr("line__exp_func_code", 1, 5),
            f"code:{CodeKind.FUNCTIONAL}",
            down="func_item",
            filter="exp_func_code",
        ),
        Dimension(
            "func_item",
            _("Functional class (项)"),
            "func_item",
            F("line__exp_func_code"),
            f"code:{CodeKind.FUNCTIONAL}",
            down="line",
            filter="exp_func_code",
        ),
        Dimension(
            "eco_class",
            _("Economic class (类)"),
            "eco_class",
            Substr("line__dep_bgt_eco_code", 1, 3),
            f"code:{CodeKind.DEPARTMENT_ECONOMIC}",
            down="eco",
            filter="dep_bgt_eco_code",
        ),
        Dimension(
            "eco",
            _("Economic class (款)"),
            "eco",
            F("line__dep_bgt_eco_code"),
            f"code:{CodeKind.DEPARTMENT_ECONOMIC}",
            down="line",
            filter="dep_bgt_eco_code",
        ),
        Dimension(
            "gov_eco",
            _("Government economic class"),
            "gov_eco",
            F("line__gov_bgt_eco_code"),
            f"code:{CodeKind.GOVERNMENT_ECONOMIC}",
            down="line",
            filter="gov_bgt_eco_code",
        ),
        Dimension(
            "fund_type",
            _("Fund nature"),
            "fund_type",
            F("line__fund_type_code"),
            f"code:{CodeKind.FUND_TYPE}",
            down="department",
        ),
        Dimension(
            "source",
            _("Indicator source"),
            "source",
            F("line__source_type_code"),
            f"code:{CodeKind.SOURCE_TYPE}",
            down="department",
        ),
        Dimension(
            "tracking",
            _("Direct funds tracking code (直达)"),
            "tracking",
            F("line__track_pro_code"),
            "tracking",
            down="unit",
        ),
        Dimension("kind", _("Indicator type"), "kind", F("line__kind"), "kind", down="unit"),
        Dimension("month", _("Month"), "month", ExtractMonth("day"), "month", down="unit"),
    )
}


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to (each also a dimension's key: a drill-down sets one)."""

    region: str = ""
    department: int | None = None
    unit: int | None = None
    project: int | None = None
    line: int | None = None
    exp_func_code: str = ""  # a 类/款/项 code: its prefix
    dep_bgt_eco_code: str = ""  # a department economic code: its prefix
    gov_bgt_eco_code: str = ""
    fund_type: str = ""
    source: str = ""
    tracking: str = ""
    direct: bool = False  # 直达资金 only
    kind: str = ""
    month: int | None = None


# The amount measures of a row, in fen.
AMOUNTS = (
    "budget",
    "issued",
    "adjusted",
    "available",
    "reserved",
    "frozen",
    "held",
    "paid",
    "payments",
    "refunds",
    "period_paid",
    "last_year_paid",
)


@dataclass
class ExecutionRow:
    keys: tuple[Any, ...]
    names: tuple[str, ...]
    budget: int = 0
    issued: int = 0
    adjusted: int = 0
    available: int = 0
    reserved: int = 0
    frozen: int = 0
    held: int = 0
    paid: int = 0
    payments: int = 0
    refunds: int = 0
    period_paid: int = 0  # paid (net) between the period's first day and the as-of day
    last_year_paid: int = 0  # paid (net) in the previous year up to the same day
    sort_name: str = ""  # the first dimension's name (the grid sorts by it)

    @property
    def rate(self) -> Decimal | None:
        """Execution rate in percent (two places), None without a budget."""
        return percent(self.paid, self.budget)

    def add(self, other: Mapping[str, int]) -> None:
        for name in AMOUNTS:
            setattr(self, name, getattr(self, name) + int(other.get(name, 0)))


def percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def time_progress(as_of: dt.date) -> Decimal:
    """序时进度: the share of the year gone by the end of ``as_of``, in percent."""
    first = dt.date(as_of.year, 1, 1)
    days = (dt.date(as_of.year + 1, 1, 1) - first).days
    return percent((as_of - first).days + 1, days) or Decimal(0)


@dataclass
class ExecutionReport:
    dimensions: tuple[Dimension, ...]
    year: int
    as_of: dt.date
    period_from: dt.date
    filters: Filters
    rows: list[ExecutionRow]
    total: ExecutionRow
    progress: Decimal  # 序时进度, percent
    filter_names: list[tuple[str, str]] = field(default_factory=list)  # (label, value) for titles


def bad_parameter(field: str, value: object, zh: str, en: str) -> BusinessRuleError:
    """A report parameter refused: its name, what was given (cut to 60 characters), why."""
    return BusinessRuleError.single(
        code="reports.bad_parameter",
        field=field,
        value=str(value)[:60],
        message_zh=zh,
        message_en=en,
    )


def dimensions_of(keys: Sequence[str]) -> tuple[Dimension, ...]:
    """One or two dimensions by key (refused by name otherwise)."""
    if not 1 <= len(keys) <= 2:
        raise bad_parameter(
            "dims", ",".join(keys), "请选择一至两个分析维度", "choose one or two dimensions"
        )
    unknown = [k for k in keys if k not in DIMENSIONS]
    if unknown:
        raise bad_parameter(
            "dims",
            ",".join(unknown),
            f"未知的分析维度：{'、'.join(unknown)}；可选：{'、'.join(DIMENSIONS)}",
            f"unknown dimension {', '.join(unknown)}; choose from {', '.join(DIMENSIONS)}",
        )
    if len(set(keys)) != len(keys):
        raise bad_parameter(
            "dims", ",".join(keys), "两个维度不能相同", "the two dimensions must differ"
        )
    return tuple(DIMENSIONS[k] for k in keys)


def _filtered(qs: QuerySet[Figures], filters: Filters) -> QuerySet[Figures]:
    q = Q()
    if filters.region:
        q &= Q(mof_div_code=filters.region)
    if filters.department is not None:
        q &= Q(line__organisation__path__startswith=f"/{filters.department}/")
    if filters.unit is not None:
        q &= Q(line__organisation_id=filters.unit)
    if filters.project is not None:
        q &= Q(line__project_id=filters.project)
    if filters.line is not None:
        q &= Q(line_id=filters.line)
    if filters.exp_func_code:
        q &= Q(line__exp_func_code__startswith=filters.exp_func_code)
    if filters.dep_bgt_eco_code:
        q &= Q(line__dep_bgt_eco_code__startswith=filters.dep_bgt_eco_code)
    if filters.gov_bgt_eco_code:
        q &= Q(line__gov_bgt_eco_code=filters.gov_bgt_eco_code)
    if filters.fund_type:
        q &= Q(line__fund_type_code=filters.fund_type)
    if filters.source:
        q &= Q(line__source_type_code=filters.source)
    if filters.tracking:
        q &= Q(line__track_pro_code=filters.tracking)
    if filters.direct:
        q &= Q(line__is_dir=True)
    if filters.kind:
        q &= Q(line__kind=filters.kind)
    if filters.month is not None:
        q &= Q(day__month=filters.month)
    return qs.filter(q)


def _grouped(
    qs: QuerySet[Any], dims: Sequence[Dimension], period_from: dt.date
) -> list[dict[str, Any]]:
    raws = {d.raw: d.expr for d in dims}
    paid_in_period = Sum("paid", filter=Q(day__gte=period_from))
    grouped: Any = (
        qs.order_by()
        .values(**raws)
        .annotate(
            s_total=Sum("total"),
            s_allocated=Sum("allocated"),
            s_available=Sum("available"),
            s_reserved=Sum("reserved"),
            s_frozen=Sum("frozen"),
            s_held=Sum("held"),
            s_paid=Sum("paid"),
            s_issued=Sum("issued"),
            s_payments=Sum("payments"),
            s_refunds=Sum("refunds"),
            s_period=paid_in_period,
        )
    )
    return list(grouped)


def _in_year(
    actor: Actor,
    dims: Sequence[Dimension],
    filters: Filters,
    year: int,
    split: dt.date,
    as_of: dt.date,
    period_from: dt.date,
) -> list[dict[str, Any]]:
    """The grouped figures of ``year`` up to ``as_of``: the months before ``split`` (a month's
    first day) and the days from it. A key may come twice; the caller adds them up."""
    months = ExecutionMonth.objects.visible_to(actor).filter(fiscal_year=year, day__lt=split)
    days = ExecutionDay.objects.visible_to(actor).filter(
        fiscal_year=year, day__gte=split, day__lte=as_of
    )
    return [
        *_grouped(_filtered(months, filters), dims, period_from),
        *_grouped(_filtered(days, filters), dims, period_from),
    ]


def _measures(row: Mapping[str, Any]) -> dict[str, int]:
    def get(name: str) -> int:
        return int(row.get(f"s_{name}") or 0)

    budget = get("total") - get("allocated")
    return {
        "budget": budget,
        "issued": get("issued"),
        "adjusted": budget - get("issued"),
        "available": get("available"),
        "reserved": get("reserved"),
        "frozen": get("frozen"),
        "held": get("held"),
        "paid": get("paid"),
        "payments": get("payments"),
        "refunds": get("refunds"),
        "period_paid": get("period"),
    }


def _paths(ids: set[int]) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "path"))


def _key(
    row: Mapping[str, Any], dims: Sequence[Dimension], paths: Mapping[int, str]
) -> tuple[Any, ...]:
    return tuple(d.fold(row[d.raw], paths) for d in dims)


def _same_day_last_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def execution_report(
    actor: Actor,
    *,
    dims: Sequence[str],
    year: int,
    as_of: dt.date,
    period_from: dt.date | None = None,
    filters: Filters | None = None,
) -> ExecutionReport:
    """Execution of ``year`` up to the end of ``as_of``, by one or two dimensions, within what
    ``actor`` may see (another unit's lines are not there: the scope of ADR 0003)."""
    dimensions = dimensions_of(dims)
    filters = filters or Filters()
    start = dt.date(year, 1, 1)
    period_from = period_from or as_of.replace(day=1)
    if period_from > as_of:
        raise bad_parameter(
            "from",
            period_from.isoformat(),
            f"期间起始日 {period_from} 晚于截止日 {as_of}",
            f"the period starts on {period_from}, after the as-of day {as_of}",
        )
    # Whole months before the split from the month rows, the days after it from the day rows
    # (a few weeks of lines × days instead of a year's: bench/execution.py).
    split = min(as_of, period_from).replace(day=1)
    current = _in_year(actor, dimensions, filters, year, split, as_of, max(period_from, start))
    previous = _in_year(
        actor,
        dimensions,
        filters,
        year - 1,
        _same_day_last_year(split),
        _same_day_last_year(as_of),
        _same_day_last_year(period_from),
    )
    organisation_ids = {
        int(r[d.raw])
        for r in current + previous
        for d in dimensions
        if d.names == "organisation" and r[d.raw] is not None
    }
    paths = _paths(organisation_ids)
    rows: dict[tuple[Any, ...], ExecutionRow] = {}
    for raw in current:
        key = _key(raw, dimensions, paths)
        rows.setdefault(key, ExecutionRow(key, ())).add(_measures(raw))
    for raw in previous:
        key = _key(raw, dimensions, paths)
        if key in rows:  # a key only last year (a project since closed) is left out
            rows[key].last_year_paid += _measures(raw)["paid"]
    regions = sorted(actor.scope.mof_div_codes)
    names = _names(dimensions, list(rows), year, regions)
    listed = []
    for key, row in rows.items():
        row.names = tuple(names[i].get(value, _blank(value)) for i, value in enumerate(key))
        row.sort_name = row.names[0]
        listed.append(row)
    listed.sort(key=lambda r: tuple(str(k) for k in r.keys))
    total = ExecutionRow((), ())
    for row in listed:
        total.add({name: getattr(row, name) for name in AMOUNTS})
    return ExecutionReport(
        dimensions=dimensions,
        year=year,
        as_of=as_of,
        period_from=period_from,
        filters=filters,
        rows=listed,
        total=total,
        progress=time_progress(as_of),
        filter_names=filter_names(filters, year, regions),
    )


def _blank(value: Any) -> str:
    return str(value) if value not in (None, "") else "—"


def _names(
    dims: Sequence[Dimension], keys: list[tuple[Any, ...]], year: int, regions: Sequence[str]
) -> list[dict[Any, str]]:
    """The name of every key, per dimension, one query per dimension."""
    out: list[dict[Any, str]] = []
    for index, dim in enumerate(dims):
        values = {key[index] for key in keys if key[index] not in (None, "")}
        out.append(name_values(dim.names, values, year, regions))
    return out


def name_values(kind: str, values: set[Any], year: int, regions: Sequence[str]) -> dict[Any, str]:
    """Names of ``values`` of one dimension (codes with their names, organisations…)."""
    if not values:
        return {}
    if kind == "region":
        return dict(
            Region.objects.filter(mof_div_code__in=values).values_list("mof_div_code", "name")
        )
    if kind == "organisation":
        return dict(Organisation.objects.filter(pk__in=values).values_list("pk", "name"))
    if kind == "project":
        return {
            pk: f"{code} {name}"
            for pk, code, name in Project.objects.filter(pk__in=values).values_list(
                "pk", "code", "name"
            )
        }
    if kind == "line":
        return {
            pk: f"{code} {summary}".strip()
            for pk, code, summary in IndicatorLine.objects.filter(pk__in=values).values_list(
                "pk", "code", "summary"
            )
        }
    if kind.startswith("code:"):
        found: dict[Any, str] = {}
        for region in regions:
            names = code_names(mof_div_code=region, fiscal_year=year, kind=kind[5:], codes=values)
            for code, name in names.items():
                found.setdefault(code, f"{code} {name}")
            if len(found) == len(values):
                break
        return {v: found.get(v, str(v)) for v in values}
    if kind == "kind":
        return {v: str(LineKind(v).label) if v in LineKind.values else str(v) for v in values}
    if kind == "month":
        return {v: f"{int(v)}月" for v in values}
    return {v: str(v) for v in values}


def filter_names(filters: Filters, year: int, regions: Sequence[str]) -> list[tuple[str, str]]:
    """The filters in words, for a report's title (and its Excel and PDF)."""
    out: list[tuple[str, str]] = []
    for dim_key, value in (
        ("region", filters.region or None),
        ("department", filters.department),
        ("unit", filters.unit),
        ("project", filters.project),
        ("line", filters.line),
        ("func_item", filters.exp_func_code or None),
        ("eco", filters.dep_bgt_eco_code or None),
        ("gov_eco", filters.gov_bgt_eco_code or None),
        ("fund_type", filters.fund_type or None),
        ("source", filters.source or None),
        ("tracking", filters.tracking or None),
        ("kind", filters.kind or None),
        ("month", filters.month),
    ):
        if value is None:
            continue
        dim = DIMENSIONS[dim_key]
        named = name_values(dim.names, {value}, year, regions).get(value, str(value))
        out.append((str(dim.label), named))
    if filters.direct:
        out.append((str(_("Direct funds (直达资金)")), str(_("only"))))
    return out
