from __future__ import annotations

from typing import Any

from django import template

from yusuan.audit.actions import action_label as label_of
from yusuan.audit.readable import readable
from yusuan.audit.selectors import audit_history_for

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """``security.login.failed`` → 登录失败 (the code itself when it has no label)."""
    return label_of(action)


@register.inclusion_tag("audit/history.html", takes_context=True)
def audit_history(context: dict[str, Any], obj: Any, limit: int = 50) -> dict[str, Any]:
    """An object's history on its detail page; the page has already authorised the object."""
    user = context["request"].user
    if not user.has_perm("audit.view_auditrecord"):
        return {"records": None}
    records = audit_history_for(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return {"records": readable(user, records.select_related("actor")[:limit])}
