"""The voucher list as a data grid (``common.grid``): sortable, the amounts summed in the
database, subtotals by state or month, the columns chosen per person and the Excel export of
what is shown. A voucher that may be reviewed or posted from the list carries a checkbox."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yusuan.accounting.choices import AssetKind, VoucherOrigin, VoucherState
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


ASSET_GRID = Grid(
    name="accounting.assets",
    sheet_title="资产卡片",
    default_order=("organisation__code", "code"),
    row_key=lambda card: str(card.pk),
    row_testid="asset-row",
    columns=(
        GridColumn("code", _("Card number"), lambda c: Cell(c.code), order_by="code"),
        GridColumn("name", _("Asset name"), lambda c: Cell(c.name), order_by="name"),
        GridColumn(
            "organisation",
            _("Unit"),
            lambda c: Cell(c.organisation.name),
            order_by="organisation__code",
        ),
        GridColumn(
            "kind",
            _("Asset account"),
            lambda c: Cell(str(c.get_kind_display())),
            order_by="kind",
            export=lambda c: c.kind,
        ),
        GridColumn("cost_fen", _("Original cost (yuan)"), order_by="cost_fen"),
        GridColumn("salvage_fen", _("Salvage value (yuan)"), order_by="salvage_fen", visible=False),
        GridColumn(
            "in_service",
            _("In service from"),
            lambda c: Cell(c.in_service.isoformat()),
            order_by="in_service",
        ),
        GridColumn(
            "life_months",
            _("Useful life (months)"),
            lambda c: Cell(str(c.life_months)),
            order_by="life_months",
        ),
        GridColumn(
            "expense_account",
            _("Expense account"),
            lambda c: Cell(c.expense_account),
            order_by="expense_account",
        ),
    ),
    levels=(
        GroupLevel(
            "kind",
            _("Asset account"),
            order_by=("kind",),
            group_by="kind",
            row_key=lambda c: c.kind,
            name=choice_subtotal(AssetKind),
        ),
    ),
)
