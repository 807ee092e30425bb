"""The set-based path of a bank's batch of results (issue 20, ADR 0049): a whole file's results
in a constant number of statements, with exactly the records the line-by-line path makes — one
bank result, one keyed ledger posting, one audit record (carrying its movements) and one
accounting voucher per line, and each request's final state with its last line."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

import pytest
from tests.payment_helpers import _approved, _buckets, _input, _line

from yusuan.accounting.models import Voucher
from yusuan.audit.chain import verify_coverage
from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError
from yusuan.common.events import Channel
from yusuan.indicators.models import Movement
from yusuan.indicators.selectors import reconcile
from yusuan.indicators.services.ledger import Leg, Posting, money_posting, post_many
from yusuan.indicators.services.ledger import Op as LedgerOp
from yusuan.payments.choices import LineState, RequestState
from yusuan.payments.models import BankResult, PaymentRequest
from yusuan.payments.services import request_create
from yusuan.payments.services.bank import (
    ResultInput,
    bank_file_create,
    bank_result_record,
    bank_results_record,
)

pytestmark = pytest.mark.django_db

# Row k of a request is refused by the bank when k % 4 == 2 (a request is then partly failed).
AMOUNTS = ("12.34", "5.00", "7.89", "100.00", "0.01", "3.21", "44.44")


def _sent(user: Any, count: int) -> PaymentRequest:
    office = _line(user, "30201")
    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(office, AMOUNTS[i % len(AMOUNTS)]) for i in range(count)]),
        fiscal_year=2026,
    )
    request = _approved(user, request)
    assert bank_file_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    request.refresh_from_db()
    return request


def _items(request: PaymentRequest, *, fail_every: int = 4) -> list[ResultInput]:
    number, message = request.voucher.number, request.voucher.bank_file.message_id
    return [
        ResultInput(
            message_id=message,
            entry_id=f"{number}-{row}",
            end_to_end_id=f"{number}-{row}",
            accepted=(row - 1) % fail_every != 2,
            reason="" if (row - 1) % fail_every != 2 else "AC04 账户已销户",
        )
        for row in range(1, request.lines.count() + 1)
    ]


def _records(request: PaymentRequest) -> dict[str, Any]:
    """What settling left for a request, free of ids, numbers and times (two requests settled
    alike leave equal records)."""
    lines = {line.pk: line.row for line in request.lines.all()}
    movements = sorted(
        (
            lines[int(m.source_id)],
            m.kind,
            m.d_total,
            m.d_available,
            m.d_frozen,
            m.d_paid,
            m.op_key == f"payments.line:{m.source_id}:settle",
            m.source_no.rsplit("-", 1)[1],
        )
        for m in Movement.objects.filter(source_type="payments.line", source_id__in=map(str, lines))
    )
    audits = AuditRecord.objects.filter(object_id=str(request.pk)).order_by("pk")
    settled = sorted(
        (
            a.extra["line"].rsplit("-", 1)[1],
            a.extra["paid"],
            a.extra["amount"],
            a.extra["reason"],
            len(a.extra.get("movements", [])),
        )
        for a in audits
        if a.action == "payments.bank_result"
    )
    states = [a.changes for a in audits if a.action == "payments.request_state"]
    vouchers = sorted(
        (
            v.summary.split("（")[0],
            v.total_fen,
            v.problem,
            tuple(v.lines.order_by("row").values_list("account_code", "debit_fen", "credit_fen")),
        )
        for v in Voucher.objects.filter(event_id__in=[f"payments.line:{pk}:settle" for pk in lines])
    )
    results = sorted(
        (lines[r.line_id], r.accepted, r.reason, r.value_date)
        for r in BankResult.objects.filter(line_id__in=lines)
    )
    return {
        "state": PaymentRequest.objects.get(pk=request.pk).state,
        "line_states": sorted(request.lines.values_list("row", "state")),
        "movements": movements,
        "audits": settled,
        "state_audits": states,
        "vouchers": vouchers,
        "results": results,
    }


def test_a_batch_leaves_exactly_what_line_by_line_leaves(user: Any) -> None:
    office = _line(user, "30201")
    bank = user("bank_icbc")
    one_by_one, batch = _sent(user, 7), _sent(user, 7)
    before = _buckets(office)
    for item in _items(one_by_one):
        bank_result_record(actor=bank, item=item)
    after_one = _buckets(office)
    outcomes = bank_results_record(actor=bank, items=_items(batch))
    after_batch = _buckets(office)
    # The same money moved by each: frozen → paid for 5 rows, frozen → available for 2.
    assert [b - a for a, b in zip(before, after_one, strict=True)] == [
        b - a for a, b in zip(after_one, after_batch, strict=True)
    ]
    assert [o.line_state for o in outcomes] == [
        "failed" if (row - 1) % 4 == 2 else "paid" for row in range(1, 8)
    ]
    assert not any(o.replayed for o in outcomes)
    expected, got = _records(one_by_one), _records(batch)
    assert got == expected
    assert got["state"] == RequestState.PARTLY_FAILED
    assert len(got["movements"]) == 7 and len(got["audits"]) == 7
    assert all(count == 1 for *_, count in got["audits"])  # each record carries its movement
    assert len(got["vouchers"]) == 5  # one per paid line; a failed one books nothing
    assert reconcile() == []
    assert all(not c.failures for c in verify_coverage())  # every movement sealed in its record


def _statements(user: Any, count: int) -> int:
    request = _sent(user, count)
    with CaptureQueriesContext(connection) as queries:
        bank_results_record(actor=user("bank_icbc"), items=_items(request))
    return len(queries)


def test_the_statements_do_not_grow_with_the_lines(user: Any) -> None:
    few, many = _statements(user, 4), _statements(user, 40)
    # PostgreSQL: the same statements. SQLite caps a statement's parameters (Django splits
    # an insert of 120 voucher lines in three): executemany-like, still in-process.
    assert 0 <= many - few <= (0 if connection.vendor == "postgresql" else 3), (few, many)
    assert many < 60


def _submission_statements(user: Any, count: int) -> int:
    office = _line(user, "30201")
    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(office, AMOUNTS[i % len(AMOUNTS)]) for i in range(count)]),
        fiscal_year=2026,
    )
    with CaptureQueriesContext(connection) as queries:
        _approved(user, request)  # submission (the freeze), review, approval (the voucher)
    return len(queries)


def test_submission_and_approval_do_not_grow_with_the_lines_either(user: Any) -> None:
    """The freeze is one posting with a leg per indicator line, approval reads the lines once:
    a 40-line request costs what a 4-line one does (issue 20, item 1)."""
    _submission_statements(user, 2)  # whatever the first request of a test warms
    few, many = _submission_statements(user, 4), _submission_statements(user, 40)
    assert few == many, (few, many)


def test_a_resent_batch_is_a_replay_in_a_handful_of_statements(user: Any) -> None:
    bank = user("bank_icbc")
    request = _sent(user, 12)
    items = _items(request)
    bank_results_record(actor=bank, items=items)
    before = _records(request)
    with CaptureQueriesContext(connection) as queries:
        again = bank_results_record(actor=bank, items=items)
    assert all(o.replayed for o in again)
    assert [o.line_state for o in again] == [
        LineState.FAILED if (row - 1) % 4 == 2 else LineState.PAID for row in range(1, 13)
    ]
    assert len(queries) <= 10
    assert _records(request) == before


def test_a_batch_with_a_refused_entry_names_it_and_applies_nothing(user: Any) -> None:
    bank = user("bank_icbc")
    request = _sent(user, 5)
    items = _items(request)
    # Entry 3 says the opposite of what was recorded for it: the whole batch is refused.
    bank_result_record(actor=bank, item=items[3])
    flipped = ResultInput(
        items[3].message_id, items[3].entry_id, items[3].end_to_end_id, not items[3].accepted
    )
    with pytest.raises(BusinessRuleError) as refused:
        bank_results_record(actor=bank, items=[*items[:3], flipped, items[4]])
    assert [e.field for e in refused.value.errors] == ["entries[3].paid"]
    assert refused.value.errors[0].code == "payments.result_contradicts"
    assert BankResult.objects.filter(line__request=request).count() == 1
    assert request.lines.filter(state=LineState.OPEN).count() == 4


# --- The pieces: many postings at once, many events at once.


def _pay(line_id: int, fen: int, key: str) -> Posting:
    return money_posting("pay", [LedgerOp(line_id, fen)], actor_id=None, op_key=key)


def test_post_many_applies_each_key_once_and_sums_per_line(user: Any) -> None:
    office = _line(user, "30201")
    request = _sent(user, 2)  # 12.34 + 5.00 frozen on the office line
    available, frozen, paid = _buckets(office)
    made = post_many([_pay(office.pk, 1000, "t:a"), _pay(office.pk, 234, "t:b")])
    assert [len(m or []) for m in made] == [1, 1]
    assert _buckets(office) == (available, frozen - 1234, paid + 1234)
    again = post_many([_pay(office.pk, 1000, "t:a"), _pay(office.pk, 1, "t:c")])
    assert again[0] is None and again[1] is not None  # "t:a" was applied before
    assert _buckets(office) == (available, frozen - 1235, paid + 1235)
    assert Movement.objects.filter(op_key__in=["t:a", "t:b", "t:c"]).count() == 3
    assert request.state == RequestState.AT_BANK


def test_post_many_refuses_a_shortfall_duplicate_keys_and_mixed_directions(user: Any) -> None:
    office = _line(user, "30201")
    _sent(user, 1)
    before = _buckets(office)
    with pytest.raises(BusinessRuleError) as short:
        post_many([_pay(office.pk, 1000, "s:a"), _pay(office.pk, 10**12, "s:b")])
    assert short.value.errors[0].code == "indicators.insufficient"
    assert _buckets(office) == before
    assert not Movement.objects.filter(op_key__startswith="s:").exists()
    with pytest.raises(ValueError, match="own op_key"):
        post_many([_pay(office.pk, 1, "d"), _pay(office.pk, 2, "d")])
    back = Posting(
        legs=[Leg(office.pk, "unfreeze", {"frozen": 5, "available": -5})],
        actor_id=None,
        op_key="m:b",
    )
    with pytest.raises(ValueError, match="both ways"):
        post_many([_pay(office.pk, 1, "m:a"), back])


def test_publish_many_gives_a_batch_handler_the_list_and_others_each_event() -> None:
    channel: Channel[int] = Channel("test.numbers", int)
    each: list[int] = []
    lists: list[list[int]] = []

    def one(event: int) -> None:
        each.append(event)

    def single(event: int) -> None:
        raise AssertionError("a handler with a batch form gets the batch")

    channel.subscribe(one)
    channel.subscribe(single, many=lambda events: lists.append(list(events)))
    with transaction.atomic():
        channel.publish_many(lambda: [1, 2, 3])
        with pytest.raises(TypeError):
            channel.publish_many(lambda: ["4"])  # type: ignore[list-item]
    assert each == [1, 2, 3] and lists == [[1, 2, 3]]
    channel.unsubscribe(single)
    built: list[int] = []
    with transaction.atomic():
        Channel("test.nobody", int).publish_many(lambda: built.append(1) or [])  # type: ignore[func-returns-value]
    assert built == []  # nobody listens: nothing is built
