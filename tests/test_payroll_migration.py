"""Salary batches moved from payments to payroll (issue 14): the migrations keep every row, its id
and its foreign keys, give the tables payroll's names, and carry the content types along, so the
permissions keep their ids and every role keeps its rights under the new label."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from django.apps import apps as django_apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import pytest

from yusuan.identity.models import Role, User
from yusuan.payroll.models import PayrollBatch, PayrollEmployee

# Payments as it was before the move; payroll not yet there.
BEFORE = [("payments", "0007_ordering_by_column"), ("payroll", None)]
MOVE = importlib.import_module("yusuan.payroll.migrations.0002_own_tables")


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    """Migrate to ``targets``; the apps of the state reached (the models as they were there)."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    return loader.project_state([t for t in targets if t[1] is not None]).apps


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


@pytest.fixture
def before_the_move(django_db_blocker: Any) -> Iterator[Any]:
    """The database migrated back to before the move (outside a test transaction: SQLite alters
    no table inside one), and forward to the latest state afterwards, whatever happened."""
    with django_db_blocker.unblock():
        latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
        try:
            yield _migrate(BEFORE)
        finally:
            MigrationExecutor(connection).migrate(latest)
            ContentType.objects.clear_cache()
            PayrollBatch.objects.filter(number="GF-MIGRATION").delete()


def test_rows_ids_and_foreign_keys_survive_the_move(before_the_move: Any) -> None:
    old = before_the_move
    assert {"payments_payrollbatch", "payments_payrollemployee"} <= _tables()
    assert "payroll_payrollbatch" not in _tables()
    old_batch = old.get_model("payments", "PayrollBatch")
    old_row = old.get_model("payments", "PayrollEmployee")
    request = old.get_model("payments", "PaymentRequest").objects.filter(payroll=None).first()
    # Any request not yet a batch's (on 1 January the demo has paid no salaries yet).
    assert request is not None
    made = old_batch.objects.create(
        mof_div_code=request.mof_div_code,
        fiscal_year=request.fiscal_year,
        organisation_id=request.organisation_id,
        number="GF-MIGRATION",
        month=12,
        file_name="十二月工资.xlsx",
        file_sha256="0" * 64,
        file=b"sheet",
        employees=1,
        gross=500_00,
        deductions=0,
        net=500_00,
        items={"30101": 500_00},
        request_id=request.pk,
        created_by_id=request.created_by_id,
    )
    row = old_row.objects.create(
        batch=made,
        row=2,
        name="张三",
        id_number="11010519491231002X",
        account_no="6217000010000001",
        bank_name="建设银行吴江支行",
        items={"30101": 500_00},
        gross=500_00,
        deductions=0,
        net=500_00,
    )
    batches = dict(old_batch.objects.values_list("pk", "request_id"))
    rows = dict(old_row.objects.values_list("pk", "batch_id"))
    content_type = old.get_model("contenttypes", "ContentType").objects.get(
        app_label="payments", model="payrollbatch"
    )
    permission = old.get_model("auth", "Permission").objects.get(
        content_type=content_type, codename="add_payrollbatch"
    )

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    assert {"payroll_payrollbatch", "payroll_payrollemployee"} <= _tables()
    assert not {"payments_payrollbatch", "payments_payrollemployee"} & _tables()
    assert dict(PayrollBatch.objects.values_list("pk", "request_id")) == batches
    assert dict(PayrollEmployee.objects.values_list("pk", "batch_id")) == rows
    moved = PayrollBatch.objects.get(pk=made.pk)
    assert moved.request_id == request.pk and moved.request.payroll == moved
    assert (moved.number, moved.net, moved.items) == ("GF-MIGRATION", 500_00, {"30101": 500_00})
    assert [r.pk for r in moved.rows.all()] == [row.pk]
    # The content type and its permissions kept their ids; the roles grant them as before.
    assert ContentType.objects.get_for_model(PayrollBatch).pk == content_type.pk
    assert not ContentType.objects.filter(app_label="payments", model="payrollbatch").exists()
    assert Permission.objects.get(codename="add_payrollbatch").pk == permission.pk
    clerk = User.objects.get(username="school_clerk")
    assert clerk.has_perm("payroll.add_payrollbatch")
    assert not clerk.has_perm("payments.add_payrollbatch")


@pytest.mark.django_db
def test_content_types_made_before_the_move_take_over_its_grants() -> None:
    """A partial migrate run with the new code lets post_migrate make payroll's content types
    before 0002 runs: the old ones' grants move to them, nothing is granted twice, and the old
    ones go instead of clashing with them."""
    new = ContentType.objects.get_for_model(PayrollBatch)
    kept = Permission.objects.get(content_type=new, codename="view_payrollbatch")
    old = ContentType.objects.create(app_label="payments", model="payrollbatch")
    stale = Permission.objects.create(content_type=old, codename="view_payrollbatch", name="v")
    extra = Permission.objects.create(content_type=old, codename="sign_payrollbatch", name="s")
    group = Group.objects.create(name="salary clerks")
    group.permissions.add(stale, extra)
    person = User.objects.get(username="school_clerk")
    person.user_permissions.add(stale)
    role = Role.objects.filter(permissions=kept).first()
    assert role is not None
    role.permissions.add(stale)  # held twice: kept once

    MOVE.move_content_types(
        django_apps, SimpleNamespace(connection=connection), "payments", "payroll"
    )

    assert not ContentType.objects.filter(pk=old.pk).exists()
    assert not Permission.objects.filter(pk__in=[stale.pk, extra.pk]).exists()
    signed = Permission.objects.get(content_type=new, codename="sign_payrollbatch")
    assert set(group.permissions.all()) == {kept, signed}
    assert list(person.user_permissions.all()) == [kept]
    assert list(role.permissions.filter(content_type=new, codename="view_payrollbatch")) == [kept]
