"""The execution report's parameters as the page's query string and the API take them: read
once here, so that both show the same figures for the same address (issue 22 item 7)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

from yusuan.common.actor import Actor
from yusuan.common.ids import parse_id
from yusuan.reports.consistency import LEVELS
from yusuan.reports.selectors import (
    DIMENSIONS,
    ExecutionReport,
    Filters,
    bad_parameter,
    dimensions_of,
    execution_report,
)

INT_FILTERS = ("department", "unit", "project", "line", "month")
TEXT = re.compile(r"^[0-9A-Za-z_\-]{1,40}$")  # codes, tracking codes, kinds


@dataclass(frozen=True)
class ReportParams:
    dims: tuple[str, ...]
    year: int
    as_of: dt.date
    period_from: dt.date | None
    filters: Filters


def _date(raw: Mapping[str, str], name: str) -> dt.date | None:
    text = (raw.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise bad_parameter(
            name,
            text,
            f"{name} 不是日期（应为 2026-06-30 的格式）",
            f"{name} is not a date (2026-06-30)",
        ) from None


def year_of(raw: Mapping[str, str], today: dt.date) -> int:
    year_text = (raw.get("year") or "").strip()
    year = parse_id(year_text) if year_text else today.year
    if year is None or not 2000 <= year <= 2100:
        raise bad_parameter("year", year_text, "年度应在 2000–2100 之间", "year must be 2000–2100")
    return year


@dataclass(frozen=True)
class PanelParams:
    """The consistency panel's: the year, the level shown and the row above it (``under``)."""

    year: int
    level: str
    under: str


def read_panel(raw: Mapping[str, str], *, today: dt.date) -> PanelParams:
    """The consistency panel's parameters; each bad one refused by name."""
    year = year_of(raw, today)
    level = (raw.get("level") or "department").strip()
    if level not in LEVELS:
        raise bad_parameter(
            "level",
            level,
            f"层级只能是 {'、'.join(LEVELS)} 之一",
            f"level must be one of {', '.join(LEVELS)}",
        )
    under = (raw.get("under") or "").strip()
    if under and not TEXT.match(under):
        raise bad_parameter(
            "under", under, "under 只能是代码或编号", "under must be a code or an id"
        )
    return PanelParams(year, level, under)


def read(raw: Mapping[str, str], *, today: dt.date) -> ReportParams:
    """The parameters in ``raw`` (a query string); each bad one refused by name."""
    if raw.get("d1"):  # the page's two selects
        dims = tuple(dict.fromkeys(d for d in (raw["d1"], raw.get("d2") or "") if d))
    else:
        dims = tuple(d for d in (raw.get("dims") or "department").split(",") if d)
    year = year_of(raw, today)
    as_of = _date(raw, "as_of") or (today if today.year == year else dt.date(year, 12, 31))
    if as_of.year != year:
        raise bad_parameter(
            "as_of",
            as_of.isoformat(),
            f"截止日 {as_of} 不在 {year} 年度内",
            f"the as-of day {as_of} is not in {year}",
        )
    values: dict[str, object] = {}
    for f in fields(Filters):
        text = (raw.get(f.name) or "").strip()
        if not text:
            continue
        if f.name == "direct":
            values["direct"] = text in ("1", "true", "on")
        elif f.name in INT_FILTERS:
            number = parse_id(text)
            if number is None or (f.name == "month" and number > 12):
                raise bad_parameter(
                    f.name, text, f"{f.name} 应为正整数", f"{f.name} must be a positive number"
                )
            values[f.name] = number
        elif TEXT.match(text):
            values[f.name] = text
        else:
            raise bad_parameter(
                f.name,
                text,
                f"{f.name} 只能是代码（字母、数字）",
                f"{f.name} must be a code (letters, digits)",
            )
    dimensions_of(dims)  # refused by name here, before any figure is read
    return ReportParams(dims, year, as_of, _date(raw, "from"), Filters(**values))  # type: ignore[arg-type]


def drill(params: ReportParams, dim: str, key: object) -> dict[str, str] | None:
    """The query of the report one level down from ``dim``'s row ``key``; None at the bottom."""
    down = DIMENSIONS[dim].down
    if not down or key in (None, ""):
        return None
    query = query_of(params)
    query[DIMENSIONS[dim].filter_field] = str(key)
    dims = [down if d == dim else d for d in params.dims]
    query["dims"] = ",".join(dict.fromkeys(dims))
    return query


def query_of(params: ReportParams) -> dict[str, str]:
    """``params`` as a query string's values."""
    query = {
        "dims": ",".join(params.dims),
        "year": str(params.year),
        "as_of": params.as_of.isoformat(),
    }
    if params.period_from is not None:
        query["from"] = params.period_from.isoformat()
    for f in fields(Filters):
        value = getattr(params.filters, f.name)
        if value in (None, "", False):
            continue
        query[f.name] = "1" if value is True else str(value)
    return query


def report_of(actor: Actor, found: ReportParams) -> ExecutionReport:
    """The report these parameters ask for (the page and the API alike)."""
    return execution_report(
        actor,
        dims=found.dims,
        year=found.year,
        as_of=found.as_of,
        period_from=found.period_from,
        filters=found.filters,
    )
