"""Procurement plans (采购实施计划) on the data grid (``common.grid``): number, unit, project,
品目, method, budget, planned start and state, each linked to its page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yusuan.common.grid import Cell, Grid, GridColumn
from yusuan.common.links import detail_url


def _state(plan: Any) -> Cell:
    notes = []
    if plan.method_exception:
        notes.append("R-GP-8")
    if plan.intention_late:
        notes.append("R-GP-7")
    return Cell("", badges=(str(plan.get_state_display()),), note=" ".join(notes))


PLAN_GRID = Grid(
    name="procurement.plans",
    sheet_title="采购实施计划",
    default_order=("-created_at", "-pk"),
    row_key=lambda plan: str(plan.pk),
    row_testid="plan-row",
    columns=(
        GridColumn(
            "number",
            _("Plan number"),
            lambda p: Cell(p.number, url=detail_url("procurement:plan_detail", p.pk)),
            order_by="number",
        ),
        GridColumn(
            "organisation",
            _("Unit"),
            lambda p: Cell(p.organisation.name),
            order_by="organisation__code",
        ),
        GridColumn("title", _("Procurement project"), lambda p: Cell(p.title), order_by="title"),
        GridColumn(
            "pur_item_code",
            _("Procurement item (品目)"),
            lambda p: Cell(p.pur_item_code),
            order_by="pur_item_code",
        ),
        GridColumn(
            "method",
            _("Procurement method"),
            lambda p: Cell(str(p.get_method_display())),
            order_by="method",
            export=lambda p: str(p.get_method_display()),
        ),
        GridColumn(
            "org_form",
            _("Organisation form"),
            lambda p: Cell(str(p.get_org_form_display())),
            visible=False,
            export=lambda p: str(p.get_org_form_display()),
        ),
        GridColumn("amount", _("Plan budget (yuan)")),
        GridColumn(
            "planned_start",
            _("Planned start"),
            lambda p: Cell(p.planned_start.isoformat()),
            order_by="planned_start",
            export=lambda p: p.planned_start.isoformat(),
        ),
        GridColumn(
            "state",
            _("State"),
            _state,
            order_by="state",
            export=lambda p: str(p.get_state_display()),
        ),
    ),
)
