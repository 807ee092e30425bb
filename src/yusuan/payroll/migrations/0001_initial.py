# The salary batch models, moved here from payments (issue 14). State only: the tables
# payments_payrollbatch and payments_payrollemployee exist with their rows; 0002 renames them.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('core', '0002_document_sequence'),
        ('payments', '0010_payroll_moved_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='PayrollBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('mof_div_code', models.CharField(db_index=True, max_length=9, verbose_name='region code')),
                        ('fiscal_year', models.PositiveSmallIntegerField(verbose_name='fiscal year')),
                        ('number', models.CharField(editable=False, max_length=20, verbose_name='batch number')),
                        ('month', models.PositiveSmallIntegerField(verbose_name='salary month')),
                        ('file_name', models.CharField(max_length=200, verbose_name='file')),
                        ('file_sha256', models.CharField(max_length=64)),
                        ('file', models.BinaryField(verbose_name='file content')),
                        ('employees', models.PositiveIntegerField(verbose_name='employees')),
                        ('gross', models.BigIntegerField(verbose_name='gross pay')),
                        ('deductions', models.BigIntegerField(verbose_name='deductions')),
                        ('net', models.BigIntegerField(verbose_name='net pay')),
                        ('items', models.JSONField(default=dict, verbose_name='salary items')),
                        ('deduction_totals', models.JSONField(default=dict, verbose_name='deductions by kind')),
                        ('matches', models.JSONField(default=list, verbose_name='matching')),
                        ('state', models.CharField(choices=[('imported', 'Imported, to be matched'), ('requested', 'Payment request generated'), ('void', 'Void')], default='imported', max_length=12, verbose_name='state')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.organisation', verbose_name='unit')),
                        ('request', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payroll', to='payments.paymentrequest', verbose_name='payment request')),
                    ],
                    options={
                        'verbose_name': 'salary batch',
                        'verbose_name_plural': 'salary batches',
                        'ordering': ['-created_at', '-pk'],
                        'db_table': 'payments_payrollbatch',
                        'constraints': [models.UniqueConstraint(fields=('mof_div_code', 'number'), name='payroll_no_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='PayrollEmployee',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('row', models.PositiveIntegerField(verbose_name='sheet row')),
                        ('name', models.CharField(max_length=60, verbose_name='name')),
                        ('id_number', models.CharField(max_length=18, verbose_name='resident ID number')),
                        ('account_no', models.CharField(max_length=32, verbose_name='bank account number')),
                        ('bank_name', models.CharField(max_length=120, verbose_name='bank')),
                        ('items', models.JSONField(default=dict, verbose_name='salary items')),
                        ('gross', models.BigIntegerField(verbose_name='gross pay')),
                        ('deductions', models.BigIntegerField(verbose_name='deductions')),
                        ('net', models.BigIntegerField(verbose_name='net pay')),
                        ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='payroll.payrollbatch')),
                    ],
                    options={
                        'verbose_name': 'salary sheet row',
                        'ordering': ['batch_id', 'row'],
                        'db_table': 'payments_payrollemployee',
                        'constraints': [
                            models.UniqueConstraint(fields=('batch', 'row'), name='payroll_row_unique'),
                            models.UniqueConstraint(fields=('batch', 'id_number'), name='payroll_person_once'),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
