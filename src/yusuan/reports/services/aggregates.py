"""Keep the execution aggregates from the money events (ADR 0053, issue 22 item 1).

Every money channel has :func:`on_money_event`; it runs in the publisher's transaction, after
the ledger applied the movement. It takes the **bucket deltas from the ledger's own movements**
of the event's posting (exact; no event kind is mapped to buckets) and the **business day from
the event** (what the ledger lacks), and writes, in two statements:

1. ``PostingDay(posting, day)`` — unique per posting, so an event announced twice is refused;
2. one set-based upsert of ``ExecutionDay`` per (indicator line, day):
   ``INSERT … SELECT … GROUP BY … ON CONFLICT (line_id, day) DO UPDATE SET x = x + excluded.x``
   — atomic, no read-modify-write; the ledger already holds the lines' locks.

An event whose id names no posting (a refund registered, a salary month accrued, a refund of an
earlier year going to the treasury) moved no indicator money and writes nothing.

:func:`recompute` is the same ``GROUP BY`` over every movement with its posting day; the
command ``reports_check`` compares it with what the events kept, and ``--rebuild`` replaces it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor
from yusuan.common.events import money
from yusuan.indicators.choices import MovementKind
from yusuan.indicators.events import IndicatorPosted
from yusuan.indicators.models import IndicatorLine, Movement
from yusuan.reports import locks
from yusuan.reports.models import (
    BUCKET_MEASURES,
    MEASURES,
    ExecutionDay,
    ExecutionMonth,
    PostingDay,
)

MOVEMENT = Movement._meta.db_table
LINE = IndicatorLine._meta.db_table
POSTING_DAY = PostingDay._meta.db_table
EXECUTION_DAY = ExecutionDay._meta.db_table
EXECUTION_MONTH = ExecutionMonth._meta.db_table
# What each aggregate table groups by: the posting's day, or the first day of its month.
PERIODS = {"day": EXECUTION_DAY, "month": EXECUTION_MONTH}

# Movements that issue money or pass it down a tree (下达, 分解): over all lines their
# d_total − d_allocated is what was issued; any other change of total is an adjustment.
_ISSUING = (MovementKind.ISSUE, MovementKind.ALLOCATE_OUT, MovementKind.ALLOCATE_IN)


def _in(kinds: Iterable[str]) -> str:
    return ", ".join(f"'{kind}'" for kind in kinds)  # enum values: letters and underscores


# The measures of one movement row, in MEASURES order (summed by line and day).
_SUMS = (
    *(f"SUM(m.d_{bucket})" for bucket in BUCKET_MEASURES),
    f"SUM(CASE WHEN m.kind IN ({_in(_ISSUING)}) THEN m.d_total - m.d_allocated ELSE 0 END)",
    f"SUM(CASE WHEN m.kind = '{MovementKind.PAY}' THEN m.d_paid ELSE 0 END)",
    f"SUM(CASE WHEN m.kind = '{MovementKind.REFUND_RESTORE}' THEN -m.d_paid ELSE 0 END)",
)
_COLUMNS = ("line_id", "day", "mof_div_code", "fiscal_year", *MEASURES)
# Movements with their business day (or its month's first day) and their line's region and
# year, grouped.
_GROUPED = (
    f"SELECT m.line_id, {{day}}, l.mof_div_code, l.fiscal_year, {', '.join(_SUMS)} "  # noqa: S608 (names only)
    f"FROM {MOVEMENT} m JOIN {POSTING_DAY} pd ON pd.posting = m.posting "
    f"JOIN {LINE} l ON l.id = m.line_id "
    "WHERE {where} GROUP BY m.line_id, {day}, l.mof_div_code, l.fiscal_year"
)


def _day_of(period: str) -> str:
    """The SQL of the period's first day, from the posting day ``pd.day``."""
    if period == "day":
        return "pd.day"
    if connection.vendor == "postgresql":
        return "CAST(DATE_TRUNC('month', pd.day) AS date)"
    return "DATE(pd.day, 'start of month')"


def _grouped(period: str, where: str) -> str:
    return _GROUPED.format(day=_day_of(period), where=where)


def _upsert(period: str, where: str) -> str:
    """Add the grouped movements to the period's table: ``ON CONFLICT … x = x + excluded.x``."""
    table = PERIODS[period]
    return (
        f"INSERT INTO {table} ({', '.join(_COLUMNS)}) {_grouped(period, where)} "  # noqa: S608 (names only)
        "ON CONFLICT (line_id, day) DO UPDATE SET "
        + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in MEASURES)
    )


def _posting_db(posting: Any) -> Any:
    """A posting UUID as the database stores it (a string on SQLite)."""
    return PostingDay._meta.get_field("posting").get_db_prep_value(posting, connection)


def _marks(count: int) -> str:
    return ", ".join(["%s"] * count)


def record(events: Sequence[Any]) -> None:
    """Keep the aggregates of ``events`` (any money events, one business action's): one
    ``PostingDay`` insert and one upsert per business day among them."""
    postings: dict[dt.date, list[Any]] = defaultdict(list)  # known postings (indicator documents)
    keys: dict[dt.date, list[str]] = defaultdict(list)  # the postings' ledger keys (the rest)
    for event in events:
        if isinstance(event, IndicatorPosted):
            postings[event.business_date].append(_posting_db(event.posting_id))
        else:
            keys[event.business_date].append(event.event_id)
    with connection.cursor() as cursor:
        for day, ids in postings.items():
            cursor.execute(
                f"INSERT INTO {POSTING_DAY} (posting, day) VALUES "  # noqa: S608 (names only)
                + ", ".join(["(%s, %s)"] * len(ids)),
                [value for posting in ids for value in (posting, day)],
            )
            for period in PERIODS:
                cursor.execute(_upsert(period, f"m.posting IN ({_marks(len(ids))})"), ids)
        for day, named in keys.items():
            cursor.execute(
                f"INSERT INTO {POSTING_DAY} (posting, day) "  # noqa: S608 (names only)
                f"SELECT posting, %s FROM {MOVEMENT} WHERE op_key IN ({_marks(len(named))})",
                [day, *named],
            )
            if cursor.rowcount == 0:
                continue  # no indicator money moved (a refund registered, a salary accrued)
            where = (
                f"m.posting IN (SELECT posting FROM {MOVEMENT} "  # noqa: S608 (names only)
                f"WHERE op_key IN ({_marks(len(named))}))"
            )
            for period in PERIODS:
                cursor.execute(_upsert(period, where), named)


def on_money_event(event: Any) -> None:
    """Every money channel's handler: the event's posting counted on its business day."""
    record([event])


def subscribe() -> None:
    """Subscribe to every money channel (``ReportsConfig.ready``), with the batch form where a
    channel publishes many at once (a bank file's results, ADR 0049)."""
    for channel in money.channels():
        channel.subscribe(on_money_event, many=record)


# --- Recomputation from the ledger (the rebuild command and the consistency panel).


@dataclass(frozen=True)
class Unannounced:
    """A ledger movement no money event gave a business day: money moved without an event."""

    movement_id: int
    line_id: int
    kind: str
    document_id: int | None
    source_type: str
    source_id: str
    source_no: str


@dataclass(frozen=True)
class Difference:
    """One (line, day) — or (line, month) — where the kept aggregate and the recomputation
    differ."""

    line_id: int
    day: dt.date  # the month's first day for a month row
    kept: tuple[int, ...]  # MEASURES order; zeros where no row was kept
    computed: tuple[int, ...]
    period: str = "day"  # "day" (ExecutionDay) or "month" (ExecutionMonth)


@dataclass(frozen=True)
class Check:
    rows: int  # recomputed (line, day) rows
    differences: list[Difference]  # day rows first, then month rows
    unannounced: list[Unannounced]

    @property
    def ok(self) -> bool:
        return not self.differences and not self.unannounced


def _scope(
    alias: str, region: str | None, year: int | None, lines: Sequence[int] | None = None
) -> tuple[str, list[Any]]:
    prefix = f"{alias}." if alias else ""
    parts: list[str] = ["1 = 1"]
    params: list[Any] = []
    if lines is not None:  # a few lines (the consistency panel's differing ones)
        column = "l.id" if alias == "l" else f"{prefix}line_id"
        parts.append(f"{column} IN ({_marks(len(lines))})" if lines else "1 = 0")
        params.extend(lines)
    if region is not None:
        parts.append(f"{prefix}mof_div_code = %s")
        params.append(region)
    if year is not None:
        parts.append(f"{prefix}fiscal_year = %s")
        params.append(year)
    return " AND ".join(parts), params


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def recompute(
    *,
    region: str | None = None,
    year: int | None = None,
    period: str = "day",
    lines: Sequence[int] | None = None,
) -> dict[Any, tuple[int, ...]]:
    """``{(line id, day): measures}`` from the ledger's movements and their posting days (by
    month: the month's first day)."""
    where, params = _scope("l", region, year, lines)
    with connection.cursor() as cursor:
        cursor.execute(_grouped(period, where), params)
        return {(row[0], _day(row[1])): tuple(int(v) for v in row[4:]) for row in cursor.fetchall()}


def kept(
    *,
    region: str | None = None,
    year: int | None = None,
    period: str = "day",
    lines: Sequence[int] | None = None,
) -> dict[Any, tuple[int, ...]]:
    """``{(line id, day): measures}`` as the events kept them in the period's table."""
    where, params = _scope("e", region, year, lines)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT e.line_id, e.day, {', '.join(f'e.{c}' for c in MEASURES)} "  # noqa: S608 (names only)
            f"FROM {PERIODS[period]} e WHERE {where}",
            params,
        )
        return {(row[0], _day(row[1])): tuple(int(v) for v in row[2:]) for row in cursor.fetchall()}


def unannounced(
    *, region: str | None = None, year: int | None = None, lines: Sequence[int] | None = None
) -> list[Unannounced]:
    """Movements whose posting has no business day: no money event announced them."""
    where, params = _scope("l", region, year, lines)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.id, m.line_id, m.kind, m.document_id, m.source_type, m.source_id, "  # noqa: S608 (names only)
            f"m.source_no FROM {MOVEMENT} m JOIN {LINE} l ON l.id = m.line_id "
            f"LEFT JOIN {POSTING_DAY} pd ON pd.posting = m.posting "
            f"WHERE pd.id IS NULL AND {where} ORDER BY m.id",
            params,
        )
        return [Unannounced(*row) for row in cursor.fetchall()]


def check(
    *, region: str | None = None, year: int | None = None, lines: Sequence[int] | None = None
) -> Check:
    """Compare what the events kept with a recomputation from the ledger, in one snapshot
    (outside a transaction on PostgreSQL; inside one, the caller's); of ``lines`` only when
    given."""
    fresh = not connection.in_atomic_block
    with transaction.atomic():
        if fresh and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        computed = {p: recompute(region=region, year=year, period=p, lines=lines) for p in PERIODS}
        stored = {p: kept(region=region, year=year, period=p, lines=lines) for p in PERIODS}
        missing = unannounced(region=region, year=year, lines=lines)
    zero = (0,) * len(MEASURES)
    differences = [
        Difference(key[0], key[1], stored[p].get(key, zero), computed[p].get(key, zero), p)
        for p in PERIODS
        for key in sorted(set(computed[p]) | set(stored[p]))
        if stored[p].get(key, zero) != computed[p].get(key, zero)
    ]
    return Check(rows=len(computed["day"]), differences=differences, unannounced=missing)


def rebuild(*, actor: Actor | None, region: str | None = None, year: int | None = None) -> int:
    """Replace the aggregates of ``region`` and ``year`` (all when ``None``), days and months,
    by the recomputation; returns the rows written. Audited with what it replaced."""
    with transaction.atomic():
        locks.execution_aggregates_lock()
        before = check(region=region, year=year)
        written = 0
        with connection.cursor() as cursor:
            for period, table in PERIODS.items():
                where, params = _scope("", region, year)
                cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608 (names only)
                where, params = _scope("l", region, year)
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(_COLUMNS)}) "  # noqa: S608 (names only)
                    + _grouped(period, where),
                    params,
                )
                written += cursor.rowcount
        audit_record(
            action="reports.rebuild",
            actor=actor,
            object_type="reports.executionday",
            object_repr="execution aggregates",
            mof_div_code=region or "",
            fiscal_year=year,
            extra={
                "rows": written,
                "differences": len(before.differences),
                "unannounced": len(before.unannounced),
            },
        )
    return written
