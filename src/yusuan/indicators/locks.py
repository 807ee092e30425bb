"""Row locks of the indicator app, one function per locked set (Saleor's ``lock_objects``).

Take a lock only through these, so every transaction locks the same rows in the same order: the
document first, then its ledger lines in ascending id order (ADR 0009), which cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from yusuan.core.models.base import ScopedQuerySet
from yusuan.indicators.models import IndicatorDocument, SupplementRequest


class _OnLine(Protocol):
    @property
    def line_id(self) -> int: ...


_Leg = TypeVar("_Leg", bound=_OnLine)


def document_qs_select_for_update() -> ScopedQuerySet[IndicatorDocument]:
    """Indicator documents (issues, allocations, adjustments …), locked in pk order."""
    return IndicatorDocument.objects.order_by("pk").select_for_update()


def supplement_qs_select_for_update() -> ScopedQuerySet[SupplementRequest]:
    """追加申请 (R-AJ-7), the request's row only, in pk order; a request is locked before the
    追加 document that answers it (``supplement_answer``)."""
    return SupplementRequest.objects.order_by("pk").select_for_update(of=("self",))


def legs_in_lock_order(legs: Iterable[_Leg]) -> list[_Leg]:
    """A posting's legs in the order their ledger lines are locked: ascending line id. The
    ledger locks a line by its conditional ``UPDATE`` (no balance is read first), so this order
    is the lock order of ``indicators_indicatorline``."""
    return sorted(legs, key=lambda leg: leg.line_id)
