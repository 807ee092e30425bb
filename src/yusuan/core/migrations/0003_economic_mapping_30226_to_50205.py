"""C9 (DOMAIN-2 §1): in the official 部门→政府 mapping (财预〔2017〕98号), 30226 劳务费 of 机关 maps
to 50205 委托业务费 (with 30203 咨询费 and 30227 委托业务费), not to 50299. Code sets already
loaded from the old default table are corrected; a row a region has changed to anything else is
left as it is."""

from django.db import migrations


def forwards(apps, schema_editor):
    EconomicMapping = apps.get_model("core", "EconomicMapping")
    EconomicMapping.objects.filter(
        department_economic_code="30226", group="agency", government_economic_code="50299"
    ).update(government_economic_code="50205")


def backwards(apps, schema_editor):
    EconomicMapping = apps.get_model("core", "EconomicMapping")
    EconomicMapping.objects.filter(
        department_economic_code="30226", group="agency", government_economic_code="50205"
    ).update(government_economic_code="50299")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_document_sequence")]

    operations = [migrations.RunPython(forwards, backwards)]
