"""A stored project's life after 入库 (issue 17 item 1): changes through 项目调整 (R-PJ-11),
termination, completion and removal (R-PJ-4), and the rolling library (R-PJ-12)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.demo.projects import complete_declaration
from yusuan.indicators.models import IndicatorLine
from yusuan.projects import rules
from yusuan.projects.choices import ChangeState, ProjectState
from yusuan.projects.models import Project, ProjectChange
from yusuan.projects.services import ProjectInput, as_input, project_create, project_update
from yusuan.projects.services.changes import change_cancel, change_start
from yusuan.projects.services.content import project_set_calculation, project_set_plans
from yusuan.projects.services.library import library_roll, project_end, stale_projects
from yusuan.projects.workflow import CHANGE_TYPE
from yusuan.workflow import services as workflow
from yusuan.workflow.models import WorkflowInstance

pytestmark = pytest.mark.django_db

CHAIN = ("school_approver", "edu_approver", "wj_sector_edu", "wj_performance", "wj_budget")


def _codes(exc: pytest.ExceptionInfo[BusinessRuleError]) -> set[str]:
    return {e.code for e in exc.value.errors}


def _walk(user: Any, instance: WorkflowInstance, *names: str) -> WorkflowInstance:
    for name in names:
        instance = workflow.instance_approve(actor=user(name), instance_id=instance.pk)
    return instance


def stored_project(user: Any, yuan: int = 400_000, **kw: Any) -> Project:
    clerk = user("school_clerk")
    values: dict[str, Any] = {
        "name": "校园绿化提升",
        "category": "3",
        "kind": "new",
        "start_year": 2027,
        "end_year": 2027,
        "total_amount": Money.from_yuan(yuan),
        "fund_type": "111",
    }
    values.update(kw)
    project = project_create(
        actor=clerk, organisation=clerk.organisation, fiscal_year=2026, data=ProjectInput(**values)
    )
    complete_declaration(clerk, project)
    instance = workflow.document_submit(
        actor=clerk, document_type="projects.declaration", object_id=str(project.pk)
    )
    _walk(user, instance, *CHAIN)
    project.refresh_from_db()
    assert project.state == ProjectState.STORED
    return project


def _submit_change(user: Any, change: ProjectChange) -> WorkflowInstance:
    return workflow.document_submit(
        actor=user("school_clerk"), document_type=CHANGE_TYPE, object_id=str(change.pk)
    )


def _raise_total(user: Any, project: Project, yuan: int) -> None:
    clerk = user("school_clerk")
    values = as_input(project)
    values["total_amount"] = Money.from_yuan(yuan)
    project_update(actor=clerk, project=project, data=ProjectInput(**values))
    project.refresh_from_db()
    project_set_plans(
        actor=clerk,
        project=project,
        rows=[rules.PlanRow(project.budget_year, "111", project.total_amount_fen)],
    )
    fen = project.total_amount_fen
    project_set_calculation(
        actor=clerk,
        project=project,
        rows=[rules.CalcRow(project.budget_year, "苗木及种植", "30299", fen, Decimal(1), fen)],
    )


def test_r_pj_11_a_stored_project_changes_only_through_a_change(user: Any) -> None:
    project = stored_project(user)
    clerk = user("school_clerk")
    with pytest.raises(BusinessRuleError) as exc:
        project_set_plans(actor=clerk, project=project, rows=[])
    (refusal,) = exc.value.errors
    assert (refusal.code, refusal.rule) == ("projects.not_editable", "R-PJ-11")

    change = change_start(actor=clerk, project=project, reason="增加节水灌溉设施")
    with pytest.raises(BusinessRuleError) as exc:
        change_start(actor=clerk, project=project, reason="again")
    assert _codes(exc) == {"projects.change_already_open"}
    _raise_total(user, project, 450_000)
    instance = _walk(user, _submit_change(user, change), *CHAIN)
    assert instance.state == "approved"
    change.refresh_from_db()
    project.refresh_from_db()
    assert change.state == ChangeState.APPROVED
    assert (project.version, project.total_amount_fen, project.state) == (2, 45_000_000, "stored")
    assert change.before["header"]["total_amount_fen"] == 40_000_000
    assert change.after["header"]["total_amount_fen"] == 45_000_000
    # Closed: the project is locked again.
    with pytest.raises(BusinessRuleError):
        project_set_plans(actor=clerk, project=project, rows=[])


def test_a_rejected_or_cancelled_change_puts_the_content_back(user: Any) -> None:
    project = stored_project(user)
    clerk = user("school_clerk")
    change = change_start(actor=clerk, project=project, reason="扩大范围")
    _raise_total(user, project, 900_000)
    instance = _submit_change(user, change)
    workflow.instance_reject(
        actor=user("school_approver"), instance_id=instance.pk, reason="不必要"
    )
    project.refresh_from_db()
    change.refresh_from_db()
    assert change.state == ChangeState.REJECTED
    assert project.total_amount_fen == 40_000_000
    assert [p.amount_fen for p in project.plans.all()] == [40_000_000]
    assert sum(r.amount_fen for r in project.calculation.all()) == 40_000_000
    assert project.goal.indicators.count() == 5

    again = change_start(actor=clerk, project=project, reason="再次调整")
    _raise_total(user, project, 500_000)
    change_cancel(actor=clerk, change=again)
    project.refresh_from_db()
    assert project.total_amount_fen == 40_000_000
    assert ProjectChange.objects.get(pk=again.pk).state == ChangeState.WITHDRAWN


def test_r_pj_11_a_budgeted_year_keeps_its_amount(user: Any) -> None:
    project = stored_project(user, start_year=2026, end_year=2026)  # this year's money
    Project.objects.filter(pk=project.pk).update(state=ProjectState.BUDGETED)
    project.refresh_from_db()
    change = change_start(actor=user("school_clerk"), project=project, reason="追加内容")
    _raise_total(user, project, 480_000)
    with pytest.raises(BusinessRuleError) as exc:
        _submit_change(user, change)
    (refusal,) = exc.value.errors
    assert (refusal.code, refusal.rule, refusal.value, refusal.limit) == (
        "projects.change_budgeted_year",
        "R-PJ-11",
        "480,000.00",
        "400,000.00",
    )


def test_a_draft_is_edited_not_changed(user: Any) -> None:
    clerk = user("school_clerk")
    draft = Project.objects.filter(organisation=clerk.organisation, state="draft").first()
    with pytest.raises(BusinessRuleError) as exc:
        change_start(actor=clerk, project=draft, reason="x")
    assert _codes(exc) == {"projects.change_not_stored"}


def test_r_pj_4_money_in_flight_stops_termination_and_lines_stop_voiding(user: Any) -> None:
    line = IndicatorLine.objects.filter(frozen__gt=0, project__isnull=False).first()
    assert line is not None
    project = line.project
    clerk = user("school_clerk")
    with pytest.raises(BusinessRuleError) as exc:
        project_end(actor=clerk, project=project, ending="terminate", reason="政策调整")
    (refusal,) = exc.value.errors
    assert (refusal.code, refusal.rule) == ("projects.money_in_flight", "R-PJ-4")
    assert refusal.limit == "0.00"
    with pytest.raises(BusinessRuleError) as exc:
        project_end(actor=clerk, project=project, ending="void", reason="x")
    # Budgeted, with lines: terminate, never void.
    assert _codes(exc) == {"projects.cannot_void", "projects.void_has_indicators"}

    stored = stored_project(user)
    IndicatorLine.objects.filter(pk=line.pk).update(project=stored)  # as if it had a line
    with pytest.raises(BusinessRuleError) as exc:
        project_end(actor=clerk, project=stored, ending="void", reason="不再实施")
    assert _codes(exc) == {"projects.void_has_indicators"}


def test_a_project_without_money_in_flight_terminates_and_a_stored_one_is_removed(
    user: Any,
) -> None:
    clerk = user("school_clerk")
    quiet = (
        Project.objects.filter(organisation=clerk.organisation, state="budgeted")
        .exclude(pk__in=IndicatorLine.objects.filter(frozen__gt=0).values("project"))
        .exclude(pk__in=IndicatorLine.objects.filter(reserved__gt=0).values("project"))
        .first()
    )
    assert quiet is not None
    with pytest.raises(BusinessRuleError) as exc:
        project_end(actor=clerk, project=quiet, ending="terminate", reason=" ")
    assert _codes(exc) == {"projects.end_reason_required"}
    project_end(actor=clerk, project=quiet, ending="terminate", reason="上级政策取消")
    quiet.refresh_from_db()
    assert (quiet.state, quiet.end_reason) == ("terminated", "上级政策取消")
    assert quiet.ended_on is not None

    stored = stored_project(user)
    project_end(actor=user("wj_budget"), project=stored, ending="void", reason="出库")
    stored.refresh_from_db()
    assert stored.state == ProjectState.VOID
    # A unit clerk of another school cannot even find it.
    with pytest.raises(BusinessRuleError):
        project_end(actor=user("hospital_clerk"), project=quiet, ending="complete", reason="x")


def test_r_pj_12_unfunded_projects_roll_once_and_stale_ones_are_listed(user: Any) -> None:
    project = stored_project(user)
    assert project.budget_year == 2027
    budget = user("wj_budget")
    first = library_roll(actor=budget, mof_div_code="320509", from_year=2027)
    project.refresh_from_db()
    assert project.pool_year == 2028 and project.budget_year == 2028
    assert first.offered >= 1
    again = library_roll(actor=budget, mof_div_code="320509", from_year=2027)
    assert again.offered == 0
    # 3 budget years (the default of project.stale_years) after the year it asked for.
    assert project not in stale_projects(mof_div_code="320509", year=2029)
    assert project in stale_projects(mof_div_code="320509", year=2030)
    with pytest.raises(BusinessRuleError) as exc:
        library_roll(actor=user("school_clerk"), mof_div_code="320509", from_year=2027)
    assert _codes(exc) == {"permission_denied"}


def test_r_pj_8_a_computed_project_is_not_changed_by_hand(user: Any) -> None:
    clerk = user("school_clerk")
    computed = Project.objects.filter(
        organisation=clerk.organisation, category="1", state__in=["stored", "budgeted"]
    ).first()
    assert computed is not None
    with pytest.raises(BusinessRuleError) as exc:
        change_start(actor=clerk, project=computed, reason="人员增加")
    assert ("projects.system_category", "R-PJ-8") in {(e.code, e.rule) for e in exc.value.errors}
