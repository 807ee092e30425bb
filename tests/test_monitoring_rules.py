"""The monitoring rules before the voucher (DOMAIN §3.9, issue 22 item 3): every rule has a case
that fires and one that does not (the pure checks), and the facts each needs are gathered from
the database as a request is approved (the integration cases below)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from tests.payment_helpers import _approved, _input, _line, _payee

from yusuan.common.money import Money
from yusuan.core.models import BankAccount, Payee
from yusuan.monitoring import catalogue, rules
from yusuan.monitoring.catalogue import Thresholds
from yusuan.monitoring.models import FindingStatus, MonitoringFinding
from yusuan.monitoring.rules import LineFacts, RequestFacts
from yusuan.monitoring.services import settings_change, thresholds
from yusuan.payments.choices import RequestState
from yusuan.payments.services import PaymentLineInput, request_create
from yusuan.personnel.models import Person

T = Thresholds()
DAY = dt.date(2026, 6, 30)


def _line_facts(**kw: Any) -> LineFacts:
    values: dict[str, Any] = {
        "row": 0,
        "amount": 1_000_00,
        "dep_bgt_eco_code": "30201",
        "payee_kind": "organisation",
        "payee_name": "苏州文具有限公司",
        "payee_account_no": "6222020000000001",
        "payee_credit_code": "91320509MA1XXXXX0X",
    }
    values.update(kw)
    return LineFacts(**values)


def _facts(*lines: LineFacts, **kw: Any) -> RequestFacts:
    values: dict[str, Any] = {
        "business_type": "ordinary",
        "settlement_mode": "transfer",
        "amount": sum(x.amount for x in lines),
        "lines": list(lines),
        "purpose": "购买办公用品",
        "pay_date": DAY,
    }
    values.update(kw)
    return RequestFacts(**values)


def _fired(check: Any, facts: RequestFacts, t: Thresholds = T) -> list[str]:
    return [f"{f.rule}:{f.outcome}:{f.level}" for f in check(facts, t)]


# --- One case that fires and one that does not, per rule -----------------------------------------

CASES: list[tuple[str, Any, RequestFacts, RequestFacts]] = [
    (
        "R-MO-1",
        rules.public_funds_to_individual,
        _facts(_line_facts(payee_kind="individual", payee_name="张三")),
        _facts(_line_facts(payee_kind="individual"), business_type="card_repayment"),
    ),
    (
        "R-MO-2",
        rules.large_cash,
        _facts(_line_facts(amount=25_000_00), settlement_mode="cash"),
        _facts(_line_facts(amount=19_999_99), settlement_mode="cash"),
    ),
    (
        "R-MO-3",
        rules.money_back_to_the_unit,
        _facts(_line_facts(), own_accounts=frozenset({"6222020000000001"})),
        _facts(_line_facts(), own_accounts=frozenset({"6222020000000009"})),
    ),
    (
        "R-MO-4",
        rules.three_public_outside_card,
        _facts(_line_facts(dep_bgt_eco_code="30217"), settlement_mode="cash"),
        _facts(_line_facts(dep_bgt_eco_code="30217"), settlement_mode="card"),
    ),
    (
        "R-MO-5",
        rules.three_public_over_budget,
        _facts(_line_facts(dep_bgt_eco_code="30217"), three_public={"4": (5_000_00, 4_500_00)}),
        _facts(_line_facts(dep_bgt_eco_code="30217"), three_public={"4": (5_000_00, 4_000_00)}),
    ),
    (
        "R-MO-6",
        rules.wrong_economic_class,
        _facts(_line_facts(dep_bgt_eco_code="30107")),
        _facts(_line_facts(dep_bgt_eco_code="30113")),  # 住房公积金 goes to the centre
    ),
    (
        "R-MO-7",
        rules.split_payments,
        _facts(
            _line_facts(amount=95_000_00),
            payee_history={"6222020000000001": [(DAY, 96_000_00), (DAY, 99_000_00)]},
        ),
        _facts(
            _line_facts(amount=95_000_00),
            payee_history={"6222020000000001": [(DAY, 96_000_00), (DAY, 50_000_00)]},
        ),
    ),
    (
        "R-MO-10",
        rules.union_and_welfare,
        _facts(_line_facts(dep_bgt_eco_code="30228", amount=3_000_00), salary_paid=100_000_00),
        _facts(_line_facts(dep_bgt_eco_code="30228", amount=2_000_00), salary_paid=100_000_00),
    ),
    (
        "R-MO-11",
        rules.direct_funds_beneficiary,
        _facts(_line_facts(is_dir=True, payee_credit_code="")),
        _facts(_line_facts(is_dir=True)),
    ),
    (
        "R-MO-12",
        rules.card_list_in_cash,
        _facts(_line_facts(dep_bgt_eco_code="30211", amount=800_00), settlement_mode="cash"),
        _facts(_line_facts(dep_bgt_eco_code="30211", amount=150_00), settlement_mode="cash"),
    ),
    (
        "R-MO-13",
        rules.suspicious,
        _facts(_line_facts(), purpose="春节慰问购物卡"),
        _facts(_line_facts(), purpose="购买打印纸"),
    ),
]


@pytest.mark.parametrize(("rule", "check", "fires", "quiet"), CASES, ids=[c[0] for c in CASES])
def test_each_rule_fires_and_stays_quiet(
    rule: str, check: Any, fires: RequestFacts, quiet: RequestFacts
) -> None:
    found = check(fires, T)
    assert found and {f.rule for f in found} == {rule}
    assert all(f.message_zh.startswith(rule) and f.message_en.startswith(rule) for f in found)
    assert check(quiet, T) == []
    # The same through evaluate: the rule is registered and runs before the voucher.
    assert rule in {f.rule for f in rules.evaluate(fires, T)[1]}


def test_every_before_rule_of_the_catalogue_has_its_cases() -> None:
    before = {code for code, spec in catalogue.CATALOGUE.items() if catalogue.BEFORE in spec.when}
    assert before == {r.code for r in rules.RULES} == {c[0] for c in CASES}


def test_the_second_conditions_of_a_rule_fire_too() -> None:
    """The rules with more than one condition: each condition alone."""
    # R-MO-6: capital spending without a contract, from the configured amount.
    capital = _facts(_line_facts(dep_bgt_eco_code="31002", amount=10_000_00))
    assert _fired(rules.wrong_economic_class, capital) == ["R-MO-6:warn:yellow"]
    assert _fired(rules.wrong_economic_class, replace(capital, has_contract=True)) == []
    # R-MO-10: welfare over the per-head standard × staff.
    welfare = _facts(_line_facts(dep_bgt_eco_code="30229", amount=30_000_00), staff_count=10)
    assert _fired(rules.union_and_welfare, welfare) == ["R-MO-10:warn:yellow"]
    assert _fired(rules.union_and_welfare, replace(welfare, staff_count=20)) == []
    # R-MO-11: an identified payee that is the unit's own account is not a final beneficiary.
    own = _facts(_line_facts(is_dir=True), own_accounts=frozenset({"6222020000000001"}))
    assert _fired(rules.direct_funds_beneficiary, own) == ["R-MO-11:block:red"]
    # R-MO-13: the watch list, and a staff member paid from 302.
    watched = Thresholds(tuning={"R-MO-13": {"params": {"watch": "苏州文具有限公司"}}})
    assert _fired(rules.suspicious, _facts(_line_facts()), watched) == ["R-MO-13:warn:orange"]
    staff = _facts(
        _line_facts(payee_kind="individual", payee_id_number="320584199001011234"),
        staff_ids=frozenset({"320584199001011234"}),
    )
    assert "R-MO-13:warn:orange" in _fired(rules.suspicious, staff)
    assert _fired(rules.suspicious, replace(staff, staff_ids=frozenset())) == []
    # R-MO-2: the hard limit blocks, month and year to date count.
    assert _fired(rules.large_cash, _facts(_line_facts(amount=60_000_00), settlement_mode="cash"))[
        0
    ] == ("R-MO-2:block:red")
    month = _facts(
        _line_facts(amount=1_000_00), settlement_mode="cash", cash_month_to_date=49_500_00
    )
    assert _fired(rules.large_cash, month) == ["R-MO-2:warn:orange"]


def test_a_region_tunes_a_rule_off_its_action_and_its_parameters() -> None:
    fires = _facts(_line_facts(dep_bgt_eco_code="30211", amount=800_00), settlement_mode="cash")
    off = Thresholds(tuning={"R-MO-12": {"enabled": False}})
    assert "R-MO-12" not in {f.rule for f in rules.evaluate(fires, off)[1]}
    blocking = Thresholds(tuning={"R-MO-12": {"action": "block"}})
    assert rules.evaluate(fires, blocking)[0] == "block"
    assert _fired(rules.card_list_in_cash, fires, blocking) == ["R-MO-12:block:red"]
    reminding = Thresholds(tuning={"R-MO-12": {"action": "remind"}}, levels=(("R-MO-12", "blue"),))
    assert rules.evaluate(fires, reminding) == ("remind", rules.card_list_in_cash(fires, reminding))
    raised = Thresholds(tuning={"R-MO-12": {"params": {"exempt_below": 1_000_00}}})
    assert _fired(rules.card_list_in_cash, fires, raised) == []
    assert catalogue.validate_tuning(
        {"R-MO-12": {"action": "shout", "params": {"exempt_below": -1}}}
    )
    assert catalogue.validate_tuning({"R-MO-99": {}})
    assert catalogue.validate_tuning({"R-MO-12": {"params": {"colour": 1}}})
    assert (
        catalogue.validate_tuning({"R-MO-12": {"action": "remind", "params": {"exempt_below": 5}}})
        == []
    )
    # Absurd or hostile values are refused by name, never a 500 later in a payment or the scan.
    for tuning in (
        {"R-MO-7": {"params": {"days": 10**30}}},
        {"R-MO-7": {"params": {"count": True}}},
        {"R-MO-10": {"params": {"union_percent": 101}}},
        {"R-MO-7": {"params": "threshold=1"}},
        {"R-MO-7": {"enabled": "yes"}},
        {"R-MO-15": {"params": {"from_day": "02-30"}}},
        {"R-MO-15": {"params": {"from_day": "<script>"}}},
        {"R-MO-13": {"params": {"words": "礼" * 501}}},
    ):
        [(field, _value, zh, en)] = catalogue.validate_tuning(tuning)
        code = next(iter(tuning))
        assert field.startswith(code) and code in zh and code in en
    assert catalogue.validate_tuning({"R-MO-15": {"params": {"from_day": "02-28"}}}) == []


# --- The facts come from the database (integration) ----------------------------------------------


def _request(user: Any, eco: str, amount: str, **kw: Any) -> Any:
    data = _input(user, [(_line(user, eco), amount)], **kw)
    return _approved(user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026))


def _rules_of(request: Any) -> list[str]:
    return sorted(MonitoringFinding.objects.filter(request=request).values_list("rule", flat=True))


def _own_payee(user: Any) -> Payee:
    """The school as a payee of its own: an account of its own (the demo has one for cash)."""
    school = user("school_clerk").organisation
    accounts = BankAccount.objects.filter(organisation=school)
    own = Payee.objects.filter(
        organisation=school, bank_account_no__in=accounts.values("account_no")
    ).first()
    if own is None:
        account = accounts.first()
        assert account is not None
        own = Payee.objects.create(
            mof_div_code=school.mof_div_code,
            organisation=school,
            kind="organisation",
            name=school.name,
            credit_code="12320509MB0000000X",
            bank_account_no=account.account_no,
            bank_name=account.bank_name,
        )
    return own


@pytest.mark.django_db
def test_money_back_to_the_units_own_account_is_warned(user: Any) -> None:
    own = _own_payee(user)
    request = _request(user, "30227", "3,000", payee_id=own.pk)
    assert _rules_of(request) == ["R-MO-3"]
    assert request.state == RequestState.PENDING_EXPLANATION
    supplier = _request(user, "30227", "3,000", payee_id=_payee(user).pk)
    assert _rules_of(supplier) == [] and supplier.state == RequestState.VOUCHER_ISSUED


@pytest.mark.django_db
def test_three_public_spending_over_its_budget_is_blocked(user: Any) -> None:
    """公务接待费 of the school: its indicator is the 三公 budget; 30217 paid from another line
    (a project's 委托业务费) counts against it too."""
    reception = _line(user, "30217")
    reception.thr_exp_code = "4"
    reception.save(update_fields=["thr_exp_code"])
    budget = reception.total - reception.allocated
    other = _line(user, "30227")
    data = _input(user, [])
    over = replace(
        data,
        lines=[PaymentLineInput(other.pk, Money(budget + 1))],
        purpose="接待费",
    )
    # The line's own economic class is 30227: pay it as 30217 through the request line.
    request = request_create(actor=user("school_clerk"), data=over, fiscal_year=2026)
    request.lines.update(dep_bgt_eco_code="30217")
    request = _approved(user, request)
    assert "R-MO-5" in _rules_of(request)
    assert request.state == RequestState.BLOCKED
    within = replace(data, lines=[PaymentLineInput(reception.pk, Money(budget // 2))])
    fine = _approved(
        user, request_create(actor=user("school_clerk"), data=within, fiscal_year=2026)
    )
    assert "R-MO-5" not in _rules_of(fine)


@pytest.mark.django_db
def test_the_third_payment_just_below_the_threshold_within_the_window_is_warned(user: Any) -> None:
    settings_change(
        actor=user("wj_monitor"),
        mof_div_code="320509",
        levels={},
        amounts={
            name: getattr(thresholds("320509"), name)
            for name in ("cash_single_warn", "cash_single_block", "cash_month_warn")
            + ("cash_month_block", "cash_year_warn", "cash_year_block")
        },
        tuning={
            "R-MO-7": {"params": {"threshold": 5_000_00, "margin": 10, "count": 3, "days": 30}}
        },
        note="测试：拆分支付阈值",
    )
    first = _request(user, "30227", "4,800")
    second = _request(user, "30227", "4,900")
    assert "R-MO-7" not in _rules_of(first) + _rules_of(second)
    third = _request(user, "30227", "4,700")
    assert "R-MO-7" in _rules_of(third)
    assert third.state == RequestState.PENDING_EXPLANATION
    outside = _request(user, "30227", "3,000")  # below the band
    assert "R-MO-7" not in _rules_of(outside)


@pytest.mark.django_db
def test_a_staff_member_paid_from_goods_and_services_is_warned(user: Any) -> None:
    school = user("school_clerk").organisation
    person = Person.objects.filter(organisation=school, state="active").first()
    assert person is not None
    payee = Payee.objects.create(
        mof_div_code=school.mof_div_code,
        organisation=school,
        kind="individual",
        name=person.name,
        id_number=person.id_number,
        bank_account_no="6217000000000000123",
        bank_name="建设银行吴江支行",
    )
    request = _request(user, "30201", "300", payee_id=payee.pk)
    assert _rules_of(request) == ["R-MO-1", "R-MO-13"]
    stranger = Payee.objects.create(
        mof_div_code=school.mof_div_code,
        organisation=school,
        kind="individual",
        name="李四",
        id_number="320584198001011111",
        bank_account_no="6217000000000000456",
        bank_name="建设银行吴江支行",
    )
    assert _rules_of(_request(user, "30201", "300", payee_id=stranger.pk)) == ["R-MO-1"]


@pytest.mark.django_db
def test_direct_funds_kept_on_the_units_own_account_are_blocked(user: Any) -> None:
    # The demo's 直达 line buys equipment under a contract; a 直达 service line stands in here.
    direct = _line(user, "30227")
    type(direct).objects.filter(pk=direct.pk).update(is_dir=True, track_pro_code="ZD2026001")
    own = _own_payee(user)  # identified, but the unit's own account: not a final beneficiary
    data = replace(
        _input(user, [], payee_id=own.pk),
        lines=[PaymentLineInput(direct.pk, Money.parse("2,000"))],
    )
    blocked = _approved(
        user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    )
    assert "R-MO-11" in _rules_of(blocked) and blocked.state == RequestState.BLOCKED
    data = replace(data, payee_id=_payee(user).pk)
    paid = _approved(user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026))
    assert "R-MO-11" not in _rules_of(paid)


@pytest.mark.django_db
def test_a_reminder_is_recorded_and_the_voucher_issued(user: Any) -> None:
    in_force = thresholds("320509")
    settings_change(
        actor=user("wj_monitor"),
        mof_div_code="320509",
        levels={"R-MO-12": "blue"},
        amounts={
            name: getattr(in_force, name)
            for name in ("cash_single_warn", "cash_single_block", "cash_month_warn")
            + ("cash_month_block", "cash_year_warn", "cash_year_block")
        },
        tuning={"R-MO-12": {"action": "remind"}},
    )
    request = _request(user, "30211", "800", settlement_mode="cash")
    finding = MonitoringFinding.objects.get(request=request, rule="R-MO-12")
    assert (finding.outcome, finding.level, finding.status) == (
        "remind",
        "blue",
        FindingStatus.NOTED,
    )
    assert request.state == RequestState.VOUCHER_ISSUED


@pytest.mark.django_db
def test_hostile_tuning_through_the_api_is_refused_by_name(client_as: Any) -> None:
    import json

    in_force = thresholds("320509")
    body = {
        "mof_div_code": "320509",
        **{
            f"{n}_fen": getattr(in_force, n)
            for n in ("cash_single_warn", "cash_single_block", "cash_month_warn")
            + ("cash_month_block", "cash_year_warn", "cash_year_block")
        },
        "tuning": {"R-MO-7": {"params": {"days": 10**30}}, "R-MO-15": {"params": "x"}},
    }
    answer = client_as("wj_monitor").post(
        "/api/v1/monitoring/settings",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="hostile-tuning",
    )
    assert answer.status_code == 422, answer.content
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"tuning.R-MO-7.days", "tuning.R-MO-15.params"}
    assert thresholds("320509").param("R-MO-7", "days") == 30  # nothing saved
