"""Years opened before the standards table existed get the registry's defaults (ADR 0039), as
``fiscal_year_open`` now seeds a new year. Version 1, effective 1 January, by the system; a
region then edits them on /core/standards/. Data only (the schema is 0007)."""

import datetime as dt

from django.db import migrations

from yusuan.core.standard_keys import KNOWN


def seed(apps, schema_editor):
    FiscalYear = apps.get_model("core", "FiscalYear")
    Standard = apps.get_model("core", "Standard")
    StandardVersion = apps.get_model("core", "StandardVersion")
    for year in FiscalYear.objects.order_by("mof_div_code", "year"):
        have = set(
            Standard.objects.filter(
                mof_div_code=year.mof_div_code, fiscal_year=year.year
            ).values_list("key", flat=True)
        )
        for known in KNOWN:
            if known.key in have:
                continue
            standard = Standard.objects.create(
                mof_div_code=year.mof_div_code,
                fiscal_year=year.year,
                key=known.key,
                name=known.name,
                unit=known.unit,
                rule=known.rule,
            )
            StandardVersion.objects.create(
                standard=standard,
                mof_div_code=year.mof_div_code,
                fiscal_year=year.year,
                version=1,
                value=known.default,
                effective_from=dt.date(year.year, 1, 1),
                basis=known.basis,
                reason="年度初始值（系统默认，迁移补录）",
            )


class Migration(migrations.Migration):
    dependencies = [("core", "0008_standards_append_only")]

    # Backwards: the rows go with 0007's tables (deleting them here would meet the trigger).
    operations = [migrations.RunPython(seed, migrations.RunPython.noop, elidable=False)]
