"""Document numbers from a locked per-(region, year, series) counter."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction

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
    key: dict[str, Any] = {
        "mof_div_code": mof_div_code,
        "fiscal_year": fiscal_year,
        "series": series,
    }
    last = _increment(count, **key)
    if last is None:
        try:
            with transaction.atomic():
                DocumentSequence.objects.create(**key, last_value=count)
                return range(1, count + 1)
        except IntegrityError:  # created concurrently: fall through to the increment
            last = _increment(count, **key)
    assert last is not None
    return range(last - count + 1, last + 1)


_INCREMENT_SQL = (
    f"UPDATE {DocumentSequence._meta.db_table} SET last_value = last_value + %s "  # noqa: S608
    "WHERE mof_div_code = %s AND fiscal_year = %s AND series = %s RETURNING last_value"
)


def _increment(count: int, *, mof_div_code: str, fiscal_year: int, series: str) -> int | None:
    """Add ``count`` and read the new value in one statement (UPDATE … RETURNING: PostgreSQL,
    SQLite ≥ 3.35); the row stays locked until the caller's transaction ends. None: no row yet."""
    with connection.cursor() as cursor:
        cursor.execute(_INCREMENT_SQL, [count, mof_div_code, fiscal_year, series])
        row = cursor.fetchone()
    return None if row is None else int(row[0])
