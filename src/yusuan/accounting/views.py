"""Unit accounting pages (issue 19): the books of a unit, vouchers to review and post (制单 ≠ 审核 ≠
记账), a voucher with its source document, the trial balance with drill-down to the ledger and
the vouchers, and the three-way reconciliation (R-AC-4). Another unit's book is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yusuan.accounting import selectors
from yusuan.accounting.choices import VoucherState
from yusuan.accounting.services.common import KEEP, REVIEW
from yusuan.common.errors import NotFoundError
from yusuan.common.ids import parse_int

VIEW = "accounting.view_voucher"
DIMENSION_FIELDS = ("exp_func_code", "dep_bgt_eco_code", "fund_type_code", "budget_activity")


def _actor(request: HttpRequest) -> Any:
    return request.user


def _int(text: object, default: int, low: int, high: int) -> int:
    value = parse_int(text)
    return default if value is None else max(low, min(high, value))


def _book(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.access_book(actor=_actor(request), pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc


def _filters(request: HttpRequest) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for name in DIMENSION_FIELDS:
        value = request.GET.get(name, "").strip()[:10]
        if value:
            chosen[name] = value
    project = parse_int(request.GET.get("project_id", ""))
    if project:
        chosen["project_id"] = project
    return chosen


@login_required
@permission_required(VIEW, raise_exception=True)
def overview(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    books = list(selectors.book_list(actor=actor)[:200])
    waiting = {
        state: selectors.voucher_list(actor=actor, state=state).count()
        for state in (VoucherState.DRAFT, VoucherState.REVIEWED)
    }
    return render(
        request,
        "accounting/overview.html",
        {"books": books, "waiting": waiting, "month": timezone.localdate().month},
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def voucher_list_view(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    state = request.GET.get("state", "")
    state = state if state in VoucherState.values else ""
    book_id = parse_int(request.GET.get("book", ""))
    month = parse_int(request.GET.get("month", ""))
    text = request.GET.get("q", "").strip()[:60]
    rows = selectors.voucher_list(
        actor=actor,
        book_id=book_id,
        state=state,
        month=month if month is not None and 0 <= month <= 12 else None,
        text=text,
    )
    total = rows.count()
    return render(
        request,
        "accounting/vouchers.html",
        {
            "vouchers": list(rows[:500]),
            "total": total,
            "state": state,
            "states": VoucherState.choices,
            "book_id": book_id,
            "q": text,
            "may_review": actor.has_perm(REVIEW),
            "may_post": actor.has_perm(KEEP),
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def voucher_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    try:
        voucher = selectors.access_voucher(actor=actor, pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc
    lines = list(selectors.voucher_lines(voucher))
    halves = {half: [line for line in lines if line.half == half] for half in ("fa", "ba")}
    sums = {
        half: (sum(x.debit_fen for x in rows), sum(x.credit_fen for x in rows))
        for half, rows in halves.items()
    }
    reversal = (
        getattr(voucher, "reversed_by", None) if voucher.state == VoucherState.POSTED else None
    )
    return render(
        request,
        "accounting/voucher.html",
        {
            "voucher": voucher,
            "halves": halves,
            "sums": sums,
            "source_url": selectors.source_url(voucher.source_type, voucher.source_id),
            "reversal": reversal,
            "may_review": actor.has_perm(REVIEW) and voucher.state == VoucherState.DRAFT,
            "may_unreview": actor.has_perm(REVIEW) and voucher.state == VoucherState.REVIEWED,
            "may_post": actor.has_perm(KEEP) and voucher.state == VoucherState.REVIEWED,
            "may_reverse": actor.has_perm(KEEP)
            and voucher.state == VoucherState.POSTED
            and reversal is None,
            "today": timezone.localdate(),
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def trial_balance_view(request: HttpRequest, book_pk: int) -> HttpResponse:
    book = _book(request, book_pk)
    month = _int(request.GET.get("month"), timezone.localdate().month, 1, 12)
    level = _int(request.GET.get("level"), 1, 1, 4)
    filters = _filters(request)
    balance = selectors.trial_balance(
        actor=_actor(request), book_id=book.pk, month=month, level=level, filters=filters
    )
    return render(
        request,
        "accounting/trial_balance.html",
        {
            "book": book,
            "tb": balance,
            "month": month,
            "level": level,
            "filters": filters,
            "months": range(1, 13),
            "query": request.GET.urlencode(),
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def ledger_view(request: HttpRequest, book_pk: int, code: str) -> HttpResponse:
    book = _book(request, book_pk)
    month_from = _int(request.GET.get("from"), 1, 1, 12)
    month_to = _int(request.GET.get("to"), 12, month_from, 12)
    try:
        ledger = selectors.account_ledger(
            actor=_actor(request),
            book_id=book.pk,
            account_code=code[:12],
            month_from=month_from,
            month_to=month_to,
            filters=_filters(request),
        )
    except NotFoundError as exc:
        raise Http404 from exc
    urls = selectors.source_urls((row.source_type, row.source_id) for row in ledger.rows)
    rows = [(row, urls.get((row.source_type, row.source_id), "")) for row in ledger.rows]
    return render(request, "accounting/ledger.html", {"book": book, "ledger": ledger, "rows": rows})


@login_required
@permission_required(VIEW, raise_exception=True)
def reconciliation_view(request: HttpRequest, book_pk: int) -> HttpResponse:
    book = _book(request, book_pk)
    month = _int(request.GET.get("month"), timezone.localdate().month, 1, 12)
    result = selectors.reconciliation(actor=_actor(request), book_id=book.pk, month=month)
    return render(
        request,
        "accounting/reconciliation.html",
        {"book": book, "result": result, "month": month, "months": range(1, 13)},
    )
