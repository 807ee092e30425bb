"""The indicator documents (指标文件: issues, allocations, adjustments, freezes …) as a data grid
(``common.grid``; issue 16 item 3): each document's total summed in the database so it sorts and
adds up at province scale, subtotals by unit or document type, the columns chosen per person
and the Excel export of what is shown."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
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
from yusuan.indicators.choices import DocumentKind
from yusuan.indicators.models import DocumentLine, IndicatorDocument


def with_totals(queryset: QuerySet[IndicatorDocument]) -> QuerySet[IndicatorDocument]:
    """Each document's total (fen, the sum of its rows) as a column the database sorts and sums."""
    return with_row_totals(queryset, DocumentLine.objects.all(), "document")


def _number(document: Any) -> Cell:
    return Cell(document.number, url=detail_url("indicators:document_detail", document.pk))


def _date(moment: Any) -> str:
    return timezone.localdate(moment).isoformat() if moment else "—"


DOCUMENT_GRID = Grid(
    name="indicators.documents",
    sheet_title="指标文件",
    default_order=("-created_at", "-pk"),
    row_key=lambda document: document.number,
    columns=(
        GridColumn("number", _("Number"), _number, order_by="number", export=lambda d: d.number),
        GridColumn("kind", _("Type"), lambda d: Cell(str(d.get_kind_display())), order_by="kind"),
        GridColumn("title", _("Title"), lambda d: Cell(d.title), order_by="title"),
        GridColumn(
            "doc_no",
            _("文号"),
            lambda d: Cell(d.doc_no or "—"),
            order_by="doc_no",
            visible=False,  # found by the filter; chosen to be shown
        ),
        GridColumn(
            "organisation",
            _("Entered by organisation"),
            lambda d: Cell(d.organisation.name),
            order_by="organisation__code",
        ),
        GridColumn(
            "state",
            _("State"),
            lambda d: Cell("", badges=(str(d.get_state_display()),)),
            order_by="state",
            export=lambda d: str(d.get_state_display()),
        ),
        GridColumn(
            "created_at", _("Entered"), lambda d: Cell(_date(d.created_at)), order_by="created_at"
        ),
        GridColumn(
            "posted_at",
            _("Effective"),
            lambda d: Cell(_date(d.posted_at)),
            order_by="posted_at",
            visible=False,
        ),
        GridColumn("total", _("Amount (yuan)"), order_by="total"),
        GridColumn(
            "created_by",
            _("Entered by"),
            lambda d: Cell(d.created_by.full_name or d.created_by.username),
            visible=False,
        ),
    ),
    levels=(
        unit_level("organisation__code"),
        GroupLevel(
            "kind",
            _("Type"),
            order_by=("kind",),
            group_by="kind",
            row_key=lambda d: d.kind,
            name=choice_subtotal(DocumentKind),
        ),
    ),
)
