"""What a declaration holds besides its header: the plan by year and fund source, the
calculation (测算明细), the performance goal and the documents it rests on. Each is edited as a
whole while the project is a draft; every edit is audited with what it replaced."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor
from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.common.uploads import check_upload_size
from yusuan.core.choices import CodeKind
from yusuan.core.validation import ElementValue, element_errors
from yusuan.projects import rules
from yusuan.projects.choices import BasisKind
from yusuan.projects.models import (
    BasisDocument,
    CalculationRow,
    GoalIndicator,
    PerformanceGoal,
    Project,
    ProjectPlan,
)
from yusuan.projects.selectors import standards_of
from yusuan.projects.services import locked_draft

MAX_ROWS = 500
DOCUMENT_TYPES = (".pdf", ".ofd", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png")


def _too_many(rows: Sequence[Any], prefix: str) -> None:
    if len(rows) > MAX_ROWS:
        raise BusinessRuleError.single(
            code="projects.too_many_rows",
            field=prefix,
            value=len(rows),
            limit=MAX_ROWS,
            message_zh=f"最多 {MAX_ROWS} 行（当前 {len(rows)} 行）",
            message_en=f"at most {MAX_ROWS} rows (got {len(rows)})",
        )


def _plan_dict(rows: Sequence[rules.PlanRow]) -> list[list[Any]]:
    return [[r.year, r.fund_type, r.amount_fen] for r in rows]


@transaction.atomic
def project_set_plans(
    *, actor: Actor, project: Project, rows: Sequence[rules.PlanRow], prefix: str = "lines"
) -> Project:
    """R-PJ-3: the plan by year and fund nature replaces the old one; Σ must equal the total."""
    locked = locked_draft(actor=actor, project=project)
    _too_many(rows, prefix)
    errors = element_errors(
        mof_div_code=locked.mof_div_code,
        fiscal_year=locked.fiscal_year,
        elements=[
            ElementValue(f"{prefix}[{i}].fund_type", CodeKind.FUND_TYPE, r.fund_type)
            for i, r in enumerate(rows)
        ],
    )
    errors += rules.plan_errors(
        total_fen=locked.total_amount_fen,
        start_year=locked.start_year,
        end_year=locked.end_year,
        plans=rows,
        prefix=prefix,
    )
    raise_if_any(errors)
    before = [[p.year, p.fund_type, p.amount_fen] for p in locked.plans.all()]
    locked.plans.all().delete()
    ProjectPlan.objects.bulk_create(
        ProjectPlan(project=locked, year=r.year, fund_type=r.fund_type, amount_fen=r.amount_fen)
        for r in rows
    )
    audit_record(
        action="projects.plans",
        actor=actor,
        obj=locked,
        extra={"before": before, "after": _plan_dict(rows)},
    )
    return locked


@transaction.atomic
def project_set_calculation(
    *, actor: Actor, project: Project, rows: Sequence[rules.CalcRow], prefix: str = "lines"
) -> tuple[Project, list[ErrorDetail]]:
    """R-PJ-10: rows whose amount is unit price × quantity, classed by economic 款, within the
    expenditure standard they cite (warned, or refused where the region blocks). Returns the
    warnings to show."""
    locked = locked_draft(actor=actor, project=project)
    _too_many(rows, prefix)
    errors = element_errors(
        mof_div_code=locked.mof_div_code,
        fiscal_year=locked.fiscal_year,
        elements=[
            ElementValue(
                f"{prefix}[{i}].economic_code", CodeKind.DEPARTMENT_ECONOMIC, r.economic_code
            )
            for i, r in enumerate(rows)
        ],
    )
    standards, block = standards_of(mof_div_code=locked.mof_div_code, year=locked.budget_year)
    found, warnings = rules.calculation_errors(
        rows, standards=standards, block_over_standard=block, prefix=prefix
    )
    for i, r in enumerate(rows):
        if not locked.start_year <= r.year <= locked.end_year:
            found.append(
                ErrorDetail(
                    code="projects.calculation_year_outside",
                    rule="R-PJ-10",
                    field=f"{prefix}[{i}].year",
                    value=r.year,
                    limit=[locked.start_year, locked.end_year],
                    message_zh=f"测算明细第 {i + 1} 行：年度 {r.year} 不在实施期内",
                    message_en=f"calculation row {i + 1}: year {r.year} is outside the project",
                )
            )
    raise_if_any(errors + found)
    before = locked.calculation.count()
    locked.calculation.all().delete()
    CalculationRow.objects.bulk_create(
        CalculationRow(
            project=locked,
            position=i + 1,
            year=r.year,
            content=r.content.strip(),
            economic_code=r.economic_code,
            standard_key=r.standard_key,
            unit_price_fen=r.unit_price_fen,
            quantity=r.quantity,
            unit=r.unit.strip(),
            amount_fen=r.amount_fen,
            procurement_item=r.procurement_item.strip(),
        )
        for i, r in enumerate(rows)
    )
    audit_record(
        action="projects.calculation",
        actor=actor,
        obj=locked,
        extra={
            "rows_before": before,
            "rows": [
                [r.year, r.content[:60], r.economic_code, r.unit_price_fen, str(r.quantity)]
                for r in rows
            ],
        },
    )
    return locked, warnings


@transaction.atomic
def project_set_goal(
    *,
    actor: Actor,
    project: Project,
    goal: rules.GoalFacts,
    medium_term: str = "",
    prefix: str = "lines",
) -> PerformanceGoal:
    """R-PF-5: the goal is saved even when incomplete (a draft), but each indicator row must
    make sense on its own; completeness is checked when the project is declared (R-PJ-2)."""
    locked = locked_draft(actor=actor, project=project)
    _too_many(goal.indicators, "goal.indicators")
    row_level = [
        e
        for e in rules.goal_errors(goal, rows_prefix=prefix)
        if (e.field or "").startswith(f"{prefix}[") or e.field == "goal.annual"
    ]
    raise_if_any(row_level)
    saved, created = PerformanceGoal.objects.update_or_create(
        project=locked,
        defaults={
            "annual": goal.annual.strip(),
            "medium_term": medium_term.strip(),
            "has_beneficiaries": goal.has_beneficiaries,
        },
    )
    before = saved.indicators.count()
    saved.indicators.all().delete()
    GoalIndicator.objects.bulk_create(
        GoalIndicator(
            goal=saved,
            position=i + 1,
            level1=r.level1,
            level2=r.level2,
            name=r.name.strip(),
            operator=r.operator,
            target=r.target.strip(),
            unit=r.unit.strip(),
            weight=r.weight,
        )
        for i, r in enumerate(goal.indicators)
    )
    audit_record(
        action="projects.goal",
        actor=actor,
        obj=locked,
        extra={
            "indicators_before": None if created else before,
            "indicators": [[r.level1, r.level2, r.name[:60], r.target] for r in goal.indicators],
        },
    )
    return saved


@transaction.atomic
def project_add_document(
    *,
    actor: Actor,
    project: Project,
    kind: str,
    doc_no: str,
    title: str,
    upload: UploadedFile[Any] | None = None,
) -> BasisDocument:
    """A document the declaration rests on, with its 文号 (R-PJ-9); the file is optional (the
    document may be on paper or in the region's document system)."""
    locked = locked_draft(actor=actor, project=project)
    errors: list[ErrorDetail] = []
    if kind not in BasisKind.values:
        errors.append(
            ErrorDetail(
                code="projects.document_kind",
                field="kind",
                value=kind,
                limit=list(BasisKind.values),
                message_zh="文件类别无效",
                message_en="unknown document kind",
            )
        )
    for name, value, zh in (("doc_no", doc_no, "文号"), ("title", title, "文件名称")):
        if not value.strip():
            errors.append(
                ErrorDetail(
                    code="projects.document_field_required",
                    rule="R-PJ-9",
                    field=name,
                    message_zh=f"请填写{zh}",
                    message_en=f"the {name.replace('_', ' ')} is required",
                )
            )
    if upload is not None:
        name = upload.name or ""
        if not name.lower().endswith(DOCUMENT_TYPES):
            errors.append(
                ErrorDetail(
                    code="projects.document_type",
                    field="file",
                    value=name,
                    limit=list(DOCUMENT_TYPES),
                    message_zh=f"文件 {name} 的类型不允许",
                    message_en=f"file {name}: type not allowed",
                )
            )
        check_upload_size(upload.size or 0, name)
    raise_if_any(errors)
    document = BasisDocument(
        project=locked,
        kind=kind,
        doc_no=doc_no.strip()[:100],
        title=title.strip()[:200],
        added_by_id=actor.pk,
    )
    if upload is not None:
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        document.file = upload
        document.file_name = (upload.name or "")[:200]
        document.size = upload.size or 0
        document.sha256 = digest.hexdigest()
    document.save()
    audit_record(
        action="projects.document_add",
        actor=actor,
        obj=locked,
        extra={"kind": kind, "doc_no": document.doc_no, "title": document.title},
    )
    return document


@transaction.atomic
def project_remove_document(*, actor: Actor, project: Project, document_id: int) -> None:
    locked = locked_draft(actor=actor, project=project)
    document = locked.documents.filter(pk=document_id).first()
    if document is None:
        raise BusinessRuleError.single(
            code="not_found", message_zh="文件不存在", message_en="document not found", status=404
        )
    audit_record(
        action="projects.document_remove",
        actor=actor,
        obj=locked,
        extra={"kind": document.kind, "doc_no": document.doc_no, "title": document.title},
    )
    document.delete()
