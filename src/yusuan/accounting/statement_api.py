"""The statements through the API (issue 19, DOMAIN-2 §5.5): one unit's book, or the sum of the
books of a year the token's user sees, with every row of the seven statements and the 差异调节表
and the R-AC-5/9/10 checks; and a book as a beancount journal. Amounts are integer fen. Scope
``accounting:read``; another unit's book is a 404."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, Router, Schema

from yusuan.accounting import journal, statements
from yusuan.accounting.api import READ, VIEW, Month
from yusuan.common.api import Id, Year, require

router = Router(tags=["accounting"])


class StatementRowOut(Schema):
    key: str = Field(description="Stable row key, e.g. assets_total, bexp_only:capital")
    label: str
    level: int
    total: bool = Field(description="A total or subtotal")
    amounts: list[int] = Field(description="Integer fen, one per column")


class StatementOut(Schema):
    key: str
    number: str = Field(description="会政财01表 … 会政预03表, 附注")
    title: str
    columns: list[str]
    rows: list[StatementRowOut]


class CheckOut(Schema):
    rule: str
    key: str
    ok: bool
    severity: str = Field(description="block: R-AC-10 stops publishing; warn: R-AC-9")
    left_fen: int
    right_fen: int
    message_zh: str
    message_en: str


class StatementsOut(Schema):
    fiscal_year: int
    month: int
    subject: str
    book_ids: list[int]
    publishable: bool = Field(description="R-AC-10: no blocking check fails")
    statements: list[StatementOut]
    checks: list[CheckOut]


def _out(found: statements.Statements, keys: tuple[str, ...]) -> dict[str, Any]:
    return {
        "fiscal_year": found.fiscal_year,
        "month": found.month,
        "subject": found.subject,
        "book_ids": [b.pk for b in found.books],
        "publishable": found.publishable,
        "statements": [
            {
                "key": table.key,
                "number": table.number,
                "title": table.title,
                "columns": [c for s in table.sections[:1] for c in s.columns],
                "rows": [
                    {
                        "key": row.key,
                        "label": row.label,
                        "level": row.level,
                        "total": row.strong,
                        "amounts": list(row.amounts),
                    }
                    for section in table.sections
                    for row in section.rows
                ],
            }
            for table in (found.tables[k] for k in keys)
        ],
        "checks": [
            {
                "rule": c.rule,
                "key": c.key,
                "ok": c.ok,
                "severity": c.severity,
                "left_fen": c.left,
                "right_fen": c.right,
                "message_zh": c.message_zh,
                "message_en": c.message_en,
            }
            for c in found.checks
        ],
    }


Key = Annotated[str, Field(pattern="^(" + "|".join(statements.ALL) + ")$")]


def _keys(key: str | None) -> tuple[str, ...]:
    return (key,) if key else statements.ALL


@router.get("/accounting/books/{book_id}/statements", response=StatementsOut)
def book_statements(
    request: HttpRequest, book_id: Id, month: Month | None = None, key: Key | None = None
) -> Any:
    """The unit's statements at the end of ``month`` (default: this month), all of them or the
    one named by ``key``, with every check."""
    actor = require(request, VIEW, READ)
    found = statements.book_statements(
        actor=actor, book_id=book_id, month=month or timezone.localdate().month
    )
    return _out(found, _keys(key))


@router.get("/accounting/statements", response=StatementsOut)
def summary_statements(
    request: HttpRequest, fiscal_year: Year, month: Month | None = None, key: Key | None = None
) -> Any:
    """The sum of every book of ``fiscal_year`` the caller sees (a department's units, the
    district's), as one set of statements."""
    actor = require(request, VIEW, READ)
    found = statements.summary_statements(
        actor=actor, fiscal_year=fiscal_year, month=month or timezone.localdate().month
    )
    return _out(found, _keys(key))


@router.get(
    "/accounting/books/{book_id}/journal",
    response={200: str},
    openapi_extra={"responses": {200: {"content": {"text/plain": {"schema": {"type": "string"}}}}}},
)
def book_journal(request: HttpRequest, book_id: Id) -> HttpResponse:
    """The book's posted vouchers as a beancount journal with a balance assertion for every
    first-level account at each month end, for ``bean-check``."""
    actor = require(request, VIEW, READ)
    text = journal.beancount(actor=actor, book_id=book_id)
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
