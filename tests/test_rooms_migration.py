"""Issue 14 "Rooms": models that moved out of payments keep every row, id and link (ADR 0025).

The database is migrated back to before the moves, a row is written through the old model (the
demo's rows were written there too), and migrated forward again: the rows are in the new app's
table under the same ids, the payment requests still point at them, and the permissions roles
hold were relabelled, not recreated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import pytest

from yusuan.monitoring.models import MonitoringFinding
from yusuan.payments.models import PaymentRequest
from yusuan.procurement.models import Contract

# PostgreSQL only: SQLite cannot change its schema inside the test's transaction, and a
# transactional test cannot flush SQLite's append-only tables afterwards.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("reload_demo_after", "transactional_db"),
]

# The last payments migration before the moves, and the apps the moves created.
BEFORE = [("payments", "0007_ordering_by_column"), ("procurement", None), ("monitoring", None)]


def _migrate(targets: list[tuple[str, str | None]]) -> Any:
    """Migrate to ``targets`` and return the historical apps there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _forward() -> None:
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()


@pytest.fixture
def forward_after() -> Iterator[None]:
    """Whatever the test does, the database ends migrated to the end (for the flush)."""
    try:
        yield
    finally:
        _forward()


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def _contract_with_a_request() -> Contract:
    """The demo's contract (filed in April, paid in June), or on an earlier clock day (1 January)
    one filed now with a request entered against it, as the school's clerk would."""
    from tests.scope_registry import contract as school_contract
    from tests.test_procurement_contracts import _procurement

    from yusuan.identity.models import User

    contract = Contract.objects.order_by("pk").first()
    if contract is None or not PaymentRequest.objects.filter(contract=contract).exists():
        contract = school_contract()
        _procurement(lambda name: User.objects.get(username=name), "1.00", contract)
    return contract


def test_contracts_keep_their_ids_links_and_permissions(forward_after: None) -> None:
    contract = _contract_with_a_request()
    paid_from = set(PaymentRequest.objects.filter(contract=contract).values_list("pk", flat=True))
    assert paid_from
    lines = set(contract.indicator_lines.values_list("pk", flat=True))
    permission = Permission.objects.get(
        content_type__app_label="procurement", codename="add_contract"
    )
    granted = set(permission.role_set.values_list("pk", flat=True))
    assert granted, "roles.py grants filing contracts"

    old = _migrate(BEFORE)
    assert "payments_contract" in _tables() and "procurement_contract" not in _tables()
    assert ContentType.objects.filter(app_label="payments", model="contract").exists()
    old_contract = old.get_model("payments", "Contract")
    before = old_contract.objects.get(pk=contract.pk)
    written = old_contract.objects.create(
        mof_div_code=before.mof_div_code,
        fiscal_year=before.fiscal_year,
        organisation_id=before.organisation_id,
        number="MOVE-TEST-1",
        title="written before the move",
        supplier_id=before.supplier_id,
        amount=12_345_00,
        filed_on=dt.date(before.fiscal_year, 5, 1),
    )
    written.indicator_lines.set(lines)
    relinked = min(paid_from)
    old.get_model("payments", "PaymentRequest").objects.filter(pk=relinked).update(
        contract_id=written.pk
    )

    _forward()
    assert "procurement_contract" in _tables() and "payments_contract" not in _tables()
    assert "procurement_contract_indicator_lines" in _tables()
    moved = Contract.objects.get(pk=written.pk)
    assert (moved.number, moved.amount) == ("MOVE-TEST-1", 12_345_00)
    assert set(moved.indicator_lines.values_list("pk", flat=True)) == lines
    assert PaymentRequest.objects.get(pk=relinked).contract == moved
    assert set(PaymentRequest.objects.filter(contract=contract).values_list("pk", flat=True)) == (
        paid_from - {relinked}
    )
    # The same permission row under the new label: every role keeps what it was granted.
    again = Permission.objects.get(content_type__app_label="procurement", codename="add_contract")
    assert again.pk == permission.pk
    assert set(again.role_set.values_list("pk", flat=True)) == granted
    assert not ContentType.objects.filter(app_label="payments", model="contract").exists()


def test_findings_keep_their_ids_and_requests(forward_after: None) -> None:
    # The findings of requests (the scan's findings about a unit or a line came later: going
    # back before them drops them, and the next scan makes them again).
    kept = dict(
        MonitoringFinding.objects.filter(request__isnull=False).values_list("pk", "request_id")
    )
    assert kept, "the demo has a warning explained and a cash request blocked"
    content_type = ContentType.objects.get(app_label="monitoring", model="monitoringfinding")

    old = _migrate(BEFORE)
    assert "payments_monitoringfinding" in _tables()
    assert "monitoring_monitoringfinding" not in _tables()
    request_id = next(iter(kept.values()))
    written = old.get_model("payments", "MonitoringFinding").objects.create(
        request_id=request_id,
        round=9,
        rule="R-MO-9",
        outcome="warn",
        level="blue",
        message_zh="迁移前写入",
        message_en="written before the move",
    )

    _forward()
    assert "monitoring_monitoringfinding" in _tables()
    assert "payments_monitoringfinding" not in _tables()
    assert dict(
        MonitoringFinding.objects.filter(request__isnull=False).values_list("pk", "request_id")
    ) == {
        **kept,
        written.pk: request_id,
    }
    assert MonitoringFinding.objects.get(pk=written.pk).rule == "R-MO-9"
    assert PaymentRequest.objects.get(pk=request_id).findings.filter(pk=written.pk).exists()
    moved = ContentType.objects.get(app_label="monitoring", model="monitoringfinding")
    assert moved.pk == content_type.pk
