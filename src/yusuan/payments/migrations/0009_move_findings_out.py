# MonitoringFinding now lives in monitoring (issue 14, ADR 0025): payments forgets the model; the
# database is not touched (monitoring renamed the table).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0008_move_contract_out'),
        ('monitoring', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='MonitoringFinding')],
        ),
    ]
