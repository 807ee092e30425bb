"""Indicator pages: the ledger (指标账), a line with its movements, document entry with the
available amount live beside each line, document detail with posting or approval."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError
from yusuan.common.grid import grid_download, grid_page
from yusuan.common.ids import parse_id, parse_int
from yusuan.common.money import Money
from yusuan.common.web import (
    is_htmx,
    place_errors,
    run_action,
)
from yusuan.core.choices import AccountType, CodeKind
from yusuan.core.models import Organisation
from yusuan.core.selectors import current_fiscal_year
from yusuan.indicators import rows as rows_input
from yusuan.indicators import selectors, transfers
from yusuan.indicators.choices import (
    DIRECT_KINDS,
    DocumentKind,
    DocumentState,
    LineKind,
    ThreePublic,
)
from yusuan.indicators.document_grid import DOCUMENT_GRID
from yusuan.indicators.document_grid import with_totals as with_document_totals
from yusuan.indicators.elements import (
    ELEMENTS,
    ENTERED_ELEMENTS,
    LEDGER_CODES,
    LEDGER_FLAGS,
)
from yusuan.indicators.ledger_grid import LEDGER_GRID
from yusuan.indicators.models import IndicatorDocument
from yusuan.indicators.origins import origins_of
from yusuan.indicators.services import (
    DocumentInput,
    document_create,
    document_post,
    document_update,
    document_void,
)
from yusuan.indicators.workflow import DOCUMENT_TYPE, AdjustmentHandler
from yusuan.projects import selectors as project_selectors
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.doctypes import ADJUSTMENT
from yusuan.workflow.services import document_submit

# Labels of the ledger's filters; what each filters on is ``selectors.LINE_FILTER_LOOKUPS``.
LINE_FILTERS = (
    ("organisation", gettext_lazy("Unit (code or name)")),
    ("project", gettext_lazy("Project (code or name)")),
    *((e.name, gettext_lazy(e.label_en)) for e in LEDGER_CODES),
    ("doc_no", gettext_lazy("文号")),
)
FLAG_FILTERS = tuple((e.name, gettext_lazy(e.label_en)) for e in LEDGER_FLAGS)
# The ledger's yes/no flags and 三公 category, shown together.
LEDGER_MARKS = tuple(e for e in ELEMENTS if e.in_ledger and e.value in ("flag", "choice"))
# A new line's elements on a row, in their own columns (三公 is chosen in the flags column, an
# upper-level transfer's references in the transfer column, R-IN-9).
NEW_LINE_COLUMNS = tuple(
    e.name
    for e in ENTERED_ELEMENTS
    if e.value != "flag" and e.name != "thr_exp_code" and not e.transfer
)
TRANSFER_COLUMNS = tuple(e for e in ENTERED_ELEMENTS if e.transfer)
# Columns a document kind asks for on each row.
ROW_FIELDS: dict[str, tuple[str, ...]] = {
    DocumentKind.ISSUE: (
        "line_kind",
        *NEW_LINE_COLUMNS,
        "flags",
        "transfer",
        "summary",
        "amount",
    ),
    # R-IN-8: 分解 may create a pending line for a lower holder; R-IN-9: the transfer's
    # references are inherited, not entered.
    DocumentKind.ALLOCATE: (
        "source",
        "line_kind",
        "organisation",
        "project",
        "dep_bgt_eco_code",
        "pay_type_code",
        "acc_type",
        "flags",
        "summary",
        "amount",
    ),
    DocumentKind.INCREASE: ("target", "amount"),
    DocumentKind.DECREASE: ("target", "amount"),
    DocumentKind.HOLD: ("target", "amount"),
    DocumentKind.RELEASE: ("target", "amount"),
    DocumentKind.RECLAIM: ("source", "to_parent", "amount"),
    DocumentKind.ADJUST: ("source", "target", "amount"),
}
TEXT_FIELDS, FLAG_FIELDS = rows_input.TEXT_FIELDS, rows_input.FLAG_FIELDS
# The document list's filters: the address's name → ``selectors.document_list``'s keyword.
DOCUMENT_FILTERS = {"kind": "kind", "state": "state", "q": "text", "organisation": "organisation"}


def _actor(request: HttpRequest) -> Any:
    return request.user


# --- The ledger -------------------------------------------------------------------------------


def _line_filters(request: HttpRequest) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for name, lookup in selectors.LINE_FILTER_LOOKUPS.items():
        value = request.GET.get(name, "").strip()
        if value:
            # A unit, project or class by its name as well as its code (issue 16).
            by_name = selectors.name_filter(name, value)
            filters[f"{lookup}|name" if by_name is not None else lookup] = by_name or value
    for name, _label in FLAG_FILTERS:
        if request.GET.get(name) == "1":
            filters[name] = True
    for name in ("kind", "fiscal_year", "thr_exp_code"):
        value = request.GET.get(name, "").strip()
        if value:
            filters[name] = value
    # A department with all its units (the home page's execution table links down by it).
    department = parse_id(request.GET.get("department", ""))
    if department is not None:
        filters["organisation__path__startswith"] = f"/{department}/"
    return filters


@login_required
@permission_required("indicators.view_indicatorline", raise_exception=True)
def ledger(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = _line_filters(request)
    if "fiscal_year" not in filters:
        current = current_fiscal_year(actor=actor)
        if current is not None:
            filters["fiscal_year"] = current.year
    queryset = selectors.line_list(actor=actor, filters=filters)
    if request.GET.get("export") == "xlsx":
        # The grid's export: its columns, sort, subtotals and filters, every page (issue 16).
        return grid_download(
            request,
            LEDGER_GRID,
            queryset,
            "indicator-ledger.xlsx",
            prepare=selectors.with_code_names,
        )
    grid = grid_page(request, LEDGER_GRID, queryset, prepare=selectors.with_code_names)
    context = {
        "g": grid,
        "filters": [(n, label, request.GET.get(n, "")) for n, label in LINE_FILTERS],
        "flags": [(n, label, request.GET.get(n) == "1") for n, label in FLAG_FILTERS],
        "kinds": LineKind.choices,
        "kind": request.GET.get("kind", ""),
        "three_public": ThreePublic.choices[1:],
        "thr": request.GET.get("thr_exp_code", ""),
        "year": filters.get("fiscal_year"),
    }
    if is_htmx(request):
        return render(request, "indicators/ledger_rows.html", context)
    return render(request, "indicators/ledger.html", context)


@login_required
@permission_required("indicators.view_indicatorline", raise_exception=True)
def line_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    try:
        line = selectors.line_get(actor=actor, line_id=pk)
    except NotFoundError as exc:
        raise Http404 from exc
    selectors.with_code_names([line])
    return render(
        request,
        "indicators/line_detail.html",
        {
            "line": line,
            # A link only when the project page opens for the viewer (not a 403 or 404).
            "project_link": line.project_id is not None
            and project_selectors.can_open_project(actor=actor, pk=line.project_id),
            "movements": selectors.line_movements(actor=actor, line_id=pk),
            "trace": selectors.line_trace(actor=actor, line=line),
            "origins": origins_of(actor, line),  # R-BP-12: the budget line it came from
            "chain": transfers.tracking_chain(actor=actor, line=line),
            "clock": transfers.transfer_clock(line)
            if line.rec_date or line.source_type_code == transfers.TRANSFER_SOURCE_CODE
            else None,
            "children": selectors.line_list(actor=actor, filters={"parent": line.pk}),
        },
    )


@login_required
@permission_required("indicators.view_indicatorline", raise_exception=True)
def line_lookup(request: HttpRequest) -> HttpResponse:
    """The fragment beside a picked line: its unit, summary and available amount, live."""
    actor = _actor(request)
    # The picker sends its own field name (``lines-0-source``); a plain ``code`` works too.
    code = request.GET.get("code", "").strip() or next(
        (request.GET.get(k, "").strip() for k in request.GET if k.startswith("lines-")), ""
    )
    line = selectors.line_by_code(actor=actor, code=code) if code else None
    matches: list[Any] = []
    if line is None:
        # Typing part of a code, a summary, a unit or an economic class: refresh the picker's
        # suggestions (out of band) instead of shipping every line with the page.
        year = request.GET.get("year", "")
        matches = selectors.line_search(
            actor=actor,
            fiscal_year=parse_int(year),
            kind=request.GET.get("kind", ""),
            text=code,
        )
    return render(
        request,
        "indicators/_line_hint.html",
        {"line": line, "code": code, "matches": matches, "limit": selectors.PICKER_LIMIT},
    )


# --- Documents --------------------------------------------------------------------------------


@login_required
@permission_required("indicators.view_indicatordocument", raise_exception=True)
def document_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    params = {name: request.GET.get(name, "").strip() for name in DOCUMENT_FILTERS}
    filters = {DOCUMENT_FILTERS[name]: value for name, value in params.items()}
    queryset = with_document_totals(selectors.document_list(actor=actor, **filters))
    if request.GET.get("export") == "xlsx":
        return grid_download(request, DOCUMENT_GRID, queryset, "indicator-documents.xlsx")
    context = {
        "g": grid_page(request, DOCUMENT_GRID, queryset),
        "params": params,
        "kinds": DocumentKind.choices,
        "states": DocumentState.choices,
        "can_enter_finance": actor.has_perm("indicators.add_indicatordocument"),
        "can_enter_adjustment": actor.has_perm("indicators.enter_adjustment"),
        "direct_kinds": [(k, v) for k, v in DocumentKind.choices if k in DIRECT_KINDS],
    }
    if is_htmx(request):
        return render(request, "indicators/document_rows.html", context)
    return render(request, "indicators/document_list.html", context)


@dataclass
class RowForm:
    index: int
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def has_error(self, name: str) -> bool:
        return bool(self.errors.get(name))


def _rows_from_post(request: HttpRequest, count: int) -> list[RowForm]:
    rows = []
    for index in range(count):
        values = {
            name: request.POST.get(f"lines-{index}-{name}", "").strip()
            for name in (*TEXT_FIELDS, "source", "target", "organisation", "project", "amount")
        }
        for name in FLAG_FIELDS:
            values[name] = "1" if request.POST.get(f"lines-{index}-{name}") else ""
        rows.append(RowForm(index, values))
    return rows


def _rows_from_document(document: IndicatorDocument) -> list[RowForm]:
    rows = []
    for line in document.lines.select_related("source", "target", "organisation", "project"):
        values = {name: str(getattr(line, name) or "") for name in TEXT_FIELDS}
        values.update(
            source=line.source.code if line.source else "",
            target=line.target.code if line.target else "",
            organisation=line.organisation.code if line.organisation else "",
            project=line.project.code if line.project else "",
            amount=Money(line.amount).format(grouping=False),
        )
        for name in FLAG_FIELDS:
            values[name] = "1" if getattr(line, name) else ""
        rows.append(RowForm(line.row, values))
    return rows


def _blank(row: RowForm) -> bool:
    return not any(v for k, v in row.values.items() if k not in ("line_kind", "acc_type"))


def _document_input(
    request: HttpRequest, kind: str, rows: list[RowForm], year: int
) -> tuple[DocumentInput, list[ErrorDetail]]:
    return rows_input.document_input(
        actor=_actor(request),
        kind=kind,
        header=request.POST,
        rows=[row.values for row in rows if not _blank(row)],
        fiscal_year=year,
    )


def _place_errors(
    rows: list[RowForm], errors: list[ErrorDetail]
) -> tuple[dict[str, list[str]], list[str]]:
    """Each error beside its field on the rows sent, header fields by name, the rest on top."""
    used = [row for row in rows if not _blank(row)]
    placed = place_errors(errors, len(used))
    for index, fields in placed.rows.items():
        for name, texts in fields.items():
            used[index].errors.setdefault(name, []).extend(texts)
    return placed.header, placed.general


def _choices(actor: Any, year: int, kind: str) -> dict[str, Any]:
    from yusuan.core.validation import code_names

    region = actor.organisation.mof_div_code

    def codes(code_kind: str) -> list[tuple[str, str]]:
        names = code_names(
            mof_div_code=region,
            fiscal_year=year,
            kind=code_kind,
            codes=_all_codes(region, year, code_kind),
        )
        return sorted(names.items())

    lines = selectors.line_search(actor=actor, fiscal_year=year, kind=kind, text="")
    return {
        "line_options": lines,
        "fund_types": codes(CodeKind.FUND_TYPE),
        "source_types": codes(CodeKind.SOURCE_TYPE),
        "pay_types": codes(CodeKind.PAY_TYPE),
        "acc_types": AccountType.choices,
        "line_kinds": LineKind.choices,
        "three_public": ThreePublic.choices,
        "units": selectors.unit_options(actor=actor)
        if kind in (DocumentKind.ISSUE, DocumentKind.ALLOCATE)
        else [],
        "projects": selectors.project_options(actor=actor, fiscal_year=year)
        if kind in (DocumentKind.ISSUE, DocumentKind.ALLOCATE, DocumentKind.ADJUST)
        else [],
        "budget_sources": selectors.sources_list(actor=actor, fiscal_year=year)
        if kind in SOURCE_KINDS
        else [],
    }


# The kinds whose form names a source (R-IN-7): required for 下达/追加, optional for 追减.
SOURCE_KINDS = (DocumentKind.ISSUE, DocumentKind.INCREASE, DocumentKind.DECREASE)


def _all_codes(region: str, year: int, kind: str) -> list[str]:
    from yusuan.core.models import ClassificationCode

    return list(
        ClassificationCode.objects.filter(
            mof_div_code=region, fiscal_year=year, kind=kind, is_enabled=True
        ).values_list("code", flat=True)
    )


def _editor(request: HttpRequest, *, kind: str, document: IndicatorDocument | None) -> HttpResponse:
    actor = _actor(request)
    if kind not in ROW_FIELDS:
        raise Http404
    permission = (
        "indicators.enter_adjustment"
        if kind == DocumentKind.ADJUST
        else "indicators.add_indicatordocument"
    )
    if not actor.has_perm(permission):
        raise PermissionDenied
    current = current_fiscal_year(actor=actor)
    year = document.fiscal_year if document else (current.year if current else 0)
    header_values = {
        name: request.POST.get(name, getattr(document, name, "") if document else "")
        for name in ("title", "doc_no", "reason", "subtype", "npc_reference")
    }
    # R-IN-7: the source (by code) a 下达/追加 draws from, or a 追减 gives back to.
    header_values["budget_source"] = request.POST.get(
        "budget_source",
        document.budget_source.code if document is not None and document.budget_source else "",
    )
    default_rows = 5 if kind in (DocumentKind.ISSUE, DocumentKind.ALLOCATE) else 3
    if request.method == "POST":
        count = max(1, min(parse_int(request.POST.get("row_count", str(default_rows))) or 1, 200))
        if "add_row" in request.POST:
            count += 1
        rows = _rows_from_post(request, count)
    elif document is not None:
        rows = _rows_from_document(document)
        rows += [RowForm(len(rows) + i, {}) for i in range(max(0, default_rows - len(rows)))]
    else:
        rows = [RowForm(i, {}) for i in range(default_rows)]
    header_errors: dict[str, list[str]] = {}
    general: list[str] = []
    if request.method == "POST" and "add_row" not in request.POST:
        data, resolve_errors = _document_input(request, kind, rows, year)
        if resolve_errors:
            try:
                resolve_errors = rows_input.with_rule_errors(actor, data, resolve_errors)
            except BusinessRuleError as exc:
                resolve_errors += exc.errors
            header_errors, general = _place_errors(rows, resolve_errors)
        else:
            try:
                saved = (
                    document_update(actor=actor, document_id=document.pk, data=data)
                    if document is not None
                    else document_create(actor=actor, data=data)
                )
            except BusinessRuleError as exc:
                header_errors, general = _place_errors(rows, exc.errors)
            else:
                messages.success(
                    request, _("Saved as draft %(number)s.") % {"number": saved.number}
                )
                return redirect("indicators:document_detail", pk=saved.pk)
    context = {
        "kind": kind,
        "kind_label": DocumentKind(kind).label,
        "document": document,
        "rows": rows,
        "row_fields": ROW_FIELDS[kind],
        "header": header_values,
        "header_errors": header_errors,
        "general_errors": general,
        # Wide forms scroll sideways: every row error is also listed above the table.
        "row_errors": [text for row in rows for texts in row.errors.values() for text in texts],
        "subtypes": ADJUSTMENT.subtypes,
        "transfer_columns": [(e.name, e.label_zh) for e in TRANSFER_COLUMNS],
        "year": year,
        **_choices(actor, year, kind),
    }
    return render(request, "indicators/document_form.html", context)


@login_required
def document_new(request: HttpRequest, kind: str) -> HttpResponse:
    return _editor(request, kind=kind, document=None)


@login_required
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    try:
        document = selectors.document_get(actor=actor, document_id=pk)
    except NotFoundError as exc:
        raise Http404 from exc
    if document.state != DocumentState.DRAFT:
        messages.error(request, _("Only drafts can be edited."))
        return redirect("indicators:document_detail", pk=pk)
    return _editor(request, kind=document.kind, document=document)


@login_required
@permission_required("indicators.view_indicatordocument", raise_exception=True)
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    try:
        document = selectors.document_get(actor=actor, document_id=pk)
    except NotFoundError as exc:
        raise Http404 from exc
    approval = (
        workflow_selectors.document_approval(
            actor=actor, document_type=DOCUMENT_TYPE, document=document
        )
        if document.kind == DocumentKind.ADJUST
        else None
    )
    preview = None
    is_draft = document.state == DocumentState.DRAFT
    if document.kind == DocumentKind.ADJUST and is_draft:
        preview = _route_preview(actor, document)
    entry_perm = (
        "indicators.enter_adjustment"
        if document.kind == DocumentKind.ADJUST
        else "indicators.add_indicatordocument"
    )
    return render(
        request,
        "indicators/document_detail.html",
        {
            "document": document,
            "lines": document.lines.select_related(
                "source", "target", "created_line", "organisation", "project"
            ),
            "latest": approval.latest if approval else None,
            "approval": approval,
            "preview": preview,
            "can_edit": is_draft and actor.has_perm(entry_perm),
            "can_post": is_draft
            and document.kind in DIRECT_KINDS
            and actor.has_perm("indicators.post_indicatordocument")
            and document.created_by_id != actor.pk,
            "can_submit": is_draft
            and document.kind == DocumentKind.ADJUST
            and actor.has_perm("indicators.enter_adjustment"),
        },
    )


def _route_preview(actor: Any, document: IndicatorDocument) -> Any:
    facts = AdjustmentHandler().facts(document)
    return _preview_for(actor, document.organisation, facts.subtype, facts.amount_fen, facts)


def _preview_for(
    actor: Any, organisation: Organisation, subtype: str, amount: int | None, facts: Any
) -> Any:
    return workflow_selectors.preview(
        actor=actor,
        document_type=DOCUMENT_TYPE,
        organisation=organisation,
        values={
            "subtype": subtype,
            "amount": amount,
            "fund_type": facts.fund_type,
            "project_category": facts.project_category,
            "flag": facts.flags,
        },
    )


@require_POST
@login_required
@permission_required("indicators.enter_adjustment", raise_exception=True)
def route_preview(request: HttpRequest) -> HttpResponse:
    """The approval path the adjustment on the form would take, refreshed as the clerk types."""
    actor = _actor(request)
    current = current_fiscal_year(actor=actor)
    year = current.year if current else 0
    count = max(1, min(parse_int(request.POST.get("row_count", "3")) or 1, 200))
    data, _errors = _document_input(
        request, DocumentKind.ADJUST, _rows_from_post(request, count), year
    )
    facts = selectors.adjustment_facts(actor=actor, lines=data.lines)
    preview = None
    if data.subtype:
        preview = _preview_for(
            actor, actor.organisation, data.subtype, sum(x.amount.fen for x in data.lines), facts
        )
    return render(request, "indicators/_route.html", {"preview": preview})


def _action(request: HttpRequest, pk: int, run: Any, done: str) -> HttpResponse:
    return run_action(request, run, done, redirect("indicators:document_detail", pk=pk))


@require_POST
@login_required
def document_post_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda actor: document_post(actor=actor, document_id=pk),
        _("Posted: the indicators have changed."),
    )


@require_POST
@login_required
def document_void_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, lambda actor: document_void(actor=actor, document_id=pk), _("Voided.")
    )


@require_POST
@login_required
def document_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda actor: document_submit(actor=actor, document_type=DOCUMENT_TYPE, object_id=str(pk)),
        _("Submitted for approval."),
    )


@login_required
@permission_required("indicators.view_indicatorline", raise_exception=True)
def transfer_breaches(request: HttpRequest) -> HttpResponse:
    """R-IN-5: upper-level transfer money not allocated within 30 days of receipt (R-IN-9)."""
    actor = _actor(request)
    current = current_fiscal_year(actor=actor)
    year = parse_int(request.GET.get("year", "")) or (current.year if current else None)
    return render(
        request,
        "indicators/transfer_breaches.html",
        {
            "breaches": transfers.transfer_breaches(actor=actor, fiscal_year=year),
            "year": year,
            "days": transfers.TRANSFER_ALLOCATION_DAYS,
        },
    )
