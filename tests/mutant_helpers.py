"""Deliberate bugs ("mutants") for the tests that prove a property test or a race test bites.

Each helper applies one mutant with ``monkeypatch`` for the duration of a test; the source is
never edited. A mutant test runs the very same machine or race body as the ordinary test and
asserts the opposite outcome: the property or the race now fails (docs/development/testing.md,
"Property tests that bite").
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, QuerySet

import pytest

from yusuan.audit import idempotency
from yusuan.audit.models import IdempotencyRecord
from yusuan.common.errors import BusinessRuleError
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.services import ledger


def posting_forgets_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    """R-IN-7 broken: a posting no longer draws from (or gives back to) its source, so the
    indicator ledger's ``d_outside`` is matched by no source draw."""
    from yusuan.indicators.services import posting

    monkeypatch.setattr(posting, "_draws", lambda document: [])


def ledger_forgets_op_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """P11 broken: every posting reaches the ledger without its ``op_key``, so the movement is
    stored without it and a retried operation posts again."""
    post = ledger.post

    def forgetful(posting: ledger.Posting) -> bool:
        return post(dataclasses.replace(posting, op_key=None))

    monkeypatch.setattr(ledger, "post", forgetful)


def ledger_read_modify_write(monkeypatch: pytest.MonkeyPatch, pause: float = 0.05) -> None:
    """R-IN-3 broken: the conditional ``UPDATE … WHERE bucket >= amount`` becomes a read of the
    line, a check in Python and a write of the new balances. ``pause`` between the read and the
    write lets concurrent workers read the same balance (what a busy server does by chance)."""
    columns = ledger.DELTA_COLUMNS

    def read_modify_write(cursor: Any, leg: ledger.Leg) -> None:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {ledger.LINE_TABLE} WHERE id = %s",  # noqa: S608
            [leg.line_id],
        )
        balances = dict(zip(columns, cursor.fetchone(), strict=True))
        for column, delta in leg.deltas.items():
            if balances[column] + delta < 0:
                line = IndicatorLine.objects.get(pk=leg.line_id)
                raise BusinessRuleError(
                    [
                        ledger.insufficient(
                            line, column, -delta, rule=leg.rule, field=leg.field, row=leg.row
                        )
                    ]
                )
        time.sleep(pause)
        sets = ", ".join(f"{column} = %s" for column in columns)
        cursor.execute(
            f"UPDATE {ledger.LINE_TABLE} SET {sets} WHERE id = %s",  # noqa: S608
            [balances[c] + leg.deltas.get(c, 0) for c in columns] + [leg.line_id],
        )

    def never_matches(leg: ledger.Leg) -> tuple[str, list[Any]]:
        # PostgreSQL's keyed posting runs the first leg's update inside its insert statement;
        # an update that matches nothing makes it fall back to ``_update`` (the mutant above).
        return f"UPDATE {ledger.LINE_TABLE} SET total = total WHERE id = %s AND 1 = 0", [  # noqa: S608
            leg.line_id
        ]

    monkeypatch.setattr(ledger, "_update", read_modify_write)
    monkeypatch.setattr(ledger, "_update_sql", never_matches)


def no_row_locks(monkeypatch: pytest.MonkeyPatch, pause: float = 0.2) -> None:
    """Every ``select_for_update()`` is dropped: the rows are read without a lock. ``pause``
    after each such read lets concurrent workers read the same rows before either writes (what
    a busy server does by chance)."""
    unlocked: dict[type[QuerySet[Any]], type[QuerySet[Any]]] = {}

    def select_for_update(self: QuerySet[Any], *args: Any, **kwargs: Any) -> QuerySet[Any]:
        base = type(self)
        if base not in unlocked:

            def _fetch_all(qs: QuerySet[Any]) -> None:
                fresh = qs._result_cache is None  # type: ignore[attr-defined]
                base._fetch_all(qs)  # type: ignore[attr-defined]
                if fresh:
                    time.sleep(pause)

            unlocked[base] = type(f"Unlocked{base.__name__}", (base,), {"_fetch_all": _fetch_all})
        clone = self._chain()  # type: ignore[attr-defined]
        clone.__class__ = unlocked[base]
        return clone  # type: ignore[no-any-return]

    monkeypatch.setattr(QuerySet, "select_for_update", select_for_update)


def idempotency_check_then_insert(monkeypatch: pytest.MonkeyPatch, parties: int = 4) -> None:
    """P11 broken: ``run_once`` looks the key up first and stores it after the change, instead of
    inserting it first and letting a concurrent duplicate wait on the unique index.

    The ``parties`` requests of the race all look before any of them goes on (a barrier; 5 s at
    most): the window the mutant opens is then always hit, whatever the scheduler does on a
    loaded machine — else the first request could finish before the others look, and they would
    replay its answer as the real code does (a mutant that did not bite)."""
    looked = threading.Barrier(parties, timeout=5)

    def run_once(
        *,
        key: str | None,
        actor_id: int,
        scope: str,
        body: Mapping[str, Any],
        execute: Callable[[], tuple[int, Any]],
    ) -> idempotency.StoredResult:
        if key is None:
            status, result = execute()
            return idempotency.StoredResult(status, result, replayed=False)
        digest = idempotency.request_digest(body)
        with transaction.atomic():
            existing = IdempotencyRecord.objects.filter(
                actor_id=actor_id, scope=scope, key=key
            ).first()
            with contextlib.suppress(threading.BrokenBarrierError):
                looked.wait()
            if existing is not None and existing.request_digest == digest:
                return idempotency.StoredResult(
                    existing.status_code or 0, existing.response_body, replayed=True
                )
            status, result = execute()
            IdempotencyRecord.objects.create(
                key=key,
                actor_id=actor_id,
                scope=scope,
                request_digest=digest,
                status_code=status,
                response_body=result,
            )
        return idempotency.StoredResult(status, result, replayed=False)

    monkeypatch.setattr(idempotency, "run_once", run_once)


@contextmanager
def without_constraints(model: type[Model], *names: str) -> Iterator[None]:
    """The named database constraints of ``model`` are dropped for the block (a transactional
    PostgreSQL test only). Afterwards the table is emptied (the rows the mutant let in would
    violate them; the test's flush empties every table anyway) and the constraints restored."""
    constraints = [c for c in model._meta.constraints if c.name in names]
    assert sorted(c.name for c in constraints) == sorted(names)
    with connection.schema_editor() as editor:
        for constraint in constraints:
            editor.remove_constraint(model, constraint)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
        with connection.schema_editor() as editor:
            for constraint in constraints:
                editor.add_constraint(model, constraint)


def plan_lines_read_modify_write(monkeypatch: pytest.MonkeyPatch, pause: float = 0.05) -> None:
    """R-GP-9 broken for plans (ADR 0052): a contract takes its share from the plan's line by a
    read, a check in Python and a write of the new ``consumed``, instead of the conditional
    update. Run with :func:`no_row_locks`, or the plan's lock serialises the takers anyway."""
    from yusuan.procurement.models import ProcurementPlanLine
    from yusuan.procurement.services import contracts

    def take(actor: Any, plan: Any, plan_lines: Any, lines: Any) -> None:
        for row, (line, fen) in enumerate(lines):
            taken = ProcurementPlanLine.objects.get(pk=plan_lines[line.pk].pk)
            if taken.remaining < fen:
                raise BusinessRuleError([contracts._plan_exceeded(plan, taken, line, fen, row)])
            time.sleep(pause)
            ProcurementPlanLine.objects.filter(pk=taken.pk).update(consumed=taken.consumed + fen)

    monkeypatch.setattr(contracts, "_take_from_plan", take)
