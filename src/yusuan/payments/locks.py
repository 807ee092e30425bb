"""Row locks of the payments app, one function per locked set (Saleor's ``lock_objects``).

Take a lock only through these, so the lock order of every payment transaction reads here:

- a request's actions (edit, void, workflow) lock the request (then its workflow instance and the
  ledger lines, ascending, as ``workflow.locks`` and ``indicators.locks`` say); a request on a
  contract locks the contract after the request and before the ledger lines (R-GP-9,
  ``procurement.locks``), as a bank failure and a refund on a contract do;
- a bank result locks its payment line, then the line's request, then moves the ledger lines; a
  batch of results locks all its lines, then their requests, before it applies any (a resend
  in another order waits instead of deadlocking);
- a bank file locks the issued vouchers it takes, skipping those another file is taking;
- a refund or correction locks its record, then its payment line, then that line's charges.
  Charges change only under their line's lock (refund, correction), so their own order cannot
  meet another transaction's; a refund takes them last first (R-RF-2 gives back the latest).

Every set is ordered by its key, so a query that locks several rows locks them in one order.
``of=("self",)`` locks the set's own rows, not the rows its ``select_related`` joins.
"""

from __future__ import annotations

from django.db.models import QuerySet

from yusuan.core.models.base import ScopedQuerySet
from yusuan.payments.models import (
    ClearingDay,
    Correction,
    PaymentCharge,
    PaymentLine,
    PaymentRequest,
    PaymentVoucher,
    Refund,
)


def request_qs_select_for_update() -> ScopedQuerySet[PaymentRequest]:
    """Payment requests, locked in pk order."""
    return PaymentRequest.objects.order_by("pk").select_for_update(of=("self",))


def line_qs_select_for_update() -> QuerySet[PaymentLine]:
    """Payment lines (a bank result's, a refund's, a correction's), locked in pk order."""
    return PaymentLine.objects.order_by("pk").select_for_update(of=("self",))


def line_charges_select_for_update(line: PaymentLine) -> QuerySet[PaymentCharge]:
    """A locked payment line's charges, last first (the order a refund gives back in)."""
    return line.charges.order_by("-pk").select_for_update()


def voucher_qs_select_for_update_skip_locked() -> ScopedQuerySet[PaymentVoucher]:
    """Issued vouchers for a bank file, in pk order; those another file is taking are skipped."""
    return PaymentVoucher.objects.order_by("pk").select_for_update(of=("self",), skip_locked=True)


def refund_qs_select_for_update() -> ScopedQuerySet[Refund]:
    """Refunds, locked in pk order while one is confirmed."""
    return Refund.objects.order_by("pk").select_for_update(of=("self",))


def correction_qs_select_for_update() -> ScopedQuerySet[Correction]:
    """Corrections, locked in pk order while one is posted."""
    return Correction.objects.order_by("pk").select_for_update(of=("self",))


def clearing_day_qs_select_for_update() -> QuerySet[ClearingDay]:
    """Clearing days (an account's day against the bank), locked in pk order."""
    return ClearingDay.objects.order_by("pk").select_for_update()
