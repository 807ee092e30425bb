"""Times the initial load of the personnel database: a 7,500-row people sheet (.xlsx) imported
into a fresh database, on SQLite and on PostgreSQL, beside ``migrate`` alone on the same database.

Usage: .venv/bin/python bench/personnel_import.py [--people 7500] [--units 300] [--no-postgres]
Environment: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server; the
script creates and drops one scratch database there, ``yusuan_bench_personnel``, and uses a
temporary folder for SQLite. It never touches any other database.

Each database runs in a child process: ``migrate`` (timed: the reference), the region with
``--units`` budget units and the finance personnel officer (not timed), the sheet written with
openpyxl (timed apart), then ``people_import`` of the whole sheet (timed: reading and checking
every row, R-PS-1 against the database, the bulk write of people and first periods, the audit
record). Goal: the import well under 10 s on both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from databases import on_both  # noqa: E402

BENCH_DB = "yusuan_bench_personnel"
GOAL = 10.0


def setup_region(units: int) -> tuple[Any, Any, list[str]]:
    """The region, its administrator, the finance personnel officer and ``units`` schools under
    one department (not timed). Returns (administrator, officer, unit codes)."""
    from django.db import transaction

    from yusuan.core.choices import BudgetLevel, OrganisationKind
    from yusuan.core.services.organisations import OrganisationData, organisation_create
    from yusuan.core.services.regions import region_bootstrap
    from yusuan.identity.services import UserData, user_create

    with transaction.atomic():
        setup = region_bootstrap(
            mof_div_code="320509",
            name="吴江区",
            ancestors=(),
            bureau_name="苏州市吴江区财政局",
            bureau_code="F00",
        )
        admin = user_create(
            actor=None,
            data=UserData(
                username="bench_admin",
                full_name="管理员",
                organisation_id=setup.administration.pk,
                role_codes=("sysadmin",),
            ),
            password="Bench@2026x",  # noqa: S106 - a scratch database
        )
        budget = organisation_create(
            actor=admin,
            mof_div_code="320509",
            data=OrganisationData(
                code="F00-YS",
                name="预算科",
                kind=OrganisationKind.FINANCE_DIVISION,
                parent_id=setup.bureau.pk,
                division_type="budget",
            ),
        )
        officer = user_create(
            actor=None,
            data=UserData(
                username="bench_personnel",
                full_name="人员库",
                organisation_id=budget.pk,
                role_codes=("personnel_officer",),
            ),
            password="Bench@2026x",  # noqa: S106 - a scratch database
        )
        department = organisation_create(
            actor=admin,
            mof_div_code="320509",
            data=OrganisationData(
                code="102",
                name="教育局",
                kind=OrganisationKind.DEPARTMENT,
                agency_type="1",
                budget_level=BudgetLevel.FIRST,
            ),
        )
        codes = []
        for n in range(units):
            unit = organisation_create(
                actor=admin,
                mof_div_code="320509",
                data=OrganisationData(
                    code=f"102{n:03d}",
                    name=f"学校{n}",
                    kind=OrganisationKind.UNIT,
                    parent_id=department.pk,
                    agency_type="31",
                    budget_level=BudgetLevel.BASIC,
                ),
            )
            codes.append(unit.code)

    return admin, officer, codes


def people_sheet(people: int, codes: list[str]) -> bytes:
    """The 7,500-row .xlsx of teachers spread over the units (also used by
    bench/basic_expenditure.py)."""
    from stdnum.cn import ric

    from yusuan.common.tabular import write_table
    from yusuan.personnel.services.sheet import COLUMNS

    units = len(codes)
    rng = random.Random(7500)
    keys = [c.key for c in COLUMNS]
    rows = []
    for i in range(people):
        born = dt.date(1965 + i % 35, 1 + i % 12, 1 + i % 28)
        body = f"320584{born:%Y%m%d}{i % 1000:03d}"
        number = body + ric.calc_check_digit(body + "0")
        scale = rng.randint(8, 45)
        values = {
            "org_code": codes[i % units],
            "id_number": number,
            "name": f"教师{i}",
            "status": "事业专技岗",
            "establishment": "事业编",
            "state": "在职",
            "office": "教务处",
            "work_start_date": f"{born.year + 22}-08-01",
            "unit_join_date": f"{born.year + 23}-08-01",
            "post_category": "专业技术岗位",
            "post_level": str(rng.randint(4, 13)),
            "salary_scale": str(scale),
            "item:post_pay": f"{rng.randint(1600, 4200)}.00",
            "item:scale_pay": f"{200 + 70 * scale}.00",
            "item:performance_basic": f"{rng.randint(1800, 3500)}.00",
            "item:performance_reward": f"{rng.randint(800, 2500)}.00",
            "item:allowance_living": "800.00",
            "item:allowance_reform": "900.00",
            "pension_base": "9000.00",
            "medical_base": "9000.00",
            "housing_base": "9000.00",
        }
        rows.append([values.get(k, "") for k in keys])
    return write_table(COLUMNS, rows, file_format="xlsx")


def child(people: int, units: int) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from yusuan.personnel.models import Person, PersonPeriod
    from yusuan.personnel.services import people_import

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate = time.perf_counter() - started

    _admin, officer, codes = setup_region(units)
    started = time.perf_counter()
    data = people_sheet(people, codes)
    sheet = time.perf_counter() - started

    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    result = people_import(
        actor=officer, data=data, filename="people.xlsx", effective_from=dt.date(2026, 1, 1)
    )
    seconds = time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    assert result.people == people == Person.objects.count() == PersonPeriod.objects.count()
    print(
        json.dumps(
            {
                "migrate": migrate,
                "sheet": sheet,
                "import": seconds,
                "people": result.people,
                "units": result.units,
                "bytes": len(data),
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
        verdict = "ok" if r["import"] < GOAL else f"OVER the {GOAL:.0f} s goal"
        print(
            f"{name}: import of {r['people']:,} people in {r['units']} units "
            f"({r['bytes'] / 1e6:.1f} MB .xlsx): {r['import']:.2f} s ({verdict}); "
            f"migrate alone {r['migrate']:.2f} s (import = {r['import'] / r['migrate']:.2f}× migrate); "
            f"writing the sheet {r['sheet']:.2f} s"
        )


if __name__ == "__main__":
    main()
