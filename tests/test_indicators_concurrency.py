"""The indicator ledger under real concurrency (ADR 0009, R-IN-3, P2, P11).

Sixteen threads, each with its own database connection, freeze, pay, unfreeze and restore on one
hot line and, with operations spanning several lines named in random order, on three shared
lines. Every worker keeps its own tally of the money it moved, so the final buckets must equal
the sum of the tallies exactly: nothing overspent, nothing lost, no bucket negative, every line
reconciled with its movements, and no error reaching a caller other than the rule error for
money that is not there (no deadlock, no constraint violation, no lost update).

``last_yuan_freezes`` and ``keyed_freezes`` return what they observed; ``tests/
test_race_mutants.py`` runs them again on PostgreSQL with the guard removed (the conditional
update turned into a read-modify-write; the op_key no longer stored) and asserts that the race
is then lost.

Each scenario runs on PostgreSQL (row locks, a transactional test database) and on SQLite. The
SQLite test database is in memory with a shared cache, where concurrent writers fail at once
with "table is locked" instead of waiting; so the SQLite variant copies it, demo included, to a
file and points ``default`` at that file for the test: WAL, ``BEGIN IMMEDIATE`` and the busy
timeout of the production settings, with every thread on its own connection.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, connections

import pytest
from tests.indicator_helpers import issue, project, spec

from yusuan.common.errors import BusinessRuleError
from yusuan.identity.models import User
from yusuan.indicators.choices import MovementKind
from yusuan.indicators.models import BUCKETS, IndicatorLine, Movement
from yusuan.indicators.selectors import reconcile
from yusuan.indicators.services import Op, apply

THREADS = 16
INSUFFICIENT = "indicators.insufficient"


# --- Databases -------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_file_db(db: None, tmp_path: Path) -> Iterator[None]:
    """``default`` is a file copy of the SQLite test database for the duration of the test.

    The in-memory test database stays inside the test's rolled-back transaction and untouched
    (no flush, so the append-only trigger on movements never meets a DELETE); the copy is
    deleted with ``tmp_path``.
    """
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite variant runs when the suite runs on SQLite")
    path = tmp_path / "ledger.sqlite3"
    memory = connections["default"]
    memory.ensure_connection()
    path.write_bytes(memory.connection.serialize())
    memory_settings = connections.settings["default"]
    connections.settings["default"] = {**memory_settings, "NAME": str(path)}
    on_file = connections.create_connection("default")
    connections["default"] = on_file  # this thread; the workers' threads open their own
    try:
        yield
    finally:
        on_file.close()
        connections["default"] = memory
        connections.settings["default"] = memory_settings


# --- Helpers ---------------------------------------------------------------------------------------


def _lines(*amounts: int) -> list[int]:
    """Executable lines issued through a posted document, as the budget office would."""
    budget = User.objects.get(username="wj_budget")
    chief = User.objects.get(username="wj_budget_chief")
    clerk = User.objects.get(username="school_clerk")
    proj = project(clerk.organisation, clerk)
    lines = issue(budget, chief, [(spec(clerk.organisation, proj), fen) for fen in amounts])
    return [line.pk for line in lines]


def _actor_id() -> int:
    return User.objects.values_list("pk", flat=True).get(username="school_clerk")


def _in_threads(work: Callable[[int], Any], count: int = THREADS) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; results or raised exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results


def _refused(exc: BusinessRuleError) -> bool:
    return [error.code for error in exc.errors] == [INSUFFICIENT]


@dataclass
class Tally:
    """What one worker moved: money it froze and has not settled, money it paid and has not had
    restored, and the operations that succeeded or were refused."""

    frozen: Counter[int] = field(default_factory=Counter)
    paid: Counter[int] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    legs: Counter[str] = field(default_factory=Counter)


def _worker(lines: list[int], actor_id: int, seed: int, rounds: int, most: int) -> Tally:
    """Random freezes (refused when the money is not there) settled by pay, unfreeze or a mix,
    some left in flight, some payments restored; a worker only settles what it froze itself, so
    only a freeze may ever be refused."""
    rng = random.Random(seed)
    tally = Tally()
    in_flight: list[dict[int, int]] = []

    def move(operation: str, amounts: dict[int, int]) -> None:
        ops = [Op(line, fen) for line, fen in amounts.items() if fen > 0]
        if not ops:
            return
        rng.shuffle(ops)  # any order in, ascending line ids inside the ledger
        apply(operation, ops, actor_id=actor_id, source_type="test", source_id=str(seed))
        tally.operations[operation] += 1
        tally.legs[operation] += len(ops)

    for _ in range(rounds):
        chosen = rng.sample(lines, rng.randint(1, len(lines)))
        wanted = {line: rng.randint(1, most) for line in chosen}
        try:
            move("freeze", wanted)
        except BusinessRuleError as exc:
            if not _refused(exc):
                raise
            tally.operations["refused"] += 1
        else:
            tally.frozen.update(wanted)
            in_flight.append(wanted)
        if in_flight and rng.random() < 0.8:
            frozen = in_flight.pop(rng.randrange(len(in_flight)))
            settle = rng.random()
            pay = {
                line: fen if settle < 0.5 else rng.randint(0, fen) if settle < 0.8 else 0
                for line, fen in frozen.items()
            }
            move("pay", pay)
            tally.frozen.subtract(pay)
            tally.paid.update(pay)
            release = {line: fen - pay[line] for line, fen in frozen.items()}
            move("unfreeze", release)
            tally.frozen.subtract(release)
        if rng.random() < 0.2:
            restore = {line: rng.randint(0, fen) for line, fen in tally.paid.items() if fen > 0}
            move("restore", restore)
            tally.paid.subtract(restore)
    return tally


def _assert_books(lines: dict[int, int], results: list[Any]) -> list[Tally]:
    """Buckets equal the workers' tallies exactly; no bucket negative; the ledger reconciles."""
    unexpected = [r for r in results if not isinstance(r, Tally)]
    assert unexpected == []
    tallies: list[Tally] = results
    for pk, issued in lines.items():
        line = IndicatorLine.objects.get(pk=pk)
        frozen = sum(t.frozen[pk] for t in tallies)
        paid = sum(t.paid[pk] for t in tallies)
        assert frozen + paid <= issued
        assert (line.total, line.frozen, line.paid, line.available) == (
            issued,
            frozen,
            paid,
            issued - frozen - paid,
        )
        assert min(getattr(line, bucket) for bucket in BUCKETS) >= 0
    movements = Counter(
        Movement.objects.filter(line__in=list(lines), source_type="test").values_list(
            "kind", flat=True
        )
    )
    legs = sum((t.legs for t in tallies), Counter[str]())
    assert movements == Counter(
        {
            MovementKind.FREEZE.value: legs["freeze"],
            MovementKind.PAY.value: legs["pay"],
            MovementKind.UNFREEZE.value: legs["unfreeze"],
            MovementKind.REFUND_RESTORE.value: legs["restore"],
        }
    )
    assert reconcile() == []
    return tallies


# --- Scenarios -------------------------------------------------------------------------------------


def one_hot_line_is_never_overspent() -> None:
    [hot] = _lines(3_000_00)
    actor_id = _actor_id()
    results = _in_threads(lambda i: _worker([hot], actor_id, seed=i, rounds=25, most=100_00))
    tallies = _assert_books({hot: 3_000_00}, results)
    operations = sum((t.operations for t in tallies), Counter[str]())
    # The line ran dry under contention, so the conditional update did refuse, and money moved.
    assert operations["refused"] > 0
    assert operations["freeze"] > THREADS and operations["pay"] > 0


def multi_line_operations_in_random_order_do_not_deadlock() -> None:
    issued = [2_000_00, 1_500_00, 1_000_00]
    lines = _lines(*issued)
    actor_id = _actor_id()
    results = _in_threads(lambda i: _worker(lines, actor_id, seed=100 + i, rounds=25, most=80_00))
    tallies = _assert_books(dict(zip(lines, issued, strict=True)), results)
    operations = sum((t.operations for t in tallies), Counter[str]())
    legs = sum((t.legs for t in tallies), Counter[str]())
    assert operations["refused"] > 0
    assert legs["freeze"] > operations["freeze"], "some freezes spanned several lines"


def last_yuan_freezes() -> tuple[list[Any], tuple[int, int]]:
    """Sixteen freezes of 100.00 at once on a line where only five fit: each result (True,
    False when refused for want of money, or what was raised) and the line's (available,
    frozen)."""
    fits, amount = 5, 100_00
    [last] = _lines(fits * amount + amount - 1)
    actor_id = _actor_id()

    def freeze(index: int) -> bool:
        try:
            return apply("freeze", [Op(last, amount)], actor_id=actor_id, source_type="test")
        except BusinessRuleError as exc:
            if not _refused(exc):
                raise
            return False

    results = _in_threads(freeze)
    line = IndicatorLine.objects.get(pk=last)
    return results, (line.available, line.frozen)


def keyed_freezes() -> tuple[list[Any], tuple[int, int], int]:
    """Sixteen retries of one payment (one op_key) at once: each result, the line's (available,
    frozen) and the movements stored under the key."""
    [keyed] = _lines(1_000_00)
    actor_id = _actor_id()
    results = _in_threads(
        lambda i: apply("freeze", [Op(keyed, 30_00)], actor_id=actor_id, op_key="payment-1")
    )
    line = IndicatorLine.objects.get(pk=keyed)
    return (
        results,
        (line.available, line.frozen),
        Movement.objects.filter(op_key="payment-1").count(),
    )


def race_for_the_last_yuan() -> None:
    """Sixteen freezes of 100.00 where only five fit: exactly five succeed; and sixteen retries
    of one payment (one op_key) freeze it once."""
    results, buckets = last_yuan_freezes()
    assert (results.count(True), results.count(False)) == (5, THREADS - 5), results
    assert buckets == (100_00 - 1, 5 * 100_00)

    results, buckets, movements = keyed_freezes()
    assert (results.count(True), results.count(False)) == (1, THREADS - 1), results
    assert (buckets, movements) == ((970_00, 30_00), 1)
    assert reconcile() == []


SCENARIOS = [
    one_hot_line_is_never_overspent,
    multi_line_operations_in_random_order_do_not_deadlock,
    race_for_the_last_yuan,
]


@pytest.mark.postgres
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_on_postgresql(
    scenario: Callable[[], None], reload_demo_after: None, transactional_db: None
) -> None:
    scenario()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_on_sqlite(scenario: Callable[[], None], sqlite_file_db: None) -> None:
    scenario()
