"""Monitoring's page action: the unit's written explanation of a warning (R-MO-1), posted from the
payment request page (which shows the findings through ``payments.hooks``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yusuan.common.errors import NotFoundError
from yusuan.common.web import run_action
from yusuan.monitoring.services import request_explain
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
        _("Explanation recorded; the voucher is issued."),
        redirect("payments:request_detail", pk=pk),
    )
