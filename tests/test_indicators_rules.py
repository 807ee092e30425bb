"""The indicator rules (DOMAIN §3.4 R-IN-1…R-IN-6) and the adjustment rules (§3.5 R-AJ-1…R-AJ-5).

Every refusal is asserted by its code, rule, field path and figures (P7), and every refusal is
shown to change nothing: no bucket, no movement, no document, no audit record. R-IN-5 (transfer
funds allocated within 30 days), R-IN-8 (deeper trees) and R-IN-9 (transfer references) have
their own tests in test_indicators_trees.py; here, what R-IN-5 relies on (the 直达 flag and the
source following the money).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

import pytest
from tests.indicator_helpers import issue, project, shared_source, spec

from yusuan.audit.models import AuditRecord
from yusuan.common.actor import PermissionDeniedError
from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.indicators.choices import DocumentKind, DocumentState, LineKind, MovementKind
from yusuan.indicators.models import IndicatorDocument, IndicatorLine, Movement
from yusuan.indicators.selectors import reconcile
from yusuan.indicators.services import (
    DocumentInput,
    LineInput,
    LineSpec,
    Op,
    apply,
    document_create,
    document_post,
    document_update,
)
from yusuan.indicators.services.ledger import MOVES, Leg, Posting, post
from yusuan.workflow import services as workflow
from yusuan.workflow.models import WorkflowAction, WorkflowInstance

pytestmark = pytest.mark.django_db

DOC_NO = "吴财预〔2026〕9号"
ADJUSTMENT = "indicators.adjustment"
COLUMNS = ("total", "available", "allocated", "reserved", "frozen", "held", "paid")
# Who decides each step of the shipped adjustment definitions for a school of the 教育局.
APPROVERS = {
    "unit_review": "school_reviewer",
    "unit_approval": "school_approver",
    "department_approval": "edu_approver",
    "sector_review": "wj_sector_edu",
    "budget_approval": "wj_budget",
}
FINANCE_ROUTE = ["unit_approval", "department_approval", "sector_review", "budget_approval"]
DEPARTMENT_ROUTE = ["unit_approval", "department_approval"]


# --- the world: finance officers, a school clerk and the school's projects ----------------------


@dataclass
class World:
    user: Callable[[str], Any]
    budget: Any  # enters finance documents
    chief: Any  # posts them (R-WF-1)
    clerk: Any  # enters the school's adjustments
    school: Organisation
    edu: Organisation
    bureau: Organisation
    proj: Any  # 特定目标类 (project expenditure)
    proj2: Any  # another 特定目标类 project
    basic: Any  # 公用经费 (basic expenditure)


def make_world(user: Callable[[str], Any]) -> World:
    budget, chief, clerk = user("wj_budget"), user("wj_budget_chief"), user("school_clerk")
    school = clerk.organisation
    shared_source()  # R-IN-7: opened before any test counts audit records
    return World(
        user=user,
        budget=budget,
        chief=chief,
        clerk=clerk,
        school=school,
        edu=school.parent,
        bureau=budget.organisation.parent,
        proj=project(school, clerk, name="智慧教室建设"),
        proj2=project(school, clerk, name="校舍维修"),
        basic=project(school, clerk, category="21", name="日常公用经费"),
    )


@pytest.fixture
def w(user: Callable[[str], Any]) -> World:
    return make_world(user)


def executable(w: World, fen: int, proj: Any = None, **kw: Any) -> IndicatorLine:
    [line] = issue(w.budget, w.chief, [(spec(w.school, proj or w.proj, **kw), fen)])
    return line


def pending(w: World, fen: int, holder: Organisation | None = None) -> IndicatorLine:
    pending_spec = spec(
        holder or w.bureau,
        None,
        line_kind=LineKind.PENDING,
        dep_bgt_eco_code="",
        pay_type_code="",
        acc_type="",
    )
    [line] = issue(w.budget, w.chief, [(pending_spec, fen)])
    return line


def enter(actor: Any, kind: str, lines: list[LineInput], **kw: Any) -> IndicatorDocument:
    if kind in (DocumentKind.ISSUE, DocumentKind.INCREASE):
        kw.setdefault("budget_source_id", shared_source().pk)  # R-IN-7
    return document_create(
        actor=actor,
        data=DocumentInput(kind=kind, title="测试单据", lines=lines, fiscal_year=2026, **kw),
    )


def post_doc(w: World, kind: str, lines: list[LineInput], **kw: Any) -> IndicatorDocument:
    kw.setdefault("doc_no", DOC_NO)
    document = enter(w.budget, kind, lines, **kw)
    document_post(actor=w.chief, document_id=document.pk)
    document.refresh_from_db()
    return document


def allocation(source: IndicatorLine, fen: int, unit: Organisation, proj: Any) -> LineInput:
    return LineInput(
        amount=Money(fen),
        source_id=source.pk,
        spec=LineSpec(
            organisation_id=unit.pk,
            project_id=proj.pk,
            dep_bgt_eco_code="30201",
            pay_type_code="1",
            acc_type="unit_zero_balance",
        ),
    )


def move(source: IndicatorLine, target: IndicatorLine | None, fen: int, **kw: Any) -> LineInput:
    return LineInput(
        amount=Money(fen), source_id=source.pk, target_id=target.pk if target else None, **kw
    )


def adjustment(w: World, subtype: str, rows: list[LineInput], **kw: Any) -> IndicatorDocument:
    return enter(w.clerk, DocumentKind.ADJUST, rows, subtype=subtype, **kw)


def submit(w: World, document: IndicatorDocument) -> WorkflowInstance:
    return workflow.document_submit(
        actor=w.clerk, document_type=ADJUSTMENT, object_id=str(document.pk)
    )


def approve(w: World, instance: WorkflowInstance) -> WorkflowInstance:
    return workflow.instance_approve(
        actor=w.user(APPROVERS[instance.step_key]),
        instance_id=instance.pk,
        expected_step=instance.step_index,
    )


def route(instance: WorkflowInstance) -> list[str]:
    return [step["key"] for step in instance.route]


def buckets(line: IndicatorLine) -> dict[str, int]:
    line.refresh_from_db()
    return {k: getattr(line, k) for k in COLUMNS if getattr(line, k)}


def snapshot() -> tuple[Any, ...]:
    """Everything a refusal must leave alone."""
    return (
        list(IndicatorLine.objects.order_by("id").values_list("id", *COLUMNS)),
        Movement.objects.count(),
        list(IndicatorDocument.objects.order_by("id").values_list("id", "state")),
        AuditRecord.objects.count(),
        WorkflowAction.objects.count(),
    )


def refused(call: Callable[[], Any]) -> list[ErrorDetail]:
    """The call is refused and leaves nothing behind; returns the error details."""
    before = snapshot()
    with pytest.raises(BusinessRuleError) as caught:
        call()
    assert snapshot() == before
    return caught.value.errors


def only(errors: list[ErrorDetail]) -> ErrorDetail:
    assert len(errors) == 1, errors
    return errors[0]


def named(errors: list[ErrorDetail], code: str) -> ErrorDetail:
    found = [e for e in errors if e.code == code]
    assert len(found) == 1, errors
    return found[0]


def figures(detail: ErrorDetail) -> tuple[Any, ...]:
    return (detail.code, detail.rule, detail.field, detail.value, detail.limit)


# --- R-IN-1: an executable line has every element; pending lines are never spent ----------------

ELEMENTS = [
    ("organisation", {"organisation_id": None}, "单位"),
    ("project", {"project_id": None}, "项目"),
    ("exp_func_code", {"exp_func_code": ""}, "功能分类"),
    ("dep_bgt_eco_code", {"dep_bgt_eco_code": ""}, "部门经济分类"),
    ("fund_type_code", {"fund_type_code": ""}, "资金性质"),
    ("source_type_code", {"source_type_code": ""}, "指标来源"),
    ("pay_type_code", {"pay_type_code": ""}, "支付方式"),
    ("acc_type", {"acc_type": ""}, "账户类别"),
]


@pytest.mark.parametrize(
    ("name", "blank", "label"), [pytest.param(*e, id=f"{e[0]}_case") for e in ELEMENTS]
)
def test_r_in_1_an_executable_line_needs_each_element(
    w: World, name: str, blank: dict[str, Any], label: str
) -> None:
    errors = refused(
        lambda: enter(
            w.budget,
            DocumentKind.ISSUE,
            [
                LineInput(Money(1_000_00), spec=spec(w.school, w.proj)),
                LineInput(Money(2_000_00), spec=spec(w.school, w.proj, **blank)),
            ],
            doc_no=DOC_NO,
        )
    )
    detail = only(errors)
    assert (detail.code, detail.rule, detail.field, detail.row) == (
        "indicators.element_missing",
        "R-IN-1",
        f"lines[1].{name}",
        1,
    )
    assert f"第 2 行：{label}不能为空" in detail.message_zh


def test_r_in_1_every_missing_element_is_named_at_once(w: World) -> None:
    bare = LineSpec(line_kind=LineKind.EXECUTABLE, summary="缺要素")
    errors = refused(
        lambda: enter(w.budget, DocumentKind.ISSUE, [LineInput(Money(1_00), spec=bare)], doc_no="x")
    )
    assert {e.field for e in errors} == {f"lines[0].{name}" for name, _b, _l in ELEMENTS}
    assert {e.code for e in errors} == {"indicators.element_missing"}
    assert {e.rule for e in errors} == {"R-IN-1"}


def test_r_in_1_a_pending_line_needs_fewer_elements(w: World) -> None:
    line = pending(w, 500_000_00)
    assert line.kind == LineKind.PENDING
    assert (line.project_id, line.dep_bgt_eco_code, line.gov_bgt_eco_code) == (None, "", "")


def test_r_in_1_a_unit_cannot_hold_a_pending_line(w: World) -> None:
    bad = spec(w.school, None, line_kind=LineKind.PENDING)
    errors = refused(
        lambda: enter(w.budget, DocumentKind.ISSUE, [LineInput(Money(1_00), spec=bad)], doc_no="x")
    )
    detail = only(errors)
    assert (detail.code, detail.rule, detail.field) == (
        "indicators.bad_holder",
        "R-IN-1",
        "lines[0].organisation",
    )


@pytest.mark.parametrize("operation", sorted(MOVES))
def test_r_in_1_a_pending_line_cannot_be_reserved_frozen_or_paid(w: World, operation: str) -> None:
    line = pending(w, 1_000_000_00)
    detail = only(refused(lambda: apply(operation, [Op(line.pk, 100_00)], actor_id=w.clerk.pk)))
    assert figures(detail) == ("indicators.not_executable", "R-IN-1", "amount", line.code, None)
    assert line.code in detail.message_zh and "待分" in detail.message_zh
    assert buckets(line) == {"total": 1_000_000_00, "available": 1_000_000_00}


def test_r_in_1_a_pending_line_cannot_be_adjusted(w: World) -> None:
    edu_clerk = w.user("edu_clerk")
    line = pending(w, 1_000_000_00, holder=w.edu)
    errors = refused(
        lambda: enter(
            edu_clerk,
            DocumentKind.ADJUST,
            [move(line, line, 100_00)],
            subtype="across_units",
        )
    )
    detail = [e for e in errors if e.field == "lines[0].source"][0]
    assert figures(detail) == (
        "indicators.wrong_line_kind",
        "R-IN-1",
        "lines[0].source",
        line.code,
        LineKind.EXECUTABLE,
    )


def test_r_in_1_the_issued_line_carries_the_elements_and_the_document(w: World) -> None:
    line = executable(w, 300_000_00)
    assert (line.project_id, line.organisation_id, line.dep_bgt_eco_code) == (
        w.proj.pk,
        w.school.pk,
        "30201",
    )
    assert line.gov_bgt_eco_code  # derived from the department class and the agency type
    assert line.doc_no == "吴财预〔2026〕1号"
    assert line.origin_document.kind == DocumentKind.ISSUE


# --- R-IN-2: conservation of pending lines -----------------------------------------------------


def test_r_in_2_allocation_above_available(w: World) -> None:
    source = pending(w, 1_000_000_00)
    detail = only(
        refused(
            lambda: enter(
                w.budget,
                DocumentKind.ALLOCATE,
                [allocation(source, 1_000_000_01, w.school, w.proj)],
            )
        )
    )
    assert figures(detail) == (
        "indicators.insufficient",
        "R-IN-2",
        "lines[0].amount",
        "1,000,000.01",
        "1,000,000.00",
    )
    assert source.code in detail.message_zh and "1,000,000.01" in detail.message_zh


def test_r_in_2_two_rows_together_above_available(w: World) -> None:
    source = pending(w, 1_000_000_00)
    errors = refused(
        lambda: enter(
            w.budget,
            DocumentKind.ALLOCATE,
            [
                allocation(source, 600_000_00, w.school, w.proj),
                allocation(source, 400_000_01, w.school, w.proj2),
            ],
        )
    )
    detail = only(errors)  # the first row alone fits
    assert figures(detail) == (
        "indicators.insufficient",
        "R-IN-2",
        "lines[1].amount",
        "1,000,000.01",
        "1,000,000.00",
    )
    assert detail.row == 1 and source.code in detail.message_zh


def test_r_in_2_allocation_is_checked_again_at_posting(w: World) -> None:
    source = pending(w, 1_000_000_00)
    first = enter(
        w.budget, DocumentKind.ALLOCATE, [allocation(source, 700_000_00, w.school, w.proj)]
    )
    second = enter(
        w.budget, DocumentKind.ALLOCATE, [allocation(source, 400_000_00, w.school, w.proj2)]
    )
    document_post(actor=w.chief, document_id=first.pk)
    lines = IndicatorLine.objects.count()
    detail = only(refused(lambda: document_post(actor=w.chief, document_id=second.pk)))
    assert figures(detail) == (
        "indicators.insufficient",
        "R-IN-2",
        "lines[0].amount",
        "400,000.00",
        "300,000.00",
    )
    assert IndicatorLine.objects.count() == lines  # no child line left behind
    second.refresh_from_db()
    assert second.state == DocumentState.DRAFT
    assert buckets(source) == {
        "total": 1_000_000_00,
        "available": 300_000_00,
        "allocated": 700_000_00,
    }
    assert reconcile() == []


def test_r_in_8_a_department_allocates_only_inside_the_department(w: World, org: Any) -> None:
    hospital = org("吴江区第一人民医院")
    hospital_project = project(hospital, w.user("hospital_clerk"), name="医疗设备")
    source = pending(w, 500_000_00, holder=w.edu)
    detail = only(
        refused(
            lambda: enter(
                w.budget,
                DocumentKind.ALLOCATE,
                [allocation(source, 100_000_00, hospital, hospital_project)],
            )
        )
    )
    assert figures(detail) == (
        "indicators.outside_holder",
        "R-IN-8",
        "lines[0].organisation",
        hospital.name,
        w.edu.name,
    )
    assert hospital.name in detail.message_zh and w.edu.name in detail.message_zh
    # … while a school of the department is fine.
    document = post_doc(
        w, DocumentKind.ALLOCATE, [allocation(source, 100_000_00, w.school, w.proj)]
    )
    child = document.lines.get().created_line
    assert child.parent_id == source.pk and child.organisation_id == w.school.pk


def test_r_in_2_only_pending_lines_are_allocated(w: World) -> None:
    line = executable(w, 100_000_00)
    detail = only(
        refused(
            lambda: enter(
                w.budget, DocumentKind.ALLOCATE, [allocation(line, 10_00, w.school, w.proj2)]
            )
        )
    )
    assert figures(detail) == (
        "indicators.wrong_line_kind",
        "R-IN-2",
        "lines[0].source",
        line.code,
        LineKind.PENDING,
    )


# --- R-IN-3: non-negativity, in the services and in the database ---------------------------------


@pytest.fixture
def spent(w: World) -> IndicatorLine:
    """300,000.00 with 100,000.00 frozen for a payment: 200,000.00 available."""
    line = executable(w, 300_000_00)
    apply("freeze", [Op(line.pk, 100_000_00)], actor_id=w.clerk.pk)
    return line


@pytest.mark.parametrize(
    ("kind", "doc_no"),
    [
        pytest.param(DocumentKind.DECREASE, DOC_NO, id="decrease_case"),
        pytest.param(DocumentKind.HOLD, "", id="hold_case"),
    ],
)
def test_r_in_3_decrease_or_hold_beyond_available(
    w: World, spent: IndicatorLine, kind: str, doc_no: str
) -> None:
    detail = only(
        refused(
            lambda: enter(
                w.budget,
                kind,
                [LineInput(Money(200_000_01), target_id=spent.pk)],
                doc_no=doc_no,
            )
        )
    )
    assert figures(detail) == (
        "indicators.insufficient",
        "R-IN-3",
        "lines[0].amount",
        "200,000.01",
        "200,000.00",
    )
    assert spent.code in detail.message_zh and "可用余额" in detail.message_zh
    # The exact available amount is fine.
    post_doc(w, kind, [LineInput(Money(200_000_00), target_id=spent.pk)], doc_no=doc_no)
    assert "available" not in buckets(spent)


def test_r_in_3_release_beyond_held(w: World, spent: IndicatorLine) -> None:
    post_doc(w, DocumentKind.HOLD, [LineInput(Money(50_000_00), target_id=spent.pk)])
    detail = only(
        refused(
            lambda: enter(
                w.budget, DocumentKind.RELEASE, [LineInput(Money(50_000_01), target_id=spent.pk)]
            )
        )
    )
    assert figures(detail) == (
        "indicators.insufficient",
        "R-IN-3",
        "lines[0].amount",
        "50,000.01",
        "50,000.00",
    )
    assert "财政冻结" in detail.message_zh and spent.code in detail.message_zh


@pytest.mark.parametrize(
    ("operation", "rule", "limit"),
    [
        pytest.param("reserve", "R-GP-9", "230,000.00", id="reserve_case"),
        pytest.param("freeze", "R-PY-1", "230,000.00", id="freeze_case"),
        pytest.param("unreserve", "R-IN-3", "40,000.00", id="unreserve_case"),
        pytest.param("freeze_reserved", "R-GP-9", "40,000.00", id="freeze_reserved_case"),
        pytest.param("unfreeze", "R-IN-3", "10,000.00", id="unfreeze_case"),
        pytest.param("unfreeze_reserved", "R-IN-3", "10,000.00", id="unfreeze_reserved_case"),
        pytest.param("pay", "R-IN-3", "10,000.00", id="pay_case"),
        pytest.param("restore", "R-RF-2", "20,000.00", id="restore_case"),
        pytest.param("restore_reserved", "R-GP-9", "20,000.00", id="restore_reserved_case"),
    ],
)
def test_r_in_3_a_money_operation_never_drives_a_bucket_below_zero(
    w: World, operation: str, rule: str, limit: str
) -> None:
    line = executable(w, 300_000_00)
    apply("reserve", [Op(line.pk, 40_000_00)], actor_id=w.clerk.pk)
    apply("freeze", [Op(line.pk, 30_000_00)], actor_id=w.clerk.pk)
    apply("pay", [Op(line.pk, 20_000_00)], actor_id=w.clerk.pk)
    assert buckets(line) == {
        "total": 300_000_00,
        "available": 230_000_00,
        "reserved": 40_000_00,
        "frozen": 10_000_00,
        "paid": 20_000_00,
    }
    over = Money.parse(limit).fen + 1
    detail = only(refused(lambda: apply(operation, [Op(line.pk, over)], actor_id=w.clerk.pk)))
    assert figures(detail) == (
        "indicators.insufficient",
        rule,
        "amount",
        Money(over).format(),
        limit,
    )
    assert line.code in detail.message_zh
    # The whole bucket is fine.
    assert apply(operation, [Op(line.pk, over - 1)], actor_id=w.clerk.pk)
    assert reconcile() == []


def test_r_in_3_several_lines_all_or_nothing(w: World) -> None:
    first, second = executable(w, 100_000_00), executable(w, 50_000_00, proj=w.proj2)
    detail = only(
        refused(
            lambda: apply(
                "freeze",
                [Op(first.pk, 10_000_00, row=0), Op(second.pk, 50_000_01, row=1)],
                actor_id=w.clerk.pk,
            )
        )
    )
    assert figures(detail) == (
        "indicators.insufficient",
        "R-PY-1",
        "lines.amount",
        "50,000.01",
        "50,000.00",
    )
    assert detail.row == 1
    assert buckets(first) == {"total": 100_000_00, "available": 100_000_00}


@pytest.mark.parametrize(
    "fen", [pytest.param(0, id="zero_case"), pytest.param(-1, id="minus_case")]
)
def test_r_in_3_amounts_are_positive(w: World, fen: int) -> None:
    line = executable(w, 100_000_00)
    detail = only(refused(lambda: apply("freeze", [Op(line.pk, fen)], actor_id=w.clerk.pk)))
    assert (detail.code, detail.value, detail.limit) == (
        "indicators.amount_not_positive",
        Money(fen).format(),
        "> 0",
    )
    detail = only(
        refused(
            lambda: enter(w.budget, DocumentKind.HOLD, [LineInput(Money(fen), target_id=line.pk)])
        )
    )
    assert (detail.code, detail.field) == ("indicators.amount_not_positive", "lines[0].amount")


def test_r_in_3_a_raw_posting_is_guarded_by_its_conditional_update(w: World) -> None:
    line = executable(w, 100_000_00)
    leg = Leg(
        line.pk,
        MovementKind.DECREASE,
        {"total": -100_000_01, "available": -100_000_01},
        d_outside=100_000_01,
    )
    detail = only(refused(lambda: post(Posting(legs=[leg], actor_id=None))))
    assert figures(detail) == (
        "indicators.insufficient",
        "R-IN-3",
        "amount",
        "100,000.01",
        "100,000.00",
    )


@pytest.mark.parametrize(
    ("changes", "constraint"),
    [
        pytest.param(
            {"available": F("available") - 300_000_01, "frozen": F("frozen") + 300_000_01},
            "indicator_available_nonneg",
            id="available_below_zero_case",
        ),
        pytest.param(
            {"total": F("total") - 300_000_01, "available": F("available") - 300_000_01},
            "indicator_available_nonneg",
            id="total_and_available_below_zero_case",
        ),
        pytest.param(
            {"paid": F("paid") - 1, "available": F("available") + 1},
            "indicator_paid_nonneg",
            id="paid_below_zero_case",
        ),
        pytest.param(
            {"available": F("available") + 1},
            "indicator_buckets_sum_to_total",
            id="buckets_do_not_sum_case",
        ),
        pytest.param(
            {"available": F("available") - 1, "allocated": F("allocated") + 1},
            "indicator_allocated_only_pending",
            id="executable_allocates_case",
        ),
    ],
)
def test_r_in_3_the_database_itself_refuses_a_bad_bucket(
    w: World, changes: dict[str, Any], constraint: str
) -> None:
    line = executable(w, 300_000_00)
    before = buckets(line)
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        IndicatorLine.objects.filter(pk=line.pk).update(**changes)
    assert constraint in str(caught.value)
    assert buckets(line) == before


def test_r_in_3_the_database_refuses_raw_sql_and_payments_on_pending_lines(w: World) -> None:
    line, pot = executable(w, 300_000_00), pending(w, 100_000_00)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE indicators_indicatorline SET total = total - %s, available = available - %s"
            " WHERE id = %s",
            [300_000_01, 300_000_01, line.pk],
        )
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        IndicatorLine.objects.filter(pk=pot.pk).update(
            available=F("available") - 1, frozen=F("frozen") + 1
        )
    assert "indicator_payments_only_executable" in str(caught.value)
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        Movement.objects.create(
            posting="00000000-0000-0000-0000-000000000001",
            line=line,
            kind=MovementKind.INCREASE,
            d_total=5,
            d_available=4,
            created_at=timezone.now(),
        )
    assert "movement_legs_sum_to_total" in str(caught.value)
    assert buckets(line) == {"total": 300_000_00, "available": 300_000_00}
    assert reconcile() == []


# --- R-IN-4: indicators change only through documents ---------------------------------------------


def test_r_in_4_movements_are_append_only_in_the_database(w: World) -> None:
    line = executable(w, 300_000_00)
    movement = Movement.objects.get(line=line)
    for statement in (
        "UPDATE indicators_movement SET d_total = 0, d_available = 0 WHERE id = %s",
        "DELETE FROM indicators_movement WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [movement.pk])
    with pytest.raises(DatabaseError), transaction.atomic():
        Movement.objects.filter(pk=movement.pk).update(d_total=1, d_available=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        Movement.objects.filter(pk=movement.pk).delete()
    movement.refresh_from_db()
    assert (movement.d_total, movement.d_available) == (300_000_00, 300_000_00)
    assert reconcile() == []


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(DocumentKind.ISSUE, id="issue_case"),
        pytest.param(DocumentKind.INCREASE, id="increase_case"),
        pytest.param(DocumentKind.DECREASE, id="decrease_case"),
    ],
)
@pytest.mark.parametrize(
    "doc_no", [pytest.param("", id="empty_case"), pytest.param("  ", id="blank_case")]
)
def test_r_in_4_issue_increase_and_decrease_need_the_document_number(
    w: World, kind: str, doc_no: str
) -> None:
    line = executable(w, 100_000_00)
    row = (
        LineInput(Money(1_00), spec=spec(w.school, w.proj))
        if kind == DocumentKind.ISSUE
        else LineInput(Money(1_00), target_id=line.pk)
    )
    detail = only(refused(lambda: enter(w.budget, kind, [row], doc_no=doc_no)))
    assert (detail.code, detail.rule, detail.field) == (
        "indicators.doc_no_required",
        "R-IN-4",
        "doc_no",
    )


def test_r_in_4_the_poster_cannot_be_the_entrant(w: World) -> None:
    document = enter(
        w.budget,
        DocumentKind.ISSUE,
        [LineInput(Money(100_000_00), spec=spec(w.school, w.proj))],
        doc_no=DOC_NO,
    )
    with pytest.raises(BusinessRuleError) as caught:
        document_post(actor=w.budget, document_id=document.pk)
    detail = only(caught.value.errors)
    assert figures(detail) == (
        "indicators.poster_is_entrant",
        "R-WF-1",
        "posted_by",
        "wj_budget",
        None,
    )
    assert caught.value.status == 403 and document.number in detail.message_zh
    document.refresh_from_db()
    assert (document.state, document.posted_by_id) == (DocumentState.DRAFT, None)
    assert not IndicatorLine.objects.filter(origin_document=document).exists()
    document_post(actor=w.chief, document_id=document.pk)
    document.refresh_from_db()
    assert (document.state, document.posted_by_id) == (DocumentState.POSTED, w.chief.pk)


def test_r_in_4_a_posted_document_is_never_edited_or_posted_again(w: World) -> None:
    line = executable(w, 100_000_00)
    document = post_doc(w, DocumentKind.INCREASE, [LineInput(Money(1_00), target_id=line.pk)])
    data = DocumentInput(
        kind=DocumentKind.INCREASE,
        title="改",
        lines=[LineInput(Money(9_00), target_id=line.pk)],
        doc_no=DOC_NO,
    )
    detail = only(
        refused(lambda: document_update(actor=w.budget, document_id=document.pk, data=data))
    )
    assert (detail.code, detail.field) == ("indicators.not_draft", "state")
    detail = only(refused(lambda: document_post(actor=w.chief, document_id=document.pk)))
    assert detail.code == "indicators.not_draft"
    assert buckets(line) == {"total": 100_001_00, "available": 100_001_00}


def test_r_in_4_adjustments_take_effect_only_through_their_approval(w: World) -> None:
    source, target = executable(w, 100_000_00), executable(w, 100_000_00, proj=w.proj2)
    document = adjustment(w, "across_projects", [move(source, target, 10_00)])
    detail = only(refused(lambda: document_post(actor=w.chief, document_id=document.pk)))
    assert (detail.code, detail.rule, detail.value) == (
        "indicators.needs_approval",
        "R-AJ-2",
        DocumentKind.ADJUST,
    )


def test_r_in_4_a_unit_cannot_enter_finance_documents(w: World) -> None:
    line = executable(w, 100_000_00)
    with pytest.raises(PermissionDeniedError):
        enter(
            w.clerk,
            DocumentKind.INCREASE,
            [LineInput(Money(1_00), target_id=line.pk)],
            doc_no=DOC_NO,
        )


def test_r_in_4_every_movement_names_its_document(w: World) -> None:
    line = executable(w, 100_000_00)
    increase = post_doc(w, DocumentKind.INCREASE, [LineInput(Money(5_00), target_id=line.pk)])
    movements = list(Movement.objects.filter(line=line).order_by("id"))
    assert [(m.kind, m.document_id, m.source_no) for m in movements] == [
        (MovementKind.ISSUE, line.origin_document_id, line.origin_document.number),
        (MovementKind.INCREASE, increase.pk, increase.number),
    ]
    assert {m.actor_id for m in movements} == {w.chief.pk}


# --- R-IN-5: what the transfer-funds monitoring will rely on ----------------------------------


def transfer_refs(days_ago: int = 3) -> dict[str, Any]:
    """R-IN-9: the references a 下达 row of upper-level transfer money carries (received
    ``days_ago`` days before the test clock's day)."""
    return {
        "sup_bgt_doc_no": "苏财教〔2026〕18号",
        "rec_date": timezone.localdate() - dt.timedelta(days=days_ago),
        "track_pro_code": "32000026ZX0001",
        "tp_func_code": "2300208",
    }


def test_r_in_5_the_direct_fund_flag_and_source_follow_the_allocation(w: World) -> None:
    transfer = spec(
        w.bureau,
        None,
        line_kind=LineKind.PENDING,
        dep_bgt_eco_code="",
        source_type_code="04",
        is_dir=True,
        **transfer_refs(),
    )
    [source] = issue(w.budget, w.chief, [(transfer, 800_000_00)])
    assert (source.is_dir, source.source_type_code) == (True, "04")
    document = post_doc(
        w, DocumentKind.ALLOCATE, [allocation(source, 300_000_00, w.school, w.proj)]
    )
    child = document.lines.get().created_line
    assert child.source_type_code == "04"
    assert child.is_dir, "the 直达 flag was dropped when the transfer was allocated"


# --- R-IN-6: reclaim ------------------------------------------------------------------------


def test_r_in_6_reclaim_above_available(w: World, spent: IndicatorLine) -> None:
    detail = only(
        refused(
            lambda: enter(
                w.budget, DocumentKind.RECLAIM, [LineInput(Money(200_000_01), source_id=spent.pk)]
            )
        )
    )
    assert figures(detail) == (
        "indicators.insufficient",
        "R-IN-6",
        "lines[0].amount",
        "200,000.01",
        "200,000.00",
    )
    assert spent.code in detail.message_zh
    post_doc(w, DocumentKind.RECLAIM, [LineInput(Money(200_000_00), source_id=spent.pk)])
    assert buckets(spent) == {"total": 100_000_00, "frozen": 100_000_00}
    assert reconcile() == []


def test_r_in_6_reclaim_to_the_source_of_an_issued_line(w: World) -> None:
    line = executable(w, 100_000_00)
    detail = only(
        refused(
            lambda: enter(
                w.budget,
                DocumentKind.RECLAIM,
                [LineInput(Money(1_00), source_id=line.pk, to_parent=True)],
            )
        )
    )
    assert figures(detail) == (
        "indicators.no_parent",
        "R-IN-6",
        "lines[0].to_parent",
        line.code,
        None,
    )


def test_r_in_6_reclaim_to_the_source_of_a_line_that_was_not_allocated(w: World) -> None:
    """A line created by an adjustment into a new line has the adjusted line as its parent, but
    it was never allocated from a pending line: there is nothing to return it to."""
    source = executable(w, 100_000_00)
    document = adjustment(
        w,
        "economic_class",
        [move(source, None, 10_000_00, spec=LineSpec(dep_bgt_eco_code="30211"))],
    )
    instance = submit(w, document)
    while instance.state == "in_progress":
        instance = approve(w, instance)
    created = document.lines.get().created_line
    assert created.parent_id == source.pk and created.kind == LineKind.EXECUTABLE
    errors = refused(
        lambda: enter(
            w.budget,
            DocumentKind.RECLAIM,
            [LineInput(Money(1_00), source_id=created.pk, to_parent=True)],
        )
    )
    detail = only(errors)
    assert figures(detail) == (
        "indicators.no_parent",
        "R-IN-6",
        "lines[0].to_parent",
        created.code,
        None,
    )


def test_r_in_6_reclaim_to_the_source_never_exceeds_what_was_allocated(w: World) -> None:
    source = pending(w, 1_000_000_00)
    child = (
        post_doc(w, DocumentKind.ALLOCATE, [allocation(source, 300_000_00, w.school, w.proj)])
        .lines.get()
        .created_line
    )
    post_doc(w, DocumentKind.INCREASE, [LineInput(Money(50_000_00), target_id=child.pk)])
    document = enter(
        w.budget,
        DocumentKind.RECLAIM,
        [LineInput(Money(300_000_01), source_id=child.pk, to_parent=True)],
    )
    detail = only(refused(lambda: document_post(actor=w.chief, document_id=document.pk)))
    assert figures(detail) == (
        "indicators.insufficient",
        "R-IN-2",
        "lines[0].amount",
        "300,000.01",
        "300,000.00",
    )
    assert source.code in detail.message_zh
    post_doc(
        w,
        DocumentKind.RECLAIM,
        [LineInput(Money(300_000_00), source_id=child.pk, to_parent=True)],
    )
    assert buckets(source) == {"total": 1_000_000_00, "available": 1_000_000_00}
    assert buckets(child) == {"total": 50_000_00, "available": 50_000_00}
    assert reconcile() == []


# --- R-AJ-1: never between basic and project expenditure, nor personnel and public funds --------


def test_r_aj_1_project_to_basic_expenditure(w: World) -> None:
    source, target = executable(w, 100_000_00), executable(w, 100_000_00, proj=w.basic)
    for a, b, limit in (
        (source, target, "项目支出 ↛ 基本支出"),
        (target, source, "基本支出 ↛ 项目支出"),
    ):
        detail = only(
            refused(lambda a=a, b=b: adjustment(w, "across_projects", [move(a, b, 10_00)]))
        )
        assert figures(detail) == (
            "indicators.basic_project_mix",
            "R-AJ-1",
            "lines[0].target",
            f"{a.code} → {b.code}",
            limit,
        )
        assert a.code in detail.message_zh and b.code in detail.message_zh


def test_r_aj_1_personnel_to_public_funds(w: World) -> None:
    salary = executable(w, 100_000_00, proj=w.basic, dep_bgt_eco_code="30101")
    office = executable(w, 100_000_00, proj=w.basic, dep_bgt_eco_code="30201")
    relief = executable(w, 100_000_00, proj=w.basic, dep_bgt_eco_code="30305")
    cases = (
        (salary, office, "30101 → 30201", "人员经费 ↛ 公用经费"),
        (office, salary, "30201 → 30101", "公用经费 ↛ 人员经费"),
        (office, relief, "30201 → 30305", "公用经费 ↛ 人员经费"),
    )
    for a, b, value, limit in cases:
        detail = only(
            refused(lambda a=a, b=b: adjustment(w, "economic_class", [move(a, b, 10_00)]))
        )
        assert figures(detail) == (
            "indicators.personnel_public_mix",
            "R-AJ-1",
            "lines[0].target",
            value,
            limit,
        )
    # Personnel to personnel is an ordinary economic-class adjustment.
    document = adjustment(w, "economic_class", [move(salary, relief, 10_00)])
    assert document.state == DocumentState.DRAFT


def test_r_aj_1_carried_over_basic_funds_never_raise_personnel_standards(w: World) -> None:
    carried = executable(
        w, 100_000_00, proj=w.basic, dep_bgt_eco_code="30201", source_type_code="02"
    )
    salary = executable(w, 100_000_00, proj=w.basic, dep_bgt_eco_code="30101")
    detail = only(refused(lambda: adjustment(w, "economic_class", [move(carried, salary, 10_00)])))
    assert detail.code == "indicators.personnel_public_mix"
    assert "基本支出结转资金不得用于提高人员经费标准" in detail.message_zh


def test_r_aj_1_into_a_new_line_is_checked_too(w: World) -> None:
    office = executable(w, 100_000_00, proj=w.basic, dep_bgt_eco_code="30201")
    detail = only(
        refused(
            lambda: adjustment(
                w,
                "economic_class",
                [move(office, None, 10_00, spec=LineSpec(dep_bgt_eco_code="30101"))],
            )
        )
    )
    assert figures(detail) == (
        "indicators.personnel_public_mix",
        "R-AJ-1",
        "lines[0].target",
        "30201 → 30101",
        "公用经费 ↛ 人员经费",
    )


def test_r_aj_1_project_expenditure_may_move_between_economic_classes(w: World) -> None:
    a = executable(w, 100_000_00, dep_bgt_eco_code="30101")
    b = executable(w, 100_000_00, dep_bgt_eco_code="30201")
    assert adjustment(w, "economic_class", [move(a, b, 10_00)]).state == DocumentState.DRAFT


# --- R-AJ-2: the row must fit the adjustment type, and the type picks the route ----------------


@pytest.fixture
def lines(w: World) -> dict[str, IndicatorLine]:
    research = project(w.school, w.clerk, name="课题研究", is_research=True)
    return {
        "office": executable(w, 100_000_00),
        "office_procured": executable(w, 100_000_00, is_gov_pur=True),
        "travel": executable(w, 100_000_00, dep_bgt_eco_code="30211"),
        "other_project": executable(w, 100_000_00, proj=w.proj2),
        "research_a": executable(w, 100_000_00, proj=research),
        "research_b": executable(w, 100_000_00, proj=research, dep_bgt_eco_code="30211"),
        "reception": executable(w, 100_000_00, dep_bgt_eco_code="30217", thr_exp_code="4"),
    }


MISMATCHES = [
    ("procurement_split", "office", "other_project", "须属于同一项目"),
    ("procurement_split", "office", "travel", "一方为政府采购"),
    ("economic_class", "office", "other_project", "须属于同一项目"),
    ("economic_class", "office", "office_procured", "须改变经济分类"),
    ("research_items", "office", "travel", "不是科研项目"),
    ("research_items", "research_a", "office", "须属于同一项目"),
    ("across_projects", "office", "travel", "须属于不同项目"),
]


@pytest.mark.parametrize(
    ("subtype", "source", "target", "text"),
    [pytest.param(*m, id=f"{m[0]}_{m[1]}_{m[2]}_case") for m in MISMATCHES],
)
def test_r_aj_2_the_row_must_fit_the_adjustment_type(
    w: World, lines: dict[str, IndicatorLine], subtype: str, source: str, target: str, text: str
) -> None:
    a, b = lines[source], lines[target]
    detail = only(refused(lambda: adjustment(w, subtype, [move(a, b, 10_00)])))
    assert figures(detail) == (
        "indicators.subtype_mismatch",
        "R-AJ-2",
        "lines[0].target",
        f"{a.code} → {b.code}",
        subtype,
    )
    assert text in detail.message_zh


def test_r_aj_2_unknown_type_and_same_line(w: World, lines: dict[str, IndicatorLine]) -> None:
    office = lines["office"]
    detail = only(refused(lambda: adjustment(w, "", [move(office, lines["travel"], 10_00)])))
    assert (detail.code, detail.rule, detail.field, detail.value) == (
        "indicators.bad_subtype",
        "R-AJ-2",
        "subtype",
        "",
    )
    detail = only(refused(lambda: adjustment(w, "economic_class", [move(office, office, 10_00)])))
    assert (detail.code, detail.field, detail.value) == (
        "indicators.same_line",
        "lines[0].target",
        office.code,
    )


def test_r_aj_6_a_move_between_units_is_not_an_in_unit_adjustment(
    w: World, lines: dict[str, IndicatorLine], org: Any
) -> None:
    other_school = org("吴江区同里实验小学")
    errors = refused(
        lambda: adjustment(
            w,
            "economic_class",
            [
                move(
                    lines["office"],
                    None,
                    10_00,
                    spec=LineSpec(organisation_id=other_school.pk, dep_bgt_eco_code="30211"),
                )
            ],
        )
    )
    detail = named(errors, "indicators.across_units")
    assert (detail.rule, detail.field, detail.limit) == (
        "R-AJ-6",
        "lines[0].target",
        "across_units",
    )


ROUTES = [
    (
        "procurement_split",
        "office",
        "office_procured",
        "adjustment-procurement-split",
        DEPARTMENT_ROUTE,
    ),
    (
        "research_items",
        "research_a",
        "research_b",
        "adjustment-research-items",
        ["unit_review", "unit_approval"],
    ),
    ("economic_class", "office", "travel", "adjustment-economic-class", DEPARTMENT_ROUTE),
    ("across_projects", "office", "other_project", "adjustment-finance", FINANCE_ROUTE),
]


@pytest.mark.parametrize(
    ("subtype", "source", "target", "definition", "keys"),
    [pytest.param(*r, id=f"{r[0]}_case") for r in ROUTES],
)
def test_r_aj_2_the_type_picks_the_route(
    w: World,
    lines: dict[str, IndicatorLine],
    subtype: str,
    source: str,
    target: str,
    definition: str,
    keys: list[str],
) -> None:
    document = adjustment(w, subtype, [move(lines[source], lines[target], 10_000_00)])
    instance = submit(w, document)
    assert instance.definition.code == definition
    assert route(instance) == keys
    assert instance.facts["subtype"] == subtype
    assert "three_public_increase" not in instance.facts["flags"]
    document.refresh_from_db()
    assert document.state == DocumentState.SUBMITTED
    # Each step's people decide in turn; the last one posts.
    while instance.state == "in_progress":
        assert buckets(lines[target]) == {"total": 100_000_00, "available": 100_000_00}
        instance = approve(w, instance)
    assert buckets(lines[source]) == {"total": 90_000_00, "available": 90_000_00}
    assert buckets(lines[target]) == {"total": 110_000_00, "available": 110_000_00}
    assert reconcile() == []


# --- R-AJ-3: money into a 三公 line needs the finance bureau ---------------------------------------


@pytest.mark.parametrize(
    ("subtype", "source"),
    [
        pytest.param("economic_class", "office", id="economic_class_case"),
        pytest.param("procurement_split", "office_procured", id="procurement_split_case"),
    ],
)
def test_r_aj_3_into_a_three_public_line_goes_to_finance(
    w: World, lines: dict[str, IndicatorLine], subtype: str, source: str
) -> None:
    reception = lines["reception"]
    document = adjustment(w, subtype, [move(lines[source], reception, 5_000_00)])
    instance = submit(w, document)
    assert "three_public_increase" in instance.facts["flags"]
    assert instance.definition.code == "adjustment-finance"
    assert route(instance) == FINANCE_ROUTE
    assert instance.route[2]["organisation_name"] == "苏州市吴江区财政局教科文科"
    while instance.state == "in_progress":
        assert buckets(reception) == {"total": 100_000_00, "available": 100_000_00}
        instance = approve(w, instance)
    assert buckets(reception) == {"total": 105_000_00, "available": 105_000_00}


def test_r_aj_3_into_a_new_three_public_line_goes_to_finance(
    w: World, lines: dict[str, IndicatorLine]
) -> None:
    document = adjustment(
        w,
        "economic_class",
        [
            move(
                lines["office"],
                None,
                5_000_00,
                spec=LineSpec(dep_bgt_eco_code="30217", thr_exp_code="4", summary="公务接待"),
            )
        ],
    )
    instance = submit(w, document)
    assert "three_public_increase" in instance.facts["flags"]
    assert route(instance) == FINANCE_ROUTE


def test_r_aj_3_out_of_a_three_public_line_stays_with_the_department(
    w: World, lines: dict[str, IndicatorLine]
) -> None:
    document = adjustment(w, "economic_class", [move(lines["reception"], lines["office"], 5_00)])
    instance = submit(w, document)
    assert "three_public_increase" not in instance.facts["flags"]
    assert route(instance) == DEPARTMENT_ROUTE


def test_r_aj_3_a_new_line_of_another_class_out_of_a_three_public_line_is_not_three_public(
    w: World, lines: dict[str, IndicatorLine]
) -> None:
    """公务接待费 (三公 4) moved into a new 办公费 line: the new line is not a reception line, so
    nothing 三公 increases and the department decides. The clerk cannot say so by leaving the
    category blank, because a blank element is inherited from the source line."""
    reception = lines["reception"]
    document = adjustment(
        w,
        "economic_class",
        [move(reception, None, 5_000_00, spec=LineSpec(dep_bgt_eco_code="30201"))],
    )
    row = document.lines.get()
    assert (row.dep_bgt_eco_code, row.thr_exp_code) == ("30201", "")
    instance = submit(w, document)
    assert "three_public_increase" not in instance.facts["flags"]
    assert route(instance) == DEPARTMENT_ROUTE


# --- R-AJ-4: the money is checked again at the final approval --------------------------------


def test_r_aj_4_final_approval_fails_when_the_money_left_meanwhile(
    w: World, lines: dict[str, IndicatorLine]
) -> None:
    office, travel = lines["office"], lines["travel"]
    document = adjustment(w, "economic_class", [move(office, travel, 60_000_00)])
    instance = approve(w, submit(w, document))
    assert instance.step_key == "department_approval"
    # A payment freezes money on the source line while the adjustment waits.
    apply("freeze", [Op(office.pk, 60_000_00)], actor_id=w.clerk.pk)
    errors = refused(lambda: approve(w, instance))
    detail = only(errors)
    assert figures(detail) == (
        "indicators.insufficient",
        "R-AJ-4",
        "lines[0].amount",
        "60,000.00",
        "40,000.00",
    )
    assert office.code in detail.message_zh and "40,000.00" in detail.message_zh
    # Nothing moved: the round still waits at the department, the lines are as they were.
    instance.refresh_from_db()
    assert (instance.state, instance.step_key, instance.step_index) == (
        "in_progress",
        "department_approval",
        1,
    )
    document.refresh_from_db()
    assert (document.state, document.posted_by_id) == (DocumentState.SUBMITTED, None)
    assert buckets(office) == {
        "total": 100_000_00,
        "available": 40_000_00,
        "frozen": 60_000_00,
    }
    assert buckets(travel) == {"total": 100_000_00, "available": 100_000_00}
    assert not Movement.objects.filter(document=document).exists()
    # Once the payment is withdrawn the same approver can decide.
    apply("unfreeze", [Op(office.pk, 60_000_00)], actor_id=w.clerk.pk)
    instance = approve(w, instance)
    assert instance.state == "approved"
    assert buckets(office) == {"total": 40_000_00, "available": 40_000_00}
    assert buckets(travel) == {"total": 160_000_00, "available": 160_000_00}
    assert reconcile() == []


def test_r_aj_4_two_rows_from_one_line_at_the_final_approval(
    w: World, lines: dict[str, IndicatorLine]
) -> None:
    office = lines["office"]
    document = adjustment(
        w,
        "economic_class",
        [
            move(office, lines["travel"], 50_000_00),
            move(office, lines["reception"], 40_000_00),
        ],
    )
    instance = submit(w, document)  # 三公 row: the finance route
    for _ in range(3):
        instance = approve(w, instance)
    apply("reserve", [Op(office.pk, 10_000_01)], actor_id=w.clerk.pk)
    detail = only(refused(lambda: approve(w, instance)))
    assert figures(detail) == (
        "indicators.insufficient",
        "R-AJ-4",
        "lines[1].amount",
        "90,000.00",
        "89,999.99",
    )


def test_r_aj_4_submission_without_the_money(w: World, lines: dict[str, IndicatorLine]) -> None:
    office = lines["office"]
    document = adjustment(w, "economic_class", [move(office, lines["travel"], 60_000_00)])
    apply("freeze", [Op(office.pk, 50_000_00)], actor_id=w.clerk.pk)
    detail = only(refused(lambda: submit(w, document)))
    assert figures(detail) == (
        "indicators.insufficient",
        "R-AJ-4",
        "lines[0].amount",
        "60,000.00",
        "50,000.00",
    )
    assert not WorkflowInstance.objects.filter(
        document_type="indicators.adjustment", object_id=str(document.pk)
    ).exists()


def test_r_aj_4_creation_beyond_available(w: World, lines: dict[str, IndicatorLine]) -> None:
    office = lines["office"]
    detail = only(
        refused(
            lambda: adjustment(w, "economic_class", [move(office, lines["travel"], 100_000_01)])
        )
    )
    assert figures(detail) == (
        "indicators.insufficient",
        "R-AJ-4",
        "lines[0].amount",
        "100,000.01",
        "100,000.00",
    )


# --- R-AJ-6: no adjustment asks for a 人大 decision (R-AJ-5 is gone: a 预算调整 is a record) ----


def test_r_aj_6_adjustments_need_no_npc_reference(
    w: World, lines: dict[str, IndicatorLine]
) -> None:
    document = adjustment(
        w, "across_projects", [move(lines["office"], lines["other_project"], 10_00)]
    )
    assert document.npc_reference == ""
    detail = only(
        refused(
            lambda: adjustment(
                w,
                "budget_adjustment",
                [move(lines["office"], lines["other_project"], 10_00)],
                npc_reference="吴人常〔2026〕3号",
            )
        )
    )
    assert (detail.code, detail.rule, detail.field, detail.value) == (
        "indicators.bad_subtype",
        "R-AJ-2",
        "subtype",
        "budget_adjustment",
    )
    assert "budget_adjustment" not in detail.limit
