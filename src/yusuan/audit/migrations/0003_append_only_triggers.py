"""Append-only at the database: UPDATE and DELETE of audit records and seals are rejected.

PostgreSQL gets a trigger function; SQLite gets RAISE(ABORT) triggers. Either way an edit must
first drop the trigger, which is itself a visible act; `yusuan audit_verify` then names the record.
"""

from django.db import migrations

from yusuan.common.append_only import create_triggers as create_append_only
from yusuan.common.append_only import drop_triggers as drop_append_only

TABLES = ("audit_auditrecord", "audit_auditseal")


def create_triggers(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(
            """
            CREATE OR REPLACE FUNCTION yusuan_reject_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'append-only table %: % rejected (P5)', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$ LANGUAGE plpgsql;
            """,
            params=None,  # the % in RAISE are PL/pgSQL's, not query placeholders
        )
    create_append_only(schema_editor, TABLES)


def drop_triggers(apps, schema_editor):
    drop_append_only(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
