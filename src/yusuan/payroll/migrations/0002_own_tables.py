# The salary batch tables take payroll's names, rows and ids unchanged, and the models' content
# types follow them, so every permission (and every role, group or user granted one) keeps its id
# and now reads payroll.view_payrollbatch, payroll.add_payrollbatch, ...

from django.db import migrations

MODELS = ("payrollbatch", "payrollemployee")


def _grants(apps):
    """(through model, owner column, permission column) of every table granting a permission:
    auth groups, users, identity roles."""
    permission = apps.get_model("auth", "Permission")
    for model in apps.get_models():
        for field in model._meta.local_many_to_many:
            if field.remote_field.model is permission:
                through = field.remote_field.through
                yield through, field.m2m_column_name(), field.m2m_reverse_name()


def move_content_types(apps, schema_editor, source, target):
    """Relabel ``source``'s content types of MODELS to ``target``. Where ``target`` has them
    already (post_migrate of a partial migrate run with this code made them), the old ones'
    grants move to the new permissions of the same codename and the old ones go."""
    db = schema_editor.connection.alias
    content_type = apps.get_model("contenttypes", "ContentType")
    permission = apps.get_model("auth", "Permission")
    for model in MODELS:
        old = content_type.objects.using(db).filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = content_type.objects.using(db).filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        for stale in permission.objects.using(db).filter(content_type=old):
            kept, _ = permission.objects.using(db).get_or_create(
                content_type=new, codename=stale.codename, defaults={"name": stale.name}
            )
            for through, owner, column in _grants(apps):
                rows = through.objects.using(db)
                held = rows.filter(**{column: kept.pk}).values_list(owner, flat=True)
                rows.filter(**{column: stale.pk}).exclude(**{f"{owner}__in": list(held)}).update(
                    **{column: kept.pk}
                )
                rows.filter(**{column: stale.pk}).delete()
            stale.delete()
        old.delete()


def forwards(apps, schema_editor):
    move_content_types(apps, schema_editor, "payments", "payroll")


def backwards(apps, schema_editor):
    move_content_types(apps, schema_editor, "payroll", "payments")


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('identity', '0003_bank_users_are_system_accounts'),
        ('payroll', '0001_initial'),
    ]

    operations = [
        migrations.AlterModelTable(name='payrollbatch', table=None),
        migrations.AlterModelTable(name='payrollemployee', table=None),
        migrations.RunPython(forwards, backwards),
    ]
