"""What waits for a person (issue 16 item 2): the home page's work list, filled by the modules.

Each module that leaves work for someone registers a provider in its ``AppConfig.ready``
(``worklist.provide("payments", provider)``); a provider looks at the actor's permissions and
scope and returns the items it has for them — drafts to finish, payments blocked by monitoring,
vouchers to send, refunds to confirm — each with a count, a link to the list that shows exactly
those documents and an urgency. The portal asks every provider (``work_for``) and shows the
items with a count above zero. A later module (accounting, year-end) adds its own provider and
the home page shows its work without the portal changing (the registry sits low, as
``common.events`` does for money events).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

URGENT, ATTENTION, ROUTINE = 0, 1, 2


@dataclass(frozen=True)
class WorkItem:
    key: str  # stable id: "payments.drafts" (tests, and the page's data-testid)
    label: str  # translated: 草稿（未送审）
    count: int
    url: str  # the list showing exactly these documents
    urgency: int = ROUTINE
    amount_fen: int | None = None  # what the items amount to, when money
    note: str = ""


Provider = Callable[[Any], Iterable[WorkItem]]

_PROVIDERS: dict[str, Provider] = {}


def provide(name: str, provider: Provider) -> None:
    """Register (or replace, on a reload) the provider of a module."""
    _PROVIDERS[name] = provider


def work_for(actor: Any) -> list[WorkItem]:
    """Everything every module has for ``actor``, most urgent first; empty counts left out."""
    items = [item for provider in _PROVIDERS.values() for item in provider(actor) if item.count]
    return sorted(items, key=lambda item: (item.urgency, item.key))
