"""Execution aggregates (issue 22 item 1, ADR 0053): the money events keep ``ExecutionDay`` in
their own transaction, and it equals a recomputation from the indicator ledger at every step.

The property test drives random money — payments of one to three lines paid or refused by the
bank on one of two value dates, submissions left in flight or withdrawn, refunds on one of two
days, corrections to another line, 追加 — and after every step asserts:

- the kept rows equal the recomputation (``check``), and no movement lacks its event;
- Σ over days per line equals the ledger's buckets (the line's own balances);
- what the bank paid and what came back landed on the business day it happened, per line and
  day, as an independent model of the test counts them.

It counts what ran and fails if a case never did. Mutants run by hand (see the closing note):
the upsert that overwrites instead of adding, and refunds not taken out of ``paid``, are caught.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from types import SimpleNamespace
from typing import Any

from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.payment_helpers import _input, _line, _round, paid_by_bank, top_up

from yusuan.audit.models import AuditRecord
from yusuan.common.money import Money
from yusuan.indicators.models import BUCKETS, IndicatorLine, Movement
from yusuan.payments.models import PaymentLine
from yusuan.payments.services import request_create
from yusuan.payments.services.corrections import correction_post, correction_register
from yusuan.payments.services.refunds import refund_confirm, refund_register
from yusuan.reports.models import BUCKET_MEASURES, ExecutionDay, PostingDay
from yusuan.reports.services.aggregates import check, rebuild, record
from yusuan.workflow.services import document_submit, instance_withdraw

pytestmark = pytest.mark.django_db

CODES = ("30201", "30211", "30213")


def _days() -> list[dt.date]:
    """Two business days of the clock's year: today and the day before (not before 1 Jan)."""
    today = timezone.localdate()
    return sorted({today, max(today - dt.timedelta(days=1), dt.date(today.year, 1, 1))})


def _sums(line_ids: list[int]) -> dict[int, dict[str, int]]:
    rows = (
        ExecutionDay.objects.filter(line_id__in=line_ids)
        .values("line_id")
        .annotate(**{m: Sum(m) for m in BUCKET_MEASURES})
    )
    return {row["line_id"]: {m: int(row[m]) for m in BUCKET_MEASURES} for row in rows}


def _day_figures(line_ids: list[int]) -> Counter[tuple[int, dt.date, str]]:
    found: Counter[tuple[int, dt.date, str]] = Counter()
    for row in ExecutionDay.objects.filter(line_id__in=line_ids).values(
        "line_id", "day", "payments", "refunds"
    ):
        found[row["line_id"], row["day"], "payments"] += row["payments"]
        found[row["line_id"], row["day"], "refunds"] += row["refunds"]
    return +found


class World:
    def __init__(self, user: Any) -> None:
        self.user = user
        self.lines = {code: _line(user, code) for code in CODES}
        self.ids = [line.pk for line in self.lines.values()]
        self.days = _days()
        self.start = _day_figures(self.ids)
        self.expected: Counter[tuple[int, dt.date, str]] = Counter()
        self.paid: list[int] = []
        self.refunded: set[int] = set()
        self.seen: Counter[str] = Counter()

    def pay(self, rows: list[tuple[str, int]], accepted: list[bool], day: int) -> None:
        value_date = self.days[day % len(self.days)]
        data = _input(self.user, [(self.lines[c], str(Money(fen))) for c, fen in rows])
        request = request_create(actor=self.user("school_clerk"), data=data, fiscal_year=2026)
        request = paid_by_bank(self.user, request, accepted=accepted, value_date=value_date)
        for i, line in enumerate(request.lines.order_by("row")):
            if accepted[i]:
                self.expected[line.indicator_line_id, value_date, "payments"] += line.amount
                self.paid.append(line.pk)
                self.seen["paid"] += 1
            else:
                self.seen["refused by the bank"] += 1
        if len({c for c, _ in rows}) < len(rows):
            self.seen["two rows on one line"] += 1
        self.seen[f"value date {self.days.index(value_date)}"] += 1

    def submit(self, code: str, fen: int, withdraw: bool) -> None:
        data = _input(self.user, [(self.lines[code], str(Money(fen)))])
        request = request_create(actor=self.user("school_clerk"), data=data, fiscal_year=2026)
        document_submit(
            actor=self.user("school_clerk"),
            document_type="payments.request",
            object_id=str(request.pk),
        )
        if withdraw:
            instance_withdraw(actor=self.user("school_clerk"), instance_id=_round(request).pk)
        self.seen["withdrawn" if withdraw else "left in flight"] += 1

    def refund(self, pick: int, fen: int, day: int) -> None:
        open_ = [pk for pk in self.paid if pk not in self.refunded]
        if not open_:
            return
        line = PaymentLine.objects.get(pk=open_[pick % len(open_)])
        amount = min(fen, line.amount)
        refund_date = self.days[day % len(self.days)]
        made = refund_register(
            actor=self.user("school_clerk"),
            line_id=line.pk,
            amount=Money(amount),
            kind="payee_refund",
            reason="overpaid",
            refund_date=refund_date,
        )
        refund_confirm(actor=self.user("school_approver"), refund_id=made.pk)
        self.expected[line.indicator_line_id, refund_date, "refunds"] += amount
        self.refunded.add(line.pk)
        self.seen["refund"] += 1

    def correct(self, pick: int, fen: int) -> None:
        open_ = [pk for pk in self.paid if pk not in self.refunded]
        if not open_:
            return
        line = PaymentLine.objects.get(pk=open_[pick % len(open_)])
        target = next(pk for pk in self.ids if pk != line.indicator_line_id)
        correction = correction_register(
            actor=self.user("school_clerk"),
            line_id=line.pk,
            to_line_id=target,
            amount=Money(min(fen, line.amount)),
            reason="应列其他科目",
        )
        correction_post(actor=self.user("school_approver"), correction_id=correction.pk)
        self.refunded.add(line.pk)  # corrected lines are not refunded again (simpler model)
        self.seen["correction"] += 1

    def top_up(self, code: str, fen: int) -> None:
        top_up(self.user, self.lines[code], fen)
        self.seen["追加"] += 1

    def verify(self) -> None:
        found = check()
        assert found.unannounced == [], found.unannounced[:3]
        assert found.differences == [], found.differences[:3]
        sums = _sums(self.ids)
        for line in IndicatorLine.objects.filter(pk__in=self.ids):
            ledger = {"total": line.total, **{b: getattr(line, b) for b in BUCKETS}}
            assert sums[line.pk] == ledger, line.code
        assert _day_figures(self.ids) == +(self.start + self.expected)


pay = st.tuples(
    st.just("pay"),
    st.lists(st.tuples(st.sampled_from(CODES), st.integers(1, 20_000)), min_size=1, max_size=3),
    st.lists(st.sampled_from([True, True, True, False]), min_size=3, max_size=3),
    st.integers(0, 1),
)
submit = st.tuples(st.just("submit"), st.sampled_from(CODES), st.integers(1, 5_000), st.booleans())
refund = st.tuples(
    st.just("refund"), st.integers(0, 10_000), st.integers(1, 100), st.integers(0, 1)
)
correct = st.tuples(st.just("correct"), st.integers(0, 10_000), st.integers(1, 100), st.just(0))
more = st.tuples(st.just("top_up"), st.sampled_from(CODES), st.integers(1, 100_000), st.just(0))
operations = st.lists(st.one_of(pay, pay, submit, refund, correct, more), min_size=1, max_size=6)


def test_random_money_keeps_the_aggregates_equal_to_the_ledger(user: Any) -> None:
    world = World(user)

    @settings(
        max_examples=12,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(operations)
    def run(steps: list[tuple[Any, ...]]) -> None:
        for kind, a, b, c in steps:
            if kind == "pay":
                world.pay(a, b, c)
            elif kind == "submit":
                world.submit(a, b, c)
            elif kind == "refund":
                world.refund(a, b, c)
            elif kind == "correct":
                world.correct(a, b)
            else:
                world.top_up(a, b)
            world.verify()

    run()
    wanted = [
        "paid",
        "refused by the bank",
        "value date 0",
        "left in flight",
        "withdrawn",
        "refund",
        "correction",
        "追加",
    ]
    if len(world.days) > 1:
        wanted.append("value date 1")
    missing = [name for name in wanted if world.seen[name] == 0]
    assert missing == [], f"never happened: {missing}; seen: {dict(world.seen)}"


def test_the_demo_aggregates_equal_the_ledger_line_by_line() -> None:
    found = check()
    assert found.ok, (found.differences[:3], found.unannounced[:3])
    assert found.rows > 0
    lines = IndicatorLine.objects.filter(movements__isnull=False).distinct()
    sums = _sums(list(lines.values_list("pk", flat=True)))
    for line in lines:
        assert sums[line.pk] == {"total": line.total, **{b: getattr(line, b) for b in BUCKETS}}
    # Issued, over all lines of the region, is what entered from outside by 下达 (no allocation
    # counts twice); payments less refunds and corrections is paid.
    region = ExecutionDay.objects.filter(mof_div_code="320509", fiscal_year=2026).aggregate(
        issued=Sum("issued"), payments=Sum("payments"), refunds=Sum("refunds"), paid=Sum("paid")
    )
    issued = Movement.objects.filter(
        kind="ISSUE", line__mof_div_code="320509", line__fiscal_year=2026
    ).aggregate(s=Sum("d_total"))["s"]
    assert region["issued"] == issued
    paid = Movement.objects.filter(
        kind="PAY", line__mof_div_code="320509", line__fiscal_year=2026
    ).aggregate(s=Sum("d_paid"))["s"]
    assert region["payments"] == paid > 0


def test_a_settlement_counts_on_the_banks_value_date(user: Any) -> None:
    office = _line(user, "30201")
    day = _days()[0]
    request = request_create(
        actor=user("school_clerk"), data=_input(user, [(office, "12.34")]), fiscal_year=2026
    )
    before = _day_figures([office.pk])
    paid_by_bank(user, request, value_date=day)
    after = _day_figures([office.pk])
    assert after[office.pk, day, "payments"] - before[office.pk, day, "payments"] == 12_34


def test_an_injected_difference_and_an_unannounced_movement_are_named_then_rebuilt(
    user: Any,
) -> None:
    row = ExecutionDay.objects.filter(paid__gt=0).order_by("pk").first()
    assert row is not None
    ExecutionDay.objects.filter(pk=row.pk).update(paid=row.paid + 1)
    movement = Movement.objects.filter(kind="PAY").order_by("-pk").first()
    assert movement is not None
    PostingDay.objects.filter(posting=movement.posting).delete()
    found = check()
    (diff,) = [d for d in found.differences if (d.line_id, d.day) == (row.line_id, row.day)]
    assert diff.kept[6] == diff.computed[6] + 1  # paid, as the events kept it, is one fen more
    assert movement.pk in {m.movement_id for m in found.unannounced}
    named = next(m for m in found.unannounced if m.movement_id == movement.pk)
    assert (named.source_type, named.source_no) == (movement.source_type, movement.source_no)
    with pytest.raises(CommandError, match="differ"):
        call_command("reports_check", stdout=io.StringIO())

    # The rebuild puts the aggregates back to the ledger (the unannounced posting has no day,
    # so it stays listed until its event is found) and is audited.
    PostingDay.objects.create(posting=movement.posting, day=_days()[0])
    written = rebuild(actor=user("wj_admin"), region="320509", year=2026)
    assert written > 0
    assert check().ok
    assert AuditRecord.objects.filter(action="reports.rebuild").exists()


def test_an_event_announced_twice_is_refused(user: Any) -> None:
    """PostingDay is unique per posting: a second announcement of the same movement rolls the
    business action back instead of counting it twice."""
    movement = Movement.objects.filter(kind="PAY").exclude(op_key=None).order_by("-pk").first()
    assert movement is not None
    before = list(ExecutionDay.objects.filter(line=movement.line).values_list("day", "paid"))
    event = SimpleNamespace(event_id=movement.op_key, business_date=_days()[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        record([event])
    assert (
        list(ExecutionDay.objects.filter(line=movement.line).values_list("day", "paid")) == before
    )
