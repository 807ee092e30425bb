"""Posted months' totals (PeriodTotal): what the trial balance and statements read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import connection

from yusuan.accounting.models import PeriodTotal, VoucherLine

_TOTAL_KEY = (
    "book_id",
    "month",
    "account_code",
    "exp_func_code",
    "dep_bgt_eco_code",
    "fund_type_code",
    "budget_activity",
    "project_id",
    "indicator_line_id",
)
_TABLE = PeriodTotal._meta.db_table
# Table and column names are ours; the values are parameters.
_UPSERT = (
    f"INSERT INTO {_TABLE} ({', '.join(_TOTAL_KEY)}, debit_fen, credit_fen) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * (len(_TOTAL_KEY) + 2))}) "
    f"ON CONFLICT ({', '.join(_TOTAL_KEY)}) DO UPDATE SET "
    f"debit_fen = {_TABLE}.debit_fen + excluded.debit_fen, "
    f"credit_fen = {_TABLE}.credit_fen + excluded.credit_fen"
)


def add_to_totals(voucher_ids: Sequence[int]) -> None:
    """Add the posted vouchers' lines to their months' totals: one upsert per total row
    (``ON CONFLICT … DO UPDATE SET x = x + excluded.x``, PostgreSQL and SQLite alike), never a
    read-modify-write."""
    sums: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0])
    rows = VoucherLine.objects.filter(voucher_id__in=voucher_ids).values_list(
        "voucher__book_id",
        "voucher__month",
        "account_code",
        "exp_func_code",
        "dep_bgt_eco_code",
        "fund_type_code",
        "budget_activity",
        "project_id",
        "indicator_line_id",
        "debit_fen",
        "credit_fen",
    )
    for *key, debit, credit in rows:
        key[7] = key[7] or 0
        key[8] = key[8] or 0
        pair = sums[tuple(key)]
        pair[0] += debit
        pair[1] += credit
    if not sums:
        return
    with connection.cursor() as cursor:
        params: list[tuple[Any, ...]] = [(*key, d, c) for key, (d, c) in sorted(sums.items())]
        cursor.executemany(_UPSERT, params)
