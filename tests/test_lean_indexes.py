"""No index that another index already provides (issue 20 item 2), on the tables every payment
writes: each redundant index is one more write per row for nothing.

An index is redundant when its columns are the leading columns of another index on the same
table (``(request_id)`` beside ``(request_id, row)``), or the same columns twice (a unique
constraint beside Django's own index for a foreign key). On PostgreSQL the ``LIKE`` twin of a
text index (``varchar_pattern_ops``) counts as the same columns: none of these tables is searched
by prefix except the audit log's action, whose one index is the pattern one. (The indicator
line is not here: every payment updates its balances, which no index covers, so PostgreSQL
updates it in place without touching its indexes.)
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connection

import pytest

HOT_TABLES = (
    "payments_paymentrequest",
    "payments_paymentline",
    "payments_bankresult",
    "payments_paymentvoucher",
    "indicators_movement",
    "audit_auditrecord",
    "accounting_voucher",
    "accounting_voucherline",
)


def _partial() -> set[str]:
    """Constraints with a condition: they cover only some rows, so they stand in for nothing."""
    return {
        c.name
        for model in apps.get_models()
        for c in [*model._meta.constraints, *model._meta.indexes]
        if getattr(c, "condition", None) is not None
    }


def _indexes(table: str) -> dict[str, tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints: dict[str, Any] = connection.introspection.get_constraints(cursor, table)
    partial = _partial()
    return {
        name: tuple(c["columns"])
        for name, c in constraints.items()
        if (c["index"] or c["unique"]) and not c["primary_key"] and c["columns"]
        if name not in partial
    }


@pytest.mark.django_db
@pytest.mark.parametrize("table", HOT_TABLES)
def test_no_index_repeats_the_leading_columns_of_another(table: str) -> None:
    indexes = _indexes(table)
    assert indexes, f"{table}: no such table, or no index at all"
    redundant = [
        (name, columns, other)
        for name, columns in indexes.items()
        for other, wider in indexes.items()
        if other != name
        and wider[: len(columns)] == columns
        and not (
            # Of two equal indexes report one (the pair is one finding).
            wider == columns and name > other
        )
    ]
    assert redundant == []


@pytest.mark.django_db
def test_the_audit_log_keeps_three_secondary_indexes() -> None:
    assert sorted(_indexes("audit_auditrecord").values()) == [
        ("action",),
        ("mof_div_code",),
        ("object_type", "object_id"),
    ]
