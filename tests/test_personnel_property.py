"""Property (R-PS-1, R-PS-3, R-PS-4): random sequences of personnel changes — hire, transfer
between two schools (调出 then 调入), promotion to a management post, pay change, retirement,
death — entered and approved through the services and the approval engine, then the budget
snapshot. The snapshot's headcount per (unit, 身份, 编制, state) equals a plain model kept by the
test, and every refusal is the one the model predicts. A mutant (the snapshot forgets retirees)
makes it fail."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import transaction

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from tests.personnel_helpers import hire_input, id_number, through_route, unit_approver

from yusuan.common.errors import BusinessRuleError
from yusuan.identity.models import User
from yusuan.identity.services import UserData, user_create
from yusuan.personnel.models import Person
from yusuan.personnel.selectors import snapshot_headcount
from yusuan.personnel.services import ChangeInput, change_create, snapshot_take
from yusuan.personnel.services import snapshots as snapshot_service

pytestmark = pytest.mark.django_db

KINDS = ("hire", "transfer", "promote", "pay", "retire", "death")
PEOPLE = 3  # person keys a sequence plays with
STEP = st.tuples(st.sampled_from(KINDS), st.integers(0, PEOPLE - 1), st.integers(0, 1))


class Model:
    """What the database should hold: per person key, (unit index, 身份, 编制, state)."""

    def __init__(self) -> None:
        self.people: dict[int, tuple[int, str, str, str]] = {}

    def held(self, key: int) -> bool:
        return key in self.people and self.people[key][3] in ("active", "retired")

    def headcount(self, units: list[int]) -> Counter[tuple[int, str, str, str]]:
        return Counter(
            (units[unit], status, establishment, state)
            for unit, status, establishment, state in self.people.values()
            if state in ("active", "retired")
        )


def _world(user: Callable[[str], Any], org: Callable[[str], Any]) -> dict[str, Any]:
    other = org("吴江区同里实验小学")
    unit_approver(other, "tongli_approver")
    if not User.objects.filter(username="tongli_clerk").exists():
        user_create(
            actor=None,
            data=UserData(
                username="tongli_clerk",
                full_name="人事",
                organisation_id=other.pk,
                role_codes=("unit_clerk",),
            ),
            password="Yusuan@2026x",
        )
    return {
        "units": [user("school_clerk").organisation.pk, other.pk],
        "clerks": ["school_clerk", "tongli_clerk"],
        "approvers": [
            ("school_approver", "edu_approver", "wj_personnel"),
            ("tongli_approver", "edu_approver", "wj_personnel"),
        ],
    }


def run_sequence(
    user: Callable[[str], Any],
    world: dict[str, Any],
    steps: list[tuple[str, int, int]],
    ran: Counter[str],
) -> None:
    model = Model()
    units: list[int] = world["units"]
    baseline = Counter(
        (p.organisation_id, p.status, p.establishment, p.state)
        for p in Person.objects.filter(organisation_id__in=units, state__in=("active", "retired"))
    )
    persons: dict[int, int] = {}
    day = dt.date(2026, 9, 1)
    for index, (kind, key, unit) in enumerate(steps):
        effective = day + dt.timedelta(days=index)
        current = model.people.get(key)
        at = current[0] if current else unit
        clerk, approvers = world["clerks"][at], world["approvers"][at]
        if kind == "hire" or (kind == "transfer" and not model.held(key)):
            expect_ok = not model.held(key) and not (current and current[3] == "deceased")
            data = hire_input(100 + key, effective_date=effective)
            clerk, approvers = world["clerks"][unit], world["approvers"][unit]
            new = (unit, "inst_technical", "institution", "active")
            kind = "hire"
        elif not model.held(key):
            continue  # nobody to change: the sequence moves on
        else:
            status = current[1]
            expect_ok = {
                "transfer": current[3] == "active",
                "promote": current[3] == "active",
                "pay": True,
                "retire": current[3] == "active",
                "death": True,
            }[kind]
            change_kind, values = {
                "transfer": ("transfer_out", {}),
                "promote": (
                    "grade",
                    {
                        "status": "inst_management",
                        "post_category": "management",
                        "post_level": 7,
                        "items": {"post_pay": 2_600_00, "scale_pay": 1_500_00},
                    },
                ),
                "pay": (
                    "pay",
                    {"items": {"retirement_pay": 6_000_00}}
                    if current[3] == "retired"
                    else {"salary_scale": 22},
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
            new = {
                "transfer": (at, status, current[2], "transferred_out"),
                "promote": (at, "inst_management", current[2], "active"),
                "pay": current,
                "retire": (at, status, current[2], "retired"),
                "death": (at, status, current[2], "deceased"),
            }[kind]
        refusal: BusinessRuleError | None = None
        try:
            change = change_create(actor=user(clerk), data=data)
            change = through_route(user, change, clerk=clerk, approvers=approvers)
        except BusinessRuleError as exc:
            refusal = exc
        if refusal is not None:
            assert not expect_ok, (kind, key, refusal.errors)
            codes = {e.code for e in refusal.errors}
            if kind == "hire" and model.held(key):
                assert "personnel.id_number_held" in codes
            ran[f"{kind} refused"] += 1
            continue
        assert expect_ok, (kind, key, model.people.get(key))
        assert change.state == "applied"
        persons[key] = change.person_id  # type: ignore[assignment]
        model.people[key] = new
        ran[kind] += 1
    snapshot = snapshot_take(
        actor=user("wj_personnel"),
        mof_div_code="320509",
        fiscal_year=2028,
        as_of=day + dt.timedelta(days=len(steps)),
    )
    expected = baseline + model.headcount(units)
    actual = Counter(
        {
            (h.organisation_id, h.status, h.establishment, h.state): h.people
            for h in snapshot_headcount(actor=user("wj_personnel"), snapshot=snapshot)
            if h.organisation_id in units
        }
    )
    assert actual == expected
    # And the ID numbers a sequence used are one person each in the region (R-PS-1).
    for key in persons:
        assert Person.objects.filter(id_number=id_number(100 + key)).count() == 1


def _property(
    user: Callable[[str], Any], org: Callable[[str], Any], ran: Counter[str], *, shrink: bool = True
) -> None:
    world = _world(user, org)

    @settings(
        max_examples=40,
        deadline=None,
        phases=tuple(Phase) if shrink else (Phase.explicit, Phase.generate),
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
        derandomize=True,  # the same sequences every run: the counts below are stable
    )
    @given(steps=st.lists(STEP, min_size=3, max_size=14))
    def run(steps: list[tuple[str, int, int]]) -> None:
        with transaction.atomic():
            try:
                run_sequence(user, world, steps, ran)
            finally:
                transaction.set_rollback(True)

    run()


def test_snapshot_headcount_equals_the_model(
    user: Callable[[str], Any], org: Callable[[str], Any]
) -> None:
    ran: Counter[str] = Counter()
    _property(user, org, ran)
    # Every kind of change ran, and refusals were seen (a second hire of a held ID, …).
    print("personnel changes applied / refused:", dict(sorted(ran.items())))
    for kind in ("hire", "transfer", "promote", "pay", "retire", "death"):
        assert ran[kind] > 0, ran
    assert sum(n for k, n in ran.items() if k.endswith("refused")) > 0, ran


def test_mutant_snapshot_forgetting_retirees_is_caught(
    user: Callable[[str], Any], org: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot_service, "HELD", frozenset({"active"}))
    with pytest.raises(AssertionError):
        _property(user, org, Counter(), shrink=False)  # fails fast; no shrinking
