"""Document rows as clerks and client systems write them — codes and amounts in 元 — turned into
the services' ``DocumentInput``. Shared by the entry form and the API, so both name an unknown
code or a malformed amount the same way (``lines[i].field``, row, value; DESIGN §6).

Codes are resolved in one query per kind (lines, units, projects) for the whole document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from yusuan.common.actor import Actor
from yusuan.common.errors import ErrorDetail, row_amount
from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.indicators.choices import DocumentKind, LineKind
from yusuan.indicators.elements import ENTERED_ELEMENTS
from yusuan.indicators.models import IndicatorLine, IndicatorSource
from yusuan.indicators.services import DocumentInput, LineInput, LineSpec, document_check
from yusuan.projects.models import Project

_ENTERED = tuple(e for e in ENTERED_ELEMENTS if e.value != "ref")
TEXT_FIELDS = (*(e.name for e in _ENTERED if e.value != "flag"), "summary", "line_kind")
FLAG_FIELDS = (*(e.name for e in _ENTERED if e.value == "flag"), "to_parent")
CODE_FIELDS = ("source", "target", "organisation", "project")
HEADER_FIELDS = ("title", "doc_no", "reason", "subtype", "npc_reference", "budget_source")

Row = Mapping[str, Any]


def _text(row: Row, name: str) -> str:
    value = row.get(name)
    return str(value).strip() if value not in (None, False) else ""


def _flag(row: Row, name: str) -> bool:
    value = row.get(name)
    return value is True or value in ("1", "on", "true")


def _date(row: Row, name: str, index: int, errors: list[ErrorDetail]) -> dt.date | None:
    """A day written ``YYYY-MM-DD`` (R-IN-9 接收日期); anything else is named on its row."""
    text = _text(row, name)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(
            ErrorDetail(
                code="indicators.bad_date",
                field=f"lines[{index}].{name}",
                row=index,
                value=text,
                limit="YYYY-MM-DD",
                message_zh=f"第 {index + 1} 行：日期“{text}”格式应为 YYYY-MM-DD",
                message_en=f"row {index + 1}: the date '{text}' is not YYYY-MM-DD",
            )
        )
        return None


def _entered_elements(row: Row, index: int, errors: list[ErrorDetail]) -> dict[str, Any]:
    """The codes, choices, flags, references and dates a row gives its new line (units and
    projects aside)."""
    values: dict[str, Any] = {}
    for e in _ENTERED:
        if e.value == "flag":
            values[e.attribute] = _flag(row, e.name)
        elif e.value == "date":
            values[e.attribute] = _date(row, e.name, index, errors)
        else:
            values[e.attribute] = _text(row, e.name)
    return values


def wants_spec(kind: str, row: Row) -> bool:
    """Rows of issues and allocations create a line; an adjustment row creates one when it names
    no target line but an economic class."""
    return kind in (DocumentKind.ISSUE, DocumentKind.ALLOCATE) or (
        kind == DocumentKind.ADJUST
        and not _text(row, "target")
        and bool(_text(row, "dep_bgt_eco_code"))
    )


class _Codes:
    """Every code the rows name, looked up at once; unknown ones become errors on their row."""

    def __init__(self, actor: Actor, rows: Sequence[Row]) -> None:
        def wanted(*names: str) -> set[str]:
            return {_text(row, n) for row in rows for n in names} - {""}

        regions = actor.scope.mof_div_codes
        self.lines = dict(
            IndicatorLine.objects.visible_to(actor)
            .filter(code__in=wanted("source", "target"))
            .values_list("code", "pk")
        )
        units = wanted("organisation")
        # Finance issues to any unit of its regions; the unit need not be in its own scope.
        self.units = dict(
            Organisation.objects.filter(code__in=units, mof_div_code__in=regions).values_list(
                "code", "pk"
            )
        )
        self.units.update(
            Organisation.objects.visible_to(actor).filter(code__in=units).values_list("code", "pk")
        )
        self.projects = dict(
            Project.objects.filter(
                code__in=wanted("project"), mof_div_code__in=regions
            ).values_list("code", "pk")
        )
        self.errors: list[ErrorDetail] = []

    def get(self, table: dict[str, int], index: int, name: str, code: str) -> int | None:
        if not code:
            return None
        found = table.get(code)
        if found is None:
            zh, en = {
                "source": ("指标", "indicator"),
                "target": ("指标", "indicator"),
                "organisation": ("单位", "unit"),
                "project": ("项目", "project"),
            }[name]
            self.errors.append(
                ErrorDetail(
                    code="indicators.code_unknown",
                    field=f"lines[{index}].{name}",
                    row=index,
                    value=code,
                    message_zh=f"第 {index + 1} 行：{zh}“{code}”不存在或无权使用",
                    message_en=f"row {index + 1}: {en} '{code}' not found",
                )
            )
        return found


def document_input(
    *,
    actor: Actor,
    kind: str,
    header: Mapping[str, Any],
    rows: Sequence[Row],
    fiscal_year: int | None,
    organisation_id: int | None = None,
) -> tuple[DocumentInput, list[ErrorDetail]]:
    """The document the rows describe and what could not be read (codes, amounts). Row ``i`` of
    an error is the position in ``rows``; the services' own checks come after."""
    codes = _Codes(actor, rows)
    errors = codes.errors
    lines: list[LineInput] = []
    for index, row in enumerate(rows):
        amount: Money = row_amount(_text(row, "amount"), index, errors)
        spec = None
        if wants_spec(kind, row):
            spec = LineSpec(
                line_kind=_text(row, "line_kind") or LineKind.EXECUTABLE,
                organisation_id=codes.get(
                    codes.units, index, "organisation", _text(row, "organisation")
                ),
                project_id=codes.get(codes.projects, index, "project", _text(row, "project")),
                summary=_text(row, "summary"),
                **_entered_elements(row, index, errors),
            )
        lines.append(
            LineInput(
                amount=amount,
                source_id=codes.get(codes.lines, index, "source", _text(row, "source")),
                target_id=codes.get(codes.lines, index, "target", _text(row, "target")),
                spec=spec,
                to_parent=_flag(row, "to_parent"),
            )
        )
    data = DocumentInput(
        kind=kind,
        lines=lines,
        fiscal_year=fiscal_year,
        organisation_id=organisation_id,
        budget_source_id=_budget_source(actor, _text(header, "budget_source"), errors),
        title=_text(header, "title"),
        doc_no=_text(header, "doc_no"),
        reason=_text(header, "reason"),
        subtype=_text(header, "subtype"),
        npc_reference=_text(header, "npc_reference"),
    )
    return data, errors


def _budget_source(actor: Actor, code: str, errors: list[ErrorDetail]) -> int | None:
    """R-IN-7: the source a 下达/追加 draws from, named by its code (LY…)."""
    if not code:
        return None
    found = IndicatorSource.objects.visible_to(actor).filter(code=code).values_list("pk", flat=True)
    if not found:
        errors.append(
            ErrorDetail(
                code="indicators.code_unknown",
                field="budget_source",
                rule="R-IN-7",
                value=code,
                message_zh=f"指标来源“{code}”不存在或无权使用",
                message_en=f"source '{code}' not found",
            )
        )
        return None
    return found[0]


def with_rule_errors(
    actor: Actor, data: DocumentInput, unreadable: list[ErrorDetail]
) -> list[ErrorDetail]:
    """The codes and amounts that could not be read, then every rule error of the rest — so the
    clerk sees all of a document's problems at once. A field already named for an unreadable
    value is not named again for being empty."""
    if not unreadable:
        return []
    named = {e.field for e in unreadable}
    return unreadable + [e for e in document_check(actor=actor, data=data) if e.field not in named]
