"""Basic expenditure by quota (R-PJ-5, R-PJ-8; DOMAIN §3.11, DOMAIN-2 §3.3; ADR 0044).

A small hand-made 行政单位 — one 公务员 with a pension base above the cap, one 事业 teacher with a
base below the floor, one retiree, one official vehicle — is computed from the budget snapshot and
the year's standards, and every figure is asserted in fen. The system projects are made stored at
the computed totals; a unit cannot declare or edit them; finance overrides with a reason (audited,
the computed figure kept beside it); a recomputation after a standards change is a new version
that says what changed; the call is idempotent; another unit sees nothing of it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

import pytest
from tests.personnel_helpers import id_number, teacher

from yusuan.audit.models import AuditRecord
from yusuan.common.actor import PermissionDeniedError
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money
from yusuan.core.choices import BudgetLevel, OrganisationKind
from yusuan.core.models import FiscalYear, Standard
from yusuan.core.selectors import standards_for
from yusuan.core.services.fiscal_years import fiscal_year_open
from yusuan.core.services.organisations import OrganisationData, organisation_create
from yusuan.core.services.standards import standard_change
from yusuan.identity.services import UserData, user_create
from yusuan.personnel import rules
from yusuan.personnel.services import EstablishmentInput, establishment_set, snapshot_take
from yusuan.personnel.services.sheet import NewPerson, people_load
from yusuan.projects.basic_selectors import access_unit, person_rows, unit_sheet
from yusuan.projects.models import BasicLine, BasicOverride, Project, ProjectPlan
from yusuan.projects.services import ProjectInput, project_create, project_update
from yusuan.projects.services.basic import basic_compute, basic_override

pytestmark = pytest.mark.django_db
WJ, YEAR = "320509", 2027

# The standards the figures below assume: the registry's defaults [D], as a new year copies them.
RATES = {
    "contribution.pension": 1600,
    "contribution.annuity": 800,
    "contribution.medical": 800,
    "contribution.civil_servant_medical": 400,
    "contribution.unemployment": 50,
    "contribution.injury": 20,
    "contribution.housing_fund": 1200,
    "contribution.union_fund": 200,
    "base.average_wage": 801_700,
    "base.cap_pct": 300,
    "base.floor_pct": 60,
    "bonus.year_end_months": 1,
    "public.per_head.1": 2_400_000,
    "public.per_vehicle": 3_000_000,
    "public.per_retiree": 200_000,
    "public.heating_per_head": 0,
    "public.headcount_basis": 2,
}

# (economic 款, functional 项) → fen. Cap 2,405,100 and floor 481,020 fen a month.
PERSONNEL = {
    ("30101", "2010101"): (3_000_00 + 2_000_00) * 12 + (2_100_00 + 1_500_00) * 12,
    ("30102", "2010101"): 4_000_00 * 12 + 800_00 * 12,
    ("30103", "2010101"): 500_00 * 12 + 5_000_00,  # monthly bonus + year-end (1 × 基本工资)
    ("30107", "2010101"): 2_600_00 * 12,
    # 16 % of the capped 24,051.00 = 3,848.16; of the floor 4,810.20 = 769.632 → 769.63
    ("30108", "2080505"): 384_816 * 12 + 76_963 * 12,
    ("30109", "2080506"): 192_408 * 12 + 38_482 * 12,  # 384.816 → 384.82 (half up)
    ("30110", "2101101"): 72_000 * 12 + 64_000 * 12,  # 行政单位医疗, on the medical bases
    ("30111", "2101103"): 36_000 * 12,  # 公务员医疗补助: the civil servant only
    # 0.5 % + 0.2 %, each half up per person: 12,025.5 → 12,026 and 4,810.2 → 4,810; 2,405 + 962
    ("30112", "2010101"): (12_026 + 4_810) * 12 + (2_405 + 962) * 12,
    ("30113", "2210201"): 108_000 * 12 + 96_000 * 12,
    ("30302", "2080501"): 6_000_00 * 12,  # 行政单位离退休
}
WAGE_BILL = 11_900_000 + 8_400_000
PUBLIC = {
    ("30299", "2010101"): 2 * 2_400_000,  # two in service on the establishment × 24,000.00
    ("30231", "2010101"): 3_000_000,  # one vehicle
    ("30299", "2080501"): 200_000,  # one retiree
    ("30228", "2010101"): WAGE_BILL * 200 // 10_000,  # 2 % of the wage bill
}


def _make_unit(user: Callable[[str], Any], org: Callable[[str], Any]) -> Any:
    admin = user("wj_admin")
    if not FiscalYear.objects.filter(mof_div_code=WJ, year=YEAR).exists():
        fiscal_year_open(actor=admin, mof_div_code=WJ, year=YEAR)
    department = user("school_clerk").organisation.parent
    unit = organisation_create(
        actor=admin,
        mof_div_code=WJ,
        data=OrganisationData(
            code=f"{department.code}990",
            name="基本支出测试所",
            kind=OrganisationKind.UNIT,
            parent_id=department.pk,
            agency_type="1",
            budget_level=BudgetLevel.BASIC,
        ),
    )
    officer = user("wj_personnel")
    establishment_set(
        actor=officer,
        data=EstablishmentInput(
            organisation_id=unit.pk,
            fiscal_year=YEAR,
            administrative=2,
            institution=1,
            worker=0,
            leader_posts=1,
            document_no="吴编〔2026〕99号",
            vehicles=1,
            functional_code="2010101",
        ),
    )
    civil = rules.State(
        organisation_id=unit.pk,
        state=rules.ACTIVE,
        status=rules.CIVIL_SERVANT,
        establishment="administrative",
        position="科员",
        rank="一级科员",
        civil_level=22,
        civil_step=3,
        items={
            "position_pay": 3_000_00,
            "grade_pay": 2_000_00,
            "allowance_standard": 4_000_00,
            "bonus": 500_00,
        },
        pension_base=30_000_00,  # above the cap (24,051.00)
        medical_base=9_000_00,
        housing_base=9_000_00,
    )
    values = teacher(
        items={
            "post_pay": 2_100_00,
            "scale_pay": 1_500_00,
            "performance_basic": 2_600_00,
            "allowance_living": 800_00,
        },
        pension_base=3_000_00,  # below the floor (4,810.20)
        medical_base=8_000_00,
        housing_base=8_000_00,
    )
    school = rules.State(organisation_id=unit.pk, state=rules.ACTIVE, **values)
    retired = rules.State(
        organisation_id=unit.pk,
        state=rules.RETIRED,
        status=rules.CIVIL_SERVANT,
        establishment="administrative",
        items={"retirement_pay": 6_000_00},
    )
    people = [
        NewPerson(civil, id_number(401), "张公务"),
        NewPerson(school, id_number(402), "李老师"),
        NewPerson(retired, id_number(403, born=dt.date(1958, 3, 1)), "王退休"),
    ]
    for person in people:
        born = rules.identity_facts(person.id_number)[0]
        found = rules.check_state(person.state, birth_date=born, effective=dt.date(2026, 1, 1))
        assert found == [], found
    people_load(
        actor=officer,
        mof_div_code=WJ,
        effective_from=dt.date(2026, 1, 1),
        people=people,
        source={"file": "test"},
    )
    snapshot_take(
        actor=officer,
        mof_div_code=WJ,
        fiscal_year=YEAR,
        as_of=dt.date(2026, 6, 30),
        reason="测试单位加入后重新生成",
    )
    user_create(
        actor=None,
        data=UserData("basic_clerk", "单位经办", unit.pk, ("unit_clerk",)),
        password="Yusuan@2026x",
    )
    return unit


@pytest.fixture
def unit(user: Callable[[str], Any], org: Callable[[str], Any]) -> Any:
    return _make_unit(user, org)


def _by(lines: list[BasicLine], category: str) -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = defaultdict(int)
    for line in lines:
        if line.category == category:
            found[(line.economic_code, line.functional_code)] += line.amount_fen
    return dict(found)


def test_the_small_unit_in_fen(user: Callable[[str], Any], unit: Any) -> None:
    rates = standards_for(mof_div_code=WJ, fiscal_year=YEAR)
    assert {k: rates[k] for k in RATES} == RATES
    outcome = basic_compute(actor=user("wj_budget"), mof_div_code=WJ, fiscal_year=YEAR)
    assert outcome.new_version
    lines = list(BasicLine.objects.filter(run=outcome.run, organisation=unit))
    assert _by(lines, "1") == PERSONNEL
    assert _by(lines, "21") == PUBLIC
    assert sum(PERSONNEL.values()) == 40_566_464
    assert sum(PUBLIC.values()) == 8_406_000
    # The run keeps the inputs it used: standards, snapshot version, the unit's 编制 and vehicles.
    assert outcome.run.snapshot_version == 2
    assert outcome.run.standards["contribution.pension"] == 1600
    assert outcome.run.inputs[str(unit.pk)] == ["1", "2010101", 3, 1]
    pension = {x.status: (x.headcount, x.basis) for x in lines if x.economic_code == "30108"}
    assert pension == {  # a row per 身份; the bases capped and floored
        "civil_servant": (1, {"base": 2_405_100}),
        "inst_technical": (1, {"base": 481_020}),
    }
    # The two system projects: stored (they enter 一上 as computed), plan = total.
    projects = {p.category: p for p in Project.objects.filter(organisation=unit, fiscal_year=YEAR)}
    assert set(projects) == {"1", "21"}
    assert projects["1"].total_amount_fen == 40_566_464
    assert projects["21"].total_amount_fen == 8_406_000
    assert all(p.state == "stored" for p in projects.values())
    for p in projects.values():
        plans = list(ProjectPlan.objects.filter(project=p).values_list("year", "amount_fen"))
        assert plans == [(YEAR, p.total_amount_fen)]
        # Each project written in bulk still has its own creation record.
        created = AuditRecord.objects.get(action="projects.create", object_id=str(p.pk))
        assert created.changes["total_amount_fen"] == [None, p.total_amount_fen]
        assert created.extra == {"by": "R-PJ-8", "run": outcome.run.version, "system": True}
    # Drill-down: one row per person; the three add up to the unit's 人员类.
    rows = person_rows(actor=user("basic_clerk"), organisation=unit, run=outcome.run)
    assert len(rows) == 3
    assert sum(a.amount for _row, amounts in rows for a in amounts) == 40_566_464


def test_compute_is_idempotent_and_a_recompute_says_what_changed(
    user: Callable[[str], Any], unit: Any
) -> None:
    budget = user("wj_budget")
    first = basic_compute(actor=budget, mof_div_code=WJ, fiscal_year=YEAR)
    rows = BasicLine.objects.filter(run=first.run, organisation=unit).count()
    again = basic_compute(actor=budget, mof_div_code=WJ, fiscal_year=YEAR)
    assert not again.new_version and again.run.pk == first.run.pk
    assert again.created == again.updated == 0
    # The province lowers the pension rate to 15 %: a new version, only 30108 moves.
    standard_change(
        actor=budget,
        standard=Standard.objects.get(
            mof_div_code=WJ, fiscal_year=YEAR, key="contribution.pension"
        ),
        value=1500,
        reason="省里调整",
        effective_from=dt.date(YEAR, 1, 1),
    )
    second = basic_compute(actor=budget, mof_div_code=WJ, fiscal_year=YEAR)
    assert second.new_version and second.run.version == first.run.version + 1
    # 15 % of 24,051.00 = 3,607.65; of 4,810.20 = 721.53
    after = 40_566_464 - (384_816 + 76_963) * 12 + (360_765 + 72_153) * 12
    change = next(
        c for c in second.run.changes if c["organisation_id"] == unit.pk and c["category"] == "1"
    )
    assert change == {
        "organisation_id": unit.pk,
        "category": "1",
        "before": 40_566_464,
        "after": after,
    }
    assert not any(
        c["organisation_id"] == unit.pk and c["category"] == "21" for c in second.run.changes
    )
    project = Project.objects.get(organisation=unit, fiscal_year=YEAR, category="1")
    assert project.total_amount_fen == after
    assert project.updated_at > project.created_at
    plans = ProjectPlan.objects.filter(project=project).values_list("year", "amount_fen")
    assert list(plans) == [(YEAR, after)]
    moved = AuditRecord.objects.get(action="projects.basic.update", object_id=str(project.pk))
    assert moved.changes == {"total_amount_fen": [40_566_464, after]}
    assert moved.extra == {"by": "R-PJ-8", "run": second.run.version, "source": "computed"}
    other = Project.objects.get(organisation=unit, fiscal_year=YEAR, category="21")
    assert not AuditRecord.objects.filter(action="projects.basic.update", object_id=str(other.pk))
    # The first run's rows stay (history by version).
    assert BasicLine.objects.filter(run=first.run, organisation=unit).count() == rows


def test_units_cannot_declare_or_edit_the_system_projects(
    user: Callable[[str], Any], unit: Any
) -> None:
    basic_compute(actor=user("wj_budget"), mof_div_code=WJ, fiscal_year=YEAR)
    clerk = user("basic_clerk")
    project = Project.objects.get(organisation=unit, fiscal_year=YEAR, category="1")
    data = ProjectInput(
        name="手工人员经费",
        category="1",
        kind="new",
        start_year=YEAR,
        end_year=YEAR,
        total_amount=Money(1_000_000_00),
        fund_type="111",
    )
    with pytest.raises(BusinessRuleError) as caught:
        project_create(actor=clerk, organisation=unit, fiscal_year=YEAR, data=data)
    error = next(e for e in caught.value.errors if e.code == "projects.system_category")
    assert (error.rule, error.field, error.value) == ("R-PJ-8", "category", "1")
    with pytest.raises(BusinessRuleError) as caught:
        project_update(actor=clerk, project=project, data=data)
    assert caught.value.errors[0].code == "projects.not_editable"
    project.refresh_from_db()
    assert project.total_amount_fen == 40_566_464


def test_finance_overrides_with_a_reason_audited_beside_the_computed(
    user: Callable[[str], Any], unit: Any
) -> None:
    budget = user("wj_budget")
    basic_compute(actor=budget, mof_div_code=WJ, fiscal_year=YEAR)
    with pytest.raises(BusinessRuleError) as caught:
        basic_override(
            actor=budget,
            organisation=unit,
            fiscal_year=YEAR,
            category="1",
            amount=Money(41_000_000),
            reason=" ",
        )
    assert [(e.code, e.rule, e.field) for e in caught.value.errors] == [
        ("projects.basic_override_reason", "R-PJ-8", "reason")
    ]
    with pytest.raises(PermissionDeniedError):
        basic_override(
            actor=user("basic_clerk"),
            organisation=unit,
            fiscal_year=YEAR,
            category="1",
            amount=Money(41_000_000),
            reason="自己改",
        )
    override = basic_override(
        actor=budget,
        organisation=unit,
        fiscal_year=YEAR,
        category="1",
        amount=Money(41_000_000),
        reason="新增编制已批，按全年计列",
    )
    assert (override.amount_fen, override.computed_fen) == (41_000_000, 40_566_464)
    project = Project.objects.get(organisation=unit, fiscal_year=YEAR, category="1")
    assert project.total_amount_fen == 41_000_000
    record = AuditRecord.objects.get(action="projects.basic.override", object_id=str(override.pk))
    assert record.changes == {"amount_fen": [None, 41_000_000]}
    assert record.extra["computed"] == 40_566_464
    assert record.extra["reason"] == "新增编制已批，按全年计列"
    sheet = unit_sheet(actor=user("basic_clerk"), organisation=unit, fiscal_year=YEAR)
    assert sheet.computed["1"] == 40_566_464 and sheet.figure("1") == 41_000_000
    # A recompute keeps finance's figure on the project; the computed one moves beside it.
    assert (
        basic_compute(actor=budget, mof_div_code=WJ, fiscal_year=YEAR).run.pk == sheet.run.pk  # type: ignore[union-attr]
    )
    project.refresh_from_db()
    assert project.total_amount_fen == 41_000_000
    # Withdrawn: the computed figure counts again.
    basic_override(
        actor=budget,
        organisation=unit,
        fiscal_year=YEAR,
        category="1",
        amount=None,
        reason="撤回调整",
    )
    project.refresh_from_db()
    assert project.total_amount_fen == 40_566_464
    assert BasicOverride.objects.filter(organisation=unit).count() == 2


def test_another_unit_sees_nothing(user: Callable[[str], Any], unit: Any) -> None:
    basic_compute(actor=user("wj_budget"), mof_div_code=WJ, fiscal_year=YEAR)
    with pytest.raises(NotFoundError):
        access_unit(actor=user("school_clerk"), organisation_id=unit.pk)
    assert access_unit(actor=user("basic_clerk"), organisation_id=unit.pk) == unit


def test_no_snapshot_no_computation(user: Callable[[str], Any]) -> None:
    with transaction.atomic(), pytest.raises(BusinessRuleError) as caught:
        basic_compute(actor=user("wj_budget"), mof_div_code=WJ, fiscal_year=2030)
    error = caught.value.errors[0]
    assert (error.code, error.rule, error.value) == ("projects.basic_no_snapshot", "R-PS-4", 2030)
