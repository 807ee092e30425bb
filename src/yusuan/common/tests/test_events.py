"""The event channel (ADR 0022): typed, in the caller's transaction, handlers in subscription
order, a handler's exception reaches the caller and undoes the transaction, test subscriptions
do not leak."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

import pytest

from yusuan.common.events import (
    Channel,
    PublishedOutsideTransactionError,
    Registry,
    money,
)
from yusuan.core.choices import RegionLevel
from yusuan.core.models import Region


@dataclass(frozen=True)
class Moved:
    event_id: str
    amount: int


@dataclass(frozen=True)
class Other:
    event_id: str


def test_publish_outside_a_transaction_is_refused() -> None:
    # No ``db`` fixture: no transaction is open (nor may one be).
    channel = Channel("test.moved", Moved)
    seen: list[Moved] = []
    with channel.subscribed(seen.append):
        with pytest.raises(PublishedOutsideTransactionError, match="test.moved"):
            channel.publish(Moved("a", 1))
        with pytest.raises(PublishedOutsideTransactionError):
            channel.publish_built(lambda: Moved("b", 1))
    assert seen == []


@pytest.mark.django_db
def test_handlers_run_in_order_inside_the_transaction() -> None:
    channel = Channel("test.moved", Moved)
    calls: list[tuple[str, str, bool]] = []

    def first(event: Moved) -> None:
        calls.append(("first", event.event_id, transaction.get_connection().in_atomic_block))

    def second(event: Moved) -> None:
        calls.append(("second", event.event_id, transaction.get_connection().in_atomic_block))

    with channel.subscribed(first), channel.subscribed(second), transaction.atomic():
        channel.publish(Moved("m1", 5))
        channel.publish(Moved("m2", 6))
    assert calls == [
        ("first", "m1", True),
        ("second", "m1", True),
        ("first", "m2", True),
        ("second", "m2", True),
    ]


@pytest.mark.django_db
def test_a_raising_handler_rolls_the_business_transaction_back() -> None:
    channel = Channel("test.moved", Moved)

    def refuse(event: Moved) -> None:
        raise ValueError(f"refused {event.event_id}")

    def business_action() -> None:
        with transaction.atomic():
            Region.objects.create(mof_div_code="999999", name="测试区", level=RegionLevel.COUNTY)
            channel.publish(Moved("m1", 5))

    with channel.subscribed(refuse), pytest.raises(ValueError, match="refused m1"):
        business_action()
    assert not Region.objects.filter(mof_div_code="999999").exists()


@pytest.mark.django_db
def test_built_only_when_someone_listens() -> None:
    channel = Channel("test.moved", Moved)
    built: list[int] = []

    def build() -> Moved:
        built.append(1)
        return Moved("m", 1)

    seen: list[Moved] = []
    with transaction.atomic():
        channel.publish_built(build)
        assert built == []
        with channel.subscribed(seen.append):
            channel.publish_built(build)
    assert built == [1] and seen == [Moved("m", 1)]


@pytest.mark.django_db
def test_a_channel_carries_its_own_type_only() -> None:
    channel = Channel("test.moved", Moved)
    with transaction.atomic(), pytest.raises(TypeError, match="carries Moved, not Other"):
        channel.publish(Other("x"))  # type: ignore[arg-type]


def test_subscribing_twice_is_refused_and_test_subscriptions_do_not_leak() -> None:
    channel = Channel("test.moved", Moved)
    seen: list[Moved] = []
    handler = seen.append

    def failing_test() -> None:
        with channel.subscribed(handler):
            with pytest.raises(ValueError, match="already subscribed"):
                channel.subscribe(handler)
            raise RuntimeError("the test fails inside the block")

    with pytest.raises(RuntimeError):
        failing_test()
    assert channel.handlers == ()


def test_a_registry_declares_each_channel_once_and_subscribes_to_all() -> None:
    registry = Registry("test")
    moved = registry.channel("test.moved", Moved)
    other = registry.channel("test.other", Other)
    with pytest.raises(ValueError, match="declared twice"):
        registry.channel("test.moved", Moved)
    seen: list[Any] = []
    with registry.subscribed_to_all(seen.append):
        assert moved.handlers == other.handlers == (seen.append,)
        assert registry["test.other"] is other
    assert moved.handlers == other.handlers == ()


def test_the_money_registry_lists_every_money_event() -> None:
    """The lower apps declare them at import (their services import their ``events``)."""
    assert {channel.name for channel in money.channels()} == {
        "indicators.posted",
        "payments.frozen",
        "payments.released",
        "payments.settled",
        "payments.failed",
        "payments.refund_registered",
        "payments.refund_confirmed",
        "payments.correction_posted",
        "procurement.reserved",
        "procurement.released",
        "procurement.plan_reserved",
        "procurement.plan_released",
        "payroll.accrued",
    }
    for channel in money.channels():
        fields = set(channel.event_type.__dataclass_fields__)
        assert {"event_id", "mof_div_code", "fiscal_year", "business_date", "source"} <= fields
        assert channel.event_type.__dataclass_params__.frozen  # type: ignore[attr-defined]
    # Accounting (ADR 0047) takes the three events that move a unit's cash, a salary batch's
    # accrual, and indicators issued (booked under the legacy quota model only); the execution
    # aggregates (ADR 0053) take every one.
    consumed = {c.name: [h.__name__ for h in c.handlers] for c in money.channels() if c.handlers}
    books = {
        "indicators.posted": ["on_indicator_posted"],
        "payroll.accrued": ["on_payroll_accrued"],
        "payments.settled": ["on_payment_settled"],
        "payments.refund_confirmed": ["on_refund_confirmed"],
        "payments.correction_posted": ["on_correction_posted"],
    }
    assert consumed == {
        c.name: [*books.get(c.name, []), "on_money_event"] for c in money.channels()
    }
