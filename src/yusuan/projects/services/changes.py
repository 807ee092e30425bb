"""项目调整 (R-PJ-11): a stored project's content, amount or years change only through a change
document with the declaration's review chain.

Starting a change keeps the project's content as it is (``before``) and opens it for editing with
the declaration's own editors; the project keeps its state meanwhile (a budgeted project keeps
carrying its indicator lines). The change is submitted to the chain; approval raises the
project's version and keeps what was approved (``after``); a withdrawal or rejection puts the
content back as it was. Once budgeted, the amounts of years already budgeted change only through
indicator 追加/调剂, never here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from yusuan.audit.services import audit_record, state_change
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.core.services.sequences import next_number
from yusuan.projects import locks
from yusuan.projects.choices import (
    CHANGEABLE_STATES,
    OPEN_CHANGE_STATES,
    SYSTEM_CATEGORIES,
    ChangeState,
)
from yusuan.projects.models import (
    CalculationRow,
    GoalIndicator,
    PerformanceGoal,
    Project,
    ProjectChange,
    ProjectPlan,
)
from yusuan.projects.selectors import content_of


def restore(project: Project, content: dict[str, Any]) -> None:
    """Put ``content`` (from :func:`content_of`) back on the project, rows replaced whole."""
    for name, value in content["header"].items():
        setattr(project, name, value)
    project.save()
    project.plans.all().delete()
    ProjectPlan.objects.bulk_create(
        ProjectPlan(project=project, year=y, fund_type=f, amount_fen=a)
        for y, f, a in content["plans"]
    )
    project.calculation.all().delete()
    CalculationRow.objects.bulk_create(
        CalculationRow(
            project=project, position=i + 1, **{**row, "quantity": Decimal(row["quantity"])}
        )
        for i, row in enumerate(content["calculation"])
    )
    PerformanceGoal.objects.filter(project=project).delete()
    goal = content["goal"]
    if goal is not None:
        saved = PerformanceGoal.objects.create(
            project=project,
            annual=goal["annual"],
            medium_term=goal["medium_term"],
            has_beneficiaries=goal["has_beneficiaries"],
        )
        GoalIndicator.objects.bulk_create(
            GoalIndicator(goal=saved, position=i + 1, **row)
            for i, row in enumerate(goal["indicators"])
        )


@transaction.atomic
def change_start(*, actor: Actor, project: Project, reason: str) -> ProjectChange:
    """Open a 项目调整 on a stored (or budgeted, executing, carried-over) project."""
    ensure_permission(actor, "projects.change_project")
    locked = locks.project_qs_select_for_update().visible_to(actor).filter(pk=project.pk).first()
    if locked is None:
        raise BusinessRuleError.single(
            code="not_found", message_zh="项目不存在", message_en="project not found", status=404
        )
    ensure_in_scope(actor, mof_div_code=locked.mof_div_code, organisation_id=locked.organisation_id)
    errors: list[ErrorDetail] = []
    if locked.state not in CHANGEABLE_STATES:
        errors.append(
            ErrorDetail(
                code="projects.change_not_stored",
                rule="R-PJ-11",
                field="state",
                value=locked.get_state_display(),
                limit=sorted(CHANGEABLE_STATES),
                message_zh=f"项目处于“{locked.get_state_display()}”状态：只有已入库的项目通过"
                "项目调整修改（草稿直接编辑）",
                message_en=f"the project is {locked.state}: only a stored project is changed by a"
                " project change (a draft is edited directly)",
            )
        )
    if locked.category in SYSTEM_CATEGORIES:
        errors.append(
            ErrorDetail(
                code="projects.system_category",
                rule="R-PJ-8",
                field="category",
                value=locked.category,
                message_zh="人员类和公用经费项目由系统根据人员信息库和定额标准计算，"
                "通过人员变动或定额调整变化，不能发起项目调整",
                message_en="人员类 and 公用经费 projects follow the personnel database and the"
                " quotas; they are not changed by a project change",
            )
        )
    if not reason.strip():
        errors.append(
            ErrorDetail(
                code="projects.change_reason_required",
                rule="R-PJ-11",
                field="reason",
                message_zh="请说明调整原因",
                message_en="give the reason for the change",
            )
        )
    open_change = locked.changes.filter(state__in=OPEN_CHANGE_STATES).first()
    if open_change is not None:
        errors.append(
            ErrorDetail(
                code="projects.change_already_open",
                rule="R-PJ-11",
                field="project",
                value=open_change.number,
                message_zh=f"项目已有未办结的调整 {open_change.number}",
                message_en=f"the project already has an open change {open_change.number}",
            )
        )
    raise_if_any(errors)
    number = next_number(
        mof_div_code=locked.mof_div_code, fiscal_year=locked.fiscal_year, series="project_change"
    )
    change = ProjectChange.objects.create(
        mof_div_code=locked.mof_div_code,
        fiscal_year=locked.fiscal_year,
        number=f"XMTZ{locked.fiscal_year}{number:06d}",
        organisation_id=locked.organisation_id,
        project=locked,
        reason=reason.strip(),
        from_version=locked.version,
        project_state=locked.state,
        before=content_of(locked),
        created_by_id=actor.pk,
    )
    audit_record(
        action="projects.change.start",
        actor=actor,
        obj=change,
        extra={"project": locked.code, "version": locked.version, "reason": change.reason},
    )
    return change


def change_set_state(
    *, actor: Actor | None, change: ProjectChange, state: ChangeState, why: str
) -> None:
    state_change(action="projects.change.state", actor=actor, obj=change, state=state, why=why)


def change_close(
    *, actor: Actor | None, change: ProjectChange, state: ChangeState, why: str
) -> None:
    """Withdrawn for good or rejected: the project's content goes back to ``before``."""
    project = locks.project_qs_select_for_update().get(pk=change.project_id)
    restore(project, change.before)
    change_set_state(actor=actor, change=change, state=state, why=why)


def change_apply(*, actor: Actor | None, change: ProjectChange) -> None:
    """Approved: the project's version rises; what was approved is kept with the change."""
    project = locks.project_qs_select_for_update().get(pk=change.project_id)
    change.after = content_of(project)
    change.save(update_fields=["after", "updated_at"])
    project.version = change.from_version + 1
    project.save(update_fields=["version", "updated_at"])
    audit_record(
        action="projects.change.applied",
        actor=actor,
        obj=project,
        changes={"version": [change.from_version, project.version]},
        extra={"change": change.number},
    )
    change_set_state(actor=actor, change=change, state=ChangeState.APPROVED, why="approved")


@transaction.atomic
def change_cancel(*, actor: Actor, change: ProjectChange) -> None:
    """The unit drops a draft change: the content goes back as it was."""
    ensure_permission(actor, "projects.change_project")
    found = locks.change_qs_select_for_update().visible_to(actor).filter(pk=change.pk).first()
    if found is None:
        raise BusinessRuleError.single(
            code="not_found", message_zh="调整单不存在", message_en="change not found", status=404
        )
    if found.state != ChangeState.DRAFT:
        raise BusinessRuleError.single(
            code="projects.change_not_draft",
            rule="R-PJ-11",
            field="state",
            value=found.get_state_display(),
            message_zh=f"调整单处于“{found.get_state_display()}”状态，不能取消",
            message_en=f"the change is {found.state} and cannot be cancelled",
            status=409,
        )
    change_close(actor=actor, change=found, state=ChangeState.WITHDRAWN, why="cancelled")
