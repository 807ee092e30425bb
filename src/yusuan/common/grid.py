"""The data grid (issue 16 item 3; ADR 0034): one way every big list pages, sorts, chooses its
columns, subtotals and exports, on the server, so it stays fast at province scale.

A list declares a :class:`Grid` — its columns (each with how to show a row's cell, how to sort,
whether it adds up), the page sizes, the levels it can subtotal by — and its view calls
:func:`grid_page` with the filtered queryset. The answer holds exactly what the page shows: the
visible columns in order, the page's rows as cells, the subtotal rows at each group's end (summed
over *every* matching row of the group, not the page), the grand total. The same object writes
the Excel file (:func:`grid_export`), so the export is what is shown: same columns, order,
filters and subtotals, all pages. ``components/grid.html`` renders it: a sticky header in a
scrolling box, sortable headers as links, a column chooser, page size and page jump, each a
plain form or link (keyboard and screen-reader friendly; htmx swaps the box when present).

Chosen columns are remembered per person (``identity.GridPreference``, reached through the
user's ``grid_preferences`` relation: this module sits in ``common``, below every app, so the
audit log can use it too; what knows organisations, such as their subtotal labels, stays in
``core.grid``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum, TextChoices
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.common.pages import page_number
from yusuan.common.tabular import XLSX, write_table
from yusuan.common.tabular import Column as ExportColumn
from yusuan.common.web import attachment

PAGE_SIZES = (20, 50, 100, 200)


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    note: str = ""  # a quieter second part (a code's name), kept on one line
    badges: tuple[str, ...] = ()
    numeric: bool = False
    key: str = ""  # the column's (styles give each column its width: ``td.c-<key>``)
    # A template that writes the cell from its row (``row``) where text, link and note are not
    # enough (the audit log's sentence: codes in ``title`` attributes); ``text`` is still what
    # the export writes.
    template: str = ""


@dataclass(frozen=True)
class GridColumn:
    key: str
    label: str | Promise  # lazily translated: the reader's language
    cell: Callable[[Any], Cell] | None = None  # None: an amount column (``key`` is a fen field)
    order_by: str = ""  # the field the column sorts by; "" not sortable
    visible: bool = True  # shown unless the person chose otherwise
    export: Callable[[Any], object] | None = None  # the Excel value; default: the cell's text

    @property
    def amount(self) -> bool:
        return self.cell is None


@dataclass(frozen=True)
class GroupLevel:
    """A level the grid subtotals by: rows are ordered by ``order_by`` so a group is contiguous;
    ``key(row)`` names a row's group, ``keys`` the field(s) the sums are grouped by in SQL and
    ``fold`` turns one SQL group's key into the group key (a unit's path into its department)."""

    key: str
    label: str | Promise
    order_by: tuple[str, ...]
    group_by: str
    row_key: Callable[[Any], str]
    fold: Callable[[Any], str] = str
    name: Callable[[str], str] = str


def subtotal_label(name: str) -> str:
    """A subtotal row's label: 小计 · <the group's name>."""
    label = _("Subtotal")
    return f"{label} · {name}"


def choice_subtotal(choices: type[TextChoices]) -> Callable[[str], str]:
    """A level keyed by a choice field (a state, a kind): its subtotal labelled by the choice's
    name, or by the stored code when the code is no longer a choice."""

    def name(key: str) -> str:
        return subtotal_label(str(choices(key).label) if key in choices.values else key)

    return name


def with_row_totals(
    queryset: QuerySet[Any], rows: QuerySet[Any], parent: str, *, amount: str = "amount"
) -> QuerySet[Any]:
    """Each document's ``total`` (fen): the sum of its rows' ``amount`` (``rows`` whose ``parent``
    field points at it), as a column the database sorts and sums; 0 for a document of no rows."""
    sums = (
        rows.filter(**{parent: OuterRef("pk")})
        .order_by()
        .values(parent)
        .annotate(s=Sum(amount))
        .values("s")
    )
    return queryset.annotate(total=Coalesce(Subquery(sums, output_field=IntegerField()), 0))


@dataclass(frozen=True)
class Grid:
    name: str  # remembered preferences: "indicators.ledger"
    columns: tuple[GridColumn, ...]
    default_order: tuple[str, ...]
    levels: tuple[GroupLevel, ...] = ()
    sheet_title: str = ""
    # What names a row for scripts and tests (``<tr data-key=…>``): the indicator's code.
    row_key: Callable[[Any], str] | None = None
    row_testid: str = ""  # ``<tr data-testid=…>`` on each body row, for tests
    # The fields the cells, row key and levels read (``QuerySet.only``, relations spelled with
    # ``__``): a page then reads those columns, not every column of every joined table (half the
    # time of a 50-row payment page's fetch). Empty: every field. A cell that reads a field left
    # out costs a query per row, which tests/test_query_counts.py catches.
    only: tuple[str, ...] = ()

    def column(self, key: str) -> GridColumn | None:
        return next((c for c in self.columns if c.key == key), None)

    @property
    def amounts(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns if c.amount)


@dataclass
class Subtotal:
    label: str
    sums: dict[str, int]
    cells: list[str | None] = field(default_factory=list)


@dataclass
class GridRow:
    row: Any
    cells: list[Cell]
    subtotal_after: Subtotal | None = None
    key: str = ""


@dataclass
class GridPage:
    grid: Grid
    columns: list[GridColumn]
    page: Page[Any]
    rows: list[GridRow]
    totals: dict[str, int]
    sort: str
    size: int
    group: str
    chosen: list[str]
    levels: tuple[GroupLevel, ...] = field(default_factory=tuple)
    # The address without the grid's own page and sort (links keep the filters), and the other
    # parameters as hidden fields of the grid's forms.
    keep: str = ""
    hidden: list[tuple[str, str]] = field(default_factory=list)
    page_sizes: tuple[int, ...] = PAGE_SIZES

    @property
    def amount_keys(self) -> list[str]:
        return [c.key for c in self.columns if c.amount]

    @property
    def total_row(self) -> list[str | None]:
        return _figures(self.columns, self.totals)


def _chosen_columns(grid: Grid, wanted: Sequence[str] | None) -> list[GridColumn]:
    if wanted:
        picked = [c for key in wanted if (c := grid.column(key)) is not None]
        if picked:
            return picked
    return [c for c in grid.columns if c.visible]


def remembered_columns(request: HttpRequest, grid: Grid) -> list[str] | None:
    """What the person chose for this grid before (``identity.GridPreference``, reached through
    the user's relation: the grid sits below the identity app)."""
    preferences = getattr(getattr(request, "user", None), "grid_preferences", None)
    if preferences is None:
        return None
    found = preferences.filter(grid=grid.name).values_list("columns", flat=True).first()
    return list(found) if found else None


def read_settings(
    request: HttpRequest, grid: Grid, remembered: Sequence[str] | None
) -> tuple[list[GridColumn], str, int, str]:
    """The page's columns (``?cols=a,b`` for this page, else what the person chose before, else
    the grid's default), sort (``?sort=-available``; unknown: the default), page size and the
    subtotal level (``?group=department``)."""
    given = [k for k in request.GET.get("cols", "").split(",") if k]
    if not given and remembered is None:
        remembered = remembered_columns(request, grid)
    columns = _chosen_columns(grid, given or remembered)
    sort = request.GET.get("sort", "")
    column = grid.column(sort.lstrip("-"))
    if column is None or not column.order_by:
        sort = ""
    try:
        size = int(request.GET.get("size", ""))
    except ValueError:
        size = PAGE_SIZES[1]
    size = size if size in PAGE_SIZES else PAGE_SIZES[1]
    group = request.GET.get("group", "")
    if group not in {level.key for level in grid.levels}:
        group = ""
    return columns, sort, size, group


# What a grid lists: the rows of a queryset, or rows a selector computed (a report's groups,
# a few thousand at most: sorted, paged and summed here rather than in SQL).
Rows = QuerySet[Any] | Sequence[Any]


def _ordered(grid: Grid, queryset: Rows, sort: str, level: GroupLevel | None) -> Any:
    order: list[str] = list(level.order_by) if level else []
    if sort:
        column = grid.column(sort.lstrip("-"))
        assert column is not None
        order.append(("-" if sort.startswith("-") else "") + column.order_by)
    order += [o for o in grid.default_order if o not in order]
    if isinstance(queryset, QuerySet):
        return queryset.order_by(*order)
    rows = list(queryset)
    for name in reversed(order):  # stable sorts, last key first
        field_name = name.lstrip("-")
        rows.sort(key=lambda row: _sort_key(getattr(row, field_name)), reverse=name[0] == "-")
    return rows


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


def _cells(columns: Iterable[GridColumn], row: Any) -> list[Cell]:
    return [
        Cell(Money(getattr(row, c.key)).format(), numeric=True, key=c.key)
        if c.cell is None
        else replace(c.cell(row), key=c.key)
        for c in columns
    ]


def _totals(grid: Grid, queryset: Rows) -> dict[str, int]:
    """The sums over every matching row (aliased apart from the columns: an amount may be an
    annotation of the same name, e.g. a request's total)."""
    if not isinstance(queryset, QuerySet):
        return {a: sum(int(getattr(row, a)) for row in queryset) for a in grid.amounts}
    sums = queryset.order_by().aggregate(**{f"s_{a}": Sum(a) for a in grid.amounts})
    return {a: int(sums[f"s_{a}"] or 0) for a in grid.amounts}


def _figures(columns: Sequence[GridColumn], sums: dict[str, int]) -> list[str | None]:
    """The figures of a subtotal or total row under the visible columns (None: no sum)."""
    return [Money(sums.get(c.key, 0)).format() if c.amount else None for c in columns]


def _group_sums(
    grid: Grid, queryset: Rows, level: GroupLevel, keys: set[str] | None
) -> dict[str, dict[str, int]]:
    """Each group's sums over every matching row (not just the page's): of the groups in ``keys``,
    or of every group when ``keys`` is None (the export)."""
    sums: dict[str, dict[str, int]] = {}
    rows: Iterable[dict[str, Any]] = (
        queryset.order_by()
        .values(level.group_by)
        .annotate(**{f"s_{a}": Sum(a) for a in grid.amounts})
        if isinstance(queryset, QuerySet)
        else (
            {
                level.group_by: getattr(row, level.group_by),
                **{f"s_{a}": getattr(row, a) for a in grid.amounts},
            }
            for row in queryset
        )
    )
    for row in rows:
        key = level.fold(row[level.group_by])
        if keys is not None and key not in keys:
            continue
        into = sums.setdefault(key, dict.fromkeys(grid.amounts, 0))
        for amount in grid.amounts:
            into[amount] += int(row[f"s_{amount}"] or 0)
    return sums


def grid_page(
    request: HttpRequest,
    grid: Grid,
    queryset: Rows,
    *,
    remembered: Sequence[str] | None = None,
    prepare: Callable[[list[Any]], list[Any]] = list,
) -> GridPage:
    """One page of the grid as the request asks for it (see :func:`read_settings`);
    ``prepare`` loads what the page's cells need in bulk (code names)."""
    columns, sort, size, group = read_settings(request, grid, remembered)
    level = next((x for x in grid.levels if x.key == group), None)
    ordered = _ordered(grid, queryset, sort, level)
    paginator = Paginator(
        ordered.only(*grid.only) if grid.only and isinstance(ordered, QuerySet) else ordered,
        size,
    )
    number = page_number(request.GET.get("page"), count=paginator.count, per_page=size)
    page = paginator.page(number)
    objects = prepare(list(page.object_list))
    page.object_list = objects
    rows = [
        GridRow(row, _cells(columns, row), key=grid.row_key(row) if grid.row_key else "")
        for row in objects
    ]
    if level is not None and rows:
        keys = [level.row_key(r.row) for r in rows]
        sums = _group_sums(grid, queryset, level, set(keys))
        last_on_page = page.number == paginator.num_pages
        for index, key in enumerate(keys):
            ends = index + 1 < len(keys) and keys[index + 1] != key
            if ends or (index + 1 == len(keys) and last_on_page):
                figures = sums.get(key, {})
                rows[index].subtotal_after = Subtotal(
                    level.name(key), figures, _figures(columns, figures)
                )
    totals = _totals(grid, queryset)
    params = request.GET.copy()
    for name in ("page", "sort", "export"):
        params.pop(name, None)
    hidden = [
        (k, v)
        for k, values in request.GET.lists()
        if k not in ("page", "size", "group", "export", "cols")
        for v in values
    ]
    return GridPage(
        grid=grid,
        columns=columns,
        page=page,
        rows=rows,
        totals=totals,
        sort=sort,
        size=size,
        group=group,
        chosen=[c.key for c in columns],
        levels=grid.levels,
        keep=params.urlencode(),
        hidden=hidden,
    )


def grid_export(
    request: HttpRequest,
    grid: Grid,
    queryset: Rows,
    *,
    remembered: Sequence[str] | None = None,
    prepare: Callable[[list[Any]], list[Any]] = list,
) -> bytes:
    """The Excel file of what the grid shows: its columns in their order, its sort, every
    matching row (all pages), each group's subtotal row and the total, amounts in 元."""
    columns, sort, _size, group = read_settings(request, grid, remembered)
    # The sheet is built in memory: a province's whole audit trail would not fit (nor would it
    # fit Excel's 1,048,576 rows); the clerk is told the count and the limit, to filter first.
    limit: int = settings.YUSUAN_EXPORT_MAX_ROWS
    count = queryset.count() if isinstance(queryset, QuerySet) else len(queryset)
    if count > limit:
        raise BusinessRuleError.single(
            code="grid.export_too_large",
            field="export",
            value=count,
            limit=limit,
            message_zh=f"导出行数 {count} 超过上限 {limit}：请先按单位、日期等条件筛选后再导出",
            message_en=(
                f"the export would have {count} rows, more than the limit of {limit}: "
                "filter the list (by unit, date…) first"
            ),
        )
    level = next((x for x in grid.levels if x.key == group), None)
    rows: list[list[object]] = []
    batch: list[Any] = []
    ordered = _ordered(grid, queryset, sort, level)
    sums = _group_sums(grid, queryset, level, None) if level is not None else {}
    current: str | None = None

    def flush(items: list[Any]) -> None:
        nonlocal current
        for row in prepare(items):
            key = level.row_key(row) if level is not None else None
            if level is not None and current is not None and key != current:
                rows.append(_subtotal_row(columns, level.name(current), sums.get(current, {})))
            current = key
            rows.append([_export_value(c, row) for c in columns])

    for row in ordered.iterator(chunk_size=2000) if isinstance(ordered, QuerySet) else ordered:
        batch.append(row)
        if len(batch) == 2000:
            flush(batch)
            batch = []
    flush(batch)
    if level is not None and current is not None:
        rows.append(_subtotal_row(columns, level.name(current), sums.get(current, {})))
    if grid.amounts:  # a list without amounts (the audit log) has nothing to total
        rows.append(_subtotal_row(columns, "合计", _totals(grid, queryset)))
    return write_table(
        [ExportColumn(c.key, str(c.label), str(c.label)) for c in columns],
        rows,
        file_format="xlsx",
        sheet_title=grid.sheet_title or grid.name,
    )


def grid_download(
    request: HttpRequest,
    grid: Grid,
    queryset: Rows,
    filename: str,
    *,
    prepare: Callable[[list[Any]], list[Any]] = list,
) -> HttpResponse:
    """``?export=xlsx``: :func:`grid_export` as a file the browser saves."""
    return attachment(grid_export(request, grid, queryset, prepare=prepare), filename, XLSX)


def _export_value(column: GridColumn, row: Any) -> object:
    if column.cell is None:
        return Money(getattr(row, column.key)).to_yuan()
    if column.export is not None:
        return column.export(row)
    return column.cell(row).text


def _subtotal_row(columns: Sequence[GridColumn], label: str, sums: dict[str, int]) -> list[object]:
    out: list[object] = []
    for index, column in enumerate(columns):
        if column.cell is None:
            out.append(Money(sums.get(column.key, 0)).to_yuan())
        else:
            out.append(label if index == 0 else "")
    return out
