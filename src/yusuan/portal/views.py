from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import render

from yusuan import __version__
from yusuan.audit.middleware import mark_csrf_failure
from yusuan.core.selectors import current_fiscal_year
from yusuan.portal.context_processors import request_inbox
from yusuan.workflow.selectors import my_submissions


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    scope = user.scope
    return render(
        request,
        "portal/home.html",
        {
            "scope": scope,
            "scope_size": None if scope.organisation_ids is None else len(scope.organisation_ids),
            "fiscal_year": current_fiscal_year(actor=user),
            "roles": user.roles.all(),
            "inbox": request_inbox(request)[:8],
            "submitted": list(my_submissions(actor=user).filter(state="in_progress")[:5]),
        },
    )


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
