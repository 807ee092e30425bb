"""The indicator ledger's write path (ADR 0009): every balance change is one posting.

A posting is one or more legs, each the signed change of a line's buckets. It is applied as one
conditional ``UPDATE … WHERE id = %s AND <each decreasing bucket> >= <amount>`` per line, in
ascending line id order (no deadlocks), plus the movement rows, inside one transaction. Zero rows
updated means the money is not there: the posting raises a rule error with the line, the bucket
and both figures, and the transaction leaves nothing behind (if the explaining read finds the
money back, put there by a transaction that committed meanwhile, the same update is tried
again). No balance is ever read and written back from Python (R-IN-3).

These functions trust their caller for scope and permission: the document services above them
(indicator documents here, payments and contracts later) check those first.

Idempotency (P11): a posting may carry an ``op_key``; the first leg's movement is inserted with
``ON CONFLICT (op_key) DO NOTHING`` before any update, so a retried or concurrent duplicate
posts nothing and reports ``False``. On PostgreSQL that insert and the first line's update are
one statement (a data-modifying CTE), so a one-line operation is three round trips: the
statement, and the transaction's begin and commit.

Provability (ADR 0017): each movement's id and content digest is handed to the audit record the
calling business action writes next in the same transaction (``extra["movements"]``); sealed
with it, it lets ``yusuan audit_verify`` and ``yusuan reconcile`` name any movement that no
audited action accounts for, or whose content changed. No extra statement: the ids come back
from the inserts themselves (``RETURNING``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from yusuan.audit.attachments import attach
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError
from yusuan.common.money import Money
from yusuan.indicators import locks
from yusuan.indicators.choices import LineKind, MovementKind
from yusuan.indicators.models import (
    BUCKETS,
    MOVEMENT_HASHED_FIELDS,
    MOVEMENTS_AUDIT_KEY,
    IndicatorLine,
    Movement,
    movement_digest,
)

LINE_TABLE = IndicatorLine._meta.db_table
MOVEMENT_TABLE = Movement._meta.db_table
DELTA_COLUMNS = ("total", *BUCKETS)
BUCKET_LABELS: dict[str, tuple[str, str]] = {
    "total": ("指标总额", "total"),
    "available": ("可用余额", "available"),
    "allocated": ("已分解", "allocated"),
    "reserved": ("合同预留", "reserved for contracts"),
    "frozen": ("支付在途（冻结）", "frozen for payments"),
    "held": ("财政冻结", "frozen by finance"),
    "paid": ("已支付", "paid"),
}


@dataclass(frozen=True)
class Leg:
    """The change of one line: ``deltas`` maps bucket (or ``total``) to signed fen.

    ``rule``/``field``/``row`` name what the clerk sees if the money is not there.
    """

    line_id: int
    kind: str
    deltas: Mapping[str, int]
    d_outside: int = 0
    executable_only: bool = False
    rule: str = "R-IN-3"
    field: str = "amount"
    row: int | None = None

    def __post_init__(self) -> None:
        unknown = set(self.deltas) - set(DELTA_COLUMNS)
        if unknown:
            raise ValueError(f"unknown buckets {sorted(unknown)}")
        total = self.deltas.get("total", 0)
        if total != sum(v for k, v in self.deltas.items() if k != "total"):
            raise ValueError(f"leg on line {self.line_id} does not balance: {dict(self.deltas)}")


@dataclass(frozen=True)
class Posting:
    legs: Sequence[Leg]
    actor_id: int | None
    document_id: int | None = None
    source_type: str = ""
    source_id: str = ""
    source_no: str = ""
    op_key: str | None = None
    posting_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        if not self.legs:
            raise ValueError("a posting needs at least one leg")
        balance = sum(
            leg.deltas.get("total", 0) - leg.deltas.get("allocated", 0) + leg.d_outside
            for leg in self.legs
        )
        if balance != 0:
            raise ValueError(f"posting does not balance by {balance} fen")


# Every column but the id, in the digest's order (ADR 0017): what the inserts write.
_INSERT_COLUMNS = MOVEMENT_HASHED_FIELDS[1:]
_INSERT_SQL = (
    f"INSERT INTO {MOVEMENT_TABLE} ({', '.join(_INSERT_COLUMNS)}) VALUES "  # noqa: S608
    f"({', '.join(['%s'] * len(_INSERT_COLUMNS))})"
)


def _values(posting: Posting, leg: Leg, *, op_key: str | None, created: Any) -> list[Any]:
    """A movement's columns but the id, as Python values, in ``_INSERT_COLUMNS`` order."""
    return [
        posting.posting_id,
        leg.line_id,
        leg.kind,
        *(leg.deltas.get(c, 0) for c in DELTA_COLUMNS),
        leg.d_outside,
        posting.document_id,
        posting.source_type,
        posting.source_id,
        posting.source_no,
        op_key,
        posting.actor_id,
        created,
    ]


def _row(posting: Posting, leg: Leg, *, op_key: str | None, db: tuple[Any, Any]) -> list[Any]:
    """The same, with the posting's UUID and the time as the database takes them (``db``)."""
    posting_db, now = db
    return [posting_db, *_values(posting, leg, op_key=op_key, created=None)[1:-1], now]


# Rows per INSERT of a posting's unkeyed legs (SQLite allows 32,766 parameters, 18 per row).
INSERT_BATCH = 500
_RETURNING = ", ".join(["id", "line_id", "kind", *(f"d_{c}" for c in DELTA_COLUMNS), "d_outside"])


def _content(leg: Leg) -> tuple[Any, ...]:
    """What tells a posting's legs apart, as RETURNING gives it back (legs alike in all of it
    are interchangeable: their movements differ only by id)."""
    return (
        leg.line_id,
        str(leg.kind),
        *(leg.deltas.get(c, 0) for c in DELTA_COLUMNS),
        leg.d_outside,
    )


def _insert(
    cursor: Any, parts: Sequence[tuple[Posting, Sequence[Leg]]], *, now: Any
) -> list[list[tuple[int, Leg]]]:
    """Insert the unkeyed movements of each ``(posting, legs)`` (one statement per batch of
    rows, whatever the postings) and pair each id with its leg, per part. ``now``: the time as
    the database takes it."""
    by_content: dict[tuple[Any, ...], list[tuple[int, Leg]]] = {}
    rows: list[list[Any]] = []
    for index, (posting, legs) in enumerate(parts):
        posting_db = _posting_db(posting)
        for leg in legs:
            by_content.setdefault((str(posting_db), *_content(leg)), []).append((index, leg))
            rows.append(_row(posting, leg, op_key=None, db=(posting_db, now)))
    made: list[list[tuple[int, Leg]]] = [[] for _ in parts]
    for row in _insert_rows(cursor, rows, f"RETURNING posting, {_RETURNING}"):
        index, leg = by_content[(str(row[0]), *row[2:])].pop()
        made[index].append((row[1], leg))
    return made


def _insert_rows(cursor: Any, rows: Sequence[Sequence[Any]], tail: str) -> list[tuple[Any, ...]]:
    """Movement rows (``_INSERT_COLUMNS``) in one multi-row ``INSERT … <tail>`` per
    ``INSERT_BATCH`` rows; what their ``RETURNING`` gives back, in order."""
    returned: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        values = ", ".join([f"({', '.join(['%s'] * len(_INSERT_COLUMNS))})"] * len(batch))
        cursor.execute(
            f"INSERT INTO {MOVEMENT_TABLE} ({', '.join(_INSERT_COLUMNS)}) VALUES {values} "  # noqa: S608 (column names only)
            f"{tail}",
            [value for row in batch for value in row],
        )
        returned += cursor.fetchall()
    return returned


def _posting_db(posting: Posting) -> Any:
    """The posting's UUID as the database stores it."""
    return Movement._meta.get_field("posting").get_db_prep_value(posting.posting_id, connection)


def _attach_digests(posting: Posting, made: list[tuple[int, Leg]], created: Any) -> None:
    """Hand each movement's id and digest to the audit record the calling business action
    writes next in this transaction (ADR 0017): the sealed chain then covers the movement."""
    attach(key=MOVEMENTS_AUDIT_KEY, items=_digests(posting, made, created))


def _digests(posting: Posting, made: list[tuple[int, Leg]], created: Any) -> list[list[Any]]:
    """``[movement id, content digest (hex)]`` of each movement made for ``posting``."""
    return [
        [
            movement_id,
            movement_digest(
                dict(
                    zip(
                        MOVEMENT_HASHED_FIELDS,
                        [
                            movement_id,
                            # The keyed leg is the first one made; the others carry no key.
                            *_values(
                                posting,
                                leg,
                                op_key=posting.op_key if index == 0 else None,
                                created=created,
                            ),
                        ],
                        strict=True,
                    )
                )
            ).hex(),
        ]
        for index, (movement_id, leg) in enumerate(made)
    ]


def _update_sql(leg: Leg) -> tuple[str, list[Any]]:
    sets: list[str] = []
    params: list[Any] = []
    guards: list[str] = []
    guard_params: list[Any] = []
    for column in DELTA_COLUMNS:
        delta = leg.deltas.get(column, 0)
        if delta == 0:
            continue
        sets.append(f"{column} = {column} + %s")
        params.append(delta)
        if delta < 0:
            guards.append(f"{column} >= %s")
            guard_params.append(-delta)
    if leg.executable_only:
        guards.append("kind = %s")
        guard_params.append(LineKind.EXECUTABLE.value)
    where = " AND ".join(["id = %s", *guards])
    sql = f"UPDATE {LINE_TABLE} SET {', '.join(sets)} WHERE {where}"  # noqa: S608
    return sql, [*params, leg.line_id, *guard_params]


def post(posting: Posting) -> bool:
    """Apply a posting atomically; ``False`` when its ``op_key`` was already applied."""
    created = timezone.now()
    db = (_posting_db(posting), connection.ops.adapt_datetimefield_value(created))
    legs = locks.legs_in_lock_order(posting.legs)
    with transaction.atomic(), connection.cursor() as cursor:
        first = legs[0]
        updates = legs
        made: list[tuple[int, Leg]] = []  # the keyed movement first (its op_key is the posting's)
        if posting.op_key is not None:
            keyed = _row(posting, first, op_key=posting.op_key, db=db)
            if connection.vendor == "postgresql":
                # One round trip instead of two: the keyed insert and the first line's update
                # in one statement; the update runs only if the insert did (not a duplicate).
                sql, params = _update_sql(first)
                cursor.execute(
                    f"WITH ins AS ({_INSERT_SQL} ON CONFLICT (op_key) DO NOTHING RETURNING id),"  # noqa: S608 (column names only)
                    f" upd AS ({sql} AND EXISTS (SELECT 1 FROM ins) RETURNING 1)"
                    " SELECT (SELECT id FROM ins), (SELECT count(*) FROM upd)",
                    [*keyed, *params],
                )
                inserted, updated = cursor.fetchone()
                if inserted is None:
                    return False
                if not updated:
                    _update(cursor, first)  # explains the shortfall or tries once more
                updates = legs[1:]
            else:
                cursor.execute(_INSERT_SQL + " ON CONFLICT (op_key) DO NOTHING RETURNING id", keyed)
                row = cursor.fetchone()
                if row is None:
                    return False
                inserted = row[0]
            made.append((inserted, first))
            rest = legs[1:]
        else:
            rest = legs
        for leg in updates:
            _update(cursor, leg)
        if rest:
            made += _insert(cursor, [(posting, rest)], now=db[1])[0]
        _attach_digests(posting, made, created)
    return True


def post_many(postings: Sequence[Posting]) -> list[list[list[Any]] | None]:
    """Many keyed postings in a constant number of statements (issue 20: a bank file's results
    settle thousands of payment lines), each with exactly the movements ``post`` would make:
    its keyed first leg, inserted with ``ON CONFLICT (op_key) DO NOTHING`` (a posting applied
    before posts nothing, as in ``post``), then its other legs; the balances by one conditional
    update per ledger line, in ascending id order, of the sum of the posted legs on it.

    The guard is on that sum, so every leg of one line must move its buckets the same way (a
    batch of pays or unfreezes: each takes from ``frozen``); mixed directions are refused.
    Returns, per posting, its movements as ``[id, digest]`` for its own audit record (nothing
    is attached: the caller writes one record per posting), or ``None`` when its key was
    applied before."""
    if not postings:
        return []
    keys = [p.op_key for p in postings]
    if None in keys or len(set(keys)) != len(keys):
        raise ValueError("post_many: every posting needs its own op_key")
    created = timezone.now()
    now = connection.ops.adapt_datetimefield_value(created)
    ordered = [locks.legs_in_lock_order(p.legs) for p in postings]
    made: list[list[tuple[int, Leg]]] = [[] for _ in postings]
    with transaction.atomic(), connection.cursor() as cursor:
        index_of = {p.op_key: i for i, p in enumerate(postings)}
        rows = [
            _row(p, legs[0], op_key=p.op_key, db=(_posting_db(p), now))
            for p, legs in zip(postings, ordered, strict=True)
        ]
        keyed = "ON CONFLICT (op_key) DO NOTHING RETURNING op_key, id"
        for op_key, movement_id in _insert_rows(cursor, rows, keyed):
            index = index_of[op_key]
            made[index].append((movement_id, ordered[index][0]))
        posted = [i for i in range(len(postings)) if made[i]]
        for leg in _summed([leg for i in posted for leg in ordered[i]]):
            _update(cursor, leg)
        rest = _insert(cursor, [(postings[i], ordered[i][1:]) for i in posted], now=now)
        for i, more in zip(posted, rest, strict=True):
            made[i] += more
    return [
        _digests(postings[i], made[i], created) if made[i] else None for i in range(len(postings))
    ]


def _summed(legs: Sequence[Leg]) -> list[Leg]:
    """One leg per ledger line, in ascending line id: the sum of ``legs`` on it, named (rule,
    field, row) as its first one. Refused when two legs move one bucket opposite ways (a guard
    on the sum would then let a leg take money another leg of the batch brings)."""
    by_line: dict[int, list[Leg]] = {}
    for leg in legs:
        by_line.setdefault(leg.line_id, []).append(leg)
    summed = []
    for line_id in sorted(by_line):
        group = by_line[line_id]
        deltas: dict[str, int] = {}
        for leg in group:
            for column, delta in leg.deltas.items():
                before = deltas.get(column, 0)
                if before * delta < 0:
                    raise ValueError(f"post_many: line {line_id} {column} moves both ways")
                deltas[column] = before + delta
        first = group[0]
        summed.append(
            Leg(
                line_id=line_id,
                kind=first.kind,
                deltas=deltas,
                d_outside=sum(leg.d_outside for leg in group),
                executable_only=any(leg.executable_only for leg in group),
                rule=first.rule,
                field=first.field,
                row=first.row,
            )
        )
    return summed


# How often one leg's conditional update is tried. Under PostgreSQL's READ COMMITTED another
# transaction may put the money back (an unfreeze, a restore) between a refused update and the
# read that explains it; the update is then simply tried again, as the same conditional UPDATE.
UPDATE_TRIES = 3


def _update(cursor: Any, leg: Leg) -> None:
    """Apply one leg, or raise why the money is not there."""
    sql, params = _update_sql(leg)
    for _ in range(UPDATE_TRIES):
        cursor.execute(sql, params)
        if cursor.rowcount == 1:
            return
        error = _shortfall(leg)
        if error is not None:
            raise error
    raise _conflict(leg)


def insufficient(
    line: IndicatorLine, bucket: str, need_fen: int, *, rule: str, field: str, row: int | None
) -> ErrorDetail:
    """The one wording of "the money is not there": line, bucket, needed and left figures.
    Used by the posting itself and by the document checks that run before it."""
    label_zh, label_en = BUCKET_LABELS[bucket]
    need, left = Money(need_fen), Money(int(getattr(line, bucket)))
    prefix_zh, prefix_en = (
        (f"第 {row + 1} 行：", f"row {row + 1}: ") if row is not None else ("", "")
    )
    return ErrorDetail(
        code="indicators.insufficient",
        rule=rule,
        field=field,
        row=row,
        value=need.format(),
        limit=left.format(),
        message_zh=(
            f"{prefix_zh}指标 {line.code}（{line.summary}）{label_zh}不足：需要 {need} 元，"
            f"{label_zh} {left} 元"
        ),
        message_en=f"{prefix_en}indicator {line.code} has {left} {label_en}; {need} is needed",
    )


def _shortfall(leg: Leg) -> BusinessRuleError | None:
    """Why a conditional update matched no row: name the line, the bucket and both figures;
    ``None`` when the line, read now, has the money (another transaction just committed)."""
    line = IndicatorLine.objects.filter(pk=leg.line_id).first()
    if line is None:
        return NotFoundError("indicator line")
    if leg.executable_only and line.kind != LineKind.EXECUTABLE:
        return BusinessRuleError.single(
            code="indicators.not_executable",
            rule="R-IN-1",
            field=leg.field,
            row=leg.row,
            value=line.code,
            message_zh=f"指标 {line.code} 是待分指标，不能用于支付或合同",
            message_en=f"indicator {line.code} is pending allocation and cannot be spent",
        )
    for column in DELTA_COLUMNS:
        delta = leg.deltas.get(column, 0)
        if delta < 0 and int(getattr(line, column)) < -delta:
            return BusinessRuleError(
                [insufficient(line, column, -delta, rule=leg.rule, field=leg.field, row=leg.row)]
            )
    return None


def _conflict(leg: Leg) -> BusinessRuleError:
    """The money kept coming and going between the update and the read (rare): ask to retry."""
    line = IndicatorLine.objects.only("code").get(pk=leg.line_id)
    return BusinessRuleError.single(
        code="indicators.conflict",
        rule=leg.rule,
        field=leg.field,
        row=leg.row,
        value=line.code,
        message_zh=f"指标 {line.code} 余额刚被其他业务占用，请重试",
        message_en=f"indicator {line.code} changed concurrently; retry",
        status=409,
    )


# --- Operations for later modules (payments, contracts): two-phase like TigerBeetle's
# pending transfers: freeze (pending) → pay (post) or unfreeze (void).


@dataclass(frozen=True)
class Op:
    """``amount`` fen on one line; ``operation`` (one of :data:`MOVES`) overrides the call's for
    this line, so that one posting may mix moves (a contract payment freezes its contract's
    lines from their reservation and its other lines from available, R-GP-9)."""

    line_id: int
    amount: int
    row: int | None = None
    operation: str | None = None


def money_posting(
    operation: str,
    ops: Iterable[Op],
    *,
    actor_id: int | None,
    source_type: str = "",
    source_id: str = "",
    source_no: str = "",
    op_key: str | None = None,
) -> Posting:
    """The posting of one money operation (:data:`MOVES`) on one or several lines, as ``apply``
    posts it; ``post_many`` posts many of them at once."""
    legs = []
    for op in ops:
        kind, deltas, rule = MOVES[op.operation or operation]
        if op.amount <= 0:
            raise BusinessRuleError.single(
                code="indicators.amount_not_positive",
                field="amount",
                row=op.row,
                value=Money(op.amount).format(),
                limit="> 0",
                message_zh=f"金额必须大于 0（当前 {Money(op.amount)} 元）",
                message_en=f"the amount must be above 0 (got {Money(op.amount)})",
            )
        legs.append(
            Leg(
                line_id=op.line_id,
                kind=kind,
                deltas={k: v * op.amount for k, v in deltas.items()},
                executable_only=True,
                rule=rule,
                field="lines.amount" if op.row is not None else "amount",
                row=op.row,
            )
        )
    return Posting(
        legs=legs,
        actor_id=actor_id,
        source_type=source_type,
        source_id=source_id,
        source_no=source_no,
        op_key=op_key,
    )


# Bucket moves per operation, as +1/−1 multipliers of the amount.
MOVES: dict[str, tuple[str, dict[str, int], str]] = {
    "reserve": (MovementKind.RESERVE, {"available": -1, "reserved": 1}, "R-GP-9"),
    "unreserve": (MovementKind.UNRESERVE, {"reserved": -1, "available": 1}, "R-IN-3"),
    "freeze": (MovementKind.FREEZE, {"available": -1, "frozen": 1}, "R-PY-1"),
    "freeze_reserved": (MovementKind.FREEZE, {"reserved": -1, "frozen": 1}, "R-GP-9"),
    "unfreeze": (MovementKind.UNFREEZE, {"frozen": -1, "available": 1}, "R-IN-3"),
    "unfreeze_reserved": (MovementKind.UNFREEZE, {"frozen": -1, "reserved": 1}, "R-IN-3"),
    "pay": (MovementKind.PAY, {"frozen": -1, "paid": 1}, "R-IN-3"),
    "restore": (MovementKind.REFUND_RESTORE, {"paid": -1, "available": 1}, "R-RF-2"),
    # R-GP-9: a same-year refund of a payment on an open contract goes back to its reservation.
    "restore_reserved": (MovementKind.REFUND_RESTORE, {"paid": -1, "reserved": 1}, "R-GP-9"),
}


def correct(
    *,
    from_line_id: int,
    to_line_id: int,
    amount: int,
    actor_id: int | None,
    source_type: str,
    source_id: str,
    source_no: str,
    op_key: str,
) -> bool:
    """更正 (R-RF-5): paid money moves from one line to another without leaving the bank — the
    old line's paid becomes available, the new line's available becomes paid, in one posting."""
    legs = [
        Leg(
            line_id=from_line_id,
            kind=MovementKind.CORRECT_OUT,
            deltas={"paid": -amount, "available": amount},
            executable_only=True,
            rule="R-RF-5",
        ),
        Leg(
            line_id=to_line_id,
            kind=MovementKind.CORRECT_IN,
            deltas={"available": -amount, "paid": amount},
            executable_only=True,
            rule="R-RF-5",
            field="to_line",
        ),
    ]
    return post(
        Posting(
            legs=legs,
            actor_id=actor_id,
            source_type=source_type,
            source_id=source_id,
            source_no=source_no,
            op_key=op_key,
        )
    )


def apply(
    operation: str,
    ops: Iterable[Op],
    *,
    actor_id: int | None,
    source_type: str = "",
    source_id: str = "",
    source_no: str = "",
    op_key: str | None = None,
) -> bool:
    """One money operation on one or several lines, all or nothing.

    ``operation`` is one of :data:`MOVES`: reserve/unreserve (contracts), freeze / pay / unfreeze
    (payments in flight, two-phase), restore (same-year refund).
    """
    return post(
        money_posting(
            operation,
            ops,
            actor_id=actor_id,
            source_type=source_type,
            source_id=source_id,
            source_no=source_no,
            op_key=op_key,
        )
    )
