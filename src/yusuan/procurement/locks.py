"""Row locks of the procurement app, one function per locked set (Saleor's ``lock_objects``).

A contract's reservation (R-GP-9) changes under its row lock: filing creates it; closing locks
the contract, then moves its remaining reservation back (ledger lines ascending); a payment
locks its request (payments.locks), then the contract, then its contract lines by conditional
update in pk order, then the ledger lines. Nothing locks a contract before a payment request,
so the orders cannot cross.
"""

from __future__ import annotations

from yusuan.core.models.base import ScopedQuerySet
from yusuan.procurement.models import Contract, ProcurementIntention, ProcurementPlan


def contract_qs_select_for_update() -> ScopedQuerySet[Contract]:
    """Contracts, locked in pk order."""
    return Contract.objects.order_by("pk").select_for_update(of=("self",))


def intention_qs_select_for_update() -> ScopedQuerySet[ProcurementIntention]:
    """Procurement intentions, locked (one at a time: publish, change, withdraw)."""
    return ProcurementIntention.objects.order_by("pk").select_for_update(of=("self",))


def plan_qs_select_for_update() -> ScopedQuerySet[ProcurementPlan]:
    """Procurement plans, locked in pk order: submission, approval, contracts filed under the
    plan (which take from its lines), closing. A contract being closed is locked before its
    plan (contract → plan); nothing locks a plan and then an existing contract."""
    return ProcurementPlan.objects.order_by("pk").select_for_update(of=("self",))
