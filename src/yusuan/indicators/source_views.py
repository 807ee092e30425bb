"""Pages of indicator sources (指标来源, R-IN-7) and 预算调整 records (R-AJ-7): lists in the
caller's scope, a source with its draws, and the budget division's entry forms. The API's
``/indicators/sources`` and ``/indicators/adjustments`` call the same services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, field_amount
from yusuan.common.ids import parse_int
from yusuan.common.web import error_text, paginate
from yusuan.core.selectors import current_fiscal_year
from yusuan.indicators import selectors
from yusuan.indicators.choices import SourceKind
from yusuan.indicators.services.sources import (
    OPENABLE_KINDS,
    AdjustmentInput,
    AdjustmentRowInput,
    SourceInput,
    adjustment_create,
    source_create,
)

SOURCE_FIELDS = ("kind", "name", "amount", "reference_no", "fund_type_code", "exp_func_code")
ADJUSTMENT_ROWS = 5


def _actor(request: HttpRequest) -> Any:
    return request.user


def _placed(errors: list[ErrorDetail]) -> tuple[dict[str, list[str]], list[str]]:
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for detail in errors:
        if detail.field:
            by_field.setdefault(detail.field, []).append(error_text(detail))
        else:
            general.append(error_text(detail))
    return by_field, general


def _year(request: HttpRequest) -> int:
    current = current_fiscal_year(actor=_actor(request))
    return current.year if current else timezone.localdate().year


@login_required
@permission_required("indicators.view_indicatorsource", raise_exception=True)
def source_list(request: HttpRequest) -> HttpResponse:
    """Sources of the year with amount, drawn and left; the budget division opens new ones."""
    actor = _actor(request)
    year = parse_int(request.GET.get("year", "")) or _year(request)
    can_open = actor.has_perm("indicators.add_indicatorsource")
    values = {name: request.POST.get(name, "") for name in SOURCE_FIELDS}
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    if request.method == "POST":
        if not can_open:
            raise PermissionDenied
        try:
            source = source_create(
                actor=actor,
                data=SourceInput(
                    kind=values["kind"],
                    name=values["name"],
                    amount=field_amount(values["amount"], "amount"),
                    fiscal_year=year,
                    reference_no=values["reference_no"],
                    fund_type_code=values["fund_type_code"].strip(),
                    exp_func_code=values["exp_func_code"].strip(),
                ),
            )
        except BusinessRuleError as exc:
            errors, general = _placed(exc.errors)
        else:
            messages.success(request, _("Source %(code)s opened.") % {"code": source.code})
            return redirect("indicators:source_detail", pk=source.pk)
    page = paginate(request, selectors.sources_list(actor=actor, fiscal_year=year))
    return render(
        request,
        "indicators/source_list.html",
        {
            "page": page,
            "year": year,
            "can_open": can_open,
            "kinds": [(k.value, k.label) for k in SourceKind if k in OPENABLE_KINDS],
            "values": values,
            "errors": errors,
            "general_errors": general,
        },
    )


@login_required
@permission_required("indicators.view_indicatorsource", raise_exception=True)
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        source = selectors.source_get(actor=_actor(request), pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc
    return render(
        request,
        "indicators/source_detail.html",
        {
            "source": source,
            "draws": selectors.source_draws(source=source),
            "lines": source.lines.order_by("code")[:200],
        },
    )


def _adjustment_rows(request: HttpRequest) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for index in range(ADJUSTMENT_ROWS):
        row = {
            name: request.POST.get(f"rows-{index}-{name}", "").strip()
            for name in ("fund_type_code", "exp_func_code", "amount", "decrease_amount")
        }
        rows.append(row)
    return rows


@login_required
@permission_required("indicators.view_budgetadjustment", raise_exception=True)
def adjustment_list(request: HttpRequest) -> HttpResponse:
    """预算调整 records (R-AJ-7); the budget division records a new one with its rows."""
    actor = _actor(request)
    year = parse_int(request.GET.get("year", "")) or _year(request)
    can_record = actor.has_perm("indicators.add_budgetadjustment")
    header = {
        name: request.POST.get(name, "") for name in ("title", "decision_no", "decision_date")
    }
    rows = [dict.fromkeys(("fund_type_code", "exp_func_code", "amount", "decrease_amount"), "")]
    rows *= ADJUSTMENT_ROWS
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        rows = _adjustment_rows(request)
        try:
            decision_date = None
            if header["decision_date"]:
                try:
                    decision_date = dt.date.fromisoformat(header["decision_date"])
                except ValueError as exc:
                    raise BusinessRuleError.single(
                        code="indicators.bad_date",
                        rule="R-AJ-7",
                        field="decision_date",
                        value=header["decision_date"][:40],
                        message_zh="决议日期格式应为 YYYY-MM-DD",
                        message_en="the decision date reads YYYY-MM-DD",
                    ) from exc
            entered = [(index, row) for index, row in enumerate(rows) if any(row.values())]
            record = adjustment_create(
                actor=actor,
                data=AdjustmentInput(
                    title=header["title"],
                    decision_no=header["decision_no"],
                    decision_date=decision_date,
                    fiscal_year=year,
                    rows=[
                        AdjustmentRowInput(
                            fund_type_code=row["fund_type_code"],
                            exp_func_code=row["exp_func_code"],
                            amount=field_amount(row["amount"] or "0", f"rows[{index}].amount"),
                            decrease_amount=field_amount(
                                row["decrease_amount"] or "0", f"rows[{index}].decrease_amount"
                            ),
                        )
                        for index, row in entered
                    ],
                ),
            )
        except BusinessRuleError as exc:
            errors, general = _placed(exc.errors)
        else:
            messages.success(
                request, _("Budget adjustment %(number)s recorded.") % {"number": record.number}
            )
            return redirect("indicators:adjustment_detail", pk=record.pk)
    page = paginate(request, selectors.adjustments_list(actor=actor, fiscal_year=year))
    return render(
        request,
        "indicators/adjustment_list.html",
        {
            "page": page,
            "year": year,
            "can_record": can_record,
            "header": header,
            "rows": rows,
            "errors": errors,
            "general_errors": general
            + [t for k, v in errors.items() if k.startswith("rows") for t in v],
        },
    )


@login_required
@permission_required("indicators.view_budgetadjustment", raise_exception=True)
def adjustment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        record = selectors.adjustment_get(actor=_actor(request), pk=pk)
    except NotFoundError as exc:
        raise Http404 from exc
    return render(
        request,
        "indicators/adjustment_detail.html",
        {"record": record, "rows": record.rows.order_by("code")},
    )
