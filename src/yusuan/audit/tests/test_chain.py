"""Promise P5: append-only, sealed, and any edit names the record that fails."""

from collections.abc import Callable
from io import StringIO
from typing import Any

from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

import pytest

from yusuan.audit.chain import seal, verify
from yusuan.audit.models import AppendOnlyError, AuditRecord, AuditSeal
from yusuan.audit.services import audit_record


def _disable_append_only_triggers() -> None:
    """What an attacker with database access would have to do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_auditrecord DISABLE TRIGGER audit_auditrecord_append_only"
            )
            cursor.execute(
                "ALTER TABLE audit_auditseal DISABLE TRIGGER audit_auditseal_append_only"
            )
        else:
            for table in ("audit_auditrecord", "audit_auditseal"):
                cursor.execute(f"DROP TRIGGER {table}_no_update")
                cursor.execute(f"DROP TRIGGER {table}_no_delete")


def _sealed() -> None:
    seal(lag_seconds=0)
    assert (
        AuditRecord.objects.filter(
            id__gt=AuditSeal.objects.order_by("-last_record_id").first().last_record_id
        ).count()
        == 0
    )


def test_demo_trail_verifies(db: Any) -> None:
    _sealed()
    result = verify()
    assert result.ok, result.failure
    assert result.records_checked == AuditRecord.objects.count()


def test_database_rejects_update_and_delete(db: Any) -> None:
    record_id = AuditRecord.objects.order_by("id").values_list("id", flat=True).first()
    for statement in (
        "UPDATE audit_auditrecord SET action = 'x' WHERE id = %s",
        "DELETE FROM audit_auditrecord WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [record_id])
    assert AuditRecord.objects.filter(id=record_id, action__startswith="core.").exists()


def test_orm_refuses_to_edit_a_record(db: Any) -> None:
    record = AuditRecord.objects.first()
    record.action = "x"
    with pytest.raises(AppendOnlyError):
        record.save()
    with pytest.raises(AppendOnlyError):
        record.delete()


def test_edited_record_is_named_by_verify_and_the_command(db: Any) -> None:
    _sealed()
    target = AuditRecord.objects.order_by("id")[5]
    _disable_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditrecord SET actor_username = 'someone_else' WHERE id = %s",
            [target.pk],
        )
    result = verify()
    assert not result.ok
    assert result.failed_record_id == target.pk
    with pytest.raises(CommandError, match=f"record {target.pk}"):
        call_command("audit_verify", stdout=StringIO())


def test_deleted_record_is_detected(db: Any) -> None:
    _sealed()
    target = AuditRecord.objects.order_by("id")[3]
    _disable_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditrecord WHERE id = %s", [target.pk])
    result = verify()
    assert not result.ok
    assert "deleted" in result.failure


def test_rewritten_seal_breaks_the_chain(db: Any) -> None:
    _sealed()
    first = AuditSeal.objects.order_by("first_record_id").first()
    _disable_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditseal SET digest = %s WHERE id = %s", ["f" * 64, first.pk])
    result = verify()
    assert not result.ok
    assert result.failed_seal_id == first.pk


def test_new_records_are_sealed_later_and_lag_is_respected(user: Callable[[str], Any]) -> None:
    _sealed()
    with transaction.atomic():
        record = audit_record(
            action="test.event", actor=user("wj_admin"), object_type="test", object_id="1"
        )
    assert seal(lag_seconds=3600).records_sealed == 0
    assert verify().records_unsealed == 1
    assert seal(lag_seconds=0).records_sealed == 1
    assert AuditSeal.objects.filter(
        first_record_id__lte=record.pk, last_record_id__gte=record.pk
    ).exists()
    assert verify().ok


def test_record_carries_who_where_what(user: Callable[[str], Any]) -> None:
    from yusuan.audit import context

    token = context.bind(
        context.RequestContext(ip_address="10.1.2.3", session_hash="abc", request_id="r1")
    )
    try:
        with transaction.atomic():
            record = audit_record(
                action="test.event",
                actor=user("school_clerk"),
                object_type="t",
                object_id="9",
                changes={"a": [1, 2]},
            )
    finally:
        context.reset(token)
    assert (
        record.actor_username,
        record.organisation_code,
        record.role_codes,
        record.ip_address,
    ) == (
        "school_clerk",
        user("school_clerk").organisation.code,
        "unit_clerk",
        "10.1.2.3",
    )
    assert record.changes == {"a": [1, 2]}


def test_audit_log_page_is_scoped(client_as: Any) -> None:
    assert client_as("wj_auditor").get("/audit/?q=教育局").status_code == 200
    assert client_as("school_clerk").get("/audit/").status_code == 403


def test_record_inserted_between_seals_is_named(user: Callable[[str], Any]) -> None:
    """Seal ranges are contiguous: a record slipped under the last seal is in no seal and fails."""
    _sealed()
    last = AuditSeal.objects.order_by("-last_record_id").first()
    with transaction.atomic():
        late = audit_record(
            action="test.event", actor=user("wj_admin"), object_type="test", object_id="1"
        )
    seal(lag_seconds=0)
    newest = AuditSeal.objects.order_by("-last_record_id").first()
    assert newest.first_record_id == last.last_record_id + 1
    _disable_append_only_triggers()
    with connection.cursor() as cursor:
        # A gap between two seals: move the newest seal's range up, as if its first id were unused.
        cursor.execute(
            "UPDATE audit_auditseal SET first_record_id = %s, last_record_id = %s WHERE id = %s",
            [late.pk + 1, late.pk + 1, newest.pk],
        )
    result = verify()
    assert not result.ok
    assert result.failed_record_id == late.pk
    assert "covered by no seal" in result.failure


def test_anchor_detects_a_consistently_rewritten_chain(db: Any) -> None:
    _sealed()
    out = StringIO()
    call_command("audit_verify", stdout=out)
    anchor = out.getvalue().split("锚点: ")[1].strip()
    seal_id, digest = anchor.split(":")
    assert AuditSeal.objects.get(pk=int(seal_id)).digest == digest
    call_command("audit_verify", anchor=anchor, stdout=StringIO())
    with pytest.raises(CommandError, match=f"seal {seal_id}: digest differs"):
        call_command("audit_verify", anchor=f"{seal_id}:{'0' * 64}", stdout=StringIO())
    with pytest.raises(CommandError, match="SEAL_ID:DIGEST"):
        call_command("audit_verify", anchor="nonsense", stdout=StringIO())
