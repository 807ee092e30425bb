"""R-PJ-7 (basic vs project expenditure by project category) and R-AJ-6 (moves between units
are 预算调剂 routed by the approval matrix, never a 预算调整 and never a 人大 reference).

DOMAIN-2 §1 C1, C2. Every refusal is asserted by its code, rule, field and figures, and is shown
to leave the ledger, the documents and the audit trail alone.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.apps import apps as django_apps

import pytest
from tests.indicator_helpers import issue, project, spec

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.indicators import rules
from yusuan.indicators.choices import DocumentKind, DocumentState
from yusuan.indicators.models import IndicatorDocument, IndicatorLine, Movement
from yusuan.indicators.selectors import reconcile
from yusuan.indicators.services import DocumentInput, LineInput, document_create
from yusuan.workflow import services as workflow
from yusuan.workflow.models import ApprovalDefinition, DefinitionVersion, WorkflowInstance

pytestmark = pytest.mark.django_db

ADJUSTMENT = "indicators.adjustment"
COLUMNS = ("total", "available", "allocated", "reserved", "frozen", "held", "paid")
ACROSS_UNITS_ROUTE = ["department_approval", "sector_review", "budget_approval"]


def only(errors: list[ErrorDetail]) -> ErrorDetail:
    assert len(errors) == 1, errors
    return errors[0]


def named(errors: list[ErrorDetail], code: str) -> ErrorDetail:
    found = [e for e in errors if e.code == code]
    assert len(found) == 1, errors
    return found[0]


def figures(detail: ErrorDetail) -> tuple[Any, ...]:
    return (detail.code, detail.rule, detail.field, detail.value, detail.limit)


def snapshot() -> tuple[Any, ...]:
    return (
        list(IndicatorLine.objects.order_by("id").values_list("id", *COLUMNS)),
        Movement.objects.count(),
        IndicatorDocument.objects.count(),
        AuditRecord.objects.count(),
    )


def refused(call: Callable[[], Any]) -> list[ErrorDetail]:
    before = snapshot()
    with pytest.raises(BusinessRuleError) as caught:
        call()
    assert snapshot() == before
    return caught.value.errors


def buckets(line: IndicatorLine) -> dict[str, int]:
    line.refresh_from_db()
    return {k: getattr(line, k) for k in COLUMNS if getattr(line, k)}


class World:
    def __init__(self, user: Callable[[str], Any], org: Callable[[str], Any]) -> None:
        self.user = user
        self.budget, self.chief = user("wj_budget"), user("wj_budget_chief")
        self.clerk, self.edu_clerk = user("school_clerk"), user("edu_clerk")
        self.school: Organisation = self.clerk.organisation
        self.edu: Organisation = self.school.parent
        self.other_school: Organisation = org("吴江区同里实验小学")
        self.hospital: Organisation = user("hospital_clerk").organisation

    def line(self, unit: Organisation, category: str, fen: int, **kw: Any) -> IndicatorLine:
        entrant = self.edu_clerk if unit.path.startswith(self.edu.path) else self.budget
        if unit == self.hospital:
            entrant = self.user("health_clerk")
        proj = project(unit, entrant, category=category, name=f"项目{category}")
        [line] = issue(self.budget, self.chief, [(spec(unit, proj, **kw), fen)])
        return line


@pytest.fixture
def w(user: Callable[[str], Any], org: Callable[[str], Any]) -> World:
    return World(user, org)


def move(source: IndicatorLine, target: IndicatorLine, fen: int) -> LineInput:
    return LineInput(amount=Money(fen), source_id=source.pk, target_id=target.pk)


def enter(actor: Any, subtype: str, rows: list[LineInput], **kw: Any) -> IndicatorDocument:
    return document_create(
        actor=actor,
        data=DocumentInput(
            kind=DocumentKind.ADJUST,
            title="调剂",
            subtype=subtype,
            lines=rows,
            fiscal_year=2026,
            **kw,
        ),
    )


def decide_all(w: World, instance: WorkflowInstance, approvers: dict[str, str]) -> None:
    while instance.state == "in_progress":
        instance = workflow.instance_approve(
            actor=w.user(approvers[instance.step_key]),
            instance_id=instance.pk,
            expected_step=instance.step_index,
        )


# --- R-PJ-7: 基本支出 = 人员类 + 公用经费; 项目支出 = 其他运转类 + 特定目标类 -----------------------


@pytest.mark.parametrize(
    ("pro_cat", "kind"),
    [("1", "basic"), ("21", "basic"), ("22", "project"), ("3", "project"), ("", ""), ("9", "")],
)
def test_r_pj_7_expenditure_kind_by_project_category(pro_cat: str, kind: str) -> None:
    assert rules.expenditure_kind(pro_cat) == kind


# (source category, target category, R-AJ-1 refusal's limit or None when the move is allowed)
R_PJ_7_MOVES = [
    ("22", "21", "项目支出 ↛ 基本支出"),  # 其他运转类 is project expenditure now (was basic)
    ("21", "22", "基本支出 ↛ 项目支出"),
    ("1", "3", "基本支出 ↛ 项目支出"),
    ("3", "1", "项目支出 ↛ 基本支出"),
    ("22", "3", None),  # both project expenditure
    ("3", "22", None),
    ("1", "21", None),  # both basic (same economic class use: see R-AJ-1's personnel check)
]


@pytest.mark.parametrize(
    ("source_cat", "target_cat", "limit"),
    [pytest.param(*m, id=f"{m[0]}_to_{m[1]}") for m in R_PJ_7_MOVES],
)
def test_r_pj_7_decides_r_aj_1_between_projects(
    w: World, source_cat: str, target_cat: str, limit: str | None
) -> None:
    source = w.line(w.school, source_cat, 100_000_00)
    target = w.line(w.school, target_cat, 100_000_00)
    row = move(source, target, 10_000_00)
    if limit is None:
        document = enter(w.clerk, "across_projects", [row])
        assert document.state == DocumentState.DRAFT
        instance = workflow.document_submit(
            actor=w.clerk, document_type=ADJUSTMENT, object_id=str(document.pk)
        )
        decide_all(
            w,
            instance,
            {
                "unit_approval": "school_approver",
                "department_approval": "edu_approver",
                "sector_review": "wj_sector_edu",
                "budget_approval": "wj_budget",
            },
        )
        assert buckets(source) == {"total": 90_000_00, "available": 90_000_00}
        assert buckets(target) == {"total": 110_000_00, "available": 110_000_00}
        assert reconcile() == []
        return
    detail = only(refused(lambda: enter(w.clerk, "across_projects", [row])))
    assert figures(detail) == (
        "indicators.basic_project_mix",
        "R-AJ-1",
        "lines[0].target",
        f"{source.code} → {target.code}",
        limit,
    )


# --- R-AJ-6: moves between units are 预算调剂 ----------------------------------------------------


def test_r_aj_6_a_unit_clerk_cannot_start_a_move_between_units(w: World) -> None:
    own, other_own = w.line(w.school, "3", 100_000_00), w.line(w.school, "3", 100_000_00)
    for subtype in rules.CROSS_UNIT_SUBTYPES:
        errors = refused(
            lambda subtype=subtype: enter(w.clerk, subtype, [move(own, other_own, 10_00)])
        )
        detail = named(errors, "indicators.cross_unit_by_unit")
        assert figures(detail) == (
            "indicators.cross_unit_by_unit",
            "R-AJ-6",
            "subtype",
            subtype,
            w.school.name,
        )
        assert "主管部门" in detail.message_zh


def test_r_aj_6_the_department_moves_money_between_its_units(w: World) -> None:
    """No 人大 reference asked; department, then finance (R-AJ-2's matrix) decides; posted."""
    source = w.line(w.school, "3", 100_000_00)
    target = w.line(w.other_school, "3", 100_000_00)
    document = enter(w.edu_clerk, "across_units", [move(source, target, 30_000_00)])
    assert (document.organisation_id, document.npc_reference) == (w.edu.pk, "")
    instance = workflow.document_submit(
        actor=w.edu_clerk, document_type=ADJUSTMENT, object_id=str(document.pk)
    )
    assert instance.definition.code == "adjustment-across-units"
    assert [s["key"] for s in instance.route] == ACROSS_UNITS_ROUTE
    assert instance.facts["subtype"] == "across_units"
    decide_all(
        w,
        instance,
        {
            "department_approval": "edu_approver",
            "sector_review": "wj_sector_edu",
            "budget_approval": "wj_budget",
        },
    )
    document.refresh_from_db()
    assert document.state == DocumentState.POSTED
    assert buckets(source) == {"total": 70_000_00, "available": 70_000_00}
    assert buckets(target) == {"total": 130_000_00, "available": 130_000_00}
    assert reconcile() == []


def test_r_aj_6_finance_enters_a_move_between_units_for_the_department(w: World) -> None:
    source = w.line(w.school, "3", 100_000_00)
    target = w.line(w.other_school, "3", 100_000_00)
    document = enter(
        w.budget, "across_units", [move(source, target, 1_000_00)], organisation_id=w.edu.pk
    )
    instance = workflow.document_submit(
        actor=w.budget, document_type=ADJUSTMENT, object_id=str(document.pk)
    )
    assert [s["key"] for s in instance.route] == ACROSS_UNITS_ROUTE
    decide_all(
        w,
        instance,
        {
            "department_approval": "edu_approver",
            "sector_review": "wj_sector_edu",
            "budget_approval": "wj_budget_chief",  # the entrant never decides (R-WF-1)
        },
    )
    assert buckets(target) == {"total": 101_000_00, "available": 101_000_00}
    # Entered in finance's own name it would have no department to route through.
    errors = refused(lambda: enter(w.budget, "across_units", [move(source, target, 1_00)]))
    detail = named(errors, "indicators.cross_unit_starter")
    assert (detail.rule, detail.field) == ("R-AJ-6", "organisation_id")


def test_r_aj_6_finance_moves_money_between_departments(w: World) -> None:
    source = w.line(w.school, "3", 100_000_00)
    target = w.line(w.hospital, "3", 100_000_00)
    document = enter(w.budget, "across_departments", [move(source, target, 25_000_00)])
    assert document.npc_reference == ""
    instance = workflow.document_submit(
        actor=w.budget, document_type=ADJUSTMENT, object_id=str(document.pk)
    )
    assert instance.definition.code == "adjustment-across-departments"
    assert [s["key"] for s in instance.route] == ["budget_approval"]
    decide_all(w, instance, {"budget_approval": "wj_budget_chief"})
    assert buckets(source) == {"total": 75_000_00, "available": 75_000_00}
    assert buckets(target) == {"total": 125_000_00, "available": 125_000_00}
    assert reconcile() == []


def test_r_aj_6_a_department_cannot_start_a_move_between_departments(w: World) -> None:
    source = w.line(w.school, "3", 100_000_00)
    target = w.line(w.other_school, "3", 100_000_00)
    errors = refused(lambda: enter(w.edu_clerk, "across_departments", [move(source, target, 1)]))
    assert figures(named(errors, "indicators.cross_unit_starter")) == (
        "indicators.cross_unit_starter",
        "R-AJ-6",
        "subtype",
        "across_departments",
        w.edu.name,
    )
    # …and two units of one department are not a move between departments.
    mismatch = named(errors, "indicators.subtype_mismatch")
    assert figures(mismatch) == (
        "indicators.subtype_mismatch",
        "R-AJ-6",
        "lines[0].target",
        f"{source.code} → {target.code}",
        "across_departments",
    )


def test_r_aj_6_a_move_between_units_must_stay_in_the_department(w: World) -> None:
    source = w.line(w.school, "3", 100_000_00)
    target = w.line(w.hospital, "3", 100_000_00)
    errors = refused(
        lambda: enter(
            w.budget, "across_units", [move(source, target, 1_00)], organisation_id=w.edu.pk
        )
    )
    mismatch = named(errors, "indicators.subtype_mismatch")
    assert (mismatch.rule, mismatch.field, mismatch.limit) == (
        "R-AJ-6",
        "lines[0].target",
        "across_units",
    )
    foreign = named(errors, "indicators.not_own_line")
    assert (foreign.rule, foreign.value) == ("R-AJ-6", target.code)


def test_r_aj_6_r_aj_1_still_applies_between_units(w: World) -> None:
    source = w.line(w.school, "3", 100_000_00)
    target = w.line(w.other_school, "21", 100_000_00)
    detail = only(refused(lambda: enter(w.edu_clerk, "across_units", [move(source, target, 1)])))
    assert figures(detail) == (
        "indicators.basic_project_mix",
        "R-AJ-1",
        "lines[0].target",
        f"{source.code} → {target.code}",
        "项目支出 ↛ 基本支出",
    )


# --- the data migration: budget_adjustment documents and definitions are re-labelled ---------------


def _migration() -> Any:
    return importlib.import_module(
        "yusuan.indicators.migrations.0009_adjustments_between_units_are_reallocations"
    )


def test_r_aj_6_migration_relabels_budget_adjustments(w: World) -> None:
    school_a, school_b = w.line(w.school, "3", 100_00), w.line(w.school, "3", 100_00)
    other = w.line(w.other_school, "3", 100_00)
    hospital = w.line(w.hospital, "3", 100_00)
    cases = [
        (w.clerk, [move(school_a, school_b, 1)], "across_projects"),
        (w.edu_clerk, [move(school_a, other, 1)], "across_units"),
        (w.budget, [move(school_a, hospital, 1)], "across_departments"),
    ]
    documents = []
    for actor, rows, expected in cases:
        document = enter(
            actor,
            expected,
            rows,
            **(
                {"organisation_id": w.edu.pk}
                if expected == "across_units" and actor == w.budget
                else {}
            ),
        )
        IndicatorDocument.objects.filter(pk=document.pk).update(subtype="budget_adjustment")
        documents.append((document, expected))
    _migration().relabel_documents(django_apps, None)
    for document, expected in documents:
        document.refresh_from_db()
        assert document.subtype == expected
        record = AuditRecord.objects.get(
            action="indicators.subtype_relabelled", object_id=str(document.pk)
        )
        assert record.changes == {"subtype": ["budget_adjustment", expected]}


def test_r_aj_6_migration_installs_the_definitions_and_rewrites_old_conditions() -> None:
    region = "320999"
    finance = ApprovalDefinition.objects.create(
        mof_div_code=region,
        code="adjustment-finance",
        name=_migration().OLD_FINANCE_NAME,
        document_type=ADJUSTMENT,
        priority=90,
    )
    DefinitionVersion.objects.create(
        definition=finance,
        number=1,
        body={
            "steps": [
                {"key": "b", "name": "b", "role": "budget_officer", "level": "budget_division"}
            ]
        },
    )
    custom = ApprovalDefinition.objects.create(
        mof_div_code=region, code="npc", name="npc", document_type=ADJUSTMENT, priority=5
    )
    DefinitionVersion.objects.create(
        definition=custom,
        number=1,
        body={
            "conditions": [{"field": "subtype", "op": "in", "value": ["budget_adjustment"]}],
            "steps": [
                {"key": "b", "name": "b", "role": "budget_officer", "level": "budget_division"}
            ],
        },
    )
    _migration().update_definitions(django_apps, None)
    codes = set(
        ApprovalDefinition.objects.filter(mof_div_code=region).values_list("code", flat=True)
    )
    assert {"adjustment-across-units", "adjustment-across-departments"} <= codes
    finance.refresh_from_db()
    assert "预算调整" not in finance.name
    current = custom.current_version()
    assert current is not None and current.number == 2
    assert current.body["conditions"][0]["value"] == ["across_units"]
