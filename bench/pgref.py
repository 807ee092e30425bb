"""What the benchmark scripts share: the PostgreSQL server they use, scratch databases named for
this run, and the pgbench reference (TPC-B-like TPS on the same server, so figures are read as
ratios) taken so that a change of load cannot hide in the ratio (issue 20 item 5):

- pgbench runs in both protocols, ``-M simple`` and ``-M prepared`` (the app prepares its
  statements, ADR 0010; prepared pgbench is 15–29 % faster here), **before and after** each
  measured case, and the case's ratio is taken against the mean of those four runs;
- the four runs' spread (max/min) and the load average before and after are printed beside the
  ratio: a spread above :data:`NOISY` marks the row as measured on a moving machine;
- scratch databases carry this run's id (``yusuan_pgbench_<run>``), so two benches on one server
  never drop each other's databases.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import statistics
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

import psycopg

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
# A child process of a bench (salary import, a worker) inherits its parent's run id.
RUN_ID = os.environ.setdefault("BENCH_RUN_ID", uuid.uuid4().hex[:8])
PGBENCH_DB = f"yusuan_pgbench_{RUN_ID}"
MODES = ("simple", "prepared")
NOISY = 1.25  # the reference moved by more than a quarter during one case

T = TypeVar("T")


def scratch(name: str) -> str:
    """A scratch database name for this run: ``<name>_<run id>``."""
    return f"{name}_{RUN_ID}"


def recreate_database(name: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    try:
        from django.conf import settings
        from django.db import connections
    except ImportError:  # pragma: no cover - a bench without Django
        pass
    else:
        if settings.configured:  # bench/pages.py talks to the server only over HTTP
            connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pgbench(args: list[str]) -> str:
    server = urlsplit(SERVER)
    command = [
        "pgbench",
        "-h",
        server.hostname or "127.0.0.1",
        "-p",
        str(server.port or 5432),
        "-U",
        server.username or "postgres",
        *args,
        PGBENCH_DB,
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def pgbench_init(scale: int = 10) -> None:
    recreate_database(PGBENCH_DB)
    pgbench(["-i", "-s", str(scale), "-q"])


def pgbench_tps(clients: int, seconds: int, mode: str = "simple") -> float:
    threads = min(clients, os.cpu_count() or 1)
    output = pgbench(["-M", mode, "-c", str(clients), "-j", str(threads), "-T", str(seconds)])
    found = re.search(r"tps = ([\d.]+)", output)
    if found is None:
        raise SystemExit(f"pgbench printed no tps:\n{output}")
    return float(found.group(1))


def load_average() -> float:
    return os.getloadavg()[0]


def python_calibration() -> str:
    """CPU ms of a fixed pure-Python workload (JSON, hashing, dicts: what a request's Python does),
    best of five. The same commit measured in two sessions on this virtual machine ran 30–45 % slower
    in the second while pgbench at one client ran 2× faster (issue 20, 2026-12-06): the ratios alone
    cannot tell a slower application from a faster disk, so every bench prints this beside them."""
    data = {f"k{i}": i for i in range(200)}
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        for _ in range(300):
            hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
            data = {k: v + 1 for k, v in data.items()}
        best = min(best, time.process_time() - started)
    return f"Python calibration {1000 * best:.0f} ms (bench/pgref.py: lower is a faster CPU)"


@dataclass(frozen=True)
class Reference:
    """pgbench around one measured case: each protocol before and after."""

    clients: int
    before: dict[str, float]
    after: dict[str, float]
    load_before: float
    load_after: float

    @property
    def runs(self) -> list[float]:
        return [*self.before.values(), *self.after.values()]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.runs)

    @property
    def spread(self) -> float:
        return max(self.runs) / min(self.runs)

    @property
    def noisy(self) -> bool:
        return self.spread > NOISY

    def ratio(self, rate: float) -> float:
        return rate / self.mean

    def describe(self) -> str:
        runs = " ".join(
            f"{mode[:4]} {self.before[mode]:.0f}→{self.after[mode]:.0f}" for mode in MODES
        )
        flag = "  NOISY" if self.noisy else ""
        return (
            f"pgbench c={self.clients}: {runs} (mean {self.mean:.0f}, spread ×{self.spread:.2f});"
            f" load {self.load_before:.1f}→{self.load_after:.1f}{flag}"
        )


def reference_tps(clients: int, seconds: int) -> dict[str, float]:
    return {mode: pgbench_tps(clients, seconds, mode) for mode in MODES}


def bracketed(clients: int, seconds: int, case: Callable[[], T]) -> tuple[T, Reference]:
    """Run ``case`` between two pgbench references at ``clients`` (each protocol, ``seconds``
    each); its result and the reference to divide it by."""
    load_before = load_average()
    before = reference_tps(clients, seconds)
    result = case()
    after = reference_tps(clients, seconds)
    return result, Reference(clients, before, after, load_before, load_average())


def wait_for_quiet(limit: float = 1.0, seconds: float = 30.0) -> float:
    """Wait up to ``seconds`` for the load average to fall below ``limit``; the load seen."""
    deadline = time.monotonic() + seconds
    while load_average() >= limit and time.monotonic() < deadline:
        time.sleep(2)
    return load_average()
