"""No money without the library (R-PJ-1) and no 特定目标类 money without an approved goal (R-PF-1):
an indicator line on a project outside the library is refused, naming the row, the project's
state and the states allowed; a 特定目标类 declaration without its goal cannot be sent (R-PJ-2), so
never reaches the library, so never carries a line — R-PF-1 holds by those two checks."""

from __future__ import annotations

from typing import Any

import pytest
from tests.indicator_helpers import issue, spec

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.demo.projects import complete_declaration
from yusuan.indicators.models import IndicatorLine
from yusuan.projects.choices import FUNDABLE_STATES
from yusuan.projects.models import PerformanceGoal, Project
from yusuan.projects.services import ProjectInput, project_create
from yusuan.workflow import services as workflow

pytestmark = pytest.mark.django_db


def _draft(user: Any, name: str) -> Project:
    clerk = user("school_clerk")
    return project_create(
        actor=clerk,
        organisation=clerk.organisation,
        fiscal_year=2026,
        data=ProjectInput(
            name=name,
            category="3",
            kind="new",
            start_year=2026,
            end_year=2026,
            total_amount=Money.from_yuan(80_000),
            fund_type="111",
        ),
    )


def _line_on(user: Any, project: Project) -> list[Any]:
    school = user("school_clerk").organisation
    before = IndicatorLine.objects.count()
    with pytest.raises(BusinessRuleError) as refused:
        issue(user("wj_budget"), user("wj_budget_chief"), [(spec(school, project), 80_000_00)])
    assert IndicatorLine.objects.count() == before
    return refused.value.errors


def test_r_pj_1_a_project_outside_the_library_carries_no_line(user: Any) -> None:
    project = _draft(user, "草稿项目不得安排预算")
    [error] = _line_on(user, project)
    assert (error.code, error.rule, error.field, error.row) == (
        "indicators.project_not_in_library",
        "R-PJ-1",
        "lines[0].project",
        0,
    )
    assert (error.value, error.limit) == ("draft", sorted(FUNDABLE_STATES))
    assert project.code in error.message_zh and "草稿" in error.message_zh


def test_r_pf_1_a_specific_project_without_its_goal_is_never_funded(user: Any) -> None:
    project = _draft(user, "无绩效目标的特定目标类项目")
    complete_declaration(user("school_clerk"), project)
    PerformanceGoal.objects.filter(project=project).delete()  # everything but the goal
    with pytest.raises(BusinessRuleError) as sent:
        workflow.document_submit(
            actor=user("school_clerk"),
            document_type="projects.declaration",
            object_id=str(project.pk),
        )
    assert {(e.rule, e.field) for e in sent.value.errors} >= {("R-PJ-2", "goal")}
    project.refresh_from_db()
    assert project.state == "draft"
    [error] = _line_on(user, project)
    assert (error.code, error.rule) == ("indicators.project_not_in_library", "R-PJ-1")
