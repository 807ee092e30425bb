"""The data grid's pieces that know organisations (the grid itself is ``common.grid``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yusuan.common.grid import GroupLevel, subtotal_label
from yusuan.core.models import Organisation


def organisation_subtotal(key: str) -> str:
    """The label of a group keyed by an organisation's id (a unit, a department)."""
    found = Organisation.objects.filter(pk=int(key)).values_list("name", flat=True).first()
    return subtotal_label(found or key)


def department_of(path: Any) -> str:
    """A unit's department: the first organisation on its path (``/<department>/<unit>/``)."""
    return str(path).strip("/").split("/")[0]


def department_level() -> GroupLevel:
    """Subtotals by department: rows in path order, each SQL group's path folded into its
    department, for any grid whose rows have an ``organisation``."""
    return GroupLevel(
        "department",
        _("Department"),
        order_by=("organisation__path",),
        group_by="organisation__path",
        row_key=lambda row: department_of(row.organisation.path),
        fold=department_of,
        name=organisation_subtotal,
    )


def unit_level(order_by: str) -> GroupLevel:
    """Subtotals by unit (``organisation_id``), rows ordered by ``order_by`` (path or code)."""
    return GroupLevel(
        "unit",
        _("Unit"),
        order_by=(order_by,),
        group_by="organisation_id",
        row_key=lambda row: str(row.organisation_id),
        name=organisation_subtotal,
    )
