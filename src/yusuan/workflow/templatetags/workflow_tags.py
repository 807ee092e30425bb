from __future__ import annotations

from typing import Any

from django import template

from yusuan.workflow import registry, rules
from yusuan.workflow.choices import Level

register = template.Library()


@register.filter
def doctype_name(code: str) -> str:
    doc_type = registry.get(code)
    return doc_type.name if doc_type else code


@register.filter
def condition_text(condition: dict[str, Any]) -> str:
    return rules.describe_condition(rules.Condition.model_validate(condition))


@register.filter
def level_name(code: str) -> str:
    return str(Level(code).label) if code in Level.values else code
