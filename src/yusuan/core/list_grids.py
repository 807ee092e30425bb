"""Organisations and payees as data grids (``common.grid``; issue 16 item 3): sortable, columns
kept per person, subtotals are not summed (no amounts) but each list pages and exports the same
way as the ledger. Payees are masked in the list whatever the role (DESIGN §7)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yusuan.common.grid import Cell, Grid, GridColumn
from yusuan.common.links import detail_url
from yusuan.common.masking import mask_account_no, mask_id_number


def _organisation(o: Any) -> Cell:
    return Cell(
        o.name,
        url=detail_url("core:organisation_detail", o.pk),
        note=o.parent.name if o.parent_id and o.parent else "",
    )


ORGANISATION_GRID = Grid(
    name="core.organisations",
    sheet_title="单位",
    default_order=("code",),
    row_key=lambda o: o.code,
    columns=(
        GridColumn("code", _("Code"), lambda o: Cell(o.code), order_by="code"),
        GridColumn("name", _("Name"), _organisation, order_by="name", export=lambda o: o.name),
        GridColumn("kind", _("Kind"), lambda o: Cell(str(o.get_kind_display())), order_by="kind"),
        GridColumn(
            "agency_type",
            _("Unit type"),
            lambda o: Cell(str(o.get_agency_type_display() or "—")),
            order_by="agency_type",
        ),
        GridColumn(
            "budget_level",
            _("Budget level"),
            lambda o: Cell(str(o.get_budget_level_display() or "—")),
            order_by="budget_level",
        ),
        GridColumn(
            "supervising_division",
            _("Supervising division"),
            lambda o: Cell(o.supervising_division.name if o.supervising_division else "—"),
            order_by="supervising_division__name",
        ),
        GridColumn(
            "parent",
            _("Parent"),
            lambda o: Cell(o.parent.name if o.parent else "—"),
            order_by="parent__code",
            visible=False,
        ),
        GridColumn(
            "is_enabled",
            _("Status"),
            lambda o: Cell("", badges=(str(_("Enabled") if o.is_enabled else _("Disabled")),)),
            order_by="is_enabled",
            export=lambda o: str(_("Enabled") if o.is_enabled else _("Disabled")),
        ),
    ),
)


def _identifier(p: Any) -> str:
    return p.credit_code or mask_id_number(p.id_number)


PAYEE_GRID = Grid(
    name="core.payees",
    sheet_title="收款人",
    default_order=("name", "pk"),
    row_key=lambda p: str(p.pk),
    columns=(
        GridColumn(
            "name",
            _("Name"),
            lambda p: Cell(p.name, url=detail_url("core:payee_detail", p.pk)),
            order_by="name",
            export=lambda p: p.name,
        ),
        GridColumn(
            "kind", _("Payee kind"), lambda p: Cell(str(p.get_kind_display())), order_by="kind"
        ),
        GridColumn("identifier", _("Identifier"), lambda p: Cell(_identifier(p))),
        GridColumn(
            "bank_account_no",
            _("Bank account number"),
            lambda p: Cell(mask_account_no(p.bank_account_no)),
        ),
        GridColumn("bank_name", _("Bank"), lambda p: Cell(p.bank_name), order_by="bank_name"),
        GridColumn(
            "organisation",
            _("Registered by"),
            lambda p: Cell(p.organisation.name),
            order_by="organisation__code",
        ),
        GridColumn(
            "is_enabled",
            _("Status"),
            lambda p: Cell("", badges=(str(_("Enabled") if p.is_enabled else _("Disabled")),)),
            order_by="is_enabled",
            visible=False,
            export=lambda p: str(_("Enabled") if p.is_enabled else _("Disabled")),
        ),
    ),
)
