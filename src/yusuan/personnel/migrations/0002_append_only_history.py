"""The personnel history and the budget snapshots are append-only: UPDATE and DELETE on periods,
snapshots and snapshot rows are rejected by the database (R-PS-3, R-PS-4; ADR 0038), with the
same trigger function as the audit tables (audit 0003)."""

from django.db import migrations

from yusuan.common.append_only import create_triggers, drop_triggers

TABLES = ("personnel_personperiod", "personnel_budgetsnapshot", "personnel_snapshotrow")


class Migration(migrations.Migration):
    dependencies = [("personnel", "0001_initial"), ("audit", "0003_append_only_triggers")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: create_triggers(schema_editor, TABLES),
            lambda apps, schema_editor: drop_triggers(schema_editor, TABLES),
            elidable=False,
        )
    ]
