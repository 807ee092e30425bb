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
def condition_text(condition: dict[str, Any], document_type: str = "") -> str:
    """A definition's condition in words, its subtype and flag codes named by the document
    type's vocabulary."""
    doc_type = registry.get(document_type) if document_type else None

    def name_of(field: str, code: str) -> str:
        terms = (
            {"subtype": doc_type.subtypes, "flag": doc_type.flags}.get(field, ())
            if doc_type
            else ()
        )
        return next((t.name for t in terms if t.code == code), code)

    return rules.describe_condition(rules.Condition.model_validate(condition), name_of)


@register.filter
def level_name(code: str) -> str:
    return str(Level(code).label) if code in Level.values else code
