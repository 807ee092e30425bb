"""R-MO-14: the levels and thresholds move from code and settings into the database. Each region
gets version 1 with the values in force today (the code's defaults, overridden by a deployment's
``YUSUAN_MONITORING`` setting as before). Warnings explained before R-MO-14 were cleared by the
unit's explanation: their findings say so."""

from django.conf import settings
from django.db import migrations

DEFAULTS = {
    "cash_single_warn": 20_000_00,
    "cash_single_block": 50_000_00,
    "cash_month_warn": 50_000_00,
    "cash_month_block": 100_000_00,
    "cash_year_warn": 300_000_00,
    "cash_year_block": 500_000_00,
}
LEVELS = {"R-MO-1": "red", "R-MO-2": "orange"}


def seed(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    RuleSettings = apps.get_model("monitoring", "RuleSettings")
    amounts = {**DEFAULTS, **getattr(settings, "YUSUAN_MONITORING", {})}
    for code in Region.objects.values_list("mof_div_code", flat=True):
        if not RuleSettings.objects.filter(mof_div_code=code).exists():
            RuleSettings.objects.create(
                mof_div_code=code,
                version=1,
                levels=LEVELS,
                note="R-MO-14: values in force before they became per-region data",
                **{name: amounts[name] for name in DEFAULTS},
            )
    Finding = apps.get_model("monitoring", "MonitoringFinding")
    Finding.objects.filter(outcome="warn", status="generated").exclude(
        request__state="pending_explanation"
    ).exclude(request__explanation="").update(status="cleared")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("monitoring", "0002_finding_review_and_rule_settings"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
