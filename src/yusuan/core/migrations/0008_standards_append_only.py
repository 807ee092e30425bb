"""A standard's versions are append-only (ADR 0039): UPDATE and DELETE are rejected by the
database, with the same trigger function as the audit tables (audit 0003)."""

from django.db import migrations

from yusuan.common.append_only import create_triggers, drop_triggers

TABLES = ("core_standardversion",)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_standards"), ("audit", "0003_append_only_triggers")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: create_triggers(schema_editor, TABLES),
            lambda apps, schema_editor: drop_triggers(schema_editor, TABLES),
            elidable=False,
        )
    ]
