# Contract now lives in procurement (issue 14, ADR 0025): the request's foreign key points there
# and payments forgets the model; the database is not touched (procurement renamed the table).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0007_ordering_by_column'),
        ('procurement', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='paymentrequest',
                    name='contract',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='requests', to='procurement.contract', verbose_name='contract'),
                ),
                migrations.DeleteModel(name='Contract'),
            ],
        ),
    ]
