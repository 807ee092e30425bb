"""Property (R-PJ-5, R-PS-4; issue 17 Done-when): random sequences of personnel changes — hire
(with a pension base below the floor, in between or above the cap), transfer out, promotion, pay
change, retirement, death — entered and approved through the services and the approval route
in two fresh units, then the budget snapshot and the computation. The snapshot's headcount and
the computed 人员类 amounts per (unit, economic class) equal a plain model kept by the test, which
computes with fractions and its own half-up rounding (no code of ``projects.basic``). A mutant
(the pension base not held within the cap and floor) makes it fail."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from django.db import transaction

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from tests.personnel_helpers import hire_input, teacher, through_route, unit_approver

from yusuan.common.errors import BusinessRuleError
from yusuan.core.choices import BudgetLevel, OrganisationKind
from yusuan.core.models import FiscalYear, Standard
from yusuan.core.selectors import standards_for
from yusuan.core.services.fiscal_years import fiscal_year_open
from yusuan.core.services.organisations import OrganisationData, organisation_create
from yusuan.core.services.standards import standard_change
from yusuan.identity.services import UserData, user_create
from yusuan.personnel.selectors import snapshot_headcount
from yusuan.personnel.services import ChangeInput, change_create, snapshot_take
from yusuan.projects import basic
from yusuan.projects.models import BasicLine
from yusuan.projects.services.basic import basic_compute

pytestmark = pytest.mark.django_db
WJ, YEAR = "320509", 2028
KINDS = ("hire", "transfer", "promote", "pay", "retire", "death")
PEOPLE = 3
BASES = (3_000_00, 8_333_33, 30_000_00)  # below the floor, between, above the cap (monthly)
STEP = st.tuples(
    st.sampled_from(KINDS), st.integers(0, PEOPLE - 1), st.integers(0, 1), st.integers(0, 2)
)
# The model's own table of which item is paid from which class (DOMAIN-2 §3.1).
CLASS_OF = {
    "post_pay": "30101",
    "scale_pay": "30101",
    "performance_basic": "30107",
    "retirement_pay": "30302",
}


def half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


class Model:
    """Per person key: unit index, 身份, state, monthly items and the three bases."""

    def __init__(self) -> None:
        self.people: dict[int, dict[str, Any]] = {}

    def held(self, key: int) -> bool:
        return key in self.people and self.people[key]["state"] in ("active", "retired")

    def headcount(self, units: list[int]) -> Counter[tuple[int, str, str]]:
        return Counter(
            (units[p["unit"]], p["status"], p["state"])
            for p in self.people.values()
            if p["state"] in ("active", "retired")
        )

    def amounts(self, units: list[int], rates: Mapping[str, int]) -> dict[tuple[int, str], int]:
        """人员类 per (unit, economic class), computed plainly."""
        wage = Fraction(rates["base.average_wage"])
        floor = half_up(wage * rates["base.floor_pct"] / 100)
        cap = half_up(wage * rates["base.cap_pct"] / 100)
        medical_cap = half_up(wage * rates["base.medical_cap_pct"] / 100) or None
        housing_cap = half_up(wage * rates["base.housing_cap_pct"] / 100) or None

        def rate(key: str) -> Fraction:
            return Fraction(rates[f"contribution.{key}"], 10_000)

        found: dict[tuple[int, str], int] = defaultdict(int)
        for p in self.people.values():
            unit = units[p["unit"]]
            if p["state"] == "retired":
                found[(unit, "30302")] += 12 * p["items"].get("retirement_pay", 0)
                continue
            if p["state"] != "active":
                continue
            for item, fen in p["items"].items():
                found[(unit, CLASS_OF[item])] += 12 * fen
            base = min(max(p["pension"], floor), cap)
            found[(unit, "30108")] += 12 * half_up(base * rate("pension"))
            found[(unit, "30109")] += 12 * half_up(base * rate("annuity"))
            medical = min(p["medical"], medical_cap or p["medical"])
            found[(unit, "30110")] += 12 * half_up(medical * rate("medical"))
            found[(unit, "30112")] += 12 * (
                half_up(base * rate("unemployment")) + half_up(base * rate("injury"))
            )
            housing = min(p["housing"], housing_cap or p["housing"])
            found[(unit, "30113")] += 12 * half_up(housing * rate("housing_fund"))
        return {k: v for k, v in found.items() if v}


def _world(user: Callable[[str], Any]) -> dict[str, Any]:
    admin = user("wj_admin")
    for year in (2027, YEAR):
        if not FiscalYear.objects.filter(mof_div_code=WJ, year=year).exists():
            fiscal_year_open(actor=admin, mof_div_code=WJ, year=year)
    # The region caps the medical and housing-fund bases, so the drawn 30,000-yuan base meets them.
    for key, pct in (("base.medical_cap_pct", 300), ("base.housing_cap_pct", 250)):
        standard_change(
            actor=user("wj_budget"),
            standard=Standard.objects.get(mof_div_code=WJ, fiscal_year=YEAR, key=key),
            value=pct,
            reason="性质测试：缴费基数封顶",
            effective_from=dt.date(YEAR, 1, 1),
        )
    department = user("school_clerk").organisation.parent
    units, clerks, approvers = [], [], []
    for n, agency_type in enumerate(("31", "1")):
        unit = organisation_create(
            actor=admin,
            mof_div_code=WJ,
            data=OrganisationData(
                code=f"{department.code}98{n}",
                name=f"性质测试单位{n}",
                kind=OrganisationKind.UNIT,
                parent_id=department.pk,
                agency_type=agency_type,
                budget_level=BudgetLevel.BASIC,
            ),
        )
        unit_approver(unit, f"prop_approver{n}")
        user_create(
            actor=None,
            data=UserData(f"prop_clerk{n}", "人事", unit.pk, ("unit_clerk",)),
            password="Yusuan@2026x",
        )
        units.append(unit.pk)
        clerks.append(f"prop_clerk{n}")
        approvers.append((f"prop_approver{n}", "edu_approver", "wj_personnel"))
    return {"units": units, "clerks": clerks, "approvers": approvers}


def run_sequence(
    user: Callable[[str], Any],
    world: dict[str, Any],
    steps: list[tuple[str, int, int, int]],
    ran: Counter[str],
) -> None:
    model = Model()
    units: list[int] = world["units"]
    persons: dict[int, int] = {}
    day = dt.date(2026, 9, 1)
    for index, (kind, key, unit, base_index) in enumerate(steps):
        effective = day + dt.timedelta(days=index)
        current = model.people.get(key)
        at = current["unit"] if current else unit
        clerk, approvers = world["clerks"][at], world["approvers"][at]
        if kind == "hire" or (kind == "transfer" and not model.held(key)):
            expect_ok = not model.held(key) and not (current and current["state"] == "deceased")
            base = BASES[base_index]
            values = teacher(pension_base=base, medical_base=base, housing_base=base)
            data = hire_input(300 + key, effective_date=effective, data=values)
            clerk, approvers = world["clerks"][unit], world["approvers"][unit]
            new = {
                "unit": unit,
                "status": "inst_technical",
                "state": "active",
                "items": dict(values["items"]),
                "pension": base,
                "medical": base,
                "housing": base,
            }
            kind = "hire"
        elif not model.held(key) or current is None:
            continue
        else:
            retired = current["state"] == "retired"
            expect_ok = kind in ("pay", "death") or current["state"] == "active"
            promoted = {"post_pay": 2_600_00, "scale_pay": 1_500_00}
            change_kind, values = {
                "transfer": ("transfer_out", {}),
                "promote": (
                    "grade",
                    {
                        "status": "inst_management",
                        "post_category": "management",
                        "post_level": 7,
                        "items": promoted,
                    },
                ),
                "pay": (
                    "pay",
                    {"items": {"retirement_pay": 6_000_00}}
                    if retired
                    else {"items": {**current["items"], "performance_basic": 3_100_00}},
                ),
                "retire": ("retire", {"items": {"retirement_pay": 5_800_00}}),
                "death": ("death", {}),
            }[kind]
            data = ChangeInput(
                kind=change_kind,
                effective_date=effective,
                basis_doc_no=f"文号{index}",
                person_id=persons[key],
                data=values,
            )
            gone = {"items": {}, "pension": 0, "medical": 0, "housing": 0}
            new = {
                "transfer": {**current, **gone, "state": "transferred_out"},
                "promote": {**current, "status": "inst_management", "items": promoted},
                "pay": {**current, "items": dict(values.get("items", {}))},
                "retire": {
                    **current,
                    **gone,
                    "state": "retired",
                    "items": {"retirement_pay": 5_800_00},
                },
                "death": {**current, **gone, "state": "deceased"},
            }[kind]
        refusal: BusinessRuleError | None = None
        try:
            change = change_create(actor=user(clerk), data=data)
            change = through_route(user, change, clerk=clerk, approvers=approvers)
        except BusinessRuleError as exc:
            refusal = exc
        if refusal is not None:
            assert not expect_ok, (kind, key, refusal.errors)
            ran[f"{kind} refused"] += 1
            continue
        assert expect_ok, (kind, key, current)
        assert change.state == "applied"
        persons[key] = change.person_id  # type: ignore[assignment]
        model.people[key] = new
        ran[kind] += 1
    officer = user("wj_personnel")
    snapshot = snapshot_take(
        actor=officer, mof_div_code=WJ, fiscal_year=YEAR, as_of=day + dt.timedelta(days=99)
    )
    heads = Counter(
        {
            (h.organisation_id, h.status, h.state): h.people
            for h in snapshot_headcount(actor=officer, snapshot=snapshot)
            if h.organisation_id in units
        }
    )
    assert heads == model.headcount(units)
    outcome = basic_compute(actor=user("wj_budget"), mof_div_code=WJ, fiscal_year=YEAR)
    computed: dict[tuple[int, str], int] = defaultdict(int)
    for org, code, fen in BasicLine.objects.filter(
        run=outcome.run, organisation_id__in=units, category="1"
    ).values_list("organisation_id", "economic_code", "amount_fen"):
        computed[(org, code)] += fen
    assert dict(computed) == model.amounts(units, standards_for(mof_div_code=WJ, fiscal_year=YEAR))
    ran["computed"] += 1


def _property(user: Callable[[str], Any], ran: Counter[str], *, shrink: bool = True) -> None:
    world = _world(user)

    @settings(
        max_examples=30,
        deadline=None,
        phases=tuple(Phase) if shrink else (Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
        derandomize=True,
    )
    @given(steps=st.lists(STEP, min_size=3, max_size=12))
    def run(steps: list[tuple[str, int, int, int]]) -> None:
        with transaction.atomic():
            try:
                run_sequence(user, world, steps, ran)
            finally:
                transaction.set_rollback(True)

    run()


def test_personnel_amounts_equal_the_model(user: Callable[[str], Any]) -> None:
    ran: Counter[str] = Counter()
    _property(user, ran)
    print("personnel changes applied / refused:", dict(sorted(ran.items())))
    for kind in KINDS:
        assert ran[kind] > 0, ran
    assert ran["computed"] == 30, ran


def test_mutant_base_not_capped_is_caught(
    user: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(basic, "pension_base", lambda person, rates: person.pension_base)
    with pytest.raises(AssertionError):
        _property(user, Counter(), shrink=False)


def test_mutant_medical_and_housing_bases_not_capped_is_caught(
    user: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(basic, "capped_base", lambda base, key, rates: base)
    with pytest.raises(AssertionError):
        _property(user, Counter(), shrink=False)
