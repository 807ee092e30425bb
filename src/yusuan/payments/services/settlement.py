"""Settling payment lines with the bank's results (DOMAIN §2.10, P11): one line at a time
(``settle_line``, shared with the treasury's 实拨 receipts), or a whole bank file's results at
once in a constant number of statements (``settle_batch``, ADR 0049). ``services.bank`` decides
which results are valid and calls these; a line settles once, under the ledger key
``payments.line:<id>:settle`` (``settle_key``), whichever way it was paid."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from yusuan.audit.services import AuditEntry, audit_record, audit_records, state_changes
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.bulk import insert_rows
from yusuan.common.errors import BusinessRuleError
from yusuan.common.ids import parse_int
from yusuan.common.money import Money
from yusuan.indicators.events import IndicatorRef, indicator_refs
from yusuan.indicators.models import MOVEMENTS_AUDIT_KEY
from yusuan.indicators.services.ledger import Op, apply, money_posting, post_many
from yusuan.payments import locks
from yusuan.payments.agent_banks import actor_bank
from yusuan.payments.choices import LineState, RequestState
from yusuan.payments.events import PAYMENT_FAILED, PAYMENT_SETTLED, line_failed, line_settled
from yusuan.payments.models import BankResult, PaymentCharge, PaymentLine, PaymentRequest
from yusuan.payments.services.requests import set_state
from yusuan.procurement.models import Contract
from yusuan.procurement.services.reservations import commit_instalment, give_back


@dataclass(frozen=True)
class ResultInput:
    """One bank result. ``message_id`` and ``entry_id`` are what the result is kept under (one
    result per pair, P11); ``message_id`` is also the bank file the result answers unless
    ``sent_message_id`` says otherwise (a pain.002 report has its own MsgId and names our file in
    ``OrgnlMsgId``)."""

    message_id: str
    entry_id: str
    end_to_end_id: str
    accepted: bool
    reason: str = ""
    sent_message_id: str = ""
    # R-PY-10: the bank's value date of the payment, from its message; the day it is recorded
    # when the message gives none.
    value_date: dt.date | None = None

    @property
    def answers(self) -> str:
        """The ``message_id`` of the bank file (pain.001) this result is for."""
        return self.sent_message_id or self.message_id

    @property
    def answers_field(self) -> str:
        return "OrgnlMsgId" if self.sent_message_id else "message_id"


@dataclass(frozen=True)
class ResultOutcome:
    end_to_end_id: str
    replayed: bool
    line_state: str


def _by_line(ops: list[Op]) -> dict[int, int]:
    amounts: dict[int, int] = {}
    for op in ops:
        amounts[op.line_id] = amounts.get(op.line_id, 0) + op.amount
    return amounts


def settle_line(
    *,
    actor: Actor,
    line: PaymentLine,
    item: ResultInput,
    audit_action: str,
    audit_extra: dict[str, Any],
    why: str = "bank",
) -> None:
    """Settle one open, locked payment line whose result was just recorded: the ledger (frozen →
    paid, or back to available / the contract's reservation), the line's state, the audit
    record, the money event, and the request's state with its last open line. Shared by the
    agent bank's results and the treasury's 实拨 receipts (R-PY-12): one line settles once,
    under one ledger key, whichever way it was paid."""
    request = line.request
    # Locked so that two last results of one request, settled at once, see each other; before
    # the ledger, as a batch locks it (payments.locks: lines, requests, then the ledger's lines).
    list(locks.request_qs_select_for_update().filter(pk=request.pk).values_list("pk"))
    key = settle_key(line)
    charges = list(line.charges.values_list("indicator_line_id", "amount"))
    ops = [Op(indicator_line_id, fen, row=line.row) for indicator_line_id, fen in charges if fen]
    if not item.accepted and request.contract_id is not None:
        # R-GP-9: a failed payment gives the contract back its reservation (once closed, the
        # money is available again); the contract is locked before the ledger lines.
        back = give_back(contract_id=request.contract_id, amounts=_by_line(ops))
        ops = [replace(o, operation="unfreeze_reserved") if o.line_id in back else o for o in ops]
    posted = apply(
        "pay" if item.accepted else "unfreeze",
        ops,
        actor_id=actor.pk,
        source_type="payments.line",
        source_id=str(line.pk),
        source_no=item.end_to_end_id,
        op_key=key,
    )
    if not item.accepted and line.is_gov_pur and request.contract_id is not None:
        Contract.objects.filter(pk=request.contract_id).update(
            committed=F("committed") - line.amount
        )
        # R-GP-10: its schedule node may pay it again.
        commit_instalment(instalment_id=request.instalment_id, fen=-line.amount)
    line.state = LineState.PAID if item.accepted else LineState.FAILED
    line.save(update_fields=["state"])
    audit_record(
        action=audit_action,
        actor=actor,
        obj=request,
        extra={
            "line": item.end_to_end_id,
            "paid": item.accepted,
            "amount": Money(line.amount).format(),
            "reason": item.reason,
        }
        | audit_extra,
    )
    if posted and item.accepted:
        PAYMENT_SETTLED.publish_built(
            lambda: line_settled(
                line,
                event_id=key,
                message_id=item.message_id,
                entry_id=item.entry_id,
                value_date=item.value_date,
                charges=charges,
            )
        )
    elif posted:
        PAYMENT_FAILED.publish_built(
            lambda: line_failed(
                line,
                event_id=key,
                message_id=item.message_id,
                entry_id=item.entry_id,
                reason=item.reason,
                reserved=[(o.line_id, o.amount) for o in ops if o.operation],
                charges=charges,
            )
        )
    # The request is settled with its last open line (a salary batch has thousands of lines:
    # one indexed existence test per result, the states read once at the end).
    if not request.lines.filter(state=LineState.OPEN).exists():
        states = set(request.lines.order_by().values_list("state", flat=True).distinct())
        set_state(actor=actor, request=request, state=_final_state(states), why=why)


class LineByLineError(Exception):
    """The batch met what only the line-by-line path handles, and names: a refused entry, a
    contract's failed payment, a concurrent writer of the same entry."""


# What ``bank._lock_in_order`` read under its locks: each locked line by (the message id of the
# file it was sent in, its voucher's number, its row), its request read with it.
Locked = dict[tuple[str, str, int], PaymentLine]


def _batch_lines(items: list[ResultInput], locked: Locked) -> list[PaymentLine]:
    """The line of each result, in ``items``' order, from the lines the batch locked."""
    lines = []
    for item in items:
        number, _, row = item.end_to_end_id.rpartition("-")
        row_no = parse_int(row)
        line = locked.get((item.answers, number, row_no - 1)) if row_no else None
        if line is None:
            raise LineByLineError  # not a transfer of its file: named line by line
        lines.append(line)
    return lines


def settle_batch(actor: Actor, items: list[ResultInput], locked: Locked) -> list[ResultOutcome]:
    """A bank's batch of results in a constant number of statements (issue 20): the same
    checks, keys and records as ``bank_result_record`` on each entry in turn — one bank result,
    one keyed ledger posting, one audit record and one money event per line, the request's
    state with its last open line — written together. Anything ``bank_result_record`` would
    refuse, or a failed payment of a contract (its reservation goes back, R-GP-9), raises
    ``LineByLineError``: the caller then runs the entries one by one, which names every refusal."""
    ensure_permission(actor, "payments.record_bank_result")
    lines = _batch_lines(items, locked)
    bank = actor_bank(actor)
    if bank is not None and any(
        line.request.payer_account.agent_bank_id != bank.pk for line in lines
    ):
        raise LineByLineError  # R-PY-9, named line by line
    recorded = {
        (r.message_id, r.entry_id): (r.line_id, r.accepted)
        for r in BankResult.objects.filter(
            message_id__in={i.message_id for i in items}, entry_id__in={i.entry_id for i in items}
        ).only("message_id", "entry_id", "line_id", "accepted")
    }
    state = {line.pk: line.state for line in lines}
    outcomes, new = [], []
    for item, line in zip(items, lines, strict=True):
        seen = recorded.get((item.message_id, item.entry_id))
        if state[line.pk] != LineState.OPEN:
            if seen != (line.pk, item.accepted):
                raise LineByLineError  # settled before, entry reused, or contradicted
            outcomes.append(ResultOutcome(item.end_to_end_id, True, state[line.pk]))
            continue
        if seen is not None or (not item.accepted and line.request.contract_id is not None):
            raise LineByLineError
        recorded[(item.message_id, item.entry_id)] = (line.pk, item.accepted)
        state[line.pk] = LineState.PAID if item.accepted else LineState.FAILED
        new.append((item, line))
        outcomes.append(ResultOutcome(item.end_to_end_id, False, state[line.pk]))
    if not new:
        return outcomes
    try:
        with transaction.atomic():
            _write_batch(actor, new)
    except (IntegrityError, BusinessRuleError) as exc:  # a concurrent result, a shortfall
        raise LineByLineError from exc
    return outcomes


def _write_batch(actor: Actor, new: list[tuple[ResultInput, PaymentLine]]) -> None:
    today = timezone.localdate()
    insert_rows(
        BankResult,
        [
            BankResult(
                message_id=item.message_id,
                entry_id=item.entry_id,
                line=line,
                accepted=item.accepted,
                reason=item.reason[:300],
                value_date=item.value_date or today,
                recorded_by_id=actor.pk,
            )
            for item, line in new
        ],
    )
    charges: dict[int, list[tuple[int, int]]] = {}
    for line_id, indicator_line_id, fen in (
        PaymentCharge.objects.filter(line_id__in=[line.pk for _item, line in new])
        .order_by("pk")
        .values_list("line_id", "indicator_line_id", "amount")
    ):
        charges.setdefault(line_id, []).append((indicator_line_id, fen))
    movements = post_many(
        [
            money_posting(
                "pay" if item.accepted else "unfreeze",
                [Op(il, fen, row=line.row) for il, fen in charges.get(line.pk, ()) if fen],
                actor_id=actor.pk,
                source_type="payments.line",
                source_id=str(line.pk),
                source_no=item.end_to_end_id,
                op_key=settle_key(line),
            )
            for item, line in new
        ]
    )
    for accepted, state in ((True, LineState.PAID), (False, LineState.FAILED)):
        ids = [line.pk for item, line in new if item.accepted == accepted]
        if ids:
            PaymentLine.objects.filter(pk__in=ids).update(state=state)
    for item, line in new:
        line.state = LineState.PAID if item.accepted else LineState.FAILED
    audit_records(
        action="payments.bank_result",
        actor=actor,
        entries=[
            AuditEntry(
                obj=line.request,
                extra={
                    "line": item.end_to_end_id,
                    "paid": item.accepted,
                    "amount": Money(line.amount).format(),
                    "reason": item.reason,
                    "bank_message": item.message_id,
                    "bank_file": item.answers,
                }
                | ({MOVEMENTS_AUDIT_KEY: made} if made else {}),
            )
            for (item, line), made in zip(new, movements, strict=True)
        ],
    )
    posted = [(item, line) for (item, line), made in zip(new, movements, strict=True) if made]

    @functools.cache
    def refs() -> dict[int, IndicatorRef]:  # read when someone listens, once for both channels
        return indicator_refs(il for _i, line in posted for il, _f in charges.get(line.pk, ()))

    PAYMENT_SETTLED.publish_many(
        lambda: [
            line_settled(
                line,
                event_id=settle_key(line),
                message_id=item.message_id,
                entry_id=item.entry_id,
                value_date=item.value_date,
                charges=charges.get(line.pk, ()),
                refs=refs(),
            )
            for item, line in posted
            if item.accepted
        ]
    )
    PAYMENT_FAILED.publish_many(
        lambda: [
            line_failed(
                line,
                event_id=settle_key(line),
                message_id=item.message_id,
                entry_id=item.entry_id,
                reason=item.reason,
                charges=charges.get(line.pk, ()),
                refs=refs(),
            )
            for item, line in posted
            if not item.accepted
        ]
    )
    _settle_requests(actor, {line.request_id: line.request for _item, line in new}, why="bank")


def _settle_requests(actor: Actor, requests: dict[int, PaymentRequest], *, why: str) -> None:
    """Each request whose last open line was just settled takes its final state (paid, failed
    or partly failed), as ``settle_line`` gives it, in one read and one write per state."""
    states: dict[int, set[str]] = {}
    for request_id, line_state in (
        PaymentLine.objects.filter(request_id__in=list(requests))
        .order_by()
        .values_list("request_id", "state")
        .distinct()
    ):
        states.setdefault(request_id, set()).add(line_state)
    finals: dict[str, list[PaymentRequest]] = {}
    for request_id, held in states.items():
        if LineState.OPEN not in held:
            finals.setdefault(_final_state(held), []).append(requests[request_id])
    for final, done in finals.items():
        state_changes(action="payments.request_state", actor=actor, objs=done, state=final, why=why)


def _final_state(states: set[str]) -> str:
    return (
        RequestState.PAID
        if states == {LineState.PAID}
        else RequestState.FAILED
        if states == {LineState.FAILED}
        else RequestState.PARTLY_FAILED
    )


def settle_key(line: PaymentLine) -> str:
    """The ledger key of a line's settlement, also its money event's id (P11)."""
    return f"payments.line:{line.pk}:settle"
