"""Monitoring's pages: the unit's written explanation of a warning (posted from the payment request
page, which shows the findings through ``payments.hooks``), the monitoring officer's queue of red and
orange findings waiting for a decision, a finding with its explanation and decision, and the
region's levels and thresholds with their history (R-MO-14)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.grid import grid_download, grid_page
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.web import flash_business_errors, is_htmx, paginate, run_action
from yusuan.monitoring import catalogue
from yusuan.monitoring.findings_grid import FINDING_GRID, linked_for
from yusuan.monitoring.models import FindingSource, FindingStatus, Level, RuleSettings
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
            and finding.request_id is not None
            and request.user.has_perm(REVIEW_PERMISSION),
            # The scan's open findings are asked about through an inquiry (问询单).
            "can_issue": finding.source == FindingSource.SCAN
            and finding.inquiry_id is None
            and finding.status == FindingStatus.GENERATED
            and request.user.has_perm("monitoring.add_inquiry"),
            "default_due": timezone.localdate() + dt.timedelta(days=10),
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
    """R-MO-14: the region's rules as it runs them (enabled, action, level, parameters) and the
    R-MO-2 cash thresholds, a new version on each save, with history."""
    user = request.user
    if not user.has_perm("monitoring.view_rulesettings"):
        raise PermissionDenied
    regions = sorted(user.scope.mof_div_codes)  # type: ignore[union-attr]
    region = request.GET.get("region") or request.POST.get("region") or (regions or [""])[0]
    if region not in regions:
        raise Http404
    current = thresholds(region)
    values = {name: Money(getattr(current, name)).format() for name in THRESHOLD_FIELDS}
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
        levels = {
            code: request.POST[f"level_{code}"]
            for code in catalogue.CATALOGUE
            if f"level_{code}" in request.POST
        }
        tuning = _posted_tuning(request, errors) if request.POST.get("rules_form") else None
        if not errors:
            try:
                settings_change(
                    actor=user,  # type: ignore[arg-type]
                    mof_div_code=region,
                    levels=levels,
                    amounts=amounts,
                    note=request.POST.get("note", ""),
                    tuning=tuning,
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
            "rules": [
                (
                    rule,
                    [
                        (p, _shown(p, v), errors.get(f"param_{rule.spec.code}_{p.name}", ""))
                        for p, v in rule.params
                    ],
                )
                for rule in catalogue.in_force(current)
            ],
            "levels": Level.choices,
            "actions": ACTION_CHOICES,
            "history": [
                (
                    version,
                    ", ".join(
                        f"{code} {level_names.get(level, level)}"
                        for code, level in sorted(version.levels.items())
                    ),
                    _tuning_text(version.tuning),
                )
                for version in settings_history(user, region)  # type: ignore[arg-type]
            ],
            "can_change": user.has_perm(SETTINGS_PERMISSION),
        },
    )


ACTION_CHOICES = (
    (catalogue.REMIND, gettext_lazy("Remind (提示)")),
    (catalogue.WARN, gettext_lazy("Warn (预警)")),
    (catalogue.BLOCK, gettext_lazy("Block (阻断)")),
)


def _shown(param: catalogue.Param, value: Any) -> str:
    return Money(int(value)).format() if param.kind == "fen" else str(value)


def _posted_tuning(request: HttpRequest, errors: dict[str, str]) -> dict[str, Any]:
    """The rules table as posted: each rule's enabled box, action and parameters (amounts in
    yuan, counts and days as whole numbers, words as text)."""
    tuning: dict[str, Any] = {}
    for code, spec in catalogue.CATALOGUE.items():
        params: dict[str, Any] = {}
        for param in spec.params:
            name = f"param_{code}_{param.name}"
            text = request.POST.get(name, "").strip()
            if param.kind in catalogue.TEXT_KINDS:
                params[param.name] = text
            elif param.kind == "fen":
                try:
                    params[param.name] = Money.parse(text).fen
                except MoneyParseError:
                    errors[name] = _("Not an amount.")
            elif text.isdigit() and len(text) <= 9:
                params[param.name] = int(text)
            else:
                errors[name] = _("Not a whole number.")
        tuning[code] = {
            "enabled": request.POST.get(f"enabled_{code}") == "on",
            "action": request.POST.get(f"action_{code}", spec.action),
            "params": params,
        }
    return tuning


def _tuning_text(tuning: dict[str, Any]) -> str:
    """What a version changed from the catalogue's defaults, in a few words."""
    parts = []
    for code, entry in sorted(tuning.items()):
        spec = catalogue.CATALOGUE.get(code)
        if spec is None:
            continue
        if entry.get("enabled") is False:
            parts.append(f"{code} {_('off')}")
            continue
        if entry.get("action", spec.action) != spec.action:
            parts.append(f"{code} {entry['action']}")
        for param in spec.params:
            value = entry.get("params", {}).get(param.name, param.default)
            if value != param.default:
                parts.append(f"{code} {param.label_zh} {_shown(param, value)}")
    return "; ".join(parts) or "—"
