"""Times government procurement through the services (issue 21) on the demo district, on SQLite
and on PostgreSQL, each step read against a plain payment measured in the same run.

Usage: .venv/bin/python bench/procurement.py [--reps 30] [--no-postgres]
Environment: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server; the
script creates and drops one scratch database there, ``yusuan_bench_procurement_<run>``, and
uses a temporary folder for SQLite. It never touches any other database.

Each database runs in a child process: ``migrate`` and the demo district as of 30 June (not
timed: setup). Then, one client, ``--reps`` times each, timed per operation (p50 / p95 ms):

- **plan**: ``plan_create`` (100.00 on the school's procurement line) → ``document_submit``
  (R-GP-2/7/8 checks, the reservation posted) → ``instance_approve`` by the unit's approver (filed);
- **contract**: ``award_record`` → ``contract_file`` under the plan with a two-node schedule
  (R-GP-9/10: the plan line's conditional update) → ``acceptance_record`` of the second node;
- **instalment payment**: ``request_create`` naming the node → ``document_submit`` → reviewer →
  approver (the third control: the node's conditional update beside the contract's and the
  indicator's) — against the **reference**, the same chain for a plain payment of the same
  amount on the school's 30201 office line; the ratio is the cost of the procurement controls;
- **supplement**: ``change_create`` (补充合同, 10 % of a 100.00 contract) → submit → approve
  (R-GP-3b re-checked under the contract's lock, the reservation posted, a node added);
- **report**: the district's 政府采购执行表 with the SME share, the instalments owed to SMEs and
  the missed deadlines, as the finance procurement division reads it: ms and SQL statements.

Goal: an instalment payment costs at most 1.5× a plain payment; the report under 1 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from databases import on_both  # noqa: E402

BENCH_DB = "yusuan_bench_procurement"
AS_OF = dt.date(2026, 6, 30)
RATIO_GOAL = 1.5
REPORT_GOAL_MS = 1000.0


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50": round(statistics.median(ordered) * 1000, 1), "p95": round(p95 * 1000, 1)}


def child(reps: int) -> None:  # noqa: PLR0915 - one linear script of steps
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    import time_machine

    from yusuan.common.money import Money
    from yusuan.core.choices import AccountType, PayeeKind
    from yusuan.core.models import BankAccount, Payee
    from yusuan.demo.generator import generate
    from yusuan.demo.procurement import _procurement_line
    from yusuan.identity.models import User
    from yusuan.indicators.models import IndicatorLine
    from yusuan.payments.services import PaymentInput, PaymentLineInput, request_create
    from yusuan.procurement import reports
    from yusuan.procurement.choices import ChangeKind, InstalmentKind, IntentionExemption
    from yusuan.procurement.services import (
        ContractInput,
        ContractLineInput,
        PlanInput,
        PlanLineInput,
        contract_file,
        plan_create,
    )
    from yusuan.procurement.services.awards import (
        AcceptanceInput,
        AwardInput,
        acceptance_record,
        award_record,
    )
    from yusuan.procurement.services.changes import ChangeInput, change_create
    from yusuan.procurement.services.contract_terms import InstalmentInput
    from yusuan.workflow.services import document_submit, instance_approve

    # Business dates are the demo's: the clock stands on the "as of" day.
    traveller = time_machine.travel(
        dt.datetime(2026, 6, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=True
    )
    traveller.start()
    call_command("migrate", verbosity=0)
    generate(scale="district", as_of=AS_OF)
    users = {u.username: u for u in User.objects.filter(username__startswith="school_")}
    clerk, reviewer, approver = (users[f"school_{n}"] for n in ("clerk", "reviewer", "approver"))
    officer = User.objects.get(username="wj_procurement")
    line = _procurement_line(clerk, 2026)
    assert line is not None
    office = IndicatorLine.objects.get(
        organisation=clerk.organisation,
        fiscal_year=2026,
        source_type_code="01",
        is_sal=False,
        dep_bgt_eco_code="30201",
    )
    supplier = Payee.objects.filter(
        organisation=clerk.organisation, kind=PayeeKind.ORGANISATION, is_enabled=True
    ).last()
    assert supplier is not None
    account = BankAccount.objects.get(
        organisation=clerk.organisation, account_type=AccountType.UNIT_ZERO_BALANCE
    )
    day = AS_OF
    hundred = Money.parse("100.00")
    timings: dict[str, list[float]] = {
        k: [] for k in ("plan", "contract", "instalment", "plain", "supplement")
    }

    counts: dict[str, int] = {}

    def timed(case: str, work: Callable[[], Any]) -> Any:
        reset_queries()  # the log keeps 9,000 statements: count from an empty one
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            done = work()
            timings[case].append(time.perf_counter() - started)
        counts[case] = len(queries)  # the statements of one operation (the last one's)
        return done

    def plan_filed() -> Any:
        plan = plan_create(
            actor=clerk,
            data=PlanInput(
                title="基准测试采购",
                pur_item_code="A02010104",
                method="inquiry",
                amount=hundred,
                planned_start=day,
                lines=[PlanLineInput(line.pk, hundred)],
                exemption=IntentionExemption.URGENT,
                exemption_reason="基准测试",
            ),
            fiscal_year=2026,
        )
        instance = document_submit(
            actor=clerk, document_type="procurement.plan", object_id=str(plan.pk)
        )
        instance_approve(actor=approver, instance_id=instance.pk)
        return plan

    def contract_on(plan: Any, n: int) -> Any:
        award = award_record(
            actor=clerk,
            plan_id=plan.pk,
            data=AwardInput(supplier_id=supplier.pk, amount=hundred, noticed_on=day),
        )
        contract = contract_file(
            actor=clerk,
            data=ContractInput(
                number=f"BENCH-{n:04d}",
                title="基准测试合同",
                supplier_id=supplier.pk,
                amount=hundred,
                indicator_line_ids=[],
                filed_on=day,
                lines=[ContractLineInput(line.pk, hundred)],
                award_id=award.pk,
                signed_on=day,
                published_on=day,
                instalments=[
                    InstalmentInput("预付款", InstalmentKind.ADVANCE, Money.parse("30.00")),
                    InstalmentInput("验收款", InstalmentKind.ACCEPTANCE, Money.parse("70.00")),
                ],
            ),
            fiscal_year=2026,
        )
        acceptance_record(
            actor=approver,
            contract_id=contract.pk,
            data=AcceptanceInput(
                instalment_id=contract.instalments.get(kind=InstalmentKind.ACCEPTANCE).pk,
                accepted_on=day,
                result="passed",
                members="基准",
                report="基准",
            ),
        )
        return contract

    def paid(line_id: int, fen: int, **kw: Any) -> Any:
        request = request_create(
            actor=clerk,
            data=PaymentInput(
                business_type="procurement" if kw else "ordinary",
                settlement_mode="transfer",
                purpose="基准测试付款",
                pay_date=day,
                payer_account_id=account.pk,
                payee_id=supplier.pk,
                lines=[PaymentLineInput(line_id, Money(fen))],
                **kw,
            ),
            fiscal_year=2026,
        )
        instance = document_submit(
            actor=clerk, document_type="payments.request", object_id=str(request.pk)
        )
        for who in (reviewer, approver):
            instance_approve(actor=who, instance_id=instance.pk)
        return request

    def supplemented(contract: Any) -> Any:
        change = change_create(
            actor=clerk,
            data=ChangeInput(
                kind=ChangeKind.SUPPLEMENT,
                reason="基准测试",
                contract_id=contract.pk,
                amount=Money.parse("10.00"),
                indicator_line_id=line.pk,
                signed_on=day,
            ),
        )
        instance = document_submit(
            actor=clerk, document_type="procurement.change", object_id=str(change.pk)
        )
        instance_approve(actor=approver, instance_id=instance.pk)
        return change

    for n in range(reps):
        plan = timed("plan", plan_filed)
        contract = timed("contract", lambda plan=plan, n=n: contract_on(plan, n))
        node = contract.instalments.get(kind=InstalmentKind.ACCEPTANCE)
        timed(
            "instalment",
            lambda c=contract, node=node: paid(
                line.pk, node.amount, contract_id=c.pk, instalment_id=node.pk
            ),
        )
        timed("plain", lambda: paid(office.pk, 70_00))
        timed("supplement", lambda c=contract: supplemented(c))

    report: list[float] = []
    statements = 0
    for _ in range(5):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            executed = reports.execution(actor=officer, fiscal_year=2026)
            reports.sme_share(actor=officer, fiscal_year=2026)
            reports.owed_to_smes(actor=officer, on=day)
            missed = reports.missed_deadlines(actor=officer, fiscal_year=2026, on=day)
            report.append(time.perf_counter() - started)
        statements = len(queries)
    traveller.stop()
    figures: dict[str, Any] = {
        case: {**_ms(samples), "statements": counts[case]} for case, samples in timings.items()
    }
    figures["ratio"] = round(figures["instalment"]["p50"] / figures["plain"]["p50"], 2)
    figures["report"] = {
        **_ms(report),
        "statements": statements,
        "units": len(executed.by_unit),
        "missed": len(missed),
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.reps)
        return
    results = on_both(__file__, BENCH_DB, ["--reps", str(args.reps)], postgres=not args.no_postgres)
    for name, figures in results.items():
        report = figures["report"]
        print(
            f"{name} (demo district, {args.reps} of each, one client; p50 / p95 ms per operation)"
        )
        for case, label in (
            ("plan", "plan entered, submitted, filed"),
            ("contract", "award, contract under the plan, acceptance"),
            ("instalment", "instalment payment: entered, submitted, 2 approvals"),
            ("plain", "reference: plain payment, same chain"),
            ("supplement", "supplementary contract: entered, submitted, approved"),
        ):
            row = figures[case]
            print(
                f"  {label:55} {row['p50']:8.1f} / {row['p95']:8.1f}"
                f"   {row['statements']:4d} SQL statements"
            )
        ratio = figures["ratio"]
        verdict = "met" if ratio <= RATIO_GOAL else "MISSED"
        print(f"  instalment ÷ plain payment (p50): {ratio:.2f}× (goal ≤ {RATIO_GOAL}×: {verdict})")
        verdict = "met" if report["p95"] <= REPORT_GOAL_MS else "MISSED"
        print(
            f"  政府采购执行表 + SME share + owed + missed deadlines, {report['units']} units: "
            f"{report['p50']:.1f} / {report['p95']:.1f} ms, {report['statements']} SQL statements "
            f"(goal < {REPORT_GOAL_MS:.0f} ms: {verdict}); {report['missed']} deadlines missed"
        )


if __name__ == "__main__":
    main()
