# Monitoring findings move out of payments with their rows and ids (issue 14, ADR 0025): the
# model is created in state only, on the table payments made, which is then renamed.

import django.db.models.deletion
from django.db import migrations, models

from yusuan.common.moves import move_content_type


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('payments', '0008_move_contract_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='MonitoringFinding',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('round', models.PositiveIntegerField(verbose_name='approval round')),
                        ('rule', models.CharField(max_length=12, verbose_name='rule')),
                        ('outcome', models.CharField(max_length=8, verbose_name='outcome')),
                        ('level', models.CharField(max_length=8, verbose_name='level')),
                        ('row', models.IntegerField(blank=True, null=True, verbose_name='row')),
                        ('value', models.CharField(blank=True, max_length=40, verbose_name='value')),
                        ('limit', models.CharField(blank=True, max_length=40, verbose_name='limit')),
                        ('message_zh', models.CharField(max_length=300)),
                        ('message_en', models.CharField(max_length=300)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='findings', to='payments.paymentrequest')),
                    ],
                    options={
                        'verbose_name': 'monitoring finding',
                        'ordering': ['request_id', 'round', 'pk'],
                        'db_table': 'payments_monitoringfinding',
                    },
                ),
            ],
        ),
        # payments_monitoringfinding → monitoring_monitoringfinding
        migrations.AlterModelTable(name='monitoringfinding', table=None),
        move_content_type('monitoringfinding', source='payments', target='monitoring'),
    ]
