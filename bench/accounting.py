"""Times a unit's books at a district's size (issue 19): the trial balance (科目余额表) and an
account's ledger over a year of ~1,000,000 posted voucher lines, read from the totals kept at
posting, beside the plain GROUP BY over the lines that the totals replace — and posting itself
(review + post, numbering, totals) through the services. SQLite and PostgreSQL, each beside
``migrate`` alone on the same database.

Usage: .venv/bin/python bench/accounting.py [--lines 1000000] [--sample 2000] [--units 300]
       [--no-postgres]
Environment: BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432) names the server; the
script creates and drops one scratch database there, ``yusuan_bench_accounting``, and uses a
temporary folder for SQLite. It never touches any other database.

Each database runs in a child process: ``migrate`` (timed: the reference); a region, one
school, its accountant and 会计主管, its book (setup); the year's vouchers written as drafts,
four lines each (5001/4001 and 7201/6001 over 40 functional × economic classes, 12 months);
then, timed: review + post of ``--sample`` vouchers through ``voucher_review`` and
``voucher_post`` in batches of 500; the rest posted in bulk (numbers by SQL, totals through the
same ``add_to_totals`` the services use; timed apart as "bulk posting", not a user path); then
the trial balance at month 12 (level 1 and level 3), the 6001 ledger of one month, the seven
statements with the 差异调节表 and their checks (median of 3), and the reference: one GROUP BY
(account, month) over every posted line of the book. Then the district: ``--units`` − 1 more
schools whose books keep copies of the bench book's totals, summed into one set of statements
for the region's accounting supervisor; and (SQLite run only) the book exported as a beancount
journal and checked by ``bean-check``, beside our own reads. Each read is the median of 5. Goal: trial
balance and statements under 1 s on PostgreSQL; the ratio to the GROUP BY shows what the totals
save.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from databases import on_both  # noqa: E402
from personnel_import import setup_region  # noqa: E402

BENCH_DB = "yusuan_bench_accounting"
YEAR = 2026
FUNCTIONS = ("2050201", "2050202", "2050203", "2050204", "2080505")
ECONOMICS = ("30201", "30205", "30206", "30211", "30213", "30216", "30226", "31002")


def _median(work: Any, times: int = 5) -> float:
    runs = []
    for _ in range(times):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def _district(units: int, book: Any, reference: float) -> dict[str, Any]:
    """``units`` − 1 more schools whose books keep the same totals as the bench book (copied in
    SQL: the summary reads kept totals only), then the district's summed statements as the
    region's accounting supervisor sees them."""
    from django.db import connection, transaction

    from yusuan.accounting import statements
    from yusuan.accounting.models import Book, FlowTotal, PeriodTotal
    from yusuan.accounting.services.books import book_for
    from yusuan.core.models import Organisation
    from yusuan.identity.services import UserData, user_create

    others = Organisation.objects.filter(kind="unit").exclude(pk=book.organisation_id)
    with transaction.atomic():
        books = [book_for(o.pk, YEAR) for o in others.order_by("code")[: units - 1]]
        supervisor = user_create(
            actor=None,
            data=UserData(
                username="bench_supervisor",
                full_name="监管",
                organisation_id=Organisation.objects.get(code="F00-YS").pk,
                role_codes=("accounting_supervisor",),
            ),
            password="Bench@2026x",  # noqa: S106 - a scratch database
        )
        columns = {
            PeriodTotal: "month, account_code, exp_func_code, dep_bgt_eco_code, fund_type_code, "
            "budget_activity, project_id, indicator_line_id, debit_fen, credit_fen",
            FlowTotal: "month, kind, item, amount_fen",
        }
        with connection.cursor() as cursor:
            for model, names in columns.items():
                table = model._meta.db_table
                for other in books:
                    cursor.execute(
                        f"INSERT INTO {table} (book_id, {names}) "  # noqa: S608 - our names
                        f"SELECT %s, {names} FROM {table} WHERE book_id = %s",
                        [other.pk, book.pk],
                    )
    totals = PeriodTotal.objects.count()
    found = statements.summary_statements(actor=supervisor, fiscal_year=YEAR, month=12)
    assert len(found.books) == len(books) + 1 == Book.objects.count(), len(found.books)
    assert found.publishable, [c.message_en for c in found.failures]
    summary = _median(
        lambda: statements.summary_statements(actor=supervisor, fiscal_year=YEAR, month=12),
        times=3,
    )
    return {"district_books": len(found.books), "district_totals": totals, "district": summary}


def _beancount(book: Any, accountant: Any) -> dict[str, Any]:
    """The book as a beancount journal, and ``bean-check`` reading it (the auditor's tool)."""
    import subprocess
    import tempfile

    from yusuan.accounting.journal import beancount

    started = time.perf_counter()
    text = beancount(actor=accountant, book_id=book.pk)
    exported = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.beancount"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        checked = subprocess.run(  # noqa: S603 - our own file, the venv's bean-check
            [str(Path(sys.executable).with_name("bean-check")), str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
    assert checked.returncode == 0, checked.stdout[:2000] + checked.stderr[:2000]
    return {"journal_export": exported, "bean_check": seconds, "journal_mb": len(text) / 1e6}


def child(lines: int, sample: int, units: int) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Min

    from yusuan.accounting.models import Account, Voucher, VoucherLine
    from yusuan.accounting.selectors import account_ledger, trial_balance
    from yusuan.accounting.services.books import book_for
    from yusuan.accounting.services.totals import add_to_totals
    from yusuan.accounting.services.vouchers import voucher_post, voucher_review
    from yusuan.core.models import Organisation
    from yusuan.core.services.fiscal_years import fiscal_year_open
    from yusuan.identity.services import UserData, user_create

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate = time.perf_counter() - started

    admin, _, codes = setup_region(units)
    school = Organisation.objects.get(code=codes[0])
    with transaction.atomic():
        fiscal_year_open(actor=admin, mof_div_code="320509", year=YEAR)
        people = [
            user_create(
                actor=None,
                data=UserData(
                    username=name,
                    full_name=name,
                    organisation_id=school.pk,
                    role_codes=(role,),
                ),
                password="Bench@2026x",  # noqa: S106 - a scratch database
            )
            for name, role in (("bench_acc", "accountant"), ("bench_chief", "chief_accountant"))
        ]
        book = book_for(school.pk, YEAR)
    accountant, chief = people
    accounts = {a.code: a for a in Account.objects.filter(mof_div_code="320509")}

    started = time.perf_counter()
    vouchers = lines // 4
    per_month = -(-vouchers // 12)
    made = 0
    with transaction.atomic():
        for month in range(1, 13):
            count = min(per_month, vouchers - made)
            if count <= 0:
                break
            for start in range(0, count, 5000):
                chunk = range(made + start, made + min(start + 5000, count))
                rows = Voucher.objects.bulk_create(
                    Voucher(
                        mof_div_code="320509",
                        fiscal_year=YEAR,
                        book=book,
                        month=month,
                        voucher_date=dt.date(YEAR, month, 1 + n % 28),
                        summary=f"支付 第{n}笔",
                        origin="generated",  # as the money events make them: no preparer
                        source_type="payments.request",
                        total_fen=100 + n % 997_00,
                    )
                    for n in chunk
                )
                VoucherLine.objects.bulk_create(
                    VoucherLine(
                        voucher=voucher,
                        row=row,
                        half=half,
                        account=accounts[code],
                        account_code=code,
                        debit_fen=voucher.total_fen if side == "dr" else 0,
                        credit_fen=voucher.total_fen if side == "cr" else 0,
                        exp_func_code=FUNCTIONS[n % len(FUNCTIONS)] if half == "ba" else "",
                        dep_bgt_eco_code=ECONOMICS[n % len(ECONOMICS)],
                        fund_type_code="111" if half == "ba" else "",
                        budget_activity="public" if half == "ba" else "",
                    )
                    for n, voucher in zip(chunk, rows, strict=True)
                    for row, (half, code, side) in enumerate(
                        (
                            ("fa", "5001", "dr"),
                            ("fa", "4001", "cr"),
                            ("ba", "7201", "dr"),
                            ("ba", "6001", "cr"),
                        )
                    )
                )
            made += count
    written = time.perf_counter() - started

    # Through the services, as the accountants do it: 500 a batch.
    ids = list(
        Voucher.objects.filter(book=book, month=12).order_by("pk").values_list("pk", flat=True)
    )
    picked = ids[:sample]
    started = time.perf_counter()
    for start in range(0, len(picked), 500):
        chunk = picked[start : start + 500]
        with transaction.atomic():
            voucher_review(actor=chief, voucher_ids=chunk)
        with transaction.atomic():
            voucher_post(actor=accountant, voucher_ids=chunk)
    posting = time.perf_counter() - started

    # The rest of the year in bulk (numbers by SQL; the totals through add_to_totals).
    started = time.perf_counter()
    rest = list(
        Voucher.objects.filter(book=book, state="draft").order_by("pk").values_list("pk", flat=True)
    )
    firsts = {
        month: first
        for month, first in Voucher.objects.filter(book=book, state="draft")
        .values_list("month")
        .annotate(first=Min("id"))
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for month, first in firsts.items():  # one UPDATE a month: numbers after the sample's
            cursor.execute(
                "UPDATE accounting_voucher SET state = 'posted', posted_by_id = %s,"
                " reviewed_by_id = %s, number = 10000 + id - %s"
                " WHERE book_id = %s AND month = %s AND state = 'draft'",
                [accountant.pk, chief.pk, first, book.pk, month],
            )
        for start in range(0, len(rest), 5000):
            add_to_totals(rest[start : start + 5000])
    bulk = time.perf_counter() - started
    posted_lines = VoucherLine.objects.filter(voucher__book=book).count()

    def tb(level: int) -> Any:
        return trial_balance(actor=accountant, book_id=book.pk, month=12, level=level)

    assert tb(1).balanced
    tb1 = _median(lambda: tb(1))
    tb3 = _median(lambda: tb(3))
    ledger = _median(
        lambda: account_ledger(
            actor=accountant, book_id=book.pk, account_code="6001", month_from=6, month_to=6
        )
    )

    def group_by() -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT l.account_code, v.month, SUM(l.debit_fen), SUM(l.credit_fen)"
                " FROM accounting_voucherline l JOIN accounting_voucher v ON v.id = l.voucher_id"
                " WHERE v.book_id = %s AND v.state = 'posted' AND v.month <= 12"
                " GROUP BY l.account_code, v.month",
                [book.pk],
            )
            return cursor.fetchall()

    reference = _median(group_by)

    from yusuan.accounting import flows, statements
    from yusuan.accounting.statements.figures import load_sums, load_vouchers

    found = statements.compute([book], 12, "bench")
    assert found.publishable, [c.message_en for c in found.failures]
    all_statements = _median(lambda: statements.compute([book], 12, "bench"), times=3)
    from_totals = _median(lambda: load_sums([book], 12), times=3)
    # What FlowTotal saves: the two voucher-level tables recomputed from every posted line (the
    # way ``yusuan reconcile`` checks them).
    voucher_scan = _median(
        lambda: [
            (flows.cash_flows(v), flows.differences(v)) for v in load_vouchers([book], 12).values()
        ],
        times=3,
    )
    district = _district(units, book, reference) if units > 1 else {}
    journal = _beancount(book, accountant) if connection.vendor == "sqlite" else {}
    print(
        json.dumps(
            {
                **district,
                **journal,
                "migrate": migrate,
                "lines": posted_lines,
                "written": written,
                "posting_sample": len(picked),
                "posting": posting,
                "bulk_posting": bulk,
                "trial_balance_l1": tb1,
                "trial_balance_l3": tb3,
                "ledger_6001_month": ledger,
                "group_by_reference": reference,
                "statements_all": all_statements,
                "statements_sums": from_totals,
                "statements_voucher_scan": voucher_scan,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.lines, options.sample, options.units)
        return
    results = on_both(
        __file__,
        BENCH_DB,
        ["--lines", str(options.lines), "--sample", str(options.sample)]
        + ["--units", str(options.units)],
        postgres=not options.no_postgres,
    )
    for database, f in results.items():
        print(
            f"{database}: {f['lines']:,} posted lines (migrate {f['migrate']:.1f} s; written "
            f"{f['written']:.1f} s; bulk posting {f['bulk_posting']:.1f} s)"
        )
        per = f["posting"] / max(f["posting_sample"], 1) * 1000
        print(
            f"  review + post through the services: {f['posting_sample']:,} vouchers in "
            f"{f['posting']:.2f} s ({per:.2f} ms a voucher)"
        )
        ref = f["group_by_reference"]
        print(
            f"  trial balance, level 1: {f['trial_balance_l1'] * 1000:.1f} ms; level 3: "
            f"{f['trial_balance_l3'] * 1000:.1f} ms; 6001 ledger of a month: "
            f"{f['ledger_6001_month'] * 1000:.1f} ms"
        )
        print(
            f"  reference GROUP BY over the lines: {ref * 1000:.1f} ms → trial balance at "
            f"{f['trial_balance_l1'] / ref:.3f}× the scan"
        )
        print(
            f"  the seven statements + 差异调节表 with their checks: "
            f"{f['statements_all'] * 1000:.1f} ms ({f['statements_all'] / ref:.2f}× the GROUP BY);"
            f" the account sums alone {f['statements_sums'] * 1000:.1f} ms; the 现金流量表 and"
            f" 差异调节表 recomputed from every line instead of their kept totals:"
            f" {f['statements_voucher_scan'] * 1000:.1f} ms"
        )
        if "district" in f:
            print(
                f"  the district's summed statements over {f['district_books']} books "
                f"({f['district_totals']:,} kept total rows): {f['district'] * 1000:.1f} ms"
            )
        if "bean_check" in f:
            print(
                f"  beancount: the book's journal ({f['journal_mb']:.0f} MB) exported in "
                f"{f['journal_export']:.1f} s; bean-check read and checked it in "
                f"{f['bean_check']:.1f} s, against {f['trial_balance_l1'] * 1000:.1f} ms for our "
                f"trial balance and {f['statements_all'] * 1000:.1f} ms for the statements"
            )


if __name__ == "__main__":
    main()
