"""The consistency panel (issue 22 item 2): the same figures from the kept aggregates, the
indicator ledger and the units' books agree at every level — region, department, unit,
indicator line — and every difference is listed with the documents that make it.

Per indicator line of the year, within the reader's scope:

- **aggregates**: Σ of its ``ExecutionDay`` rows and, separately, of its ``ExecutionMonth``
  rows (budget = total − allocated, in flight = reserved + frozen + held, paid);
- **ledger**: the line's own balances (``IndicatorLine``), which the ledger keeps by
  conditional updates beside its movements;
- **books** (R-AC-4): for a unit that keeps its books here, the 7101/7201 expenditure of its
  vouchers on the line, posted or not, for the 财政拨款 lines the three-way reconciliation covers.

A line differs when any pair differs. Its documents: for aggregates against the ledger, the
movements no money event announced and those of every (line, day) or (line, month) the
recomputation finds different (``aggregates.check`` on those lines); for the books, the
unposted vouchers and the payments with no voucher (``accounting.selectors.three_way``). The
levels above add up the lines. All from a few grouped queries, never a scan of payments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from yusuan.accounting.models import Book
from yusuan.accounting.selectors import three_way
from yusuan.common.actor import Actor
from yusuan.common.documents import DocumentRef, resolve
from yusuan.core.models import Organisation, Region
from yusuan.indicators.models import IndicatorLine, Movement
from yusuan.reports.models import ExecutionDay, ExecutionFigures, ExecutionMonth, PostingDay
from yusuan.reports.services import aggregates

LEVELS = ("region", "department", "unit", "line")
# The figures compared, in the order the panel shows them.
FIGURES = ("budget", "in_flight", "paid")
SHOWN_DOCUMENTS = 20  # per line; the count says how many more


@dataclass
class Figures:
    budget: int = 0
    in_flight: int = 0
    paid: int = 0

    def add(self, other: Figures) -> None:
        for name in FIGURES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_tuple(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in FIGURES)


WHAT = {
    "days": _("aggregates by day"),
    "months": _("aggregates by month"),
    "books": _("books 7101/7201"),
}
FIGURE_LABELS = {"budget": _("Budget"), "in_flight": _("In flight"), "paid": _("Paid")}


@dataclass
class Side:
    """One figure that differs on a line: what the aggregates (or the books) and the ledger say."""

    what: str  # "days" (aggregates by day ≠ ledger), "months", "books"
    figure: str  # budget / in_flight / paid
    kept: int  # the aggregates' (or the books') figure
    ledger: int

    @property
    def label(self) -> str:
        return _("%(figure)s, %(what)s") % {
            "figure": FIGURE_LABELS[self.figure],
            "what": WHAT[self.what],
        }


@dataclass
class ConsistencyRow:
    level: str
    key: Any
    name: str
    days: Figures = field(default_factory=Figures)
    months: Figures = field(default_factory=Figures)
    ledger: Figures = field(default_factory=Figures)
    books: int | None = None  # 7101/7201 of the booked lines (None: no books kept here)
    booked_ledger: int = 0  # the ledger's paid of those lines
    unposted: int = 0
    lines: int = 0
    differing: int = 0  # lines below that differ
    sides: list[Side] = field(default_factory=list)  # on a line: what differs
    documents: list[DocumentRef] = field(default_factory=list)  # on a line
    more_documents: int = 0
    line_id: int | None = None

    @property
    def agrees(self) -> bool:
        return self.differing == 0

    # Flat figures for the grid's amount columns and the API.
    @property
    def days_budget(self) -> int:
        return self.days.budget

    @property
    def ledger_budget(self) -> int:
        return self.ledger.budget

    @property
    def days_in_flight(self) -> int:
        return self.days.in_flight

    @property
    def ledger_in_flight(self) -> int:
        return self.ledger.in_flight

    @property
    def days_paid(self) -> int:
        return self.days.paid

    @property
    def months_paid(self) -> int:
        return self.months.paid

    @property
    def ledger_paid(self) -> int:
        return self.ledger.paid

    @property
    def books_paid(self) -> int | None:
        """7101/7201 of the booked lines, posted or not (None: no books kept here)."""
        return None if self.books is None else self.books + self.unposted

    def add(self, other: ConsistencyRow) -> None:
        self.days.add(other.days)
        self.months.add(other.months)
        self.ledger.add(other.ledger)
        if other.books is not None:
            self.books = (self.books or 0) + other.books
            self.booked_ledger += other.booked_ledger
            self.unposted += other.unposted
        self.lines += other.lines
        self.differing += other.differing


@dataclass
class Consistency:
    year: int
    level: str
    rows: list[ConsistencyRow]  # the chosen level
    total: ConsistencyRow
    differences: list[ConsistencyRow]  # every differing line, with its documents
    checked_lines: int


def _figures(qs: QuerySet[Any], key: str) -> dict[int, Figures]:
    sums = (
        qs.order_by()
        .values(key)
        .annotate(
            budget=Coalesce(Sum(F("total") - F("allocated")), 0),
            in_flight=Coalesce(Sum(F("reserved") + F("frozen") + F("held")), 0),
            paid=Coalesce(Sum("paid"), 0),
        )
    )
    return {
        int(row[key]): Figures(int(row["budget"]), int(row["in_flight"]), int(row["paid"]))
        for row in sums
    }


def _kept(model: type[ExecutionFigures], line_ids: QuerySet[Any]) -> dict[int, Figures]:
    return _figures(model.objects.filter(line_id__in=line_ids), "line_id")


def _lines(actor: Actor, year: int, region: str) -> QuerySet[IndicatorLine]:
    lines = IndicatorLine.objects.visible_to(actor).filter(fiscal_year=year)
    return lines.filter(mof_div_code=region) if region else lines


def consistency(
    actor: Actor, *, year: int, level: str = "department", region: str = "", under: Any = None
) -> Consistency:
    """The panel for ``year`` at ``level`` (rows under ``under``: a region code for
    departments, a department id for units, a unit id for lines)."""
    lines = _lines(actor, year, region)
    line_ids = lines.values("pk")
    days, months = _kept(ExecutionDay, line_ids), _kept(ExecutionMonth, line_ids)
    facts = lines.values_list(
        "pk", "code", "summary", "mof_div_code", "organisation_id", "organisation__path", "paid"
    ).annotate(
        budget=F("total") - F("allocated"),
        in_flight=F("reserved") + F("frozen") + F("held"),
    )
    booked = _books(actor, year, region)
    rows: dict[int, ConsistencyRow] = {}
    for pk, code, summary, mof, unit, path, paid, budget, in_flight in facts:
        row = ConsistencyRow("line", pk, f"{code} {summary}".strip(), line_id=pk, lines=1)
        row.days = days.get(pk, Figures())
        row.months = months.get(pk, Figures())
        row.ledger = Figures(int(budget), int(in_flight), int(paid))
        book = booked.get(pk)
        if book is not None:
            row.books, row.unposted, refs = book
            row.booked_ledger = row.ledger.paid
            row.documents.extend(refs)
        row.sides = _sides(row)
        row.differing = 1 if row.sides else 0
        row.key = (mof, _department(path, unit), unit, pk)
        rows[pk] = row
    differing = [row for row in rows.values() if row.differing]
    _aggregate_documents(actor, year, differing)
    total = ConsistencyRow("total", None, "")
    for row in rows.values():
        total.add(row)
    chosen = _rolled_up(rows.values(), level, under)
    _name(chosen, level)
    differing.sort(key=lambda r: r.name)
    return Consistency(year, level, chosen, total, differing, len(rows))


def _department(path: str, unit: int) -> int:
    head = (path or "").strip("/").split("/")[0]
    return int(head) if head.isdigit() else unit


def _sides(row: ConsistencyRow) -> list[Side]:
    sides = [
        Side(what, name, getattr(kept, name), getattr(row.ledger, name))
        for what, kept in (("days", row.days), ("months", row.months))
        for name in FIGURES
        if getattr(kept, name) != getattr(row.ledger, name)
    ]
    if row.books is not None and row.books + row.unposted != row.booked_ledger:
        sides.append(Side("books", "paid", row.books + row.unposted, row.booked_ledger))
    return sides


def _books(actor: Actor, year: int, region: str) -> dict[int, tuple[int, int, list[DocumentRef]]]:
    """Per booked line: (posted 7101/7201, unposted, the documents of a difference)."""
    books = Book.objects.visible_to(actor).filter(fiscal_year=year)
    if region:
        books = books.filter(mof_div_code=region)
    found: dict[int, tuple[int, int, list[DocumentRef]]] = {}
    for book in books.select_related("organisation"):
        for row in three_way(book, 12).rows:
            refs = [
                DocumentRef(str(_BOOK_KINDS.get(kind, kind)), label, url, (kind, label))
                for kind, label, url in row.documents
            ]
            found[row.indicator_id] = (row.expenditure, row.unposted, refs)
    return found


_BOOK_KINDS = {"unposted": _("Voucher not yet posted"), "no_voucher": _("Paid with no voucher")}


def _aggregate_documents(actor: Actor, year: int, rows: Sequence[ConsistencyRow]) -> None:
    """The movements behind each differing line's aggregate: those no event announced, and those
    on every (line, day) or (line, month) the recomputation finds different."""
    ids = [row.line_id for row in rows if row.line_id is not None and _aggregate_side(row)]
    if not ids:
        return
    found = aggregates.check(year=year, lines=ids)
    movements: dict[int, list[Movement]] = {}
    unannounced = {u.movement_id for u in found.unannounced}
    wanted = Movement.objects.filter(line_id__in=ids)
    days = dict(
        PostingDay.objects.filter(posting__in=wanted.values("posting")).values_list(
            "posting", "day"
        )
    )
    differing = {(d.line_id, d.period, d.day) for d in found.differences}
    for move in wanted.order_by("pk"):
        day = days.get(move.posting)
        month = day.replace(day=1) if day else None
        if (
            move.pk in unannounced
            or (move.line_id, "day", day) in differing
            or (move.line_id, "month", month) in differing
        ):
            movements.setdefault(move.line_id, []).append(move)
    refs = resolve(actor, (_source(m) for ms in movements.values() for m in ms))
    for row in rows:
        if row.line_id is None:
            continue
        listed: dict[tuple[str, str], DocumentRef] = {}
        for move in movements.get(row.line_id, []):
            ref = refs[_source(move)[:2]]
            listed.setdefault(ref.key, ref)
        row.documents = list(listed.values()) + row.documents
    for row in rows:
        row.more_documents = max(0, len(row.documents) - SHOWN_DOCUMENTS)
        row.documents = row.documents[:SHOWN_DOCUMENTS]


def _aggregate_side(row: ConsistencyRow) -> bool:
    return any(side.what != "books" for side in row.sides)


def _source(move: Movement) -> tuple[str, str, str]:
    if move.document_id is not None:
        return ("indicators.indicatordocument", str(move.document_id), "")
    return (
        move.source_type or "indicators.movement",
        move.source_id or str(move.pk),
        move.source_no,
    )


def _rolled_up(rows: Iterable[ConsistencyRow], level: str, under: Any) -> list[ConsistencyRow]:
    index = LEVELS.index(level)
    parent = index - 1
    out: dict[Any, ConsistencyRow] = {}
    for row in rows:
        if under not in (None, "") and parent >= 0 and str(row.key[parent]) != str(under):
            continue
        key = row.key[index]
        target = out.setdefault(key, ConsistencyRow(level, key, ""))
        if level == "line":
            target.name, target.line_id = row.name, row.line_id
            target.sides, target.documents = row.sides, row.documents
        target.add(row)
    return list(out.values())


def _name(rows: list[ConsistencyRow], level: str) -> None:
    keys = {row.key for row in rows}
    names: dict[Any, str]
    if level == "region":
        names = dict(
            Region.objects.filter(mof_div_code__in=keys).values_list("mof_div_code", "name")
        )
    elif level in ("department", "unit"):
        names = dict(Organisation.objects.filter(pk__in=keys).values_list("pk", "name"))
    else:
        names = {row.key: row.name for row in rows}
    for row in rows:
        row.name = names.get(row.key, str(row.key))
    rows.sort(key=lambda r: (r.agrees, r.name))
