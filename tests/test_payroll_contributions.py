"""Employer contributions of a salary batch (单位缴费, R-PY-13; DOMAIN-2 C8, DOMAIN §3.11).

Computed at import per employee and component (16 % pension, 8 % annuity, the local medical,
unemployment, work-injury and housing-fund rates), half up to the fen; or taken from the sheet's
单位… columns; never a pay item of the sheet. Paid by their own requests to the agencies, charged
to the unit's lines of their own economic and functional codes, never to the salary lines; a
missing or short line is named. Withholdings stay on the salary lines (R-PY-4/R-PY-5)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.urls import reverse

import pytest
from tests.payment_helpers import _payee, employees, enrolled_sheet, salary_sheet

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.core.models import BankAccount, Payee
from yusuan.indicators.models import IndicatorLine
from yusuan.payments.models import PaymentCharge
from yusuan.payroll.contributions import compute, share
from yusuan.payroll.models import PayrollBatch
from yusuan.payroll.services.batches import payroll_import, payroll_request_create
from yusuan.payroll.services.contributions import payroll_contributions_request

pytestmark = pytest.mark.django_db
PAY_DAY = dt.date(2026, 11, 23)
# employees(3): 基本工资 1,000 + 绩效 500/501/502 → bases 1,500.00, 1,501.00, 1,502.00 (fen below)
BASES = (150_000, 150_100, 150_200)
EXPECTED = {
    "30108": 24_000 + 24_016 + 24_032,  # 16 %
    "30109": 12_000 + 12_008 + 12_016,  # 8 %
    "30110": 12_000 + 12_008 + 12_016,  # 8 % (local default)
    # 0.5 %: 750, 750.5 → 751, 751 (half up); 0.2 %: 300, 300.2 → 300, 300.4 → 300
    "30112": (750 + 751 + 751) + (300 + 300 + 300),
    "30113": 18_000 + 18_012 + 18_024,  # 12 %
}


def _import(user: Any, data: bytes) -> PayrollBatch:
    return payroll_import(
        actor=user("school_clerk"), data=data, filename="工资表.xlsx", month=11, fiscal_year=2026
    )


def _agencies(user: Any) -> tuple[Payee, Payee]:
    school = user("school_clerk").organisation

    def make(name: str, account: str) -> Payee:
        return Payee.objects.create(
            mof_div_code=school.mof_div_code,
            organisation=school,
            kind="organisation",
            name=name,
            credit_code="12320509MB0000000X",
            bank_account_no=account,
            bank_name="工商银行吴江支行",
        )

    return make("测试社会保险基金管理中心", "6222020000000091"), make(
        "测试住房公积金管理中心", "6222020000000092"
    )


def _account(user: Any) -> int:
    school = user("school_clerk").organisation
    return BankAccount.objects.get(organisation=school, account_type="unit_zero_balance").pk


def _payees(user: Any) -> dict[str, int | None]:
    social, fund = _agencies(user)
    return {i: (fund if i == "30113" else social).pk for i in EXPECTED}


def test_share_is_half_up_to_the_fen() -> None:
    assert share(100_000_00, 1600) == 16_000_00  # 16 % of 100,000.00
    assert share(250, 20) == 1  # 0.2 % of 2.50 = 0.5 fen → 1 fen
    assert share(249, 20) == 0  # 0.498 fen → 0
    assert share(150_100, 50) == 751  # 750.5 fen → 751
    with pytest.raises(ValueError, match="not negative"):
        share(-1, 1600)


def test_import_computes_each_contribution_per_employee(user: Any) -> None:
    batch = _import(user, enrolled_sheet(employees(3)))
    found = {c.item: c for c in batch.contributions.all()}
    assert {i: c.amount for i, c in found.items()} == EXPECTED
    pension = found["30108"]
    assert pension.base == sum(BASES) == 450_300
    assert pension.rate_bp == 1600 and found["30109"].rate_bp == 800
    assert found["30112"].components == [
        {"name": "失业保险", "rate_bp": 50, "amount": 2_252, "from_sheet": False},
        {"name": "工伤保险", "rate_bp": 20, "amount": 900, "from_sheet": False},
    ]
    # The withheld deductions are untouched: they are the employees' shares (R-PY-4).
    assert batch.deduction_totals["住房公积金"] == 3 * 50_00


def test_sheet_base_and_unit_columns_are_taken_as_given(user: Any) -> None:
    header = ["序号", "姓名", "身份证号", "银行账号", "开户银行", "30101 基本工资", "30107 绩效工资",
              "个人所得税", "住房公积金", "实发工资", "缴费基数", "单位住房公积金"]  # fmt: skip
    rows = [[*r, 2000, 99.99] for r in employees(2)]
    batch = _import(user, enrolled_sheet(rows, header))
    found = {c.item: c for c in batch.contributions.all()}
    assert found["30108"].base == 2 * 2000_00 and found["30108"].amount == 2 * 320_00
    assert found["30113"].amount == 2 * 99_99  # the agency's own figure, not 12 %
    assert found["30113"].components[0]["from_sheet"] is True
    assert compute([(2000_00, {})])[0].amount == 320_00


def test_a_contribution_is_no_pay_item(user: Any) -> None:
    header = ["序号", "姓名", "身份证号", "银行账号", "开户银行", "30101 基本工资", "30108 养老保险",
              "个人所得税", "住房公积金", "实发工资"]  # fmt: skip
    with pytest.raises(BusinessRuleError) as caught:
        _import(user, salary_sheet(employees(2), header))
    error = caught.value.errors[0]
    assert (error.code, error.rule, error.row, error.field, error.value) == (
        "payroll.contribution_as_item",
        "R-PY-13",
        1,
        "30108 养老保险",
        "30108",
    )
    assert "单位养老保险" in error.limit


def test_contributions_paid_from_their_own_lines_withholdings_from_salary(user: Any) -> None:
    school = user("school_clerk").organisation
    batch = _import(user, enrolled_sheet(employees(3)))
    social, fund = _agencies(user)
    before = {
        line.dep_bgt_eco_code: line.available
        for line in IndicatorLine.objects.filter(
            organisation=school, fiscal_year=2026, dep_bgt_eco_code__in=list(EXPECTED)
        )
    }
    made = payroll_contributions_request(
        actor=user("school_clerk"),
        batch_id=batch.pk,
        pay_date=PAY_DAY,
        payer_account_id=_account(user),
        payees={i: (fund if i == "30113" else social).pk for i in EXPECTED},
    )
    assert [{x.payee_id for x in r.lines.all()} for r in made] == [{social.pk}, {fund.pk}]
    assert [r.total_fen for r in made] == [
        sum(v for i, v in EXPECTED.items() if i != "30113"),
        EXPECTED["30113"],
    ]
    medical = "2101101" if school.agency_type in ("1", "2") else "2101102"
    salary_codes = {"2050202", "2013101"} | set(
        IndicatorLine.objects.filter(organisation=school, dep_bgt_eco_code="30101").values_list(
            "exp_func_code", flat=True
        )
    )
    wanted = {"30108": {"2080505"}, "30109": {"2080506"}, "30110": {medical},
              "30112": salary_codes, "30113": {"2210201"}}  # fmt: skip
    charged: dict[str, int] = {}
    for charge in PaymentCharge.objects.filter(line__request__in=made).select_related(
        "indicator_line"
    ):
        line = charge.indicator_line
        assert line.dep_bgt_eco_code in EXPECTED  # never 30101/30107
        assert line.exp_func_code in wanted[line.dep_bgt_eco_code]
        charged[line.dep_bgt_eco_code] = charged.get(line.dep_bgt_eco_code, 0) + charge.amount
    assert charged == EXPECTED
    assert set(before) == set(EXPECTED)
    # A second time is refused: the contributions are requested.
    with pytest.raises(BusinessRuleError) as again:
        payroll_contributions_request(
            actor=user("school_clerk"),
            batch_id=batch.pk,
            pay_date=PAY_DAY,
            payer_account_id=_account(user),
            payees={i: social.pk for i in EXPECTED},
        )
    assert again.value.errors[0].code == "payroll.contributions_requested"
    assert again.value.status == 409
    # The pay and its withholdings still go on the salary lines (R-PY-4, C8 "keep that").
    salary = payroll_request_create(
        actor=user("school_clerk"),
        batch_id=batch.pk,
        pay_date=PAY_DAY,
        payer_account_id=_account(user),
        deduction_payees={"个人所得税": _payee(user).pk, "住房公积金": fund.pk},
    )
    codes = set(
        PaymentCharge.objects.filter(line__request=salary).values_list(
            "indicator_line__dep_bgt_eco_code", flat=True
        )
    )
    assert codes == {"30101", "30107"}
    assert salary.total_fen == batch.gross  # net pay + withholdings; no contribution in it


def test_a_missing_line_is_named(user: Any) -> None:
    school = user("school_clerk").organisation
    batch = _import(user, enrolled_sheet(employees(3)))
    # The school's annuity line is (wrongly) kept under the pension's functional code.
    IndicatorLine.objects.filter(organisation=school, dep_bgt_eco_code="30109").update(
        exp_func_code="2080505"
    )
    with pytest.raises(BusinessRuleError) as caught:
        payroll_contributions_request(
            actor=user("school_clerk"),
            batch_id=batch.pk,
            pay_date=PAY_DAY,
            payer_account_id=_account(user),
            payees=_payees(user),
        )
    [error] = caught.value.errors
    assert (error.code, error.rule, error.field, error.value, error.limit) == (
        "payroll.contribution_line_missing",
        "R-PY-13",
        "contributions.30109",
        Money(EXPECTED["30109"]).format(),
        "0.00",
    )
    assert "30109" in error.message_zh and "2080506" in error.message_zh
    assert school.name in error.message_zh


def test_a_short_line_and_a_missing_payee_are_named(user: Any) -> None:
    school = user("school_clerk").organisation
    pension = IndicatorLine.objects.get(
        organisation=school, dep_bgt_eco_code="30108", exp_func_code="2080505"
    )
    # Bases (yuan) large enough that 16 % of three of them exceed the demo's pension line,
    # whatever the demo budgeted for it.
    base = max(2_000_000, pension.available // 48 + 10_000)  # yuan; 16 % × 3 > the line
    batch = _import(user, enrolled_sheet(employees(3, base=base)))
    owed = batch.contributions.get(item="30108").amount
    assert owed > pension.available
    payees = _payees(user)
    payees["30113"] = None
    with pytest.raises(BusinessRuleError) as caught:
        payroll_contributions_request(
            actor=user("school_clerk"),
            batch_id=batch.pk,
            pay_date=PAY_DAY,
            payer_account_id=_account(user),
            payees=payees,
        )
    found = {(e.code, e.field): e for e in caught.value.errors}
    short = found[("payroll.contribution_line_short", "contributions.30108")]
    assert short.rule == "R-PY-13"
    assert short.value == Money(owed).format()
    assert short.limit == Money(pension.available).format()
    payee = found[("payroll.contribution_payee", "contribution_payees.30113")]
    assert payee.rule == "R-PY-13"
    assert not batch.contributions.filter(request__isnull=False).exists()


def test_api_and_page(client_as: Any, user: Any) -> None:
    batch = _import(user, enrolled_sheet(employees(3)))
    clerk = client_as("school_clerk")
    shown = clerk.get(f"/api/v1/payments/payroll/{batch.pk}").json()
    assert {c["item"]: c["amount_fen"] for c in shown["contributions"]} == EXPECTED
    pension = next(c for c in shown["contributions"] if c["item"] == "30108")
    assert pension["rate_bp"] == 1600 and pension["functional_codes"] == ["2080505"]
    page = clerk.get(f"/payments/payroll/{batch.pk}/").content.decode()
    assert 'data-testid="contributions"' in page and "16.00 %" in page
    payees = _payees(user)
    refused = clerk.post(
        f"/payments/payroll/{batch.pk}/",
        {"action": "contributions", "contribution_pay_date": "2026-11-23",
         "contribution_account_id": str(_account(user))},
    )  # fmt: skip
    assert refused.status_code == 200
    assert "R-PY-13" in refused.content.decode()
    made = clerk.post(
        f"/api/v1/payments/payroll/{batch.pk}/contributions",
        data=json.dumps(
            {"pay_date": "2026-11-23", "payer_account_id": _account(user), "payees": payees}
        ),
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert [r["total_fen"] for r in made.json()] == [
        sum(v for i, v in EXPECTED.items() if i != "30113"),
        EXPECTED["30113"],
    ]
    shown = clerk.get(f"/api/v1/payments/payroll/{batch.pk}").json()
    assert all(c["request_id"] for c in shown["contributions"])
    request_page = clerk.get(
        reverse("payments:request_detail", args=[made.json()[0]["id"]])
    ).content.decode()
    assert batch.number in request_page  # the request's page links its batch
