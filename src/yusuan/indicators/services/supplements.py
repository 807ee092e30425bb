"""追加申请 (DOMAIN-2 C2, R-AJ-7): a unit that needs more money files a request; unit, department
and finance approve it through the engine (``indicators.supplement``); finance answers an
approved request with an 追加 document, linked here.

A unit never moves money itself (R-AJ-6: moves between units are the department's or finance's)
and never raises its own total: it asks. Where the 追加's money comes from is the document's
business (R-IN-7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation
from yusuan.core.selectors import acting_organisation
from yusuan.core.services.sequences import next_number
from yusuan.indicators import locks
from yusuan.indicators.choices import DocumentKind, DocumentState, LineKind, SupplementState
from yusuan.indicators.models import IndicatorDocument, IndicatorLine, SupplementRequest
from yusuan.projects.models import Project
from yusuan.workflow.kit import not_draft_error

SERIES = "ZS"
RULE = "R-AJ-7"


@dataclass(frozen=True)
class SupplementInput:
    title: str
    amount: Money
    reason: str
    line_id: int | None = None
    project_id: int | None = None
    fiscal_year: int | None = None
    organisation_id: int | None = None


def _err(code: str, field: str, zh: str, en: str, **kw: Any) -> ErrorDetail:
    return ErrorDetail(code=code, field=field, message_zh=zh, message_en=en, **kw)


def _checked(
    actor: Actor, organisation: Organisation, fiscal_year: int, data: SupplementInput
) -> tuple[list[ErrorDetail], IndicatorLine | None, Project | None]:
    """Every problem of the request at once (P7)."""
    errors: list[ErrorDetail] = []
    if not data.title.strip():
        errors.append(
            _err("indicators.title_required", "title", "标题不能为空", "title required", rule=RULE)
        )
    if data.amount.fen <= 0:
        errors.append(
            _err(
                "indicators.amount_not_positive",
                "amount",
                f"申请追加金额必须大于 0（当前 {data.amount} 元）",
                f"the amount must be above 0 (got {data.amount})",
                rule=RULE,
                value=data.amount.format(),
                limit="> 0",
            )
        )
    if not data.reason.strip():
        errors.append(
            _err(
                "indicators.reason_required",
                "reason",
                "请说明申请追加的理由",
                "give the reason for the increase",
                rule=RULE,
            )
        )
    line = None
    if data.line_id is not None:
        line = (
            IndicatorLine.objects.visible_to(actor)
            .filter(pk=data.line_id, organisation=organisation, fiscal_year=fiscal_year)
            .first()
        )
        if line is None or line.kind != LineKind.EXECUTABLE:
            errors.append(
                _err(
                    "indicators.line_unknown",
                    "line_id",
                    f"指标不存在、不在 {fiscal_year} 年度、不是可执行指标或不属于{organisation.name}",
                    f"no executable indicator of {organisation.name} in {fiscal_year}",
                    rule=RULE,
                    value=data.line_id,
                )
            )
            line = None
    project = None
    if data.project_id is not None:
        project = (
            Project.objects.visible_to(actor)
            .filter(pk=data.project_id, organisation=organisation)
            .first()
        )
        if project is None:
            errors.append(
                _err(
                    "indicators.project_unknown",
                    "project_id",
                    f"项目不存在或不属于{organisation.name}",
                    f"no such project of {organisation.name}",
                    rule=RULE,
                    value=data.project_id,
                )
            )
    if line is not None and project is not None and line.project_id != project.pk:
        errors.append(
            _err(
                "indicators.line_not_of_project",
                "line_id",
                f"指标 {line.code} 不属于项目 {project.code}",
                f"indicator {line.code} is not of project {project.code}",
                rule=RULE,
                value=line.code,
                limit=project.code,
            )
        )
    if line is None and project is None and not errors:
        errors.append(
            _err(
                "indicators.line_or_project_required",
                "line_id",
                "请选择申请追加的指标或项目",
                "name the indicator line or the project the increase is for",
                rule=RULE,
            )
        )
    return errors, line, project


def _holder(actor: Actor, data: SupplementInput) -> Organisation:
    """Units and departments ask; finance answers (R-AJ-7)."""
    organisation = acting_organisation(actor=actor, organisation_id=data.organisation_id)
    if not organisation.is_agency:
        raise BusinessRuleError.single(
            code="indicators.supplement_by_agency",
            rule=RULE,
            field="organisation_id",
            value=organisation.name,
            message_zh="追加申请由预算单位或主管部门提出，财政部门以追加指标答复",
            message_en="units and departments file increase requests; finance answers them",
            status=403,
        )
    return organisation


@transaction.atomic
def supplement_create(*, actor: Actor, data: SupplementInput) -> SupplementRequest:
    ensure_permission(actor, "indicators.add_supplementrequest")
    organisation = _holder(actor, data)
    fiscal_year = data.fiscal_year or timezone.localdate().year
    errors, line, project = _checked(actor, organisation, fiscal_year, data)
    raise_if_any(errors)
    number = next_number(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        series=f"indicator-{SERIES}",
    )
    request = SupplementRequest.objects.create(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        number=f"{SERIES}{fiscal_year}{number:06d}",
        organisation=organisation,
        title=data.title.strip(),
        amount=data.amount.fen,
        line=line,
        project=project or (line.project if line is not None else None),
        reason=data.reason.strip(),
        created_by_id=actor.pk,
    )
    audit_record(
        action="indicators.supplement_create",
        actor=actor,
        obj=request,
        changes={"state": [None, SupplementState.DRAFT]},
        extra={"amount_fen": request.amount},
    )
    return request


def _locked(actor: Actor, request_id: int) -> SupplementRequest:
    request = (
        locks.supplement_qs_select_for_update().visible_to(actor).filter(pk=request_id).first()
    )
    if request is None:
        raise NotFoundError("supplement request")
    return request


@transaction.atomic
def supplement_update(*, actor: Actor, request_id: int, data: SupplementInput) -> SupplementRequest:
    """Edit a draft (or one returned or withdrawn to draft)."""
    ensure_permission(actor, "indicators.change_supplementrequest")
    request = _locked(actor, request_id)
    if request.state != SupplementState.DRAFT:
        raise not_draft_error(
            code="indicators.not_draft",
            state=request.state,
            state_display=request.get_state_display(),
            noun_zh=f"追加申请 {request.number} ",
            noun_en=f"request {request.number}",
            action_zh="修改",
            action_en="changed",
        )
    errors, line, project = _checked(actor, request.organisation, request.fiscal_year, data)
    raise_if_any(errors)
    before = {"title": request.title, "amount": request.amount, "reason": request.reason}
    request.title = data.title.strip()
    request.amount = data.amount.fen
    request.reason = data.reason.strip()
    request.line = line
    request.project = project or (line.project if line is not None else None)
    request.save()
    after = {"title": request.title, "amount": request.amount, "reason": request.reason}
    audit_record(
        action="indicators.supplement_update",
        actor=actor,
        obj=request,
        changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
    )
    return request


@transaction.atomic
def supplement_answer(*, actor: Actor, request_id: int, document_id: int) -> SupplementRequest:
    """Finance answers an approved request with an 追加 document (R-AJ-7): the document cites
    the request (``answer``) and increases lines of the requesting unit (or, for a department,
    of its subtree). One document answers one request."""
    ensure_permission(actor, "indicators.answer_supplementrequest")
    request = _locked(actor, request_id)
    document = (
        locks.document_qs_select_for_update().visible_to(actor).filter(pk=document_id).first()
    )
    if document is None:
        raise NotFoundError("indicator document")
    if request.state != SupplementState.APPROVED:
        raise BusinessRuleError.single(
            code="indicators.supplement_not_approved",
            rule=RULE,
            field="state",
            value=request.get_state_display(),
            limit=SupplementState.APPROVED.label,
            message_zh=f"追加申请 {request.number} 处于“{request.get_state_display()}”状态，"
            "审批通过后才能以追加指标答复",
            message_en=f"request {request.number} is {request.state}; only an approved request "
            "is answered",
            status=409,
        )
    errors = _answer_errors(request, document)
    raise_if_any(errors)
    request.answer = document
    request.save(update_fields=["answer", "updated_at"])
    audit_record(
        action="indicators.supplement_answer",
        actor=actor,
        obj=request,
        changes={
            "answer": [None, document.number],
            "state": [request.state, SupplementState.ANSWERED],
        },
    )
    request.state = SupplementState.ANSWERED
    request.save(update_fields=["state", "updated_at"])
    return request


def _answer_errors(request: SupplementRequest, document: IndicatorDocument) -> list[ErrorDetail]:
    errors: list[ErrorDetail] = []
    if document.kind != DocumentKind.INCREASE or document.state not in (
        DocumentState.DRAFT,
        DocumentState.POSTED,
    ):
        errors.append(
            _err(
                "indicators.answer_not_increase",
                "document_id",
                f"单据 {document.number} 不是有效的追加指标单",
                f"document {document.number} is not a live increase",
                rule=RULE,
                value=document.number,
                limit=DocumentKind.INCREASE,
            )
        )
    if SupplementRequest.objects.filter(answer=document).exclude(pk=request.pk).exists():
        errors.append(
            _err(
                "indicators.answer_taken",
                "document_id",
                f"追加指标单 {document.number} 已答复另一份追加申请",
                f"increase {document.number} already answers another request",
                rule=RULE,
                value=document.number,
            )
        )
    holder = request.organisation
    for line in document.lines.select_related("target__organisation"):
        target = line.target
        if target is None:
            continue
        assert target.organisation is not None
        inside = target.organisation_id == holder.pk or (
            holder.kind == OrganisationKind.DEPARTMENT
            and target.organisation.path.startswith(holder.path)
        )
        if not inside:
            errors.append(
                _err(
                    "indicators.answer_other_unit",
                    f"lines[{line.row}].target",
                    f"第 {line.row + 1} 行：指标 {target.code} 不属于提出申请的{holder.name}",
                    f"row {line.row + 1}: indicator {target.code} is not held by {holder.name}",
                    rule=RULE,
                    row=line.row,
                    value=target.code,
                    limit=holder.name,
                )
            )
    return errors
