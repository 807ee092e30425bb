"""Standards of /api/v1 (支出标准 and 定员定额, ADR 0039): read a region's year, change one (the
budget division; idempotent). Values are integers in each key's unit (``unit``: basis points,
fen per …, percent, months, a choice), with ``display`` in human units."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Year, require
from yusuan.core import selectors, standard_keys
from yusuan.core.models import Standard, StandardVersion
from yusuan.core.services.standards import CHANGE_PERMISSION, REASON_MAX, standard_change

router = Router(tags=["master data"])
READ, WRITE = "core:read", "core:write"


class StandardOut(Schema):
    id: int
    mof_div_code: str
    fiscal_year: int
    key: str
    name: str
    name_en: str
    group: str
    unit: str = Field(description="bp, percent, fen_month, fen_person_year, … (StandardUnit)")
    rule: str
    economic_code: str
    value: int = Field(description="The year's latest value, in the unit")
    display: str = Field(description="The value in human units (16.00 %, 24,000.00 元/人·年)")
    effective_from: dt.date
    basis: str
    version: int
    changed_at: dt.datetime
    changed_by: str | None
    reason: str


class StandardVersionOut(Schema):
    version: int
    value: int
    display: str
    effective_from: dt.date
    basis: str
    reason: str
    changed_by: str | None
    changed_at: dt.datetime


def _display(key: str, value: int) -> str:
    known = standard_keys.BY_KEY.get(key)
    return standard_keys.show(known, value) if known else str(value)


def _who(version: StandardVersion) -> str | None:
    return version.created_by.username if version.created_by else None


def _row_out(row: selectors.StandardRow) -> dict[str, Any]:
    standard, known = row.standard, row.known
    return {
        "id": standard.pk,
        "mof_div_code": standard.mof_div_code,
        "fiscal_year": standard.fiscal_year,
        "key": standard.key,
        "name": standard.name,
        "name_en": known.name_en if known else standard.key,
        "group": known.group if known else "",
        "unit": standard.unit,
        "rule": standard.rule,
        "economic_code": known.economic_code if known else "",
        "value": row.value,
        "display": _display(standard.key, row.value),
        "effective_from": row.effective_from,
        "basis": row.basis,
        "version": row.last.version,
        "changed_at": row.last.created_at,
        "changed_by": _who(row.last),
        "reason": row.last.reason,
    }


def _region(actor: Any, mof_div_code: str) -> str:
    region = mof_div_code or getattr(actor, "mof_div_code", "")
    if region not in actor.scope.mof_div_codes:
        raise Http404
    return region


@router.get("/core/standards", response=list[StandardOut])
def list_standards(request: HttpRequest, fiscal_year: Year, mof_div_code: str = "") -> Any:
    """The region's standards of the year (default: the caller's region), in registry order;
    another region's code is a 404."""
    actor = require(request, "core.view_standard", READ)
    region = _region(actor, mof_div_code)
    rows = selectors.standard_table(actor=actor, mof_div_code=region, fiscal_year=fiscal_year)
    return [_row_out(row) for row in rows]


@router.get("/core/standards/{standard_id}/versions", response=list[StandardVersionOut])
def standard_versions(request: HttpRequest, standard_id: Id) -> Any:
    """Every version of one standard, the latest first (another region's: 404)."""
    actor = require(request, "core.view_standard", READ)
    standard = selectors.access_standard(actor=actor, pk=standard_id)
    return [
        {
            "version": v.version,
            "value": v.value,
            "display": _display(standard.key, v.value),
            "effective_from": v.effective_from,
            "basis": v.basis,
            "reason": v.reason,
            "changed_by": _who(v),
            "changed_at": v.created_at,
        }
        for v in selectors.standard_history(
            mof_div_code=standard.mof_div_code, fiscal_year=standard.fiscal_year, key=standard.key
        )
    ]


class StandardChangeIn(Schema):
    fiscal_year: Year
    key: str = Field(min_length=1, max_length=64)
    value: int = Field(description="In the key's unit (basis points, fen, percent, months, …)")
    reason: str = Field(max_length=REASON_MAX)
    effective_from: dt.date | None = Field(None, description="Within the year; default today")
    basis: str | None = Field(None, max_length=200, description="Default: the current one")
    mof_div_code: str = Field("", max_length=9, description="Default: the caller's region")


@router.post("/core/standards", response={201: StandardOut})
def change_standard(
    request: HttpRequest,
    response: HttpResponse,
    payload: StandardChangeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A new version of one standard (the budget division, ADR 0039); the old versions stay."""

    def render(actor: Any) -> dict[str, Any]:
        region = _region(actor, payload.mof_div_code)
        standard = (
            Standard.objects.visible_to(actor)
            .filter(mof_div_code=region, fiscal_year=payload.fiscal_year, key=payload.key)
            .first()
        )
        if standard is None:
            raise Http404
        standard_change(
            actor=actor,
            standard=standard,
            value=payload.value,
            reason=payload.reason,
            effective_from=payload.effective_from,
            basis=payload.basis,
        )
        rows = selectors.standard_table(
            actor=actor, mof_div_code=region, fiscal_year=payload.fiscal_year
        )
        return next(_row_out(row) for row in rows if row.standard.pk == standard.pk)

    return write_once(
        request,
        response,
        permission=CHANGE_PERMISSION,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:core.standard.change:{payload.mof_div_code}:{payload.fiscal_year}:"
        f"{payload.key}",
        body=payload.model_dump(mode="json"),
        status=201,
        render=render,
    )
