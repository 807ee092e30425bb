"""What a unit registers and another person confirms (refunds, corrections; R-WF-1)."""

from __future__ import annotations

from typing import Any

from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, NotFoundError


def locked_for_confirmation(
    actor: Actor, locked: Any, pk: int, *, code: str, zh: str, en: str
) -> Any:
    """The registered record (a ``SecondPersonRecord``) from ``locked``, its kind's lock of
    ``payments.locks``; 404 outside the actor's scope, 409 once confirmed, 403 for the person who
    registered it. ``code``/``zh``/``en`` name the kind (refund, 退回)."""
    found = locked.visible_to(actor).filter(pk=pk).first()
    if found is None:
        raise NotFoundError(en)
    if found.state != "registered":
        raise BusinessRuleError.single(
            code=f"payments.{code}_done",
            field="state",
            value=found.get_state_display(),
            message_zh=f"{zh} {found.number} 已处理",
            message_en=f"{en} {found.number} is already {found.state}",
            status=409,
        )
    if found.registered_by_id == actor.pk:
        raise BusinessRuleError.single(
            code=f"payments.{code}_same_person",
            rule="R-WF-1",
            field="confirmed_by",
            value=getattr(actor, "username", ""),
            message_zh=f"{zh} {found.number} 由您登记，须由另一位人员确认",
            message_en=f"you registered {en} {found.number}; another person confirms it",
            status=403,
        )
    return found
