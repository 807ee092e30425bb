"""Migrations that drop or add plain indexes without rebuilding the table (issue 20, ADR 0048).

Django changes ``db_index`` on SQLite by copying the whole table into a new one, and the copy
has none of the triggers other migrations put on it (the append-only audit log, the ledger's
movements, posted voucher lines): they would silently go. So these migrations keep Django's
operations for the model state only and say in SQL what changes in the database: ``DROP INDEX``
and ``CREATE INDEX``, nothing else, on either database. PostgreSQL also has the ``_like``
twin (``varchar_pattern_ops``) Django builds for an indexed text column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import migrations


@dataclass(frozen=True)
class PlainIndex:
    """An index on one or more columns of ``table`` (``text``: PostgreSQL has a ``_like`` twin;
    ``pattern``: on PostgreSQL the index itself is ``varchar_pattern_ops``)."""

    table: str
    name: str
    columns: tuple[str, ...]
    text: bool = False
    pattern: bool = False

    def create(self, vendor: str) -> list[str]:
        ops = " varchar_pattern_ops" if self.pattern and vendor == "postgresql" else ""
        columns = ", ".join(f'"{c}"{ops}' for c in self.columns)
        made = [f'CREATE INDEX IF NOT EXISTS "{self.name}" ON "{self.table}" ({columns})']
        if self.text and vendor == "postgresql":
            made.append(
                f'CREATE INDEX IF NOT EXISTS "{self.name}_like" ON "{self.table}" '
                f'("{self.columns[0]}" varchar_pattern_ops)'
            )
        return made

    def drop(self, vendor: str) -> list[str]:
        dropped = [f'DROP INDEX IF EXISTS "{self.name}"']
        if self.text and vendor == "postgresql":
            dropped.append(f'DROP INDEX IF EXISTS "{self.name}_like"')
        return dropped


def swap_indexes(
    *,
    drop: Sequence[PlainIndex],
    add: Sequence[PlainIndex] = (),
    postgresql_forward: Sequence[str] = (),
    postgresql_backward: Sequence[str] = (),
) -> migrations.RunPython:
    """Drop ``drop`` and create ``add`` (and back), plus statements only PostgreSQL runs."""

    def run(
        schema_editor: Any,
        gone: Sequence[PlainIndex],
        made: Sequence[PlainIndex],
        extra: Sequence[str],
    ) -> None:
        vendor = schema_editor.connection.vendor
        for index in gone:
            for sql in index.drop(vendor):
                schema_editor.execute(sql)
        if vendor == "postgresql":
            for sql in extra:
                schema_editor.execute(sql)
        for index in made:
            for sql in index.create(vendor):
                schema_editor.execute(sql)

    return migrations.RunPython(
        lambda apps, schema_editor: run(schema_editor, drop, add, postgresql_forward),
        lambda apps, schema_editor: run(schema_editor, add, drop, postgresql_backward),
        elidable=False,
    )
