"""Monitoring warnings (动态监控预警) as a data grid (``common.grid``; issue 16 items 2–3): the
list the home page's "open monitoring warnings" links down to, every finding in the reader's
scope with its request, rule, level, outcome and where it stands, sorted and exported like every
big list."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from yusuan.common.grid import Cell, Grid, GridColumn
from yusuan.common.links import detail_url


def _time(finding: Any) -> Cell:
    moment = timezone.localtime(finding.created_at)
    return Cell(
        moment.strftime("%Y-%m-%d %H:%M"),
        url=detail_url("monitoring:finding_detail", finding.pk),
    )


def _request(finding: Any) -> Cell:
    """The request checked or, for a scan's finding without one, the indicator it is about."""
    request = finding.request
    if request is None:
        line = finding.indicator_line
        return Cell(line.code if line is not None else "—", note=str(finding.get_source_display()))
    return Cell(request.number, url=getattr(finding, "request_url", ""), note=request.purpose)


def linked_for(viewer: Any) -> Any:
    """The grid's ``prepare``: each request linked when the reader may open payment requests
    (a leader or treasury officer may; the findings are in their scope already)."""
    may_open = viewer.has_perm("payments.view_paymentrequest")

    def prepare(findings: list[Any]) -> list[Any]:
        for finding in findings:
            if may_open and finding.request_id is not None:
                finding.request_url = detail_url("payments:request_detail", finding.request_id)
        return findings

    return prepare


def _text(finding: Any) -> Cell:
    english = (get_language() or "").startswith("en")
    return Cell(finding.message_en if english else finding.message_zh)


FINDING_GRID = Grid(
    name="monitoring.findings",
    sheet_title="监控预警",
    default_order=("-created_at", "-pk"),
    row_key=lambda finding: str(finding.pk),
    columns=(
        GridColumn(
            "created_at",
            _("Found"),
            _time,
            order_by="created_at",
            export=lambda f: timezone.localtime(f.created_at).strftime("%Y-%m-%d %H:%M"),
        ),
        GridColumn(
            "request",
            _("Payment request"),
            _request,
            order_by="request__number",
            export=lambda f: f.request.number if f.request is not None else "",
        ),
        GridColumn(
            "organisation",
            _("Unit"),
            lambda f: Cell(f.organisation.name if f.organisation is not None else "—"),
            order_by="organisation__code",
        ),
        GridColumn("rule", _("Rule"), lambda f: Cell(f.rule), order_by="rule"),
        GridColumn(
            "level",
            pgettext_lazy("monitoring", "Level"),
            lambda f: Cell("", badges=(str(f.get_level_display()),)),
            order_by="level",
            export=lambda f: str(f.get_level_display()),
        ),
        GridColumn(
            "outcome",
            _("Outcome"),
            lambda f: Cell(str(f.get_outcome_display())),
            order_by="outcome",
        ),
        GridColumn("text", _("Finding"), _text),
        GridColumn(
            "status",
            _("Status"),
            lambda f: Cell(str(f.get_status_display())),
            order_by="status",
        ),
    ),
)
