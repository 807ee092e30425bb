"""On PostgreSQL a posting that does not balance cannot commit (ADR 0009, issue 14 item 5): a
deferred constraint trigger checks Σ (d_total − d_allocated + d_outside) = 0 per posting."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

import pytest

from yusuan.indicators.choices import MovementKind
from yusuan.indicators.models import IndicatorLine, Movement

pytestmark = pytest.mark.postgres


def _insert(line: IndicatorLine, posting: uuid.UUID, fen: int, kind: MovementKind) -> None:
    """A movement written by hand, as a bug or someone with the database password would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO indicators_movement (posting, line_id, kind, d_total, d_available, "
            "d_allocated, d_reserved, d_frozen, d_held, d_paid, d_outside, document_id, "
            "source_type, source_id, source_no, op_key, actor_id, created_at) VALUES "
            "(%s, %s, %s, %s, %s, 0, 0, 0, 0, 0, 0, NULL, '', '', '', NULL, NULL, %s)",
            [posting, line.pk, kind.value, fen, fen, timezone.now()],
        )


def _lines() -> tuple[IndicatorLine, IndicatorLine]:
    first, second = IndicatorLine.objects.order_by("pk")[:2]
    return first, second


def _check_now() -> None:
    # What the commit does: the deferred constraint triggers run.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.django_db
def test_an_unbalanced_posting_is_refused_when_checked() -> None:
    source, _ = _lines()
    posting = uuid.uuid4()

    def forge() -> None:
        with transaction.atomic():
            _insert(source, posting, 100_00, MovementKind.ADJUST_IN)  # 100.00 from nowhere
            _check_now()

    with pytest.raises(IntegrityError) as caught:
        forge()
    message = str(caught.value)
    assert f"posting {posting} does not balance by 10000 fen" in message
    assert "借贷不平，差额 10000 分" in message
    assert not Movement.objects.filter(posting=posting).exists()


@pytest.mark.django_db
def test_a_balanced_pair_passes_the_trigger() -> None:
    # (audit_verify and reconcile name it: tests/test_ledger_provable.py)
    source, target = _lines()
    posting = uuid.uuid4()
    with transaction.atomic():
        _insert(source, posting, -100_00, MovementKind.ADJUST_OUT)
        _insert(target, posting, 100_00, MovementKind.ADJUST_IN)
        _check_now()
    assert Movement.objects.filter(posting=posting).count() == 2


def test_an_unbalanced_posting_fails_at_commit(
    reload_demo_after: None, transactional_db: Any
) -> None:
    source, target = _lines()
    posting = uuid.uuid4()

    def forge() -> None:
        with transaction.atomic():  # commits here: no test transaction around it
            _insert(source, posting, -100_00, MovementKind.ADJUST_OUT)
            _insert(target, posting, 100_01, MovementKind.ADJUST_IN)  # one fen too many

    with pytest.raises(IntegrityError, match="does not balance by 1 fen"):
        forge()
    assert not Movement.objects.filter(posting=posting).exists()
    # The next posting, balanced, commits: the check remembers nothing of the refused one.
    good = uuid.uuid4()
    with transaction.atomic():
        _insert(source, good, -1, MovementKind.ADJUST_OUT)
        _insert(target, good, 1, MovementKind.ADJUST_IN)
    assert Movement.objects.filter(posting=good).count() == 2
