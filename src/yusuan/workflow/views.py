"""Approval pages: inbox, a round with its timeline and actions, definitions and preview,
delegations, notifications, overdue list and the shared-device report."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yusuan.common.errors import BusinessRuleError
from yusuan.common.ids import parse_id, parse_int
from yusuan.common.web import (
    add_business_errors,
    flash_business_errors,
    paginate,
    query_without_page,
)
from yusuan.core.models import Organisation
from yusuan.identity.models import User
from yusuan.workflow import registry, routing, selectors, services
from yusuan.workflow.forms import (
    CalendarForm,
    CommentForm,
    DecisionForm,
    DefinitionForm,
    DelegationForm,
    NewDefinitionForm,
    PreviewForm,
)
from yusuan.workflow.models import CalendarDay, Delegation, WorkflowAttachment
from yusuan.workflow.request_cache import request_inbox


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page = paginate(request, request_inbox(request))
    selectors.with_round_relations(list(page.object_list))
    return render(
        request,
        "workflow/inbox.html",
        {"page": page, "query": query_without_page(request), "now": now},
    )


@require_POST
@login_required
def inbox_approve(request: HttpRequest) -> HttpResponse:
    """批量审核 from the inbox: every ticked document approved with one comment, each on its own;
    the page says how many went through and names each refusal with its reason."""
    actor: Any = request.user
    picks: list[tuple[int, int | None]] = []
    for value in request.POST.getlist("pick"):
        pk, _sep, step = value.partition(":")
        if (picked := parse_id(pk)) is not None:
            picks.append((picked, parse_int(step)))
    if not picks:
        messages.error(request, _("Tick the documents to approve first."))
        return redirect("workflow:inbox")
    comment = request.POST.get("comment", "").strip() or _("Approved.")
    try:
        outcomes = services.instances_approve(actor=actor, picks=picks, comment=comment)
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
        return redirect("workflow:inbox")
    approved = sum(1 for o in outcomes if o.error is None)
    if approved:
        messages.success(request, _("Approved %(count)d documents.") % {"count": approved})
    titles = dict(
        selectors.instances_visible(actor=actor, ids=[o.instance_id for o in outcomes if o.error])
    )
    for outcome in outcomes:
        if outcome.error is not None:
            title = titles.get(outcome.instance_id, f"#{outcome.instance_id}")
            flash_business_errors(request, outcome.error, prefix=f"{title}: ")
    return redirect("workflow:inbox")


@login_required
def submissions(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    page = paginate(request, selectors.my_submissions(actor=actor))
    return render(
        request,
        "workflow/submissions.html",
        {"page": page, "query": query_without_page(request), "now": timezone.now()},
    )


@login_required
def instance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    instance = selectors.access_instance(actor=actor, pk=pk)
    return _detail_page(request, actor, instance, None)


@login_required
def instance_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """The document summary alone (``workflow/_summary.html``): unfolded under a row of the
    inbox, so a batch approver sees what each ticked document approves without leaving it."""
    actor: Any = request.user
    instance = selectors.access_instance(actor=actor, pk=pk)
    timeline = selectors.timeline(instance=instance)
    return render(
        request,
        "workflow/_summary.html",
        {
            "summary": selectors.document_summary(actor=actor, instance=instance),
            "attachments": selectors.round_attachments(timeline),
            "instance": instance,
        },
    )


@login_required
def document_summary_view(request: HttpRequest, document_type: str, object_id: int) -> HttpResponse:
    """The summary alone for a document's own page (unfolded there, fetched when opened): the
    same component as on the approval page, for whoever may open the document."""
    actor: Any = request.user
    summary, attachments = selectors.document_page_summary(
        actor=actor, document_type=document_type, object_id=str(object_id)
    )
    return render(
        request,
        "workflow/_summary.html",
        {"summary": summary, "attachments": attachments, "on_document": True},
    )


def _detail_page(
    request: HttpRequest,
    actor: Any,
    instance: Any,
    decision_form: DecisionForm | None,
    comment_form: CommentForm | None = None,
) -> HttpResponse:
    doc_type = registry.get(instance.document_type)
    can_decide = instance.is_open and selectors.can_decide(actor=actor, instance=instance)
    subtype = instance.facts.get("subtype", "")
    timeline = selectors.timeline(instance=instance)
    return render(
        request,
        "workflow/instance_detail.html",
        {
            "instance": instance,
            "summary": selectors.document_summary(actor=actor, instance=instance),
            "attachments": selectors.round_attachments(timeline),
            "doc_type": doc_type,
            "subtype_name": doc_type.subtype_name(subtype) if doc_type else "",
            "timeline": timeline,
            "can_decide": can_decide,
            "can_withdraw": selectors.can_withdraw(actor=actor, instance=instance),
            "can_open_document": selectors.can_open_document(actor=actor, instance=instance),
            "decision_form": decision_form
            or DecisionForm(initial={"step": instance.step_index, "to": "previous"}),
            "comment_form": comment_form or CommentForm(),
        },
        status=422 if decision_form is not None or comment_form is not None else 200,
    )


def _on_the_form(exc: BusinessRuleError) -> BusinessRuleError:
    """The services call the opinion ``reason`` (return, reject); the form calls it ``comment``."""
    return BusinessRuleError(
        [replace(e, field="comment") if e.field == "reason" else e for e in exc.errors],
        status=exc.status,
    )


@require_POST
@login_required
def instance_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    actor: Any = request.user
    instance = selectors.access_instance(actor=actor, pk=pk)
    if getattr(actor, "is_read_only", False):
        raise PermissionDenied  # an auditor reads; the services refuse it too
    form = DecisionForm(request.POST)
    comment_form = CommentForm(request.POST, request.FILES)
    try:
        if action == "comment":
            if not comment_form.is_valid():  # e.g. longer than the limit: said beside it
                return _detail_page(request, actor, instance, None, comment_form)
            services.instance_comment(
                actor=actor,
                instance_id=instance.pk,
                comment=comment_form.cleaned_data["comment"],
                files=comment_form.cleaned_data["attachments"],
            )
            messages.success(request, _("Comment added."))
            return redirect("workflow:instance_detail", pk=instance.pk)
        if action == "withdraw":
            services.instance_withdraw(
                actor=actor, instance_id=instance.pk, reason=request.POST.get("comment", "")
            )
            messages.success(request, _("Withdrawn. The document is back in draft."))
            return redirect("workflow:instance_detail", pk=instance.pk)
        if not form.is_valid():
            if "comment" in form.errors:  # e.g. longer than the limit: said beside it
                return _detail_page(request, actor, instance, form)
            messages.error(request, _("The form was incomplete; reload the page."))
            return redirect("workflow:instance_detail", pk=instance.pk)
        data = form.cleaned_data
        if action == "approve":
            after = services.instance_approve(
                actor=actor,
                instance_id=instance.pk,
                comment=data["comment"],
                expected_step=data["step"],
            )
            messages.success(
                request,
                _("Approved.") if after.is_open else _("Approved. The approval is complete."),
            )
            return redirect("workflow:inbox")
        if action == "return":
            services.instance_return(
                actor=actor,
                instance_id=instance.pk,
                reason=data["comment"],
                to_entry=data.get("to") == "entry",
                expected_step=data["step"],
            )
            messages.success(request, _("Returned."))
            return redirect("workflow:inbox")
        if action == "reject":
            services.instance_reject(
                actor=actor,
                instance_id=instance.pk,
                reason=data["comment"],
                expected_step=data["step"],
            )
            messages.success(request, _("Rejected."))
            return redirect("workflow:inbox")
    except BusinessRuleError as exc:
        if action in ("approve", "return", "reject") and form.is_valid():
            # Keep what was typed and put the error beside its field (P7).
            fields = {e.field for e in exc.errors}
            if fields & {"reason", "comment"}:
                add_business_errors(form, _on_the_form(exc))
                return _detail_page(request, actor, instance, form)
        flash_business_errors(request, exc)
        return redirect("workflow:instance_detail", pk=instance.pk)
    raise Http404


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    actor: Any = request.user
    attachment = WorkflowAttachment.objects.select_related("action__instance").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    selectors.access_instance(actor=actor, pk=attachment.action.instance_id)  # scope check: 404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
@permission_required("workflow.view_workflowinstance", raise_exception=True)
def overdue(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    now = timezone.now()
    page = paginate(request, selectors.overdue(actor=actor, now=now))
    overrides = routing.calendar_overrides()
    rows = [(i, selectors.working_days_overdue(i, now, overrides)) for i in page.object_list]
    return render(
        request,
        "workflow/overdue.html",
        {"page": page, "rows": rows, "query": query_without_page(request)},
    )


@login_required
@permission_required("workflow.view_approvaldefinition", raise_exception=True)
def definition_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    definitions = list(selectors.definition_list(actor=actor))
    types = {t.code: t for t in registry.all_types()}
    rows = [(d, types.get(d.document_type), d.current_version()) for d in definitions]
    return render(request, "workflow/definition_list.html", {"rows": rows})


@login_required
@permission_required("workflow.view_approvaldefinition", raise_exception=True)
def definition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    definition = selectors.access_definition(actor=actor, pk=pk)
    versions = list(definition.versions.select_related("created_by"))
    current = versions[0] if versions else None
    return render(
        request,
        "workflow/definition_detail.html",
        {
            "definition": definition,
            "doc_type": registry.get(definition.document_type),
            "current": current,
            "body": current.body if current else {},
            "versions": versions,
            "role_names": _role_names(),
        },
    )


def _role_names() -> dict[str, str]:
    return routing.role_names()


@login_required
@permission_required("workflow.change_approvaldefinition", raise_exception=True)
def definition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    definition = selectors.access_definition(actor=actor, pk=pk)
    current = definition.current_version()
    initial = {
        "name": definition.name,
        "priority": definition.priority,
        "is_active": definition.is_active,
        "body": json.dumps(current.body if current else {}, ensure_ascii=False, indent=2),
    }
    form = DefinitionForm(request.POST or None, initial=initial)
    errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        try:
            version = services.definition_publish(
                actor=actor,
                definition=definition,
                body=form.cleaned_data["body"],
                note=form.cleaned_data["note"],
                name=form.cleaned_data["name"],
                priority=form.cleaned_data["priority"],
                is_active=form.cleaned_data["is_active"],
            )
        except BusinessRuleError as exc:
            errors = exc.errors
            add_business_errors(
                form, BusinessRuleError([e for e in exc.errors if e.field in form.fields])
            )
        else:
            messages.success(
                request,
                _("Version %(n)s published. Documents already submitted keep their route.")
                % {"n": version.number},
            )
            return redirect("workflow:definition_detail", pk=definition.pk)
    return render(
        request,
        "workflow/definition_edit.html",
        {
            "definition": definition,
            "form": form,
            "errors": [e for e in errors if e.field not in form.fields],
            "doc_type": registry.get(definition.document_type),
            "role_names": _role_names(),
        },
    )


@login_required
@permission_required("workflow.view_approvaldefinition", raise_exception=True)
def preview(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    types = registry.all_types()
    form = PreviewForm(request.GET or None)
    type_field = form.fields["document_type"]
    type_field.choices = [(t.code, t.name) for t in types]  # type: ignore[attr-defined]
    chosen = registry.get(request.GET.get("document_type", "")) or (types[0] if types else None)
    subtype_field = form.fields["subtype"]
    subtype_field.choices = [("", "—")] + [  # type: ignore[attr-defined]
        (t.code, t.name) for t in (chosen.subtypes if chosen else ())
    ]
    flag_field = form.fields["flags"]
    flag_field.choices = [(t.code, t.name) for t in (chosen.flags if chosen else ())]  # type: ignore[attr-defined]
    org_field = form.fields["organisation"]
    org_field.queryset = (  # type: ignore[attr-defined]
        Organisation.objects.visible_to(actor).agencies().order_by("code")
    )
    result = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        amount = data.get("amount")
        result = selectors.preview(
            actor=actor,
            document_type=data["document_type"],
            organisation=data["organisation"],
            values={
                "subtype": data.get("subtype", ""),
                "amount": amount.fen if amount is not None else None,
                "fund_type": data.get("fund_type", ""),
                "project_category": data.get("project_category", ""),
                "flag": frozenset(data.get("flags") or ()),
            },
        )
    return render(request, "workflow/preview.html", {"form": form, "result": result})


@login_required
def delegation_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    colleagues = User.objects.filter(
        organisation_id=actor.organisation_id, is_active=True, is_system_account=False
    ).exclude(pk=actor.pk)
    form = DelegationForm(request.POST or None, colleagues=colleagues)
    if request.method == "POST" and form.is_valid():
        try:
            services.delegation_create(
                actor=actor,
                delegate=form.cleaned_data["delegate"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                reason=form.cleaned_data["reason"],
            )
        except BusinessRuleError as exc:
            add_business_errors(form, exc)
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("workflow:delegation_list")
    return render(
        request,
        "workflow/delegations.html",
        {"form": form, "rows": selectors.delegations(actor=actor), "today": timezone.localdate()},
    )


@require_POST
@login_required
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    delegation = selectors.delegations(actor=actor).filter(pk=pk).first()
    if delegation is None or not isinstance(delegation, Delegation):
        raise Http404
    try:
        services.delegation_revoke(actor=actor, delegation=delegation)
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Delegation revoked."))
    return redirect("workflow:delegation_list")


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    if request.method == "POST":
        services.notifications_mark_read(actor=actor)
        return redirect("workflow:notifications")
    page = paginate(request, selectors.notifications(actor=actor))
    return render(
        request, "workflow/notifications.html", {"page": page, "query": query_without_page(request)}
    )


@login_required
@permission_required("identity.view_sod_report", raise_exception=True)
def shared_device_report(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    raw = request.GET.get("minutes", "30")
    minutes = number if (number := parse_int(raw)) and 0 < number <= 1440 else 30
    rows = selectors.shared_device_report(actor=actor, minutes=minutes)
    return render(request, "workflow/shared_devices.html", {"rows": rows, "minutes": minutes})


NEW_DEFINITION_TEMPLATE = {
    "conditions": [{"field": "subtype", "op": "eq", "value": ""}],
    "steps": [
        {
            "key": "unit_approval",
            "name": "单位审核",
            "role": "unit_approver",
            "level": "same_unit",
            "due_working_days": 3,
        }
    ],
}


@login_required
@permission_required("workflow.add_approvaldefinition", raise_exception=True)
def definition_create_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    form = NewDefinitionForm(
        request.POST or None,
        initial={"body": json.dumps(NEW_DEFINITION_TEMPLATE, ensure_ascii=False, indent=2)},
    )
    type_field = form.fields["document_type"]
    type_field.choices = [(t.code, t.name) for t in registry.all_types()]  # type: ignore[attr-defined]
    errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            definition = services.definition_create(
                actor=actor,
                mof_div_code=actor.mof_div_code,
                code=data["code"],
                name=data["name"],
                document_type=data["document_type"],
                body=data["body"],
                description=data["description"],
                priority=data["priority"],
            )
        except BusinessRuleError as exc:
            errors = [e for e in exc.errors if e.field not in form.fields]
            add_business_errors(
                form, BusinessRuleError([e for e in exc.errors if e.field in form.fields])
            )
        else:
            messages.success(request, _("Saved."))
            return redirect("workflow:definition_detail", pk=definition.pk)
    return render(
        request,
        "workflow/definition_new.html",
        {"form": form, "errors": errors, "role_names": routing.role_names()},
    )


@login_required
@permission_required("workflow.view_calendarday", raise_exception=True)
def calendar_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    raw = request.GET.get("year", "")
    year = (
        number
        if (number := parse_int(raw)) and 2000 <= number <= 2100
        else timezone.localdate().year + 1
    )
    form = CalendarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.calendar_days_set(
                actor=actor,
                start=data["start"],
                end=data["end"],
                is_workday=data["is_workday"],
                name=data["name"],
            )
        except BusinessRuleError as exc:
            add_business_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{request.path}?year={data['start'].year}")
    return render(
        request,
        "workflow/calendar.html",
        {
            "year": year,
            "form": form,
            "days": selectors.calendar_days(year=year),
            "known": selectors.calendar_year_known(year),
        },
    )


@require_POST
@login_required
@permission_required("workflow.change_calendarday", raise_exception=True)
def calendar_day_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    day = CalendarDay.objects.filter(pk=pk).first()
    if day is None:
        raise Http404
    services.calendar_day_remove(actor=actor, day=day)
    messages.success(request, _("Removed."))
    return redirect(f"{reverse('workflow:calendar')}?year={day.date.year}")
