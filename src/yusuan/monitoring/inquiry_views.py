"""Inquiry pages (问询单): the list (overdue first), one inquiry with its findings, the unit's
reply form and the approval timeline; issuing one from a finding of the scan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.web import flash_business_errors, paginate, run_action
from yusuan.monitoring.models import InquiryState
from yusuan.monitoring.services.inquiries import (
    DECIDE_PERMISSION,
    DECISIONS,
    ISSUE_PERMISSION,
    REPLY_PERMISSION,
    inquiry_decide,
    inquiry_get,
    inquiry_issue,
    inquiry_list,
    inquiry_reply,
)
from yusuan.monitoring.services.scans import scan_now
from yusuan.monitoring.workflow import DOCUMENT_TYPE, HANDLER
from yusuan.workflow.selectors import document_approval

STATES = [
    ("open", gettext_lazy("Open")),
    ("overdue", gettext_lazy("Overdue")),
    *InquiryState.choices,
]


@login_required
@permission_required("monitoring.view_inquiry", raise_exception=True)
def inquiry_list_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    state = request.GET.get("state", "open")
    rows = inquiry_list(actor=actor, state=state).order_by("answer_due", "pk")
    return render(
        request,
        "monitoring/inquiry_list.html",
        {
            "page": paginate(request, rows),
            "state": state,
            "states": STATES,
            "today": timezone.localdate(),
        },
    )


@login_required
@permission_required("monitoring.view_inquiry", raise_exception=True)
def inquiry_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    try:
        inquiry = inquiry_get(actor=actor, inquiry_id=pk)
    except NotFoundError as exc:
        raise Http404 from exc
    may_reply = actor.has_perm(REPLY_PERMISSION) and inquiry.state in HANDLER.not_draft.draft_states
    return render(
        request,
        "monitoring/inquiry_detail.html",
        {
            "inquiry": inquiry,
            "findings": inquiry.findings.all().order_by("pk"),
            "may_reply": may_reply,
            "approval": document_approval(
                actor=actor, document_type=DOCUMENT_TYPE, document=inquiry
            ),
            "today": timezone.localdate(),
            "decisions": DECISIONS.get(InquiryState(inquiry.state), ())
            if actor.has_perm(DECIDE_PERMISSION)
            else (),
        },
    )


@require_POST
@login_required
def inquiry_reply_view(request: HttpRequest, pk: int) -> HttpResponse:
    text = request.POST.get("text", "")
    return run_action(
        request,
        lambda actor: inquiry_reply(actor=actor, inquiry_id=pk, text=text),
        _("Sent to the finance monitoring officer."),
        redirect("monitoring:inquiry_detail", pk=pk),
    )


@require_POST
@login_required
def inquiry_issue_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue an inquiry about the finding ``pk`` (the finding page's form)."""
    actor: Any = request.user
    if not actor.has_perm(ISSUE_PERMISSION):
        raise Http404
    try:
        due = dt.date.fromisoformat(request.POST.get("answer_due", ""))
    except ValueError:
        due = timezone.localdate()  # refused by the service with the field named
    try:
        inquiry = inquiry_issue(
            actor=actor, finding_ids=[pk], question=request.POST.get("question", ""), answer_due=due
        )
    except NotFoundError as exc:
        raise Http404 from exc
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
        return redirect("monitoring:finding_detail", pk=pk)
    return redirect("monitoring:inquiry_detail", pk=inquiry.pk)


@require_POST
@login_required
def inquiry_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    return run_action(
        request,
        lambda actor: inquiry_decide(
            actor=actor, inquiry_id=pk, decision=decision, note=request.POST.get("note", "")
        ),
        lambda inquiry: str(inquiry.get_state_display()),
        redirect("monitoring:inquiry_detail", pk=pk),
    )


@require_POST
@login_required
def scan_now_view(request: HttpRequest) -> HttpResponse:
    """Run the after-the-fact scan now (the monitoring officer's button on the warnings list)."""
    actor: Any = request.user
    regions = sorted(actor.scope.mof_div_codes)
    region = request.POST.get("region") or (regions or [""])[0]
    return run_action(
        request,
        lambda who: scan_now(actor=who, region=region),
        lambda result: _("The scan found %(n)s new warnings.") % {"n": result.total_created},
        redirect("monitoring:finding_list"),
    )
