"""Monitoring's pages: the unit's written explanation of a warning (posted from the payment request
page, which shows the findings through ``payments.hooks``), the monitoring officer's queue of red and
orange findings waiting for a decision, a finding with its explanation and decision, and the
region's levels and thresholds with their history (R-MO-14)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.grid import grid_download, grid_page
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.web import flash_business_errors, is_htmx, paginate, run_action
from yusuan.monitoring import rules
from yusuan.monitoring.findings_grid import FINDING_GRID, linked_for
from yusuan.monitoring.models import FindingStatus, Level, RuleSettings
from yusuan.monitoring.services import (
    REVIEW_PERMISSION,
    SETTINGS_PERMISSION,
    THRESHOLD_FIELDS,
    finding_decide,
    finding_get,
    finding_list,
    request_explain,
    review_queue,
    settings_change,
    settings_history,
    thresholds,
)
from yusuan.payments import selectors as payment_selectors


@require_POST
@login_required
def request_explain_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:  # another unit's request: 404 before anything runs
        payment_selectors.request_get(actor=request.user, request_id=pk)  # type: ignore[arg-type]
    except NotFoundError as exc:
        raise Http404 from exc
    return run_action(
        request,
        lambda actor: request_explain(
            actor=actor, request_id=pk, explanation=request.POST.get("explanation", "")
        ),
        _("Explanation recorded."),
        redirect("payments:request_detail", pk=pk),
    )


@login_required
def queue_view(request: HttpRequest) -> HttpResponse:
    """R-MO-14: red and orange findings explained by their unit, waiting for a decision."""
    if not request.user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    page = paginate(request, review_queue(request.user), per_page=50)  # type: ignore[arg-type]
    return render(request, "monitoring/queue.html", {"page": page})


FINDING_FILTERS = ("status", "level", "rule", "unit")


@login_required
def finding_list_view(request: HttpRequest) -> HttpResponse:
    """Every monitoring warning in the reader's scope on the data grid; ``?status=open`` is what
    the home page's "open monitoring warnings" counts."""
    if not request.user.has_perm("monitoring.view_monitoringfinding"):
        raise PermissionDenied
    params = {name: request.GET.get(name, "").strip()[:100] for name in FINDING_FILTERS}
    if params["status"] not in ("", "open", *FindingStatus.values):
        params["status"] = ""
    if params["level"] not in Level.values:
        params["level"] = ""
    queryset = finding_list(actor=request.user, **params)  # type: ignore[arg-type]
    if request.GET.get("export") == "xlsx":
        return grid_download(request, FINDING_GRID, queryset, "monitoring-warnings.xlsx")
    context = {
        "g": grid_page(request, FINDING_GRID, queryset, prepare=linked_for(request.user)),
        "params": params,
        "statuses": [("open", _("Open (not yet settled)")), *FindingStatus.choices],
        "levels": Level.choices,
    }
    if is_htmx(request):
        return render(request, "monitoring/finding_rows.html", context)
    return render(request, "monitoring/finding_list.html", context)


@login_required
def finding_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        finding = finding_get(request.user, pk)  # type: ignore[arg-type]
    except NotFoundError as exc:
        raise Http404 from exc
    return render(
        request,
        "monitoring/finding_detail.html",
        {
            "finding": finding,
            "can_decide": finding.status == FindingStatus.EXPLAINED
            and request.user.has_perm(REVIEW_PERMISSION),
        },
    )


@require_POST
@login_required
def finding_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:  # another scope's finding: 404 before anything runs
        finding_get(request.user, pk)  # type: ignore[arg-type]
    except NotFoundError as exc:
        raise Http404 from exc
    decision = request.POST.get("decision", "")
    return run_action(
        request,
        lambda actor: finding_decide(
            actor=actor, finding_id=pk, decision=decision, note=request.POST.get("note", "")
        ),
        _("Confirmed normal.") if decision == "normal" else _("Sent back for rectification."),
        redirect("monitoring:finding_detail", pk=pk),
    )


@require_http_methods(["GET", "POST"])
@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    """R-MO-14: the region's levels and thresholds, a new version on each save, with history."""
    user = request.user
    if not user.has_perm("monitoring.view_rulesettings"):
        raise PermissionDenied
    regions = sorted(user.scope.mof_div_codes)  # type: ignore[union-attr]
    region = request.GET.get("region") or request.POST.get("region") or (regions or [""])[0]
    if region not in regions:
        raise Http404
    current = thresholds(region)
    values = {name: Money(getattr(current, name)).format() for name in THRESHOLD_FIELDS}
    levels = dict(current.levels)
    errors: dict[str, str] = {}
    labels = {
        name: getattr(RuleSettings._meta.get_field(name), "verbose_name", name)
        for name in THRESHOLD_FIELDS
    }
    level_names = dict(Level.choices)
    if request.method == "POST":
        if not user.has_perm(SETTINGS_PERMISSION):
            raise PermissionDenied
        amounts: dict[str, int] = {}
        for name in THRESHOLD_FIELDS:
            values[name] = request.POST.get(name, "").strip()
            try:
                amounts[name] = Money.parse(values[name]).fen
            except MoneyParseError:
                errors[name] = _("Not an amount.")
        levels = {rule.code: request.POST.get(f"level_{rule.code}", "") for rule in rules.RULES}
        if not errors:
            try:
                settings_change(
                    actor=user,  # type: ignore[arg-type]
                    mof_div_code=region,
                    levels=levels,
                    amounts=amounts,
                    note=request.POST.get("note", ""),
                )
            except BusinessRuleError as exc:
                flash_business_errors(request, exc)
            else:
                return redirect(f"{request.path}?region={region}")
    return render(
        request,
        "monitoring/settings.html",
        {
            "region": region,
            "regions": regions,
            "fields": [
                (name, labels[name], values[name], errors.get(name, ""))
                for name in THRESHOLD_FIELDS
            ],
            "rules": [(rule.code, rule.name, levels.get(rule.code, "")) for rule in rules.RULES],
            "levels": Level.choices,
            "history": [
                (
                    version,
                    ", ".join(
                        f"{code} {level_names.get(level, level)}"
                        for code, level in sorted(version.levels.items())
                    ),
                )
                for version in settings_history(user, region)  # type: ignore[arg-type]
            ],
            "can_change": user.has_perm(SETTINGS_PERMISSION),
        },
    )
