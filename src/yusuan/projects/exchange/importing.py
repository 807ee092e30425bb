"""Importing the declaration workbook: each project created through the services a page uses,
so the checks, their error codes and the audit trail are the same; every problem is reported at
once and, if there is one, nothing is kept (one transaction)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.core.choices import CodeKind
from yusuan.core.selectors import current_fiscal_year
from yusuan.projects import inputs, rules
from yusuan.projects.choices import CATEGORY_NAMES, BasisKind
from yusuan.projects.exchange.reading import (
    Parsed,
    _choice,
    _code,
    _flag,
    _group,
    _header,
    _indicator_values,
    _structure,
)
from yusuan.projects.exchange.sheets import (
    BASIS_ZH,
    CALCULATION,
    DOCUMENTS,
    INDICATORS,
    PLANS,
    PROJECTS,
    SHEETS,
    Sheet,
    _names,
)
from yusuan.projects.models import Project
from yusuan.projects.services import project_create
from yusuan.projects.services.content import (
    project_add_document,
    project_set_calculation,
    project_set_goal,
    project_set_plans,
)


@dataclass(frozen=True)
class ImportResult:
    projects: list[Project]


def _run(errors: list[ErrorDetail], parsed: Parsed, call: Any, sheet: Sheet | None = None) -> Any:
    """A service call of the import: its refusal placed on the workbook, the import going on to
    find the other problems (the service's own savepoint undid what it did)."""
    try:
        return call()
    except BusinessRuleError as exc:
        errors.extend(parsed.placed(e, sheet) for e in exc.errors)
        return None


def _project_rows(
    actor: Actor, project: Project, parsed: Parsed, errors: list[ErrorDetail]
) -> None:
    """The project's plans, calculation, goal and documents, each through its service."""
    fund_types = _names(
        mof_div_code=project.mof_div_code,
        fiscal_year=project.fiscal_year,
        kind=CodeKind.FUND_TYPE,
    )
    economic = _names(
        mof_div_code=project.mof_div_code,
        fiscal_year=project.fiscal_year,
        kind=CodeKind.DEPARTMENT_ECONOMIC,
    )
    children = parsed.children
    plan_values = [
        {**r.values, "fund_type": _code(r.values.get("fund_type", ""), fund_types)}
        for r in children[PLANS.key]
    ]
    plans, unreadable = inputs.plan_rows(plan_values, prefix=PLANS.key)
    errors.extend(parsed.placed(e) for e in unreadable)
    if not unreadable:
        _run(
            errors,
            parsed,
            lambda: project_set_plans(actor=actor, project=project, rows=plans, prefix=PLANS.key),
        )
    if children[CALCULATION.key]:
        calc_values = [
            {**r.values, "economic_code": _code(r.values.get("economic_code", ""), economic)}
            for r in children[CALCULATION.key]
        ]
        calculation, unreadable = inputs.calculation_rows(calc_values, prefix=CALCULATION.key)
        errors.extend(parsed.placed(e) for e in unreadable)
        if not unreadable:
            _run(
                errors,
                parsed,
                lambda: project_set_calculation(
                    actor=actor, project=project, rows=calculation, prefix=CALCULATION.key
                ),
            )
    values = parsed.row.values
    if children[INDICATORS.key] or values.get("goal_annual"):
        before = len(errors)
        indicator_values = _indicator_values(children[INDICATORS.key], errors)
        indicators, unreadable = inputs.indicator_rows(indicator_values, prefix=INDICATORS.key)
        errors.extend(parsed.placed(e) for e in unreadable)
        if len(errors) == before:
            serves = values.get("has_beneficiaries", "").strip().lower()
            goal = rules.GoalFacts(
                annual=values.get("goal_annual", "")[:4000],
                has_beneficiaries=not serves or _flag(parsed.row, "has_beneficiaries", errors),
                indicators=indicators,
            )
            _run(
                errors,
                parsed,
                lambda: project_set_goal(
                    actor=actor,
                    project=project,
                    goal=goal,
                    medium_term=values.get("goal_medium_term", "")[:4000],
                    prefix=INDICATORS.key,
                ),
            )
    for row in children[DOCUMENTS.key]:
        kind_text = row.values.get("kind", "")
        kind = _choice(kind_text, dict(BASIS_ZH), BasisKind.choices)
        one = Parsed(row, {})
        _run(
            errors,
            one,
            lambda row=row, kind=kind, kind_text=kind_text: project_add_document(
                actor=actor,
                project=project,
                kind=kind or kind_text,
                doc_no=row.values.get("doc_no", "")[:100],
                title=row.values.get("title", "")[:200],
            ),
            DOCUMENTS,
        )


def _unreadable_rows(parsed: Parsed, errors: list[ErrorDetail]) -> None:
    """The values of a project's rows that cannot be read (amounts, years, quantities, choices),
    when the project itself cannot be created and its rows go no further."""
    children = parsed.children
    for found in (
        inputs.plan_rows([r.values for r in children[PLANS.key]], prefix=PLANS.key)[1],
        inputs.calculation_rows(
            [r.values for r in children[CALCULATION.key]], prefix=CALCULATION.key
        )[1],
    ):
        errors.extend(parsed.placed(e) for e in found)
    before = len(errors)
    values = _indicator_values(children[INDICATORS.key], errors)
    if len(errors) == before:
        found = inputs.indicator_rows(values, prefix=INDICATORS.key)[1]
        errors.extend(parsed.placed(e) for e in found)


# Not durable: /api/v1 calls it inside its idempotent write (audit.idempotency.run_once).
@transaction.atomic
def declarations_import(*, actor: Actor, data: bytes, filename: str) -> ImportResult:
    """New draft projects of the actor's unit from a workbook, in the current fiscal year (as
    the page's 新建项目). Every problem is reported (sheet, row, column, value, rule); if there
    is one, no project is kept."""
    ensure_permission(actor, "projects.add_project")
    organisation = getattr(actor, "organisation", None)
    current = current_fiscal_year(actor=actor)
    if current is None or organisation is None:
        raise BusinessRuleError.single(
            code="projects.no_fiscal_year",
            field="fiscal_year",
            message_zh="本区划没有当前预算年度，不能申报项目",
            message_en="the region has no current fiscal year",
        )
    sheets = _structure(data, filename)
    errors: list[ErrorDetail] = []
    parsed_projects = _group(sheets, errors)
    categories = _names(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=current.year,
        kind=CodeKind.PROJECT_CATEGORY,
    ) or dict(CATEGORY_NAMES)
    fund_types = _names(
        mof_div_code=organisation.mof_div_code, fiscal_year=current.year, kind=CodeKind.FUND_TYPE
    )
    created: list[Project] = []
    for parsed in parsed_projects:
        data_in, unreadable = _header(parsed.row, categories=categories, fund_types=fund_types)
        errors.extend(unreadable)
        if data_in is None:  # its rows cannot reach their services: what cannot be read, then
            _unreadable_rows(parsed, errors)
            continue
        project = _run(
            errors,
            parsed,
            lambda data_in=data_in: project_create(
                actor=actor, organisation=organisation, fiscal_year=current.year, data=data_in
            ),
        )
        if project is None:
            continue
        _project_rows(actor, project, parsed, errors)
        created.append(project)
    if not parsed_projects and not errors:
        errors.append(
            ErrorDetail(
                code="core.import_empty",
                field=PROJECTS.key,
                message_zh="“项目”工作表没有数据",
                message_en="the Projects sheet has no rows",
            )
        )
    if errors:
        raise BusinessRuleError(sorted(errors, key=_sheet_order))
    audit_record(
        action="projects.import",
        actor=actor,
        obj=organisation,
        extra={
            "file": filename[:200],
            "sha256": hashlib.sha256(data).hexdigest(),
            "projects": [p.code for p in created],
        },
    )
    return ImportResult(created)


def _sheet_order(detail: ErrorDetail) -> tuple[int, int, str]:
    sheet = (detail.field or "").split("[")[0]
    order = next((i for i, s in enumerate(SHEETS) if s.key == sheet), len(SHEETS))
    return order, detail.row or 0, detail.field or ""
