"""The data grid's pieces that know organisations (the grid itself is ``common.grid``)."""

from __future__ import annotations

from yusuan.common.grid import subtotal_label
from yusuan.core.models import Organisation


def organisation_subtotal(key: str) -> str:
    """The label of a group keyed by an organisation's id (a unit, a department)."""
    found = Organisation.objects.filter(pk=int(key)).values_list("name", flat=True).first()
    return subtotal_label(found or key)
