"""The indicator ledger is append-only: UPDATE and DELETE on movements are rejected by the
database (P5, R-IN-4), with the same trigger function as the audit tables (audit 0003)."""

from django.db import migrations

from yusuan.common.append_only import create_triggers, drop_triggers

TABLES = ("indicators_movement",)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial"), ("audit", "0003_append_only_triggers")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: create_triggers(schema_editor, TABLES),
            lambda apps, schema_editor: drop_triggers(schema_editor, TABLES),
            elidable=False,
        )
    ]
