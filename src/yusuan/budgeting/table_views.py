"""The department budget tables' pages (部门预算公开表; DOMAIN-2 §4.3): an index for a round, an
organisation (a unit, a department, or the finance bureau for the district) and a stage, listing
the tables with the result of their cross-checks; one page per table, as Excel
(``?export=xlsx``, through ``yusuan.common.tabular``, formula text made inert) and PDF
(``?export=pdf``). A unit sees its own tables, a department its own and its units', finance the
district's: anything else is a 404."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from yusuan.budgeting import selectors, tables
from yusuan.budgeting.models import BudgetRound
from yusuan.common import report_tables
from yusuan.common.errors import NotFoundError
from yusuan.common.report_tables import ReportTable
from yusuan.common.tabular import XLSX
from yusuan.common.web import attachment
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation

VIEW = "budgeting.view_budgetround"
FINANCE_KINDS = (OrganisationKind.FINANCE_BUREAU, OrganisationKind.FINANCE_DIVISION)


def _round(actor: Any, pk: int) -> BudgetRound:
    try:
        return selectors.access_round(actor, pk)
    except NotFoundError as exc:
        raise Http404 from exc


def _subject(
    request: HttpRequest, budget_round: BudgetRound, organisation_id: int
) -> tables.Subject:
    try:
        return tables.access_subject(
            request.user,  # type: ignore[arg-type]
            budget_round,
            organisation_id,
            request.GET.get("level", ""),
        )
    except NotFoundError as exc:
        raise Http404 from exc


def _stage(request: HttpRequest, present: set[str]) -> str:
    wanted = request.GET.get("stage", "")
    return wanted if wanted in tables.STAGES else tables.default_stage(present)


def _query(subject: tables.Subject, stage: str) -> str:
    params = {"stage": stage}
    if subject.organisation.kind == OrganisationKind.DEPARTMENT and subject.level == tables.UNIT:
        params["level"] = tables.UNIT
    return urlencode(params)


def _below(actor: Any, budget_round: BudgetRound, subject: tables.Subject) -> list[Organisation]:
    """Whose tables the subject's page leads down to: the district's departments, a
    department's units."""
    found = Organisation.objects.visible_to(actor).filter(mof_div_code=budget_round.mof_div_code)
    if subject.level == tables.DISTRICT:
        return list(found.filter(kind=OrganisationKind.DEPARTMENT).order_by("code"))
    if subject.organisation.kind == OrganisationKind.DEPARTMENT:
        return list(
            found.filter(
                kind=OrganisationKind.UNIT, path__startswith=subject.organisation.path
            ).order_by("code")
        )
    return []


def _departments_only(request: HttpRequest, budget_round: BudgetRound) -> HttpResponse:
    """A sector division (finance, not region-wide) has no district tables: it picks one of
    the departments it supervises."""
    actor: Any = request.user
    departments = list(
        Organisation.objects.visible_to(actor)
        .filter(mof_div_code=budget_round.mof_div_code, kind=OrganisationKind.DEPARTMENT)
        .order_by("code")
    )
    return render(
        request,
        "budgeting/tables/index.html",
        {"round": budget_round, "subject": None, "below": departments},
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def tables_index(request: HttpRequest, pk: int, organisation_id: int) -> HttpResponse:
    actor: Any = request.user
    budget_round = _round(actor, pk)
    own = getattr(actor, "organisation", None)
    if (
        own is not None
        and own.pk == organisation_id
        and own.kind in FINANCE_KINDS
        and not actor.scope.is_region_wide
    ):
        return _departments_only(request, budget_round)
    subject = _subject(request, budget_round, organisation_id)
    present = tables.stages_present(actor, budget_round, subject)
    stage = _stage(request, present)
    found = tables.tables_for(actor, budget_round, subject, stage)
    return render(
        request,
        "budgeting/tables/index.html",
        {
            "round": budget_round,
            "subject": subject,
            "level_name": tables.LEVELS[subject.level],
            "stage": stage,
            "stages": [(k, v, k in present) for k, v in tables.STAGES.items()],
            "tables": [found[k] for k in tables.TABLE_KEYS],
            "checks": tables.table_checks(found),
            "query": _query(subject, stage),
            "below": _below(actor, budget_round, subject),
            "is_department": subject.organisation.kind == OrganisationKind.DEPARTMENT,
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
def table_detail(request: HttpRequest, pk: int, organisation_id: int, table: str) -> HttpResponse:
    actor: Any = request.user
    if table not in tables.TABLE_KEYS:
        raise Http404
    budget_round = _round(actor, pk)
    subject = _subject(request, budget_round, organisation_id)
    wanted = request.GET.get("stage", "")
    stage = (
        wanted
        if wanted in tables.STAGES
        else tables.default_stage(tables.stages_present(actor, budget_round, subject))
    )
    source = tables.load(actor, budget_round, subject, stage)
    found = tables.BUILDERS[table](source)
    name = f"budget-table-{table}-{subject.organisation.code}-{budget_round.fiscal_year}-{stage}"
    export = request.GET.get("export", "")
    if export == "xlsx":
        return attachment(table_xlsx(found, source), f"{name}.xlsx", XLSX)
    if export == "pdf":
        return attachment(table_pdf(found, source), f"{name}.pdf", "application/pdf")
    return render(
        request,
        "budgeting/tables/table.html",
        {
            "round": budget_round,
            "subject": subject,
            "level_name": tables.LEVELS[subject.level],
            "stage": stage,
            "stage_name": tables.STAGES[stage],
            "table": found,
            "sections": [report_tables.display(s) for s in found.sections],
            "query": _query(subject, stage),
            "no_data": report_tables.NO_DATA,
        },
    )


# --- Excel and PDF --------------------------------------------------------------------------------


def _heading(source: tables.Source) -> str:
    return (
        f"编制单位：{source.subject_name}　{source.fiscal_year} 年度　"
        f"{tables.STAGES[source.stage]}　单位：元"
    )


def table_xlsx(table: ReportTable, source: tables.Source) -> bytes:
    return report_tables.to_xlsx(table, _heading(source))


def table_pdf(table: ReportTable, source: tables.Source) -> bytes:
    return report_tables.to_pdf(table, _heading(source))
