from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yusuan import __version__
from yusuan.audit.middleware import mark_csrf_failure
from yusuan.common import worklist
from yusuan.common.money import Money
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Region
from yusuan.core.selectors import current_fiscal_year
from yusuan.identity.services import grid_columns_remember
from yusuan.indicators.execution import DepartmentExecution, execution_by_department
from yusuan.monitoring.services import open_findings
from yusuan.payments.selectors import PaymentDay, latest_payment_day, payments_by_day
from yusuan.portal import charts
from yusuan.workflow.request_cache import request_inbox
from yusuan.workflow.selectors import my_submissions, with_round_relations

FINANCE_KINDS = (OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_DIVISION)


TOP_DEPARTMENTS = 15
PAYMENT_DAYS = 30


def _short_name(name: str, region: str) -> str:
    """A department's name on a chart's axis: without its region (苏州市吴江区教育局 → 教育局);
    the whole name is in the bar's tooltip and the table."""
    before, found, after = name.partition(region) if region else ("", "", "")
    return after if found and after and len(before) <= 6 else name


def _execution_chart(departments: list[DepartmentExecution], region: str) -> Any:
    ledger = reverse("indicators:ledger")
    return charts.horizontal_bars(
        [
            charts.Bar(
                label=_short_name(d.name, region),
                value=d.rate * 100,
                text=_("%(name)s: %(percent)s executed, %(paid)s of %(total)s yuan paid")
                % {
                    "name": d.name,
                    "percent": d.percent,
                    "paid": Money(d.paid).format(),
                    "total": Money(d.total).format(),
                },
                href=f"{ledger}?department={d.organisation_id}",
            )
            for d in departments
        ],
        name="execution-chart",
        maximum=max([100.0, *(d.rate * 100 for d in departments)]),
        value_text=lambda v: f"{v:.1f}%",
        axis_text=lambda v: f"{v:.0f}%",
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _payment_charts(days: list[PaymentDay], *, linked: bool) -> tuple[Any, Any]:
    """Money paid per day (万元, the bar; exact 元 in its tooltip) and requests paid per day;
    ``linked``: a day's bars open that day's requests (the payment list by bank value date)."""
    requests = reverse("payments:request_list")
    hrefs = [
        f"{requests}?paid_on={d.day.isoformat()}" if linked and d.requests else "" for d in days
    ]
    texts = [
        _("%(day)s: %(count)s requests paid, %(amount)s yuan")
        % {"day": d.day.isoformat(), "count": d.requests, "amount": Money(d.amount_fen).format()}
        for d in days
    ]
    amounts = charts.column_bars(
        [
            charts.Bar(d.day.strftime("%m-%d"), d.amount_fen / 1_000_000, text, href)
            for d, text, href in zip(days, texts, hrefs, strict=True)
        ],
        name="payments-chart",
        height=240,
        axis_text=_number,
    )
    counts = charts.column_bars(
        [
            charts.Bar(d.day.strftime("%m-%d"), d.requests, text, href)
            for d, text, href in zip(days, texts, hrefs, strict=True)
        ],
        name="requests-chart",
        height=140,
        axis_text=_number,
        tone=1,
        whole=True,
    )
    return amounts, counts


def _district_picture(user: Any, fiscal_year: int) -> dict[str, Any]:
    """For the region's finance staff (budget, treasury, leadership): execution by department,
    the payments of the last payment day and of the 30 days up to it, and the open warnings,
    each drawn as a chart over a table that links down to its rows."""
    departments = execution_by_department(actor=user, fiscal_year=fiscal_year)
    total = sum(d.total for d in departments)
    paid = sum(d.paid for d in departments)
    day, requests, amount = latest_payment_day(actor=user, on_or_before=timezone.localdate())
    # The month up to the last day money moved (the demo's, or a quiet holiday's, is not today).
    through: dt.date = day or timezone.localdate()
    days = payments_by_day(actor=user, through=through, days=PAYMENT_DAYS)
    region = Region.objects.filter(mof_div_code=user.mof_div_code).values_list("name", flat=True)
    top = departments[:TOP_DEPARTMENTS]
    payments_chart, requests_chart = _payment_charts(
        days, linked=user.has_perm("payments.view_paymentrequest")
    )
    return {
        "departments": top,
        "more_departments": max(len(departments) - TOP_DEPARTMENTS, 0),
        "total": total,
        "paid": paid,
        "frozen": sum(d.frozen for d in departments),
        "percent": f"{paid / total * 100:.1f}%" if total else "—",
        "pay_day": day,
        "pay_requests": requests,
        "pay_amount": amount,
        "warnings": open_findings(user),
        "execution_chart": _execution_chart(top, region.first() or ""),
        "days": [d for d in days if d.requests],
        "days_from": days[0].day,
        "days_through": through,
        "days_amount": sum(d.amount_fen for d in days),
        "payments_chart": payments_chart,
        "requests_chart": requests_chart,
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
            "inbox": with_round_relations(request_inbox(request)[:8]),
            "submitted": list(my_submissions(actor=user).filter(state="in_progress")[:5]),
            "work": worklist.work_for(user),
            "picture": _district_picture(user, fiscal_year.year)
            if region_wide and fiscal_year is not None
            else None,
            # A read-only role (局领导) has no work of its own: the picture comes first.
            "picture_first": user.is_read_only,
        },
    )


@require_POST
@login_required
def grid_columns_view(request: HttpRequest) -> HttpResponse:
    """A data grid's column chooser (``common.grid``): the ticked columns, remembered for the person,
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
