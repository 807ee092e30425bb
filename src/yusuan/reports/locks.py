"""Locks of the reports app."""

from __future__ import annotations

from django.db import connection

from yusuan.reports.models import ExecutionDay, ExecutionMonth


def execution_aggregates_lock() -> None:
    """Both aggregate tables (days, months) against money events while they are rebuilt: on
    PostgreSQL an ``EXCLUSIVE`` table lock waits for the transactions that already wrote to them
    (their rows are then visible to the rebuild's statements) and holds new ones until the
    rebuild commits. SQLite has one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"LOCK TABLE {ExecutionDay._meta.db_table}, {ExecutionMonth._meta.db_table} "
                "IN EXCLUSIVE MODE"
            )
