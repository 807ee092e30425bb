from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yusuan import __version__
from yusuan.audit.middleware import mark_csrf_failure
from yusuan.common import worklist
from yusuan.core.choices import OrganisationKind
from yusuan.core.selectors import current_fiscal_year
from yusuan.identity.services import grid_columns_remember
from yusuan.indicators.execution import execution_by_department
from yusuan.monitoring.services import open_findings
from yusuan.payments.selectors import latest_payment_day
from yusuan.portal.context_processors import request_inbox
from yusuan.workflow.selectors import my_submissions

FINANCE_KINDS = (OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_DIVISION)


def _district_picture(user: Any, fiscal_year: int) -> dict[str, Any]:
    """For the region's finance staff (budget, treasury, leadership): execution by department,
    the last day's payments and the open warnings, each linking down to its list."""
    departments = execution_by_department(actor=user, fiscal_year=fiscal_year)
    total = sum(d.total for d in departments)
    paid = sum(d.paid for d in departments)
    day, requests, amount = latest_payment_day(actor=user, on_or_before=timezone.localdate())
    return {
        "departments": departments[:15],
        "more_departments": max(len(departments) - 15, 0),
        "total": total,
        "paid": paid,
        "frozen": sum(d.frozen for d in departments),
        "percent": f"{paid / total * 100:.1f}%" if total else "—",
        "pay_day": day,
        "pay_requests": requests,
        "pay_amount": amount,
        "warnings": open_findings(user),
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: what waits for me (every module's work list, ``common.worklist``), the approval
    inbox, my documents in approval, and for the region's finance staff the district picture."""
    user: Any = request.user
    scope = user.scope
    fiscal_year = current_fiscal_year(actor=user)
    region_wide = scope.organisation_ids is None and user.organisation.kind in FINANCE_KINDS
    return render(
        request,
        "portal/home.html",
        {
            "scope": scope,
            "scope_size": None if scope.organisation_ids is None else len(scope.organisation_ids),
            "fiscal_year": fiscal_year,
            "roles": user.roles.all(),
            "inbox": request_inbox(request)[:8],
            "submitted": list(my_submissions(actor=user).filter(state="in_progress")[:5]),
            "work": worklist.work_for(user),
            "picture": _district_picture(user, fiscal_year.year)
            if region_wide and fiscal_year is not None
            else None,
        },
    )


@require_POST
@login_required
def grid_columns_view(request: HttpRequest) -> HttpResponse:
    """A data grid's column chooser (``core.grid``): the ticked columns, remembered for the person,
    then back to the list (a local address only)."""
    user: Any = request.user
    grid_columns_remember(
        actor=user,
        grid=request.POST.get("grid", ""),
        columns=request.POST.getlist("cols"),
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    return redirect(back)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for load balancers and the demo script."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure makes the instance unhealthy
        return JsonResponse(
            {"status": "error", "database": str(exc.__class__.__name__)}, status=503
        )
    return JsonResponse({"status": "ok", "database": connection.vendor, "version": __version__})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF refusal, for pages and (through Django Ninja's session check) the API; the
    security-event middleware records it once the answer is known to be a 403."""
    mark_csrf_failure(request, reason)
    if request.path.startswith("/api/"):
        return HttpResponseForbidden()  # Django Ninja answers with its own problem body
    return render(request, "portal/csrf_failure.html", status=403)
