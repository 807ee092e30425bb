"""The standards page (支出标准 and 定员定额, ADR 0039): a region's year grouped, each standard's
history in a drawer, and the budget division's edit form. Parse, authorise, render: the rules are
in ``core.standard_keys`` and ``core.services.standards``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.fields import date_input
from yusuan.common.ids import parse_int
from yusuan.common.web import add_business_errors, error_text
from yusuan.core import selectors, standard_keys
from yusuan.core.choices import FiscalYearStatus, StandardGroup
from yusuan.core.models import FiscalYear, Standard, StandardVersion
from yusuan.core.services.standards import CHANGE_PERMISSION, REASON_MAX, standard_change


def _shown(standard: Standard, value: int) -> str:
    known = standard_keys.BY_KEY.get(standard.key)
    return standard_keys.show(known, value, get_language()) if known else str(value)


def _list_url(standard: Standard) -> str:
    query = urlencode({"region": standard.mof_div_code, "year": str(standard.fiscal_year)})
    return f"{reverse('core:standard_list')}?{query}"


@login_required
@permission_required("core.view_standard", raise_exception=True)
def standard_list(request: HttpRequest) -> HttpResponse:
    """The region's standards of a year, grouped (缴费比例, 缴费基数上下限, 公用经费定额, 支出标准)."""
    actor: Any = request.user
    regions = sorted(actor.scope.mof_div_codes)
    own = getattr(actor, "mof_div_code", "")
    region = request.GET.get("region") or (own if own in regions else (regions or [""])[0])
    if region not in regions:
        raise Http404
    years = list(FiscalYear.objects.visible_to(actor).filter(mof_div_code=region).order_by("-year"))
    open_years = [y.year for y in years if y.status == FiscalYearStatus.OPEN]
    year = parse_int(request.GET.get("year", "")) or (
        open_years[0] if open_years else (years[0].year if years else None)
    )
    if year is not None and years and year not in {y.year for y in years}:
        raise Http404
    rows = selectors.standard_table(actor=actor, mof_div_code=region, fiscal_year=year or 0)
    language = get_language()
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        group = row.known.group if row.known else ""
        groups.setdefault(group, []).append(
            {
                "row": row,
                "shown": _shown(row.standard, row.value),
                "economic_code": row.known.economic_code if row.known else "",
                "name_en": row.known.name_en if row.known else row.standard.key,
            }
        )
    labels = dict(StandardGroup.choices)
    can_change = actor.has_perm(CHANGE_PERMISSION) and actor.scope.is_region_wide
    return render(
        request,
        "core/standard_list.html",
        {
            "region": region,
            "regions": regions,
            "year": year,
            "years": [y.year for y in years],
            "groups": [
                (labels.get(group, _("Other")), items)
                for group, items in sorted(
                    groups.items(), key=lambda g: list(labels).index(g[0]) if g[0] in labels else 99
                )
            ],
            "can_change": can_change and year in open_years,
            "english": bool(language and language.startswith("en")),
        },
    )


def _history(standard: Standard) -> list[dict[str, Any]]:
    versions: list[StandardVersion] = selectors.standard_history(
        mof_div_code=standard.mof_div_code, fiscal_year=standard.fiscal_year, key=standard.key
    )
    return [{"version": v, "shown": _shown(standard, v.value)} for v in versions]


@login_required
@permission_required("core.view_standard", raise_exception=True)
def standard_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The drawer: every version of one standard, the latest first (htmx fragment)."""
    standard = selectors.access_standard(actor=request.user, pk=pk)  # type: ignore[arg-type]
    return render(
        request,
        "core/standard_history.html",
        {"standard": standard, "history": _history(standard)},
    )


class StandardForm(forms.Form):
    value = forms.CharField(label=gettext_lazy("New value"), max_length=40)
    effective_from = forms.DateField(
        label=gettext_lazy("Effective from"),
        required=False,
        widget=date_input(),
        help_text=gettext_lazy("A date within the fiscal year; empty: today (or 1 January)."),
    )
    basis = forms.CharField(
        label=gettext_lazy("Basis document (文号)"), max_length=200, required=False
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        max_length=REASON_MAX,
        required=False,  # the service names a missing reason (core.standard_reason_required)
        widget=forms.TextInput(attrs={"size": 60}),
    )


@require_http_methods(["GET", "POST"])
@login_required
def standard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of one standard (the budget division): the old versions stay."""
    actor: Any = request.user
    standard = selectors.access_standard(actor=actor, pk=pk)  # another region's: 404 first
    if not actor.has_perm(CHANGE_PERMISSION):
        raise PermissionDenied
    known = standard_keys.BY_KEY.get(standard.key)
    current = selectors.standard_value(
        mof_div_code=standard.mof_div_code, fiscal_year=standard.fiscal_year, key=standard.key
    )
    history = _history(standard)
    latest_basis = history[0]["version"].basis if history else ""
    if request.method == "POST":
        form = StandardForm(request.POST)
        if form.is_valid():
            text = form.cleaned_data["value"]
            parsed: int | ErrorDetail | None = (
                standard_keys.parse(known, text) if known else parse_int(text)
            )
            if isinstance(parsed, ErrorDetail):
                form.add_error("value", error_text(parsed))
            elif parsed is None:
                form.add_error("value", _("Not a number."))
            else:
                try:
                    standard_change(
                        actor=actor,
                        standard=standard,
                        value=parsed,
                        reason=form.cleaned_data["reason"],
                        effective_from=form.cleaned_data["effective_from"],
                        basis=form.cleaned_data["basis"] or None,
                    )
                except BusinessRuleError as exc:
                    add_business_errors(form, exc)
                else:
                    messages.success(
                        request,
                        _("%(name)s is now %(value)s.")
                        % {"name": standard.name, "value": _shown(standard, parsed)},
                    )
                    return redirect(_list_url(standard))
    else:
        form = StandardForm(
            initial={
                "value": standard_keys.editable(known, current) if known else str(current),
                "basis": latest_basis,
            }
        )
    return render(
        request,
        "core/standard_edit.html",
        {
            "standard": standard,
            "known": known,
            "form": form,
            "current": _shown(standard, current),
            "limit": standard_keys.limit_text(known, get_language()) if known else "≥ 0",
            "suffix": known.suffix(get_language()) if known else "",
            "choices": known.choices if known else (),
            "history": history,
            "back": _list_url(standard),
        },
    )
