"""The demo school's books kept up to the month before "as of" (issue 19): the vouchers its
payments, refunds and salary batches made are reviewed by its 会计主管 and posted by its
accountant, month by month, and those months are closed; the current month's vouchers wait,
where the journey of the books starts."""

from __future__ import annotations

import datetime as dt

from yusuan.accounting.choices import VoucherState
from yusuan.accounting.models import Book, Voucher
from yusuan.accounting.services.books import period_close
from yusuan.accounting.services.vouchers import voucher_post, voucher_review
from yusuan.common.errors import BusinessRuleError
from yusuan.identity.models import User

CHIEF, ACCOUNTANT = "school_chief_accountant", "school_accountant"


def load(*, year: int, as_of: dt.date) -> int:
    """The vouchers posted."""
    chief = User.objects.filter(username=CHIEF).select_related("organisation").first()
    accountant = User.objects.filter(username=ACCOUNTANT).first()
    if chief is None or accountant is None:
        return 0
    book = Book.objects.filter(organisation=chief.organisation, fiscal_year=year).first()
    if book is None:
        return 0
    done = 0
    for month in range(0, as_of.month):
        ids = list(
            Voucher.objects.filter(book=book, month=month, state=VoucherState.DRAFT, problem="")
            .order_by("voucher_date", "pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            voucher_review(actor=chief, voucher_ids=chunk)
            voucher_post(actor=accountant, voucher_ids=chunk)
            done += len(chunk)
        try:
            period_close(actor=chief, book_id=book.pk, month=month)
        except BusinessRuleError:
            break  # a voucher of that month waits for its lines: the month stays open
    return done
