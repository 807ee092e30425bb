"""Indicator ledger throughput on PostgreSQL against pgbench TPC-B on the same server (issue 4).

Usage: .venv/bin/python bench/indicators.py [--seconds 8] [--pgbench-seconds 10] [--profile]
       [--unprepared] [--keep]                                         (about 2 ½ minutes)
Environment: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server; the
script creates and drops two scratch databases there, ``yusuan_bench_indicators_<run>`` (migrated with
``yusuan.conf.test`` and DATABASE_URL pointing at it; 10,001 executable lines issued through one
balanced ISSUE posting of the ledger) and ``yusuan_pgbench_<run>`` (``pgbench -i -s 10``; ``<run>`` is this run's id, so two benches
on one server never drop each other's databases). It never
touches any other database.

What it measures, in one run, at 1, 4 and 16 concurrent workers (processes, one connection each):

- ledger: one *pair* is ``apply("freeze", [Op(line, 1 yuan)], op_key=…)`` then
  ``apply("pay", …)`` from ``yusuan.indicators.services.ledger`` — two transactions, each one
  statement (``INSERT … ON CONFLICT (op_key) DO NOTHING`` of the movement and the conditional
  ``UPDATE`` of the line in one data-modifying CTE), through Django with the settings' prepared
  statements; reported as pairs per second;
- unprepared (``--unprepared``, +45 s): the same with ``YUSUAN_DB_PREPARED=false`` (Django's
  client-side binding, nothing prepared: what a transaction-mode pooler needs, ADR 0010);
- raw SQL: the same two transactions written by hand with psycopg as two statements each (no
  Django; psycopg prepares them after five runs), to show what Python and Django cost;
- on (a) one hot line, every worker on the same row, and (b) 10,000 spread lines, each worker
  picking a random line per pair;
- pgbench: TPC-B-like TPS (5 statements per transaction) at the same client counts.

Ratios are pairs per second over pgbench TPS (conservative: a pair is two commits). The goal of
issue 4 is spread lines at 16 workers ≥ 0.25 × pgbench at 16 clients. Afterwards the ledger must
reconcile (``yusuan.indicators.selectors.reconcile() == []``) or the script exits non-zero. When
the goal is missed, or with ``--profile``, one ledger worker is profiled with cProfile. On a
shared machine the figures move by ±20 %; the load average at the start is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import logging
import multiprocessing as mp
import os
import pstats
import random
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pgref import (
    PGBENCH_DB,
    SERVER,
    Reference,
    bracketed,
    drop_database,
    pgbench_init,
    python_calibration,
    recreate_database,
    scratch,
)

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = scratch("yusuan_bench_indicators")
WORKERS = (1, 4, 16)
SPREAD_LINES = 10_000
AMOUNT = 100  # fen per freeze and pay
GOAL = 0.25

os.environ["DATABASE_URL"] = f"{SERVER}/{BENCH_DB}"
os.environ["DJANGO_SETTINGS_MODULE"] = "yusuan.conf.test"
sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

import psycopg  # noqa: E402

django.setup()
# The bench calls the ledger directly, outside any business action, so no audit record claims its
# movements (ADR 0017): the warning that says so would print once per transaction.
logging.getLogger("yusuan.audit").setLevel(logging.ERROR)

from django.core.management import call_command  # noqa: E402
from django.db import connections, transaction  # noqa: E402

from yusuan.core.choices import OrganisationKind  # noqa: E402
from yusuan.core.models import Organisation  # noqa: E402
from yusuan.identity.models import User  # noqa: E402
from yusuan.indicators.choices import (  # noqa: E402
    DocumentKind,
    DocumentState,
    LineKind,
    MovementKind,
    SourceDrawKind,
    SourceKind,
)
from yusuan.indicators.models import (  # noqa: E402
    IndicatorDocument,
    IndicatorLine,
    IndicatorSource,
    SourceDraw,
)
from yusuan.indicators.selectors import reconcile  # noqa: E402
from yusuan.indicators.services.ledger import Leg, Op, Posting, apply, post  # noqa: E402
from yusuan.indicators.services.sources import Draw, draw_sources  # noqa: E402


@dataclass(frozen=True)
class Fixture:
    actor_id: int
    hot: list[int]
    spread: list[int]


# --- Scratch databases -------------------------------------------------------------------------


def prepare_ledger() -> Fixture:
    """Migrate, then issue 10,001 executable lines through one balanced ledger posting."""
    call_command("migrate", verbosity=0)
    unit = Organisation.objects.create(
        mof_div_code="320509",
        code="BENCH",
        name="基准测试财政局",
        kind=OrganisationKind.FINANCE_BUREAU,
    )
    actor = User.objects.create(username="bench", organisation=unit)
    document = IndicatorDocument.objects.create(
        mof_div_code="320509",
        fiscal_year=2026,
        number="XD-BENCH",
        kind=DocumentKind.ISSUE,
        organisation=unit,
        title="基准测试指标下达",
        state=DocumentState.POSTED,
        created_by=actor,
    )
    lines = IndicatorLine.objects.bulk_create(
        IndicatorLine(
            mof_div_code="320509",
            fiscal_year=2026,
            code=f"ZBBENCH{i:07d}",
            kind=LineKind.EXECUTABLE,
            origin_document=document,
            organisation=unit,
            summary="hot line" if i == 0 else "spread line",
        )
        for i in range(SPREAD_LINES + 1)
    )
    ids = sorted(line.pk for line in lines)
    amounts = {ids[0]: 10**13, **{pk: 10**10 for pk in ids[1:]}}
    posting = Posting(
        legs=[
            Leg(pk, MovementKind.ISSUE, {"total": x, "available": x}, -x)
            for pk, x in amounts.items()
        ],
        actor_id=actor.pk,
        document_id=document.pk,
    )
    # R-IN-7 (ADR 0026): the issue draws from a source, so reconcile holds.
    source = IndicatorSource.objects.create(
        mof_div_code="320509",
        fiscal_year=2026,
        code="LY-BENCH",
        kind=SourceKind.BUDGET_LINE,
        name="基准测试预算",
        holder=unit,
        amount=sum(amounts.values()),
        created_by=actor,
    )
    SourceDraw.objects.create(
        source=source,
        kind=SourceDrawKind.OPEN,
        d_amount=source.amount,
        actor=actor,
        created_at=datetime.now(UTC),
    )
    with transaction.atomic():
        post(posting)
        draw_sources(
            draws=[Draw(source.pk, drawn=source.amount)],
            posting=posting.posting_id,
            document_id=document.pk,
            actor_id=actor.pk,
        )
    return Fixture(actor_id=actor.pk, hot=ids[:1], spread=ids[1:])


# --- Workers -------------------------------------------------------------------------------------


def ledger_pair(line: int, key: str, actor_id: int) -> None:
    ops = [Op(line, AMOUNT)]
    applied = apply("freeze", ops, actor_id=actor_id, source_type="bench", op_key=f"{key}f")
    applied &= apply("pay", ops, actor_id=actor_id, source_type="bench", op_key=f"{key}p")
    if not applied:
        raise RuntimeError(f"op_key {key} was applied twice")


MOVEMENT_SQL = (
    "INSERT INTO indicators_movement (posting, line_id, kind, d_total, d_available, d_allocated,"
    " d_reserved, d_frozen, d_held, d_paid, d_outside, document_id, source_type, source_id,"
    " source_no, op_key, actor_id, created_at)"
    " VALUES (%s, %s, %s, 0, %s, 0, 0, %s, 0, %s, 0, NULL, 'bench', '', '', %s, %s, %s)"
    " ON CONFLICT (op_key) DO NOTHING RETURNING id"
)
FREEZE_SQL = (
    "UPDATE indicators_indicatorline SET available = available - %s, frozen = frozen + %s"
    " WHERE id = %s AND available >= %s AND kind = 'executable'"
)
PAY_SQL = (
    "UPDATE indicators_indicatorline SET frozen = frozen - %s, paid = paid + %s"
    " WHERE id = %s AND frozen >= %s AND kind = 'executable'"
)


def sql_pair_factory(actor_id: int) -> Callable[[int, str, int], None]:
    """The same two transactions as the ledger, by hand on one psycopg connection."""
    conn = psycopg.connect(f"{SERVER}/{BENCH_DB}", autocommit=True)

    def pair(line: int, key: str, _actor: int) -> None:
        for kind, d_available, d_frozen, d_paid, update, suffix in (
            (MovementKind.FREEZE.value, -AMOUNT, AMOUNT, 0, FREEZE_SQL, "f"),
            (MovementKind.PAY.value, 0, -AMOUNT, AMOUNT, PAY_SQL, "p"),
        ):
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(
                    MOVEMENT_SQL,
                    (
                        uuid.uuid4(),
                        line,
                        kind,
                        d_available,
                        d_frozen,
                        d_paid,
                        key + suffix,
                        actor_id,
                        datetime.now(UTC),
                    ),
                )
                if cursor.fetchone() is None:
                    raise RuntimeError(f"op_key {key} was applied twice")
                cursor.execute(update, (AMOUNT, AMOUNT, line, AMOUNT))
                if cursor.rowcount != 1:
                    raise RuntimeError(f"line {line} is short")

    return pair


def worker(
    mode: str,
    lines: list[int],
    actor_id: int,
    seconds: float,
    tag: str,
    barrier: Any,
    results: Any,
) -> None:
    try:
        if mode == "unprepared":
            # As with YUSUAN_DB_PREPARED=false: client-side binding, nothing prepared.
            options = connections["default"].settings_dict["OPTIONS"]
            options.pop("server_side_binding", None)
            options.pop("prepare_threshold", None)
        pair: Callable[[int, str, int], None] = (
            sql_pair_factory(actor_id) if mode == "sql" else ledger_pair
        )
        rng = random.Random(tag)
        pair(rng.choice(lines), f"{tag}-warm-", actor_id)  # connect before the clock starts
        barrier.wait(timeout=60)
        started = time.perf_counter()
        deadline = started + seconds
        done = 0
        while time.perf_counter() < deadline:
            pair(rng.choice(lines), f"{tag}-{done}-", actor_id)
            done += 1
        results.put((done, time.perf_counter() - started, ""))
    except Exception as exc:  # reported by the parent, which fails the run
        results.put((0, 0.0, f"{type(exc).__name__}: {exc}"))
    finally:
        connections.close_all()


def measure(mode: str, lines: list[int], actor_id: int, workers: int, seconds: float) -> float:
    """Pairs per second of ``workers`` processes running for ``seconds`` after a common start."""
    connections.close_all()  # children open their own connection
    context = mp.get_context("fork")
    barrier = context.Barrier(workers)
    results = context.Queue()
    run = uuid.uuid4().hex[:8]
    processes = [
        context.Process(
            target=worker,
            args=(mode, lines, actor_id, seconds, f"{mode}-{run}-{i}", barrier, results),
        )
        for i in range(workers)
    ]
    for process in processes:
        process.start()
    outcomes: list[tuple[int, float, str]] = [results.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    errors = [error for _, _, error in outcomes if error]
    if errors:
        raise SystemExit(f"{mode} worker failed: {errors[0]}")
    return sum(done for done, _, _ in outcomes) / max(elapsed for _, elapsed, _ in outcomes)


# --- pgbench -------------------------------------------------------------------------------------


# --- Profile ---------------------------------------------------------------------------------------


def profile(fixture: Fixture, seconds: float) -> str:
    rng = random.Random(0)
    profiler = cProfile.Profile()
    deadline = time.perf_counter() + seconds
    done = 0
    profiler.enable()
    while time.perf_counter() < deadline:
        ledger_pair(rng.choice(fixture.spread), f"profile-{done}-", fixture.actor_id)
        done += 1
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
    stats.print_stats(18)
    return f"one ledger worker, spread lines, {done} pairs under cProfile:\n{out.getvalue()}"


# --- Main ----------------------------------------------------------------------------------------


def all_modes(
    modes: list[str], lines: list[int], actor_id: int, workers: int, seconds: float
) -> dict[str, float]:
    return {m: measure(m, lines, actor_id, workers, seconds) for m in modes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="seconds per ledger/SQL run")
    parser.add_argument("--pgbench-seconds", type=int, default=10, help="pgbench -T")
    parser.add_argument("--profile", action="store_true", help="always profile one worker")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument(
        "--unprepared",
        action="store_true",
        help="add the ledger as with YUSUAN_DB_PREPARED=false (client-side binding)",
    )
    options = parser.parse_args()
    began = time.perf_counter()
    load = os.getloadavg()[0]

    recreate_database(BENCH_DB)
    pgbench_init(10)
    fixture = prepare_ledger()
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone() or ("?",)
    print(
        f"PostgreSQL {version}, {os.cpu_count()} cores, "
        f"load average {load:.1f} at start; {len(fixture.spread) + 1:,} executable lines issued "
        f"through one ledger posting (setup {time.perf_counter() - began:.0f} s)"
    )
    print(f"  {python_calibration()}")
    if load > 1.5:
        print("warning: other work is running on this machine; the figures will be noisy")

    modes = ["ledger", *(["unprepared"] if options.unprepared else []), "sql"]
    figures: dict[tuple[str, int], dict[str, float]] = {}
    references: dict[tuple[str, int], Reference] = {}
    for workers in WORKERS:
        for case, lines in (("hot line", fixture.hot), ("10,000 spread lines", fixture.spread)):
            row, reference = bracketed(
                workers,
                options.pgbench_seconds,
                functools.partial(
                    all_modes, modes, lines, fixture.actor_id, workers, options.seconds
                ),
            )
            figures[case, workers] = {**row, "pgbench": reference.mean}
            references[case, workers] = reference

    print()
    print(
        "freeze+pay pairs per second: one pair = apply('freeze') then apply('pay') of "
        f"{AMOUNT / 100:.0f} yuan with op_keys,\ntwo transactions of INSERT movement + "
        f"conditional UPDATE line each (one CTE statement in the ledger); {options.seconds:.0f} s per run, one process and "
        "connection per worker;\npgbench: TPC-B-like TPS, scale 10, "
        f"-T {options.pgbench_seconds}, -j min(clients, cores), the mean of -M simple and -M "
        "prepared run before and after each case"
    )
    names = {"ledger": "ledger", "unprepared": "unprep.", "sql": "raw SQL", "pgbench": "pgbench"}
    columns = [*modes, "pgbench"]
    ratios = [(m, "pgbench") for m in modes] + [("ledger", "sql")]
    header = (
        f"{'case':<20} {'workers':>7}"
        + "".join(f" {names[c]:>9}" for c in columns)
        + "".join(f" {names[a] + '/' + names[b]:>16}" for a, b in ratios)
    )
    print(header)
    print("-" * len(header))
    for (case, workers), row in sorted(figures.items(), key=lambda i: (i[0][0] != "hot line", i)):
        print(
            f"{case:<20} {workers:>7}"
            + "".join(f" {row[c]:>9.0f}" for c in columns)
            + "".join(f" {row[a] / row[b]:>16.2f}" for a, b in ratios)
        )
    print(f"({', '.join(names[m] for m in modes)}: freeze+pay pairs/s; pgbench: TPS)")
    for (case, workers), reference in sorted(references.items()):
        print(f"  {case}, {workers} workers — {reference.describe()}")

    spread16 = figures["10,000 spread lines", 16]
    ratio = spread16["ledger"] / spread16["pgbench"]
    met = ratio >= GOAL
    print(
        f"\ngoal (issue 4): spread lines at 16 workers ≥ {GOAL} × pgbench at 16 clients: "
        f"{spread16['ledger']:.0f} pairs/s / {spread16['pgbench']:.0f} TPS = {ratio:.2f} → "
        f"{'met' if met else 'NOT met'} (counting transactions, not pairs: {2 * ratio:.2f})"
    )

    differences = reconcile()
    if differences:
        for difference in differences[:20]:
            print(f"  {difference}")
        raise SystemExit(f"the ledger does NOT reconcile: {len(differences)} differences")
    hot = IndicatorLine.objects.get(pk=fixture.hot[0])
    print(
        f"reconcile(): the ledger reconciles (0 differences over {len(fixture.spread) + 1:,} "
        f"lines; hot line paid {hot.paid // 100:,} yuan, frozen {hot.frozen})"
    )

    if options.profile or not met:
        print()
        print(profile(fixture, 4))
    if not options.keep:
        drop_database(BENCH_DB)
        drop_database(PGBENCH_DB)
    print(f"total run time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
