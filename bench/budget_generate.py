"""Times the one-click generation of a district's indicators from its 批复 (R-BP-12, issue 18):
~300 units in 10 departments, ~1,500 library projects, each unit with its 人员类/公用经费 lines
and five project lines — on SQLite and on PostgreSQL, beside ``migrate`` alone on the same
database.

Usage: .venv/bin/python bench/budget_generate.py [--units 300] [--projects 5] [--no-postgres]
Environment: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server; the
script creates and drops one scratch database there, ``yusuan_bench_budget``, and uses a
temporary folder for SQLite. BENCH_PROFILE=1 prints the generation's profile.

Each database runs in a child process: ``migrate`` (timed: the reference); then, not timed: the
region, 10 departments and their units, the budget year opened, the stored projects (bulk), the
round, every unit's lines with their 二上 figures written (bulk: what 两上两下 leaves behind), the
people's congress approval. Timed: for every department, ``reply_create`` and the 批复's approval
(its figures written), then ``reply_generate`` — sources opened, 下达 documents posted through the
ledger, each line linked; then a second click (must create nothing). Goal: generation < 30 s.
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

BENCH_DB = "yusuan_bench_budget"
GOAL = 30.0
YEAR = 2027
DEPARTMENTS = 10
BASIC = (("1", "30101"), ("1", "30102"), ("1", "30108"), ("21", "30201"), ("21", "30211"))
PROJECT_ECO = ("31002", "30299")


def _setup(units: int, per_unit: int) -> tuple[Any, Any, Any, list[Any]]:
    from django.db import transaction
    from django.utils import timezone

    from yusuan.budgeting.choices import DraftStage, DraftState, Part, RevenueKind, Side, Stage
    from yusuan.budgeting.models import BudgetDraft, BudgetLine, BudgetLineAmount
    from yusuan.budgeting.services.rounds import RoundInput, congress_record, round_open
    from yusuan.core.choices import BudgetLevel, OrganisationKind
    from yusuan.core.models import Organisation
    from yusuan.core.services.fiscal_years import fiscal_year_open
    from yusuan.core.services.organisations import OrganisationData, organisation_create
    from yusuan.core.services.regions import region_bootstrap
    from yusuan.identity.services import UserData, user_create
    from yusuan.projects.models import Project, ProjectPlan

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
            data=UserData("bench_admin", "管理员", setup.administration.pk, ("sysadmin",)),
            password="Bench@2026x",  # noqa: S106 - a scratch database
        )
        division = organisation_create(
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
        budget = user_create(
            actor=None,
            data=UserData("bench_budget", "预算科", division.pk, ("budget_officer",)),
            password="Bench@2026x",  # noqa: S106
        )
        fiscal_year_open(actor=admin, mof_div_code="320509", year=YEAR - 1)
        fiscal_year_open(actor=admin, mof_div_code="320509", year=YEAR)
        departments = []
        for d in range(DEPARTMENTS):
            department = organisation_create(
                actor=admin,
                mof_div_code="320509",
                data=OrganisationData(
                    code=f"1{d:02d}",
                    name=f"部门{d}",
                    kind=OrganisationKind.DEPARTMENT,
                    agency_type="1",
                    budget_level=BudgetLevel.FIRST,
                ),
            )
            departments.append(department)
            for n in range(units // DEPARTMENTS):
                organisation_create(
                    actor=admin,
                    mof_div_code="320509",
                    data=OrganisationData(
                        code=f"1{d:02d}{n:03d}",
                        name=f"部门{d}单位{n}",
                        kind=OrganisationKind.UNIT,
                        parent_id=department.pk,
                        agency_type="31",
                        budget_level=BudgetLevel.BASIC,
                    ),
                )
        budget_round = round_open(
            actor=budget,
            data=RoundInput(
                YEAR,
                "bench",
                dt.date(2026, 9, 30),
                dt.date(2026, 11, 15),
                dt.date(2026, 12, 15),
                dt.date(2027, 1, 10),
            ),
        )
        unit_list = list(Organisation.objects.filter(kind=OrganisationKind.UNIT).order_by("code"))
        projects = []
        for unit in unit_list:
            for category in ("1", "21"):
                projects.append((unit, category, 0))
            for p in range(per_unit):
                projects.append((unit, "3", p))
        made = Project.objects.bulk_create(
            Project(
                mof_div_code="320509",
                fiscal_year=YEAR - 1,
                code=f"32050926{i:013d}",
                name=f"{unit.name}项目{p}" if category == "3" else f"{unit.name}{category}",
                organisation=unit,
                category=category,
                kind="continuing",
                start_year=YEAR,
                end_year=YEAR,
                total_amount_fen=10_000_000,
                fund_type="111",
                state="stored",
                rank=p + 1 if category == "3" else None,
                created_by=budget,
            )
            for i, (unit, category, p) in enumerate(projects)
        )
        ProjectPlan.objects.bulk_create(
            ProjectPlan(project=p, year=YEAR, fund_type="111", amount_fen=10_000_000) for p in made
        )
        by_unit: dict[int, list[Any]] = {}
        for project in made:
            by_unit.setdefault(project.organisation_id, []).append(project)
        departments_of = {u.pk: u.parent_id for u in unit_list}
        lines = []
        for unit in unit_list:
            position = 0
            own = {p.category: p for p in by_unit[unit.pk] if p.category in ("1", "21")}
            for category, eco in BASIC:
                position += 1
                lines.append(
                    BudgetLine(
                        mof_div_code="320509",
                        fiscal_year=YEAR,
                        round=budget_round,
                        organisation=unit,
                        department_id=departments_of[unit.pk],
                        position=position,
                        side=Side.EXPENDITURE,
                        part=Part.BASIC,
                        project=own[category],
                        exp_func_code="2050203",
                        dep_bgt_eco_code=eco,
                        fund_type_code="111",
                        pay_type_code="12",
                        acc_type="unit_zero_balance",
                        amount_fen=2_000_000,
                        computed=True,
                    )
                )
            for project in (p for p in by_unit[unit.pk] if p.category == "3"):
                for eco in PROJECT_ECO:
                    position += 1
                    lines.append(
                        BudgetLine(
                            mof_div_code="320509",
                            fiscal_year=YEAR,
                            round=budget_round,
                            organisation=unit,
                            department_id=departments_of[unit.pk],
                            position=position,
                            side=Side.EXPENDITURE,
                            part=Part.PROJECT,
                            project=project,
                            exp_func_code="2050203",
                            dep_bgt_eco_code=eco,
                            fund_type_code="111",
                            pay_type_code="12",
                            acc_type="unit_zero_balance",
                            amount_fen=5_000_000,
                        )
                    )
            spent = 5 * 2_000_000 + per_unit * 2 * 5_000_000
            lines.append(
                BudgetLine(
                    mof_div_code="320509",
                    fiscal_year=YEAR,
                    round=budget_round,
                    organisation=unit,
                    department_id=departments_of[unit.pk],
                    position=position + 1,
                    side=Side.REVENUE,
                    revenue_kind=RevenueKind.FISCAL,
                    fund_type_code="111",
                    amount_fen=spent,
                    computed=True,
                )
            )
        made_lines = BudgetLine.objects.bulk_create(lines, batch_size=1000)
        now = timezone.now()
        BudgetLineAmount.objects.bulk_create(
            (
                BudgetLineAmount(
                    mof_div_code="320509",
                    line=x,
                    stage=stage,
                    amount_fen=x.amount_fen,
                    written_by=budget,
                    written_at=now,
                )
                for x in made_lines
                for stage in (Stage.APPLY_1, Stage.APPLY_2)
            ),
            batch_size=1000,
        )
        BudgetDraft.objects.bulk_create(
            BudgetDraft(
                mof_div_code="320509",
                fiscal_year=YEAR,
                round=budget_round,
                number=f"BZ{YEAR}{n:06d}",
                organisation=unit,
                department_id=departments_of[unit.pk],
                stage=DraftStage.APPLY_2,
                state=DraftState.APPROVED,
                created_by=budget,
            )
            for n, unit in enumerate(unit_list)
        )
        congress_record(
            actor=budget,
            round_id=budget_round.pk,
            decision_no="吴江区人大决议（bench）",
            decision_date=dt.date(2027, 1, 12),
        )
    return budget, budget_round, made_lines, departments


def child(units: int, per_unit: int) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate = time.perf_counter() - started
    budget, budget_round, lines, departments = _setup(units, per_unit)

    from yusuan.budgeting.choices import ReplyState
    from yusuan.budgeting.models import GeneratedIndicator
    from yusuan.budgeting.services import reply as reply_service
    from yusuan.budgeting.services.generate import reply_generate
    from yusuan.indicators.models import IndicatorLine

    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
    timings = {"reply": 0.0, "generate": 0.0, "again": 0.0}
    replies = []
    for department in departments:
        started = time.perf_counter()
        with transaction.atomic():
            reply = reply_service.reply_create(
                actor=budget,
                round_id=budget_round.pk,
                department_id=department.pk,
                doc_no=f"吴财预〔2027〕{department.code}号",
            )
            # The 批复's approval by a second officer (the engine's step) writes its figures.
            reply_service.on_final_approval(budget, reply)
            reply.state = ReplyState.APPROVED
            reply.save(update_fields=["state"])
        timings["reply"] += time.perf_counter() - started
        replies.append(reply)
    if profiler is not None:
        profiler.enable()
    for reply in replies:
        started = time.perf_counter()
        reply_generate(actor=budget, reply_id=reply.pk)
        timings["generate"] += time.perf_counter() - started
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    for reply in replies:
        started = time.perf_counter()
        assert reply_generate(actor=budget, reply_id=reply.pk).created == 0
        timings["again"] += time.perf_counter() - started
    spending = [x for x in lines if x.side == "expenditure"]
    generated = GeneratedIndicator.objects.count()
    assert generated == len(spending), (generated, len(spending))
    total = sum(IndicatorLine.objects.filter(fiscal_year=YEAR).values_list("total", flat=True))
    assert total == sum(x.amount_fen for x in spending)
    print(
        json.dumps(
            {
                "migrate": migrate,
                **timings,
                "units": units,
                "projects": units * per_unit,
                "lines": len(spending),
                "indicators": generated,
                "yuan": total / 100,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--projects", type=int, default=5, help="library projects per unit")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.units, args.projects)
        return
    results = on_both(
        __file__,
        BENCH_DB,
        ["--units", str(args.units), "--projects", str(args.projects)],
        postgres=not args.no_postgres,
    )
    for name, r in results.items():
        verdict = "ok" if r["generate"] < GOAL else f"OVER the {GOAL:.0f} s goal"
        print(
            f"{name}: {r['units']} units, {r['projects']:,} projects, {r['lines']:,} approved lines — "
            f"批复 entered and approved {r['reply']:.2f} s; one-click generation {r['generate']:.2f} s "
            f"({r['indicators']:,} indicators, {r['yuan']:,.2f} 元; {verdict}); second click {r['again']:.2f} s; "
            f"migrate alone {r['migrate']:.2f} s (generation = {r['generate'] / r['migrate']:.2f}× migrate)"
        )


if __name__ == "__main__":
    main()
