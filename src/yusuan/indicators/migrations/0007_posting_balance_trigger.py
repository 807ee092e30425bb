"""On PostgreSQL, a posting that does not balance cannot commit (ADR 0009, issue 14 item 5).

A deferred constraint trigger checks, at commit, that the movements of each posting inserted in the
transaction satisfy the ledger's balance equation ``Σ (d_total − d_allocated + d_outside) = 0``:
the promise then holds against a bug in Python or a hand-written INSERT, not only in
``Posting.__post_init__``. The rows of one posting are checked once (the last posting checked is
kept in a transaction-local setting; a posting's rows are inserted together, so its rows' deferred
events come together). SQLite has no deferred triggers: ``yusuan reconcile`` checks it there.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION indicators_posting_balances() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    imbalance bigint;
BEGIN
    IF current_setting('yusuan.ledger_checked_posting', true) = NEW.posting::text THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(SUM(d_total - d_allocated + d_outside), 0) INTO imbalance
      FROM indicators_movement WHERE posting = NEW.posting;
    IF imbalance <> 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'check_violation',
            CONSTRAINT = 'indicators_posting_balances',
            MESSAGE = format(
                'posting %s does not balance by %s fen (ADR 0009) / 记账凭证 %s 借贷不平，差额 %s 分',
                NEW.posting, imbalance, NEW.posting, imbalance);
    END IF;
    PERFORM set_config('yusuan.ledger_checked_posting', NEW.posting::text, true);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER indicators_posting_balances
    AFTER INSERT ON indicators_movement
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION indicators_posting_balances();
"""

DROP = """
DROP TRIGGER IF EXISTS indicators_posting_balances ON indicators_movement;
DROP FUNCTION IF EXISTS indicators_posting_balances();
"""


def _run(sql: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL holds % (format), no parameters

    return run


class Migration(migrations.Migration):
    dependencies = [("indicators", "0006_list_existing_movements")]

    operations = [migrations.RunPython(_run(FUNCTION), _run(DROP), elidable=False)]
