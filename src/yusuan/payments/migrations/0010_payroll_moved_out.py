# Salary batches moved to the payroll app (issue 14): payments forgets the two models; their
# tables and rows stay, and payroll 0001 takes them over under the same ids.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0009_move_findings_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='PayrollEmployee'),
                migrations.DeleteModel(name='PayrollBatch'),
            ],
            database_operations=[],
        ),
    ]
