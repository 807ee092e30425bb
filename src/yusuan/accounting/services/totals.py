"""Posted months' totals: ``PeriodTotal`` by account and dimensions (the trial balance and the
statements read it) and ``FlowTotal`` by item of the 现金流量表 and the 差异调节表 (which are
read voucher by voucher, so their items are filed once, when a voucher posts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.db import connection

from yusuan.accounting import flows
from yusuan.accounting.models import OPENING_MONTH, FlowTotal, PeriodTotal, VoucherLine

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


_FLOW_TABLE = FlowTotal._meta.db_table
_FLOW_UPSERT = (
    f"INSERT INTO {_FLOW_TABLE} (book_id, month, kind, item, amount_fen) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, %s) "
    "ON CONFLICT (book_id, month, kind, item) DO UPDATE SET "
    f"amount_fen = {_FLOW_TABLE}.amount_fen + excluded.amount_fen"
)


def flow_items(
    vouchers: dict[tuple[int, int], list[list[flows.Entry]]],
) -> dict[tuple[int, int, str, str], int]:
    """(book, month) → its vouchers' lines, to the FlowTotal rows they add: (book, month,
    kind, item) → fen. Zero items are left out."""
    items: dict[tuple[int, int, str, str], int] = {}
    for (book_id, month), lines in vouchers.items():
        for kind, found in (
            (FlowTotal.CASH, flows.cash_flows(lines)),
            (FlowTotal.GAP, flows.differences(lines)),
        ):
            for item, amount in found.items():
                if amount:
                    items[(book_id, month, kind, item)] = amount
    return items


def add_to_totals(voucher_ids: Sequence[int]) -> None:
    """Add the posted vouchers' lines to their months' totals: one upsert per total row
    (``ON CONFLICT … DO UPDATE SET x = x + excluded.x``, PostgreSQL and SQLite alike), never a
    read-modify-write."""
    sums: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0])
    by_voucher: dict[int, list[flows.Entry]] = defaultdict(list)
    month_of: dict[int, tuple[int, int]] = {}
    rows = (
        VoucherLine.objects.filter(voucher_id__in=voucher_ids)
        .order_by("voucher_id", "row")
        .values_list(
            "voucher_id",
            "half",
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
    )
    for voucher_id, half, book_id, month, code, func, eco, fund, activity, *ids, d, c in rows:
        project, indicator = (i or 0 for i in ids)
        pair = sums[(book_id, month, code, func, eco, fund, activity, project, indicator)]
        pair[0] += d
        pair[1] += c
        if month == OPENING_MONTH:
            continue  # opening balances are no flow of the year
        month_of[voucher_id] = (book_id, month)
        by_voucher[voucher_id].append(flows.Entry.of(half, code, d, c, eco, activity))
    if not sums:
        return
    grouped: dict[tuple[int, int], list[list[flows.Entry]]] = defaultdict(list)
    for voucher_id, lines in by_voucher.items():
        grouped[month_of[voucher_id]].append(lines)
    with connection.cursor() as cursor:
        params: list[tuple[Any, ...]] = [(*key, d, c) for key, (d, c) in sorted(sums.items())]
        cursor.executemany(_UPSERT, params)
        items = sorted(flow_items(grouped).items())
        if items:
            cursor.executemany(_FLOW_UPSERT, [(*key, amount) for key, amount in items])
