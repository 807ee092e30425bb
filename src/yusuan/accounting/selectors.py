"""Reading the books: vouchers, the trial balance, ledgers, the three-way reconciliation.

Every read is scoped (another unit's book is a 404). Balances come from the posted months'
totals (``PeriodTotal``), never from scanning voucher lines, except a ledger's detail rows,
which are the lines themselves (DOMAIN-2 §5.4).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import pgettext

from yusuan.accounting.choices import Half, Side, VoucherState
from yusuan.accounting.models import (
    OPENING_MONTH,
    Account,
    AssetCard,
    Book,
    FlowTotal,
    PeriodTotal,
    Voucher,
    VoucherLine,
)
from yusuan.accounting.rules import FISCAL_FUND_TYPES
from yusuan.accounting.services import books as book_services
from yusuan.accounting.services.totals import flow_items
from yusuan.accounting.statements.figures import load_vouchers
from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.common.ids import as_pk
from yusuan.indicators.models import IndicatorLine, Movement
from yusuan.payments.models import Correction, PaymentLine, PaymentRequest, Refund
from yusuan.payments.origins import Origin

DIMENSIONS = (
    "exp_func_code",
    "dep_bgt_eco_code",
    "fund_type_code",
    "budget_activity",
    "project_id",
)


def book_list(*, actor: Actor, fiscal_year: int | None = None) -> QuerySet[Book]:
    rows = Book.objects.visible_to(actor).select_related("organisation")
    if fiscal_year is not None:
        rows = rows.filter(fiscal_year=fiscal_year)
    return rows.order_by("-fiscal_year", "organisation__code")


def access_book(*, actor: Actor, pk: object) -> Book:
    """A book the actor may read (another unit's is a 404): the services' own lookup."""
    return book_services.access_book(actor, pk)


def asset_cards(*, actor: Actor, organisation_id: int | None = None) -> QuerySet[AssetCard]:
    """The asset cards the actor sees (E11), by unit and number."""
    rows = AssetCard.objects.visible_to(actor).select_related("organisation")
    if organisation_id is not None:
        rows = rows.filter(organisation_id=organisation_id)
    return rows.order_by("organisation__code", "code")


def voucher_list(
    *,
    actor: Actor,
    book_id: int | None = None,
    state: str = "",
    month: int | None = None,
    text: str = "",
) -> QuerySet[Voucher]:
    rows = Voucher.objects.visible_to(actor).select_related("book__organisation")
    if book_id is not None:
        rows = rows.filter(book_id=book_id)
    if state:
        rows = rows.filter(state=state)
    if month is not None:
        rows = rows.filter(month=month)
    if text:
        rows = rows.filter(Q(summary__icontains=text) | Q(source_number__icontains=text))
    return rows.order_by("-voucher_date", "-pk")


def access_voucher(*, actor: Actor, pk: object) -> Voucher:
    key = as_pk(pk)
    found = (
        Voucher.objects.visible_to(actor)
        .select_related("book__organisation", "prepared_by", "reviewed_by", "posted_by", "event_by")
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if found is None:
        raise NotFoundError("voucher")
    return found


def voucher_lines(voucher: Voucher) -> QuerySet[VoucherLine]:
    return voucher.lines.select_related("account", "project", "indicator_line").order_by("row")


def vouchers_of_source(*, actor: Actor, source_type: str, source_id: int) -> QuerySet[Voucher]:
    """Up from a document to its vouchers (a payment's page links them)."""
    return Voucher.objects.visible_to(actor).filter(source_type=source_type, source_id=source_id)


def payment_vouchers(request: PaymentRequest, actor: Actor) -> list[Origin]:
    """A payment's vouchers (its lines paid, its refunds and corrections), for the payment's
    page: for those who may read the unit's books, none for anyone else."""
    if not actor.has_perm("accounting.view_voucher"):
        return []
    refunds = Refund.objects.filter(line__request=request).values_list("pk", flat=True)
    corrections = Correction.objects.filter(line__request=request).values_list("pk", flat=True)
    found = (
        Voucher.objects.visible_to(actor)
        .filter(
            Q(source_type="payments.request", source_id=request.pk)
            | Q(source_type="payments.refund", source_id__in=refunds)
            | Q(source_type="payments.correction", source_id__in=corrections)
        )
        .order_by("pk")
    )
    label = pgettext("accounting", "Voucher")
    return [
        Origin(
            label=label,
            text=voucher.label,
            url=reverse("accounting:voucher_detail", args=[voucher.pk]),
            note=str(voucher.get_state_display()),
        )
        for voucher in found[:50]
    ]


# --- Trial balance (科目余额表, DOMAIN-2 §5.4) ---------------------------------------------


@dataclass
class BalanceRow:
    code: str
    name: str
    level: int
    half: str
    normal_side: str
    opening: int = 0  # net, debit positive
    debit: int = 0  # this period
    credit: int = 0
    ytd_debit: int = 0
    ytd_credit: int = 0

    @property
    def closing(self) -> int:
        return self.opening + self.debit - self.credit

    @staticmethod
    def split(net: int) -> tuple[int, int]:
        return (net, 0) if net >= 0 else (0, -net)

    @property
    def opening_dr_cr(self) -> tuple[int, int]:
        return self.split(self.opening)

    @property
    def closing_dr_cr(self) -> tuple[int, int]:
        return self.split(self.closing)

    @property
    def empty(self) -> bool:
        return not (self.opening or self.debit or self.credit or self.ytd_debit or self.ytd_credit)


@dataclass
class TrialBalance:
    book: Book
    month: int
    level: int
    rows: list[BalanceRow]
    totals: dict[str, BalanceRow] = field(default_factory=dict)  # per half

    @property
    def balanced(self) -> bool:
        """R-AC-2 over the totals: each half's debits equal its credits in every column."""
        for total in self.totals.values():
            if total.debit != total.credit or total.ytd_debit != total.ytd_credit:
                return False
            if total.opening != 0 or total.closing != 0:
                return False
        return True


def _by_dimensions(rows: QuerySet[Any], filters: Mapping[str, Any]) -> QuerySet[Any]:
    """Totals or lines narrowed to the chosen dimensions (both carry the same fields)."""
    for name in DIMENSIONS:
        value = filters.get(name)
        if value not in (None, ""):
            rows = rows.filter(**{name: value})
    return rows


def _filtered(book: Book, filters: Mapping[str, Any]) -> QuerySet[PeriodTotal]:
    return _by_dimensions(PeriodTotal.objects.filter(book=book), filters)


def trial_balance(
    *,
    actor: Actor,
    book_id: object,
    month: int,
    level: int = 1,
    filters: Mapping[str, Any] | None = None,
) -> TrialBalance:
    """Opening (months before ``month``, with the opening balances of month 0), this month,
    the year to date and the closing balance of each account, rolled up to ``level``."""
    book = access_book(actor=actor, pk=book_id)
    month = max(1, min(12, month))
    sums = (
        _filtered(book, filters or {})
        .filter(month__lte=month)
        .values("account_code", "month")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    )
    accounts = {
        a.code: a for a in Account.objects.filter(mof_div_code=book.mof_div_code).order_by("code")
    }
    width = 4 + 2 * (max(1, level) - 1)
    rows: dict[str, BalanceRow] = {}
    for item in sums:
        code = item["account_code"][:width]
        account = accounts.get(code)
        row = rows.get(code)
        if row is None:
            row = rows[code] = BalanceRow(
                code=code,
                name=account.name if account else code,
                level=account.level if account else 1,
                half=account.half if account else "",
                normal_side=account.normal_side if account else Side.DEBIT,
            )
        d, c = item["d"] or 0, item["c"] or 0
        if item["month"] < month:
            row.opening += d - c
        else:
            row.debit += d
            row.credit += c
        if item["month"] != OPENING_MONTH:
            row.ytd_debit += d
            row.ytd_credit += c
    ordered = sorted(rows.values(), key=lambda r: r.code)
    totals: dict[str, BalanceRow] = {}
    for half in (Half.FINANCIAL, Half.BUDGETARY):
        total = BalanceRow(code="", name="", level=0, half=half, normal_side=Side.DEBIT)
        for row in ordered:
            if row.half == half:
                total.opening += row.opening
                total.debit += row.debit
                total.credit += row.credit
                total.ytd_debit += row.ytd_debit
                total.ytd_credit += row.ytd_credit
        totals[half] = total
    return TrialBalance(book=book, month=month, level=level, rows=ordered, totals=totals)


# --- Ledgers (总账 / 明细账 / 辅助账) ---------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    voucher_id: int
    label: str
    voucher_date: dt.date
    summary: str
    debit: int
    credit: int
    balance: int  # running, debit positive
    source_type: str
    source_id: int | None
    source_number: str


@dataclass
class Ledger:
    book: Book
    account_code: str
    account_name: str
    month_from: int
    month_to: int
    opening: int
    rows: list[LedgerRow]

    @property
    def closing(self) -> int:
        return self.rows[-1].balance if self.rows else self.opening


def account_ledger(
    *,
    actor: Actor,
    book_id: object,
    account_code: str,
    month_from: int = 1,
    month_to: int = 12,
    filters: Mapping[str, Any] | None = None,
    limit: int = 2000,
) -> Ledger:
    """The posted lines of an account (and its sub-accounts) in date and number order, with the
    running balance; a dimension filter makes it an auxiliary ledger (project, function …)."""
    book = access_book(actor=actor, pk=book_id)
    code = account_code.strip()
    account = Account.objects.filter(mof_div_code=book.mof_div_code, code=code).first()
    if account is None:
        raise NotFoundError("account")
    opening_rows = (
        _filtered(book, filters or {})
        .filter(account_code__startswith=code, month__lt=month_from)
        .aggregate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    )
    opening = (opening_rows["d"] or 0) - (opening_rows["c"] or 0)
    lines = _by_dimensions(
        VoucherLine.objects.filter(
            voucher__book=book,
            voucher__state=VoucherState.POSTED,
            voucher__month__gte=month_from,
            voucher__month__lte=month_to,
            account_code__startswith=code,
        ),
        filters or {},
    )
    running = opening
    rows = []
    for line in lines.select_related("voucher").order_by(
        "voucher__month", "voucher__number", "row"
    )[:limit]:
        running += line.debit_fen - line.credit_fen
        voucher = line.voucher
        rows.append(
            LedgerRow(
                voucher_id=voucher.pk,
                label=voucher.label,
                voucher_date=voucher.voucher_date,
                summary=line.summary or voucher.summary,
                debit=line.debit_fen,
                credit=line.credit_fen,
                balance=running,
                source_type=voucher.source_type,
                source_id=voucher.source_id,
                source_number=voucher.source_number,
            )
        )
    return Ledger(
        book=book,
        account_code=code,
        account_name=account.name,
        month_from=month_from,
        month_to=month_to,
        opening=opening,
        rows=rows,
    )


# --- Three-way reconciliation (R-AC-4) ----------------------------------------------------


@dataclass
class ReconRow:
    indicator_id: int
    indicator_code: str
    project_id: int | None
    fund_type_code: str
    exp_func_code: str
    ledger_paid: int = 0  # the indicator ledger's paid, year to date, net of refunds
    expenditure: int = 0  # posted 7101/7201, net
    revenue: int = 0  # posted 6001, net
    unposted: int = 0  # 7101/7201 on vouchers not yet posted
    documents: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, label, url)

    @property
    def agrees(self) -> bool:
        return self.ledger_paid == self.expenditure == self.revenue


@dataclass
class Reconciliation:
    book: Book
    month: int
    rows: list[ReconRow]

    @property
    def differences(self) -> list[ReconRow]:
        return [row for row in self.rows if not row.agrees]


def _month_end(fiscal_year: int, month: int) -> dt.datetime:
    """The first instant after ``month`` in Asia/Shanghai (the business day's zone)."""
    year, following = (fiscal_year + 1, 1) if month == 12 else (fiscal_year, month + 1)
    return dt.datetime(year, following, 1, tzinfo=timezone.get_default_timezone())


def reconciliation(*, actor: Actor, book_id: object, month: int) -> Reconciliation:
    """The three-way reconciliation of a book the actor may read (R-AC-4)."""
    return three_way(access_book(actor=actor, pk=book_id), month)


def three_way(book: Book, month: int) -> Reconciliation:
    """R-AC-4: per indicator line (so per project and fund nature) of 财政拨款, the ledger's
    paid = 7101/7201 = 6001, year to date at the end of ``month``, net of refunds; each
    difference lists the documents that make it: vouchers not yet posted, and payments,
    refunds or corrections with no voucher at all."""
    month = max(1, min(12, month))
    unit = book.organisation_id
    lines = IndicatorLine.objects.filter(
        organisation_id=unit,
        fiscal_year=book.fiscal_year,
        fund_type_code__in=FISCAL_FUND_TYPES,
    )
    rows: dict[int, ReconRow] = {
        line.pk: ReconRow(
            indicator_id=line.pk,
            indicator_code=line.code,
            project_id=line.project_id,
            fund_type_code=line.fund_type_code,
            exp_func_code=line.exp_func_code,
        )
        for line in lines
    }
    paid = (
        Movement.objects.filter(
            line_id__in=rows, created_at__lt=_month_end(book.fiscal_year, month)
        )
        .exclude(d_paid=0)
        .values("line_id")
        .annotate(p=Sum("d_paid"))
    )
    for moved in paid:
        rows[moved["line_id"]].ledger_paid = moved["p"] or 0
    expenditure = ("7101", "7201")
    totals = (
        PeriodTotal.objects.filter(book=book, month__gte=1, month__lte=month)
        .filter(Q(account_code__startswith="6001") | Q(account_code__in=expenditure))
        .exclude(indicator_line_id=0)
        .values("indicator_line_id", "account_code")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    )
    for item in totals:
        row = rows.get(item["indicator_line_id"])
        if row is None:
            continue
        if item["account_code"] in expenditure:
            row.expenditure += (item["d"] or 0) - (item["c"] or 0)
        else:
            row.revenue += (item["c"] or 0) - (item["d"] or 0)
    differing = [row for row in rows.values() if not row.agrees]
    if differing:
        _explain(book, month, {row.indicator_id: row for row in differing})
    return Reconciliation(
        book=book, month=month, rows=sorted(rows.values(), key=lambda r: r.indicator_code)
    )


_SOURCE_URL = {"payments.request": "/payments/{}/"}
# A payment line (the indicator ledger's source of a payment), a refund or a correction is
# shown on its payment's page: (its rows, the path to the request's id).
_ON_PAYMENT: dict[str, tuple[QuerySet[Any], str]] = {
    "payments.line": (PaymentLine.objects.all(), "request_id"),
    "payments.refund": (Refund.objects.all(), "line__request_id"),
    "payments.correction": (Correction.objects.all(), "line__request_id"),
}


def source_urls(pairs: Iterable[tuple[str, int | None]]) -> dict[tuple[str, int | None], str]:
    """The pages of source documents (drill up from the books to the payment), read in one
    query per document type."""
    wanted = {(t, i) for t, i in pairs if i}
    found: dict[tuple[str, int | None], str] = {}
    for source_type, source_id in wanted:
        if source_type in _SOURCE_URL:
            found[(source_type, source_id)] = _SOURCE_URL[source_type].format(source_id)
    for source_type, (documents, request) in _ON_PAYMENT.items():
        ids = [i for t, i in wanted if t == source_type]
        if ids:
            for pk, request_id in documents.filter(pk__in=ids).values_list("pk", request):
                found[(source_type, pk)] = f"/payments/{request_id}/"
    return found


def source_url(source_type: str, source_id: int | None) -> str:
    return source_urls([(source_type, source_id)]).get((source_type, source_id), "")


def _explain(book: Book, month: int, rows: Mapping[int, ReconRow]) -> None:
    pending = (
        VoucherLine.objects.filter(
            voucher__book=book,
            voucher__month__lte=month,
            indicator_line_id__in=rows,
            account_code__in=("7101", "7201"),
        )
        .exclude(voucher__state=VoucherState.POSTED)
        .select_related("voucher")
    )
    for line in pending:
        row = rows[line.indicator_line_id]  # type: ignore[index]
        row.unposted += line.debit_fen - line.credit_fen
        voucher = line.voucher
        row.documents.append(
            (
                "unposted",
                f"{voucher.label}（{voucher.get_state_display()}）",
                f"/accounting/vouchers/{voucher.pk}/",
            )
        )
    # A voucher generated from a money event carries the event's id, which is the ledger key
    # (op_key) of the movement it books: a movement is booked when a voucher has its key.
    booked = set(
        Voucher.objects.filter(book=book, event_id__isnull=False).values_list("event_id", flat=True)
    )
    moved = (
        Movement.objects.filter(
            line_id__in=rows, created_at__lt=_month_end(book.fiscal_year, month)
        )
        .exclude(d_paid=0)
        .values_list("line_id", "source_type", "source_id", "source_no", "op_key")
    )
    unbooked = [
        (line_id, source_type, int(source_id) if str(source_id).isdigit() else None, label)
        for line_id, source_type, source_id, source_no, op_key in moved
        if op_key not in booked
        for label in [source_no or f"{source_type}:{source_id}"]
    ]
    # The documents' pages in one query per document type, not one per movement.
    urls = source_urls((source_type, pk) for _line, source_type, pk, _label in unbooked)
    for line_id, source_type, pk, label in unbooked:
        rows[line_id].documents.append(("no_voucher", label, urls.get((source_type, pk), "")))


def reconcile_books(books: Iterable[Book]) -> list[str]:
    """``yusuan reconcile``: each book's posted totals equal its posted lines, month by month
    and account by account, and each half balances (R-AC-2; on SQLite this is the check the
    database's deferred trigger makes on PostgreSQL). The problems found, as text."""
    problems: list[str] = []
    for book in books:
        lines: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
        for voucher_month, code, d, c in VoucherLine.objects.filter(
            voucher__book=book, voucher__state=VoucherState.POSTED
        ).values_list("voucher__month", "account_code", "debit_fen", "credit_fen"):
            pair = lines[(voucher_month, code)]
            pair[0] += d
            pair[1] += c
        kept: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
        for total_month, code, d, c in PeriodTotal.objects.filter(book=book).values_list(
            "month", "account_code", "debit_fen", "credit_fen"
        ):
            pair = kept[(total_month, code)]
            pair[0] += d
            pair[1] += c
        for key in sorted(set(lines) | set(kept)):
            if lines.get(key, [0, 0]) != kept.get(key, [0, 0]):
                problems.append(
                    f"{book}: period {key[0]} account {key[1]}: lines {lines.get(key)} "
                    f"≠ totals {kept.get(key)}"
                )
        problems += _flow_problems(book)
        unbalanced = (
            VoucherLine.objects.filter(voucher__book=book)
            .values("voucher_id", "half")
            .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
        )
        for item in unbalanced:
            if item["d"] != item["c"]:
                problems.append(
                    f"{book}: voucher {item['voucher_id']} unbalanced in {item['half']} "
                    f"(R-AC-2): debit {item['d']}, credit {item['c']}"
                )
    return problems


def _flow_problems(book: Book) -> list[str]:
    """The 现金流量表 / 差异调节表 items kept at posting equal those of the posted lines."""
    expected = flow_items(load_vouchers([book], 12))
    kept = {
        (book.pk, month, kind, item): amount
        for month, kind, item, amount in FlowTotal.objects.filter(book=book).values_list(
            "month", "kind", "item", "amount_fen"
        )
        if amount
    }
    return [
        f"{book}: period {key[1]} {key[2]}:{key[3]}: lines {expected.get(key, 0)} "
        f"≠ totals {kept.get(key, 0)}"
        for key in sorted(set(expected) | set(kept))
        if expected.get(key, 0) != kept.get(key, 0)
    ]


def reconcile_check(region: str | None, year: int | None) -> tuple[list[str], list[str], int]:
    """For ``yusuan reconcile``: integrity problems fail the run; R-AC-4 differences (which
    unposted vouchers normally explain) are warnings."""
    books = Book.objects.select_related("organisation")
    if region:
        books = books.filter(mof_div_code=region)
    if year:
        books = books.filter(fiscal_year=year)
    chosen = list(books)
    failed = reconcile_books(chosen)
    warnings: list[str] = []
    for book in chosen:
        for row in three_way(book, 12).differences:
            unexplained = row.ledger_paid - row.expenditure - row.unposted
            warnings.append(
                f"R-AC-4 {book}: indicator {row.indicator_code}: ledger paid {row.ledger_paid}, "
                f"7101/7201 {row.expenditure}, 6001 {row.revenue}, unposted {row.unposted}"
                + (f", UNEXPLAINED {unexplained}" if unexplained else "")
            )
    return failed, warnings, len(chosen)
