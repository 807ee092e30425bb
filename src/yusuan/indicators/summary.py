"""The adjustment (调剂单) and the 追加申请 as their approver sees them (``workflow.summary``;
issue 16 item 1).

An adjustment shows, for every line, the indicator the money moves out of and the one it moves
into (or the elements of the line it creates), the amount, and the source indicator's available
balance before and after the document. An adjustment holds no money while it is in approval: the
final approval checks the money again and posts it (R-AJ-4, ``AdjustmentHandler.on_approved``),
so until then the whole document would still take its lines' amounts out of ``available``.

A 追加申请 has no lines: it shows what it is for (the indicator line or the project), the amount
asked, the reason and the unit.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yusuan.common.money import Money
from yusuan.core.choices import CodeKind
from yusuan.core.validation import code_names
from yusuan.indicators.choices import DocumentState
from yusuan.indicators.models import (
    DocumentLine,
    IndicatorDocument,
    IndicatorLine,
    SupplementRequest,
)
from yusuan.workflow.doctypes import ADJUSTMENT
from yusuan.workflow.registry import Term
from yusuan.workflow.summary import Cell, Column, DocumentSummary, Fact

MAX_ROWS = 50

# Money leaves the source indicator only when the final approval posts the document.
NOT_YET_POSTED = frozenset({DocumentState.DRAFT, DocumentState.SUBMITTED})

VIEW_LINE = "indicators.view_indicatorline"
VIEW_DOCUMENT = "indicators.view_indicatordocument"
VIEW_SUPPLEMENT = "indicators.view_supplementrequest"
VIEW_PROJECT = "projects.view_project"


def _url(actor: Any, permission: str, name: str, pk: int) -> str:
    """A link only for who may open the page: no link to a 403."""
    return reverse(name, args=[pk]) if actor.has_perm(permission) else ""


def _term_name(terms: tuple[Term, ...], code: str) -> str:
    english = (get_language() or "").startswith("en")
    term = next((t for t in terms if t.code == code), None)
    if term is None:
        return code
    return term.name_en if english else term.name


def _unit_name(line: IndicatorLine | DocumentLine) -> str:
    organisation = line.organisation
    return organisation.name if organisation is not None else ""


def _openable(actor: Any, lines: list[DocumentLine]) -> set[int]:
    """The indicator lines whose page opens for ``actor`` (an adjustment between departments
    names lines outside an approver's scope: no link to a 404)."""
    if not actor.has_perm(VIEW_LINE):
        return set()
    ids = {pk for x in lines for pk in (x.source_id, x.target_id) if pk is not None}
    return set(
        IndicatorLine.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True)
    )


def _line_cell(line: IndicatorLine, openable: set[int]) -> Cell:
    note = " · ".join(x for x in (_unit_name(line), line.summary) if x)
    url = reverse("indicators:line_detail", args=[line.pk]) if line.pk in openable else ""
    return Cell(line.code, url=url, note=note)


def _taken(lines: list[DocumentLine]) -> dict[int, int]:
    """What the whole document takes out of each indicator line (net of what it moves in)."""
    taken: dict[int, int] = defaultdict(int)
    for line in lines:
        if line.source_id is not None:
            taken[line.source_id] += line.amount
        if line.target_id is not None:
            taken[line.target_id] -= line.amount
    return taken


def _balance(line: IndicatorLine, taken: int, state: str) -> Cell:
    now = line.available
    if state not in NOT_YET_POSTED:
        # Posted (the ledger moved since, maybe), rejected or void: only the balance as it is.
        return Cell(Money(now).format(), numeric=True, note=_("available now"))
    after = now - taken
    return Cell(
        f"{Money(now).format()} → {Money(after).format()}",
        numeric=True,
        tone="short" if after < 0 else "",
    )


def _names(document: IndicatorDocument, kind: str, codes: set[str]) -> dict[str, str]:
    return code_names(
        mof_div_code=document.mof_div_code,
        fiscal_year=document.fiscal_year,
        kind=kind,
        codes=codes,
    )


def _element(line: DocumentLine, name: str) -> str:
    """The new line's element: the clerk's, else the source's (``_spec_from_parent``)."""
    own = str(getattr(line, name) or "")
    if own or line.source is None:
        return own
    return str(getattr(line.source, name) or "")


def _new_line_cell(line: DocumentLine, names: dict[CodeKind, dict[str, str]]) -> Cell:
    unit = line.organisation or (line.source.organisation if line.source is not None else None)
    func = _element(line, "exp_func_code")
    eco = _element(line, "dep_bgt_eco_code")
    classes = " · ".join(
        f"{code} {names[kind].get(code, '')}".strip()
        for kind, code in (
            (CodeKind.FUNCTIONAL, func),
            (CodeKind.DEPARTMENT_ECONOMIC, eco),
        )
        if code
    )
    summary = line.summary or (line.source.summary if line.source is not None else "")
    text = _("New indicator line")
    if unit is not None:
        text = f"{text} · {unit.name}"
    return Cell(text, note=" · ".join(x for x in (classes, summary) if x))


def adjustment_summary(*, actor: Any, document: IndicatorDocument) -> DocumentSummary:
    lines = list(
        document.lines.select_related(
            "source__organisation", "target__organisation", "organisation"
        ).order_by("row")
    )
    shown = lines[:MAX_ROWS]
    taken = _taken(lines)
    names = {
        kind: _names(
            document,
            kind,
            {_element(x, attr) for x in shown if x.target_id is None} - {""},
        )
        for kind, attr in (
            (CodeKind.FUNCTIONAL, "exp_func_code"),
            (CodeKind.DEPARTMENT_ECONOMIC, "dep_bgt_eco_code"),
        )
    }
    openable = _openable(actor, shown)
    rows = []
    for line in shown:
        source, target = line.source, line.target
        rows.append(
            (
                Cell(str(line.row + 1)),
                _line_cell(source, openable) if source is not None else Cell("—"),
                _line_cell(target, openable) if target is not None else _new_line_cell(line, names),
                Cell(Money(line.amount).format(), numeric=True),
                _balance(source, taken[source.pk], document.state)
                if source is not None
                else Cell(""),
            )
        )
    facts = [Fact(_("Adjustment type"), _term_name(ADJUSTMENT.subtypes, document.subtype))]
    if document.doc_no:
        facts.append(Fact(_("Document number (文号)"), document.doc_no))
    if document.reason:
        facts.append(Fact(_("Reason"), document.reason))
    facts.append(Fact(_("State"), document.get_state_display()))
    return DocumentSummary(
        title=f"{document.number} · {document.title}",
        url=_url(actor, VIEW_DOCUMENT, "indicators:document_detail", document.pk),
        facts=tuple(facts),
        columns=(
            Column("#"),
            Column(_("From indicator")),
            Column(_("To indicator")),
            Column(_("Amount (yuan)"), numeric=True),
            Column(_("From indicator available (yuan): before → after"), numeric=True),
        ),
        rows=tuple(rows),
        total=(
            Cell(_("Total")),
            Cell(""),
            Cell(""),
            Cell(Money(sum(x.amount for x in lines)).format(), numeric=True),
            Cell(""),
        ),
        row_count=len(lines),
    )


def supplement_summary(*, actor: Any, request: SupplementRequest) -> DocumentSummary:
    facts = [Fact(_("Unit"), request.organisation.name)]
    line = request.line
    if line is not None:
        facts.append(
            Fact(
                _("Indicator line"),
                f"{line.code} {line.summary}".strip(),
                _url(actor, VIEW_LINE, "indicators:line_detail", line.pk),
            )
        )
        facts.append(Fact(_("Indicator available now (yuan)"), Money(line.available).format()))
    project = request.project
    if project is not None:
        facts.append(
            Fact(
                _("Project"),
                f"{project.code} {project.name}",
                _url(actor, VIEW_PROJECT, "projects:project_detail", project.pk),
            )
        )
    facts += [
        Fact(_("Amount requested (yuan)"), Money(request.amount).format()),
        Fact(_("Reason"), request.reason),
        Fact(_("State"), request.get_state_display()),
    ]
    answer = request.answer
    if answer is not None:
        facts.append(
            Fact(
                _("Answered by"),
                f"{answer.number} {answer.title}",
                _url(actor, VIEW_DOCUMENT, "indicators:document_detail", answer.pk),
            )
        )
    return DocumentSummary(
        title=f"{request.number} · {request.title}",
        url=_url(actor, VIEW_SUPPLEMENT, "indicators:supplement_detail", request.pk),
        facts=tuple(facts),
    )
