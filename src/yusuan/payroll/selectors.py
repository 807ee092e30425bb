"""Reads of the payroll module, each scoped to the actor (another unit's batch is a 404)."""

from __future__ import annotations

from django.db.models import QuerySet

from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.payroll.models import PayrollBatch


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
