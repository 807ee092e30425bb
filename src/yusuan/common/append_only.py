"""Database triggers that reject UPDATE and DELETE on history tables (used by migrations).

PostgreSQL uses the ``yusuan_reject_change()`` function created by audit migration 0003; SQLite
gets ``RAISE(ABORT)`` triggers. An edit must first drop the trigger, itself a visible act.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def create_triggers(schema_editor: Any, tables: Iterable[str]) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION yusuan_reject_change();"
            )
        elif vendor == "sqlite":
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {operation} rejected (P5)'); END;"
                )


def drop_triggers(schema_editor: Any, tables: Iterable[str]) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        elif vendor == "sqlite":
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation};")
