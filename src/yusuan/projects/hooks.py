"""What the apps above the library know about a project (ADR 0025's shape): indicators hold its
money, procurement its contracts. They register checks here; the library asks them before it
ends a project (R-PJ-4) or removes it (作废/出库), in the same transaction, never importing up."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from yusuan.common.errors import ErrorDetail

if TYPE_CHECKING:
    from yusuan.projects.models import Project


# (project, ending) → errors: ``ending`` is "terminate", "complete" or "void".
EndCheck = Callable[["Project", str], list[ErrorDetail]]
_CHECKS: list[EndCheck] = []


def register_end_check(check: EndCheck) -> None:
    if check not in _CHECKS:
        _CHECKS.append(check)


def end_errors(project: Project, ending: str) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    for check in _CHECKS:
        errors += check(project, ending)
    return errors
