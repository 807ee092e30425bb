"""The project library's declaration (issue 17 item 1): what a declaration holds, the checks at
submission and at storing (R-PJ-2, R-PJ-3, R-PJ-8, R-PJ-9, R-PJ-10, R-PF-5), the review chain
with reviews and expert scores, and the department's ranking (R-PJ-6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.demo.projects import complete_declaration
from yusuan.projects import rules, selectors
from yusuan.projects.choices import ProjectState, ReviewKind
from yusuan.projects.models import Project
from yusuan.projects.services import ProjectInput, project_create
from yusuan.projects.services.content import project_set_calculation, project_set_goal
from yusuan.projects.services.library import ExpertScore, project_rank, project_review_record
from yusuan.workflow import services as workflow
from yusuan.workflow.models import WorkflowInstance

pytestmark = pytest.mark.django_db

DECLARATION = "projects.declaration"


def _codes(exc: pytest.ExceptionInfo[BusinessRuleError]) -> set[str]:
    return {e.code for e in exc.value.errors}


def _new(user: Any, yuan: int = 300_000, username: str = "school_clerk", **kw: Any) -> Project:
    clerk = user(username)
    values: dict[str, Any] = {
        "name": "实验室设备购置",
        "category": "3",
        "kind": "new",
        "start_year": 2027,
        "end_year": 2027,
        "total_amount": Money.from_yuan(yuan),
        "fund_type": "111",
    }
    values.update(kw)
    return project_create(
        actor=clerk, organisation=clerk.organisation, fiscal_year=2026, data=ProjectInput(**values)
    )


def _submit(user: Any, project: Project, username: str = "school_clerk") -> WorkflowInstance:
    return workflow.document_submit(
        actor=user(username), document_type=DECLARATION, object_id=str(project.pk)
    )


def _walk(user: Any, instance: WorkflowInstance, *usernames: str) -> WorkflowInstance:
    for name in usernames:
        instance = workflow.instance_approve(actor=user(name), instance_id=instance.pk)
    return instance


def test_r_pj_8_personnel_and_public_funds_cannot_be_declared_by_hand(user: Any) -> None:
    for category in ("1", "21"):
        with pytest.raises(BusinessRuleError) as exc:
            _new(user, category=category)
        detail = exc.value.errors[0]
        assert (detail.code, detail.rule, detail.field, detail.value) == (
            "projects.system_category",
            "R-PJ-8",
            "category",
            category,
        )


def test_a_bare_declaration_is_refused_with_everything_it_lacks(user: Any) -> None:
    project = _new(user)
    with pytest.raises(BusinessRuleError) as exc:
        _submit(user, project)
    by_code = {e.code: e for e in exc.value.errors}
    assert set(by_code) == {
        "projects.plan_total_mismatch",  # R-PJ-3: no plan, Σ 0 ≠ 300,000.00
        "projects.basis_missing",  # R-PJ-9
        "projects.calculation_total_mismatch",  # R-PJ-9
        "projects.goal_missing",  # R-PJ-2
    }
    plan = by_code["projects.plan_total_mismatch"]
    assert (plan.rule, plan.field, plan.value, plan.limit) == (
        "R-PJ-3",
        "plans",
        "0.00",
        "300,000.00",
    )
    assert by_code["projects.goal_missing"].rule == "R-PJ-2"
    project.refresh_from_db()
    assert project.state == ProjectState.DRAFT
    assert not WorkflowInstance.objects.filter(object_id=str(project.pk)).exists()


def test_r_pj_3_plans_must_add_up_and_stay_in_the_years() -> None:
    errors = rules.plan_errors(
        total_fen=100_00,
        start_year=2027,
        end_year=2028,
        plans=[
            rules.PlanRow(2027, "111", 60_00),
            rules.PlanRow(2029, "111", 30_00),
            rules.PlanRow(2027, "111", 5_00),
        ],
        prefix="lines",
    )
    by_code = {e.code: e for e in errors}
    outside = by_code["projects.plan_year_outside"]
    assert (outside.field, outside.value, outside.limit) == ("lines[1].year", 2029, [2027, 2028])
    assert by_code["projects.plan_duplicate"].field == "lines[2].fund_type"
    total = by_code["projects.plan_total_mismatch"]
    assert (total.value, total.limit) == ("95.00", "100.00")
    assert not rules.plan_errors(
        total_fen=100_00,
        start_year=2027,
        end_year=2028,
        plans=[rules.PlanRow(2027, "111", 60_00), rules.PlanRow(2028, "111", 40_00)],
        prefix="lines",
    )


def test_r_pj_10_row_amount_is_price_times_quantity_and_within_the_standard() -> None:
    rows = [
        rules.CalcRow(2027, "专家咨询", "30226", 800_00, Decimal("2.5"), 2000_00),
        rules.CalcRow(2027, "会议", "30215", 700_00, Decimal(10), 7000_00, "expense.meeting.3"),
        rules.CalcRow(2027, "资料印刷", "30202", 12_34, Decimal(3), 37_00),
    ]
    errors, warnings = rules.calculation_errors(
        rows, standards={"expense.meeting.3": 450_00}, block_over_standard=False, prefix="lines"
    )
    assert [(e.code, e.field, e.value, e.limit) for e in errors] == [
        ("projects.calculation_amount_mismatch", "lines[2].amount", "37.00", "37.02")
    ]
    assert [(w.code, w.field, w.value, w.limit, w.rule) for w in warnings] == [
        (
            "projects.calculation_above_standard",
            "lines[1].unit_price",
            "700.00",
            "450.00",
            "R-PJ-10",
        )
    ]
    blocked, none = rules.calculation_errors(
        rows[1:2], standards={"expense.meeting.3": 450_00}, block_over_standard=True, prefix="x"
    )
    assert [e.code for e in blocked] == ["projects.calculation_above_standard"] and not none
    # Half up to the fen: 0.33 yuan × 1.5 = 0.495 → 0.50.
    assert rules.row_amount(33, Decimal("1.5")) == 50


def _goal(*levels: tuple[str, str], beneficiaries: bool = True, **kw: Any) -> rules.GoalFacts:
    return rules.GoalFacts(
        annual="年度内完成",
        has_beneficiaries=beneficiaries,
        indicators=[
            rules.IndicatorRow(
                l1,
                l2,
                f"指标{i}",
                kw.get("op", "gte"),
                kw.get("target", "1"),
                "项",
                kw.get("weights", [None] * len(levels))[i],
            )
            for i, (l1, l2) in enumerate(levels)
        ],
    )


def test_r_pf_5_goal_needs_output_benefit_and_satisfaction_where_people_are_served() -> None:
    only_output = _goal(("output", "quantity"))
    codes = {e.code: e for e in rules.goal_errors(only_output)}
    assert set(codes) == {"projects.goal_benefit_missing", "projects.goal_satisfaction_missing"}
    assert codes["projects.goal_benefit_missing"].rule == "R-PJ-2"
    assert codes["projects.goal_satisfaction_missing"].rule == "R-PF-5"
    assert codes["projects.goal_benefit_missing"].value == ["output"]
    # Without beneficiaries 满意度 is not required.
    assert not rules.goal_errors(
        _goal(("output", "quantity"), ("benefit", "social"), beneficiaries=False)
    )
    # A second level under the wrong first level; a quantitative target that is not a number.
    wrong = rules.GoalFacts(
        annual="x",
        has_beneficiaries=False,
        indicators=[
            rules.IndicatorRow("output", "social", "a", "gte", "1", "项"),
            rules.IndicatorRow("benefit", "social", "b", "gte", "显著", "项"),
            rules.IndicatorRow("benefit", "economic", "c", "qualitative", "明显提升"),
        ],
    )
    found = {(e.code, e.field) for e in rules.goal_errors(wrong)}
    assert found == {
        ("projects.goal_level_mismatch", "goal.indicators[0].level2"),
        ("projects.goal_target_not_numeric", "goal.indicators[1].target"),
    }


def test_r_pf_5_weights_add_up_to_90() -> None:
    levels = (("output", "quantity"), ("benefit", "social"), ("satisfaction", "served"))
    good = _goal(*levels, weights=[50, 30, 10])
    assert not rules.goal_errors(good)
    bad = _goal(*levels, weights=[50, 30, None])
    (error,) = rules.goal_errors(bad)
    assert (error.code, error.value, error.limit) == ("projects.goal_weights", 80, 90)


def test_refused_storage_without_a_benefit_indicator_then_stored_ranked(user: Any) -> None:
    """The browser journey's rules, through the services: declared with goals and calculation,
    refused without a 效益 indicator, accepted with it, through the chain, stored, ranked."""
    project = _new(user, 860_000)
    complete_declaration(user("school_clerk"), project)
    no_benefit = rules.GoalFacts(
        annual="完成智慧教室建设",
        has_beneficiaries=True,
        indicators=[
            rules.IndicatorRow("output", "quantity", "建成教室数", "gte", "12", "间"),
            rules.IndicatorRow("satisfaction", "served", "师生满意度", "gte", "90", "%"),
        ],
    )
    project_set_goal(actor=user("school_clerk"), project=project, goal=no_benefit)
    with pytest.raises(BusinessRuleError) as exc:
        _submit(user, project)
    (refusal,) = exc.value.errors
    assert (refusal.code, refusal.rule, refusal.field) == (
        "projects.goal_benefit_missing",
        "R-PJ-2",
        "goal.indicators",
    )
    with_benefit = rules.GoalFacts(
        annual=no_benefit.annual,
        has_beneficiaries=True,
        indicators=[
            *no_benefit.indicators,
            rules.IndicatorRow("benefit", "social", "受益学生人数", "gte", "1200", "人"),
        ],
    )
    project_set_goal(actor=user("school_clerk"), project=project, goal=with_benefit)
    instance = _submit(user, project)
    instance = _walk(user, instance, "school_approver", "edu_approver", "wj_sector_edu")
    project.refresh_from_db()
    assert project.state == ProjectState.FINANCE_REVIEWED
    instance = _walk(user, instance, "wj_performance", "wj_budget")
    project.refresh_from_db()
    assert project.state == ProjectState.STORED and project.stored_on is not None
    route = [s["key"] for s in instance.route]
    assert route == [
        "unit_approval",
        "department_review",
        "sector_review",
        "performance_review",
        "budget_review",
    ]
    other = _new(user, 120_000, name="图书更新")
    complete_declaration(user("school_clerk"), other)
    _walk(
        user,
        _submit(user, other),
        "school_approver",
        "edu_approver",
        "wj_sector_edu",
        "wj_performance",
        "wj_budget",
    )
    approver = user("edu_approver")
    candidates = [
        p.pk
        for p in selectors.ranking_candidates(
            actor=approver, department=approver.organisation, budget_year=2027
        )
    ]
    assert {project.pk, other.pk} <= set(candidates)
    with pytest.raises(BusinessRuleError) as exc:
        project_rank(
            actor=approver, department=approver.organisation, budget_year=2027, ordered=[other.pk]
        )
    assert _codes(exc) == {"projects.rank_incomplete"}
    assert (exc.value.errors[0].value, exc.value.errors[0].limit) == (1, len(candidates))
    rest = [pk for pk in candidates if pk not in (project.pk, other.pk)]
    changed = project_rank(
        actor=approver,
        department=approver.organisation,
        budget_year=2027,
        ordered=[other.pk, *rest, project.pk],
    )
    assert changed == len(candidates)
    project.refresh_from_db()
    other.refresh_from_db()
    assert (other.rank, project.rank) == (1, len(candidates))
    # A unit approver (not the department) may not rank.
    school_approver = user("school_approver")
    with pytest.raises(BusinessRuleError) as exc:
        project_rank(
            actor=school_approver,
            department=approver.organisation,
            budget_year=2027,
            ordered=[project.pk, other.pk],
        )
    assert _codes(exc) == {"projects.rank_not_department"}


def test_r_pj_9_large_new_project_needs_ex_ante_and_appraisal_with_expert_scores(
    user: Any,
) -> None:
    project = _new(user, 2_500_000)  # above both default thresholds (1 and 2 million)
    complete_declaration(user("school_clerk"), project)
    instance = _walk(
        user, _submit(user, project), "school_approver", "edu_approver", "wj_sector_edu"
    )
    assert [s["key"] for s in instance.route][-3:] == [
        "performance_review",
        "appraisal",
        "budget_review",
    ]
    with pytest.raises(BusinessRuleError) as exc:
        _walk(user, instance, "wj_performance")
    (missing,) = exc.value.errors
    assert (missing.code, missing.rule, missing.value, missing.limit) == (
        "projects.ex_ante_missing",
        "R-PJ-9",
        "2,500,000.00",
        "1,000,000.00",
    )
    project_review_record(
        actor=user("wj_performance"),
        project=project,
        kind=ReviewKind.EX_ANTE,
        conclusion="support",
        opinion="立项必要，绩效目标合理。",
    )
    instance = _walk(user, instance, "wj_performance")
    with pytest.raises(BusinessRuleError) as exc:
        _walk(user, instance, "wj_appraisal")
    assert _codes(exc) == {"projects.appraisal_missing"}
    with pytest.raises(BusinessRuleError) as exc:
        project_review_record(
            actor=user("wj_appraisal"),
            project=project,
            kind=ReviewKind.APPRAISAL,
            conclusion="revise",
            opinion="设备单价偏高",
            experts=[ExpertScore("张工", 85), ExpertScore("李工", 130)],
            approved_amount=Money.from_yuan(3_000_000),
        )
    found = {(e.code, e.field, str(e.value)) for e in exc.value.errors}
    assert found == {
        ("projects.review_score_range", "experts[1].score", "130"),
        ("projects.review_approved_above_asked", "approved_amount", "3,000,000.00"),
    }
    review = project_review_record(
        actor=user("wj_appraisal"),
        project=project,
        kind=ReviewKind.APPRAISAL,
        conclusion="revise",
        opinion="设备单价偏高，核减 30 万元",
        experts=[ExpertScore("张工", 85), ExpertScore("李工", 78), ExpertScore("王工", 80)],
        approved_amount=Money.from_yuan(2_200_000),
    )
    assert review.score == Decimal("81.00")
    project.refresh_from_db()
    assert project.approved_amount_fen == 2_200_000_00
    _walk(user, instance, "wj_appraisal", "wj_budget")
    project.refresh_from_db()
    assert project.state == ProjectState.STORED


def test_calculation_refuses_bad_rows_by_field(user: Any) -> None:
    project = _new(user)
    with pytest.raises(BusinessRuleError) as exc:
        project_set_calculation(
            actor=user("school_clerk"),
            project=project,
            rows=[
                rules.CalcRow(2027, "设备", "99999", 100_00, Decimal(2), 300_00),
                rules.CalcRow(2031, "", "31002", 100_00, Decimal(1), 100_00),
            ],
        )
    found = {(e.code, e.field) for e in exc.value.errors}
    assert ("projects.calculation_amount_mismatch", "lines[0].amount") in found
    assert ("projects.calculation_year_outside", "lines[1].year") in found
    assert ("projects.calculation_content_required", "lines[1].content") in found
    assert any(f == "lines[0].economic_code" for _, f in found)


def test_only_drafts_change_and_reviews_only_under_review(user: Any) -> None:
    project = _new(user)
    complete_declaration(user("school_clerk"), project)
    with pytest.raises(BusinessRuleError) as exc:
        project_review_record(
            actor=user("wj_performance"),
            project=project,
            kind=ReviewKind.EX_ANTE,
            conclusion="support",
            opinion="x",
        )
    assert _codes(exc) == {"projects.not_under_review"}
    _submit(user, project)
    with pytest.raises(BusinessRuleError) as exc:
        complete_declaration(user("school_clerk"), project)
    assert _codes(exc) == {"projects.not_editable"}
