"""Append-only at the database: UPDATE and DELETE of audit records and seals are rejected.

PostgreSQL gets a trigger function; SQLite gets RAISE(ABORT) triggers. Either way an edit must
first drop the trigger, which is itself a visible act; `yusuan audit_verify` then names the record.
"""

from django.db import migrations

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
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION yusuan_reject_change();"
            )
    elif connection.vendor == "sqlite":
        for table in TABLES:
            for operation in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {operation} rejected (P5)'); END;"
                )


def drop_triggers(apps, schema_editor):
    connection = schema_editor.connection
    for table in TABLES:
        if connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
        elif connection.vendor == "sqlite":
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation};")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
