from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import ngettext

from yusuan.audit.actions import action_label as label_of
from yusuan.audit.readable import readable
from yusuan.audit.selectors import audit_history_for

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """``security.login.failed`` → 登录失败 (the code itself when it has no label)."""
    return label_of(action)


@register.filter
def change_value(value: Any) -> str:
    """A changed field's value as recorded: ∅ for none; a structured value (an approval
    definition's body, a list of roles' codes) folded under a count, its JSON inside, since the
    record keeps it verbatim and its keys are codes, not words."""
    if value is None:
        return "∅"
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return "、".join(map(str, value)) or "∅"
    if isinstance(value, dict | list):
        shown = json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
        return format_html(
            '<details class="change-detail"><summary>{}</summary><pre>{}</pre></details>',
            ngettext("%(n)s item", "%(n)s items", len(value)) % {"n": len(value)},
            shown,
        )
    return str(value)


@register.inclusion_tag("audit/history.html", takes_context=True)
def audit_history(context: dict[str, Any], obj: Any, limit: int = 50) -> dict[str, Any]:
    """An object's history on its detail page; the page has already authorised the object."""
    user = context["request"].user
    if not user.has_perm("audit.view_auditrecord"):
        return {"records": None}
    records = audit_history_for(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return {"records": readable(user, records.select_related("actor")[:limit])}
