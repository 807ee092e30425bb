"""Audit pages: an object's history and the searchable log for auditors (scope-checked), the log
on the data grid (``audit.log_grid``)."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from yusuan.audit.actions import CHANGE, SECURITY, action_choices
from yusuan.audit.log_grid import AUDIT_GRID
from yusuan.audit.readable import readable
from yusuan.audit.selectors import audit_record_list_visible_to
from yusuan.common import documents
from yusuan.common.grid import grid_download, grid_page
from yusuan.common.web import is_htmx, parse_date


def _without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
@permission_required("audit.view_all_audit", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    kind = request.GET.get("kind", "").strip()
    kind = kind if kind in (SECURITY, CHANGE) else ""
    object_type = request.GET.get("object_type", "").strip()
    queryset = audit_record_list_visible_to(
        scope=user.scope,
        text=request.GET.get("q", "").strip(),
        kind=kind,
        action=request.GET.get("action", "").strip(),
        username=request.GET.get("user", "").strip(),
        object_type=object_type,
        date_from=parse_date(request.GET.get("from", "")),
        date_to=parse_date(request.GET.get("to", "")),
        whole_site=bool(getattr(user, "sees_whole_site", False)),
    )
    records = queryset.select_related("actor")
    prepare = partial(readable, user)  # a page's records made readable together
    if request.GET.get("export") == "xlsx":
        return grid_download(request, AUDIT_GRID, records, "audit-log.xlsx", prepare=prepare)
    context = {
        "g": grid_page(request, AUDIT_GRID, records, prepare=prepare),
        "params": request.GET,
        "object_noun": documents.noun_of(object_type) if object_type else "",
        "without_object_type": _without(request, "object_type", "page"),
        "kinds": [(SECURITY, _("Security events")), (CHANGE, _("State changes"))],
        "actions": action_choices(kind),
    }
    template = "audit/log_rows.html" if is_htmx(request) else "audit/log.html"
    return render(request, template, context)
