"""追加申请 pages (R-AJ-7): list, enter and edit a draft, detail with the approval timeline, submit,
and finance's answer with an 追加 document. Every write is a service the API calls too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.fields import MoneyField
from yusuan.common.ids import parse_id
from yusuan.common.money import Money
from yusuan.common.web import flash_business_errors, form_page, paginate, query_without_page
from yusuan.core.selectors import current_fiscal_year
from yusuan.indicators import selectors
from yusuan.indicators.choices import DocumentKind, LineKind, SupplementState
from yusuan.indicators.models import IndicatorDocument, IndicatorLine, SupplementRequest
from yusuan.indicators.services.supplements import (
    SupplementInput,
    supplement_answer,
    supplement_create,
    supplement_update,
)
from yusuan.indicators.workflow import SUPPLEMENT
from yusuan.projects.models import Project
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.services import document_submit


class SupplementForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("title"), max_length=200)
    amount = MoneyField(label=gettext_lazy("amount requested (yuan)"))
    line_id = forms.TypedChoiceField(
        label=gettext_lazy("indicator line"), coerce=int, required=False, empty_value=None
    )
    project_id = forms.TypedChoiceField(
        label=gettext_lazy("project"), coerce=int, required=False, empty_value=None
    )
    reason = forms.CharField(label=gettext_lazy("reason"), widget=forms.Textarea({"rows": 4}))

    def __init__(self, *args: Any, actor: Any, organisation_id: int, year: int, **kw: Any):
        super().__init__(*args, **kw)
        lines = IndicatorLine.objects.visible_to(actor).filter(
            organisation_id=organisation_id, fiscal_year=year, kind=LineKind.EXECUTABLE
        )
        projects = Project.objects.visible_to(actor).filter(organisation_id=organisation_id)
        line_field = self.fields["line_id"]
        project_field = self.fields["project_id"]
        assert isinstance(line_field, forms.ChoiceField)
        assert isinstance(project_field, forms.ChoiceField)
        line_field.choices = [
            ("", "—"),
            *((x.pk, f"{x.code} {x.summary}") for x in lines.order_by("code")),
        ]
        project_field.choices = [
            ("", "—"),
            *((p.pk, f"{p.code} {p.name}") for p in projects.order_by("code")),
        ]

    def input(self, year: int) -> SupplementInput:
        data = self.cleaned_data
        return SupplementInput(
            title=data["title"],
            amount=data["amount"],
            reason=data["reason"],
            line_id=data["line_id"],
            project_id=data["project_id"],
            fiscal_year=year,
        )


@login_required
@permission_required("indicators.view_supplementrequest", raise_exception=True)
def supplement_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    state = request.GET.get("state", "")
    queryset = selectors.supplement_list(
        actor=actor,
        state=state if state in SupplementState.values else "",
        text=request.GET.get("q", "").strip()[:100],
    )
    return render(
        request,
        "indicators/supplement_list.html",
        {
            "page": paginate(request, queryset),
            "query": query_without_page(request),
            "q": request.GET.get("q", ""),
            "state": state,
            "states": SupplementState.choices,
            "can_add": actor.has_perm("indicators.add_supplementrequest")
            and actor.organisation is not None
            and actor.organisation.is_agency,
        },
    )


@login_required
@permission_required("indicators.add_supplementrequest", raise_exception=True)
def supplement_new(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    current = current_fiscal_year(actor=actor)
    year = current.year if current else 0
    form = SupplementForm(
        request.POST or None, actor=actor, organisation_id=actor.organisation_id, year=year
    )
    return form_page(
        request,
        form,
        save=lambda: supplement_create(actor=actor, data=form.input(year)),
        success_url_name="indicators:supplement_detail",
        title=_("New supplementary increase request"),
    )


@login_required
@permission_required("indicators.change_supplementrequest", raise_exception=True)
def supplement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    found = selectors.supplement_get(actor=actor, request_id=pk)
    initial = {
        "title": found.title,
        "amount": Money(found.amount),
        "reason": found.reason,
        "line_id": found.line_id,
        "project_id": found.project_id,
    }
    form = SupplementForm(
        request.POST or None,
        initial=initial,
        actor=actor,
        organisation_id=found.organisation_id,
        year=found.fiscal_year,
    )
    return form_page(
        request,
        form,
        save=lambda: supplement_update(
            actor=actor, request_id=found.pk, data=form.input(found.fiscal_year)
        ),
        success_url_name="indicators:supplement_detail",
        title=str(found),
        obj=found,
    )


@login_required
@permission_required("indicators.view_supplementrequest", raise_exception=True)
def supplement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    found = selectors.supplement_get(actor=actor, request_id=pk)
    approval = workflow_selectors.document_approval(
        actor=actor, document_type=SUPPLEMENT.code, document=found
    )
    answerable = found.state == SupplementState.APPROVED and actor.has_perm(
        "indicators.answer_supplementrequest"
    )
    increases = (
        IndicatorDocument.objects.visible_to(actor)
        .filter(kind=DocumentKind.INCREASE, fiscal_year=found.fiscal_year)
        .exclude(state="void")
        .filter(supplement_request__isnull=True)
        .order_by("-created_at")[:50]
        if answerable
        else []
    )
    draft = found.state == SupplementState.DRAFT
    return render(
        request,
        "indicators/supplement_detail.html",
        {
            "object": found,
            "latest": approval.latest,
            "approval": approval,
            "can_edit": draft and actor.has_perm("indicators.change_supplementrequest"),
            "can_answer": answerable,
            "increases": increases,
        },
    )


@require_POST
@login_required
@permission_required("indicators.change_supplementrequest", raise_exception=True)
def supplement_submit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    found: SupplementRequest = selectors.supplement_get(actor=actor, request_id=pk)
    try:
        instance = document_submit(
            actor=actor, document_type=SUPPLEMENT.code, object_id=str(found.pk)
        )
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        step = instance.current_step or {}
        messages.success(
            request,
            _("Submitted. Waiting at: %(where)s")
            % {"where": f"{step.get('organisation_name', '')} · {step.get('name', '')}"},
        )
    return redirect("indicators:supplement_detail", pk=found.pk)


@require_POST
@login_required
@permission_required("indicators.answer_supplementrequest", raise_exception=True)
def supplement_answer_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    found = selectors.supplement_get(actor=actor, request_id=pk)
    try:
        supplement_answer(
            actor=actor,
            request_id=found.pk,
            document_id=parse_id(request.POST.get("document_id", "")) or 0,
        )
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    except NotFoundError:  # the request was found above: it is the document that is not
        messages.error(request, _("Choose an increase document you can see."))
    else:
        messages.success(request, _("Answered."))
    return redirect("indicators:supplement_detail", pk=found.pk)
