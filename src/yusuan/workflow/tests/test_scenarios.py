"""Each shipped approval configuration end to end (P8, R-AJ-2, R-AJ-3, R-PY-6), with return,
withdraw, delegation, an overdue step over a Chinese public holiday, and definition edits."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

import pytest
import time_machine

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.demo.projects import complete_declaration
from yusuan.identity.models import Role, User
from yusuan.projects.models import Project
from yusuan.projects.services import ProjectInput, project_create
from yusuan.workflow import routing, selectors, services
from yusuan.workflow.models import ApprovalDefinition, Delegation, Notification, WorkflowInstance
from yusuan.workflow.tests.documents import Paper, PaperHandler, attached

SHANGHAI = ZoneInfo("Asia/Shanghai")
_ids = itertools.count(9000)


def _route(instance: WorkflowInstance) -> list[str]:
    return [step["key"] for step in instance.route]


def _approve_all(
    instance: WorkflowInstance, *usernames: str, user: Callable[[str], Any]
) -> WorkflowInstance:
    for name in usernames:
        instance = services.instance_approve(
            actor=user(name), instance_id=instance.pk, expected_step=instance.step_index
        )
    return instance


@pytest.fixture
def adjustments(db: Any) -> Iterator[PaperHandler]:
    with attached("indicators.adjustment") as handler:
        yield handler


@pytest.fixture
def payments(db: Any) -> Iterator[PaperHandler]:
    with attached("payments.request") as handler:
        yield handler


def _paper(handler: PaperHandler, clerk: Any, **kw: Any) -> Paper:
    return handler.add(
        Paper(
            pk=next(_ids),
            organisation_id=clerk.organisation_id,
            title=kw.pop("title", "测试单据"),
            entered_by_id=clerk.pk,
            **kw,
        )
    )


def _submit(handler_code: str, paper: Paper, clerk: Any) -> WorkflowInstance:
    return services.document_submit(
        actor=clerk, document_type=handler_code, object_id=str(paper.pk)
    )


# --- 预算调剂 (R-AJ-2, R-AJ-3) ---------------------------------------------------------------------


def test_procurement_split_takes_effect_with_the_department(
    adjustments: PaperHandler, user: Any
) -> None:
    clerk = user("school_clerk")
    paper = _paper(
        adjustments, clerk, subtype="procurement_split", amount_fen=Money.from_yuan(30000).fen
    )
    instance = _submit("indicators.adjustment", paper, clerk)
    assert instance.definition.code == "adjustment-procurement-split"
    assert _route(instance) == ["unit_approval", "department_approval"]
    assert instance.route[1]["organisation_name"] == "苏州市吴江区教育局"
    instance = _approve_all(instance, "school_approver", "edu_approver", user=user)
    assert instance.state == "approved"
    assert paper.state == "effective"
    assert paper.hooks == [
        "submitted",
        "step:unit_approval",
        "step:department_approval",
        "approved",
    ]


def test_research_items_are_decided_inside_the_unit(adjustments: PaperHandler, user: Any) -> None:
    """Seed 000's complaint: research 调剂 waited for the ministry. Here it never leaves the unit."""
    clerk = user("school_clerk")
    paper = _paper(adjustments, clerk, subtype="research_items", flags=frozenset({"research"}))
    instance = _submit("indicators.adjustment", paper, clerk)
    assert _route(instance) == ["unit_review", "unit_approval"]
    assert {s["organisation_name"] for s in instance.route} == {"吴江区松陵实验小学"}
    instance = _approve_all(instance, "school_reviewer", "school_approver", user=user)
    assert instance.state == "approved"


def test_across_projects_goes_to_the_finance_bureau(adjustments: PaperHandler, user: Any) -> None:
    clerk = user("school_clerk")
    paper = _paper(adjustments, clerk, subtype="across_projects", amount_fen=8_000_000)
    instance = _submit("indicators.adjustment", paper, clerk)
    assert instance.definition.code == "adjustment-finance"
    assert _route(instance) == [
        "unit_approval",
        "department_approval",
        "sector_review",
        "budget_approval",
    ]
    assert instance.route[2]["organisation_name"] == "苏州市吴江区财政局教科文科"
    instance = _approve_all(
        instance, "school_approver", "edu_approver", "wj_sector_edu", "wj_budget", user=user
    )
    assert instance.state == "approved"


def test_increasing_three_public_needs_finance_even_inside_a_project(
    adjustments: PaperHandler, user: Any
) -> None:
    """R-AJ-3 wins over the delegated procurement-split route."""
    clerk = user("school_clerk")
    paper = _paper(
        adjustments,
        clerk,
        subtype="procurement_split",
        flags=frozenset({"three_public_increase"}),
    )
    instance = _submit("indicators.adjustment", paper, clerk)
    assert instance.definition.code == "adjustment-finance"
    assert "budget_approval" in _route(instance)


def test_a_department_own_adjustment_has_one_department_step(
    adjustments: PaperHandler, user: Any
) -> None:
    """Unit and department are the same organisation: the same people decide once."""
    clerk = user("edu_clerk")
    paper = _paper(adjustments, clerk, subtype="procurement_split")
    instance = _submit("indicators.adjustment", paper, clerk)
    assert _route(instance) == ["unit_approval"]


# --- 支付申请 (R-PY-6, treasury above the threshold) ------------------------------------------------


@pytest.mark.parametrize(
    ("yuan", "route"),
    [
        pytest.param(499_999.99, ["unit_review", "unit_approval"], id="below_threshold_case"),
        pytest.param(
            500_000, ["unit_review", "unit_approval", "treasury_review"], id="at_threshold_case"
        ),
    ],
)
def test_payment_request_route_by_amount(
    payments: PaperHandler, user: Any, yuan: float, route: list[str]
) -> None:
    clerk = user("school_clerk")
    paper = _paper(payments, clerk, subtype="ordinary", amount_fen=Money.from_yuan(str(yuan)).fen)
    instance = _submit("payments.request", paper, clerk)
    assert _route(instance) == route
    names = ["school_reviewer", "school_approver", "wj_treasury"][: len(route)]
    assert _approve_all(instance, *names, user=user).state == "approved"


def test_holding_an_incompatible_role_of_the_route_blocks(
    payments: PaperHandler, user: Any
) -> None:
    """R-WF-3: a reviewer who also holds 审核 may not review a document whose route has 审核."""
    from yusuan.identity.models import Role

    reviewer = user("school_reviewer")
    reviewer.roles.add(Role.objects.get(code="unit_approver"))
    clerk = user("school_clerk")
    instance = _submit(
        "payments.request", _paper(payments, clerk, subtype="ordinary", amount_fen=1), clerk
    )
    with pytest.raises(BusinessRuleError) as caught:
        services.instance_approve(actor=reviewer, instance_id=instance.pk)
    error = caught.value.errors[0]
    assert (error.rule, error.field, error.limit, caught.value.status) == (
        "R-WF-3",
        "actor",
        "unit_approver",
        403,
    )
    assert "单位审核" in error.message_zh


def test_one_person_never_decides_two_steps(payments: PaperHandler, user: Any) -> None:
    """R-WF-2 holds even when the administrator removes the pair from the matrix (configuration)."""
    from yusuan.identity.models import IncompatibleRolePair, Role

    IncompatibleRolePair.objects.filter(
        first__code="unit_reviewer", second__code="unit_approver"
    ).delete()
    reviewer = user("school_reviewer")
    reviewer.roles.add(Role.objects.get(code="unit_approver"))
    clerk = user("school_clerk")
    instance = _submit(
        "payments.request", _paper(payments, clerk, subtype="ordinary", amount_fen=1), clerk
    )
    instance = services.instance_approve(actor=reviewer, instance_id=instance.pk)
    assert not selectors.inbox_contains(actor=reviewer, pk=instance.pk)
    with pytest.raises(BusinessRuleError) as caught:
        services.instance_approve(actor=reviewer, instance_id=instance.pk)
    error = caught.value.errors[0]
    assert (error.rule, error.limit) == ("R-WF-2", "单位复核")
    assert "单位复核" in error.message_zh and "单位审核" in error.message_zh


def test_the_clerk_cannot_approve_her_own_entry(payments: PaperHandler, user: Any) -> None:
    from yusuan.identity.models import Role

    clerk = user("school_clerk")
    clerk.roles.add(Role.objects.get(code="unit_reviewer"))
    paper = _paper(payments, clerk, subtype="ordinary", amount_fen=100_00)
    instance = _submit("payments.request", paper, clerk)
    before = AuditRecord.objects.count()
    with pytest.raises(BusinessRuleError) as caught:
        services.instance_approve(actor=clerk, instance_id=instance.pk)
    assert caught.value.errors[0].rule == "R-WF-1"
    assert caught.value.errors[0].field == "actor"
    assert AuditRecord.objects.count() == before  # nothing written when refused
    assert not selectors.inbox_contains(actor=clerk, pk=instance.pk)


def test_someone_else_at_another_unit_is_not_the_assignee(
    payments: PaperHandler, user: Any
) -> None:
    clerk = user("school_clerk")
    instance = _submit(
        "payments.request", _paper(payments, clerk, subtype="ordinary", amount_fen=1), clerk
    )
    with pytest.raises(BusinessRuleError) as caught:
        services.instance_approve(actor=user("wj_budget"), instance_id=instance.pk)
    assert caught.value.errors[0].code == "workflow.not_assignee"
    assert "吴江区松陵实验小学" in caught.value.errors[0].message_zh


def test_submission_without_an_approver_names_the_step(payments: PaperHandler, user: Any) -> None:
    clerk = user("health_clerk")  # the health commission has no reviewer
    paper = _paper(payments, clerk, subtype="ordinary", amount_fen=1)
    with pytest.raises(BusinessRuleError) as caught:
        _submit("payments.request", paper, clerk)
    error = caught.value.errors[0]
    assert (error.code, error.rule, error.field) == (
        "workflow.no_approver",
        "R-WF-5",
        "steps.unit_review",
    )
    assert not WorkflowInstance.objects.filter(
        document_type="payments.request", object_id=str(paper.pk)
    ).exists()


# --- project declarations (real documents) --------------------------------------------------------


def _project(user: Any, username: str = "school_clerk", **flags: bool) -> Project:
    clerk = user(username)
    return complete_declaration(clerk, _draft(clerk, **flags))


def _draft(clerk: Any, **flags: bool) -> Project:
    return project_create(
        actor=clerk,
        organisation=clerk.organisation,
        fiscal_year=2026,
        data=ProjectInput(
            name="实验室设备购置",
            category="3",
            kind="new",
            start_year=2027,
            end_year=2027,
            total_amount=Money.from_yuan(200000),
            fund_type="111",
            **flags,
        ),
    )


def _declare(user: Any, project: Project, username: str = "school_clerk") -> WorkflowInstance:
    return services.document_submit(
        actor=user(username), document_type="projects.declaration", object_id=str(project.pk)
    )


def test_project_declaration_unit_department_sector(user: Any) -> None:
    project = _project(user)
    instance = _declare(user, project)
    assert _route(instance) == [
        "unit_approval",
        "department_review",
        "sector_review",
        "performance_review",  # 特定目标类: goals reviewed (R-PJ-2)
        "budget_review",  # 200,000 yuan: below the appraisal threshold, no 评审中心 step
    ]
    project.refresh_from_db()
    assert project.state == "declared"
    instance = _approve_all(instance, "school_approver", "edu_approver", user=user)
    project.refresh_from_db()
    assert project.state == "dept_reviewed"
    assert selectors.inbox_contains(actor=user("wj_sector_edu"), pk=instance.pk)
    assert not selectors.inbox_contains(actor=user("wj_sector_social"), pk=instance.pk)
    instance = _approve_all(instance, "wj_sector_edu", user=user)
    project.refresh_from_db()
    assert (instance.state, project.state) == ("in_progress", "finance_reviewed")
    instance = _approve_all(instance, "wj_performance", "wj_budget", user=user)
    project.refresh_from_db()
    assert (instance.state, project.state) == ("approved", "stored")
    actions = list(
        AuditRecord.objects.filter(
            object_type="workflow.workflowinstance", object_id=str(instance.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "workflow.submit",
        "workflow.approve",
        "workflow.approve",
        "workflow.approve",
        "workflow.approve",
        "workflow.approve",
    ]
    assert Notification.objects.filter(
        user=user("school_clerk"), instance=instance, kind="finished"
    ).exists()


def test_return_one_step_then_to_entry_then_resubmit(user: Any) -> None:
    project = _project(user)
    instance = _declare(user, project)
    instance = _approve_all(instance, "school_approver", user=user)
    instance = services.instance_return(
        actor=user("edu_approver"), instance_id=instance.pk, reason="请单位补充预算测算依据"
    )
    assert (instance.state, instance.step_key) == ("in_progress", "unit_approval")
    with pytest.raises(BusinessRuleError) as caught:
        services.instance_return(actor=user("school_approver"), instance_id=instance.pk, reason=" ")
    assert caught.value.errors[0].field == "reason"
    instance = services.instance_return(
        actor=user("school_approver"), instance_id=instance.pk, reason="退回经办修改", to_entry=True
    )
    project.refresh_from_db()
    assert (instance.state, project.state) == ("returned", "draft")
    second = _declare(user, project)
    assert second.round == 2 and second.step_key == "unit_approval"
    timeline = selectors.timeline(instance=second)
    kinds = [(e.round, e.kind) for e in timeline.entries]
    assert kinds == [(1, "submit"), (1, "approve"), (1, "return"), (1, "return"), (2, "submit")]


def test_withdraw_before_first_approval_only(user: Any) -> None:
    project = _project(user)
    instance = _declare(user, project)
    with pytest.raises(BusinessRuleError) as caught:
        services.instance_withdraw(actor=user("school_approver"), instance_id=instance.pk)
    assert caught.value.errors[0].code == "workflow.withdraw_not_submitter"
    instance = services.instance_withdraw(actor=user("school_clerk"), instance_id=instance.pk)
    project.refresh_from_db()
    assert (instance.state, project.state) == ("withdrawn", "draft")
    again = _declare(user, project)
    _approve_all(again, "school_approver", user=user)
    with pytest.raises(BusinessRuleError) as caught:
        services.instance_withdraw(actor=user("school_clerk"), instance_id=again.pk)
    assert caught.value.errors[0].code == "workflow.withdraw_after_approval"
    assert "单位审核" in caught.value.errors[0].message_zh


def test_rejected_document_is_closed_for_good(user: Any) -> None:
    project = _project(user)
    instance = _declare(user, project)
    services.instance_reject(
        actor=user("school_approver"), instance_id=instance.pk, reason="不符合申报范围"
    )
    project.refresh_from_db()
    assert project.state == "void"
    with pytest.raises(BusinessRuleError) as caught:
        _declare(user, project)
    assert caught.value.errors[0].code in {"workflow.document_closed", "projects.not_draft"}


def test_stale_page_cannot_decide_twice(user: Any) -> None:
    project = _project(user)
    instance = _declare(user, project)
    services.instance_approve(
        actor=user("school_approver"), instance_id=instance.pk, expected_step=0
    )
    with pytest.raises(BusinessRuleError) as caught:
        services.instance_approve(
            actor=user("edu_approver"), instance_id=instance.pk, expected_step=0
        )
    assert (caught.value.errors[0].code, caught.value.status) == ("workflow.stale", 409)


def test_delegate_acts_on_behalf_and_inherits_the_history(user: Any) -> None:
    """The demo has edu_approver away this week with edu_reviewer deciding for them."""
    project = _project(user)
    instance = _declare(user, project)
    instance = _approve_all(instance, "school_approver", user=user)
    delegate = user("edu_reviewer")
    assert selectors.inbox_contains(actor=delegate, pk=instance.pk)
    instance = services.instance_approve(actor=delegate, instance_id=instance.pk)
    last = instance.actions.order_by("-pk").first()
    assert (last.actor.username, last.on_behalf_of.username) == ("edu_reviewer", "edu_approver")
    entry = selectors.timeline(instance=instance).entries[-1]
    assert "edu_approver" in entry.on_behalf_of


def test_seated_finds_every_steps_people_and_delegates_in_two_queries(
    user: Any, django_assert_num_queries: Any
) -> None:
    """The people of a whole route at once: holders by seat, and whoever acts for one today."""
    school, away = user("school_reviewer"), user("edu_approver")
    seats = [
        (school.organisation_id, "unit_reviewer"),
        (away.organisation_id, "unit_approver"),
        (school.organisation_id, "no_such_role"),
    ]
    with django_assert_num_queries(2):
        people = routing.seated(seats, on=timezone.localdate())
    assert [c.user_id for c in people[seats[0]]] == [school.pk]
    assert people[seats[2]] == []
    holders = [c for c in people[seats[1]] if c.principal_id is None]
    acting = [c for c in people[seats[1]] if c.principal_id is not None]
    assert away.pk in {c.user_id for c in holders}
    delegate = user("edu_reviewer")
    assert [(c.user_id, c.principal_id) for c in acting] == [(delegate.pk, away.pk)]
    assert acting[0].name == (delegate.full_name or delegate.username)
    assert acting[0].principal_name == (away.full_name or away.username)
    assert routing.candidates(*seats[0], on=timezone.localdate()) == people[seats[0]]


def test_a_delegate_for_two_holders_acts_for_the_newest_delegation(user: Any) -> None:
    """Which principal a decision is recorded for (and SoD checks) must not depend on row ids."""
    away, delegate = user("edu_approver"), user("edu_reviewer")
    other = User.objects.create(
        username="edu_approver2", organisation=away.organisation, is_active=True
    )
    other.roles.add(Role.objects.get(code="unit_approver"))
    today = timezone.localdate()
    Delegation.objects.filter(delegate=delegate).update(starts_on=today - dt.timedelta(days=2))
    Delegation.objects.create(
        mof_div_code=other.mof_div_code,
        delegator=other,
        delegate=delegate,
        starts_on=today,
        ends_on=today + dt.timedelta(days=3),
        reason="出差",
        created_by=other,
    )
    instance = _approve_all(_declare(user, _project(user)), "school_approver", user=user)
    instance = services.instance_approve(actor=delegate, instance_id=instance.pk)
    last = instance.actions.order_by("-pk").first()
    assert (last.actor.username, last.on_behalf_of.username) == ("edu_reviewer", "edu_approver2")


def test_delegation_rules(user: Any) -> None:
    approver = user("school_approver")
    today = timezone.localdate()
    with pytest.raises(BusinessRuleError) as caught:
        services.delegation_create(
            actor=approver,
            delegate=user("edu_reviewer"),
            starts_on=today,
            ends_on=today - dt.timedelta(days=1),
            reason="",
        )
    fields = {e.field for e in caught.value.errors}
    assert {"delegate", "ends_on", "reason"} <= fields
    delegation = services.delegation_create(
        actor=approver,
        delegate=user("school_reviewer"),
        starts_on=today,
        ends_on=today,
        reason="病假",
    )
    services.delegation_revoke(actor=approver, delegation=delegation)
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_overdue_over_national_day_and_escalation(user: Any) -> None:
    """The sector step starts on 30 September 2026 with 10 working days. 1–7 October are the
    National Day holiday and Saturday 10 October is a working day (调休): 8, 9, 10, 12–16, 19 and
    20 October, so the step is due at the end of 20 October (calendar days would say 10 October)."""
    project = _project(user, "edu_clerk")
    with time_machine.travel(dt.datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI), tick=False):
        instance = _declare(user, project, "edu_clerk")
        instance = _approve_all(instance, "edu_approver", user=user)
    assert instance.step_key == "sector_review"
    assert instance.due_at.astimezone(SHANGHAI) == dt.datetime(
        2026, 10, 20, 23, 59, 59, tzinfo=SHANGHAI
    )
    assert instance.due_exact
    supervisor = user("wj_budget")
    with time_machine.travel(dt.datetime(2026, 10, 20, 17, 0, tzinfo=SHANGHAI), tick=False):
        assert not selectors.overdue(actor=supervisor).filter(pk=instance.pk).exists()
        # The demo's own open steps may be overdue by now (how many depends on the clock the
        # demo was loaded at): they go up here, so that only this step is left for 22 October.
        services.escalate_overdue()
        instance.refresh_from_db()
        assert instance.escalated_at is None
    with time_machine.travel(dt.datetime(2026, 10, 22, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert selectors.overdue(actor=supervisor).filter(pk=instance.pk).exists()
        assert selectors.working_days_overdue(instance) == 2
        assert services.escalate_overdue() == 1
        assert services.escalate_overdue() == 0  # once
        escalated = AuditRecord.objects.get(action="workflow.escalate", object_id=str(instance.pk))
        # Beijing time, as every audit value a person reads (not 15:59:59 UTC).
        assert escalated.extra["due_at"] == "2026-10-20T23:59:59+08:00"
        assert selectors.inbox_contains(actor=supervisor, pk=instance.pk)
        first = next(iter(selectors.inbox(actor=user("wj_sector_edu"))), None)
        assert first is not None and first.overdue == 0  # overdue items come first
        instance = services.instance_approve(actor=supervisor, instance_id=instance.pk)
    assert instance.step_key == "performance_review"
    # The escalated budget officer decided the sector step; another one stores it (R-WF-2).
    instance = _approve_all(instance, "wj_performance", "wj_budget_chief", user=user)
    assert instance.state == "approved"
    assert instance.actions.filter(kind="escalate").count() == 1


def test_editing_a_definition_leaves_documents_in_flight_alone(user: Any) -> None:
    in_flight = _declare(user, _project(user))
    definition = ApprovalDefinition.objects.get(mof_div_code="320509", code="project-declaration")
    body = definition.current_version().body
    body["steps"].insert(
        3,
        {
            "key": "procurement_review",
            "name": "采购处审核",
            "role": "procurement_officer",
            "level": "procurement_division",
        },
    )
    services.definition_publish(
        actor=user("wj_admin"), definition=definition, body=body, note="加采购处"
    )
    later = _declare(user, _project(user))
    assert len(later.route) == 6 and later.version.number == 2
    in_flight.refresh_from_db()
    assert len(in_flight.route) == 5 and in_flight.version.number == 1
    finished = _approve_all(
        in_flight,
        "school_approver",
        "edu_approver",
        "wj_sector_edu",
        "wj_performance",
        "wj_budget",
        user=user,
    )
    assert finished.state == "approved"


def test_a_bad_definition_names_every_problem(user: Any) -> None:
    definition = ApprovalDefinition.objects.get(mof_div_code="320509", code="payment-request")
    body = {
        "conditions": [{"field": "amount", "op": "has", "value": 1}],
        "steps": [
            {"key": "Review", "name": "复核", "role": "budget_officer", "level": "same_unit"},
            {"key": "x", "name": "审核", "role": "nobody", "level": "moon", "due_working_days": 99},
            {
                "key": "x",
                "name": "国库",
                "role": "treasury_officer",
                "level": "treasury_division",
                "conditions": [{"field": "subtype", "op": "eq", "value": "lunch"}],
            },
        ],
    }
    with pytest.raises(BusinessRuleError) as caught:
        services.definition_publish(
            actor=user("wj_admin"), definition=definition, body=body, note="x"
        )
    fields = {e.field for e in caught.value.errors}
    assert {
        "conditions[0].op",
        "steps[0].key",
        "steps[0].role",
        "steps[1].role",
        "steps[1].level",
        "steps[1].due_working_days",
        "steps[2].key",
        "steps[2].conditions[0].value",
    } <= fields
    assert all(e.rule == "R-WF-4" for e in caught.value.errors)
    assert definition.versions.count() == 1


def test_preview_lists_people_in_order(user: Any, org: Any) -> None:
    result = selectors.preview(
        actor=user("wj_budget"),
        document_type="payments.request",
        organisation=org("吴江区松陵实验小学"),
        values={"amount": Money.from_yuan(600000).fen, "subtype": "ordinary", "flag": frozenset()},
    )
    assert [s.name for s in result.steps] == ["单位复核", "单位审核", "国库审核"]
    assert result.steps[2].people and not result.problem


def test_approval_history_is_append_only_in_the_database(user: Any) -> None:
    from django.db import DatabaseError, connection, transaction

    instance = _declare(user, _project(user))
    action = instance.actions.first()
    for statement in (
        "UPDATE workflow_workflowaction SET comment = 'x' WHERE id = %s",
        "DELETE FROM workflow_workflowaction WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [action.pk])
    version = instance.version
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE workflow_definitionversion SET body = '{}' WHERE id = %s", [version.pk]
        )


def test_entering_the_next_years_holidays_moves_due_dates(user: Any, client_as: Any) -> None:
    """chinese-calendar does not know 2027 yet; the administrator enters the announced days."""
    admin = client_as("wj_admin")
    page = admin.get("/workflow/calendar/?year=2027").content.decode()
    assert 'data-testid="calendar-unknown"' in page
    bad = admin.post(
        "/workflow/calendar/",
        {"start": "2027-02-13", "end": "2027-02-01", "is_workday": "0", "name": "春节"},
    )
    html = bad.content.decode()
    assert "结束日期早于开始日期" in html and "R-WF-9" in html
    response = admin.post(
        "/workflow/calendar/",
        {"start": "2027-02-05", "end": "2027-02-12", "is_workday": "0", "name": "春节（示例）"},
    )
    assert response.status_code == 302
    from yusuan.workflow.calendar import due_after
    from yusuan.workflow.models import CalendarDay

    overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    due, exact = due_after(dt.datetime(2027, 2, 4, 10, tzinfo=SHANGHAI), 1, overrides)
    assert due.astimezone(SHANGHAI).date() == dt.date(2027, 2, 15)
    assert client_as("school_clerk").get("/workflow/calendar/").status_code == 403


def test_a_new_definition_from_the_page(client_as: Any) -> None:
    admin = client_as("wj_admin")
    body = {
        "conditions": [{"field": "subtype", "op": "eq", "value": "salary"}],
        "steps": [
            {"key": "unit_review", "name": "复核", "role": "unit_reviewer", "level": "same_unit"},
            {
                "key": "treasury",
                "name": "国库审核",
                "role": "treasury_officer",
                "level": "treasury_division",
            },
        ],
    }
    import json

    response = admin.post(
        "/workflow/definitions/new/",
        {
            "code": "payment-salary",
            "name": "工资支付",
            "document_type": "payments.request",
            "priority": 5,
            "body": json.dumps(body, ensure_ascii=False),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ApprovalDefinition.objects.filter(code="payment-salary", priority=5).exists()
    body["steps"][1]["level"] = "same_unit"
    again = admin.post(
        "/workflow/definitions/new/",
        {
            "code": "payment-salary-2",
            "name": "x",
            "document_type": "payments.request",
            "priority": 5,
            "body": json.dumps(body),
        },
    )
    assert "steps[1].role" in again.content.decode()


def test_two_people_deciding_from_one_device_are_reported(user: Any) -> None:
    """P6: the borrowed-UKey pattern. Two approvers, one browser, minutes apart."""
    from yusuan.audit import context

    instance = _declare(user, _project(user))
    token = context.bind(context.RequestContext(ip_address="10.1.2.3", device_hash="dev-shared"))
    try:
        instance = services.instance_approve(actor=user("school_approver"), instance_id=instance.pk)
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=4)):
            services.instance_approve(actor=user("edu_approver"), instance_id=instance.pk)
    finally:
        context.reset(token)
    rows = selectors.shared_device_report(actor=user("wj_auditor"), minutes=30)
    mine = [r for r in rows if r.instance.pk == instance.pk]
    assert len(mine) == 1
    assert mine[0].matched_on == ["device", "ip"]
    assert (mine[0].first.actor.username, mine[0].second.actor.username) == (
        "school_approver",
        "edu_approver",
    )
    assert not [
        r
        for r in selectors.shared_device_report(actor=user("wj_auditor"), minutes=2)
        if r.instance.pk == instance.pk
    ]
    # The school sees only its own documents in the report's scope.
    assert all(
        r.instance.organisation.name == "吴江区松陵实验小学"
        for r in selectors.shared_device_report(actor=user("school_clerk"), minutes=30)
    )


def test_email_hook_is_off_by_default_and_sends_after_commit(
    user: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    user("school_approver").__class__.objects.filter(username="school_approver").update(
        email="approver@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _declare(user, _project(user))
    assert mail.outbox == []
    settings.YUSUAN_WORKFLOW_EMAIL = True
    with django_capture_on_commit_callbacks(execute=True):
        _declare(user, _project(user))
    assert [m.to for m in mail.outbox] == [["approver@example.org"]]
    assert "待办" in mail.outbox[0].subject
