"""Project pages: list, create and edit drafts, detail with the declaration's approval panel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.fields import MoneyField
from yusuan.common.ids import parse_int
from yusuan.common.money import Money
from yusuan.common.web import (
    flash_business_errors,
    form_page,
    place_errors,
)
from yusuan.core.choices import CodeKind, OrganisationKind
from yusuan.core.selectors import current_fiscal_year
from yusuan.projects import inputs, rules, selectors
from yusuan.projects.choices import (
    CHANGEABLE_STATES,
    EDITABLE_STATES,
    BasisKind,
    ChangeState,
    GoalLevel1,
    GoalLevel2,
    Operator,
    ProjectState,
    ReviewConclusion,
    ReviewKind,
)
from yusuan.projects.forms import ProjectForm
from yusuan.projects.models import PerformanceGoal, Project
from yusuan.projects.report_views import project_list_page
from yusuan.projects.services import ProjectInput, as_input, project_create, project_update
from yusuan.projects.services.changes import change_cancel, change_start
from yusuan.projects.services.content import (
    project_add_document,
    project_remove_document,
    project_set_calculation,
    project_set_goal,
    project_set_plans,
)
from yusuan.projects.services.library import (
    UNDER_REVIEW,
    ExpertScore,
    library_roll,
    project_end,
    project_rank,
    project_review_record,
    stale_projects,
)
from yusuan.projects.workflow import CHANGE_TYPE, DOCUMENT_TYPE
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.services import document_submit


def _form(
    request: HttpRequest, actor: Any, year: int, initial: dict[str, Any] | None
) -> ProjectForm:
    def choices(kind: str) -> list[tuple[str, str]]:
        return selectors.code_choices(mof_div_code=actor.mof_div_code, fiscal_year=year, kind=kind)

    return ProjectForm(
        request.POST or None,
        initial=initial,
        categories=choices(CodeKind.PROJECT_CATEGORY),
        fund_types=choices(CodeKind.FUND_TYPE),
    )


def _input(form: ProjectForm) -> ProjectInput:
    data = form.cleaned_data
    return ProjectInput(
        name=data["name"],
        category=data["category"],
        kind=data["kind"],
        start_year=data["start_year"],
        end_year=data["end_year"],
        total_amount=data["total_amount"],
        fund_type=data["fund_type"],
        basis=data["basis"],
        content=data["content"],
        is_procurement=data["is_procurement"],
        is_three_public=data["is_three_public"],
        is_research=data["is_research"],
        is_infrastructure=data["is_infrastructure"],
        infrastructure_doc_no=data["infrastructure_doc_no"],
        is_gov_service=data["is_gov_service"],
        track_code=data["track_code"],
    )


@login_required
@permission_required("projects.view_project", raise_exception=True)
def project_list(request: HttpRequest) -> HttpResponse:
    """项目库清单 on the data grid (``report_views``: filters, subtotals, Excel export)."""
    return project_list_page(request)


@login_required
@permission_required("projects.add_project", raise_exception=True)
def project_create_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    current = current_fiscal_year(actor=actor)
    year = current.year if current else 0
    form = _form(
        request,
        actor,
        year,
        {"kind": "new", "start_year": year + 1, "end_year": year + 1, "fund_type": "111"},
    )
    return form_page(
        request,
        form,
        save=lambda: project_create(
            actor=actor, organisation=actor.organisation, fiscal_year=year, data=_input(form)
        ),
        success_url_name="projects:project_detail",
        title=_("New project"),
    )


@login_required
@permission_required("projects.change_project", raise_exception=True)
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    form = _form(request, actor, project.fiscal_year, as_input(project))
    return form_page(
        request,
        form,
        save=lambda: project_update(actor=actor, project=project, data=_input(form)),
        success_url_name="projects:project_detail",
        title=str(project),
        obj=project,
    )


@login_required
@permission_required("projects.view_project", raise_exception=True)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    approval = workflow_selectors.document_approval(
        actor=actor, document_type=DOCUMENT_TYPE, document=project
    )
    open_change = selectors.open_change(project)
    may_change = actor.has_perm("projects.change_project")
    editable = may_change and (
        project.state in EDITABLE_STATES
        or (open_change is not None and open_change.state == ChangeState.DRAFT)
    )
    language = get_language()
    content = selectors.declaration_content(project)
    return render(
        request,
        "projects/project_detail.html",
        {
            "object": project,
            "latest": approval.latest,
            "approval": approval,
            "content": content,
            "can_edit": editable,
            "can_submit": project.state == ProjectState.DRAFT
            and actor.has_perm("projects.change_project"),
            # What is still missing before it can be declared (a checklist, not a refusal).
            "missing": [e.message(language) for e in selectors.declaration_problems(project)]
            if project.state == ProjectState.DRAFT
            else [],
            "warnings": [e.message(language) for e in selectors.declaration_warnings(project)],
            "can_review": project.state in UNDER_REVIEW
            and actor.has_perm("projects.add_projectreview"),
            "basis_kinds": BasisKind.choices,
            "open_change": open_change,
            "changes": list(project.changes.order_by("-pk")[:20]),
            "can_start_change": may_change
            and project.state in CHANGEABLE_STATES
            and open_change is None,
            "endings": selectors.endings_for(actor=actor, project=project),
        },
    )


@require_POST
@login_required
@permission_required("projects.change_project", raise_exception=True)
def project_submit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    project: Project = selectors.access_project(actor=actor, pk=pk)
    try:
        instance = document_submit(
            actor=actor, document_type=DOCUMENT_TYPE, object_id=str(project.pk)
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
    return redirect("projects:project_detail", pk=project.pk)


# --- what the declaration holds (plans, calculation, goal) -----------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    label: Any
    size: int = 10
    choices: Sequence[tuple[str, Any]] = ()
    numeric: bool = False


@dataclass(frozen=True)
class RowSection:
    title: Any
    columns: tuple[Column, ...]
    blank_rows: int
    help: Any = ""


def _year_choices(project: Project) -> list[tuple[str, Any]]:
    return [(str(y), str(y)) for y in range(project.start_year, project.end_year + 1)]


def _section(project: Project, actor: Any, name: str) -> RowSection:
    years = _year_choices(project)
    if name == "plans":
        return RowSection(
            _("Plan by year and fund source"),
            (
                Column("year", _("Year"), choices=years),
                Column(
                    "fund_type",
                    _("Fund nature"),
                    choices=selectors.code_choices(
                        mof_div_code=project.mof_div_code,
                        fiscal_year=project.fiscal_year,
                        kind=CodeKind.FUND_TYPE,
                    ),
                ),
                Column("amount", _("Amount (yuan)"), 14, numeric=True),
            ),
            3,
            _("The plans of all years add up to the project's total (R-PJ-3)."),
        )
    if name == "calculation":
        standards = selectors.standard_labels(
            mof_div_code=project.mof_div_code, year=project.budget_year
        )
        return RowSection(
            _("Calculation detail"),
            (
                Column("year", _("Year"), choices=years),
                Column("content", _("Expenditure item"), 24),
                Column(
                    "economic_code",
                    _("Economic class"),
                    choices=selectors.code_choices(
                        mof_div_code=project.mof_div_code,
                        fiscal_year=project.fiscal_year,
                        kind=CodeKind.DEPARTMENT_ECONOMIC,
                    ),
                ),
                Column(
                    "standard_key",
                    _("Expenditure standard"),
                    choices=sorted(standards.items()),
                ),
                Column("unit_price", _("Unit price (yuan)"), 12, numeric=True),
                Column("quantity", _("Quantity"), 8, numeric=True),
                Column("unit", _("Unit of measure"), 6),
                Column("amount", _("Amount (yuan)"), 12, numeric=True),
            ),
            5,
            _(
                "Amount = unit price × quantity; leave it blank to have it worked out. The rows of"
                " the budget year add up to that year's plan (R-PJ-9, R-PJ-10)."
            ),
        )
    return RowSection(
        _("Performance goal"),
        (
            Column("level1", _("First-level indicator"), choices=GoalLevel1.choices),
            Column("level2", _("Second-level indicator"), choices=GoalLevel2.choices),
            Column("name", _("Third-level indicator"), 22),
            Column("operator", _("Operator"), choices=Operator.choices),
            Column("target", _("Target value"), 8),
            Column("unit", _("Unit of measure"), 6),
            Column("weight", _("Weight"), 4, numeric=True),
        ),
        6,
        _(
            "At least one output (产出) and one benefit (效益) indicator; satisfaction (满意度)"
            " where the project serves people; a number and a unit on every quantitative"
            " indicator; weights, if used, add up to 90 (R-PJ-2, R-PF-5)."
        ),
    )


def _shown_rows(project: Project, name: str) -> list[dict[str, Any]]:
    if name == "plans":
        return [
            {"year": str(p.year), "fund_type": p.fund_type, "amount": Money(p.amount_fen).format()}
            for p in project.plans.all()
        ]
    if name == "calculation":
        return [
            {
                "year": str(r.year),
                "content": r.content,
                "economic_code": r.economic_code,
                "standard_key": r.standard_key,
                "unit_price": Money(r.unit_price_fen).format(),
                "quantity": f"{r.quantity.normalize():f}",
                "unit": r.unit,
                "amount": Money(r.amount_fen).format(),
            }
            for r in project.calculation.all()
        ]
    goal = PerformanceGoal.objects.filter(project=project).first()
    if goal is None:
        return []
    return [
        {
            "level1": i.level1,
            "level2": i.level2,
            "name": i.name,
            "operator": i.operator,
            "target": i.target,
            "unit": i.unit,
            "weight": "" if i.weight is None else str(i.weight),
        }
        for i in goal.indicators.all()
    ]


def _save_rows(
    actor: Any, project: Project, name: str, used: list[dict[str, Any]], header: dict[str, str]
) -> list[ErrorDetail]:
    """Parse and save; returns the warnings to show (R-PJ-10)."""
    if name == "plans":
        plans, unreadable = inputs.plan_rows(used)
        if unreadable:
            raise BusinessRuleError(unreadable)
        project_set_plans(actor=actor, project=project, rows=plans)
        return []
    if name == "calculation":
        rows, unreadable = inputs.calculation_rows(used)
        if unreadable:
            raise BusinessRuleError(unreadable)
        return project_set_calculation(actor=actor, project=project, rows=rows)[1]
    indicators, unreadable = inputs.indicator_rows(used)
    if unreadable:
        raise BusinessRuleError(unreadable)
    project_set_goal(
        actor=actor,
        project=project,
        goal=rules.GoalFacts(
            annual=header.get("annual", ""),
            has_beneficiaries=header.get("has_beneficiaries") == "on",
            indicators=indicators,
        ),
        medium_term=header.get("medium_term", ""),
    )
    return []


SECTIONS = ("plans", "calculation", "goal")


@login_required
@permission_required("projects.change_project", raise_exception=True)
def project_rows(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """One editor for the declaration's three row tables (plans, calculation, goal)."""
    actor: Any = request.user
    if section not in SECTIONS:
        raise Http404
    project = selectors.access_project(actor=actor, pk=pk)
    spec = _section(project, actor, section)
    names = [c.name for c in spec.columns]
    header: dict[str, str] = {}
    rows: list[dict[str, Any]]
    if request.method == "POST":
        count = max(1, min(parse_int(request.POST.get("row_count", "3")) or 1, 500))
        count += 1 if "add_row" in request.POST else 0
        rows = [
            {n: request.POST.get(f"lines-{i}-{n}", "").strip() for n in names} for i in range(count)
        ]
        header = {
            n: request.POST.get(n, "").strip()
            for n in ("annual", "medium_term", "has_beneficiaries")
        }
    else:
        shown = _shown_rows(project, section)
        rows = [*shown, *({} for _ in range(max(1, spec.blank_rows - len(shown))))]
        goal = PerformanceGoal.objects.filter(project=project).first()
        if goal is not None:
            header = {
                "annual": goal.annual,
                "medium_term": goal.medium_term,
                "has_beneficiaries": "on" if goal.has_beneficiaries else "",
            }
        elif section == "goal":
            header = {"has_beneficiaries": "on"}
    header_errors: dict[str, list[str]] = {}
    listed: list[str] = []
    if request.method == "POST" and "add_row" not in request.POST:
        used = [r for r in rows if any(r.values())]
        try:
            warnings = _save_rows(actor, project, section, used, header)
        except BusinessRuleError as exc:
            placed = place_errors(exc.errors, len(used))
            for index, fields in placed.rows.items():
                used[index]["errors"] = fields
            header_errors = {k.removeprefix("goal."): v for k, v in placed.header.items()}
            listed = (
                placed.listed
                + placed.general
                + [text for texts in placed.header.values() for text in texts]
            )
        else:
            messages.success(request, _("Saved."))
            language = get_language()
            for warning in warnings:
                messages.warning(request, f"{warning.message(language)} [{warning.rule}]")
            return redirect("projects:project_detail", pk=project.pk)
    for row in rows:
        errors: dict[str, list[str]] = row.get("errors", {})
        row["cells"] = [(c, row.get(c.name, ""), errors.get(c.name, [])) for c in spec.columns]
    return render(
        request,
        "projects/rows_form.html",
        {
            "object": project,
            "section": section,
            "spec": spec,
            "rows": rows,
            "header": header,
            "header_errors": header_errors,
            "row_errors": listed,
        },
    )


# --- documents (立项依据) ---------------------------------------------------------------------


@require_POST
@login_required
@permission_required("projects.change_project", raise_exception=True)
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    upload = request.FILES.get("file")
    try:
        project_add_document(
            actor=actor,
            project=project,
            kind=request.POST.get("kind", ""),
            doc_no=request.POST.get("doc_no", ""),
            title=request.POST.get("title", ""),
            upload=upload,
        )
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Document added."))
    return redirect(reverse("projects:project_detail", args=[project.pk]) + "#documents")


@require_POST
@login_required
@permission_required("projects.change_project", raise_exception=True)
def document_remove(request: HttpRequest, pk: int, document_id: int) -> HttpResponse:
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    try:
        project_remove_document(actor=actor, project=project, document_id=document_id)
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    return redirect(reverse("projects:project_detail", args=[project.pk]) + "#documents")


@login_required
@permission_required("projects.view_project", raise_exception=True)
def document_download(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    document = project.documents.filter(pk=document_id).exclude(file="").first()
    if document is None:
        raise Http404
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.file_name)


# --- reviews (事前绩效评估, 财政评审) ------------------------------------------------------------


class ReviewForm(forms.Form):
    kind = forms.ChoiceField(label=_l("Review"), choices=ReviewKind.choices)
    conclusion = forms.ChoiceField(label=_l("Conclusion"), choices=ReviewConclusion.choices)
    approved_amount = MoneyField(label=_l("Approved amount (yuan)"), required=False)
    opinion = forms.CharField(label=_l("Opinion"), widget=forms.Textarea(attrs={"rows": 3}))
    experts = forms.CharField(
        label=_l("Experts' scores"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_l("One expert per line: name, score (0–100), opinion"),
    )


def _experts(text: str) -> tuple[list[ExpertScore], list[ErrorDetail]]:
    experts: list[ExpertScore] = []
    errors: list[ErrorDetail] = []
    for i, line in enumerate(x for x in text.splitlines() if x.strip()):
        parts = [p.strip() for p in line.replace("，", ",").split(",", 2)]
        score = parse_int(parts[1]) if len(parts) > 1 else None
        if score is None:
            errors.append(
                ErrorDetail(
                    code="projects.review_score_unreadable",
                    field="experts",
                    row=i,
                    value=line[:60],
                    message_zh=f"第 {i + 1} 行“{line[:60]}”：请按“姓名, 评分, 意见”填写",
                    message_en=f"line {i + 1} '{line[:60]}': write 'name, score, opinion'",
                )
            )
            continue
        experts.append(ExpertScore(parts[0], score, parts[2] if len(parts) > 2 else ""))
    return experts, errors


@login_required
@permission_required("projects.add_projectreview", raise_exception=True)
def review_create(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    initial = {
        "kind": ReviewKind.APPRAISAL
        if "appraisal_officer" in actor.role_codes
        else ReviewKind.EX_ANTE
    }
    form = ReviewForm(request.POST or None, initial=initial)

    def save() -> Project:
        experts, unreadable = _experts(form.cleaned_data["experts"])
        if unreadable:
            raise BusinessRuleError(unreadable)
        project_review_record(
            actor=actor,
            project=project,
            kind=form.cleaned_data["kind"],
            conclusion=form.cleaned_data["conclusion"],
            opinion=form.cleaned_data["opinion"],
            experts=experts,
            approved_amount=form.cleaned_data["approved_amount"],
        )
        return project

    return form_page(
        request,
        form,
        save=save,
        success_url_name="projects:project_detail",
        title=_("Record a review: %(project)s") % {"project": project},
        obj=project,
    )


# --- ranking (R-PJ-6) ---------------------------------------------------------------------------


@login_required
@permission_required("projects.rank_project", raise_exception=True)
def ranking(request: HttpRequest) -> HttpResponse:
    """The department orders its stored projects for a budget year (R-PJ-6)."""
    actor: Any = request.user
    department = actor.organisation
    if department is None or department.kind != OrganisationKind.DEPARTMENT:
        raise PermissionDenied
    years = selectors.ranking_years(actor=actor, department=department)
    year = parse_int(request.GET.get("year", "")) or (years[-1] if years else 0)
    projects = selectors.ranking_candidates(actor=actor, department=department, budget_year=year)
    problems: list[str] = []
    if request.method == "POST":
        places = {p.pk: parse_int(request.POST.get(f"rank-{p.pk}", "")) for p in projects}
        ordered = [pk for pk, _ in sorted(places.items(), key=lambda kv: (kv[1] or 10**9, kv[0]))]
        try:
            changed = project_rank(
                actor=actor, department=department, budget_year=year, ordered=ordered
            )
        except BusinessRuleError as exc:
            language = get_language()
            problems = [e.message(language) for e in exc.errors]
        else:
            messages.success(request, _("Ranking saved (%(n)s changed).") % {"n": changed})
            return redirect(reverse("projects:ranking") + f"?year={year}")
    return render(
        request,
        "projects/ranking.html",
        {"projects": projects, "year": year, "years": years, "problems": problems},
    )


# --- 项目调整 (R-PJ-11) and the end of a project (R-PJ-4) ---------------------------------------


@require_POST
@login_required
@permission_required("projects.change_project", raise_exception=True)
def change_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    try:
        change = change_start(actor=actor, project=project, reason=request.POST.get("reason", ""))
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
        return redirect("projects:project_detail", pk=project.pk)
    messages.success(
        request,
        _("Change %(number)s opened: edit the project, then submit the change.")
        % {"number": change.number},
    )
    return redirect("projects:change_detail", pk=change.pk)


@login_required
@permission_required("projects.view_project", raise_exception=True)
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    change = selectors.access_change(actor=actor, pk=pk)
    approval = workflow_selectors.document_approval(
        actor=actor, document_type=CHANGE_TYPE, document=change
    )
    language = get_language()
    editable = change.state == ChangeState.DRAFT and actor.has_perm("projects.change_project")
    return render(
        request,
        "projects/change_detail.html",
        {
            "object": change,
            "project": change.project,
            "latest": approval.latest,
            "approval": approval,
            "differences": selectors.change_differences(change),
            "can_edit": editable,
            "problems": [
                e.message(language) for e in selectors.change_problems(change.project, change)
            ]
            if editable
            else [],
        },
    )


@require_POST
@login_required
@permission_required("projects.change_project", raise_exception=True)
def change_submit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    change = selectors.access_change(actor=actor, pk=pk)
    try:
        document_submit(actor=actor, document_type=CHANGE_TYPE, object_id=str(change.pk))
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Submitted."))
    return redirect("projects:change_detail", pk=change.pk)


@require_POST
@login_required
@permission_required("projects.change_project", raise_exception=True)
def change_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    change = selectors.access_change(actor=actor, pk=pk)
    try:
        change_cancel(actor=actor, change=change)
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Change cancelled; the project is as it was."))
    return redirect("projects:change_detail", pk=change.pk)


@require_POST
@login_required
def project_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Terminate, complete or void (出库) a project (R-PJ-4); the service checks who may."""
    actor: Any = request.user
    project = selectors.access_project(actor=actor, pk=pk)
    try:
        project_end(
            actor=actor,
            project=project,
            ending=request.POST.get("ending", ""),
            reason=request.POST.get("reason", ""),
        )
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Done."))
    return redirect("projects:project_detail", pk=project.pk)


@login_required
@permission_required("projects.roll_library", raise_exception=True)
def library(request: HttpRequest) -> HttpResponse:
    """R-PJ-12: roll the library into the next year; projects waiting too long, for 出库."""
    actor: Any = request.user
    current = current_fiscal_year(actor=actor)
    year = parse_int(request.POST.get("from_year", "")) or (current.year + 1 if current else 0)
    if request.method == "POST":
        try:
            result = library_roll(actor=actor, mof_div_code=actor.mof_div_code, from_year=year)
        except BusinessRuleError as exc:
            flash_business_errors(request, exc)
        else:
            messages.success(
                request,
                _(
                    "%(offered)s unfunded projects offered again for %(next)s; %(continuing)s"
                    " multi-year projects continue."
                )
                % {
                    "offered": result.offered,
                    "next": year + 1,
                    "continuing": result.continuing,
                },
            )
        return redirect("projects:library")
    stale_year = year
    return render(
        request,
        "projects/library.html",
        {
            "year": year,
            "stale": stale_projects(mof_div_code=actor.mof_div_code, year=stale_year),
        },
    )
