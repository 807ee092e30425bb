"""The adjustment (调剂单) through the approval engine (DOMAIN §2.7, R-AJ-2…R-AJ-4): submit, each
step, posting at the final approval with every bucket asserted; return, withdraw and reject leave
the ledger alone; an adjustment into a new line creates it under the line it comes from."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.indicator_helpers import issue, project, spec
from tests.test_indicators_rules import (
    APPROVERS,
    DEPARTMENT_ROUTE,
    FINANCE_ROUTE,
    World,
    adjustment,
    approve,
    buckets,
    executable,
    make_world,
    move,
    named,
    only,
    refused,
    route,
    submit,
)

from yusuan.audit.models import AuditRecord
from yusuan.indicators.choices import DocumentKind, DocumentState, LineKind, MovementKind
from yusuan.indicators.models import IndicatorDocument, IndicatorLine, Movement
from yusuan.indicators.selectors import reconcile
from yusuan.indicators.services import (
    DocumentInput,
    LineInput,
    LineSpec,
    Op,
    apply,
    document_update,
    document_void,
)
from yusuan.workflow import services as workflow
from yusuan.workflow.models import WorkflowInstance

pytestmark = pytest.mark.django_db

ADJUSTMENT = "indicators.adjustment"


@pytest.fixture
def w(user: Callable[[str], Any]) -> World:
    return make_world(user)


@pytest.fixture
def pair(w: World) -> tuple[IndicatorLine, IndicatorLine]:
    """Two lines of different projects of the school: 500,000.00 and 200,000.00."""
    return executable(w, 500_000_00), executable(w, 200_000_00, proj=w.proj2)


def states(document: IndicatorDocument) -> tuple[str, list[str]]:
    document.refresh_from_db()
    rounds = WorkflowInstance.objects.filter(document_type=ADJUSTMENT, object_id=str(document.pk))
    return document.state, list(rounds.order_by("round").values_list("state", flat=True))


def edit(w: World, document: IndicatorDocument, rows: list[LineInput]) -> IndicatorDocument:
    return document_update(
        actor=w.clerk,
        document_id=document.pk,
        data=DocumentInput(
            kind=DocumentKind.ADJUST,
            title=document.title,
            lines=rows,
            subtype=document.subtype,
            reason="按审核意见修改金额",
        ),
    )


def test_across_projects_through_every_step_posts_at_the_last(
    w: World, pair: tuple[IndicatorLine, IndicatorLine]
) -> None:
    source, target = pair
    document = adjustment(
        w, "across_projects", [move(source, target, 120_000_00)], reason="项目进度调整"
    )
    assert states(document) == (DocumentState.DRAFT, [])
    instance = submit(w, document)
    assert route(instance) == FINANCE_ROUTE
    assert instance.amount_fen == 120_000_00
    assert states(document) == (DocumentState.SUBMITTED, ["in_progress"])
    for key in FINANCE_ROUTE:
        assert instance.step_key == key
        # Nothing moves before the final approval.
        assert buckets(source) == {"total": 500_000_00, "available": 500_000_00}
        assert buckets(target) == {"total": 200_000_00, "available": 200_000_00}
        assert not Movement.objects.filter(document=document).exists()
        instance = approve(w, instance)
    assert instance.state == "approved"
    assert states(document) == (DocumentState.POSTED, ["approved"])
    assert buckets(source) == {"total": 380_000_00, "available": 380_000_00}
    assert buckets(target) == {"total": 320_000_00, "available": 320_000_00}
    document.refresh_from_db()
    assert document.posted_by == w.user(APPROVERS["budget_approval"])
    assert document.posted_at is not None
    movements = Movement.objects.filter(document=document).order_by("line_id")
    assert [(m.line_id, m.kind, m.d_total, m.d_available) for m in movements] == sorted(
        [
            (source.pk, MovementKind.ADJUST_OUT, -120_000_00, -120_000_00),
            (target.pk, MovementKind.ADJUST_IN, 120_000_00, 120_000_00),
        ]
    )
    assert len({m.posting for m in movements}) == 1
    assert AuditRecord.objects.filter(action="indicators.document_post").exists()
    assert reconcile() == []


def test_procurement_split_takes_effect_with_the_department(w: World) -> None:
    procured = executable(w, 300_000_00, is_gov_pur=True)
    ordinary = executable(w, 100_000_00)
    document = adjustment(w, "procurement_split", [move(procured, ordinary, 80_000_00)])
    instance = submit(w, document)
    assert route(instance) == DEPARTMENT_ROUTE
    instance = approve(w, instance)
    assert buckets(procured) == {"total": 300_000_00, "available": 300_000_00}
    instance = approve(w, instance)
    assert instance.state == "approved"
    assert buckets(procured) == {"total": 220_000_00, "available": 220_000_00}
    assert buckets(ordinary) == {"total": 180_000_00, "available": 180_000_00}
    assert states(document) == (DocumentState.POSTED, ["approved"])


def test_several_rows_post_as_one_posting(w: World) -> None:
    office = executable(w, 300_000_00)
    travel = executable(w, 50_000_00, dep_bgt_eco_code="30211")
    training = executable(w, 50_000_00, dep_bgt_eco_code="30216")
    document = adjustment(
        w,
        "economic_class",
        [move(office, travel, 30_000_00), move(office, training, 20_000_00)],
    )
    instance = submit(w, document)
    assert instance.amount_fen == 50_000_00
    while instance.state == "in_progress":
        instance = approve(w, instance)
    assert buckets(office) == {"total": 250_000_00, "available": 250_000_00}
    assert buckets(travel) == {"total": 80_000_00, "available": 80_000_00}
    assert buckets(training) == {"total": 70_000_00, "available": 70_000_00}
    assert Movement.objects.filter(document=document).values("posting").distinct().count() == 1
    assert reconcile() == []


def test_return_to_entry_edit_and_resubmit(
    w: World, pair: tuple[IndicatorLine, IndicatorLine]
) -> None:
    source, target = pair
    document = adjustment(w, "across_projects", [move(source, target, 120_000_00)])
    instance = approve(w, submit(w, document))
    # The department sends it one step back, then the unit sends it back to the clerk.
    instance = workflow.instance_return(
        actor=w.user("edu_approver"), instance_id=instance.pk, reason="请单位再核"
    )
    assert instance.step_key == "unit_approval"
    assert states(document) == (DocumentState.SUBMITTED, ["in_progress"])
    instance = workflow.instance_return(
        actor=w.user("school_approver"), instance_id=instance.pk, reason="金额过大，请调整"
    )
    assert instance.state == "returned"
    assert states(document) == (DocumentState.DRAFT, ["returned"])
    assert not Movement.objects.filter(document=document).exists()
    # Back in draft: the clerk edits the amount and submits again (a second round).
    edit(w, document, [move(source, target, 100_000_00)])
    document.refresh_from_db()
    assert document.total_fen == 100_000_00
    instance = submit(w, document)
    assert instance.round == 2 and instance.amount_fen == 100_000_00
    while instance.state == "in_progress":
        instance = approve(w, instance)
    assert states(document) == (DocumentState.POSTED, ["returned", "approved"])
    assert buckets(source) == {"total": 400_000_00, "available": 400_000_00}
    assert buckets(target) == {"total": 300_000_00, "available": 300_000_00}
    assert reconcile() == []


def test_withdraw_before_the_first_approval(
    w: World, pair: tuple[IndicatorLine, IndicatorLine]
) -> None:
    source, target = pair
    document = adjustment(w, "across_projects", [move(source, target, 10_000_00)])
    instance = submit(w, document)
    instance = workflow.instance_withdraw(actor=w.clerk, instance_id=instance.pk, reason="重填")
    assert instance.state == "withdrawn"
    assert states(document) == (DocumentState.DRAFT, ["withdrawn"])
    edit(w, document, [move(source, target, 20_000_00)])
    instance = submit(w, document)
    assert instance.round == 2
    instance = approve(w, instance)
    # After a step was approved the clerk can no longer withdraw.
    detail = only(
        refused(lambda: workflow.instance_withdraw(actor=w.clerk, instance_id=instance.pk))
    )
    assert detail.code == "workflow.withdraw_after_approval"
    assert states(document) == (DocumentState.SUBMITTED, ["withdrawn", "in_progress"])
    # A withdrawn draft may also be voided instead.
    other = adjustment(w, "across_projects", [move(source, target, 1_00)])
    workflow.instance_withdraw(actor=w.clerk, instance_id=submit(w, other).pk)
    document_void(actor=w.clerk, document_id=other.pk)
    assert states(other)[0] == DocumentState.VOID
    assert buckets(source) == {"total": 500_000_00, "available": 500_000_00}


def test_reject_closes_the_document_without_a_movement(
    w: World, pair: tuple[IndicatorLine, IndicatorLine]
) -> None:
    source, target = pair
    document = adjustment(w, "across_projects", [move(source, target, 120_000_00)])
    instance = submit(w, document)
    for _ in range(2):
        instance = approve(w, instance)
    assert instance.step_key == "sector_review"
    instance = workflow.instance_reject(
        actor=w.user("wj_sector_edu"), instance_id=instance.pk, reason="不符合调剂政策"
    )
    assert instance.state == "rejected"
    assert states(document) == (DocumentState.REJECTED, ["rejected"])
    assert not Movement.objects.filter(document=document).exists()
    assert buckets(source) == {"total": 500_000_00, "available": 500_000_00}
    assert buckets(target) == {"total": 200_000_00, "available": 200_000_00}
    detail = only(refused(lambda: submit(w, document)))
    assert detail.code == "workflow.document_closed"
    assert reconcile() == []


def test_a_submitted_or_rejected_adjustment_cannot_be_edited(
    w: World, pair: tuple[IndicatorLine, IndicatorLine]
) -> None:
    source, target = pair
    document = adjustment(w, "across_projects", [move(source, target, 120_000_00)])
    instance = submit(w, document)
    detail = only(refused(lambda: edit(w, document, [move(source, target, 1_00)])))
    assert (detail.code, detail.field) == ("indicators.not_draft", "state")
    workflow.instance_reject(
        actor=w.user("school_approver"), instance_id=instance.pk, reason="不同意"
    )
    detail = only(refused(lambda: edit(w, document, [move(source, target, 1_00)])))
    assert detail.code == "indicators.not_draft"
    detail = only(refused(lambda: document_void(actor=w.clerk, document_id=document.pk)))
    assert detail.code == "indicators.not_draft"


def test_into_a_new_line_creates_it_under_the_source(w: World) -> None:
    source = executable(w, 300_000_00, dep_bgt_eco_code="30201", summary="办公经费")
    document = adjustment(
        w,
        "economic_class",
        [
            move(
                source,
                None,
                45_000_00,
                spec=LineSpec(dep_bgt_eco_code="30216", summary="教师培训"),
            )
        ],
    )
    instance = submit(w, document)
    assert route(instance) == DEPARTMENT_ROUTE
    lines = IndicatorLine.objects.count()
    instance = approve(w, instance)
    assert IndicatorLine.objects.count() == lines  # created only when it takes effect
    instance = approve(w, instance)
    assert instance.state == "approved"
    created = document.lines.get().created_line
    assert created is not None
    assert (created.parent_id, created.kind, created.origin_document_id) == (
        source.pk,
        LineKind.EXECUTABLE,
        document.pk,
    )
    # The clerk's element changes; the rest is the source's.
    assert (created.dep_bgt_eco_code, created.summary) == ("30216", "教师培训")
    for name in (
        "organisation_id",
        "project_id",
        "exp_func_code",
        "fund_type_code",
        "source_type_code",
        "pay_type_code",
        "acc_type",
        "doc_no",
    ):
        assert getattr(created, name) == getattr(source, name), name
    assert created.gov_bgt_eco_code
    assert buckets(created) == {"total": 45_000_00, "available": 45_000_00}
    assert buckets(source) == {"total": 255_000_00, "available": 255_000_00}
    assert [m.kind for m in Movement.objects.filter(line=created)] == [MovementKind.ADJUST_IN]
    # The new line is spent like any other.
    apply("freeze", [Op(created.pk, 45_000_00)], actor_id=w.clerk.pk)
    assert buckets(created) == {"total": 45_000_00, "frozen": 45_000_00}
    assert reconcile() == []


def test_a_new_line_is_not_created_when_the_final_approval_fails(w: World) -> None:
    source = executable(w, 100_000_00)
    document = adjustment(
        w,
        "economic_class",
        [move(source, None, 60_000_00, spec=LineSpec(dep_bgt_eco_code="30216"))],
    )
    instance = approve(w, submit(w, document))
    apply("freeze", [Op(source.pk, 50_000_00)], actor_id=w.clerk.pk)
    lines = IndicatorLine.objects.count()
    detail = only(refused(lambda: approve(w, instance)))
    assert (detail.code, detail.rule, detail.value, detail.limit) == (
        "indicators.insufficient",
        "R-AJ-4",
        "60,000.00",
        "50,000.00",
    )
    assert IndicatorLine.objects.count() == lines
    assert document.lines.get().created_line_id is None


def test_only_the_assignee_decides_and_never_the_clerk(
    w: World, pair: tuple[IndicatorLine, IndicatorLine]
) -> None:
    source, target = pair
    instance = submit(w, adjustment(w, "across_projects", [move(source, target, 1_000_00)]))
    for name in ("school_clerk", "edu_approver", "wj_budget"):
        detail = only(
            refused(
                lambda name=name: workflow.instance_approve(
                    actor=w.user(name), instance_id=instance.pk
                )
            )
        )
        assert detail.code.startswith("workflow.")
    assert buckets(source) == {"total": 500_000_00, "available": 500_000_00}


def test_a_clerk_adjusts_only_the_own_unit_lines(w: World, org: Any) -> None:
    """Another school's line is invisible to the clerk: not found, not 'not yours'."""
    other = org("吴江区同里实验小学")
    other_project = project(other, w.user("edu_clerk"), name="他校项目")
    [foreign] = issue(w.budget, w.chief, [(spec(other, other_project), 10_000_00)])
    mine = executable(w, 10_000_00)
    errors = refused(lambda: adjustment(w, "across_projects", [move(mine, foreign, 1_00)]))
    detail = named(errors, "indicators.line_unknown")
    assert (detail.field, detail.value) == ("lines[0].target", foreign.pk)
