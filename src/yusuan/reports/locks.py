"""Locks of the reports app."""

from __future__ import annotations

from django.db import connection

from yusuan.reports.models import ExecutionDay


def execution_days_lock() -> None:
    """The whole aggregate table against money events while it is rebuilt: on PostgreSQL an
    ``EXCLUSIVE`` table lock waits for the transactions that already wrote to it (their rows
    are then visible to the rebuild's statements) and holds new ones until the rebuild commits.
    SQLite has one writer at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {ExecutionDay._meta.db_table} IN EXCLUSIVE MODE")
