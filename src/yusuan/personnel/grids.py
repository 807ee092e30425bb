"""The people list on the data grid (``common.grid``): ID numbers masked for everyone in lists
and exports (R-PS-6, ADR 0019); the person's own page shows it whole to roles that need it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yusuan.common.grid import Cell, Grid, GridColumn
from yusuan.common.links import detail_url
from yusuan.common.masking import mask_id_number

PEOPLE_GRID = Grid(
    name="personnel.people",
    sheet_title="人员",
    default_order=("organisation__code", "name", "pk"),
    row_key=lambda p: str(p.pk),
    columns=(
        GridColumn(
            "name",
            _("Name"),
            lambda p: Cell(p.name, url=detail_url("personnel:person_detail", p.pk)),
            order_by="name",
            export=lambda p: p.name,
        ),
        GridColumn(
            "id_number",
            _("ID number"),
            lambda p: Cell(mask_id_number(p.id_number)),
            export=lambda p: mask_id_number(p.id_number),
        ),
        GridColumn(
            "organisation",
            _("Unit"),
            lambda p: Cell(p.organisation.name, note=p.organisation.code),
            order_by="organisation__code",
            export=lambda p: p.organisation.name,
        ),
        GridColumn("sex", _("Sex"), lambda p: Cell(str(p.get_sex_display())), order_by="sex"),
        GridColumn(
            "birth_date",
            _("Birth date"),
            lambda p: Cell(p.birth_date.isoformat()),
            order_by="birth_date",
        ),
        GridColumn(
            "status", _("Status"), lambda p: Cell(str(p.get_status_display())), order_by="status"
        ),
        GridColumn(
            "establishment",
            _("Establishment type"),
            lambda p: Cell(str(p.get_establishment_display())),
            order_by="establishment",
        ),
        GridColumn(
            "state",
            _("State"),
            lambda p: Cell("", badges=(str(p.get_state_display()),)),
            order_by="state",
            export=lambda p: str(p.get_state_display()),
        ),
    ),
)
