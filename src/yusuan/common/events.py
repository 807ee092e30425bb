"""Business events published inside the transaction that makes them (ADR 0022).

A lower app (indicators, payments) declares what it announces as frozen dataclasses and one
:class:`Channel` per event type, in its own ``events`` module; a higher app (accounting,
reports, monitoring) subscribes a handler to that channel. The lower app never imports the
higher one: the registry sits with the publisher, as workflow's ``attach()`` does for document
handlers.

The rules, chosen in ADR 0022:

- **In the caller's transaction.** :meth:`Channel.publish` runs every handler at once, in the
  order they subscribed, inside the business transaction; publishing outside ``atomic`` is a
  programming error (:class:`PublishedOutsideTransactionError`). What a handler writes commits or
  rolls back with the business action.
- **A handler that raises rolls the business action back.** The exception is not caught: the
  service's ``atomic`` block undoes the movement and the handler's own rows together, and the
  caller sees the error (a :class:`~yusuan.common.errors.BusinessRuleError` from a handler
  reaches the clerk as any rule error would).
- **Exactly once per movement.** Publishers publish only when the movement happened (a ledger
  posting refused as a duplicate publishes nothing); every event carries a stable ``event_id``
  so a consumer can refuse a duplicate all the same.
- **No Django signals:** a channel is typed (a handler of ``Channel[PaymentSettled]`` gets a
  ``PaymentSettled``), subscribing twice is an error rather than a silent double posting, and
  a handler's exception is never swallowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.db import transaction


class PublishedOutsideTransactionError(RuntimeError):
    """A service published an event with no transaction open: its handlers' writes could not
    commit or roll back with the business action."""


@dataclass(frozen=True)
class SourceDocument:
    """The business document a movement belongs to: what an accounting voucher links to."""

    type: str  # "indicators.document", "payments.request", "payments.refund", …
    id: int
    number: str


class Event(Protocol):
    """What every business event carries (the fields a consumer keys and files it by)."""

    @property
    def event_id(self) -> str: ...

    @property
    def mof_div_code(self) -> str: ...

    @property
    def fiscal_year(self) -> int: ...

    @property
    def business_date(self) -> dt.date: ...

    @property
    def source(self) -> SourceDocument: ...


EventT = TypeVar("EventT")


class Channel(Generic[EventT]):
    """One event type's subscribers. Declared by the publishing app (``Registry.channel``)."""

    def __init__(self, name: str, event_type: type[EventT]) -> None:
        self.name = name
        self.event_type = event_type
        self._handlers: list[Callable[[EventT], None]] = []
        # A handler's way of taking many events at once (``publish_many``), if it has one, by
        # the handler's id (a handler need not be hashable: a test's journal is a list).
        self._many: dict[int, Callable[[Sequence[EventT]], None]] = {}

    def __repr__(self) -> str:
        return f"<Channel {self.name}: {len(self._handlers)} handler(s)>"

    def subscribe(
        self,
        handler: Callable[[EventT], None],
        *,
        many: Callable[[Sequence[EventT]], None] | None = None,
    ) -> None:
        """Add ``handler`` (a higher app's ``AppConfig.ready`` calls this once). Subscribing the
        same handler twice is refused: it would post every movement twice. ``many``, if given,
        takes the events of one ``publish_many`` in one call, with the same effect as
        ``handler`` on each of them in turn (issue 20: a bank file's thousand results)."""
        if handler in self._handlers:
            raise ValueError(f"{handler!r} is already subscribed to {self.name}")
        self._handlers.append(handler)
        if many is not None:
            self._many[id(handler)] = many

    def unsubscribe(self, handler: Callable[[EventT], None]) -> None:
        self._handlers.remove(handler)
        self._many.pop(id(handler), None)

    @contextmanager
    def subscribed(self, handler: Callable[[EventT], None]) -> Iterator[None]:
        """``handler`` receives this channel's events inside the ``with`` block only (tests)."""
        self.subscribe(handler)
        try:
            yield
        finally:
            self.unsubscribe(handler)

    @property
    def handlers(self) -> tuple[Callable[[EventT], None], ...]:
        return tuple(self._handlers)

    def publish(self, event: EventT) -> None:
        """Run every handler on ``event`` now, in the caller's transaction."""
        if not isinstance(event, self.event_type):
            raise TypeError(
                f"{self.name} carries {self.event_type.__name__}, not {type(event).__name__}"
            )
        if not transaction.get_connection().in_atomic_block:
            raise PublishedOutsideTransactionError(
                f"{self.name} published outside a transaction: {event!r}"
            )
        for handler in tuple(self._handlers):
            handler(event)

    def publish_built(self, build: Callable[[], EventT]) -> None:
        """Publish the event ``build()`` makes, building it only when someone listens: the
        reads an event needs (codes, names) cost nothing on the hot path of a deployment with
        no consumer. Outside a transaction it is refused all the same."""
        if not transaction.get_connection().in_atomic_block:
            raise PublishedOutsideTransactionError(f"{self.name} published outside a transaction")
        if self._handlers:
            self.publish(build())

    def publish_many(self, build: Callable[[], Sequence[EventT]]) -> None:
        """Publish the events of one business action that moved many lines at once (built only
        when someone listens): a handler subscribed with ``many`` receives them all in one
        call, any other one by one, in order. Each handler has every event before the next
        handler starts. Outside a transaction it is refused, as ``publish``."""
        if not transaction.get_connection().in_atomic_block:
            raise PublishedOutsideTransactionError(f"{self.name} published outside a transaction")
        if not self._handlers:
            return
        events = build()
        for event in events:
            if not isinstance(event, self.event_type):
                raise TypeError(
                    f"{self.name} carries {self.event_type.__name__}, not {type(event).__name__}"
                )
        for handler in tuple(self._handlers):
            many = self._many.get(id(handler))
            if many is not None:
                many(events)
            else:
                for event in events:
                    handler(event)


class Registry:
    """The channels of one family of events (money events: :data:`money`), by name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._channels: dict[str, Channel[Any]] = {}

    def channel(self, name: str, event_type: type[EventT]) -> Channel[EventT]:
        """Declare a channel (once, at import of the publisher's ``events`` module)."""
        if name in self._channels:
            raise ValueError(f"{self.name}: channel {name} is declared twice")
        made = Channel(name, event_type)
        self._channels[name] = made
        return made

    def channels(self) -> tuple[Channel[Any], ...]:
        return tuple(self._channels.values())

    def __getitem__(self, name: str) -> Channel[Any]:
        return self._channels[name]

    @contextmanager
    def subscribed_to_all(self, handler: Callable[[Any], None]) -> Iterator[None]:
        """``handler`` receives every channel's events inside the ``with`` block (tests, and a
        consumer that files them all, as an accounting journal does)."""
        done: list[Channel[Any]] = []
        try:
            for each in self.channels():
                each.subscribe(handler)
                done.append(each)
            yield
        finally:
            for each in done:
                each.unsubscribe(handler)


# Money moved: the indicator ledger, payments settled or failed, refunds, corrections (ADR 0022).
money = Registry("money")

# A region's years and reference data changing: a year opened (its code set and standards
# copied), so that higher apps copy what they keep per year (the 集中采购目录, ADR 0052).
lifecycle = Registry("lifecycle")
