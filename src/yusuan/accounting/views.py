"""Unit accounting pages (issue 19): the books of a unit, vouchers to review and post (制单 ≠ 审核 ≠
记账), a voucher with its source document, the trial balance with drill-down to the ledger and
the vouchers, and the three-way reconciliation (R-AC-4). Another unit's book is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yusuan.accounting import selectors
from yusuan.accounting.choices import BudgetActivity, VoucherOrigin, VoucherState
from yusuan.accounting.list_grid import VOUCHER_GRID
from yusuan.accounting.services.books import period_close, period_reopen
from yusuan.accounting.services.common import KEEP, REVIEW
from yusuan.accounting.services.lines import typed_lines
from yusuan.accounting.services.vouchers import (
    voucher_create,
    voucher_delete,
    voucher_post,
    voucher_reverse,
    voucher_review,
    voucher_unreview,
    voucher_update,
)
from yusuan.common.errors import BusinessRuleError, NotFoundError, refuse
from yusuan.common.grid import grid_download, grid_page
from yusuan.common.ids import parse_int
from yusuan.common.money import Money
from yusuan.common.web import flash_business_errors, is_htmx, place_errors, run_action

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
    """The vouchers of the actor's books in the data grid; drafts and reviewed ones can be
    picked and reviewed or posted together."""
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
    if request.GET.get("export") == "xlsx":
        return grid_download(request, VOUCHER_GRID, rows, "vouchers.xlsx")
    context = {
        "g": grid_page(request, VOUCHER_GRID, rows),
        "state": state,
        "states": VoucherState.choices,
        "book_id": book_id,
        "q": text,
        "may_review": actor.has_perm(REVIEW),
        "may_post": actor.has_perm(KEEP),
        "may_keep": actor.has_perm(KEEP),
    }
    if is_htmx(request):
        return render(request, "accounting/voucher_rows.html", context)
    return render(request, "accounting/vouchers.html", context)


DONE = {
    "review": gettext_lazy("Reviewed: %(labels)s"),
    "unreview": gettext_lazy("Back to draft: %(labels)s"),
    "post": gettext_lazy("Posted: %(labels)s"),
}


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """To the page the form came from (this site's only), else ``default``."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect(default)


@require_POST
@login_required
@permission_required(VIEW, raise_exception=True)
def voucher_batch(request: HttpRequest, action: str) -> HttpResponse:
    """审核, 取消审核 or 记账 the vouchers picked (all or none: the first problem of any stops
    them all, each named)."""
    if action not in DONE:
        raise Http404
    if not request.user.has_perm(KEEP if action == "post" else REVIEW):
        raise PermissionDenied
    ids = request.POST.getlist("ids")[:500]

    def run(actor: Any) -> list[Any]:
        if action == "review":
            return voucher_review(actor=actor, voucher_ids=ids)
        if action == "unreview":
            return voucher_unreview(actor=actor, voucher_ids=ids)
        return voucher_post(actor=actor, voucher_ids=ids)

    return run_action(
        request,
        run,
        lambda done: DONE[action] % {"labels": "、".join(v.label for v in done)},
        _back(request, reverse("accounting:vouchers")),
    )


ROW_FIELDS = (
    "account_code",
    "summary",
    "debit",
    "credit",
    "exp_func_code",
    "dep_bgt_eco_code",
    "fund_type_code",
    "budget_activity",
    "indicator",
    "counterparty",
)
BLANK_ROWS = 6


def _rows_of(voucher: Any) -> list[dict[str, Any]]:
    """A draft's lines as the form shows them (amounts in 元)."""
    rows = []
    for line in selectors.voucher_lines(voucher):
        rows.append(
            {
                "account_code": line.account_code,
                "summary": line.summary,
                "debit": Money(line.debit_fen).format() if line.debit_fen else "",
                "credit": Money(line.credit_fen).format() if line.credit_fen else "",
                "exp_func_code": line.exp_func_code,
                "dep_bgt_eco_code": line.dep_bgt_eco_code,
                "fund_type_code": line.fund_type_code,
                "budget_activity": line.budget_activity,
                "indicator": line.indicator_line.code if line.indicator_line else "",
                "counterparty": line.counterparty,
            }
        )
    return rows


@login_required
@permission_required(KEEP, raise_exception=True)
def voucher_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """填制凭证: a manual voucher, or a draft changed (a generated one completed). Both halves
    on one form, each row an account with its amount on one side; every problem beside its
    field, nothing kept until all are mended."""
    actor = _actor(request)
    voucher = None
    if pk is not None:
        try:  # scope first: another unit's voucher is a 404 before the form is read
            voucher = selectors.access_voucher(actor=actor, pk=pk)
        except NotFoundError as exc:
            raise Http404 from exc
    books = list(selectors.book_list(actor=actor)[:200])
    header: dict[str, Any]
    if request.method == "POST":
        count = max(1, min(parse_int(request.POST.get("row_count", "")) or BLANK_ROWS, 500))
        count += 1 if "add_row" in request.POST else 0
        rows: list[dict[str, Any]] = [
            {n: request.POST.get(f"lines-{i}-{n}", "").strip()[:200] for n in ROW_FIELDS}
            for i in range(count)
        ]
        header = {
            n: request.POST.get(n, "").strip()[:200]
            for n in ("book", "voucher_date", "summary", "attachments")
        }
    elif voucher is not None:
        rows = _rows_of(voucher)
        rows += [{} for _ in range(max(2, BLANK_ROWS - len(rows)))]
        header = {
            "book": str(voucher.book_id),
            "voucher_date": voucher.voucher_date.isoformat(),
            "summary": voucher.summary,
            "attachments": str(voucher.attachments),
        }
    else:
        rows = [{} for _ in range(BLANK_ROWS)]
        first = books[0].pk if books else ""
        header = {
            "book": request.GET.get("book", str(first))[:20],
            "voucher_date": timezone.localdate().isoformat(),
            "summary": "",
            "attachments": "0",
        }
    header_errors: dict[str, list[str]] = {}
    listed: list[str] = []
    if request.method == "POST" and "add_row" not in request.POST:
        used = [r for r in rows if any(r.values())]
        try:
            saved = _save_voucher(actor, voucher, header, used)
        except NotFoundError as exc:  # another's draft, or one posted meanwhile by scope
            raise Http404 from exc
        except BusinessRuleError as exc:
            placed = place_errors(exc.errors, len(used))
            for index, fields in placed.rows.items():
                used[index]["errors"] = fields
            header_errors = placed.header
            listed = placed.listed + [t for texts in placed.header.values() for t in texts]
            # The blank rows close up, so that "row 2" in a message is the second row shown.
            rows = used + [{} for _ in range(max(2, BLANK_ROWS - len(used)))]
        else:
            messages.success(request, _("Voucher %(label)s saved.") % {"label": saved.label})
            return redirect("accounting:voucher_detail", pk=saved.pk)
    return render(
        request,
        "accounting/voucher_form.html",
        {
            "voucher": voucher,
            "books": books,
            "header": header,
            "header_errors": header_errors,
            "row_errors": listed,
            "rows": rows,
            "activities": BudgetActivity.choices,
        },
    )


def _save_voucher(
    actor: Any, voucher: Any, header: dict[str, Any], rows: list[dict[str, Any]]
) -> Any:
    date = parse_date(header["voucher_date"] or "")
    if date is None:
        raise refuse(
            "accounting.bad_date",
            "voucher_date",
            "凭证日期应为 YYYY-MM-DD",
            "the voucher date is YYYY-MM-DD",
            value=header["voucher_date"],
        )
    attachments = parse_int(header["attachments"] or "0")
    lines = typed_lines(actor, rows)
    if voucher is not None:
        return voucher_update(
            actor=actor,
            voucher_id=voucher.pk,
            voucher_date=date,
            summary=header["summary"],
            lines=lines,
            attachments=attachments if attachments is not None else -1,
        )
    return voucher_create(
        actor=actor,
        book_id=header["book"],
        voucher_date=date,
        summary=header["summary"],
        lines=lines,
        attachments=attachments if attachments is not None else -1,
    )


@require_POST
@login_required
@permission_required(KEEP, raise_exception=True)
def voucher_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Discard one's own manual draft."""
    return run_action(
        request,
        lambda actor: voucher_delete(actor=actor, voucher_id=pk),
        _("The draft voucher is deleted."),
        redirect("accounting:vouchers"),
    )


@require_POST
@login_required
@permission_required(KEEP, raise_exception=True)
def voucher_reverse_view(request: HttpRequest, pk: int) -> HttpResponse:
    """红字冲销: the red draft opens for review; problems come back to the voucher."""
    try:  # scope first: another unit's voucher is a 404 before the form is read
        selectors.access_voucher(actor=_actor(request), pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc
    date = parse_date(request.POST.get("voucher_date", "").strip()[:10] or "")
    try:
        if date is None:
            raise refuse(
                "accounting.bad_date",
                "voucher_date",
                "冲销日期应为 YYYY-MM-DD",
                "the reversal's date is YYYY-MM-DD",
                value=request.POST.get("voucher_date", "")[:20],
            )
        red = voucher_reverse(
            actor=_actor(request),
            voucher_id=pk,
            voucher_date=date,
            reason=request.POST.get("reason", "")[:200],
        )
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
        return redirect("accounting:voucher_detail", pk=pk)
    messages.success(request, _("Reversal %(label)s drafted.") % {"label": red.label})
    return redirect("accounting:voucher_detail", pk=red.pk)


@login_required
@permission_required(VIEW, raise_exception=True)
def periods_view(request: HttpRequest, book_pk: int) -> HttpResponse:
    """A book's months: closed or open, closed by whom, a reopening asked for."""
    book = _book(request, book_pk)
    return render(
        request,
        "accounting/periods.html",
        {
            "book": book,
            "periods": book.periods.select_related("closed_by", "reopen_requested_by").order_by(
                "month"
            ),
            "may_close": _actor(request).has_perm(REVIEW),
            "may_keep": _actor(request).has_perm(KEEP),
        },
    )


@require_POST
@login_required
@permission_required(REVIEW, raise_exception=True)
def period_action(request: HttpRequest, book_pk: int, month: int, action: str) -> HttpResponse:
    """结账 or 反结账 (the second needs two 会计主管: the first asks, another confirms)."""
    book = _book(request, book_pk)
    if action == "close":
        run = lambda actor: period_close(actor=actor, book_id=book.pk, month=month)  # noqa: E731
        done = _("Month %(month)s closed.")
    elif action == "reopen":
        reason = request.POST.get("reason", "").strip()[:200]
        run = lambda actor: period_reopen(  # noqa: E731
            actor=actor, book_id=book.pk, month=month, reason=reason
        )
        done = _("Reopening of month %(month)s recorded.")
    else:
        raise Http404
    return run_action(
        request, run, done % {"month": month}, redirect("accounting:periods", book_pk=book.pk)
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
            "may_edit": actor.has_perm(KEEP)
            and voucher.state == VoucherState.DRAFT
            and voucher.origin != VoucherOrigin.REVERSAL
            and voucher.prepared_by_id in (None, actor.pk),
            "may_delete": actor.has_perm(KEEP)
            and voucher.state == VoucherState.DRAFT
            and voucher.origin != VoucherOrigin.GENERATED
            and voucher.prepared_by_id == actor.pk,
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
