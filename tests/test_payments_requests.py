"""Payment requests through the approval engine, with the indicator buckets asserted after each
step: entry (nothing moves), submission (frozen, R-PY-1), approvals (R-PY-6), return, withdrawal
and rejection (released); the refusals name rule, field, row and figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.payment_helpers import (
    DOCUMENT_TYPE,
    _approved,
    _buckets,
    _individual,
    _input,
    _line,
    _round,
)

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.identity.services import user_set_roles
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.selectors import reconcile
from yusuan.monitoring.services import finding_decide, request_explain
from yusuan.payments.choices import RequestState
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import (
    request_create,
    request_update,
)
from yusuan.workflow.services import (
    document_submit,
    instance_approve,
    instance_reject,
    instance_return,
    instance_withdraw,
)

pytestmark = pytest.mark.django_db


def test_entry_submission_and_approvals_freeze_once(user: Any) -> None:
    office = _line(user, "30201")
    available, frozen, paid = _buckets(office)
    request = request_create(
        actor=user("school_clerk"), data=_input(user, [(office, "1,200.00")]), fiscal_year=2026
    )
    assert request.state == RequestState.DRAFT and request.number.startswith("ZF2026")
    line = request.lines.get()
    assert (line.exp_func_code, line.dep_bgt_eco_code) == (office.exp_func_code, "30201")  # R-PY-2
    assert _buckets(office) == (available, frozen, paid)  # entry moves nothing

    instance = document_submit(
        actor=user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(request.pk)
    )
    request.refresh_from_db()
    assert request.state == RequestState.SUBMITTED
    assert _buckets(office) == (available - 120000, frozen + 120000, paid)  # R-PY-1
    assert [s["key"] for s in instance.route] == ["unit_review", "unit_approval"]

    instance_approve(actor=user("school_reviewer"), instance_id=instance.pk)
    instance_approve(actor=user("school_approver"), instance_id=instance.pk)
    request.refresh_from_db()
    # Monitoring passed (a company, by transfer): the voucher is issued at once.
    assert request.state == RequestState.VOUCHER_ISSUED
    voucher = request.voucher
    assert voucher.number.startswith("PZ2026") and voucher.amount == 120000
    assert voucher.amount_in_words == "壹仟贰佰元整"
    assert voucher.approvers == [
        user("school_reviewer").full_name,
        user("school_approver").full_name,
    ]
    assert not request.findings.exists()
    assert _buckets(office) == (available - 120000, frozen + 120000, paid)  # still in flight
    assert reconcile() == []


def test_public_funds_to_a_person_waits_for_an_explanation(user: Any) -> None:
    office = _line(user, "30201")
    start = _buckets(office)
    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(office, "800")], payee_id=_individual(user).pk),
        fiscal_year=2026,
    )
    request = _approved(user, request)
    assert request.state == RequestState.PENDING_EXPLANATION
    finding = request.findings.get()
    assert (finding.rule, finding.outcome, finding.row) == ("R-MO-1", "warn", 0)
    assert "张三" in finding.message_zh and "30201" in finding.message_zh
    with pytest.raises(BusinessRuleError) as caught:
        request_explain(actor=user("school_clerk"), request_id=request.pk, explanation=" ")
    assert caught.value.errors[0].field == "explanation"
    request_explain(
        actor=user("school_clerk"),
        request_id=request.pk,
        explanation="临时聘用人员垫付办公用品费用，凭发票报销",
    )
    request.refresh_from_db()
    # R-MO-14: red waits for the finance monitoring officer, the money still frozen.
    assert request.state == RequestState.PENDING_REVIEW and request.explanation
    assert _buckets(office)[1] == start[1] + 80000
    finding_decide(
        actor=user("wj_monitor"),
        finding_id=finding.pk,
        decision="normal",
        note="",
    )
    request.refresh_from_db()
    assert request.state == RequestState.VOUCHER_ISSUED
    assert _buckets(office)[1] == start[1] + 80000  # frozen until the bank answers


def test_large_cash_is_blocked_and_released_then_revised(user: Any) -> None:
    office = _line(user, "30201")
    start = _buckets(office)
    data = _input(user, [(office, "60,000")], settlement_mode="cash")
    request = _approved(
        user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    )
    assert request.state == RequestState.BLOCKED
    assert _buckets(office) == start  # a block releases the money
    rules = {(f.rule, f.outcome, f.limit) for f in request.findings.all()}
    assert ("R-MO-2", "block", "50,000.00") in rules  # the single-withdrawal hard limit
    assert ("R-MO-2", "warn", "50,000.00") in rules  # the month-to-date soft limit
    revised = request_update(
        actor=user("school_clerk"),
        request_id=request.pk,
        data=_input(user, [(office, "30,000")], settlement_mode="transfer"),
    )
    assert revised.state == RequestState.DRAFT
    assert _approved(user, revised).state == RequestState.VOUCHER_ISSUED
    assert reconcile() == []


def test_over_available_is_refused_with_line_and_figures(user: Any) -> None:
    office = _line(user, "30201")
    too_much = Money(office.available + 1)
    with pytest.raises(BusinessRuleError) as caught:
        request_create(
            actor=user("school_clerk"),
            data=_input(user, [(office, "1"), (office, too_much.format())]),
            fiscal_year=2026,
        )
    error = caught.value.errors[0]
    assert (error.code, error.rule, error.field, error.row) == (
        "indicators.insufficient",
        "R-PY-1",
        "lines[1].amount",
        1,
    )
    assert error.value == Money(office.available + 1 + 100).format()  # both rows on one line
    assert error.limit == Money(office.available).format()
    assert office.code in error.message_zh
    assert not PaymentRequest.objects.filter(purpose="测试：购买办公用品").exists()


def test_return_withdraw_and_reject_release_the_money(user: Any) -> None:
    office = _line(user, "30201")
    start = _buckets(office)
    clerk = user("school_clerk")
    request = request_create(actor=clerk, data=_input(user, [(office, "500")]), fiscal_year=2026)
    submit = lambda: document_submit(  # noqa: E731
        actor=clerk, document_type=DOCUMENT_TYPE, object_id=str(request.pk)
    )
    first = submit()
    instance_return(
        actor=user("school_reviewer"), instance_id=first.pk, reason="附件不全", to_entry=True
    )
    request.refresh_from_db()
    assert request.state == RequestState.DRAFT and _buckets(office) == start

    second = submit()  # round 2 freezes again (its own op_key)
    assert _buckets(office)[0] == start[0] - 50000
    instance_withdraw(actor=clerk, instance_id=second.pk, reason="金额有误")
    request.refresh_from_db()
    assert request.state == RequestState.DRAFT and _buckets(office) == start

    third = submit()
    instance_approve(actor=user("school_reviewer"), instance_id=third.pk)
    instance_reject(actor=user("school_approver"), instance_id=third.pk, reason="不符合规定")
    request.refresh_from_db()
    assert request.state == RequestState.REJECTED and _buckets(office) == start
    assert reconcile() == []


def test_clerk_holding_the_reviewer_role_cannot_review_her_own_request(user: Any) -> None:
    office = _line(user, "30201")
    clerk = user("school_clerk")
    user_set_roles(actor=user("wj_admin"), user=clerk, role_codes=["unit_clerk", "unit_reviewer"])
    request = request_create(actor=clerk, data=_input(user, [(office, "10")]), fiscal_year=2026)
    instance = document_submit(actor=clerk, document_type=DOCUMENT_TYPE, object_id=str(request.pk))
    with pytest.raises(BusinessRuleError) as caught:
        instance_approve(actor=user("school_clerk"), instance_id=instance.pk)
    assert caught.value.errors[0].rule in ("R-WF-1", "R-PY-6")
    assert _round(request).step_key == "unit_review"


def test_header_errors_are_named(user: Any) -> None:
    office = _line(user, "30201")
    with pytest.raises(BusinessRuleError) as caught:
        request_create(
            actor=user("school_clerk"),
            data=_input(
                user,
                [(office, "0")],
                purpose=" ",
                pay_date=dt.date(2025, 12, 31),
                payer_account_id=None,
                payee_id=None,
            ),
            fiscal_year=2026,
        )
    fields = {e.field: e for e in caught.value.errors}
    assert fields["pay_date"].rule == "R-PY-7"
    assert fields["payer_account"].code == "payments.bad_payer_account"
    assert fields["purpose"].code == "payments.purpose_required"
    assert fields["lines[0].amount"].code == "payments.amount_not_positive"
    assert fields["lines[0].payee"].rule == "R-PY-5"


def test_another_units_indicator_is_not_payable(user: Any) -> None:
    school = user("school_clerk").organisation
    other = IndicatorLine.objects.exclude(organisation=school).filter(kind="executable").first()
    assert other is not None
    with pytest.raises(BusinessRuleError) as caught:
        request_create(
            actor=user("school_clerk"), data=_input(user, [(other, "1")]), fiscal_year=2026
        )
    error = caught.value.errors[0]
    assert (error.field, error.rule) == ("lines[0].indicator_line", "R-PY-1")
