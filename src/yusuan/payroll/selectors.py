"""Reads of the payroll module, each scoped to the actor (another unit's batch is a 404)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.payroll.models import PayrollBatch, PayrollEmployee


def batch_list(*, actor: Actor) -> QuerySet[PayrollBatch]:
    return (
        PayrollBatch.objects.visible_to(actor)
        .select_related("organisation", "request")
        .defer("file")
        .order_by("-created_at", "-pk")
    )


def batch_get(*, actor: Actor, batch_id: int) -> PayrollBatch:
    found = batch_list(actor=actor).filter(pk=batch_id).first()
    if found is None:
        raise NotFoundError("salary batch")
    return found


def batch_rows(*, batch: PayrollBatch, text: str = "") -> QuerySet[PayrollEmployee]:
    """A batch's employees in sheet order; ``text``: a part of the name or the account number's
    last digits (a batch has thousands of rows, P9)."""
    rows = batch.rows.all()
    if text:
        rows = rows.filter(Q(name__contains=text) | Q(account_no__endswith=text))
    return rows.order_by("row")
