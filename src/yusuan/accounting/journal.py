"""A unit's books as a plain-text journal in beancount syntax (issue 19, item 7), so an auditor
can check them with beancount's own tools (``bean-check``) rather than trust ours.

- **Accounts** are named by code under beancount's five roots: assets 1xxx and 8001 资金结存,
  liabilities 2xxx, net assets 3xxx and the budget balances 8101–8701 (``Equity``), revenue 4xxx
  and budget revenue 6xxx (``Income``), expenses 5xxx and budget expenditure 7xxx
  (``Expenses``); a sub-account sits under its first level (``Assets:1201:120101``). Each is
  opened on the first day of the year with its Chinese name as metadata.
- **Transactions**: each posted voucher, both halves in one transaction (each half balances, so
  the whole does), the opening balances first; amounts in yuan, debit positive, a red-ink line
  negative on its side.
- **Balance assertions** at the end of every month with postings, for every first-level account:
  the closing balance the books keep (``PeriodTotal``), which beancount compares with the sum of
  the journal's own postings (a sub-account counts in its first level). A kept total that drifted
  from the vouchers by one fen fails the check (each assertion's tolerance is nil).

Stored text (a summary, a payee) is written inside double quotes with quotes and backslashes
escaped and line breaks flattened, so it can never end a string and start a directive.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Sum

from yusuan.accounting.choices import VoucherState
from yusuan.accounting.models import OPENING_MONTH, Account, Book, PeriodTotal, Voucher, VoucherLine
from yusuan.accounting.services.books import access_book
from yusuan.common.actor import Actor
from yusuan.common.money import Money

CURRENCY = "CNY"


def account_name(code: str) -> str:
    """The beancount account of a chart code."""
    first = code[:4]
    if first[0] in "1" or first == "8001":
        root = "Assets"
    elif first[0] == "2":
        root = "Liabilities"
    elif first[0] in "38":
        root = "Equity"
    elif first[0] in "46":
        root = "Income"
    else:
        root = "Expenses"
    return f"{root}:{first}" if code == first else f"{root}:{first}:{code}"


def quoted(text: str) -> str:
    flat = " ".join(str(text).split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _amount(fen: int) -> str:
    return f"{Money(fen).to_yuan():.2f} {CURRENCY}"


def _month_end(year: int, month: int) -> dt.date:
    """The date of a balance assertion for the end of ``month``: beancount checks a balance at
    the start of its day, so the first day of the next month."""
    return dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)


def beancount(*, actor: Actor, book_id: object) -> str:
    """The book's journal (another unit's book is a 404)."""
    book = access_book(actor, book_id)
    return "".join(_lines(book))


def _lines(book: Book) -> Iterator[str]:
    year = book.fiscal_year
    first_day = dt.date(year, 1, 1)
    yield f"; {book.organisation.code} {book.organisation.name} {year} — Yusuan\n"
    yield f"option {quoted('title')} {quoted(f'{book.organisation.name} {year} 年度账簿')}\n"
    yield f'option "operating_currency" "{CURRENCY}"\n\n'
    lines = (
        VoucherLine.objects.filter(voucher__book=book, voucher__state=VoucherState.POSTED)
        .select_related("voucher")
        .order_by("voucher__month", "voucher__number", "voucher_id", "row")
    )
    used = set(lines.order_by().values_list("account_code", flat=True).distinct())
    codes = sorted(used | {code[:4] for code in used})
    names = dict(
        Account.objects.filter(mof_div_code=book.mof_div_code, code__in=codes).values_list(
            "code", "name"
        )
    )
    for code in codes:
        yield f"{first_day} open {account_name(code)} {CURRENCY}\n"
        yield f"  name: {quoted(names.get(code, code))}\n"
    yield "\n"
    current: int | None = None
    for line in lines.iterator(chunk_size=2000):
        voucher: Voucher = line.voucher
        if voucher.pk != current:
            current = voucher.pk
            when = first_day if voucher.month == OPENING_MONTH else voucher.voucher_date
            yield f"\n{when} * {quoted(voucher.label)} {quoted(voucher.summary)}\n"
            yield f"  voucher: {voucher.pk}\n"
            if voucher.source_number:
                yield f"  source: {quoted(voucher.source_number)}\n"
        yield f"  {account_name(line.account_code)}  {_amount(line.debit_fen - line.credit_fen)}\n"
    yield "\n"
    yield from _assertions(book, {code for code in codes if len(code) == 4})


def _assertions(book: Book, opened: set[str]) -> Iterator[str]:
    """The kept closing balance of every first-level account at each month end with postings."""
    moved: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        PeriodTotal.objects.filter(book=book)
        .values("month", "account_code")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    )
    for row in rows:
        first = row["account_code"][:4]
        net = (row["d"] or 0) - (row["c"] or 0)
        moved[row["month"]][first] = moved[row["month"]].get(first, 0) + net
    balance: dict[str, int] = defaultdict(int)
    for month in range(OPENING_MONTH, 13):
        for code, net in moved.get(month, {}).items():
            balance[code] += net
        if month == OPENING_MONTH or month not in moved:
            continue
        when = _month_end(book.fiscal_year, month)
        for code in sorted(opened):
            # "~ 0.00": exact to the fen (beancount's inferred tolerance would let a fen pass).
            amount = f"{Money(balance[code]).to_yuan():.2f} ~ 0.00 {CURRENCY}"
            yield f"{when} balance {account_name(code)}  {amount}\n"
