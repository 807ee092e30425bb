"""Unit accounting endpoints (/api/v1/accounting/…, issue 19): books and their periods, vouchers
(list, read, a manual one, its review, posting and red-ink reversal), the trial balance, an
account's ledger and the three-way reconciliation (R-AC-4). Amounts in as text in 元, out as
integer fen; every mutating call accepts an ``Idempotency-Key`` (P11). Token scopes
``accounting:read`` / ``accounting:write``; another unit's book or voucher is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, Query, Router, Schema, Status

from yusuan.accounting import selectors
from yusuan.accounting.choices import BudgetActivity, VoucherState
from yusuan.accounting.models import Book, Voucher
from yusuan.accounting.services.books import period_close, period_reopen
from yusuan.accounting.services.common import KEEP, REVIEW
from yusuan.accounting.services.lines import LineInput, typed_lines
from yusuan.accounting.services.vouchers import (
    voucher_create,
    voucher_delete,
    voucher_post,
    voucher_reverse,
    voucher_review,
    voucher_unreview,
    voucher_update,
)
from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require

router = Router(tags=["accounting"])
READ, WRITE = "accounting:read", "accounting:write"
VIEW = "accounting.view_voucher"
Month = Annotated[int, Field(ge=1, le=12)]
Code = Annotated[str, Field(max_length=12, pattern=r"^[0-9]{4,12}$")]


class BookPeriodOut(Schema):
    month: int = Field(description="0 is the opening balances; 1–12 the months")
    state: str
    closed_at: dt.datetime | None
    reopened: int
    reopen_requested: bool = Field(description="A 会计主管 asked to reopen; another confirms")


class BookOut(Schema):
    id: int
    organisation_id: int
    organisation: str
    fiscal_year: int
    quota_model: str = Field(description="unified (R-AC-6, the default) or legacy (1011/8011)")
    unit_kind: str
    mof_div_code: str


class BookDetailOut(BookOut):
    periods: list[BookPeriodOut]


def _book(book: Book) -> dict[str, Any]:
    return {
        "id": book.pk,
        "organisation_id": book.organisation_id,
        "organisation": book.organisation.name,
        "fiscal_year": book.fiscal_year,
        "quota_model": book.quota_model,
        "unit_kind": book.unit_kind,
        "mof_div_code": book.mof_div_code,
    }


def _book_detail(book: Book) -> dict[str, Any]:
    return {
        **_book(book),
        "periods": [
            {
                "month": p.month,
                "state": p.state,
                "closed_at": p.closed_at,
                "reopened": p.reopened,
                "reopen_requested": p.reopen_requested_by_id is not None,
            }
            for p in book.periods.order_by("month")
        ],
    }


@router.get("/accounting/books", response=list[BookOut])
@paged(100)
def list_books(request: HttpRequest, fiscal_year: Year | None = None) -> Any:
    """The books of the caller's units, newest year first."""
    actor = require(request, VIEW, READ)
    return Rendered(selectors.book_list(actor=actor, fiscal_year=fiscal_year), _book)


@router.get("/accounting/books/{book_id}", response=BookDetailOut)
def get_book(request: HttpRequest, book_id: Id) -> Any:
    """A book with its periods (open or closed)."""
    actor = require(request, VIEW, READ)
    return _book_detail(selectors.access_book(actor=actor, pk=book_id))


class PeriodReopenIn(Schema):
    reason: str = Field("", max_length=200, description="Why (the first of the two asks)")


@router.post("/accounting/books/{book_id}/periods/{month}/close", response=BookDetailOut)
def close_period(
    request: HttpRequest,
    response: HttpResponse,
    book_id: Id,
    month: Annotated[int, Field(ge=0, le=12)],
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """结账: close a month once every voucher dated in it is posted (R-AC-8)."""

    def call(actor: Any) -> dict[str, Any]:
        period_close(actor=actor, book_id=book_id, month=month)
        return _book_detail(selectors.access_book(actor=actor, pk=book_id))

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:accounting.period.close:{book_id}:{month}",
        body={},
        status=200,
        render=call,
    )


@router.post("/accounting/books/{book_id}/periods/{month}/reopen", response=BookDetailOut)
def reopen_period(
    request: HttpRequest,
    response: HttpResponse,
    book_id: Id,
    month: Annotated[int, Field(ge=0, le=12)],
    payload: PeriodReopenIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """反结账 takes two 会计主管: the first asks (with a reason), another confirms."""

    def call(actor: Any) -> dict[str, Any]:
        period_reopen(actor=actor, book_id=book_id, month=month, reason=payload.reason)
        return _book_detail(selectors.access_book(actor=actor, pk=book_id))

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:accounting.period.reopen:{book_id}:{month}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=call,
    )


# --- vouchers -----------------------------------------------------------------------------------


class BookVoucherSummaryOut(Schema):
    id: int
    label: str = Field(description="记-MM-NNNN once posted; 草稿-id before")
    book_id: int
    organisation: str
    month: int
    voucher_date: dt.date
    number: int | None
    summary: str
    state: str
    origin: str
    total_fen: int = Field(description="Σ debits of the financial half")
    source_type: str
    source_id: int | None
    source_number: str
    rule_code: str
    problem: str = Field(description="Why a generated draft waits for its lines (R-AC-7)")


class BookLineOut(Schema):
    row: int
    half: str = Field(description="fa 财务会计 or ba 预算会计")
    account_code: str
    account_name: str
    summary: str
    debit_fen: int
    credit_fen: int
    exp_func_code: str
    dep_bgt_eco_code: str
    fund_type_code: str
    budget_activity: str
    project_id: int | None
    indicator_line_id: int | None
    payee_id: int | None
    counterparty: str


class BookVoucherOut(BookVoucherSummaryOut):
    attachments: int
    prepared_by: str | None
    reviewed_by: str | None
    posted_by: str | None
    reviewed_at: dt.datetime | None
    posted_at: dt.datetime | None
    reverses_id: int | None
    reversed_by_id: int | None
    lines: list[BookLineOut]


def _voucher(voucher: Voucher) -> dict[str, Any]:
    return {
        "id": voucher.pk,
        "label": voucher.label,
        "book_id": voucher.book_id,
        "organisation": voucher.book.organisation.name,
        "month": voucher.month,
        "voucher_date": voucher.voucher_date,
        "number": voucher.number,
        "summary": voucher.summary,
        "state": voucher.state,
        "origin": voucher.origin,
        "total_fen": voucher.total_fen,
        "source_type": voucher.source_type,
        "source_id": voucher.source_id,
        "source_number": voucher.source_number,
        "rule_code": voucher.rule_code,
        "problem": voucher.problem,
    }


def _name(user: Any) -> str | None:
    return None if user is None else (user.get_full_name() or user.username)


def _voucher_detail(voucher: Voucher) -> dict[str, Any]:
    reversal = Voucher.objects.filter(reverses=voucher).values_list("pk", flat=True).first()
    return {
        **_voucher(voucher),
        "attachments": voucher.attachments,
        "prepared_by": _name(voucher.prepared_by),
        "reviewed_by": _name(voucher.reviewed_by),
        "posted_by": _name(voucher.posted_by),
        "reviewed_at": voucher.reviewed_at,
        "posted_at": voucher.posted_at,
        "reverses_id": voucher.reverses_id,
        "reversed_by_id": reversal,
        "lines": [
            {
                "row": line.row,
                "half": line.half,
                "account_code": line.account_code,
                "account_name": line.account.name,
                "summary": line.summary,
                "debit_fen": line.debit_fen,
                "credit_fen": line.credit_fen,
                "exp_func_code": line.exp_func_code,
                "dep_bgt_eco_code": line.dep_bgt_eco_code,
                "fund_type_code": line.fund_type_code,
                "budget_activity": line.budget_activity,
                "project_id": line.project_id,
                "indicator_line_id": line.indicator_line_id,
                "payee_id": line.payee_id,
                "counterparty": line.counterparty,
            }
            for line in selectors.voucher_lines(voucher)
        ],
    }


class BookVoucherFilters(Schema):
    book_id: Id | None = None
    state: VoucherState | None = None
    month: Annotated[int, Field(ge=0, le=12)] | None = None
    q: str = Field("", max_length=60, description="Part of the summary or the source's number")


@router.get("/accounting/vouchers", response=list[BookVoucherSummaryOut])
@paged(100)
def list_vouchers(request: HttpRequest, filters: Query[BookVoucherFilters]) -> Any:
    """The vouchers of the caller's books, newest first (the voucher list page's filters)."""
    actor = require(request, VIEW, READ)
    rows = selectors.voucher_list(
        actor=actor,
        book_id=filters.book_id,
        state=filters.state or "",
        month=filters.month,
        text=filters.q.strip(),
    )
    return Rendered(rows, _voucher)


# The batch actions come before /accounting/vouchers/{voucher_id}: its pattern would take
# /accounting/vouchers/review and answer 405.


class BookVoucherIdsIn(Schema):
    ids: list[Id] = Field(min_length=1, max_length=500)


class BookVouchersDoneOut(Schema):
    vouchers: list[BookVoucherSummaryOut]


def _batch(
    request: HttpRequest,
    response: HttpResponse,
    payload: BookVoucherIdsIn,
    key: str | None,
    *,
    what: str,
    service: Any,
    permission: str,
) -> Status[Any]:
    def call(actor: Any) -> dict[str, Any]:
        done = service(actor=actor, voucher_ids=payload.ids)
        return {"vouchers": [_voucher(v) for v in done]}

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=key,
        scope=f"api:accounting.voucher.{what}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=call,
        permission=permission,
    )


@router.post("/accounting/vouchers/review", response=BookVouchersDoneOut)
def review_vouchers(
    request: HttpRequest,
    response: HttpResponse,
    payload: BookVoucherIdsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """审核 drafts, all or none: each balanced and complete, none prepared by the reviewer, nor
    made (the payment) by them (制单 ≠ 审核, R-AC-7)."""
    return _batch(
        request,
        response,
        payload,
        idempotency_key,
        what="review",
        service=voucher_review,
        permission=REVIEW,
    )


@router.post("/accounting/vouchers/unreview", response=BookVouchersDoneOut)
def unreview_vouchers(
    request: HttpRequest,
    response: HttpResponse,
    payload: BookVoucherIdsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """取消审核: reviewed, unposted vouchers back to draft."""
    return _batch(
        request,
        response,
        payload,
        idempotency_key,
        what="unreview",
        service=voucher_unreview,
        permission=REVIEW,
    )


@router.post("/accounting/vouchers/post", response=BookVouchersDoneOut)
def post_vouchers(
    request: HttpRequest,
    response: HttpResponse,
    payload: BookVoucherIdsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """记账 reviewed vouchers, all or none: numbered without gaps per book and month, frozen,
    added to the period totals; the poster neither prepared nor reviewed them."""
    return _batch(
        request,
        response,
        payload,
        idempotency_key,
        what="post",
        service=voucher_post,
        permission=KEEP,
    )


@router.get("/accounting/vouchers/{voucher_id}", response=BookVoucherOut)
def get_voucher(request: HttpRequest, voucher_id: Id) -> Any:
    """A voucher with both halves' lines, its people and its source document."""
    actor = require(request, VIEW, READ)
    return _voucher_detail(selectors.access_voucher(actor=actor, pk=voucher_id))


class BookLineIn(Schema):
    account_code: Code
    debit: str | None = Field(None, max_length=32, description="元; exactly one of debit/credit")
    credit: str | None = Field(None, max_length=32, description="元")
    summary: str = Field("", max_length=200)
    exp_func_code: str = Field("", max_length=7)
    dep_bgt_eco_code: str = Field("", max_length=5)
    fund_type_code: str = Field("", max_length=3)
    budget_activity: BudgetActivity | None = None
    project_id: Id | None = None
    indicator_line_id: Id | None = None
    indicator: str = Field(
        "", max_length=32, description="An indicator's code (ZB…) instead of its id; its project"
    )
    payee_id: Id | None = None
    counterparty: str = Field("", max_length=120)


class BookVoucherIn(Schema):
    voucher_date: dt.date
    summary: str = Field(max_length=200)
    attachments: Annotated[int, Field(ge=0, le=9999)] = 0
    lines: list[BookLineIn] = Field(max_length=500)


class BookVoucherCreateIn(BookVoucherIn):
    book_id: Id
    opening: bool = Field(False, description="The opening balances (month 0)")


def _lines(actor: Any, payload: BookVoucherIn) -> list[LineInput]:
    return typed_lines(actor, [line.model_dump(mode="json") for line in payload.lines])


@router.post("/accounting/vouchers", response={201: BookVoucherOut})
def create_voucher(
    request: HttpRequest,
    response: HttpResponse,
    payload: BookVoucherCreateIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A manual voucher (draft) in a book the caller keeps: both halves balanced (R-AC-2),
    accounts of the region's chart (R-AC-3), budget lines with their elements (R-AC-11). Every
    problem is listed with its row and field; nothing is kept."""

    def call(actor: Any) -> dict[str, Any]:
        voucher = voucher_create(
            actor=actor,
            book_id=payload.book_id,
            voucher_date=payload.voucher_date,
            summary=payload.summary,
            lines=_lines(actor, payload),
            attachments=payload.attachments,
            opening=payload.opening,
        )
        return _voucher_detail(selectors.access_voucher(actor=actor, pk=voucher.pk))

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:accounting.voucher.create",
        body=payload.model_dump(mode="json"),
        status=201,
        render=call,
        permission=KEEP,
    )


@router.put("/accounting/vouchers/{voucher_id}", response=BookVoucherOut)
def update_voucher(
    request: HttpRequest,
    response: HttpResponse,
    voucher_id: Id,
    payload: BookVoucherIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Change a draft: one's own, or complete a generated one (its preparer then)."""

    def call(actor: Any) -> dict[str, Any]:
        voucher_update(
            actor=actor,
            voucher_id=voucher_id,
            voucher_date=payload.voucher_date,
            summary=payload.summary,
            lines=_lines(actor, payload),
            attachments=payload.attachments,
        )
        return _voucher_detail(selectors.access_voucher(actor=actor, pk=voucher_id))

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:accounting.voucher.update:{voucher_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=call,
        permission=KEEP,
    )


@router.delete("/accounting/vouchers/{voucher_id}", response={204: None})
def delete_voucher(
    request: HttpRequest,
    response: HttpResponse,
    voucher_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Discard one's own manual draft (a generated voucher stays, R-AC-7)."""

    def call(actor: Any) -> None:
        voucher_delete(actor=actor, voucher_id=voucher_id)

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:accounting.voucher.delete:{voucher_id}",
        body={},
        status=204,
        render=call,
        permission=KEEP,
    )


class BookVoucherReverseIn(Schema):
    voucher_date: dt.date
    reason: str = Field(min_length=1, max_length=200)


@router.post("/accounting/vouchers/{voucher_id}/reverse", response={201: BookVoucherOut})
def reverse_voucher(
    request: HttpRequest,
    response: HttpResponse,
    voucher_id: Id,
    payload: BookVoucherReverseIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """红字冲销 a posted voucher: a draft with its lines in red, to review and post."""

    def call(actor: Any) -> dict[str, Any]:
        red = voucher_reverse(
            actor=actor,
            voucher_id=voucher_id,
            voucher_date=payload.voucher_date,
            reason=payload.reason,
        )
        return _voucher_detail(selectors.access_voucher(actor=actor, pk=red.pk))

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:accounting.voucher.reverse:{voucher_id}",
        body=payload.model_dump(mode="json"),
        status=201,
        render=call,
        permission=KEEP,
    )


# --- balances -----------------------------------------------------------------------------------


class AccountDimensions(Schema):
    exp_func_code: str = Field("", max_length=7)
    dep_bgt_eco_code: str = Field("", max_length=5)
    fund_type_code: str = Field("", max_length=3)
    budget_activity: BudgetActivity | None = None
    project_id: Id | None = None


def _dimensions(chosen: AccountDimensions) -> dict[str, Any]:
    return {name: value for name, value in chosen.model_dump().items() if value not in (None, "")}


class BalanceRowOut(Schema):
    code: str
    name: str
    level: int
    half: str
    normal_side: str
    opening_debit_fen: int
    opening_credit_fen: int
    debit_fen: int
    credit_fen: int
    ytd_debit_fen: int
    ytd_credit_fen: int
    closing_debit_fen: int
    closing_credit_fen: int


class TrialBalanceOut(Schema):
    book_id: int
    month: int
    level: int
    balanced: bool = Field(description="R-AC-2: each half's debits equal its credits")
    rows: list[BalanceRowOut]
    totals: dict[str, BalanceRowOut] = Field(description="Per half: fa, ba")


def _balance_row(row: selectors.BalanceRow) -> dict[str, Any]:
    opening, closing = row.opening_dr_cr, row.closing_dr_cr
    return {
        "code": row.code,
        "name": row.name,
        "level": row.level,
        "half": row.half,
        "normal_side": row.normal_side,
        "opening_debit_fen": opening[0],
        "opening_credit_fen": opening[1],
        "debit_fen": row.debit,
        "credit_fen": row.credit,
        "ytd_debit_fen": row.ytd_debit,
        "ytd_credit_fen": row.ytd_credit,
        "closing_debit_fen": closing[0],
        "closing_credit_fen": closing[1],
    }


@router.get("/accounting/books/{book_id}/trial-balance", response=TrialBalanceOut)
def trial_balance(
    request: HttpRequest,
    book_id: Id,
    dimensions: Query[AccountDimensions],
    month: Month | None = None,
    level: Annotated[int, Field(ge=1, le=4)] = 1,
) -> Any:
    """科目余额表 (DOMAIN-2 §5.4) of posted vouchers at the end of ``month``, by account at
    ``level`` (default: this month), narrowed to the dimensions given; read from the period
    totals."""
    actor = require(request, VIEW, READ)
    balance = selectors.trial_balance(
        actor=actor,
        book_id=book_id,
        month=month or timezone.localdate().month,
        level=level,
        filters=_dimensions(dimensions),
    )
    return {
        "book_id": book_id,
        "month": balance.month,
        "level": balance.level,
        "balanced": balance.balanced,
        "rows": [_balance_row(row) for row in balance.rows],
        "totals": {half: _balance_row(row) for half, row in balance.totals.items()},
    }


class AccountLedgerRowOut(Schema):
    voucher_id: int
    label: str
    voucher_date: dt.date
    summary: str
    debit_fen: int
    credit_fen: int
    balance_fen: int = Field(description="Running balance, debit positive")
    source_type: str
    source_id: int | None
    source_number: str


class AccountLedgerOut(Schema):
    book_id: int
    account_code: str
    account_name: str
    month_from: int
    month_to: int
    opening_fen: int
    rows: list[AccountLedgerRowOut]


@router.get("/accounting/books/{book_id}/ledger/{code}", response=AccountLedgerOut)
def account_ledger(
    request: HttpRequest,
    book_id: Id,
    code: Code,
    dimensions: Query[AccountDimensions],
    month_from: Month = 1,
    month_to: Month = 12,
) -> Any:
    """明细账 of an account (and its sub-accounts): posted lines with the running balance, each
    naming its voucher and source document (at most 2,000 lines)."""
    actor = require(request, VIEW, READ)
    ledger = selectors.account_ledger(
        actor=actor,
        book_id=book_id,
        account_code=code,
        month_from=month_from,
        month_to=max(month_from, month_to),
        filters=_dimensions(dimensions),
    )
    return {
        "book_id": book_id,
        "account_code": ledger.account_code,
        "account_name": ledger.account_name,
        "month_from": ledger.month_from,
        "month_to": ledger.month_to,
        "opening_fen": ledger.opening,
        "rows": [
            {
                "voucher_id": row.voucher_id,
                "label": row.label,
                "voucher_date": row.voucher_date,
                "summary": row.summary,
                "debit_fen": row.debit,
                "credit_fen": row.credit,
                "balance_fen": row.balance,
                "source_type": row.source_type,
                "source_id": row.source_id,
                "source_number": row.source_number,
            }
            for row in ledger.rows
        ],
    }


class ReconciliationRowOut(Schema):
    indicator_id: int
    indicator_code: str
    project_id: int | None
    fund_type_code: str
    exp_func_code: str
    ledger_paid_fen: int = Field(description="The indicator ledger's paid, net of refunds")
    expenditure_fen: int = Field(description="Posted 7101/7201, net")
    revenue_fen: int = Field(description="Posted 6001, net")
    unposted_fen: int = Field(description="7101/7201 on vouchers not yet posted")
    agrees: bool
    documents: list[dict[str, str]] = Field(description="What makes a difference: kind, label, url")


class ReconciliationOut(Schema):
    book_id: int
    month: int
    agrees: bool = Field(description="R-AC-4 holds on every line")
    rows: list[ReconciliationRowOut]


@router.get("/accounting/books/{book_id}/reconciliation", response=ReconciliationOut)
def reconciliation(request: HttpRequest, book_id: Id, month: Month | None = None) -> Any:
    """R-AC-4 per 财政拨款 indicator line, year to date at the end of ``month`` (default: this
    month): the indicator ledger's paid = 7101/7201 = 6001; each difference names its
    documents."""
    actor = require(request, VIEW, READ)
    result = selectors.reconciliation(
        actor=actor, book_id=book_id, month=month or timezone.localdate().month
    )
    return {
        "book_id": book_id,
        "month": result.month,
        "agrees": not result.differences,
        "rows": [
            {
                "indicator_id": row.indicator_id,
                "indicator_code": row.indicator_code,
                "project_id": row.project_id,
                "fund_type_code": row.fund_type_code,
                "exp_func_code": row.exp_func_code,
                "ledger_paid_fen": row.ledger_paid,
                "expenditure_fen": row.expenditure,
                "revenue_fen": row.revenue,
                "unposted_fen": row.unposted,
                "agrees": row.agrees,
                "documents": [
                    {"kind": kind, "label": label, "url": url} for kind, label, url in row.documents
                ],
            }
            for row in result.rows
        ],
    }
