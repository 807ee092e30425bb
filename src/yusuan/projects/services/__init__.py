"""Project services: create and edit drafts. Declaration goes through the approval engine
(``projects.declaration``), whose hooks below move the project's state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from yusuan.audit.services import audit_record, diff, snapshot, state_change
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import CodeKind
from yusuan.core.models import Organisation
from yusuan.core.services.sequences import next_number
from yusuan.core.validation import ElementValue, element_errors
from yusuan.projects import locks
from yusuan.projects.choices import (
    CHANGEABLE_STATES,
    DECLARED_CATEGORIES,
    DECLARED_FIELDS,
    EDITABLE_STATES,
    SYSTEM_CATEGORIES,
    ChangeState,
    ProjectKind,
    ProjectState,
)
from yusuan.projects.models import Project

AUDITED = (*DECLARED_FIELDS, "state")
MAX_YEARS = 10


@dataclass(frozen=True)
class ProjectInput:
    name: str
    category: str
    kind: str
    start_year: int
    end_year: int
    total_amount: Money
    fund_type: str
    basis: str = ""
    content: str = ""
    is_procurement: bool = False
    is_three_public: bool = False
    is_research: bool = False
    is_infrastructure: bool = False
    infrastructure_doc_no: str = ""
    is_gov_service: bool = False
    track_code: str = ""


def _errors(
    data: ProjectInput, *, mof_div_code: str, fiscal_year: int, system: bool = False
) -> list[ErrorDetail]:
    errors = element_errors(
        mof_div_code=mof_div_code,
        fiscal_year=fiscal_year,
        elements=[
            ElementValue("category", CodeKind.PROJECT_CATEGORY, data.category),
            ElementValue("fund_type", CodeKind.FUND_TYPE, data.fund_type),
        ],
    )
    if data.category in SYSTEM_CATEGORIES and not system:
        errors.append(
            ErrorDetail(
                code="projects.system_category",
                rule="R-PJ-8",
                field="category",
                value=data.category,
                limit=sorted(DECLARED_CATEGORIES),
                message_zh="人员类和公用经费项目由系统根据人员信息库和定额标准生成，不能手工申报",
                message_en="人员类 and 公用经费 projects are computed from the personnel database"
                " and the quotas; they cannot be declared by hand",
            )
        )
    if not data.name.strip():
        errors.append(
            ErrorDetail(
                code="projects.name_required",
                field="name",
                message_zh="项目名称不能为空",
                message_en="the project name is required",
            )
        )
    if data.kind not in ProjectKind.values:
        errors.append(
            ErrorDetail(
                code="projects.bad_kind",
                field="kind",
                value=data.kind,
                limit=list(ProjectKind.values),
                message_zh="项目属性无效",
                message_en="unknown project kind",
            )
        )
    if data.total_amount.fen <= 0:
        errors.append(
            ErrorDetail(
                code="projects.amount_not_positive",
                rule="R-PJ-3",
                field="total_amount",
                value=data.total_amount.format(),
                limit="> 0",
                message_zh=f"项目总额必须大于 0（当前 {data.total_amount.format()} 元）",
                message_en=f"the total must be above 0 (got {data.total_amount.format()})",
            )
        )
    if data.start_year < fiscal_year:
        errors.append(
            ErrorDetail(
                code="projects.start_before_year",
                field="start_year",
                value=data.start_year,
                limit=fiscal_year,
                message_zh=f"实施期起始年度 {data.start_year} 早于申报年度 {fiscal_year}",
                message_en=f"the first year {data.start_year} is before {fiscal_year}",
            )
        )
    if data.end_year < data.start_year:
        errors.append(
            ErrorDetail(
                code="projects.years_reversed",
                field="end_year",
                value=data.end_year,
                limit=data.start_year,
                message_zh=f"实施期结束年度 {data.end_year} 早于起始年度 {data.start_year}",
                message_en=f"the last year {data.end_year} is before the first {data.start_year}",
            )
        )
    elif data.end_year - data.start_year + 1 > MAX_YEARS:
        errors.append(
            ErrorDetail(
                code="projects.too_long",
                field="end_year",
                value=data.end_year - data.start_year + 1,
                limit=MAX_YEARS,
                message_zh=f"实施期最长 {MAX_YEARS} 年",
                message_en=f"a project lasts at most {MAX_YEARS} years",
            )
        )
    return errors


def _apply(project: Project, data: ProjectInput) -> None:
    project.name = data.name.strip()
    project.category = data.category
    project.kind = data.kind
    project.start_year = data.start_year
    project.end_year = data.end_year
    project.total_amount_fen = data.total_amount.fen
    project.fund_type = data.fund_type
    project.basis = data.basis.strip()
    project.content = data.content.strip()
    project.is_procurement = data.is_procurement
    project.is_three_public = data.is_three_public
    project.is_research = data.is_research
    project.is_infrastructure = data.is_infrastructure
    project.infrastructure_doc_no = data.infrastructure_doc_no.strip()
    project.is_gov_service = data.is_gov_service
    project.track_code = data.track_code.strip()


PROJECT_CODE_LENGTH = 21


def project_code(mof_div_code: str, fiscal_year: int, sequence: int) -> str:
    """R-PJ-13 (DOMAIN-2 §2.2): the 21-character code of the 一体化 systems, 6-digit region +
    2-digit year of declaration + 13-digit sequence (DOMAIN §2.3's observed example
    ``3213222200001000016xx``); unique in the region and kept for the project's whole life
    (R-PJ-4). Codes issued before (14 characters: a 6-digit sequence) stay as they are: the
    sequence series is the same, and codes of two lengths cannot collide (ADR 0033)."""
    prefix = f"{mof_div_code[:6]}{fiscal_year % 100:02d}"
    return f"{prefix}{sequence:0{PROJECT_CODE_LENGTH - len(prefix)}d}"


@transaction.atomic
def project_create(
    *,
    actor: Actor,
    organisation: Organisation,
    fiscal_year: int,
    data: ProjectInput,
    system: bool = False,
) -> Project:
    """A draft declaration. ``system`` is for R-PJ-8's computed 人员类 and 公用经费 projects
    (``projects.library.system_project``), never a unit's own input."""
    ensure_permission(actor, "projects.add_project")
    ensure_in_scope(actor, mof_div_code=organisation.mof_div_code, organisation_id=organisation.pk)
    if not organisation.is_agency:
        raise BusinessRuleError.single(
            code="projects.not_an_agency",
            field="organisation",
            value=organisation.name,
            message_zh=f"{organisation.name}不是预算单位，不能申报项目",
            message_en=f"{organisation.name} is not a budget unit",
        )
    raise_if_any(
        _errors(
            data, mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year, system=system
        )
    )
    sequence = next_number(
        mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year, series="project"
    )
    code = project_code(organisation.mof_div_code, fiscal_year, sequence)
    project = Project(
        mof_div_code=organisation.mof_div_code,
        fiscal_year=fiscal_year,
        code=code,
        organisation=organisation,
        created_by_id=actor.pk,
    )
    _apply(project, data)
    project.save()
    audit_record(
        action="projects.create",
        actor=actor,
        obj=project,
        changes={k: [None, v] for k, v in snapshot(project, AUDITED).items()},
    )
    return project


@transaction.atomic  # not durable: the API calls it inside its idempotent write (run_once)
def project_update(*, actor: Actor, project: Project, data: ProjectInput) -> Project:
    locked = locked_draft(actor=actor, project=project)
    raise_if_any(_errors(data, mof_div_code=locked.mof_div_code, fiscal_year=locked.fiscal_year))
    before = snapshot(locked, AUDITED)
    _apply(locked, data)
    locked.save()
    changes = diff(before, snapshot(locked, AUDITED))
    if changes:
        audit_record(action="projects.update", actor=actor, obj=locked, changes=changes)
    return locked


def locked_draft(*, actor: Actor, project: Project) -> Project:
    """The project locked for an edit of its declaration, if the actor may edit it and it is a
    draft (R-PJ-11: a stored project changes only through a 项目调整)."""
    ensure_permission(actor, "projects.change_project")
    locked = locks.project_qs_select_for_update().visible_to(actor).filter(pk=project.pk).first()
    if locked is None:
        raise BusinessRuleError.single(
            code="not_found", message_zh="对象不存在或无权访问", message_en="project not found"
        )
    if locked.state not in EDITABLE_STATES and not is_being_changed(locked):
        stored = locked.state in CHANGEABLE_STATES
        raise BusinessRuleError.single(
            code="projects.not_editable",
            rule="R-PJ-11" if stored else None,
            field="state",
            value=locked.get_state_display(),
            message_zh=f"项目处于“{locked.get_state_display()}”状态，不能修改；"
            + ("请发起项目调整" if stored else "请先撤回或等待退回"),
            message_en=f"the project is {locked.state} and cannot be edited"
            + ("; start a project change (项目调整)" if stored else ""),
            status=409,
        )
    return locked


def is_being_changed(project: Project) -> bool:
    """R-PJ-11: a draft 项目调整 is open, so the unit edits the project's content."""
    return project.changes.filter(state=ChangeState.DRAFT).exists()


def project_set_state(
    *, actor: Actor | None, project: Project, state: ProjectState, why: str
) -> None:
    """Called by the declaration workflow's hooks, inside their transaction."""
    state_change(action="projects.state", actor=actor, obj=project, state=state, why=why)


def as_input(project: Project) -> dict[str, Any]:
    return {
        "name": project.name,
        "category": project.category,
        "kind": project.kind,
        "start_year": project.start_year,
        "end_year": project.end_year,
        "total_amount": Money(project.total_amount_fen),
        "fund_type": project.fund_type,
        "basis": project.basis,
        "content": project.content,
        "is_procurement": project.is_procurement,
        "is_three_public": project.is_three_public,
        "is_research": project.is_research,
        "is_infrastructure": project.is_infrastructure,
        "infrastructure_doc_no": project.infrastructure_doc_no,
        "is_gov_service": project.is_gov_service,
        "track_code": project.track_code,
    }
