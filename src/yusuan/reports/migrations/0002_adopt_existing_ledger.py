"""A database made before the aggregates existed: each existing posting gets its business day
from the time the ledger recorded it (Asia/Shanghai), and the aggregates are computed from
them (ADR 0053). Later postings take their day from their money event. The SQL is frozen here:
the service may change, this step must not."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.db import migrations

BATCH = 5_000


def adopt(apps: Any, schema_editor: Any) -> None:
    PostingDay = apps.get_model("reports", "PostingDay")
    Movement = apps.get_model("indicators", "Movement")
    connection = schema_editor.connection
    zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    firsts: dict[Any, Any] = {}
    for posting, created in Movement.objects.values_list("posting", "created_at").iterator():
        if posting not in firsts or created < firsts[posting]:
            firsts[posting] = created
    if not firsts:
        return
    days = [PostingDay(posting=p, day=c.astimezone(zone).date()) for p, c in firsts.items()]
    PostingDay.objects.bulk_create(days, batch_size=BATCH)
    movement = Movement._meta.db_table
    line = apps.get_model("indicators", "IndicatorLine")._meta.db_table
    posting_day = PostingDay._meta.db_table
    target = apps.get_model("reports", "ExecutionDay")._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {target} (line_id, day, mof_div_code, fiscal_year, total, available, "  # noqa: S608 (names only)
            "allocated, reserved, frozen, held, paid, issued, payments, refunds) "
            "SELECT m.line_id, pd.day, l.mof_div_code, l.fiscal_year, SUM(m.d_total), "
            "SUM(m.d_available), SUM(m.d_allocated), SUM(m.d_reserved), SUM(m.d_frozen), "
            "SUM(m.d_held), SUM(m.d_paid), "
            "SUM(CASE WHEN m.kind IN ('ISSUE', 'ALLOCATE_OUT', 'ALLOCATE_IN') "
            "THEN m.d_total - m.d_allocated ELSE 0 END), "
            "SUM(CASE WHEN m.kind = 'PAY' THEN m.d_paid ELSE 0 END), "
            "SUM(CASE WHEN m.kind = 'REFUND_RESTORE' THEN -m.d_paid ELSE 0 END) "
            f"FROM {movement} m JOIN {posting_day} pd ON pd.posting = m.posting "
            f"JOIN {line} l ON l.id = m.line_id "
            "GROUP BY m.line_id, pd.day, l.mof_div_code, l.fiscal_year"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("indicators", "0015_lean_indexes"),
    ]

    operations = [migrations.RunPython(adopt, migrations.RunPython.noop)]
