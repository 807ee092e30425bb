"""Outermost service entry points open their own durable transaction: called inside another
one (a service that should have been composed differently) they refuse instead of silently
committing as part of the caller's work. A test's own transaction (pytest-django wraps each
``django_db`` test in TestCase atomics) does not count, so the services run as usual in tests."""

from collections.abc import Callable
from typing import Any

from django.db import transaction

import pytest

from yusuan.audit.chain import seal
from yusuan.audit.idempotency import run_once
from yusuan.identity.services import password_changed
from yusuan.workflow.services import escalate_overdue

pytestmark = pytest.mark.django_db

NESTED = "A durable atomic block cannot be nested within another atomic block."


def test_an_entry_point_runs_inside_the_test_transaction() -> None:
    # Given only pytest-django's test transaction, when the entry point runs, then it works.
    assert escalate_overdue() == 0


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda user: escalate_overdue(), id="escalate_overdue_case"),
        pytest.param(
            lambda user: password_changed(user=user("wj_admin")),
            id="password_changed_case",
        ),
        pytest.param(lambda user: seal(lag_seconds=0), id="audit_seal_case"),
        pytest.param(
            lambda user: run_once(
                key="k-1",
                actor_id=user("wj_admin").pk,
                scope="test",
                body={},
                execute=lambda: (200, {}),
            ),
            id="api_write_with_idempotency_key_case",
        ),
    ],
)
def test_an_entry_point_refuses_to_run_inside_another_transaction(
    call: Callable[[Any], Any], user: Callable[[str], Any]
) -> None:
    # Given a caller's own transaction, when an outermost entry point is called inside it,
    # then it refuses.
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        call(user)
