"""An agent bank's users are system accounts (API tokens only, ADR 0016): mark the existing ones."""

from django.db import migrations


def mark_bank_users(apps, schema_editor):
    User = apps.get_model("identity", "User")
    User.objects.filter(organisation__kind="bank", is_system_account=False).update(
        is_system_account=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0002_user_must_change_password"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(mark_bank_users, migrations.RunPython.noop)]
