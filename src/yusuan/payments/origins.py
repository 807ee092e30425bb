"""Where a payment request came from, as the apps above payments know it (the salary batch that
generated it), and what it became in their records (the unit's accounting vouchers): the
request's page links each. Payments declares the hooks and never imports those apps (the layers
contract); each registers its finder in its ``AppConfig.ready()``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from yusuan.common.actor import Actor
from yusuan.payments.models import PaymentRequest


@dataclass(frozen=True)
class Origin:
    label: str  # what it is, translated ("Salary batch")
    text: str  # its number
    url: str
    note: str = ""  # e.g. "32 employees"


OriginFinder = Callable[[PaymentRequest], Origin | None]
_FINDERS: dict[str, OriginFinder] = {}


def register_origin(name: str, finder: OriginFinder) -> None:
    """Called by an app's ``ready()``; ``name`` keeps a second registration from adding twice."""
    _FINDERS[name] = finder


def origins_of(request: PaymentRequest) -> list[Origin]:
    return [origin for finder in _FINDERS.values() if (origin := finder(request)) is not None]


# What a request became elsewhere, as the viewer may see it (a finder checks the viewer's
# permission and scope, and returns nothing otherwise).
RecordFinder = Callable[[PaymentRequest, Actor], list[Origin]]
_RECORDS: dict[str, RecordFinder] = {}


def register_records(name: str, finder: RecordFinder) -> None:
    _RECORDS[name] = finder


def records_of(request: PaymentRequest, actor: Actor) -> list[Origin]:
    return [record for finder in _RECORDS.values() for record in finder(request, actor)]
