"""The statements' pages (issue 19, DOMAIN-2 §5.5): for one unit's book, or summed over every
book of a year the user sees (a department's units, the district): an index with the R-AC-9 and
R-AC-10 checks, and one page per statement, as Excel (``?export=xlsx``) and PDF
(``?export=pdf``). Another unit's book is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yusuan.accounting import journal, statements
from yusuan.accounting.views import VIEW, _book, _int
from yusuan.common import report_tables
from yusuan.common.tabular import XLSX
from yusuan.common.web import attachment


def _month(request: HttpRequest) -> int:
    return _int(request.GET.get("month"), timezone.localdate().month, 1, 12)


def _summary(request: HttpRequest) -> statements.Statements:
    actor: Any = request.user
    year = _int(request.GET.get("year"), timezone.localdate().year, 2000, 2100)
    return statements.summary_statements(actor=actor, fiscal_year=year, month=_month(request))


def _of(request: HttpRequest, book_pk: int | None) -> tuple[statements.Statements, Any]:
    if book_pk is None:
        return _summary(request), None
    book = _book(request, book_pk)
    actor: Any = request.user
    return statements.book_statements(actor=actor, book_id=book.pk, month=_month(request)), book


def _index(request: HttpRequest, book_pk: int | None) -> HttpResponse:
    found, book = _of(request, book_pk)
    return render(
        request,
        "accounting/statements/index.html",
        {
            "book": book,
            "st": found,
            "tables": [found.tables[key] for key in statements.ALL],
            "failures": found.failures,
            "warnings": [c for c in found.failures if c.severity == statements.WARN],
            "blocking": [c for c in found.failures if c.severity == statements.BLOCK],
            "checked": len(found.checks),
            "months": range(1, 13),
        },
    )


def _detail(request: HttpRequest, book_pk: int | None, key: str) -> HttpResponse:
    if key not in statements.ALL:
        raise Http404
    found, book = _of(request, book_pk)
    table = found.tables[key]
    footer = tuple(f"{c.rule} {c.message_zh}" for c in found.failures if key in _about(c))
    name = f"{key}-{found.fiscal_year}-{found.month:02d}"
    export = request.GET.get("export", "")
    if export == "xlsx":
        data = report_tables.to_xlsx(table, found.heading(), footer=footer)
        return attachment(data, f"{name}.xlsx", XLSX)
    if export == "pdf":
        data = report_tables.to_pdf(table, found.heading(), footer=footer)
        return attachment(data, f"{name}.pdf", "application/pdf")
    return render(
        request,
        "accounting/statements/statement.html",
        {
            "book": book,
            "st": found,
            "table": table,
            "sections": [report_tables.display(s) for s in table.sections],
            "failures": [c for c in found.failures if key in _about(c)],
            "month": found.month,
            "months": range(1, 13),
            "query": f"month={found.month}&year={found.fiscal_year}",
        },
    )


def _about(check: statements.Check) -> tuple[str, ...]:
    """The statements a check compares (where its failure is printed)."""
    return statements.CHECK_TABLES.get(check.key.split(":")[0], ())


@login_required
@permission_required(VIEW, raise_exception=True)
def book_statements(request: HttpRequest, book_pk: int) -> HttpResponse:
    return _index(request, book_pk)


@login_required
@permission_required(VIEW, raise_exception=True)
def book_statement(request: HttpRequest, book_pk: int, key: str) -> HttpResponse:
    return _detail(request, book_pk, key)


@login_required
@permission_required(VIEW, raise_exception=True)
def summary_statements(request: HttpRequest) -> HttpResponse:
    return _index(request, None)


@login_required
@permission_required(VIEW, raise_exception=True)
def summary_statement(request: HttpRequest, key: str) -> HttpResponse:
    return _detail(request, None, key)


@login_required
@permission_required(VIEW, raise_exception=True)
def book_journal(request: HttpRequest, book_pk: int) -> HttpResponse:
    """The book as a beancount journal, for an auditor's ``bean-check`` (accounting.journal)."""
    book = _book(request, book_pk)
    actor: Any = request.user
    text = journal.beancount(actor=actor, book_id=book.pk)
    name = f"book-{book.organisation.code}-{book.fiscal_year}.beancount"
    return attachment(text.encode(), name, "text/plain; charset=utf-8")
