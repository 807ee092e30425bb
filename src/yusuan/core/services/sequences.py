"""Document numbers from a locked per-(region, year, series) counter."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from yusuan.core.models import DocumentSequence


def next_number(*, mof_div_code: str, fiscal_year: int, series: str) -> int:
    """The next number of the series; must run inside the caller's transaction, which it locks
    until commit, so numbers have no gaps unless that transaction rolls back."""
    return next_numbers(mof_div_code=mof_div_code, fiscal_year=fiscal_year, series=series)[0]


def next_numbers(*, mof_div_code: str, fiscal_year: int, series: str, count: int = 1) -> range:
    """The next ``count`` numbers of the series in one step (a document creating hundreds of
    lines takes one block, not one round trip per line); same locking as ``next_number``."""
    assert count >= 1
    assert transaction.get_connection().in_atomic_block, (
        "next_number() needs the caller's transaction"
    )
    key = {"mof_div_code": mof_div_code, "fiscal_year": fiscal_year, "series": series}
    updated = DocumentSequence.objects.filter(**key).update(last_value=F("last_value") + count)
    if not updated:
        try:
            with transaction.atomic():
                DocumentSequence.objects.create(**key, last_value=count)
                return range(1, count + 1)
        except IntegrityError:  # created concurrently: fall through to the increment
            DocumentSequence.objects.filter(**key).update(last_value=F("last_value") + count)
    last = int(DocumentSequence.objects.filter(**key).values_list("last_value", flat=True).get())
    return range(last - count + 1, last + 1)
