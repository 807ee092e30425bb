"""The voucher list as a data grid (``common.grid``): sortable, the amounts summed in the
database, subtotals by state or month, the columns chosen per person and the Excel export of
what is shown. A voucher that may be reviewed or posted from the list carries a checkbox."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yusuan.accounting.choices import VoucherOrigin, VoucherState
from yusuan.common.grid import Cell, Grid, GridColumn, GroupLevel, choice_subtotal, subtotal_label


def _label(voucher: Any) -> Cell:
    return Cell(voucher.label, template="accounting/cells/voucher.html")


def _month(key: str) -> str:
    return subtotal_label(f"{key} 月" if key != "0" else "期初")


VOUCHER_GRID = Grid(
    name="accounting.vouchers",
    sheet_title="记账凭证",
    default_order=("-voucher_date", "-pk"),
    row_key=lambda voucher: str(voucher.pk),
    row_testid="voucher-row",
    columns=(
        GridColumn(
            "label",
            pgettext_lazy("accounting", "Voucher"),
            _label,
            order_by="number",
            export=lambda v: v.label,
        ),
        GridColumn(
            "voucher_date",
            _("Date"),
            lambda v: Cell(v.voucher_date.isoformat()),
            order_by="voucher_date",
        ),
        GridColumn(
            "organisation",
            _("Unit"),
            lambda v: Cell(v.book.organisation.name),
            order_by="book__organisation__code",
        ),
        GridColumn(
            "summary",
            _("Summary"),
            lambda v: Cell(v.summary, note=str(_("needs lines")) if v.problem else ""),
            order_by="summary",
        ),
        GridColumn(
            "source",
            _("Source document"),
            lambda v: Cell(v.source_number or "—"),
            order_by="source_number",
        ),
        GridColumn("total_fen", _("Amount (yuan)"), order_by="total_fen"),
        GridColumn(
            "state",
            _("State"),
            lambda v: Cell("", badges=(str(v.get_state_display()),)),
            order_by="state",
            export=lambda v: str(v.get_state_display()),
        ),
        GridColumn(
            "origin",
            _("Origin"),
            lambda v: Cell(str(v.get_origin_display()), note=v.rule_code),
            order_by="origin",
            visible=False,
        ),
    ),
    levels=(
        GroupLevel(
            "state",
            _("State"),
            order_by=("state",),
            group_by="state",
            row_key=lambda v: v.state,
            name=choice_subtotal(VoucherState),
        ),
        GroupLevel(
            "month",
            _("Month"),
            order_by=("month",),
            group_by="month",
            row_key=lambda v: str(v.month),
            name=_month,
        ),
        GroupLevel(
            "origin",
            _("Origin"),
            order_by=("origin",),
            group_by="origin",
            row_key=lambda v: v.origin,
            name=choice_subtotal(VoucherOrigin),
        ),
    ),
)
