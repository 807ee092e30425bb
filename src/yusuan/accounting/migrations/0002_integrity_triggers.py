"""What the database itself enforces on the books (R-AC-2, ADR 0047).

PostgreSQL: a deferred constraint trigger checks at commit that every voucher touched balances
in each half (an unbalanced voucher inserted in SQL fails at COMMIT); posted vouchers and their
lines refuse any change (INSERT of a line, UPDATE, DELETE). SQLite: the same freezing triggers;
the balance is checked by the services and by ``yusuan reconcile``.
Posting rules are append-only (an edit is a new version).
"""

from django.db import migrations

from yusuan.common.append_only import create_triggers, drop_triggers

PG_UP = """
CREATE FUNCTION accounting_voucher_balanced() RETURNS trigger AS $$
DECLARE
    v bigint;
    bad record;
BEGIN
    IF TG_OP = 'DELETE' THEN v := OLD.voucher_id; ELSE v := NEW.voucher_id; END IF;
    SELECT half, SUM(debit_fen) AS dr, SUM(credit_fen) AS cr INTO bad
      FROM accounting_voucherline WHERE voucher_id = v
      GROUP BY half HAVING SUM(debit_fen) <> SUM(credit_fen) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'R-AC-2: voucher % is unbalanced in half % (debit %, credit %)',
            v, bad.half, bad.dr, bad.cr USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER accounting_voucherline_balanced
    AFTER INSERT OR UPDATE OR DELETE ON accounting_voucherline
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION accounting_voucher_balanced();

CREATE FUNCTION accounting_posted_line_frozen() RETURNS trigger AS $$
DECLARE
    new_v bigint;
    old_v bigint;
BEGIN
    IF TG_OP <> 'DELETE' THEN new_v := NEW.voucher_id; END IF;
    IF TG_OP <> 'INSERT' THEN old_v := OLD.voucher_id; END IF;
    IF EXISTS (SELECT 1 FROM accounting_voucher
               WHERE state = 'posted' AND id IN (new_v, old_v)) THEN
        RAISE EXCEPTION 'posted voucher lines are frozen (red-ink reversal only): % rejected', TG_OP
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER accounting_voucherline_frozen
    BEFORE INSERT OR UPDATE OR DELETE ON accounting_voucherline
    FOR EACH ROW EXECUTE FUNCTION accounting_posted_line_frozen();

CREATE FUNCTION accounting_posted_voucher_frozen() RETURNS trigger AS $$
BEGIN
    IF OLD.state = 'posted' THEN
        RAISE EXCEPTION 'posted vouchers are frozen (red-ink reversal only): % rejected', TG_OP
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER accounting_voucher_frozen
    BEFORE UPDATE OR DELETE ON accounting_voucher
    FOR EACH ROW EXECUTE FUNCTION accounting_posted_voucher_frozen();
"""

PG_DOWN = """
DROP TRIGGER IF EXISTS accounting_voucher_frozen ON accounting_voucher;
DROP FUNCTION IF EXISTS accounting_posted_voucher_frozen();
DROP TRIGGER IF EXISTS accounting_voucherline_frozen ON accounting_voucherline;
DROP FUNCTION IF EXISTS accounting_posted_line_frozen();
DROP TRIGGER IF EXISTS accounting_voucherline_balanced ON accounting_voucherline;
DROP FUNCTION IF EXISTS accounting_voucher_balanced();
"""

_FROZEN = "posted vouchers are frozen (red-ink reversal only)"
SQLITE_UP = [
    f"""CREATE TRIGGER accounting_voucherline_frozen_insert BEFORE INSERT ON accounting_voucherline
        WHEN (SELECT state FROM accounting_voucher WHERE id = NEW.voucher_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{_FROZEN}: INSERT rejected'); END;""",
    f"""CREATE TRIGGER accounting_voucherline_frozen_update BEFORE UPDATE ON accounting_voucherline
        WHEN (SELECT state FROM accounting_voucher WHERE id = OLD.voucher_id) = 'posted'
          OR (SELECT state FROM accounting_voucher WHERE id = NEW.voucher_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{_FROZEN}: UPDATE rejected'); END;""",
    f"""CREATE TRIGGER accounting_voucherline_frozen_delete BEFORE DELETE ON accounting_voucherline
        WHEN (SELECT state FROM accounting_voucher WHERE id = OLD.voucher_id) = 'posted'
        BEGIN SELECT RAISE(ABORT, '{_FROZEN}: DELETE rejected'); END;""",
    f"""CREATE TRIGGER accounting_voucher_frozen_update BEFORE UPDATE ON accounting_voucher
        WHEN OLD.state = 'posted'
        BEGIN SELECT RAISE(ABORT, '{_FROZEN}: UPDATE rejected'); END;""",
    f"""CREATE TRIGGER accounting_voucher_frozen_delete BEFORE DELETE ON accounting_voucher
        WHEN OLD.state = 'posted'
        BEGIN SELECT RAISE(ABORT, '{_FROZEN}: DELETE rejected'); END;""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS accounting_voucherline_frozen_insert;",
    "DROP TRIGGER IF EXISTS accounting_voucherline_frozen_update;",
    "DROP TRIGGER IF EXISTS accounting_voucherline_frozen_delete;",
    "DROP TRIGGER IF EXISTS accounting_voucher_frozen_update;",
    "DROP TRIGGER IF EXISTS accounting_voucher_frozen_delete;",
]


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(PG_UP)  # no parameters: the RAISE formats keep their % signs
    elif vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)
    create_triggers(schema_editor, ["accounting_postingrule"])


def down(apps, schema_editor):
    drop_triggers(schema_editor, ["accounting_postingrule"])
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(PG_DOWN)
    elif vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0001_initial"),
        ("audit", "0003_append_only_triggers"),
    ]

    operations = [migrations.RunPython(up, down, elidable=False)]
