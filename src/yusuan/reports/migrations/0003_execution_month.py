"""Execution by month beside execution by day (bench/execution.py: a report up to a day reads
whole months here, the last month's days there). The months of an existing database are the sums
of its day rows; the SQL is frozen here."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

MEASURES = "total, available, allocated, reserved, frozen, held, paid, issued, payments, refunds"


def months_from_days(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    start = (
        "CAST(DATE_TRUNC('month', day) AS date)"
        if connection.vendor == "postgresql"
        else "DATE(day, 'start of month')"
    )
    sums = ", ".join(f"SUM({m.strip()})" for m in MEASURES.split(","))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO reports_executionmonth (line_id, day, mof_div_code, fiscal_year, "  # noqa: S608 (names only)
            f"{MEASURES}) SELECT line_id, {start}, mof_div_code, fiscal_year, {sums} "
            f"FROM reports_executionday GROUP BY line_id, {start}, mof_div_code, fiscal_year"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0015_lean_indexes"),
        ("reports", "0002_adopt_existing_ledger"),
    ]

    operations = [
        migrations.CreateModel(
            name="ExecutionMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="business day")),
                ("mof_div_code", models.CharField(max_length=9, verbose_name="region code")),
                ("fiscal_year", models.PositiveSmallIntegerField(verbose_name="fiscal year")),
                ("total", models.BigIntegerField(default=0)),
                ("available", models.BigIntegerField(default=0)),
                ("allocated", models.BigIntegerField(default=0)),
                ("reserved", models.BigIntegerField(default=0)),
                ("frozen", models.BigIntegerField(default=0)),
                ("held", models.BigIntegerField(default=0)),
                ("paid", models.BigIntegerField(default=0)),
                ("issued", models.BigIntegerField(default=0)),
                ("payments", models.BigIntegerField(default=0)),
                ("refunds", models.BigIntegerField(default=0)),
                (
                    "line",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="indicators.indicatorline",
                    ),
                ),
            ],
            options={
                "verbose_name": "execution by month",
                "verbose_name_plural": "execution by month",
                "indexes": [
                    models.Index(
                        fields=["mof_div_code", "fiscal_year", "day"], name="execution_month_scope"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("line", "day"), name="execution_month_line_day")
                ],
            },
        ),
        migrations.RunPython(months_from_days, migrations.RunPython.noop),
    ]
