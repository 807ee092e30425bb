"""The indicator ledger's first page at district scale (issue 16: < 200 ms server time, median of
20), on the embedded SQLite database the demo uses.

Usage: .venv/bin/python bench/ledger_grid.py [--scale district] [--runs 20] [--var-dir DIR]
Loads the demo at the scale (as of 2026-09-15) into a scratch var directory (or reuses DIR when it
holds one), then times in-process requests through the whole Django stack (middleware, session,
scope, the view, the template) as ``wj_budget`` (the whole region):

- the ledger's first page (50 rows, the default columns and the total row);
- the same grouped by department (subtotal rows over every matching line);
- a search by a unit's name; a page in the middle sorted by available;
- the Excel export of the whole ledger (every line, all pages);
- the indicator documents' and the audit log's first pages (the audit log as ``wj_auditor``);
- reference: ``/healthz`` (one ``SELECT 1``) through the same stack, so figures read as ratios.

Prints the median and the 90th percentile of each, and the ratio of the first page's median to the
reference's. Exits non-zero when the first page's median is 200 ms or more.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT_MS = 200.0


def load_demo(var_dir: str, scale: str) -> None:
    if (Path(var_dir) / "yusuan.sqlite3").exists():
        return
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(YUSUAN_VAR_DIR=var_dir, DJANGO_SETTINGS_MODULE="yusuan.conf.dev")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "yusuan", "demo", "--scale", scale, "--no-serve"]
        + ["--as-of", "2026-09-15"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    print(f"demo ({scale}) loaded in {time.perf_counter() - started:.0f} s")


def timed(client: object, path: str, runs: int) -> list[float]:
    get = client.get  # type: ignore[attr-defined]
    get(path)  # warm: templates, code names, the query plan
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        response = get(path)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return out


def report(name: str, samples: list[float], reference: float | None = None) -> float:
    median = statistics.median(samples)
    p90 = sorted(samples)[int(len(samples) * 0.9) - 1]
    ratio = f", {median / reference:.1f}× the reference" if reference else ""
    print(f"{name}: median {median:.1f} ms, p90 {p90:.1f} ms{ratio}")
    return median


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="district")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--var-dir", default="")
    args = parser.parse_args()
    var_dir = args.var_dir or tempfile.mkdtemp(prefix="yusuan-bench-ledger-")
    load_demo(var_dir, args.scale)
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(YUSUAN_VAR_DIR=var_dir, DJANGO_SETTINGS_MODULE="yusuan.conf.dev")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.test import Client

    from yusuan.identity.models import User
    from yusuan.indicators.models import IndicatorLine

    user = User.objects.get(username="wj_budget")
    client = Client(HTTP_HOST="127.0.0.1")  # the dev settings allow the local host only
    client.force_login(user)
    lines = IndicatorLine.objects.filter(mof_div_code=user.organisation.mof_div_code).count()
    print(f"{lines} indicator lines in the region; {args.runs} runs each")
    reference = report("reference /healthz", timed(client, "/healthz", args.runs))
    first = report("ledger, first page", timed(client, "/indicators/ledger/", args.runs), reference)
    report(
        "ledger, subtotals by department",
        timed(client, "/indicators/ledger/?group=department", args.runs),
        reference,
    )
    report(
        "ledger, a unit by name",
        timed(client, "/indicators/ledger/?organisation=实验小学", args.runs),
        reference,
    )
    report(
        "ledger, page 10 sorted by available",
        timed(client, "/indicators/ledger/?sort=-available&page=10", args.runs),
        reference,
    )
    report(
        "ledger, Excel export of every line",
        timed(client, "/indicators/ledger/?export=xlsx", max(3, args.runs // 5)),
        reference,
    )
    # The other big lists on the same grid (the audit log as the region's auditor).
    report(
        "indicator documents, first page",
        timed(client, "/indicators/documents/", args.runs),
        reference,
    )
    auditor = Client(HTTP_HOST="127.0.0.1")
    auditor.force_login(User.objects.get(username="wj_auditor"))
    report("audit log, first page", timed(auditor, "/audit/", args.runs), reference)
    report(
        "audit log, sorted by time, page 5",
        timed(auditor, "/audit/?sort=time&page=5", args.runs),
        reference,
    )
    if first >= LIMIT_MS:
        print(f"FAIL: the first page's median {first:.1f} ms is not under {LIMIT_MS:.0f} ms")
        return 1
    print(f"ok: the first page's median is under {LIMIT_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
