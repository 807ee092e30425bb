"""Books and periods (账套, 会计期间; R-AC-6, R-AC-8, R-AC-11).

A unit's book for a year opens the first time money moves for it (or by hand), with the
region's booking model (standard ``accounting.quota_model``), the unit's expenditure account by
its type (R-AC-11) and months 0 (opening balances) to 12, all open. A month closes once every
voucher in it is posted and the months before it are closed; reopening takes two people: one
asks with a reason, another (also 会计主管) confirms (R-AC-8).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yusuan.accounting import locks
from yusuan.accounting.choices import PeriodState, QuotaModel, VoucherState
from yusuan.accounting.models import MONTHS, Book, Period, Voucher
from yusuan.accounting.rules import unit_kind_of
from yusuan.accounting.services.chart import chart_install
from yusuan.accounting.services.common import KEEP, REVIEW
from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import NotFoundError, refuse
from yusuan.common.ids import as_pk
from yusuan.core import standard_keys
from yusuan.core.models import Organisation
from yusuan.core.selectors import standard_value


def book_for(organisation_id: int, fiscal_year: int) -> Book:
    """The unit's book of ``fiscal_year``, opened now if money moves for it the first time
    (inside the caller's transaction; a concurrent opening of the same book waits on the unique
    key and then finds it)."""
    found = Book.objects.filter(organisation_id=organisation_id, fiscal_year=fiscal_year).first()
    if found is not None:
        return found
    organisation = Organisation.objects.get(pk=organisation_id)
    return _open(organisation, fiscal_year, actor=None)


def _open(organisation: Organisation, fiscal_year: int, *, actor: Actor | None) -> Book:
    region = organisation.mof_div_code
    chart_install(region)
    quota = standard_value(
        mof_div_code=region, fiscal_year=fiscal_year, key="accounting.quota_model"
    )
    accrue = standard_value(
        mof_div_code=region, fiscal_year=fiscal_year, key="accounting.accrue_unspent"
    )
    with transaction.atomic():
        book, made = Book.objects.get_or_create(
            organisation=organisation,
            fiscal_year=fiscal_year,
            defaults={
                "mof_div_code": region,
                "quota_model": (
                    QuotaModel.LEGACY if quota == standard_keys.QUOTA_LEGACY else QuotaModel.UNIFIED
                ),
                "unit_kind": unit_kind_of(organisation.agency_type),
                "accrue_unspent_balance": bool(accrue),
                "opened_by_id": actor.pk if actor is not None else None,
            },
        )
        if made:
            Period.objects.bulk_create(Period(book=book, month=month) for month in MONTHS)
            audit_record(
                action="accounting.book.open",
                actor=actor,
                obj=book,
                mof_div_code=region,
                fiscal_year=fiscal_year,
                changes={
                    "quota_model": [None, book.quota_model],
                    "unit_kind": [None, book.unit_kind],
                },
            )
    return book


def book_open(*, actor: Actor, organisation_id: object, fiscal_year: int) -> Book:
    """Open a unit's book by hand (for opening balances before any money moves)."""
    ensure_permission(actor, KEEP)
    pk = as_pk(organisation_id)
    organisation = (
        Organisation.objects.visible_to(actor).filter(pk=pk).first() if pk is not None else None
    )
    if organisation is None:
        raise NotFoundError("organisation")
    return _open(organisation, fiscal_year, actor=actor)


def access_book(actor: Actor, book_id: object, *, for_update: bool = False) -> Book:
    pk = as_pk(book_id)
    rows = locks.book_qs_select_for_update() if for_update else Book.objects.all()
    found = (
        rows.visible_to(actor).select_related("organisation").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFoundError("book")
    return found


def _period(book: Book, month: int) -> Period:
    if month not in MONTHS:
        raise refuse(
            "accounting.month",
            "month",
            f"会计期间应为 0–12，收到 {month}",
            f"a period is 0–12, not {month}",
            value=month,
            limit=12,
        )
    return locks.period_qs_select_for_update().get(book=book, month=month)


@transaction.atomic
def period_close(*, actor: Actor, book_id: object, month: int) -> Period:
    """结账 (R-AC-8): every voucher of the month posted, every earlier month closed."""
    ensure_permission(actor, REVIEW)
    book = access_book(actor, book_id, for_update=True)
    period = _period(book, month)
    if period.state == PeriodState.CLOSED:
        raise refuse(
            "accounting.period_closed",
            "month",
            f"{month} 月已结账",
            f"period {month} is already closed",
            rule="R-AC-8",
            value=month,
        )
    earlier = (
        Period.objects.filter(book=book, month__lt=month, state=PeriodState.OPEN)
        .values_list("month", flat=True)
        .first()
    )
    if earlier is not None:
        raise refuse(
            "accounting.period_order",
            "month",
            f"请先结 {earlier} 月的账，再结 {month} 月",
            f"close period {earlier} before period {month}",
            rule="R-AC-8",
            value=month,
            limit=earlier,
        )
    waiting = Voucher.objects.filter(book=book, month=month).exclude(state=VoucherState.POSTED)
    count = waiting.count()
    if count:
        raise refuse(
            "accounting.unposted",
            "month",
            f"{month} 月还有 {count} 张凭证未记账，不能结账",
            f"period {month} has {count} voucher(s) not posted",
            rule="R-AC-8",
            value=count,
            limit=0,
        )
    period.state = PeriodState.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = actor  # type: ignore[assignment]
    period.reopen_requested_by = None
    period.reopen_reason = ""
    period.save(
        update_fields=[
            "state",
            "closed_at",
            "closed_by",
            "reopen_requested_by",
            "reopen_reason",
        ]
    )
    audit_record(
        action="accounting.period.close",
        actor=actor,
        obj=period,
        mof_div_code=book.mof_div_code,
        fiscal_year=book.fiscal_year,
        changes={"state": [PeriodState.OPEN, PeriodState.CLOSED]},
        extra={"month": month},
    )
    return period


@transaction.atomic
def period_reopen(*, actor: Actor, book_id: object, month: int, reason: str = "") -> Period:
    """反结账 by two people (R-AC-8): the first call asks (with a reason), a second 会计主管
    confirms; the later months must be open already."""
    ensure_permission(actor, REVIEW)
    book = access_book(actor, book_id, for_update=True)
    period = _period(book, month)
    if period.state != PeriodState.CLOSED:
        raise refuse(
            "accounting.period_open",
            "month",
            f"{month} 月未结账",
            f"period {month} is open",
            value=month,
        )
    later = (
        Period.objects.filter(book=book, month__gt=month, state=PeriodState.CLOSED)
        .values_list("month", flat=True)
        .last()
    )
    if later is not None:
        raise refuse(
            "accounting.period_order",
            "month",
            f"请先反结 {later} 月",
            f"reopen period {later} first",
            rule="R-AC-8",
            value=month,
            limit=later,
        )
    if period.reopen_requested_by_id is None:
        reason = reason.strip()
        if not reason:
            raise refuse(
                "accounting.reason_required",
                "reason",
                "反结账须写明原因",
                "reopening a period needs a reason",
                rule="R-AC-8",
            )
        period.reopen_requested_by = actor  # type: ignore[assignment]
        period.reopen_reason = reason[:200]
        period.save(update_fields=["reopen_requested_by", "reopen_reason"])
        audit_record(
            action="accounting.period.reopen_request",
            actor=actor,
            obj=period,
            mof_div_code=book.mof_div_code,
            fiscal_year=book.fiscal_year,
            extra={"month": month, "reason": period.reopen_reason},
        )
        return period
    if period.reopen_requested_by_id == actor.pk:
        raise refuse(
            "accounting.same_person",
            "actor",
            "反结账须由另一位会计主管确认",
            "another person must confirm the reopening",
            rule="R-AC-8",
        )
    period.state = PeriodState.OPEN
    period.reopened += 1
    requested_by, why = period.reopen_requested_by_id, period.reopen_reason
    period.reopen_requested_by = None
    period.reopen_reason = ""
    period.save(update_fields=["state", "reopened", "reopen_requested_by", "reopen_reason"])
    audit_record(
        action="accounting.period.reopen",
        actor=actor,
        obj=period,
        mof_div_code=book.mof_div_code,
        fiscal_year=book.fiscal_year,
        changes={"state": [PeriodState.CLOSED, PeriodState.OPEN]},
        extra={"month": month, "reason": why, "requested_by": requested_by},
    )
    return period
