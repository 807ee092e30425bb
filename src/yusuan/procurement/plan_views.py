"""Procurement plan pages (采购实施计划, R-GP-2, R-GP-7, R-GP-8; ADR 0052): the list, entry, and a
plan's page (edit and submit a draft, record awards, close a filed plan, its approval timeline);
and the 政府采购执行表 (R-GP-12, R-GP-6) as page, Excel and PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yusuan.common import report_tables
from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.grid import grid_download, grid_page
from yusuan.common.ids import parse_id
from yusuan.common.money import Money
from yusuan.common.tabular import XLSX
from yusuan.common.web import attachment, is_htmx, parse_date
from yusuan.core.choices import PayeeKind
from yusuan.core.selectors import payees
from yusuan.procurement import reports, selectors
from yusuan.procurement.choices import (
    IntentionExemption,
    PlanState,
    PurMethod,
)
from yusuan.procurement.plans_grid import PLAN_GRID
from yusuan.procurement.services import plan_close, plan_create, plan_update
from yusuan.procurement.services.awards import AwardInput, award_record
from yusuan.procurement.services.plans import PlanInput, PlanLineInput
from yusuan.procurement.views import FORM_LINES, entry_choices, money_field
from yusuan.procurement.workflow import PLAN_TYPE
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.services import document_submit

# --- 采购实施计划 (R-GP-2, R-GP-7, R-GP-8) -------------------------------------------------------

PLAN_FILTERS = ("state", "q")


def _plan_input(request: HttpRequest, errors: list[ErrorDetail]) -> PlanInput:
    post = request.POST
    rows = [
        (parse_id(post.get(f"line_{i}", "")), post.get(f"line_amount_{i}", "").strip())
        for i in range(FORM_LINES)
    ]
    rows = [(pk, text) for pk, text in rows if pk is not None or text]
    ceiling = post.get("ceiling_price", "").strip()
    try:
        start: dt.date | None = dt.date.fromisoformat(post.get("planned_start", "").strip())
    except ValueError:
        start = None
    return PlanInput(
        title=post.get("title", ""),
        pur_item_code=post.get("pur_item_code", ""),
        method=post.get("method", ""),
        amount=money_field(post.get("amount", ""), "amount", errors),
        planned_start=start,
        lines=[
            PlanLineInput(pk, money_field(text, f"lines[{i}].amount", errors))
            for i, (pk, text) in enumerate(rows)
        ],
        intention_id=parse_id(post.get("intention_id", "")),
        exemption=post.get("exemption", ""),
        exemption_reason=post.get("exemption_reason", ""),
        ceiling_price=money_field(ceiling, "ceiling_price", errors) if ceiling else None,
        is_imported=post.get("is_imported") == "on",
        imported_reason=post.get("imported_reason", ""),
        single_source_reason=post.get("single_source_reason", ""),
        is_sme_reserved=post.get("is_sme_reserved") == "on",
    )


def _plan_form_context(
    actor: Any, fiscal_year: int, mof_div_code: str, organisation_id: int, v: Any
) -> dict[str, Any]:
    return {
        **entry_choices(actor, fiscal_year, mof_div_code),
        "methods": PurMethod.choices,
        "exemptions": IntentionExemption.choices,
        "intentions": selectors.citable_intentions(
            actor=actor, organisation_id=organisation_id, fiscal_year=fiscal_year
        ),
        "form_rows": [
            (i, str(v.get(f"line_{i}", "")), v.get(f"line_amount_{i}", ""))
            for i in range(FORM_LINES)
        ],
    }


@login_required
@permission_required("procurement.view_procurementplan", raise_exception=True)
def plan_list(request: HttpRequest) -> HttpResponse:
    """采购实施计划: the units' plans on the data grid; a clerk enters a new one here."""
    actor: Any = request.user
    params = {name: request.GET.get(name, "").strip()[:100] for name in PLAN_FILTERS}
    if params["state"] not in PlanState.values:
        params["state"] = ""
    queryset = selectors.plan_list(actor=actor, state=params["state"], search=params["q"])
    if request.GET.get("export") == "xlsx":
        return grid_download(request, PLAN_GRID, queryset, "procurement-plans.xlsx")
    context = {
        "g": grid_page(request, PLAN_GRID, queryset),
        "params": params,
        "states": PlanState.choices,
    }
    if is_htmx(request):
        return render(request, "procurement/plan_rows.html", context)
    return render(request, "procurement/plan_list.html", context)


@login_required
@permission_required("procurement.add_procurementplan", raise_exception=True)
def plan_new(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    fiscal_year = timezone.localdate().year
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        data = _plan_input(request, errors)
        if not errors:
            try:
                created = plan_create(actor=actor, data=data, fiscal_year=fiscal_year)
            except BusinessRuleError as exc:
                errors = exc.errors
            else:
                messages.success(request, _("Plan %(number)s saved.") % {"number": created.number})
                return redirect("procurement:plan_detail", pk=created.pk)
    return render(
        request,
        "procurement/plan_form.html",
        {
            "errors": errors,
            "posted": request.POST,
            "fiscal_year": fiscal_year,
            **_plan_form_context(
                actor, fiscal_year, actor.mof_div_code, actor.organisation_id, request.POST
            ),
        },
    )


def _plan_initial(plan: Any, lines: list[Any]) -> dict[str, Any]:
    """The edit form's values from the plan, as the form posts them."""
    values: dict[str, Any] = {
        "title": plan.title,
        "pur_item_code": plan.pur_item_code,
        "method": plan.method,
        "amount": Money(plan.amount).format(grouping=False),
        "ceiling_price": Money(plan.ceiling_price).format(grouping=False)
        if plan.ceiling_price
        else "",
        "planned_start": plan.planned_start.isoformat(),
        "intention_id": str(plan.intention_id or ""),
        "exemption": plan.exemption,
        "exemption_reason": plan.exemption_reason,
        "is_imported": plan.is_imported,
        "imported_reason": plan.imported_reason,
        "single_source_reason": plan.single_source_reason,
        "is_sme_reserved": plan.is_sme_reserved,
    }
    for i, line in enumerate(lines[:FORM_LINES]):
        values[f"line_{i}"] = str(line.indicator_line_id)
        values[f"line_amount_{i}"] = Money(line.amount).format(grouping=False)
    return values


@login_required
@permission_required("procurement.view_procurementplan", raise_exception=True)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One plan: its lines with what each reserves, what contracts took and what is left; its
    contracts; the approval timeline. A draft is edited and submitted here; a filed plan is
    closed (or cancelled before any contract)."""
    actor: Any = request.user
    plan = selectors.plan_get(actor=actor, plan_id=pk)
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        if not actor.has_perm("procurement.change_procurementplan"):
            raise PermissionDenied
        action = request.POST.get("action", "")
        try:
            if action == "submit":
                instance = document_submit(
                    actor=actor, document_type=PLAN_TYPE, object_id=str(plan.pk)
                )
                step = instance.current_step or {}
                done = _("Plan %(number)s submitted. Waiting at: %(where)s") % {
                    "number": plan.number,
                    "where": f"{step.get('organisation_name', '')} · {step.get('name', '')}",
                }
            elif action == "close":
                plan_close(
                    actor=actor,
                    plan_id=plan.pk,
                    state=request.POST.get("state", PlanState.CLOSED),
                    reason=request.POST.get("reason", ""),
                )
                done = _("Plan %(number)s closed.") % {"number": plan.number}
            elif action == "award":
                award_record(
                    actor=actor,
                    plan_id=plan.pk,
                    data=AwardInput(
                        supplier_id=parse_id(request.POST.get("supplier_id", "")),
                        amount=money_field(request.POST.get("award_amount", ""), "amount", errors),
                        noticed_on=parse_date(request.POST.get("noticed_on", "")),
                        lot=request.POST.get("lot", ""),
                        supplier_is_sme=request.POST.get("supplier_is_sme") == "on",
                    ),
                )
                done = _("Award recorded on plan %(number)s.") % {"number": plan.number}
            elif action == "save":
                data = _plan_input(request, errors)
                if errors:
                    raise BusinessRuleError(errors)
                plan_update(actor=actor, plan_id=plan.pk, data=data)
                done = _("Plan %(number)s saved.") % {"number": plan.number}
            else:
                raise PermissionDenied
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(request, done)
            return redirect("procurement:plan_detail", pk=plan.pk)
    lines = selectors.plan_lines(plan)
    awards = selectors.plan_awards(plan)
    may_change = actor.has_perm("procurement.change_procurementplan")
    editable = may_change and plan.state == PlanState.DRAFT
    # The edit form shows what was posted only when the edit itself was refused.
    refused_edit = errors and request.POST.get("action") == "save"
    form = request.POST if refused_edit else _plan_initial(plan, lines)
    return render(
        request,
        "procurement/plan_detail.html",
        {
            "plan": plan,
            "plan_lines": lines,
            "contracts": selectors.plan_contracts(plan),
            "awards": awards,
            "changes": selectors.changes_of(plan=plan),
            "change_url": f"{reverse('procurement:change_new')}?plan={plan.pk}"
            if may_change and plan.state == PlanState.FILED and not awards
            else "",
            "suppliers": payees(
                actor=actor, organisation_id=plan.organisation_id, kind=PayeeKind.ORGANISATION
            ),
            "errors": errors,
            "form": form,
            "editable": editable,
            "can_close": may_change and plan.state in (PlanState.FILED, PlanState.EXECUTING),
            "closing_states": [(x.value, x.label) for x in (PlanState.CLOSED, PlanState.CANCELLED)],
            "approval": workflow_selectors.document_approval(
                actor=actor, document_type=PLAN_TYPE, document=plan
            ),
            "fiscal_year": plan.fiscal_year,
            **(
                _plan_form_context(
                    actor, plan.fiscal_year, plan.mof_div_code, plan.organisation_id, form
                )
                if editable
                else {}
            ),
        },
    )


# --- 政府采购执行表 (R-GP-12, R-GP-6) --------------------------------------------------------------


@login_required
@permission_required("procurement.view_procurementplan", raise_exception=True)
def execution_report(request: HttpRequest) -> HttpResponse:
    """R-GP-12: the procurement budget → plans → contracts → paid, by unit and by method, with
    the SME share of awards (page, Excel, PDF) and the instalments owed to SMEs near or past
    their 30-day term (R-GP-6), for the actor's scope."""
    actor: Any = request.user
    today = timezone.localdate()
    year = parse_id(request.GET.get("year", "")) or today.year
    if not 2000 <= year <= 2100:
        year = today.year
    report = reports.execution(actor=actor, fiscal_year=year)
    table = reports.execution_table(report, reports.sme_share(actor=actor, fiscal_year=year))
    heading = f"{actor.organisation.name if actor.organisation else ''}　{year} 年度　单位：元"
    export = request.GET.get("export", "")
    name = f"procurement-execution-{year}"
    if export == "xlsx":
        return attachment(report_tables.to_xlsx(table, heading), f"{name}.xlsx", XLSX)
    if export == "pdf":
        return attachment(report_tables.to_pdf(table, heading), f"{name}.pdf", "application/pdf")
    return render(
        request,
        "procurement/execution_report.html",
        {
            "table": table,
            "heading": heading,
            "year": year,
            "sections": [report_tables.display(s) for s in table.sections],
            "owed": reports.owed_to_smes(actor=actor, on=today),
            "missed": reports.missed_deadlines(actor=actor, fiscal_year=year, on=today),
            "no_data": report_tables.NO_DATA,
        },
    )
