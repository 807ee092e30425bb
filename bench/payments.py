"""End-to-end payments on PostgreSQL against pgbench TPC-B, and a salary sheet becoming a request.

Usage: .venv/bin/python bench/payments.py [--seconds 8] [--batch-lines 1000] [--batch-seconds 20]
       [--pgbench-seconds 10] [--employees 10000] [--profile] [--keep] [--no-sqlite]  (~5 minutes)
Environment: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server; the
script creates and drops two scratch databases there, ``yusuan_bench_payments_<run>`` (the demo district
loaded by ``yusuan demo --no-serve`` with ``yusuan.conf.test`` and DATABASE_URL pointing at it)
and ``yusuan_pgbench_<run>`` (``pgbench -i -s 10``; ``<run>`` is this run's id, so two benches
on one server never drop each other's databases), plus a temporary folder (the settings' var dir and,
unless ``--no-sqlite``, a SQLite file with the same demo district, loaded at the same time). It
never touches any other database.

What it measures, in one run:

1. Payments per second at 1 client and at as many clients as cores (processes, one connection
   each: the workers of ``yusuan serve``). One payment is the demo school's whole flow through the services, as ``yusuan.demo.payments``
   makes it: ``request_create`` (a draft, one line of 1.00–10.00 yuan to a registered company,
   from the unit's zero-balance account) → ``document_submit`` (revalidates, freezes the
   indicator amount) → ``instance_approve`` by ``school_reviewer`` → ``instance_approve`` by
   ``school_approver`` (final: revalidation, monitoring, voucher) → ``bank_file_create`` by
   ``wj_treasury`` (pain.001, schema-checked) → ``bank_result_record`` by ``bank_icbc``
   (accepted: frozen → paid). A bank file takes every issued voucher of the region not yet sent
   (``skip_locked``), so under concurrency a client's voucher may leave in another client's
   file: the client calls ``bank_file_create``, then reads its voucher's file, and retries (2 ms
   apart) until it is in a committed file; the result is recorded with that file's message id.
   Two cases: (a) one line, every client charging the school's 30201 office line, and (b) spread
   over the school's non-salary, non-procurement executable lines (30201, 30211, 30213, 30217,
   30227: five rows), a random one per payment. Beside them, pgbench TPC-B-like TPS at the same
   client counts (``-j min(clients, cores)``) and the ratio payments/s ÷ TPS (conservative: a
   payment is six transactions). Goals (issue 20): ratio ≥ 0.01 at cores clients (spread
   lines), and each step's p95 < 150 ms. (c) Batch requests of ``--batch-lines`` lines (0.01–0.10
   yuan each, random spread lines), the same chain, the bank's results for the whole file in one
   ``bank_results_record`` (set-based, ADR 0049); goal: payment lines/s ≥ 0.25 × pgbench TPS at
   each client count. Also shown: p50/p95 wall ms per step, and CPU ms per payment line of the
   clients (``time.process_time``) and of their PostgreSQL backends (``/proc/<pg_backend_pid()>/stat``, when the server is local),
   hence the CPU-bound ceiling cores ÷ CPU per payment; and what the backends were doing
   (pg_stat_activity sampled every 50 ms by the parent: running SQL, waiting on a lock or on
   WAL, or idle while the client runs Python inside or between transactions). Payments per
   second are Σ over clients of payments ÷ that client's own elapsed time (the payment in
   flight at the deadline is finished and counted). When the goal is missed, or with
   ``--profile``, one client is profiled with cProfile (the SQL statements of one payment by
   step, then the top 25 by cumulative time and the project's own top 15). A failed payment is
   counted and named; any failure makes the exit status non-zero.
2. Salary sheet → payment request for ``--employees`` (10,000) employees: the .xlsx is built in
   memory first (openpyxl, not timed; amounts scaled to fit the school's 30101 and 30107 salary
   lines), written to a file, then a fresh subprocess times ``payroll_import`` and
   ``payroll_request_create`` (automatic matching; both deductions to a company payee of the
   school) and reports the peak resident memory as ``ru_maxrss`` of that subprocess after both
   calls, beside its ``ru_maxrss`` just before them (after Django setup and reading the file).
   On PostgreSQL, and on the SQLite file unless ``--no-sqlite``. Goal: < 5 s on both;
   when missed, or with ``--profile``, a second sheet (other names) is imported again under
   cProfile in another subprocess, untimed.
3. Afterwards every benchmark request must be paid and the indicator ledger must reconcile
   (``yusuan.indicators.selectors.reconcile() == []``), or the script exits non-zero and keeps
   the databases. The load average at the start is printed: on a shared machine figures move.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import functools
import io
import json
import multiprocessing as mp
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
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
BENCH_DB = scratch("yusuan_bench_payments")
CORES = os.cpu_count() or 1
CLIENTS = tuple(sorted({1, CORES}))  # issue 20: as many workers as cores
GOAL = 0.01  # single payments/s ÷ pgbench TPS at CORES clients
BATCH_GOAL = 0.25  # payment lines/s through batch requests ÷ pgbench TPS, at each client count
STEP_P95_GOAL = 0.150  # seconds, each step of a single payment
SALARY_GOAL = 5.0  # seconds, on PostgreSQL and on SQLite
PURPOSE = "基准测试：购买办公用品"
DOCUMENT_TYPE = "payments.request"
SPREAD_CODES = ("30201", "30211", "30213", "30217", "30227")
DEDUCTIONS = ("个人所得税", "住房公积金")

# A salary child (``--salary-child postgres|sqlite``) runs on the database the parent names; the
# parent's temporary folder is passed down in BENCH_PAYMENTS_DIR.
CHILD = sys.argv[sys.argv.index("--salary-child") + 1] if "--salary-child" in sys.argv else ""
if "BENCH_PAYMENTS_DIR" not in os.environ:
    os.environ["BENCH_PAYMENTS_DIR"] = tempfile.mkdtemp(prefix="yusuan-bench-payments-")
WORK_DIR = Path(os.environ["BENCH_PAYMENTS_DIR"])
PG_URL = f"{SERVER}/{BENCH_DB}"
SQLITE_URL = f"sqlite:///{WORK_DIR / 'sqlite' / 'bench.sqlite3'}"
os.environ["DATABASE_URL"] = SQLITE_URL if CHILD == "sqlite" else PG_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "yusuan.conf.test"
os.environ["YUSUAN_VAR_DIR"] = str(WORK_DIR / ("sqlite" if CHILD == "sqlite" else "pg"))
sys.path.insert(0, str(ROOT / "src"))

import django  # noqa: E402

import psycopg  # noqa: E402
from stdnum.cn import ric  # noqa: E402

django.setup()

from django.db import connection, connections, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from yusuan.common.money import Money  # noqa: E402
from yusuan.common.tabular import Column, read_rows, write_table  # noqa: E402
from yusuan.core.choices import AccountType, PayeeKind  # noqa: E402
from yusuan.core.models import BankAccount, Payee  # noqa: E402
from yusuan.identity.models import User  # noqa: E402
from yusuan.indicators.choices import LineKind  # noqa: E402
from yusuan.indicators.models import IndicatorLine  # noqa: E402
from yusuan.indicators.selectors import reconcile  # noqa: E402
from yusuan.payments.choices import RequestState  # noqa: E402
from yusuan.payments.models import PaymentRequest, PaymentVoucher  # noqa: E402
from yusuan.payments.services import PaymentInput, PaymentLineInput, request_create  # noqa: E402
from yusuan.payments.services.bank import (  # noqa: E402
    ResultInput,
    bank_file_create,
    bank_result_record,
    bank_results_record,
)
from yusuan.payroll.services.batches import payroll_import, payroll_request_create  # noqa: E402
from yusuan.personnel import rules as personnel_rules  # noqa: E402
from yusuan.personnel.models import Person  # noqa: E402
from yusuan.personnel.services.sheet import NewPerson, people_load  # noqa: E402
from yusuan.workflow.services import document_submit, instance_approve  # noqa: E402

STEPS = ("create", "submit", "review", "approve", "bank file", "result")


@dataclass(frozen=True)
class Fixture:
    mof_div_code: str
    fiscal_year: int
    pay_date: dt.date
    unit: str
    users: dict[str, int]  # clerk, reviewer, approver, treasury, bank → user id
    account_id: int
    payee_id: int
    hot: list[int]
    spread: list[int]
    codes: dict[int, str]  # indicator line id → economic code
    salary_available: dict[str, int]  # 30101 / 30107 → fen available on the school's lines


@dataclass
class Outcome:
    done: int = 0
    elapsed: float = 0.0
    rate: float = 0.0  # payments per second
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STEPS, 0.0))
    # Every step's wall time of every request, for its percentiles.
    samples: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    lines: int = 0  # payment lines paid (a batch request pays many)
    line_rate: float = 0.0  # payment lines per second
    own_files: int = 0
    shared_files: int = 0
    retries: int = 0
    failures: int = 0
    error: str = ""
    cpu_client: float = 0.0  # CPU seconds of the client processes while measured
    cpu_server: float = -1.0  # of their PostgreSQL backends (-1: not on this machine)


def percentile(samples: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``samples``; 0 when there are none."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def backend_cpu() -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend, read from /proc
    when the server runs on this machine; -1 otherwise."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone() or (0,)
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return -1.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- Scratch databases and the demo district ---------------------------------------------------


def demo_load(url: str, var_dir: Path) -> subprocess.Popen[str]:
    """``yusuan demo --no-serve`` into ``url`` (migrate + the district), in the background."""
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "YUSUAN_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "yusuan.conf.test",
        "PYTHONPATH": str(ROOT / "src"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "yusuan", "demo", "--no-serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def demo_wait(process: subprocess.Popen[str], what: str) -> str:
    output, _ = process.communicate(timeout=600)
    if process.returncode != 0:
        raise SystemExit(f"loading the demo into {what} failed:\n{output[-3000:]}")
    return next((line for line in output.splitlines() if line.startswith("Loaded")), "")


def school_fixture() -> Fixture:
    names = {
        "clerk": "school_clerk",
        "reviewer": "school_reviewer",
        "approver": "school_approver",
        "treasury": "wj_treasury",
        "bank": "bank_icbc",
    }
    found = dict(User.objects.filter(username__in=names.values()).values_list("username", "pk"))
    users = {role: found[name] for role, name in names.items()}
    clerk = User.objects.select_related("organisation").get(pk=users["clerk"])
    unit = clerk.organisation
    assert unit is not None
    lines = list(
        IndicatorLine.objects.filter(
            organisation=unit, kind=LineKind.EXECUTABLE, source_type_code="01"
        ).order_by("dep_bgt_eco_code", "pk")
    )
    office = {
        line.dep_bgt_eco_code: line
        for line in lines
        if not line.is_sal and not line.is_gov_pur and line.dep_bgt_eco_code in SPREAD_CODES
    }
    fiscal_year = office["30201"].fiscal_year
    today = timezone.localdate()
    salary: dict[str, int] = {}
    for line in lines:
        if line.is_sal:
            salary[line.dep_bgt_eco_code] = salary.get(line.dep_bgt_eco_code, 0) + line.available
    return Fixture(
        mof_div_code=unit.mof_div_code,
        fiscal_year=fiscal_year,
        pay_date=today if today.year == fiscal_year else dt.date(fiscal_year, 12, 20),
        unit=unit.name,
        users=users,
        account_id=BankAccount.objects.get(
            organisation=unit, account_type=AccountType.UNIT_ZERO_BALANCE
        ).pk,
        payee_id=Payee.objects.filter(
            organisation=unit, kind=PayeeKind.ORGANISATION, is_enabled=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)[0],
        hot=[office["30201"].pk],
        spread=[office[code].pk for code in SPREAD_CODES if code in office],
        codes={line.pk: line.dep_bgt_eco_code for line in office.values()},
        salary_available=salary,
    )


# --- One payment, end to end -------------------------------------------------------------------


class Payer:
    """One client: the school's users, loaded once, making payments through the services."""

    def __init__(self, fixture: Fixture, lines: list[int], batch: int = 1) -> None:
        self.fixture = fixture
        self.lines = lines
        self.batch = batch  # payment lines per request
        users = User.objects.in_bulk(list(fixture.users.values()))
        self.clerk, self.reviewer, self.approver, self.treasury, self.bank = (
            users[fixture.users[role]]
            for role in ("clerk", "reviewer", "approver", "treasury", "bank")
        )
        self.outcome = Outcome()
        self.current = STEPS[0]
        self.statements = dict.fromkeys(STEPS, 0)

    def _lap(self, step: str, started: float) -> float:
        now = time.perf_counter()
        self.outcome.seconds[step] += now - started
        self.outcome.samples[step].append(now - started)
        self.current = STEPS[(STEPS.index(step) + 1) % len(STEPS)]
        return now

    def _count(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.statements[self.current] += 1
        return execute(sql, params, many, context)

    def count_statements(self) -> dict[str, int]:
        """SQL statements (BEGIN/COMMIT not included) of one payment, by step."""
        self.statements = dict.fromkeys(STEPS, 0)
        with connection.execute_wrapper(self._count):
            self.pay(self.lines[0], 100)
        return self.statements

    def pay(self, line_id: int, fen: int) -> None:
        self.pay_lines([(line_id, fen)])

    def pay_lines(self, lines: list[tuple[int, int]]) -> None:
        """One request of ``lines`` (indicator line id, fen) through the whole chain; the
        bank's results for all of them in one batch (``bank_results_record``) when there are
        several, else ``bank_result_record``."""
        fx = self.fixture
        self.current = STEPS[0]
        t = time.perf_counter()
        request = request_create(
            actor=self.clerk,
            data=PaymentInput(
                business_type="ordinary",
                settlement_mode="transfer",
                purpose=PURPOSE,
                pay_date=fx.pay_date,
                payer_account_id=fx.account_id,
                payee_id=fx.payee_id,
                lines=[PaymentLineInput(line_id, Money(fen)) for line_id, fen in lines],
            ),
            fiscal_year=fx.fiscal_year,
        )
        t = self._lap("create", t)
        instance = document_submit(
            actor=self.clerk, document_type=DOCUMENT_TYPE, object_id=str(request.pk)
        )
        t = self._lap("submit", t)
        instance_approve(actor=self.reviewer, instance_id=instance.pk)
        t = self._lap("review", t)
        instance_approve(actor=self.approver, instance_id=instance.pk)
        t = self._lap("approve", t)
        voucher = PaymentVoucher.objects.filter(request_id=request.pk)
        for _ in range(2500):  # 5 s at most
            sent = bank_file_create(actor=self.treasury, mof_div_code=fx.mof_div_code)
            row = voucher.values_list("number", "bank_file__message_id").first()
            if row is None:
                request.refresh_from_db(fields=["state"])
                raise RuntimeError(f"{request.number}: no voucher after approval ({request.state})")
            number, message_id = row
            if message_id:
                break
            self.outcome.retries += 1  # locked by another client's file, not yet committed
            time.sleep(0.002)
        else:
            raise RuntimeError(f"{request.number}: voucher {number} never reached a bank file")
        if sent is not None and sent.message_id == message_id:
            self.outcome.own_files += 1
        else:
            self.outcome.shared_files += 1
        t = self._lap("bank file", t)
        results = [
            ResultInput(message_id, f"{number}-{row}", f"{number}-{row}", accepted=True)
            for row in range(1, len(lines) + 1)
        ]
        if len(results) == 1:
            bank_result_record(actor=self.bank, item=results[0])
        else:
            bank_results_record(actor=self.bank, items=results)
        self._lap("result", t)
        self.outcome.done += 1
        self.outcome.lines += len(lines)

    def attempt(self, rng: random.Random) -> None:
        """One payment on a random line of the case (1.00–10.00 yuan), or a batch request of
        ``batch`` lines on random lines of it (0.01–0.10 yuan each); a failure is counted, not
        fatal."""
        try:
            if self.batch == 1:
                self.pay(rng.choice(self.lines), rng.randrange(100, 1001))
            else:
                self.pay_lines(
                    [(rng.choice(self.lines), rng.randrange(1, 11)) for _ in range(self.batch)]
                )
        except Exception as exc:
            self.outcome.failures += 1
            self.outcome.error = self.outcome.error or f"{type(exc).__name__}: {exc}"[:500]
            connections["default"].close()  # a broken transaction must not poison the next one
            if self.outcome.failures > 20:
                raise


def worker(
    fixture: Fixture,
    lines: list[int],
    batch: int,
    seconds: float,
    tag: str,
    barrier: Any,
    results: Any,
) -> None:
    outcome = Outcome()
    try:
        payer = Payer(fixture, lines, batch)
        rng = random.Random(tag)
        payer.pay(rng.choice(lines), 100)  # connect and warm the caches before the clock starts
        payer.outcome = outcome
        barrier.wait(timeout=180)
        started, cpu, server = time.perf_counter(), time.process_time(), backend_cpu()
        deadline = started + seconds
        while time.perf_counter() < deadline:
            payer.attempt(rng)
        outcome.elapsed = time.perf_counter() - started
        outcome.cpu_client = time.process_time() - cpu
        after = backend_cpu() if server >= 0 and not outcome.failures else -1.0
        outcome.cpu_server = after - server if after >= 0 else -1.0
    except Exception as exc:  # reported by the parent, which fails the run
        barrier.abort()  # the others stop waiting for this one
        outcome.error = outcome.error or f"{type(exc).__name__}: {exc}"[:500]
        outcome.failures += 1
    finally:
        results.put(outcome)
        connections.close_all()


class WaitSampler(threading.Thread):
    """What the benchmark database's backends are doing, sampled every 50 ms from the parent
    (pg_stat_activity): running SQL, waiting (row locks, WAL, …), or idle while the client runs
    Python — inside a transaction (holding its locks) or between transactions."""

    SQL = (
        "SELECT state, wait_event_type, wait_event,"
        " left(regexp_replace(query, '\\s+', ' ', 'g'), 60)"
        " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
        " AND backend_type = 'client backend'"
    )

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.samples = 0
        self.states: Counter[str] = Counter()
        self.lock_waits: Counter[str] = Counter()

    def run(self) -> None:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            while not self.stopping.wait(0.05):
                self.samples += 1
                for state, kind, event, query in conn.execute(self.SQL, (BENCH_DB,)).fetchall():
                    if state == "idle in transaction":
                        self.states["Python in a transaction"] += 1
                    elif state != "active":
                        self.states["Python between transactions"] += 1
                    elif kind is None:
                        self.states["running SQL"] += 1
                    else:
                        self.states[f"{kind}:{event}"] += 1
                        if kind == "Lock":
                            self.lock_waits[f"{event}: {query}"] += 1

    def summary(self) -> str:
        if not self.samples:
            return "no samples"
        parts = [f"{key} {n / self.samples:.1f}" for key, n in self.states.most_common(6)]
        text = ", ".join(parts)
        if self.lock_waits:
            top, n = self.lock_waits.most_common(1)[0]
            text += f"\n{'':<26}most waited-for lock: {n / self.samples:.1f} × {top}"
        return text


def measure(
    fixture: Fixture, lines: list[int], batch: int, clients: int, seconds: float
) -> tuple[Outcome, WaitSampler]:
    """All clients' outcomes summed (``rate``: Σ each client's payments ÷ its own elapsed time,
    which counts the payment in flight at the deadline fairly when one takes seconds)."""
    connections.close_all()  # children open their own connection
    context = mp.get_context("fork")
    barrier = context.Barrier(clients + 1)  # the parent starts the wait sampler with them
    results = context.Queue()
    run = uuid.uuid4().hex[:8]
    processes = [
        context.Process(
            target=worker,
            args=(fixture, lines, batch, seconds, f"{run}-{i}", barrier, results),
        )
        for i in range(clients)
    ]
    for process in processes:
        process.start()
    sampler = WaitSampler()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=180)
        sampler.start()
        time.sleep(seconds)
        sampler.stopping.set()
        sampler.join()
    outcomes: list[Outcome] = [results.get(timeout=seconds + 300) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    total = Outcome(elapsed=max(o.elapsed for o in outcomes))
    known = all(o.cpu_server >= 0 for o in outcomes)
    total.cpu_server = sum(o.cpu_server for o in outcomes) if known else -1.0
    for o in outcomes:
        total.rate += o.done / o.elapsed if o.elapsed else 0.0
        total.line_rate += o.lines / o.elapsed if o.elapsed else 0.0
        total.lines += o.lines
        total.cpu_client += o.cpu_client
        total.done += o.done
        total.own_files += o.own_files
        total.shared_files += o.shared_files
        total.retries += o.retries
        total.failures += o.failures
        total.error = total.error or o.error
        for step in STEPS:
            total.seconds[step] += o.seconds[step]
            total.samples[step] += o.samples[step]
    return total, sampler


# --- pgbench -------------------------------------------------------------------------------------


# --- Profiles ------------------------------------------------------------------------------------


def profile_text(profiler: cProfile.Profile, top: int = 25) -> str:
    """Top ``top`` by cumulative time, then the project's own functions alone, and the share of
    the time spent waiting on the server (psycopg's ``wait``)."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(top)
    out.write("the project's functions only (yusuan/…):\n")
    stats.print_stats(r"/yusuan/", 15)
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    waiting = sum(v[3] for k, v in raw.items() if "psycopg" in k[0] and k[2] == "wait")
    total: float = stats.total_tt  # type: ignore[attr-defined]
    text = out.getvalue()
    for prefix in sorted({str(ROOT / "src"), *sys.path}, key=len, reverse=True):
        if prefix and prefix.startswith("/"):
            text = text.replace(prefix.rstrip("/") + "/", "")
    # Drop pstats' preamble (the ordering and the list restriction), keep the totals line.
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("Ordered by", "List reduced")):
            continue
        if "function calls" in line and lines:  # the second listing repeats the totals
            continue
        lines.append(line)
    lines.append(
        f"in psycopg's wait (round trips to the server, cumulative): {waiting:.2f} s of "
        f"{total:.2f} s ({100 * waiting / max(total, 1e-9):.0f} %); the rest is Python here"
    )
    return "\n".join(lines)


def profile_payments(fixture: Fixture, seconds: float, batch: int = 1) -> str:
    """One client on the spread lines under cProfile: single payments, or batch requests of
    ``batch`` lines."""
    connections.close_all()
    payer = Payer(fixture, fixture.spread, batch)
    rng = random.Random(0)
    payer.pay(fixture.spread[0], 100)  # warm
    statements = payer.count_statements()
    payer.outcome = Outcome()
    profiler = cProfile.Profile()
    deadline = time.perf_counter() + seconds
    profiler.enable()
    while time.perf_counter() < deadline:
        payer.attempt(rng)
    profiler.disable()
    o = payer.outcome
    return (
        f"SQL statements of one payment (BEGIN/COMMIT aside): {sum(statements.values())} = "
        + ", ".join(f"{step} {n}" for step, n in statements.items())
        + f"\none client, spread lines, {o.done} requests of {batch} line(s) in {seconds:.0f} s "
        "under cProfile "
        f"({o.failures} failed); top 25 by cumulative time:\n{profile_text(profiler)}"
    )


# --- Salary sheet --------------------------------------------------------------------------------


def id_number(serial: int) -> str:
    """A valid 身份证号 (GB 11643 check digit), unique for serial < 1,000 × 20,000 days."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=serial // 1000)
    body = f"320509{birth:%Y%m%d}{serial % 1000:03d}"  # not the demo's 320584: nobody it has
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def salary_sheet(employees: int, base: int, bonus: int, variant: str = "") -> bytes:
    """An .xlsx as a unit's HR system exports it: 基本工资 ``base`` and 绩效 ``bonus``–``bonus``+6
    yuan (30101, 30107), 1 % tax and 10 yuan housing fund withheld, net pay."""
    header = [
        "序号",
        "姓名",
        "身份证号",
        "银行账号",
        "开户银行",
        "30101 基本工资",
        "30107 绩效工资",
    ]
    header += [*DEDUCTIONS, "实发工资"]
    rows = []
    for i in range(employees):
        performance = bonus + i % 7
        gross = (base + performance) * 100
        tax, fund = gross // 100, 10_00
        rows.append(
            [
                i + 1,
                f"职工{variant}{i + 1:05d}",
                id_number(i),
                f"62170000{i:08d}",
                "建设银行吴江支行",
                base,
                performance,
                tax / 100,
                fund / 100,
                (gross - tax - fund) / 100,
            ]
        )
    return write_table([Column(n, n, n) for n in header], rows, file_format="xlsx")


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def enrol(data: bytes, name: str, organisation_id: int, since: dt.date) -> None:
    """R-PS-5 (ADR 0045): the sheet's employees as the school's teachers in the personnel
    database, their standards the sheet's items (untimed; people already there are left)."""
    header, *rows = read_rows(data, name)
    column = {str(label): index for index, label in enumerate(header)}
    known = set(Person.objects.values_list("id_number", flat=True))
    people = []
    for row in rows:
        number = str(row[column["身份证号"]])
        if number in known:
            continue
        items = {
            "post_pay": round(float(str(row[column["30101 基本工资"]])) * 100),
            "performance_basic": round(float(str(row[column["30107 绩效工资"]])) * 100),
        }
        base = sum(items.values())
        state = personnel_rules.State(
            organisation_id=organisation_id,
            state=personnel_rules.ACTIVE,
            status=personnel_rules.INST_TECHNICAL,
            establishment="institution",
            post_category="technical",
            post_level=10,
            salary_scale=20,
            items=items,
            pension_base=base,
            medical_base=base,
            housing_base=base,
        )
        people.append(NewPerson(state, number, str(row[column["姓名"]])))
    officer = User.objects.get(username="wj_personnel")
    with transaction.atomic():
        people_load(
            actor=officer,
            mof_div_code=officer.organisation.mof_div_code,
            effective_from=since,
            people=people,
            source={"file": name, "note": "bench"},
        )


def salary_child(sheet: Path, profile: bool) -> None:
    """In a fresh process: time ``payroll_import`` + ``payroll_request_create``; JSON on the
    last line of stdout (with ``profile``: untimed, the cProfile listing before it). The
    profiled sheet (the same people) is the next month's: one salary a month (R-PS-5)."""
    fixture = school_fixture()
    clerk = User.objects.get(pk=fixture.users["clerk"])
    data = sheet.read_bytes()
    month = fixture.pay_date.month % 12 + 1 if profile else fixture.pay_date.month
    enrol(data, sheet.name, clerk.organisation_id, dt.date(fixture.fiscal_year, 1, 1))
    connection.ensure_connection()
    before = max_rss_mb()
    profiler = cProfile.Profile()
    if profile:
        profiler.enable()
    started = time.perf_counter()
    batch = payroll_import(
        actor=clerk,
        data=data,
        filename=sheet.name,
        month=month,
        fiscal_year=fixture.fiscal_year,
    )
    imported = time.perf_counter()
    request = payroll_request_create(
        actor=clerk,
        batch_id=batch.pk,
        pay_date=fixture.pay_date,
        payer_account_id=fixture.account_id,
        deduction_payees=dict.fromkeys(DEDUCTIONS, fixture.payee_id),
    )
    finished = time.perf_counter()
    if profile:
        profiler.disable()
        print(profile_text(profiler))
    after = max_rss_mb()
    charges = request.lines.values_list("charges__indicator_line_id", flat=True).distinct()
    print(
        json.dumps(
            {
                "import": imported - started,
                "request": finished - imported,
                "before_mb": before,
                "peak_mb": after,
                "employees": batch.employees,
                "lines": request.lines.count(),
                "indicator_lines": len(set(charges)),
                "total_fen": request.total_fen,
                "number": request.number,
                "differences": len(reconcile()),
            }
        )
    )


def run_salary(database: str, sheet: Path, *, profile: bool = False) -> tuple[dict[str, Any], str]:
    command = [sys.executable, __file__, "--salary-child", database, "--sheet", str(sheet)]
    if profile:
        command.append("--profile-child")
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if result.returncode != 0:
        raise SystemExit(f"the salary run on {database} failed:\n{result.stderr[-4000:]}")
    *listing, last = result.stdout.rstrip("\n").splitlines()
    return json.loads(last), "\n".join(listing)


def salary_amounts(fixture: Fixture, employees: int) -> tuple[int, int]:
    """基本工资 and 绩效 (yuan) such that the sheet takes at most 80 % of each salary item's lines."""
    base = min(200, int(fixture.salary_available.get("30101", 0) * 0.8 / 100 / employees))
    bonus = min(100, int(fixture.salary_available.get("30107", 0) * 0.8 / 100 / employees) - 6)
    if base < 1 or bonus < 1:
        raise SystemExit(f"the school's salary lines cannot pay {employees:,} employees")
    return base, bonus


# --- Main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="seconds per payments run")
    parser.add_argument("--batch-lines", type=int, default=1000, help="lines per batch request")
    parser.add_argument(
        "--batch-seconds", type=float, default=20, help="seconds per batch requests run"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=10, help="pgbench -T")
    parser.add_argument("--employees", type=int, default=10_000, help="salary sheet size")
    parser.add_argument("--profile", action="store_true", help="always profile")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument("--no-sqlite", action="store_true", help="salary part on PostgreSQL only")
    parser.add_argument("--salary-child", choices=("postgres", "sqlite"), help=argparse.SUPPRESS)
    parser.add_argument("--sheet", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.salary_child:
        salary_child(options.sheet, options.profile_child)
        return

    began = time.perf_counter()
    load = os.getloadavg()[0]
    sqlite_load = None if options.no_sqlite else demo_load(SQLITE_URL, WORK_DIR / "sqlite")
    recreate_database(BENCH_DB)
    pg_load = demo_load(PG_URL, WORK_DIR / "pg")
    pgbench_init(10)
    loaded = demo_wait(pg_load, "PostgreSQL")
    if sqlite_load is not None:
        demo_wait(sqlite_load, "SQLite")
    fixture = school_fixture()
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone() or ("?",)
    print(
        f"PostgreSQL {version}, {os.cpu_count()} cores, load average {load:.1f} at start; "
        f"setup {time.perf_counter() - began:.0f} s (demo district on PostgreSQL"
        f"{'' if options.no_sqlite else ' and, at the same time, SQLite'}; pgbench -i -s 10)"
    )
    print(f"  {loaded}")
    print(f"  {python_calibration()}")
    if load > 1.5:
        print("warning: other work is running on this machine; the figures will be noisy")
    print(
        f"  {fixture.unit} ({fixture.mof_div_code}), fiscal year {fixture.fiscal_year}, "
        f"pay date {fixture.pay_date}; one line = {fixture.codes[fixture.hot[0]]}; spread = "
        f"{', '.join(fixture.codes[pk] for pk in fixture.spread)}"
    )

    spread = f"{len(fixture.spread)} spread lines"
    batch = f"{options.batch_lines:,}-line batch"
    cases = (
        ("one line", fixture.hot, 1, options.seconds),
        (spread, fixture.spread, 1, options.seconds),
        (batch, fixture.spread, options.batch_lines, options.batch_seconds),
    )
    figures: dict[tuple[str, int], tuple[Outcome, float]] = {}
    waits: dict[tuple[str, int], WaitSampler] = {}
    references: dict[tuple[str, int], Reference] = {}
    for clients in CLIENTS:
        for case, lines, size, seconds in cases:
            (outcome, waits[case, clients]), reference = bracketed(
                clients,
                options.pgbench_seconds,
                functools.partial(measure, fixture, lines, size, clients, seconds),
            )
            figures[case, clients] = (outcome, reference.mean)
            references[case, clients] = reference

    print()
    print(
        "end-to-end payments: request_create → document_submit (freeze) → instance_approve ×2 "
        "(the second: monitoring,\nvoucher) → bank_file_create (pain.001) → the bank's results "
        "(frozen → paid); single payments of 1.00–10.00 yuan\n"
        f"for {options.seconds:.0f} s per run (bank_result_record), batch requests of "
        f"{options.batch_lines:,} lines of 0.01–0.10 yuan on the spread lines for "
        f"{options.batch_seconds:.0f} s\n(bank_results_record: the file's results at once); one "
        "process and connection per client; pgbench: TPC-B-like TPS,\nscale 10, "
        f"-T {options.pgbench_seconds}, -j min(clients, cores), the mean of -M simple and "
        "-M prepared before and after each case"
    )
    header = (
        f"{'case':<20} {'clients':>7} {'requests':>8} {'lines':>7} {'lines/s':>8} "
        f"{'ms/req':>7} {'pgbench TPS':>11} {'ratio':>7} {'failed':>6}"
    )
    print(header)
    print("-" * len(header))
    for (case, clients), (o, tps) in figures.items():
        latency = 1000 * sum(o.seconds.values()) / max(o.done, 1)
        print(
            f"{case:<20} {clients:>7} {o.done:>8} {o.lines:>7} {o.line_rate:>8.1f} "
            f"{latency:>7.0f} {tps:>11.0f} {o.line_rate / tps:>7.4f} {o.failures:>6}"
        )
    print(
        "(lines/s: Σ over clients of lines paid ÷ that client's elapsed time, the request in "
        "flight at the deadline included;\nms/req: mean wall time of one request in a client; "
        "ratio: lines/s ÷ pgbench TPS)"
    )
    for (case, clients), reference in references.items():
        print(f"  {case}, {clients} clients — {reference.describe()}")
    print()
    header = f"{'ms per step p50/p95':<20} {'clients':>7}" + "".join(f" {s:>11}" for s in STEPS)
    header += f" {'CPU py':>6} {'CPU pg':>6} {'own file':>8} {'shared':>6} {'retries':>7}"
    print(header)
    print("-" * len(header))

    def per_line(o: Outcome, seconds: float) -> str:
        return f"{1000 * seconds / max(o.lines, 1):.2f}" if seconds >= 0 else "?"

    def p50_p95(samples: list[float]) -> str:
        return f"{1000 * percentile(samples, 50):.0f}/{1000 * percentile(samples, 95):.0f}"

    for (case, clients), (o, _) in figures.items():
        print(
            f"{case:<20} {clients:>7}"
            + "".join(f" {p50_p95(o.samples[s]):>11}" for s in STEPS)
            + f" {per_line(o, o.cpu_client):>6} {per_line(o, o.cpu_server):>6}"
            + f" {o.own_files:>8} {o.shared_files:>6} {o.retries:>7}"
        )
    print(
        "(p50/p95: wall ms of the step, per request; CPU py / CPU pg: CPU ms per payment line of "
        "the client processes / of their\nPostgreSQL backends (/proc); own file: the client's "
        "voucher left in the file it created; shared: in another\nclient's file; retries: "
        "bank_file_create called again because the voucher was locked by a file not yet "
        "committed)"
    )
    print(
        "\nwhat the clients' backends were doing, mean number of backends per 50 ms sample of "
        "pg_stat_activity\n(Python …: idle, the client computing; others: wait_event_type:"
        "wait_event of an active backend)"
    )
    for (case, clients), sampler in waits.items():
        print(f"{case:<20} {clients:>7}   {sampler.summary()}")

    single, tps = figures[spread, CORES]
    met = single.line_rate / tps >= GOAL
    print(
        f"\ngoal: single payments/s at {CORES} clients (spread lines) ≥ {GOAL} × pgbench TPS: "
        f"{single.line_rate:.1f} / {tps:.0f} = {single.line_rate / tps:.4f} → "
        f"{'met' if met else 'NOT met'}"
    )
    slow = [
        f"{step} {1000 * percentile(o.samples[step], 95):.0f} ms ({case}, {clients})"
        for (case, clients), (o, _) in figures.items()
        if case != batch
        for step in STEPS
        if percentile(o.samples[step], 95) >= STEP_P95_GOAL
    ]
    steps_met = not slow
    print(
        f"goal: each step of a single payment p95 < {1000 * STEP_P95_GOAL:.0f} ms → "
        + ("met" if steps_met else "NOT met: " + "; ".join(slow))
    )
    batch_met = True
    for clients in CLIENTS:
        o, tps = figures[batch, clients]
        ok = o.line_rate / tps >= BATCH_GOAL
        batch_met = batch_met and ok
        print(
            f"goal: payment lines/s through {batch} requests at {clients} clients ≥ "
            f"{BATCH_GOAL} × pgbench TPS: {o.line_rate:.0f} / {tps:.0f} = "
            f"{o.line_rate / tps:.3f} → {'met' if ok else 'NOT met'}"
        )
    if single.cpu_server >= 0 and single.done:
        cpu = (single.cpu_client + single.cpu_server) / single.done
        ceiling = CORES / cpu
        print(
            f"  CPU bound: {1000 * cpu:.0f} ms of CPU per single payment (client + backend, "
            f"{CORES} clients) → at most {ceiling:.1f} payments/s on {CORES} cores, a ratio of "
            f"at most {ceiling / tps:.4f}"
        )
    failures = sum(o.failures for o, _ in figures.values())
    for (case, clients), (o, _) in figures.items():
        if o.error:
            print(f"  failed ({case}, {clients} clients): {o.failures} × e.g. {o.error}")

    # --- Salary sheet -------------------------------------------------------------------------
    base, bonus = salary_amounts(fixture, options.employees)
    started = time.perf_counter()
    sheet = WORK_DIR / "工资表.xlsx"
    sheet.write_bytes(salary_sheet(options.employees, base, bonus))
    built = time.perf_counter() - started
    connections.close_all()
    salary = [("PostgreSQL", *run_salary("postgres", sheet))]
    if not options.no_sqlite:
        salary.append(("SQLite", *run_salary("sqlite", sheet)))
    print(
        f"\nsalary sheet → payment request: {options.employees:,} employees, 基本工资 {base} + "
        f"绩效 {bonus}–{bonus + 6} yuan, 1 % tax and 10 yuan fund withheld; the .xlsx "
        f"({sheet.stat().st_size / 1e6:.1f} MB) built in {built:.1f} s, not timed"
    )
    header = (
        f"{'database':<10} {'import s':>8} {'request s':>9} {'total s':>7} {'peak MB':>7} "
        f"{'before MB':>9} {'employees':>9} {'lines':>6} {'ind. lines':>10} {'total yuan':>14}"
    )
    print(header)
    print("-" * len(header))
    for name, figure, _ in salary:
        print(
            f"{name:<10} {figure['import']:>8.2f} {figure['request']:>9.2f} "
            f"{figure['import'] + figure['request']:>7.2f} {figure['peak_mb']:>7.0f} "
            f"{figure['before_mb']:>9.0f} {figure['employees']:>9,} {figure['lines']:>6,} "
            f"{figure['indicator_lines']:>10} {Money(figure['total_fen']).format():>14}"
        )
    print(
        "(timed together: payroll_import + payroll_request_create, automatic matching; peak MB: "
        "ru_maxrss of the fresh\nsubprocess after both calls; before MB: its ru_maxrss just "
        "before them, after Django setup and reading the file)"
    )
    salary_met = True
    for name, figure, _ in salary:
        salary_seconds = figure["import"] + figure["request"]
        salary_met = salary_met and salary_seconds < SALARY_GOAL
        print(
            f"goal: {options.employees:,} employees → request in < {SALARY_GOAL:.0f} s on {name}: "
            f"{salary_seconds:.1f} s → {'met' if salary_seconds < SALARY_GOAL else 'NOT met'}"
        )

    # --- Consistency ---------------------------------------------------------------------------
    ours = PaymentRequest.objects.filter(purpose=PURPOSE)
    unpaid = dict(
        ours.exclude(state=RequestState.PAID).values_list("state").annotate(n=Count("pk"))
    )
    paid = ours.filter(state=RequestState.PAID).count()
    print(
        f"\nbenchmark requests: {paid:,} paid"
        + (f", NOT paid: {unpaid}" if unpaid else ", none left unpaid")
    )
    differences = reconcile()
    sqlite_differences = [f["differences"] for name, f, _ in salary if name == "SQLite"]
    if differences or any(sqlite_differences):
        for difference in differences[:20]:
            print(f"  {difference}")
        raise SystemExit(
            f"the ledger does NOT reconcile: {len(differences)} differences on PostgreSQL, "
            f"{sqlite_differences or '-'} on SQLite; databases kept ({BENCH_DB}, {WORK_DIR})"
        )
    print(
        "reconcile(): the ledger reconciles (0 differences on PostgreSQL"
        + ("" if options.no_sqlite else ", 0 on SQLite")
        + ")"
    )

    if options.profile or not met or not steps_met:
        print()
        print(profile_payments(fixture, 5))
    if options.profile or not batch_met:
        print()
        print(profile_payments(fixture, 10, options.batch_lines))
    if options.profile or not salary_met:
        variant = WORK_DIR / "工资表-2.xlsx"
        variant.write_bytes(salary_sheet(options.employees, base, bonus, variant="乙"))
        connections.close_all()
        figure, listing = run_salary("postgres", variant, profile=True)
        print(
            f"\nsalary sheet on PostgreSQL again under cProfile (another sheet, untimed: "
            f"{figure['import'] + figure['request']:.1f} s); top 25 by cumulative time:\n{listing}"
        )
    if failures or unpaid:
        raise SystemExit(
            f"{failures} payments failed, {sum(unpaid.values())} requests not paid; databases "
            f"kept ({BENCH_DB}, {WORK_DIR})"
        )
    if not options.keep:
        drop_database(BENCH_DB)
        drop_database(PGBENCH_DB)
        shutil.rmtree(WORK_DIR, ignore_errors=True)
    else:
        print(f"kept: {BENCH_DB}, {PGBENCH_DB}, {WORK_DIR}")
    print(f"total run time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
