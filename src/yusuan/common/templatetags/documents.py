from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def document_of(refs: Any, movement: Any) -> Any:
    """The document a ledger movement came from (``common.documents``), or ``None``."""
    if not refs:
        return None
    return refs.get((str(movement.source_type), str(movement.source_id)))
