"""Procurement intentions (采购意向) on the data grid (``common.grid``): the units' own list, and
the public listing anyone may read and export (R-GP-1). Both show the same published fields;
the units' list links each intention to its page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yusuan.common.grid import Cell, Grid, GridColumn
from yusuan.common.links import detail_url


def _month(intention: Any) -> str:
    return str(intention.expected_month.strftime("%Y-%m"))


def _date(value: Any) -> str:
    return value.isoformat() if value else ""


def _state(intention: Any) -> Cell:
    note = ""
    if intention.withdraw_reason:
        note = intention.withdraw_reason
    elif intention.changed_on:
        note = str(_("changed on %(date)s") % {"date": intention.changed_on.isoformat()})
    return Cell("", badges=(str(intention.get_state_display()),), note=note)


def _columns(*, linked: bool) -> tuple[GridColumn, ...]:
    def number(intention: Any) -> Cell:
        url = detail_url("procurement:intention_detail", intention.pk) if linked else ""
        return Cell(intention.number, url=url)

    return (
        GridColumn("number", _("Number"), number, order_by="number"),
        GridColumn(
            "organisation",
            _("Unit"),
            lambda i: Cell(i.organisation.name),
            order_by="organisation__code",
        ),
        GridColumn(
            "project_name",
            _("Procurement project"),
            lambda i: Cell(i.project_name, note=i.need_summary[:60]),
            order_by="project_name",
            export=lambda i: i.project_name,
        ),
        GridColumn(
            "need_summary",
            _("Summary of the need"),
            lambda i: Cell(i.need_summary),
            visible=False,
        ),
        GridColumn(
            "pur_item_code",
            _("Procurement item (品目)"),
            lambda i: Cell(i.pur_item_code),
            order_by="pur_item_code",
        ),
        GridColumn("budget", _("Budget amount (yuan)")),
        GridColumn(
            "expected_month",
            _("Expected month"),
            lambda i: Cell(_month(i)),
            order_by="expected_month",
            export=_month,
        ),
        GridColumn(
            "is_sme_reserved",
            _("Reserved for SMEs"),
            lambda i: Cell(str(_("yes")) if i.is_sme_reserved else ""),
            order_by="is_sme_reserved",
        ),
        GridColumn(
            "published_on",
            _("Published on"),
            lambda i: Cell(_date(i.published_on)),
            order_by="published_on",
            export=lambda i: _date(i.published_on),
        ),
        GridColumn(
            "state",
            _("State"),
            _state,
            order_by="state",
            export=lambda i: str(i.get_state_display()),
        ),
    )


INTENTION_GRID = Grid(
    name="procurement.intentions",
    sheet_title="采购意向",
    default_order=("-created_at", "-pk"),
    row_key=lambda intention: str(intention.pk),
    row_testid="intention-row",
    columns=_columns(linked=True),
)

PUBLIC_INTENTION_GRID = Grid(
    name="procurement.public_intentions",
    sheet_title="政府采购意向公开",
    default_order=("expected_month", "organisation__code", "pk"),
    row_key=lambda intention: str(intention.pk),
    row_testid="public-intention-row",
    columns=_columns(linked=False),
)
