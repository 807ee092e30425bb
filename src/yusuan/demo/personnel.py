"""Demo data for the personnel database (人员信息库, DOMAIN-2 §3): staff for every demo unit with
plausible 编制, grades and pay standards, the units' 编制 records, a few change documents in
every state, the budget snapshot for next year's 一上 and next year's basic expenditure computed
from it by quota.

``district``: ~7,500 people over the district's units (seed 004); ``tiny``: a handful per unit.
People are loaded in bulk through ``people_load`` (the sheet import's writer) after each state
passed ``rules.check_state``; changes go through the services and the approval engine.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from stdnum.cn import ric

from yusuan.core.models import Organisation
from yusuan.demo.names import functional_code, person_name
from yusuan.identity.models import User
from yusuan.identity.services import UserData, user_create
from yusuan.personnel import rules
from yusuan.personnel.choices import ChangeKind
from yusuan.personnel.models import PersonnelChange
from yusuan.personnel.services import (
    ChangeInput,
    EstablishmentInput,
    change_create,
    establishment_set,
    snapshot_take,
)
from yusuan.personnel.services.sheet import NewPerson, people_load
from yusuan.projects.services.basic import basic_compute
from yusuan.workflow.services import document_submit, instance_approve

TARGET = {"tiny": 60, "district": 7_500}
OFFICER = "wj_personnel"
LOADED_FROM = dt.date(2026, 1, 1)  # the database's first load: the start of the demo year
CIVIL_RANKS = (
    ("科员", "一级科员", 24),
    ("科员", "四级主任科员", 21),
    ("副科长", "二级主任科员", 19),
    ("科长", "一级主任科员", 17),
    ("副局长", "四级调研员", 15),
    ("局长", "二级调研员", 13),
)
OFFICES = ("办公室", "人事科", "财务科", "业务一科", "业务二科", "综合科")


def _yuan(low: int, high: int, rng: random.Random) -> int:
    """A monthly standard between two amounts in yuan, in whole yuan, as fen."""
    return rng.randint(low, high) * 100


class _Staff:
    def __init__(self, rng: random.Random, year: int) -> None:
        self.rng = rng
        self.year = year
        self.ids: set[str] = set()

    def id_number(self, born_from: int, born_to: int) -> str:
        while True:
            birth = dt.date(
                self.rng.randint(born_from, born_to),
                self.rng.randint(1, 12),
                self.rng.randint(1, 28),
            )
            body = f"320584{birth:%Y%m%d}{self.rng.randint(0, 999):03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.ids:
                self.ids.add(number)
                return number

    def bases(self, items: dict[str, int]) -> dict[str, int]:
        """Contribution bases: the monthly wage, within 60 %–300 % of the provincial average
        (DOMAIN §3.11; ~10,000 yuan a month assumed)."""
        wage = sum(v for k, v in items.items() if rules.PAY_ITEM_BY_KEY[k].economic_code < "30199")
        base = min(max(wage, 600_000), 3_000_000)
        return {"pension_base": base, "medical_base": base, "housing_base": base}

    def active(self, unit: Organisation, status: str) -> rules.State:
        rng = self.rng
        work_start = dt.date(rng.randint(1988, 2024), rng.randint(1, 12), 1)
        join = dt.date(rng.randint(work_start.year, 2025), rng.randint(1, 12), 1)
        join = max(join, work_start)
        common = {
            "allowance_living": _yuan(700, 1_200, rng),
            "allowance_reform": _yuan(600, 1_400, rng),
        }
        extra: dict[str, object] = {}
        if status in rules.CIVIL:
            position, rank, level = CIVIL_RANKS[
                min(int(rng.expovariate(0.9)), len(CIVIL_RANKS) - 1)
            ]
            step = rng.randint(1, 8)
            level = max(1, level - rng.randint(0, 3))
            items = {
                "position_pay": _yuan(
                    1_300 + 350 * (24 - level) // 3, 1_500 + 350 * (24 - level) // 3, rng
                ),
                "grade_pay": _yuan(
                    1_500 + 90 * (27 - level) + 60 * step,
                    1_700 + 90 * (27 - level) + 60 * step,
                    rng,
                ),
                "allowance_standard": _yuan(2_600, 4_800, rng),
                "allowance_work": _yuan(300, 800, rng),
                **common,
            }
            establishment = "administrative"
            extra = {"position": position, "rank": rank, "civil_level": level, "civil_step": step}
        elif status == rules.WORKER:
            items = {
                "post_pay": _yuan(1_300, 1_800, rng),
                "scale_pay": _yuan(300, 1_200, rng),
                "allowance_standard": _yuan(1_800, 2_800, rng),
                **common,
            }
            establishment = "worker" if unit.agency_type in ("1", "2") else "institution"
            extra = {
                "post_category": "skilled" if establishment == "institution" else "",
                "post_level": rng.randint(1, 5),
                "salary_scale": rng.randint(5, 30),
            }
            if establishment == "institution":
                items["performance_basic"] = _yuan(1_500, 2_500, rng)
                items["performance_reward"] = _yuan(600, 1_500, rng)
        elif status == rules.CONTRACT:
            items = {"contract_pay": _yuan(3_500, 5_500, rng)}
            establishment = "none"
        else:  # 事业管理岗 / 专技岗
            category = rules.POST_CATEGORY_OF_STATUS[status]
            level = rng.randint(5, 10) if category == "management" else rng.randint(4, 13)
            scale = rng.randint(8, 45)
            items = {
                "post_pay": _yuan(1_400 + 260 * (13 - level), 1_600 + 260 * (13 - level), rng),
                "scale_pay": _yuan(200 + 70 * scale, 260 + 70 * scale, rng),
                "performance_basic": _yuan(1_800, 3_500, rng),
                "performance_reward": _yuan(800, 2_500, rng),
                **common,
            }
            establishment = "institution"
            extra = {"post_category": category, "post_level": level, "salary_scale": scale}
        values: dict[str, Any] = {**extra, **self.bases(items)}
        return rules.State(
            organisation_id=unit.pk,
            state=rules.ACTIVE,
            status=status,
            establishment=establishment,
            office=rng.choice(OFFICES),
            work_start_date=work_start,
            unit_join_date=join,
            items=items,
            **values,
        )

    def retired(self, unit: Organisation, status: str) -> rules.State:
        civil = status in rules.CIVIL
        return rules.State(
            organisation_id=unit.pk,
            state=rules.RETIRED,
            status=status,
            establishment="administrative" if civil else "institution",
            items={"retirement_pay": _yuan(4_200, 7_800, self.rng)},
        )


def _mix(unit: Organisation) -> list[tuple[str, float]]:
    """Who works in a unit, by 身份, from its type (DOMAIN-2 C10: 行政 pay no 绩效工资)."""
    if unit.agency_type == "1":
        return [(rules.CIVIL_SERVANT, 0.82), (rules.WORKER, 0.08), (rules.CONTRACT, 0.10)]
    if unit.agency_type == "2":
        return [(rules.MANAGED, 0.85), (rules.WORKER, 0.05), (rules.CONTRACT, 0.10)]
    return [
        (rules.INST_TECHNICAL, 0.72),
        (rules.INST_MANAGEMENT, 0.13),
        (rules.WORKER, 0.07),
        (rules.CONTRACT, 0.08),
    ]


def _weight(unit: Organisation) -> float:
    name = unit.name
    if "医院" in name:
        return 8.0
    if any(word in name for word in ("中学", "高级中学", "实验")):
        return 4.0
    if any(word in name for word in ("小学", "学校")):
        return 3.0
    if "卫生" in name:
        return 2.0
    if unit.kind == "department":
        return 1.5
    return 1.0


def load(*, mof_div_code: str, year: int, scale: str, as_of: dt.date, seed: int = 17) -> int:
    """Staff every agency of the region, record its 编制, walk a few changes, take the snapshot.
    Returns the number of people."""
    rng = random.Random(seed)
    staff = _Staff(rng, year)
    budget = Organisation.objects.get(
        mof_div_code=mof_div_code, kind="finance_division", division_type="budget"
    )
    officer = user_create(
        actor=None,
        data=UserData(
            username=OFFICER,
            full_name=person_name(rng),
            organisation_id=budget.pk,
            role_codes=("personnel_officer",),
        ),
        password="Yusuan@2026",  # noqa: S106 - the published demo password
    )
    agencies = list(
        Organisation.objects.filter(mof_div_code=mof_div_code).agencies().order_by("code")
    )
    weights = [_weight(a) for a in agencies]
    per_weight = TARGET.get(scale, TARGET["district"]) / sum(weights)
    people: list[NewPerson] = []
    counts: Counter[tuple[int, str]] = Counter()
    for unit, weight in zip(agencies, weights, strict=True):
        size = max(2, round(weight * per_weight * rng.uniform(0.8, 1.2)))
        mix = _mix(unit)
        for _ in range(size):
            status = rng.choices([s for s, _w in mix], [w for _s, w in mix])[0]
            retire = status != rules.CONTRACT and rng.random() < 0.16
            if retire:
                state = staff.retired(unit, status)
                id_number = staff.id_number(1940, 1965)
            else:
                state = staff.active(unit, status)
                id_number = staff.id_number(1966, min(2002, state.work_start_date.year - 18))  # type: ignore[union-attr]
            born = rules.identity_facts(id_number)[0]
            problems = rules.check_state(state, birth_date=born, effective=LOADED_FROM)
            assert not problems, problems
            people.append(NewPerson(state, id_number, person_name(rng)))
            if state.state == rules.ACTIVE:
                counts[(unit.pk, state.establishment)] += 1
    if scale == "district":
        # 离休干部: a few left in the district, on the veteran cadres' units' books.
        for unit in agencies[:3]:
            state = rules.State(
                organisation_id=unit.pk,
                state=rules.LIXIU,
                status=rules.CIVIL_SERVANT,
                establishment="administrative",
                items={"lixiu_pay": _yuan(9_000, 12_000, rng)},
            )
            people.append(NewPerson(state, staff.id_number(1926, 1931), person_name(rng)))
    people_load(
        actor=officer,
        mof_div_code=mof_div_code,
        effective_from=LOADED_FROM,
        people=people,
        source={"file": "demo", "note": "人员信息库初始加载（演示）"},
    )
    for index, unit in enumerate(agencies):
        # Approved 编制 a little above the actual; every 25th unit is over (R-PS-2 warnings).
        def approved(kind: str, unit: Organisation = unit, index: int = index) -> int:
            actual = counts[(unit.pk, kind)]
            return actual - 1 if index % 25 == 7 and actual > 1 else actual + rng.randint(0, 3)

        administrative, institution, worker = (
            approved(k) for k in ("administrative", "institution", "worker")
        )
        establishment_set(
            actor=officer,
            data=EstablishmentInput(
                organisation_id=unit.pk,
                fiscal_year=year,
                administrative=administrative,
                institution=institution,
                worker=worker,
                leader_posts=min(rng.randint(2, 5), administrative + institution + worker),
                document_no=f"吴编〔{year - 1}〕{10 + index % 60}号",
                # The body's own function line, as its indicator lines carry it (C10).
                functional_code=functional_code(
                    unit.name,
                    unit.parent.name if unit.kind == "unit" and unit.parent else None,
                ),
            ),
        )
    _changes(mof_div_code=mof_div_code, year=year)
    snapshot_take(
        actor=officer,
        mof_div_code=mof_div_code,
        fiscal_year=year + 1,
        as_of=as_of,
    )
    # Next year's 人员类 and 公用经费 come from the snapshot by quota, never by hand (R-PJ-5, R-PJ-8).
    budget_officer = User.objects.filter(username="wj_budget").first()
    if budget_officer is not None:
        basic_compute(actor=budget_officer, mof_div_code=mof_div_code, fiscal_year=year + 1)
    return len(people)


def _changes(*, mof_div_code: str, year: int) -> None:
    """At the demo school: a new teacher applied through the whole route, a pay change waiting
    at the department, a retirement still a draft."""
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["school_clerk", "school_approver", "edu_approver", "wj_personnel"]
        )
    }
    if len(users) < 4:
        return
    clerk = users["school_clerk"]
    school = clerk.organisation
    staff = _Staff(random.Random(2026), year)
    hire = change_create(
        actor=clerk,
        data=ChangeInput(
            kind=ChangeKind.HIRE,
            effective_date=dt.date(year, 9, 1),
            basis_doc_no=f"吴人社〔{year}〕88号",
            id_number=staff.id_number(1999, 2002),
            name="林晓雯",
            establishment_doc_no=f"吴编〔{year}〕5号",
            note="2026 年新招聘教师",
            data={
                "status": rules.INST_TECHNICAL,
                "establishment": "institution",
                "office": "初中部",
                "work_start_date": dt.date(year, 9, 1),
                "unit_join_date": dt.date(year, 9, 1),
                "post_category": "technical",
                "post_level": 12,
                "salary_scale": 11,
                "items": {
                    "post_pay": 193_000,
                    "scale_pay": 101_000,
                    "performance_basic": 240_000,
                    "performance_reward": 120_000,
                    "allowance_living": 80_000,
                    "allowance_reform": 90_000,
                },
                "pension_base": 824_000,
                "medical_base": 824_000,
                "housing_base": 824_000,
            },
        ),
    )
    instance = document_submit(
        actor=clerk, document_type="personnel.change", object_id=str(hire.pk)
    )
    for name in ("school_approver", "edu_approver", "wj_personnel"):
        instance_approve(actor=users[name], instance_id=instance.pk, comment="同意")
    teacher = (
        PersonnelChange.objects.get(pk=hire.pk).person  # the person the approval created
    )
    assert teacher is not None
    someone = next(
        p
        for p in teacher.__class__.objects.filter(
            organisation=school, state=rules.ACTIVE, status=rules.INST_TECHNICAL
        ).exclude(pk=teacher.pk)
    )
    period = someone.periods.order_by("-effective_from", "-pk").first()
    assert period is not None
    raised = {k: int(v) for k, v in period.items.items()}
    raised["scale_pay"] = raised.get("scale_pay", 0) + 7_000
    pay = change_create(
        actor=clerk,
        data=ChangeInput(
            kind=ChangeKind.PAY,
            effective_date=dt.date(year, 10, 1),
            basis_doc_no=f"吴人社〔{year}〕102号",
            person_id=someone.pk,
            note="年度考核合格，薪级晋升一级",
            data={"salary_scale": min((period.salary_scale or 1) + 1, 65), "items": raised},
        ),
    )
    instance = document_submit(actor=clerk, document_type="personnel.change", object_id=str(pay.pk))
    instance_approve(actor=users["school_approver"], instance_id=instance.pk, comment="同意")
    older = (
        teacher.__class__.objects.filter(
            organisation=school, state=rules.ACTIVE, status=rules.INST_TECHNICAL
        )
        .exclude(pk__in=[teacher.pk, someone.pk])
        .order_by("birth_date")
        .first()
    )
    if older is not None:
        change_create(
            actor=clerk,
            data=ChangeInput(
                kind=ChangeKind.RETIRE,
                effective_date=dt.date(year, 12, 1),
                basis_doc_no=f"吴人社退〔{year}〕31号",
                person_id=older.pk,
                data={"items": {"retirement_pay": 612_000}},
            ),
        )
