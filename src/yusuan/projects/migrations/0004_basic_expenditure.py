"""Basic expenditure by quota (R-PJ-5, R-PJ-8; ADR 0044): computations, their rows and finance's
overrides, all append-only (the database refuses UPDATE and DELETE, as for the snapshot)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from yusuan.common.append_only import create_triggers, drop_triggers

TABLES = ("projects_basicrun", "projects_basicline", "projects_basicoverride")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0011_project_standards"),
        ("personnel", "0003_establishment_vehicles_function"),
        ("projects", "0003_changes_and_rolling"),
        ("audit", "0003_append_only_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BasicRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("mof_div_code", models.CharField(max_length=9, verbose_name="region code")),
                ("fiscal_year", models.PositiveSmallIntegerField(verbose_name="budget year")),
                ("version", models.PositiveSmallIntegerField(verbose_name="version")),
                (
                    "snapshot_version",
                    models.PositiveSmallIntegerField(verbose_name="snapshot version"),
                ),
                ("standards", models.JSONField(default=dict, verbose_name="standards used")),
                ("inputs", models.JSONField(default=dict, verbose_name="unit inputs used")),
                ("units", models.PositiveIntegerField(default=0, verbose_name="units")),
                (
                    "personnel_fen",
                    models.BigIntegerField(default=0, verbose_name="personnel total"),
                ),
                (
                    "public_fen",
                    models.BigIntegerField(default=0, verbose_name="public funds total"),
                ),
                (
                    "changes",
                    models.JSONField(default=list, verbose_name="changes since the previous run"),
                ),
                (
                    "computed_at",
                    models.DateTimeField(auto_now_add=True, verbose_name="computed at"),
                ),
                (
                    "computed_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="personnel.budgetsnapshot",
                    ),
                ),
            ],
            options={
                "verbose_name": "basic expenditure computation",
                "verbose_name_plural": "basic expenditure computations",
                "ordering": ["-fiscal_year", "-version"],
                "permissions": [
                    ("compute_basic", "May compute basic expenditure by quota (R-PJ-5)"),
                    ("override_basic", "May override a computed basic expenditure figure (R-PJ-8)"),
                ],
            },
        ),
        migrations.CreateModel(
            name="BasicOverride",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("mof_div_code", models.CharField(max_length=9, verbose_name="region code")),
                ("fiscal_year", models.PositiveSmallIntegerField(verbose_name="budget year")),
                ("category", models.CharField(max_length=8, verbose_name="project category")),
                (
                    "amount_fen",
                    models.BigIntegerField(
                        blank=True, null=True, verbose_name="amount set by finance"
                    ),
                ),
                (
                    "computed_fen",
                    models.BigIntegerField(verbose_name="computed amount at the time"),
                ),
                ("reason", models.TextField(verbose_name="reason")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="set at")),
                (
                    "created_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                        verbose_name="unit",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="projects.basicrun",
                    ),
                ),
            ],
            options={
                "verbose_name": "basic expenditure override",
                "verbose_name_plural": "basic expenditure overrides",
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="BasicLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("mof_div_code", models.CharField(max_length=9, verbose_name="region code")),
                ("fiscal_year", models.PositiveSmallIntegerField(verbose_name="budget year")),
                ("category", models.CharField(max_length=8, verbose_name="project category")),
                ("position", models.PositiveIntegerField(verbose_name="row")),
                ("economic_code", models.CharField(max_length=16, verbose_name="economic class")),
                (
                    "functional_code",
                    models.CharField(blank=True, max_length=16, verbose_name="functional class"),
                ),
                (
                    "status",
                    models.CharField(blank=True, max_length=16, verbose_name="person category"),
                ),
                ("label", models.CharField(max_length=60, verbose_name="item")),
                ("headcount", models.PositiveIntegerField(default=0, verbose_name="headcount")),
                ("standard_fen", models.BigIntegerField(default=0, verbose_name="standard")),
                (
                    "multiplier",
                    models.PositiveIntegerField(default=0, verbose_name="months or count"),
                ),
                (
                    "rate_bp",
                    models.PositiveIntegerField(default=0, verbose_name="rate (basis points)"),
                ),
                ("amount_fen", models.BigIntegerField(verbose_name="amount")),
                ("basis", models.JSONField(default=dict, verbose_name="basis")),
                (
                    "organisation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.organisation",
                        verbose_name="unit",
                    ),
                ),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lines",
                        to="projects.basicrun",
                    ),
                ),
            ],
            options={
                "verbose_name": "basic expenditure row",
                "verbose_name_plural": "basic expenditure rows",
                "ordering": ["run_id", "organisation_id", "category", "position"],
            },
        ),
        migrations.AddConstraint(
            model_name="basicrun",
            constraint=models.UniqueConstraint(
                fields=("mof_div_code", "fiscal_year", "version"), name="basic_run_version"
            ),
        ),
        migrations.AddIndex(
            model_name="basicoverride",
            index=models.Index(
                fields=["mof_div_code", "fiscal_year", "organisation"],
                name="projects_ba_mof_div_38769a_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="basicoverride",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("amount_fen__isnull", True), ("amount_fen__gt", 0), _connector="OR"
                ),
                name="basic_override_positive",
            ),
        ),
        migrations.AddIndex(
            model_name="basicline",
            index=models.Index(
                fields=["run", "organisation", "category"], name="projects_ba_run_id_45d054_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="basicline",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount_fen__gte", 0)), name="basic_line_not_negative"
            ),
        ),
        migrations.RunPython(
            lambda apps, schema_editor: create_triggers(schema_editor, TABLES),
            lambda apps, schema_editor: drop_triggers(schema_editor, TABLES),
            elidable=False,
        ),
    ]
