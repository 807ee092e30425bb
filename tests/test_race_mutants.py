"""The races bite: each race test of the 16-connection suites fails once its guard is removed.

Every test here runs the very body of a race test (it returns what it observed) with one mutant
from ``tests/mutant_helpers.py`` applied by monkeypatching, and asserts the opposite of what the
race test asserts: the guard is what wins the race, not luck or another check. PostgreSQL only
(real parallel connections); see docs/development/testing.md, "Property tests that bite".
"""

from __future__ import annotations

import pytest
from tests import (
    test_concurrency,
    test_contract_reservations_race,
    test_indicators_concurrency,
    test_payments_concurrency,
    test_procurement_plans_race,
    test_workflow_concurrency,
)
from tests.mutant_helpers import (
    idempotency_check_then_insert,
    ledger_forgets_op_keys,
    ledger_read_modify_write,
    no_row_locks,
    plan_lines_read_modify_write,
    without_constraints,
)

from yusuan.common.errors import BusinessRuleError
from yusuan.payments.choices import RequestState
from yusuan.workflow.models import WorkflowInstance

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.usefixtures("reload_demo_after", "transactional_db"),
]

THREADS = 16


# --- the ledger's conditional update (R-IN-3, R-PY-1) ---------------------------------------------


def test_last_yuan_is_overspent_by_a_read_modify_write(monkeypatch: pytest.MonkeyPatch) -> None:
    ledger_read_modify_write(monkeypatch)
    results, (available, frozen) = test_indicators_concurrency.last_yuan_freezes()
    assert [r for r in results if not isinstance(r, bool)] == []
    # More than the five that fit were frozen, yet the line only lost the amount of a few
    # (lost updates): the books no longer add up.
    assert results.count(True) > 5
    assert frozen < results.count(True) * 100_00


def test_payment_requests_overspend_with_a_read_modify_write(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger_read_modify_write(monkeypatch)
    observed = test_payments_concurrency.requests_race_for_the_last_yuan()
    assert observed.other == []
    assert observed.frozen > 6
    assert observed.states[RequestState.SUBMITTED] > 6
    assert observed.buckets[1] < observed.frozen * 150_00  # lost updates


def test_contracts_over_reserve_with_a_read_modify_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """R-GP-9: without the conditional update, several contracts reserve the same last yuan."""
    ledger_read_modify_write(monkeypatch)
    results, (available, reserved), _ = (
        test_contract_reservations_race.contracts_race_for_the_last_yuan()
    )
    assert [r for r in results if not isinstance(r, bool | BusinessRuleError)] == []
    assert results.count(True) > 1
    assert reserved < results.count(True) * 600_00  # lost updates: the books no longer add up


def test_plans_over_reserve_with_a_read_modify_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """R-GP-2: without the ledger's conditional update, several plans reserve the same yuan."""
    ledger_read_modify_write(monkeypatch)
    observed = test_procurement_plans_race.plans_race_for_the_last_yuan()
    assert [r for r in observed.results if not isinstance(r, bool | BusinessRuleError)] == []
    assert observed.results.count(True) > 1
    assert observed.buckets[1] < observed.results.count(True) * 600_00  # lost updates


def test_contracts_overdraw_a_plan_without_its_lock_and_conditional_update(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """R-GP-9 (ADR 0052): without the plan's lock and its lines' conditional update, several
    contracts take the plan's last yuan."""
    no_row_locks(monkeypatch)
    plan_lines_read_modify_write(monkeypatch)
    observed = test_procurement_plans_race.contracts_race_for_the_plans_last_yuan()
    assert [r for r in observed.results if not isinstance(r, bool | BusinessRuleError)] == []
    assert observed.results.count(True) > 1
    assert observed.held[0] < observed.results.count(True) * 400_00  # lost updates


# --- the ledger's op_key (P11: ON CONFLICT on a unique column) -----------------------------------


def test_retries_of_one_payment_all_post_when_the_ledger_forgets_op_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ledger_forgets_op_keys(monkeypatch)
    results, (available, frozen), keyed = test_indicators_concurrency.keyed_freezes()
    assert results == [True] * THREADS
    assert (available, frozen, keyed) == (1_000_00 - THREADS * 30_00, THREADS * 30_00, 0)


# --- the idempotency record's unique index (P11) ------------------------------------------------


def test_double_click_takes_effect_twice_with_check_then_insert(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    idempotency_check_then_insert(monkeypatch)
    observed = test_concurrency.double_click()
    # No request waited for the first one's record: none is a replay of the first answer (the
    # real code answers four 201s, three replayed). The other three fail instead: on a unique
    # index when they ran at once (an IntegrityError, a 500 to the caller), or on the duplicate
    # payee the first one stored when the scheduler let it commit first (a 422) — which of the
    # two depends on thread timing on a loaded machine, the broken promise does not.
    assert observed.replayed == 0, observed
    assert observed.statuses.count(201) <= 1, observed
    assert all(s in ("IntegrityError", 422) for s in observed.statuses if s != 201), observed


# --- row locks and the one-open-round constraints (R-WF-6) --------------------------------------


def test_two_approvers_both_decide_without_row_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    no_row_locks(monkeypatch)
    approved, losers, approvals, _step = test_workflow_concurrency.two_approvers()
    assert (approved, losers, approvals) == (2, [], 2)


def test_simultaneous_submits_without_row_locks_are_still_caught_by_the_constraints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defence in depth: with the document's lock gone, the database's one-open-round
    constraints still let only one submit through (the next test removes both)."""
    no_row_locks(monkeypatch)
    submitted, refusals, rounds = test_workflow_concurrency.simultaneous_submits()
    assert (submitted, rounds) == (1, 1)
    assert set(refusals) == {"workflow.already_submitted"}


def test_simultaneous_submits_open_several_rounds_without_locks_and_constraints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_row_locks(monkeypatch)
    with without_constraints(WorkflowInstance, "workflow_one_open_round", "workflow_round_unique"):
        submitted, _refusals, rounds = test_workflow_concurrency.simultaneous_submits()
    assert submitted > 1 and rounds > 1


def test_a_resent_bank_result_conflicts_without_the_line_lock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_row_locks(monkeypatch)
    outcomes, _state, _reconciled = (
        test_payments_concurrency.bank_result_resent_while_the_first_commits()
    )
    assert type(outcomes[0]).__name__ == "ResultOutcome" and outcomes[0].replayed is False
    # The resend did not wait for the first to commit: it found the line open, then met the
    # first's result on the unique index and was refused as a conflict instead of a replay.
    assert isinstance(outcomes[1], BusinessRuleError), outcomes
    assert outcomes[1].errors[0].code == "payments.result_settled"
