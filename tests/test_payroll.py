"""Salary batches (R-PY-4, P9): a sheet with every bad row reported at once and nothing stored;
the matching checks; one request per batch with one line per employee; a 500-employee batch paid
and one employee's line refunded in part, the indicator buckets asserted after every step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.payment_helpers import (
    _approved,
    _buckets,
    _line,
    _payee,
    _round,
    employees,
    enrolled_sheet,
    id_number,
    salary_sheet,
    top_up,
)

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.core.models import BankAccount
from yusuan.indicators.selectors import reconcile
from yusuan.payments.choices import LineState, RequestState
from yusuan.payments.models import PaymentCharge
from yusuan.payments.services.bank import ResultInput, bank_file_create, bank_results_record
from yusuan.payments.services.refunds import refund_confirm, refund_register
from yusuan.payments.voucher_pdf import voucher_pdf
from yusuan.payroll.choices import PayrollState
from yusuan.payroll.models import PayrollBatch
from yusuan.payroll.services.batches import (
    Match,
    payroll_import,
    payroll_request_create,
)
from yusuan.workflow.services import instance_approve

pytestmark = pytest.mark.django_db
PAY_DAY = dt.date(2026, 11, 23)


def _import(user: Any, data: bytes, month: int = 11) -> PayrollBatch:
    return payroll_import(
        actor=user("school_clerk"), data=data, filename="工资表.xlsx", month=month, fiscal_year=2026
    )


def _request(user: Any, batch: PayrollBatch, **kw: Any) -> Any:
    school = user("school_clerk").organisation
    account = BankAccount.objects.get(organisation=school, account_type="unit_zero_balance")
    values: dict[str, Any] = {
        "actor": user("school_clerk"),
        "batch_id": batch.pk,
        "pay_date": PAY_DAY,
        "payer_account_id": account.pk,
        "deduction_payees": {"个人所得税": _payee(user).pk, "住房公积金": _payee(user).pk},
    }
    values.update(kw)
    return payroll_request_create(**values)


def test_clean_sheet_is_kept_with_its_totals(user: Any) -> None:
    batch = _import(user, enrolled_sheet(employees(3)))
    assert batch.employees == 3
    assert batch.items == {"30101": 3 * 1000_00, "30107": 500_00 + 501_00 + 502_00}
    assert batch.gross == batch.net + batch.deductions
    assert batch.deduction_totals["住房公积金"] == 3 * 50_00
    assert list(batch.rows.values_list("row", flat=True)) == [2, 3, 4]
    assert bytes(batch.file)[:2] == b"PK"  # the sheet itself, kept as evidence


def test_every_bad_row_is_reported_and_nothing_imported(user: Any) -> None:
    rows = employees(6)
    rows[1][2] = "320584198506120019"  # row 3: wrong check digit
    rows[2][6] = "五百"  # row 4: not a number
    rows[3][9] = 1234  # row 5: net ≠ gross − deductions
    rows[4][2] = rows[0][2]  # row 6: the same person as row 2
    header = ["序号", "姓名", "身份证号", "银行账号", "开户银行", "30101 基本工资", "30107 绩效工资",
              "个人所得税", "住房公积金", "实发工资", "39999 奖励"]  # fmt: skip
    before = PayrollBatch.objects.count()
    with pytest.raises(BusinessRuleError) as caught:
        _import(user, salary_sheet([[*r, 0] for r in rows], header))
    found = {(e.row, e.field, e.code) for e in caught.value.errors}
    assert found == {
        (1, "39999 奖励", "payroll.unknown_code"),
        (3, "身份证号", "payroll.bad_id_number"),
        (4, "30107 绩效工资", "payroll.bad_amount"),
        (5, "实发工资", "payroll.net_mismatch"),
        (6, "身份证号", "payroll.duplicate_employee"),
    }
    by_code = {e.code: e for e in caught.value.errors}
    assert "K1" in by_code["payroll.unknown_code"].message_zh
    assert by_code["payroll.bad_amount"].value == "五百"
    assert "G4" in by_code["payroll.bad_amount"].message_zh
    mismatch = by_code["payroll.net_mismatch"]
    assert mismatch.value == "1,234.00" and mismatch.limit == "1,437.97"  # 1,503 − 15.03 − 50
    assert "第 2 行" in by_code["payroll.duplicate_employee"].message_zh
    assert by_code["payroll.bad_id_number"].rule == "R-PY-4"
    assert PayrollBatch.objects.count() == before


def test_the_same_sheet_is_not_paid_twice(user: Any) -> None:
    data = enrolled_sheet(employees(2))
    first = _import(user, data)
    with pytest.raises(BusinessRuleError) as caught:
        _import(user, data)
    assert caught.value.errors[0].code == "payroll.already_imported"
    assert caught.value.errors[0].limit == first.number


def test_matching_checks_name_each_match(user: Any) -> None:
    batch = _import(user, enrolled_sheet(employees(4)))
    basic, performance = _line(user, "30101"), _line(user, "30107")
    bad = [
        Match("30101", basic.pk, 0),  # not above 0
        Match("30101", basic.pk, basic.available + 1),  # over the line's mountable balance
        Match("30107", performance.pk, batch.items["30107"] + 1),  # over the item
        Match("30107", basic.pk, 100),  # a 30101 line cannot pay 30107
    ]
    with pytest.raises(BusinessRuleError) as caught:
        _request(user, batch, matches=bad)
    codes = [(e.code, e.field) for e in caught.value.errors]
    assert codes == [
        ("payroll.match_not_positive", "matches[0].amount"),
        ("payroll.match_over_line", "matches[1].amount"),
        ("payroll.match_over_item", "matches[2].amount"),
        ("payroll.match_line", "matches[3].line"),
        ("payroll.item_unmatched", "items.30101"),
        ("payroll.item_unmatched", "items.30107"),
    ]
    over_line = caught.value.errors[1]
    assert over_line.limit == Money(basic.available).format()
    batch.refresh_from_db()
    assert batch.state == PayrollState.IMPORTED and batch.request is None


def test_a_deduction_needs_its_payee(user: Any) -> None:
    batch = _import(user, enrolled_sheet(employees(2)))
    with pytest.raises(BusinessRuleError) as caught:
        _request(user, batch, deduction_payees={"个人所得税": _payee(user).pk})
    assert [e.field for e in caught.value.errors] == ["deduction_payees.住房公积金"]


def test_500_employees_paid_then_one_line_refunded_in_part(user: Any) -> None:
    basic, performance = _line(user, "30101"), _line(user, "30107")
    batch = _import(user, enrolled_sheet(employees(500, base=1000, bonus=200)))
    # The demo has paid its own staff up to its "as of" date: top the lines up by this sheet.
    top_up(user, basic, batch.items["30101"])
    top_up(user, performance, batch.items["30107"])
    start = {"basic": _buckets(basic), "performance": _buckets(performance)}
    request = _request(user, batch)
    lines = list(request.lines.order_by("row"))
    assert len(lines) == 500 + 2  # one per employee, one per deduction
    assert sum(x.amount for x in lines) == batch.gross
    assert lines[0].payee_name == "职工00001" and lines[0].payee_account_no == "6217000000000000"
    # The charges bear exactly the matched amounts per indicator line.
    charged: dict[int, int] = {}
    for charge in PaymentCharge.objects.filter(line__request=request):
        charged[charge.indicator_line_id] = charged.get(charge.indicator_line_id, 0) + charge.amount
    assert charged == {basic.pk: batch.items["30101"], performance.pk: batch.items["30107"]}
    assert _buckets(basic) == start["basic"]  # a draft freezes nothing

    request = _approved(user, request)
    assert request.state == RequestState.SUBMITTED  # above the amount finance reviews too
    instance_approve(actor=user("wj_treasury"), instance_id=_round(request).pk)
    request.refresh_from_db()
    assert request.state == RequestState.VOUCHER_ISSUED
    available, frozen, paid = start["basic"]
    assert _buckets(basic) == (
        available - batch.items["30101"],
        frozen + batch.items["30101"],
        paid,
    )

    sent = bank_file_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert sent is not None and sent.transfers >= 502
    voucher = request.voucher.number
    bank_results_record(
        actor=user("bank_icbc"),
        items=[
            ResultInput(
                message_id=sent.message_id,
                entry_id=f"{voucher}-{x.row + 1}",
                end_to_end_id=f"{voucher}-{x.row + 1}",
                accepted=True,
            )
            for x in lines
        ],
    )
    request.refresh_from_db()
    assert request.state == RequestState.PAID
    # The voucher prints page by page: 12 lines under the header block, then 16 a page.
    pdf = voucher_pdf(request, request.voucher, request.lines.select_related("indicator_line"))
    assert pdf.count(b"/Type /Page\n") == 1 + -(-(502 - 12) // 16)
    assert _buckets(basic) == (
        available - batch.items["30101"],
        frozen,
        paid + batch.items["30101"],
    )
    p_available, p_frozen, p_paid = start["performance"]
    assert _buckets(performance) == (
        p_available - batch.items["30107"],
        p_frozen,
        p_paid + batch.items["30107"],
    )

    # One employee (row 137) was overpaid by 200: that line alone is refunded, in part.
    wrong = request.lines.get(row=136)
    refund = refund_register(
        actor=user("school_clerk"),
        line_id=wrong.pk,
        amount=Money(200_00),
        kind="payee_refund",
        reason="overpaid",
        refund_date=PAY_DAY + dt.timedelta(days=3),
    )
    refund_confirm(actor=user("school_approver"), refund_id=refund.pk)
    wrong.refresh_from_db()
    assert wrong.refunded == 200_00 and wrong.state == LineState.PAID
    assert request.lines.exclude(pk=wrong.pk).filter(refunded__gt=0).count() == 0
    bearer = wrong.charges.get()  # row 137 sits inside the 30101 pool
    assert bearer.indicator_line_id == basic.pk and bearer.restored == 200_00
    assert _buckets(basic) == (
        available - batch.items["30101"] + 200_00,
        frozen,
        paid + batch.items["30101"] - 200_00,
    )
    with pytest.raises(BusinessRuleError) as caught:
        refund_register(
            actor=user("school_clerk"),
            line_id=wrong.pk,
            amount=Money(wrong.amount),
            kind="payee_refund",
            reason="overpaid",
            refund_date=PAY_DAY + dt.timedelta(days=4),
        )
    assert caught.value.errors[0].limit == Money(wrong.amount - 200_00).format()
    assert reconcile() == []


def test_an_employee_across_two_indicator_lines_is_refunded_to_both(user: Any) -> None:
    """The line where the 30101 pool ends is borne by both lines; a whole refund restores both."""
    batch = _import(user, enrolled_sheet(employees(3)))
    request = _approved(user, _request(user, batch))
    sent = bank_file_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert sent is not None
    voucher = request.voucher.number
    bank_results_record(
        actor=user("bank_icbc"),
        items=[
            ResultInput(sent.message_id, f"{voucher}-{x.row + 1}", f"{voucher}-{x.row + 1}", True)
            for x in request.lines.all()
        ],
    )
    split = next(x for x in request.lines.all() if x.charges.count() == 2)
    basic, performance = _line(user, "30101"), _line(user, "30107")
    before = _buckets(basic), _buckets(performance)
    refund = refund_register(
        actor=user("school_clerk"),
        line_id=split.pk,
        amount=Money(split.amount),
        kind="bank_return",
        reason="wrong_account",
        refund_date=PAY_DAY,
    )
    refund_confirm(actor=user("school_approver"), refund_id=refund.pk)
    parts = dict(split.charges.values_list("indicator_line_id", "amount"))
    assert _buckets(basic)[0] == before[0][0] + parts[basic.pk]
    assert _buckets(performance)[0] == before[1][0] + parts[performance.pk]
    assert reconcile() == []


def test_ids_in_the_helper_are_valid() -> None:
    from yusuan.core.rules import id_number_is_valid

    assert all(id_number_is_valid(id_number(i)) for i in range(50))
