"""The payment request list as a data grid (``common.grid``; issue 16 item 3): sortable, with the
request's total summed in the database, subtotals by unit or state, the columns chosen per person
and the Excel export of what is shown."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from yusuan.common.grid import (
    Cell,
    Grid,
    GridColumn,
    GroupLevel,
    choice_subtotal,
    with_row_totals,
)
from yusuan.common.links import detail_url
from yusuan.core.grid import unit_level
from yusuan.payments.choices import RequestState
from yusuan.payments.models import PaymentLine, PaymentRequest


def with_totals(queryset: QuerySet[PaymentRequest]) -> QuerySet[PaymentRequest]:
    """Each request's total (fen) as a column the database can sort and sum."""
    return with_row_totals(queryset, PaymentLine.objects.all(), "request")


def _number(request: Any) -> Cell:
    return Cell(
        request.number,
        url=detail_url("payments:request_detail", request.pk),
        note=str(request.get_business_type_display()),
    )


PAYMENT_GRID = Grid(
    name="payments.requests",
    sheet_title="支付申请",
    default_order=("-created_at", "-pk"),
    row_key=lambda request: request.number,
    only=(
        "number",
        "business_type",
        "purpose",
        "pay_date",
        "state",
        "created_at",
        "organisation_id",
        "organisation__name",
        "voucher__number",
        "created_by__username",
        "created_by__full_name",
    ),
    columns=(
        GridColumn("number", _("Number"), _number, order_by="number", export=lambda r: r.number),
        GridColumn(
            "organisation",
            _("Unit"),
            lambda r: Cell(r.organisation.name),
            order_by="organisation__code",
        ),
        GridColumn("purpose", _("Purpose"), lambda r: Cell(r.purpose), order_by="purpose"),
        GridColumn(
            "pay_date",
            _("Payment date"),
            lambda r: Cell(r.pay_date.isoformat()),
            order_by="pay_date",
        ),
        GridColumn("total", _("Amount (yuan)"), order_by="total"),
        GridColumn(
            "voucher",
            _("Voucher"),
            lambda r: Cell(r.voucher.number if getattr(r, "voucher", None) else "—"),
            order_by="voucher__number",
        ),
        GridColumn(
            "state",
            _("State"),
            lambda r: Cell("", badges=(str(r.get_state_display()),)),
            order_by="state",
            export=lambda r: str(r.get_state_display()),
        ),
        GridColumn(
            "created_by",
            _("Entered by"),
            lambda r: Cell(r.created_by.full_name or r.created_by.username),
            visible=False,
        ),
    ),
    levels=(
        unit_level("organisation__code"),
        GroupLevel(
            "state",
            _("State"),
            order_by=("state",),
            group_by="state",
            row_key=lambda r: r.state,
            name=choice_subtotal(RequestState),
        ),
    ),
)
