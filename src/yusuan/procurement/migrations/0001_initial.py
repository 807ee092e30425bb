# The contract registry moves out of payments with its rows and ids (issue 14, ADR 0025): the
# model is created in state only, on the table payments made, which is then renamed.

import django.db.models.deletion
from django.db import migrations, models

from yusuan.common.moves import move_content_type


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0002_document_sequence'),
        ('indicators', '0003_movement_issue_label'),
        ('payments', '0007_ordering_by_column'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Contract',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('mof_div_code', models.CharField(db_index=True, max_length=9, verbose_name='region code')),
                        ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='fiscal year')),
                        ('number', models.CharField(max_length=60, verbose_name='contract number')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('amount', models.BigIntegerField(verbose_name='contract amount')),
                        ('committed', models.BigIntegerField(default=0, verbose_name='committed by payments')),
                        ('filed_on', models.DateField(verbose_name='filed on')),
                        ('indicator_lines', models.ManyToManyField(related_name='contracts', to='indicators.indicatorline', verbose_name='indicator lines')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.organisation', verbose_name='unit')),
                        ('supplier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.payee', verbose_name='supplier')),
                    ],
                    options={
                        'verbose_name': 'contract',
                        'verbose_name_plural': 'contracts',
                        'db_table': 'payments_contract',
                        'constraints': [
                            models.UniqueConstraint(fields=('mof_div_code', 'number'), name='contract_no_unique'),
                            models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='contract_amount_positive'),
                            models.CheckConstraint(condition=models.Q(('committed__gte', 0), ('committed__lte', models.F('amount'))), name='contract_committed_within_amount'),
                        ],
                    },
                ),
            ],
        ),
        # payments_contract → procurement_contract, and its indicator-line table with it.
        migrations.AlterModelTable(name='contract', table=None),
        move_content_type('contract', source='payments', target='procurement'),
    ]
