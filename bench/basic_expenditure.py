"""Times the year's basic expenditure by quota (R-PJ-5, R-PJ-8) for a district: a 7,500-person
sheet imported into a fresh database, the budget snapshot taken, every unit's 人员类 and 公用经费
computed, stored and made into its two system projects — on SQLite and on PostgreSQL, beside
``migrate`` alone on the same database.

Usage: .venv/bin/python bench/basic_expenditure.py [--people 7500] [--units 300] [--no-postgres]
Environment: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server; the
script creates and drops one scratch database there, ``yusuan_bench_basic``, and uses a temporary
folder for SQLite. It never touches any other database. BENCH_PROFILE=import, snapshot or
compute (1: compute) prints that step's profile.

Each database runs in a child process: ``migrate`` (timed: the reference); the region, units and
officers, the budget year opened and each unit's 编制 with its function line and vehicles (not
timed: setup); the sheet written (bench/personnel_import.py's generator, timed apart); then,
timed: ``people_import`` of the whole sheet, ``snapshot_take`` for the budget year and
``basic_compute`` of the region. Goal: import + snapshot + compute under 10 s on both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from databases import on_both  # noqa: E402
from personnel_import import people_sheet, setup_region  # noqa: E402

BENCH_DB = "yusuan_bench_basic"
GOAL = 10.0
YEAR = 2027


def child(people: int, units: int) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from yusuan.core.models import Organisation
    from yusuan.core.services.fiscal_years import fiscal_year_open
    from yusuan.identity.services import UserData, user_create
    from yusuan.personnel.models import Establishment
    from yusuan.personnel.services import people_import, snapshot_take
    from yusuan.projects.models import BasicLine, Project
    from yusuan.projects.services.basic import basic_compute

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate = time.perf_counter() - started

    admin, officer, codes = setup_region(units)
    with transaction.atomic():
        fiscal_year_open(actor=admin, mof_div_code="320509", year=YEAR - 1)
        fiscal_year_open(actor=admin, mof_div_code="320509", year=YEAR)
        budget = user_create(
            actor=None,
            data=UserData(
                username="bench_budget",
                full_name="预算科",
                organisation_id=Organisation.objects.get(code="F00-YS").pk,
                role_codes=("budget_officer",),
            ),
            password="Bench@2026x",  # noqa: S106 - a scratch database
        )
        schools = Organisation.objects.filter(code__in=codes)
        Establishment.objects.bulk_create(
            Establishment(
                mof_div_code="320509",
                fiscal_year=YEAR,
                organisation=school,
                institution=people // units + 3,
                leader_posts=2,
                vehicles=n % 3,
                functional_code="2050203",  # 初中教育
                document_no=f"吴编〔2026〕{n}号",
                created_by=admin,
            )
            for n, school in enumerate(schools)
        )
    started = time.perf_counter()
    data = people_sheet(people, codes)
    sheet = time.perf_counter() - started

    # BENCH_PROFILE=import|snapshot|compute (1 = compute): that step's profile on stderr.
    wanted = os.environ.get("BENCH_PROFILE", "")
    wanted = "compute" if wanted == "1" else wanted
    timings: dict[str, float] = {}

    def timed(step: str, work: Any) -> Any:
        profiler = None
        if step == wanted:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        done = work()
        timings[step] = time.perf_counter() - started
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        return done

    result = timed(
        "import",
        lambda: people_import(
            actor=officer, data=data, filename="people.xlsx", effective_from=dt.date(2026, 1, 1)
        ),
    )
    snapshot = timed(
        "snapshot",
        lambda: snapshot_take(
            actor=officer, mof_div_code="320509", fiscal_year=YEAR, as_of=dt.date(2026, 6, 30)
        ),
    )
    outcome = timed(
        "compute", lambda: basic_compute(actor=budget, mof_div_code="320509", fiscal_year=YEAR)
    )
    started = time.perf_counter()
    again = basic_compute(actor=budget, mof_div_code="320509", fiscal_year=YEAR)
    timings["recompute_unchanged"] = time.perf_counter() - started
    assert result.people == people == snapshot.people
    assert not again.new_version and outcome.run.units == units
    print(
        json.dumps(
            {
                "migrate": migrate,
                "sheet": sheet,
                **timings,
                "people": people,
                "units": outcome.run.units,
                "rows": BasicLine.objects.filter(run=outcome.run).count(),
                "projects": Project.objects.filter(fiscal_year=YEAR).count(),
                "personnel_yuan": outcome.run.personnel_fen / 100,
                "public_yuan": outcome.run.public_fen / 100,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=7500)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.people, args.units)
        return
    results = on_both(
        __file__,
        BENCH_DB,
        ["--people", str(args.people), "--units", str(args.units)],
        postgres=not args.no_postgres,
    )
    for name, r in results.items():
        total = r["import"] + r["snapshot"] + r["compute"]
        verdict = "ok" if total < GOAL else f"OVER the {GOAL:.0f} s goal"
        print(
            f"{name}: {r['people']:,} people in {r['units']} units — import {r['import']:.2f} s, "
            f"snapshot {r['snapshot']:.2f} s, compute {r['compute']:.2f} s "
            f"({r['rows']:,} rows, {r['projects']} projects); total {total:.2f} s ({verdict}); "
            f"migrate alone {r['migrate']:.2f} s (total = {total / r['migrate']:.2f}× migrate); "
            f"unchanged recompute {r['recompute_unchanged']:.2f} s; "
            f"writing the sheet {r['sheet']:.2f} s; "
            f"人员类 {r['personnel_yuan']:,.2f} 元, 公用经费 {r['public_yuan']:,.2f} 元"
        )


if __name__ == "__main__":
    main()
