"""Pages under load: the district demo on PostgreSQL served by ``yusuan serve`` (gunicorn, one
worker per core, production settings), visited by 10 and then 50 simulated users who each
think ~5 s between pages (issue 20 item 5).

Usage: .venv/bin/python bench/pages.py [--users 10,50] [--seconds 60] [--think 5]
       [--workers 0 (cores)] [--database-url URL] [--keep]           (about 6 minutes)

Environment: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server. Unless
``--database-url`` names a database that already holds a demo, the script creates
``yusuan_bench_pages_<run>`` there and loads the district demo into it (``yusuan demo --scale
district --no-serve --as-of 2026-09-15``, about 2 ½ minutes), and drops it at the end. The server
listens on a free port of 127.0.0.1 only; nothing leaves the machine.

What it measures, for each number of users (one thread and one session each, signed in and
walked once through its journey before the clock starts, every login a different demo account in
turn):

- every response's wall time as the user sees it; p50, p95 and p99 over all pages, and p95 per
  page; a response that is not 200 is counted as an error and named;
- CPU per page on the server: the gunicorn workers' user + system time (``/proc/<pid>/stat``)
  over the run ÷ the pages served, so it is what a page costs in production, middleware,
  sessions and templates included (the users' own CPU is printed apart: they share the cores);
- the load average before and after.

Goals (issue 20): at 50 users p95 < 200 ms, and CPU per page ≤ 30 ms.
Each user walks its role's journey (the home page, lists, a payment's page) in order, again and
again; the think time is uniform between 0.5 and 1.5 × ``--think``, so users do not march in step.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import requests
from pgref import (
    SERVER,
    drop_database,
    load_average,
    python_calibration,
    recreate_database,
    scratch,
)

ROOT = Path(__file__).resolve().parent.parent
YUSUAN = str(ROOT / ".venv" / "bin" / "yusuan")
PASSWORD = "Yusuan@2026"  # noqa: S105 - the demo logins' published password
AS_OF = "2026-09-15"
P95_GOAL_MS = 200.0
CPU_GOAL_MS = 30.0

# Each role's walk through the pages it uses most; "{payment}" is a payment request the user can
# see (read from its own list after signing in).
JOURNEYS: dict[str, list[str]] = {
    "school_clerk": ["/", "/payments/", "{payment}", "/indicators/ledger/", "/workflow/submitted/"],
    "school_approver": ["/", "/workflow/inbox/", "/payments/", "{payment}"],
    "edu_clerk": ["/", "/payments/", "{payment}", "/indicators/ledger/", "/personnel/"],
    "wj_sector_edu": [
        "/",
        "/payments/",
        "/indicators/documents/",
        "/projects/",
        "/workflow/inbox/",
    ],
    "wj_treasury": ["/", "/payments/", "{payment}", "/payments/monitoring/findings/"],
    "wj_budget": ["/", "/indicators/documents/", "/indicators/ledger/", "/core/organisations/"],
    "wj_auditor": ["/audit/", "/", "/accounting/vouchers/", "/indicators/ledger/"],
}
PAYMENT_LINK = re.compile(r'href="(/payments/\d+/)"')


@dataclass
class Results:
    times: list[float] = field(default_factory=list)  # ms
    by_page: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, ms: float, status: int) -> None:
        with self.lock:
            self.times.append(ms)
            self.by_page[page].append(ms)
            if status != 200:
                self.errors[f"{status} {page}"] += 1


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


class User:
    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.username = username
        self.session = requests.Session()
        self.journey = list(JOURNEYS[username])
        self.step = random.randrange(len(self.journey))

    def sign_in(self) -> None:
        page = self.session.get(f"{self.base}/accounts/login/", timeout=30)
        token = self.session.cookies.get("csrftoken") or ""
        answer = self.session.post(
            f"{self.base}/accounts/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": page.url},
            timeout=60,
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise SystemExit(f"{self.username} could not sign in: {answer.status_code}")
        if "{payment}" in self.journey:
            listing = self.session.get(f"{self.base}/payments/", timeout=30).text
            found = PAYMENT_LINK.search(listing)
            if found is None:
                raise SystemExit(f"{self.username} sees no payment request to open")
            self.journey = [found.group(1) if p == "{payment}" else p for p in self.journey]

    def warm(self) -> None:
        """Its journey once, before the clock: a worker's first request for a page compiles its
        templates and fills its caches, a cost a server that runs for days pays once."""
        for page in self.journey:
            self.session.get(f"{self.base}{page}", timeout=60)

    def run(self, deadline: float, think: float, results: Results) -> None:
        time.sleep(random.uniform(0, think))  # arrive spread over one think time
        while time.monotonic() < deadline:
            page = self.journey[self.step % len(self.journey)]
            self.step += 1
            began = time.perf_counter()
            try:
                status = self.session.get(f"{self.base}{page}", timeout=60).status_code
            except requests.RequestException as exc:
                status = 599
                results.errors[f"{type(exc).__name__} {page}"] += 1
            results.add(re.sub(r"\d+", "N", page), 1000 * (time.perf_counter() - began), status)
            time.sleep(random.uniform(0.5 * think, 1.5 * think))


def start_server(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    argv = [YUSUAN, "serve", "--bind", f"127.0.0.1:{port}"]
    if workers:
        argv += ["--workers", str(workers)]
    log = open(Path(env["YUSUAN_VAR_DIR"]) / "serve.log", "wb")  # noqa: SIM115 - the server's
    server = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).ok:
                return server
        except requests.RequestException:
            pass
        if server.poll() is not None:
            raise SystemExit(
                f"the server stopped: {(Path(env['YUSUAN_VAR_DIR']) / 'serve.log').read_text()[-2000:]}"
            )
        time.sleep(1)
    raise SystemExit("the server did not answer within two minutes")


def measure(base: str, master: int, users: int, seconds: float, think: float) -> dict[str, object]:
    accounts = list(JOURNEYS)
    people = [User(base, accounts[i % len(accounts)]) for i in range(users)]
    for person in people:
        person.sign_in()
    for person in people:
        person.warm()
    results = Results()
    workers = worker_pids(master)
    load_before = load_average()
    cpu_before = cpu_seconds(workers)
    own_before = time.process_time()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=p.run, args=(deadline, think, results), daemon=True) for p in people
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    served = len(results.times)
    return {
        "users": users,
        "pages": served,
        "per_second": served / seconds,
        "p50": percentile(results.times, 50),
        "p95": percentile(results.times, 95),
        "p99": percentile(results.times, 99),
        "mean": statistics.fmean(results.times) if results.times else float("nan"),
        "cpu_ms": 1000 * (cpu_seconds(workers) - cpu_before) / max(served, 1),
        "client_cpu_ms": 1000 * (time.process_time() - own_before) / max(served, 1),
        "errors": dict(results.errors),
        "by_page": {
            page: (len(times), percentile(times, 50), percentile(times, 95))
            for page, times in sorted(results.by_page.items())
        },
        "load": (load_before, load_average()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", default="10,50", help="comma-separated user counts")
    parser.add_argument("--seconds", type=float, default=60, help="seconds per user count")
    parser.add_argument("--think", type=float, default=5, help="mean think time (s)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: cores)")
    parser.add_argument("--database-url", help="a database that already holds the demo")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    options = parser.parse_args()
    began = time.perf_counter()
    var_dir = Path(tempfile.mkdtemp(prefix="yusuan-bench-pages-"))
    database = scratch("yusuan_bench_pages")
    url = options.database_url or f"{SERVER}/{database}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "YUSUAN_VAR_DIR": str(var_dir),
        "YUSUAN_SECRET_KEY": "bench-only-" + "x" * 40,
        "YUSUAN_SECURE_COOKIES": "false",  # plain HTTP on the loopback
        "YUSUAN_ALLOWED_HOSTS": "127.0.0.1",
    }
    if not options.database_url:
        recreate_database(database)
        demo = subprocess.run(
            [YUSUAN, "demo", "--scale", "district", "--no-serve", "--as-of", AS_OF],
            env={**env, "DJANGO_SETTINGS_MODULE": "yusuan.conf.dev"},
            capture_output=True,
            text=True,
        )
        if demo.returncode:
            raise SystemExit(demo.stderr[-3000:])
        print(f"district demo loaded into {database} in {time.perf_counter() - began:.0f} s")
    port = free_port()
    server = start_server(env, port, options.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        workers = worker_pids(server.pid)
        print(
            f"yusuan serve: {len(workers)} gunicorn workers on {os.cpu_count()} cores, {base}; "
            f"load average {load_average():.1f}; {python_calibration()}"
        )
        rows = []
        for users in (int(x) for x in options.users.split(",")):
            rows.append(measure(base, server.pid, users, options.seconds, options.think))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        if not options.database_url and not options.keep:
            drop_database(database)
        shutil.rmtree(var_dir, ignore_errors=True)

    print(
        f"\n{options.seconds:.0f} s per row, think time {0.5 * options.think:.1f}–"
        f"{1.5 * options.think:.1f} s; ms are wall time per page as the user sees it; CPU ms: "
        "gunicorn workers' CPU per page served (users: the load generator's own)"
    )
    header = (
        f"{'users':>5} {'pages':>6} {'pages/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} "
        f"{'CPU ms':>7} {'users CPU':>9} {'errors':>6} {'load':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        load = r["load"]
        assert isinstance(load, tuple)
        errors = r["errors"]
        assert isinstance(errors, dict)
        print(
            f"{r['users']:>5} {r['pages']:>6} {r['per_second']:>7.1f} {r['p50']:>7.0f} "
            f"{r['p95']:>7.0f} {r['p99']:>7.0f} {r['cpu_ms']:>7.1f} {r['client_cpu_ms']:>9.1f} "
            f"{sum(errors.values()):>6} {load[0]:>4.1f}→{load[1]:<4.1f}"
        )
    for r in rows:
        print(f"\n{r['users']} users, per page (count, p50 ms, p95 ms):")
        by_page = r["by_page"]
        assert isinstance(by_page, dict)
        for page, (count, p50, p95) in by_page.items():
            print(f"  {page:<36} {count:>5} {p50:>7.0f} {p95:>7.0f}")
        errors = r["errors"]
        assert isinstance(errors, dict)
        for error, count in errors.items():
            print(f"  error: {error} ×{count}")
    last = rows[-1]
    p95_met = float(last["p95"]) < P95_GOAL_MS  # type: ignore[arg-type]
    cpu_met = float(last["cpu_ms"]) <= CPU_GOAL_MS  # type: ignore[arg-type]
    print(
        f"\ngoals at {last['users']} users: p95 {float(last['p95']):.0f} ms < {P95_GOAL_MS:.0f} "  # type: ignore[arg-type]
        f"→ {'met' if p95_met else 'NOT met'}; CPU {float(last['cpu_ms']):.1f} ms per page ≤ "  # type: ignore[arg-type]
        f"{CPU_GOAL_MS:.0f} → {'met' if cpu_met else 'NOT met'}"
    )
    print(f"total run time {time.perf_counter() - began:.0f} s")
    if any(r["errors"] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
