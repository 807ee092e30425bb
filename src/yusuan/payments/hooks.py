"""Release checks: what runs between a payment request's final approval and its voucher.

Payments declares the hook; an app above it (monitoring, 事中监控 DOMAIN §3.9) registers a check
from its ``AppConfig.ready()``, so payments imports nothing of it (ADR 0025). When the last
approver approves, :func:`run_release_checks` runs every registered check in the approval's
transaction and the strongest outcome decides (``services.vouchers.after_approval``): ``block``
releases the frozen money and the request must be revised, ``warn`` waits for the unit's written
explanation, ``pass`` issues the voucher. A check that raises rolls the approval back.

The request page and API show what the checks found through :func:`findings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from yusuan.common.actor import Actor

if TYPE_CHECKING:
    from yusuan.payments.models import PaymentRequest


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105  (an outcome, not a password)
    WARN = "warn"
    BLOCK = "block"


STRENGTH = {Outcome.PASS: 0, Outcome.WARN: 1, Outcome.BLOCK: 2}


@dataclass(frozen=True)
class Finding:
    """One thing a check found on a request, as the request page and API show it."""

    round: int
    rule: str
    outcome: str
    level: str
    row: int | None
    value: str
    limit: str
    message_zh: str
    message_en: str
    # Where the finding stands in its check's own review (monitoring: R-MO-14), and its id there.
    status: str = ""
    id: int | None = None
    status_label: str = ""


class ReleaseCheck(Protocol):
    def run(self, *, actor: Actor, request: PaymentRequest, round_no: int) -> Outcome:
        """Check the approved request (in the approval's transaction), keep what was found."""
        ...

    def findings(self, request: PaymentRequest) -> list[Finding]:
        """What the check found on the request, every round, oldest first."""
        ...


_CHECKS: dict[str, ReleaseCheck] = {}


def register_release_check(name: str, check: ReleaseCheck) -> None:
    """Called from an ``AppConfig.ready()``; registering a name again replaces its check."""
    _CHECKS[name] = check


def release_checks() -> dict[str, ReleaseCheck]:
    return dict(_CHECKS)


def run_release_checks(*, actor: Actor, request: PaymentRequest, round_no: int) -> Outcome:
    """Every registered check on the approved request; the strongest outcome (``pass`` if none)."""
    outcomes = [
        check.run(actor=actor, request=request, round_no=round_no) for check in _CHECKS.values()
    ]
    return max(outcomes, key=STRENGTH.__getitem__, default=Outcome.PASS)


def findings(request: PaymentRequest) -> list[Finding]:
    return [found for check in _CHECKS.values() for found in check.findings(request)]
