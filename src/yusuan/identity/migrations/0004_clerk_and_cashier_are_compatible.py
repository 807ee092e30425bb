"""C7 (DOMAIN-2): in 一体化 practice the cashier (出纳) enters the payment requests, so 经办–出纳 is no
longer a default incompatible pair. Its rows go; 出纳–会计 stays, and a cashier still may not review
or approve a request (R-WF-1)."""

from django.db import migrations


def drop_pair(apps, schema_editor):
    Pair = apps.get_model("identity", "IncompatibleRolePair")
    Pair.objects.filter(first__code="unit_clerk", second__code="cashier").delete()
    Pair.objects.filter(first__code="cashier", second__code="unit_clerk").delete()


class Migration(migrations.Migration):
    dependencies = [("identity", "0003_bank_users_are_system_accounts")]

    operations = [migrations.RunPython(drop_pair, migrations.RunPython.noop)]
