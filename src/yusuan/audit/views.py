"""Audit pages: an object's history and the searchable log for auditors (scope-checked)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from yusuan.audit.actions import CHANGE, SECURITY, action_choices
from yusuan.audit.readable import readable
from yusuan.audit.selectors import audit_record_list_visible_to
from yusuan.common.web import is_htmx, paginate, query_without_page


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@permission_required("audit.view_all_audit", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    kind = request.GET.get("kind", "").strip()
    kind = kind if kind in (SECURITY, CHANGE) else ""
    queryset = audit_record_list_visible_to(
        scope=user.scope,
        text=request.GET.get("q", "").strip(),
        kind=kind,
        action=request.GET.get("action", "").strip(),
        username=request.GET.get("user", "").strip(),
        object_type=request.GET.get("object_type", "").strip(),
        date_from=_date(request.GET.get("from", "")),
        date_to=_date(request.GET.get("to", "")),
        whole_site=bool(getattr(user, "sees_whole_site", False)),
    )
    page = paginate(request, queryset.select_related("actor"))
    context = {
        "page": page,
        "entries": readable(user, page.object_list),
        "query": query_without_page(request),
        "params": request.GET,
        "kinds": [(SECURITY, _("Security events")), (CHANGE, _("State changes"))],
        "actions": action_choices(kind),
    }
    template = "audit/log_rows.html" if is_htmx(request) else "audit/log.html"
    return render(request, template, context)
