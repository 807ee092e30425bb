"""Checks higher apps add to ``yusuan reconcile`` (the books, R-AC-2/R-AC-4), registered in their
``AppConfig.ready`` so that the command, which lives here, never imports upward."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Reconciler:
    name: str  # what it checks, shown in the command's summary
    # (region or None, year or None) → (differences that fail the run, warnings, rows checked)
    check: Callable[[str | None, int | None], tuple[list[str], list[str], int]]


_RECONCILERS: list[Reconciler] = []


def register_reconciler(reconciler: Reconciler) -> None:
    if any(r.name == reconciler.name for r in _RECONCILERS):
        raise ValueError(f"reconciler {reconciler.name} registered twice")
    _RECONCILERS.append(reconciler)


def reconcilers() -> tuple[Reconciler, ...]:
    return tuple(_RECONCILERS)
