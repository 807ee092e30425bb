"""Inserting many new rows whose ids nobody reads back (a salary sheet's 10,000 employees, a
bank file's results, their audit records and accounting voucher lines).

On PostgreSQL the rows go through ``COPY … FROM STDIN`` (psycopg's ``Cursor.copy``): no SQL to
compile per batch, no parameter limit, one stream. Elsewhere (SQLite) ``bulk_create``. Values are
prepared by each field as ``bulk_create`` prepares them (``pre_save`` then
``get_db_prep_save``), so both write the same row; a test compares them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, models

BATCH = 2000


def insert_rows(model: type[models.Model], objs: Iterable[models.Model]) -> int:
    """Insert ``objs`` (new, unsaved, of ``model``) in the caller's transaction; their ids are
    not set. Returns how many rows were written."""
    rows = list(objs)
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(rows, batch_size=BATCH)
        return len(rows)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    copy_sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    # Django's errors, as bulk_create raises them: a caller that falls back on IntegrityError
    # (a concurrent bank result, settlement.py) must see one here too.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        raw: Any = cursor.cursor  # psycopg's own cursor, under Django's wrapper
        with raw.copy(copy_sql) as copy:
            for obj in rows:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    return len(rows)
