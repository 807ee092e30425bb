"""Issue 13 item 12 (ADR 0017): every indicator movement is provable from the sealed audit trail.

A balanced pair of movements forged in SQL (with the two lines' buckets moved to match) passes
the bucket and posting checks of ``reconcile()`` and the audit chain; ``yusuan audit_verify`` and
``yusuan reconcile`` name both movements, because no audit record lists them. A real movement
edited in SQL (append-only trigger disabled first) is named with the record it differs from.
"""

from __future__ import annotations

import importlib
import io
import uuid
from collections.abc import Callable
from typing import Any

from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest
from tests.indicator_helpers import issue, project, spec

from yusuan.audit.attachments import attach
from yusuan.audit.chain import seal, verify
from yusuan.audit.models import AuditRecord
from yusuan.audit.services import audit_record
from yusuan.indicators.choices import LineKind, MovementKind
from yusuan.indicators.models import MOVEMENTS_AUDIT_KEY, IndicatorLine, Movement
from yusuan.indicators.selectors import (
    ALTERED,
    MISSING,
    UNACCOUNTED,
    movement_proof,
    reconcile,
)
from yusuan.indicators.services import Op, apply

pytestmark = pytest.mark.django_db

HUNDRED_YUAN = 100_00


def _two_lines() -> tuple[IndicatorLine, IndicatorLine]:
    lines = list(
        IndicatorLine.objects.filter(
            kind=LineKind.EXECUTABLE, available__gte=HUNDRED_YUAN
        ).order_by("id")[:2]
    )
    assert len(lines) == 2
    return lines[0], lines[1]


def _forge_pair(source: IndicatorLine, target: IndicatorLine, fen: int) -> list[int]:
    """What someone with the database password could do: two movements of one balanced
    posting, and the two lines' buckets moved to match them."""
    posting = Movement._meta.get_field("posting").get_db_prep_value(uuid.uuid4(), connection)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    ids = []
    with connection.cursor() as cursor:
        for line, kind, sign in (
            (source, MovementKind.ADJUST_OUT, -1),
            (target, MovementKind.ADJUST_IN, 1),
        ):
            cursor.execute(
                "INSERT INTO indicators_movement (posting, line_id, kind, d_total, d_available, "
                "d_allocated, d_reserved, d_frozen, d_held, d_paid, d_outside, document_id, "
                "source_type, source_id, source_no, op_key, actor_id, created_at) VALUES "
                "(%s, %s, %s, %s, %s, 0, 0, 0, 0, 0, 0, NULL, '', '', '', NULL, NULL, %s) "
                "RETURNING id",
                [posting, line.pk, kind.value, sign * fen, sign * fen, now],
            )
            ids.append(cursor.fetchone()[0])
            cursor.execute(
                "UPDATE indicators_indicatorline SET total = total + %s, "
                "available = available + %s WHERE id = %s",
                [sign * fen, sign * fen, line.pk],
            )
    return ids


def _failing(command: str) -> tuple[str, str]:
    """Run ``audit_verify`` or ``reconcile``; it must fail (exit status 1): (error, stderr)."""
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(command, stdout=io.StringIO(), stderr=err)
    assert caught.value.returncode == 1
    return str(caught.value), err.getvalue()


@pytest.fixture
def movement_triggers_off() -> None:
    """The append-only trigger on movements, disabled as an attacker would (inside the test's
    transaction: it comes back with the rollback)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE indicators_movement DISABLE TRIGGER indicators_movement_append_only"
            )
        else:
            cursor.execute("DROP TRIGGER indicators_movement_no_update")
            cursor.execute("DROP TRIGGER indicators_movement_no_delete")


def test_a_forged_balanced_pair_is_named_by_audit_verify_and_reconcile() -> None:
    seal(lag_seconds=0)
    source, target = _two_lines()
    forged = _forge_pair(source, target, HUNDRED_YUAN)
    # The forgery passes every check there was: buckets = Σ movements, postings balance, and
    # the audit chain itself is intact.
    assert reconcile() == []
    assert verify().ok

    message, stderr = _failing("audit_verify")
    for movement_id in forged:
        assert f"movement {movement_id} (" in message
        assert f"指标账流水 {movement_id}" in stderr
    assert message.count("no audited business action accounts for it") == 2
    assert "无任何审计记录对应" in stderr
    assert f"{source.code} ADJUST_OUT 100.00" in stderr
    assert f"{target.code} ADJUST_IN 100.00" in stderr
    assert message.startswith("AUDIT TRAIL FAILED / 审计链校验失败: 2 row(s)")

    message, stderr = _failing("reconcile")
    assert "2 differences" in message
    for movement_id in forged:
        assert f"DIFFERENCE / 不符: movement {movement_id} (" in stderr
    assert stderr.count("no audited business action accounts for it") == 2

    proof = movement_proof()
    assert [(f.movement_id, f.problem) for f in proof.findings] == [
        (forged[0], UNACCOUNTED),
        (forged[1], UNACCOUNTED),
    ]
    # Scoped to the region and year of the lines: still named.
    scoped = movement_proof(mof_div_code=source.mof_div_code, fiscal_year=source.fiscal_year)
    assert {f.movement_id for f in scoped.findings} >= {forged[0]}


@pytest.mark.parametrize(
    "edit",
    [
        "d_available = d_available - 100, d_frozen = d_frozen + 100",  # the amount
        "line_id = (SELECT MIN(l.id) FROM indicators_indicatorline l WHERE l.id <> line_id)",
        "kind = 'RESERVE'",
    ],
)
def test_a_real_movement_edited_in_sql_is_named_with_its_record(
    movement_triggers_off: None, edit: str
) -> None:
    seal(lag_seconds=0)
    movement = Movement.objects.filter(kind=MovementKind.FREEZE).order_by("id").first()
    assert movement is not None
    listing = AuditRecord.objects.filter(extra__has_key=MOVEMENTS_AUDIT_KEY).order_by("id")
    record = next(
        r for r in listing if any(m == movement.pk for m, _ in r.extra[MOVEMENTS_AUDIT_KEY])
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE indicators_movement SET {edit} WHERE id = %s",  # noqa: S608 (test literals)
            [movement.pk],
        )
    message, stderr = _failing("audit_verify")
    assert f"movement {movement.pk} (" in message
    assert f"content differs from audit record {record.pk} (edited after it was written)" in (
        message
    )
    assert f"与审计记录 {record.pk} 所记内容不符" in stderr
    assert [(f.movement_id, f.problem) for f in movement_proof().findings] == [
        (movement.pk, ALTERED)
    ]


def test_a_deleted_movement_is_named(movement_triggers_off: None) -> None:
    movement = Movement.objects.filter(kind=MovementKind.FREEZE).order_by("id").first()
    assert movement is not None
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM indicators_movement WHERE id = %s", [movement.pk])
    assert [(f.movement_id, f.problem) for f in movement_proof().findings] == [
        (movement.pk, MISSING)
    ]
    message, _ = _failing("audit_verify")
    assert f"movement {movement.pk}: listed by audit record" in message


def test_movements_are_append_only_in_the_database() -> None:
    movement_id = Movement.objects.values_list("id", flat=True).first()
    for statement in (
        "UPDATE indicators_movement SET d_available = d_available WHERE id = %s",
        "DELETE FROM indicators_movement WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [movement_id])


def test_the_untouched_demo_ledger_verifies_clean() -> None:
    seal(lag_seconds=0)
    total = Movement.objects.count()
    assert total > 0
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert (
        f"indicator movements / 指标账流水: {total} verified / 已核对, {total} accounted for by "
        "sealed records / 由已封存记录证明, 0 by records not yet sealed" in out.getvalue()
    )
    out = io.StringIO()
    call_command("reconcile", stdout=out)
    assert f"{total} movements, each listed by its audit record" in out.getvalue()
    proof = movement_proof()
    assert (proof.checked, proof.sealed, proof.unsealed, proof.findings) == (total, total, 0, [])


def test_a_new_posting_is_listed_by_its_record_and_sealed_later(user: Any) -> None:
    seal(lag_seconds=0)
    budget, chief = user("wj_budget"), user("wj_budget_chief")
    clerk = user("school_clerk")
    school = clerk.organisation
    proj = project(school, clerk)
    before = set(Movement.objects.values_list("id", flat=True))
    [line] = issue(budget, chief, [(spec(school, proj), 5_000_00)])
    made = sorted(set(Movement.objects.values_list("id", flat=True)) - before)
    assert len(made) == 1
    record = AuditRecord.objects.get(
        action="indicators.document_post", object_id=str(line.origin_document_id)
    )
    assert [m for m, _ in record.extra[MOVEMENTS_AUDIT_KEY]] == made
    proof = movement_proof()
    assert (proof.findings, proof.unsealed) == ([], 1)
    seal(lag_seconds=0)
    proof = movement_proof()
    assert (proof.findings, proof.unsealed, proof.sealed) == ([], 0, proof.checked)


def test_a_posting_without_an_audit_record_is_named(user: Any) -> None:
    """The proof also finds code that moves money without auditing it."""
    source, _ = _two_lines()
    with transaction.atomic():
        apply("freeze", [Op(source.pk, 1_00)], actor_id=user("school_clerk").pk)
    [finding] = movement_proof().findings
    assert finding.problem == UNACCOUNTED
    assert finding.what == f"{source.code} FREEZE 1.00"


def _then_fail(step: Callable[[], Any]) -> None:
    """``step`` in a savepoint that rolls back: the caller's next step failed."""
    with transaction.atomic():
        step()
        raise RuntimeError("the next step failed")


def test_a_rolled_back_posting_is_not_claimed_by_the_next_record(user: Any) -> None:
    source, _ = _two_lines()
    clerk = user("school_clerk")
    with transaction.atomic():
        with pytest.raises(RuntimeError):
            _then_fail(lambda: apply("freeze", [Op(source.pk, 1_00)], actor_id=clerk.pk))
        apply("freeze", [Op(source.pk, 2_00)], actor_id=clerk.pk)
        record = audit_record(action="test.freeze", actor=clerk, object_type="t", object_id="1")
    [(movement_id, _digest)] = record.extra[MOVEMENTS_AUDIT_KEY]
    assert Movement.objects.get(pk=movement_id).d_frozen == 2_00
    assert movement_proof().findings == []


def test_a_record_rolled_back_alone_leaves_its_movements_to_the_next_record(user: Any) -> None:
    clerk = user("school_clerk")
    with transaction.atomic():
        attach(key="rows", items=[[1, "a"]])
        with pytest.raises(RuntimeError):
            _then_fail(
                lambda: audit_record(
                    action="test.first", actor=clerk, object_type="t", object_id="1"
                )
            )
        second = audit_record(action="test.second", actor=clerk, object_type="t", object_id="2")
        third = audit_record(action="test.third", actor=clerk, object_type="t", object_id="3")
    assert second.extra == {"rows": [[1, "a"]]}
    assert third.extra == {}


def test_listing_movements_costs_no_statement(user: Any) -> None:
    """The ids come back from the inserts (RETURNING) and the digests ride on the record the
    service writes anyway: a keyed one-line operation is still one statement on PostgreSQL
    (two on SQLite), a three-leg posting still three updates and one insert."""
    lines = list(
        IndicatorLine.objects.filter(kind=LineKind.EXECUTABLE, available__gte=3_00).order_by("id")[
            :3
        ]
    )
    clerk = user("school_clerk")
    with transaction.atomic():
        with CaptureQueriesContext(connection) as keyed:
            apply("freeze", [Op(lines[0].pk, 1_00)], actor_id=clerk.pk, op_key="t-1")
        with CaptureQueriesContext(connection) as three:
            apply("freeze", [Op(line.pk, 1_00) for line in lines], actor_id=clerk.pk)
        audit_record(action="test.freeze", actor=clerk, object_type="t", object_id="1")

    def work(captured: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]

    assert len(work(keyed)) == (1 if connection.vendor == "postgresql" else 2)
    assert [sql.split()[0] for sql in work(three)] == ["UPDATE"] * 3 + ["INSERT"]
    assert movement_proof().findings == []


def test_the_upgrade_lists_the_movements_no_record_lists_yet(user: Any) -> None:
    """Migration 0006: movements posted before this release get a baseline listing."""
    migration = importlib.import_module("yusuan.indicators.migrations.0006_list_existing_movements")
    source, _ = _two_lines()
    apply("freeze", [Op(source.pk, 1_00)], actor_id=user("school_clerk").pk)
    [unlisted] = [f.movement_id for f in movement_proof().findings]
    migration.list_movements(django_apps, None)
    assert movement_proof().findings == []
    baseline = AuditRecord.objects.get(action="indicators.movements_baseline")
    assert [m for m, _ in baseline.extra[MOVEMENTS_AUDIT_KEY]] == [unlisted]
    migration.list_movements(django_apps, None)  # nothing left to list: no second record
    assert AuditRecord.objects.filter(action="indicators.movements_baseline").count() == 1
