"""``common.bulk.insert_rows`` (issue 20): COPY on PostgreSQL writes exactly the row
``bulk_create`` writes, whatever the text (tabs, newlines, backslashes, ``\\N``, quotes, CJK and
emoji), JSON (nested, unicode, null) and NULLs; on SQLite it is ``bulk_create``."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

import pytest
from tests.payment_helpers import employees, enrolled_sheet

from yusuan.common.bulk import insert_rows
from yusuan.payroll.models import PayrollEmployee
from yusuan.payroll.services.batches import payroll_import

pytestmark = pytest.mark.django_db

HOSTILE = ["a\tb", "line\nbreak\r\n", "back\\slash \\N", "\\N", "'; DROP TABLE x; --", "职工😀", ""]


def _row(batch_id: int, row: int, text: str) -> PayrollEmployee:
    return PayrollEmployee(
        batch_id=batch_id,
        row=row,
        name=text[:50],
        id_number=f"ID{row}",
        account_no=text[:40],
        bank_name=text,
        items={"30101": 123456, "说明": text, "nested": {"k": [1, None, "\t"]}},
        gross=123456,
        deductions=0,
        net=123456,
        reason=text,
        standard=None if row % 2 else {"level": text, "fen": 10**15},
    )


# Every stored column but the id, the row and the ID number (unique per batch: the two sets
# differ only by those).
FIELDS = [
    f.attname
    for f in PayrollEmployee._meta.concrete_fields
    if not f.primary_key and f.attname not in ("row", "id_number")
]


@pytest.fixture
def batch(user: Any) -> Any:
    """A salary batch of the school to hang test rows on."""
    return payroll_import(
        actor=user("school_clerk"),
        data=enrolled_sheet(employees(1)),
        filename="工资表.xlsx",
        month=11,
        fiscal_year=2026,
    )


def _stored(batch_id: int, rows: range) -> list[tuple[Any, ...]]:
    found = PayrollEmployee.objects.filter(batch_id=batch_id, row__in=rows).order_by("row")
    return list(found.values_list(*FIELDS))


def test_copy_writes_what_bulk_create_writes(batch: Any) -> None:
    assert insert_rows(PayrollEmployee, []) == 0
    written = insert_rows(
        PayrollEmployee, [_row(batch.pk, 100 + i, text) for i, text in enumerate(HOSTILE)]
    )
    assert written == len(HOSTILE)
    PayrollEmployee.objects.bulk_create(
        [_row(batch.pk, 200 + i, text) for i, text in enumerate(HOSTILE)]
    )
    copied = _stored(batch.pk, range(100, 100 + len(HOSTILE)))
    created = _stored(batch.pk, range(200, 200 + len(HOSTILE)))
    assert len(copied) == len(HOSTILE)
    assert copied == created
    assert [c[FIELDS.index("bank_name")] for c in copied] == HOSTILE


def test_a_duplicate_row_is_djangos_integrity_error(batch: Any) -> None:
    """The batch settlement falls back to line by line on ``IntegrityError`` (a concurrent bank
    result): COPY's unique violation must arrive as Django's, as ``bulk_create``'s does."""
    insert_rows(PayrollEmployee, [_row(batch.pk, 300, "甲")])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(PayrollEmployee, [_row(batch.pk, 300, "甲")])
    assert PayrollEmployee.objects.filter(batch_id=batch.pk, row=300).count() == 1
