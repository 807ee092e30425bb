"""The indicator ledger (指标账) as a data grid (``common.grid``; issue 16 item 3): one line per
indicator, the balance columns in view at 1366 px by default, subtotals by unit, department or
functional class (类), every choice kept in the address so a link or an export reproduces it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yusuan.common.grid import Cell, Grid, GridColumn, GroupLevel, subtotal_label
from yusuan.common.links import detail_url
from yusuan.core.choices import CodeKind
from yusuan.core.grid import department_level, unit_level
from yusuan.core.models import ClassificationCode
from yusuan.indicators.choices import LineKind
from yusuan.indicators.elements import ELEMENTS, LEDGER_CODES, Element

# The ledger's yes/no flags and 三公 category (columns hidden until chosen).
LEDGER_MARKS = tuple(e for e in ELEMENTS if e.in_ledger and e.value in ("flag", "choice"))
SHOWN_CODES = ("exp_func_code", "dep_bgt_eco_code", "gov_bgt_eco_code")


def _functional_name(key: str) -> str:
    found = (
        ClassificationCode.objects.filter(kind=CodeKind.FUNCTIONAL, code=key)
        .order_by("-fiscal_year")
        .values_list("name", flat=True)
        .first()
    )
    return subtotal_label(f"{key} {found or ''}".rstrip())


def _code(line: Any) -> Cell:
    badges = []
    if line.kind == LineKind.PENDING:
        badges.append(str(line.get_kind_display()))
    if line.is_gov_pur:
        badges.append(str(_("GP")))
    if line.thr_exp_code:
        badges.append(str(_("三公")))
    if line.is_sal:
        badges.append(str(_("Salary")))
    if line.is_dir:
        badges.append(str(_("Direct")))
    return Cell(
        line.code,
        url=detail_url("indicators:line_detail", line.pk),
        note=line.summary,
        badges=tuple(badges),
    )


def _unit(line: Any) -> Cell:
    organisation = line.organisation
    return Cell(organisation.name, note=organisation.code) if organisation else Cell("—")


def _mark(element: Element) -> Any:
    """A flag as 是 or blank; the 三公 category by its name."""

    def cell(line: Any) -> Cell:
        value = getattr(line, element.attribute)
        if element.value == "flag":
            return Cell("是" if value else "")
        return Cell(str(getattr(line, f"get_{element.attribute}_display")()) if value else "")

    return cell


def _element(element: Element) -> GridColumn:
    return GridColumn(
        element.name,
        _(element.label_en),
        lambda x: Cell(getattr(x, element.attribute) or ""),
        order_by=element.attribute,
        visible=False,
    )


def _project(line: Any) -> Cell:
    return Cell(line.project.name, note=line.project.code) if line.project else Cell("—")


LEDGER_GRID = Grid(
    name="indicators.ledger",
    sheet_title="指标账",
    default_order=("code",),
    row_key=lambda line: line.code,
    columns=(
        GridColumn("code", _("Indicator code"), _code, order_by="code", export=lambda x: x.code),
        GridColumn(
            "organisation",
            _("Unit"),
            _unit,
            order_by="organisation__code",
            export=lambda x: x.organisation.name if x.organisation else "",
        ),
        GridColumn(
            "project",
            _("Project"),
            _project,
            order_by="project__code",
            visible=False,
            export=lambda x: x.project.code if x.project else "",
        ),
        GridColumn(
            "exp_func_code",
            _("Functional class"),
            lambda x: Cell(x.exp_func_code, note=getattr(x, "exp_func_name", "")),
            order_by="exp_func_code",
            export=lambda x: x.exp_func_code,
        ),
        GridColumn(
            "dep_bgt_eco_code",
            _("Economic class"),
            lambda x: Cell(x.dep_bgt_eco_code, note=getattr(x, "dep_bgt_eco_name", "")),
            order_by="dep_bgt_eco_code",
            export=lambda x: x.dep_bgt_eco_code,
        ),
        GridColumn(
            "gov_bgt_eco_code",
            _("Government economic class"),
            lambda x: Cell(x.gov_bgt_eco_code or "—"),
            order_by="gov_bgt_eco_code",
            visible=False,
        ),
        *(_element(e) for e in LEDGER_CODES if e.name not in SHOWN_CODES),
        GridColumn(
            "doc_no", _("文号"), lambda x: Cell(x.doc_no or "—"), order_by="doc_no", visible=False
        ),
        GridColumn(
            "kind",
            _("Indicator type"),
            lambda x: Cell(str(x.get_kind_display())),
            order_by="kind",
            visible=False,
        ),
        *(GridColumn(e.name, _(e.label_en), _mark(e), visible=False) for e in LEDGER_MARKS),
        GridColumn("total", _("Total (yuan)"), order_by="total"),
        GridColumn("available", _("Available (yuan)"), order_by="available"),
        GridColumn("allocated", _("Allocated (yuan)"), order_by="allocated", visible=False),
        GridColumn("reserved", _("Reserved (yuan)"), order_by="reserved", visible=False),
        GridColumn("frozen", _("In payment (yuan)"), order_by="frozen"),
        GridColumn("held", _("Frozen by finance (yuan)"), order_by="held", visible=False),
        GridColumn("paid", _("Paid (yuan)"), order_by="paid"),
    ),
    levels=(
        department_level(),
        unit_level("organisation__path"),
        GroupLevel(
            "function",
            _("Functional class (类)"),
            order_by=("exp_func_code",),
            group_by="exp_func_code",
            row_key=lambda x: x.exp_func_code[:3],
            fold=lambda code: str(code)[:3],
            name=_functional_name,
        ),
    ),
)
