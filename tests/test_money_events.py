"""Money events (issue 14 item 3, ADR 0022): an accounting-shaped consumer receives every
money event of a whole demo year exactly once, and what it books from them alone equals the
indicator ledger line by line and bucket by bucket; each event type is published once per
movement, never by a transaction that rolls back, never again on a replay."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.test import Client

import pytest
from tests.payment_helpers import DOCUMENT_TYPE, _approved, _input, _line, _round, top_up
from tests.test_payments_refunds import _paid_batch

from yusuan.common.errors import BusinessRuleError
from yusuan.common.events import money
from yusuan.common.money import Money
from yusuan.identity.services import api_token_issue
from yusuan.indicators.events import IndicatorAmount, IndicatorPosted
from yusuan.indicators.models import IndicatorLine, Movement
from yusuan.payments.events import (
    PAYMENT_SETTLED,
    CorrectionPosted,
    PaymentFailed,
    PaymentFrozen,
    PaymentReleased,
    PaymentSettled,
    RefundConfirmed,
    RefundRegistered,
)
from yusuan.payments.models import BankFile, PaymentLine, PaymentRequest, Refund
from yusuan.payments.services import request_create
from yusuan.payments.services.bank import ResultInput, bank_file_create, bank_result_record
from yusuan.payments.services.corrections import correction_post, correction_register
from yusuan.payments.services.refunds import (
    bank_return_register,
    refund_confirm,
    refund_register,
)
from yusuan.payments.services.requests import freeze
from yusuan.payroll.events import PayrollAccrued
from yusuan.procurement.events import (
    ContractReleased,
    ContractReserved,
    PlanReleased,
    PlanReserved,
)
from yusuan.workflow.services import document_submit, instance_withdraw

pytestmark = pytest.mark.django_db

BUCKETS = ("available", "allocated", "reserved", "frozen", "held", "paid")
Entry = tuple[int, str, int]  # (indicator line id, bucket, signed fen)


def _moves(parts: tuple[IndicatorAmount, ...], out: str, into: str) -> list[Entry]:
    return [
        entry
        for part in parts
        for entry in (
            (part.indicator.id, out, -part.amount),
            (part.indicator.id, into, part.amount),
        )
    ]


def _split(
    parts: tuple[IndicatorAmount, ...],
    reservation: tuple[IndicatorAmount, ...],
    out: str,
    into: str,
    *,
    from_reserved: bool,
) -> list[Entry]:
    """``parts`` moved ``out`` → ``into``, but their ``reservation`` share (R-GP-9) moved from
    (``from_reserved``) or to a contract's reserved bucket instead of available."""
    held: Counter[int] = Counter()
    for part in reservation:
        held[part.indicator.id] += part.amount
    made: list[Entry] = []
    for part in parts:
        line_id = part.indicator.id
        via = min(held[line_id], part.amount)
        held[line_id] -= via
        for fen, reserved in ((part.amount - via, False), (via, True)):
            if fen:
                a = "reserved" if reserved and from_reserved else out
                b = "reserved" if reserved and not from_reserved else into
                made += [(line_id, a, -fen), (line_id, b, fen)]
    return made


def entries(event: Any) -> tuple[list[Entry], int]:
    """The bucket movements an event stands for, per indicator line, and the money entering (−)
    or leaving (+) the indicator system: what the consumer books, from the event alone."""
    if isinstance(event, IndicatorPosted):
        made = [
            (leg.indicator.id, bucket, getattr(leg, f"d_{bucket}"))
            for leg in event.legs
            for bucket in BUCKETS
            if getattr(leg, f"d_{bucket}")
        ]
        return made, sum(leg.d_outside for leg in event.legs)
    if isinstance(event, PaymentFrozen):
        return _split(
            event.charges, event.reservation, "available", "frozen", from_reserved=True
        ), 0
    if isinstance(event, PaymentReleased | PaymentFailed):
        return _split(
            event.charges, event.reservation, "frozen", "available", from_reserved=False
        ), 0
    if isinstance(event, PaymentSettled):
        return _moves(event.charges, "frozen", "paid"), 0
    if isinstance(event, RefundConfirmed):
        return _split(
            event.restored, event.reservation, "paid", "available", from_reserved=False
        ), 0
    if isinstance(event, ContractReserved | PlanReserved):
        return _moves(event.lines, "available", "reserved"), 0
    if isinstance(event, ContractReleased | PlanReleased):
        return _moves(event.lines, "reserved", "available"), 0
    if isinstance(event, CorrectionPosted):
        return [
            (event.from_indicator.id, "paid", -event.amount),
            (event.from_indicator.id, "available", event.amount),
            (event.to_indicator.id, "available", -event.amount),
            (event.to_indicator.id, "paid", event.amount),
        ], 0
    if isinstance(event, RefundRegistered):
        return [], 0  # cash came back; the indicator moves at confirmation
    if isinstance(event, PayrollAccrued):
        return [], 0  # a salary month recognised in the books; the indicator moves at payment
    raise AssertionError(f"unknown money event {event!r}")


@dataclass
class Journal:
    """An accounting-shaped consumer: one voucher per event id, made in the publisher's
    transaction (an unbalanced one is refused there) and kept once that transaction commits; a
    second voucher for an event id already kept is refused."""

    vouchers: dict[str, tuple[Any, list[Entry]]] = field(default_factory=dict)
    received: int = 0

    def __call__(self, event: Any) -> None:
        self.received += 1
        made, outside = entries(event)
        # Double entry: what the legs put in the system (total less the memo bucket allocated)
        # is what came from outside (ADR 0009's posting balance).
        in_system = sum(fen for _, bucket, fen in made if bucket != "allocated")
        if in_system + outside != 0:
            raise AssertionError(f"{event.event_id} does not balance by {in_system + outside}")
        if event.amount <= 0:
            raise AssertionError(f"{event.event_id}: amount {event.amount}")
        transaction.on_commit(lambda: self._keep(event, made))

    def _keep(self, event: Any, made: list[Entry]) -> None:
        if event.event_id in self.vouchers:
            raise AssertionError(f"event {event.event_id} received twice")
        self.vouchers[event.event_id] = (event, made)

    def of(self, kind: type) -> list[Any]:
        return [event for event, _ in self.vouchers.values() if isinstance(event, kind)]

    def total(self, kind: type) -> int:
        return sum(event.amount for event in self.of(kind))

    def balances(self) -> Counter[tuple[int, str]]:
        sums: Counter[tuple[int, str]] = Counter()
        for _, made in self.vouchers.values():
            for line_id, bucket, fen in made:
                sums[line_id, bucket] += fen
        return sums


@pytest.fixture
def journal() -> Iterator[Journal]:
    """A journal subscribed to every money channel for the test only."""
    kept = Journal()
    with money.subscribed_to_all(kept):
        yield kept


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Any:
    """``with commit():`` the actions inside commit, as far as the journal is concerned: the
    on-commit callbacks of what was not rolled back run at the end of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _fresh_database() -> None:
    """Empty every table inside the test's transaction (rolled back with it), so that a whole
    year of the demo can be generated again with the consumer listening. SQLite's append-only
    triggers (and the posted vouchers' freezing ones) refuse the flush's DELETEs: they are
    dropped in the same transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND (name LIKE '%_no_delete' OR name LIKE '%_frozen_delete')"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
    call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def fresh_database() -> Iterator[None]:
    _fresh_database()
    yield
    # The flush's content types are rolled back with the test: forget their ids.
    ContentType.objects.clear_cache()


def test_a_demo_year_reaches_the_journal_once_and_equals_the_ledger(
    fresh_database: None, django_capture_on_commit_callbacks: Any
) -> None:
    from yusuan.demo.generator import generate

    journal = Journal()
    with money.subscribed_to_all(journal), django_capture_on_commit_callbacks(execute=True):
        generate(scale="tiny", as_of=dt.date(2026, 12, 31))
    assert journal.received == len(journal.vouchers)  # nothing published by a rollback

    # Every posting of the ledger is accounted for by exactly one event, and no event claims a
    # posting that is not there.
    movements = Movement.objects.all()
    keyed = set(movements.exclude(op_key=None).values_list("op_key", flat=True))
    documents = {
        f"indicators.document:{pk}"
        for pk in movements.exclude(document=None).values_list("document_id", flat=True)
    }
    moving = {key for key, (_, made) in journal.vouchers.items() if made}
    assert moving == keyed | documents
    assert all(not key.startswith("indicators.") for key in keyed)

    # The journal, from the events alone, equals every line's every bucket.
    booked = journal.balances()
    lines = list(IndicatorLine.objects.all())
    assert lines
    for line in lines:
        assert {b: booked[line.pk, b] for b in BUCKETS} == {b: getattr(line, b) for b in BUCKETS}, (
            line.code
        )
    assert set(booked) <= {(line.pk, b) for line in lines for b in BUCKETS}

    # Σ settled payment events = Σ paid by the ledger; refunds and corrections reconcile.
    def moved(kind: str, column: str = "d_paid") -> int:
        return int(movements.filter(kind=kind).aggregate(s=Sum(column))["s"] or 0)

    settled = journal.total(PaymentSettled)
    restored = sum(sum(p.amount for p in e.restored) for e in journal.of(RefundConfirmed))
    assert settled > 0 and journal.of(PaymentFailed)
    assert settled == moved("PAY")
    assert restored == -moved("REFUND_RESTORE") > 0
    assert settled - restored == sum(line.paid for line in lines)
    assert journal.total(CorrectionPosted) == moved("CORRECT_IN") == -moved("CORRECT_OUT") > 0
    refunds = Refund.objects.all()
    assert journal.total(RefundRegistered) == refunds.aggregate(s=Sum("amount"))["s"]
    assert (
        journal.total(RefundConfirmed)
        == refunds.exclude(confirmed_by=None).aggregate(s=Sum("amount"))["s"]
        > 0
    )
    bank_returns = [e for e in journal.of(RefundRegistered) if e.refund_kind == "bank_return"]
    assert bank_returns and all(e.line.end_to_end_id for e in bank_returns)
    assert sum(e.amount for e in journal.of(PaymentSettled) if e.line.is_sal) > 0
    # Every kind of event the demo's year makes reached the journal.
    assert {type(e).__name__ for e, _ in journal.vouchers.values()} >= {
        "IndicatorPosted",
        "PaymentFrozen",
        "PaymentReleased",
        "PaymentSettled",
        "PaymentFailed",
        "RefundRegistered",
        "RefundConfirmed",
        "CorrectionPosted",
    }


def _at_bank(user: Any, amount: str) -> tuple[PaymentRequest, BankFile]:
    """A one-line request of ``amount`` on the school's office line, approved and sent."""
    request = _approved(
        user,
        request_create(
            actor=user("school_clerk"),
            data=_input(user, [(_line(user, "30201"), amount)]),
            fiscal_year=2026,
        ),
    )
    sent = bank_file_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert sent is not None
    return request, sent


# --- Per event type -------------------------------------------------------------------------


def test_indicator_posted_once_with_its_legs_and_elements(
    user: Any, journal: Journal, commit: Any
) -> None:
    line = _line(user, "30201")
    with commit():
        top_up(user, line, 123_45)
    (event,) = journal.of(IndicatorPosted) or [None]
    assert event is not None
    (leg,) = event.legs
    assert (event.document_kind, event.amount, event.fiscal_year) == ("increase", 123_45, 2026)
    assert (leg.movement, leg.d_total, leg.d_available, leg.d_outside) == (
        "INCREASE",
        123_45,
        123_45,
        -123_45,
    )
    assert (leg.indicator.code, leg.indicator.dep_bgt_eco_code) == (line.code, "30201")
    assert leg.indicator.organisation_code == line.organisation.code
    assert event.source.type == "indicators.document" and event.source.number
    assert Movement.objects.filter(posting=event.posting_id, line=line).exists()


def test_freeze_and_release_once_each_and_a_retried_freeze_not_again(
    user: Any, journal: Journal, commit: Any
) -> None:
    office = _line(user, "30201")
    request = request_create(
        actor=user("school_clerk"), data=_input(user, [(office, "10.00")]), fiscal_year=2026
    )
    with commit():
        document_submit(
            actor=user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(request.pk)
        )
        # The same submission's freeze again (a retried hook): the ledger refuses its key.
        freeze(actor=user("school_clerk"), request=request, round_no=_round(request).round)
        instance_withdraw(actor=user("school_clerk"), instance_id=_round(request).pk)
    (frozen,) = journal.of(PaymentFrozen)
    (released,) = journal.of(PaymentReleased)
    assert frozen.amount == released.amount == 10_00
    assert [(c.indicator.id, c.amount) for c in frozen.charges] == [(office.pk, 10_00)]
    assert (released.why, released.source.number) == ("withdrawn", request.number)
    assert frozen.organisation_code == user("school_clerk").organisation.code


def test_a_refused_freeze_publishes_nothing(user: Any, journal: Journal, commit: Any) -> None:
    office = _line(user, "30201")
    everything, one_yuan = (
        request_create(
            actor=user("school_clerk"), data=_input(user, [(office, amount)]), fiscal_year=2026
        )
        for amount in (Money(office.available).format(), "1.00")
    )
    with commit():
        document_submit(
            actor=user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(everything.pk)
        )
        with pytest.raises(BusinessRuleError):
            document_submit(
                actor=user("school_clerk"),
                document_type=DOCUMENT_TYPE,
                object_id=str(one_yuan.pk),
            )
    assert [e.source.id for e in journal.of(PaymentFrozen)] == [everything.pk]
    assert journal.received == 1


def test_settled_once_per_line_and_a_replayed_result_not_again(
    user: Any, journal: Journal, commit: Any
) -> None:
    with commit():
        request = _paid_batch(user)  # three lines paid by three results
    settled = journal.of(PaymentSettled)
    assert sorted(e.line.row for e in settled) == [0, 1, 2]
    assert sum(e.amount for e in settled) == 390_00
    first = settled[0]
    assert first.line.end_to_end_id.startswith(request.voucher.number)
    assert first.charges[0].indicator.dep_bgt_eco_code == first.line.dep_bgt_eco_code == "30201"
    assert first.bank_message_id and first.payer_account_id == request.payer_account_id
    # The bank sends the first result again: a replay, no second event.
    line = request.lines.get(row=0)
    sent_message = request.voucher.bank_file.message_id
    with commit():
        again = bank_result_record(
            actor=user("bank_icbc"),
            item=ResultInput(sent_message, "1", f"{request.voucher.number}-1", True),
        )
    assert again.replayed and line.state == "paid"
    assert journal.received == 1 + 3  # the request froze once, for its three lines
    assert len(journal.of(PaymentFrozen)) == 1


def test_failed_once(user: Any, journal: Journal, commit: Any) -> None:
    with commit():
        request, sent = _at_bank(user, "7.00")
        bank_result_record(
            actor=user("bank_icbc"),
            item=ResultInput(sent.message_id, "1", f"{request.voucher.number}-1", False, "AC01"),
        )
    (failed,) = journal.of(PaymentFailed)
    assert (failed.amount, failed.reason, failed.event_id) == (
        7_00,
        "AC01",
        f"payments.line:{request.lines.get().pk}:settle",
    )
    assert not journal.of(PaymentSettled)


def test_refund_and_correction_once_each(user: Any, journal: Journal, commit: Any) -> None:
    request = _paid_batch(user)
    line = request.lines.get(row=1)
    travel = _line(user, "30211")
    with commit():
        refund = refund_register(
            actor=user("school_clerk"),
            line_id=line.pk,
            amount=Money(50_00),
            kind="payee_refund",
            reason="overpaid",
            refund_date=dt.date(2026, 11, 30),
        )
        refund_confirm(actor=user("school_approver"), refund_id=refund.pk)
        correction = correction_register(
            actor=user("school_clerk"),
            line_id=line.pk,
            to_line_id=travel.pk,
            amount=Money(20_00),
            reason="应列差旅费",
        )
        correction_post(actor=user("school_approver"), correction_id=correction.pk)
    (registered,) = journal.of(RefundRegistered)
    (confirmed,) = journal.of(RefundConfirmed)
    (corrected,) = journal.of(CorrectionPosted)
    assert registered.amount == confirmed.amount == 50_00
    assert registered.business_date == confirmed.business_date == dt.date(2026, 11, 30)
    assert confirmed.same_year and [(p.indicator.id, p.amount) for p in confirmed.restored] == [
        (line.indicator_line_id, 50_00)
    ]
    assert (corrected.from_indicator.id, corrected.to_indicator.id, corrected.amount) == (
        line.indicator_line_id,
        travel.pk,
        20_00,
    )
    assert corrected.line.id == confirmed.line.id == line.pk


def test_a_bank_return_and_a_later_years_refund(user: Any, journal: Journal, commit: Any) -> None:
    request = _paid_batch(user)
    first, third = request.lines.get(row=0), request.lines.get(row=2)
    with commit():
        returned = bank_return_register(
            actor=user("wj_treasury"),
            voucher_number=request.voucher.number,
            payee_account_no=third.payee_account_no,
            amount=Money(40_00),
            refund_date=dt.date(2026, 12, 1),
            bank_receipt_no="TP20261201001",
        )
        later = refund_register(
            actor=user("school_clerk"),
            line_id=first.pk,
            amount=Money(30_00),
            kind="payee_refund",
            reason="error",
            refund_date=dt.date(2027, 3, 2),
        )
        refund_confirm(actor=user("school_approver"), refund_id=later.pk)
    bank_return, late = journal.of(RefundRegistered)
    assert (bank_return.refund_kind, bank_return.source.id, bank_return.bank_receipt_no) == (
        "bank_return",
        returned.pk,
        "TP20261201001",
    )
    assert bank_return.line.end_to_end_id == f"{request.voucher.number}-3"
    (confirmed,) = journal.of(RefundConfirmed)
    assert (confirmed.fiscal_year, confirmed.payment_fiscal_year, confirmed.same_year) == (
        2027,
        2026,
        False,
    )
    assert confirmed.restored == () and confirmed.amount == late.amount == 30_00


def test_a_rolled_back_transaction_keeps_no_event(user: Any, journal: Journal, commit: Any) -> None:
    line = _line(user, "30201")

    def fail_after_posting() -> None:
        with transaction.atomic():
            top_up(user, line, 1_00)
            assert journal.received == 1  # the handler ran, in the transaction…
            raise RuntimeError("the business transaction fails after the posting")

    with commit():
        with pytest.raises(RuntimeError):
            fail_after_posting()
        top_up(user, line, 2_00)
    # …but only what committed is kept.
    assert [e.amount for e in journal.of(IndicatorPosted)] == [2_00]


def test_a_handler_that_raises_rolls_the_business_action_back(user: Any) -> None:
    request, sent = _at_bank(user, "3.00")
    paid_before = _line(user, "30201").paid

    def closed_period(event: PaymentSettled) -> None:
        raise BusinessRuleError.single(
            code="accounting.period_closed",
            rule="R-AC-8",
            field="business_date",
            value=str(event.business_date),
            message_zh="会计期间已结账",
            message_en="the accounting period is closed",
        )

    item = ResultInput(sent.message_id, "1", f"{request.voucher.number}-1", True)
    with PAYMENT_SETTLED.subscribed(closed_period), pytest.raises(BusinessRuleError) as refused:
        bank_result_record(actor=user("bank_icbc"), item=item)
    assert refused.value.errors[0].code == "accounting.period_closed"
    assert closed_period not in PAYMENT_SETTLED.handlers  # the test's handler is gone
    assert PaymentLine.objects.get(request=request).state == "open"
    assert _line(user, "30201").paid == paid_before
    assert not Movement.objects.filter(op_key=f"payments.line:{request.lines.get().pk}:settle")


def _post(client: Client, path: str, body: Any, key: str, **kw: Any) -> Any:
    return client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
        **kw,
    )


def test_idempotent_api_replays_publish_once(
    user: Any, client_as: Any, client: Client, journal: Journal, commit: Any
) -> None:
    request, sent = _at_bank(user, "5.00")
    token = api_token_issue(
        actor=None, user=user("bank_icbc"), name="t", scopes=["payments:read", "payments:write"]
    )
    bank = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    results = {
        "message_id": sent.message_id,
        "entries": [
            {"entry_id": "1", "end_to_end_id": f"{request.voucher.number}-1", "paid": True}
        ],
    }
    line = request.lines.get()
    body = {
        "amount": "1.00",
        "kind": "payee_refund",
        "reason": "overpaid",
        "refund_date": "2026-11-30",
    }
    clerk, approver = client_as("school_clerk"), client_as("school_approver")
    with commit():
        for _ in range(2):
            done = _post(client, "/api/v1/payments/bank-results", results, "res-1", **bank)
            assert done.status_code == 200, done.content
        assert done["Idempotent-Replayed"] == "true"
        for _ in range(2):
            made = _post(clerk, f"/api/v1/payments/lines/{line.pk}/refunds", body, "rf-1")
            assert made.status_code == 201, made.content
        assert made["Idempotent-Replayed"] == "true"
        for _ in range(2):
            confirmed = _post(
                approver, f"/api/v1/payments/refunds/{made.json()['id']}/confirm", {}, "cf-1"
            )
            assert confirmed.status_code == 200, confirmed.content
        assert confirmed["Idempotent-Replayed"] == "true"
    assert len(journal.of(PaymentSettled)) == 1
    assert len(journal.of(RefundRegistered)) == 1
    assert len(journal.of(RefundConfirmed)) == 1
