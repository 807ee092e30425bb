"""Corrections (更正, R-RF-5): a paid amount moves to another indicator line of the same unit
without money moving; checked against what the line paid and what the new line has; posted by
another person; a later refund restores the line that bears the money now."""

from __future__ import annotations

from typing import Any

import pytest
from tests.payment_helpers import _buckets, _line
from tests.test_payments_refunds import TODAY, _paid_batch

from yusuan.common.errors import BusinessRuleError
from yusuan.common.money import Money
from yusuan.indicators.models import IndicatorLine, Movement
from yusuan.indicators.selectors import reconcile
from yusuan.payments.services.corrections import correction_post, correction_register
from yusuan.payments.services.refunds import refund_confirm, refund_register

pytestmark = pytest.mark.django_db


def test_correction_moves_paid_amount_between_lines(user: Any) -> None:
    office, travel = _line(user, "30201"), _line(user, "30211")
    request = _paid_batch(user)
    line = request.lines.get(row=1)  # 250.00 paid from 办公费, should have been 差旅费
    before_office, before_travel = _buckets(office), _buckets(travel)
    correction = correction_register(
        actor=user("school_clerk"),
        line_id=line.pk,
        to_line_id=travel.pk,
        amount=Money(200_00),
        reason="误用办公费指标，应列差旅费",
    )
    assert _buckets(office) == before_office  # nothing moves until posted
    with pytest.raises(BusinessRuleError) as same_person:
        correction_post(actor=user("school_clerk"), correction_id=correction.pk)
    assert same_person.value.errors[0].code in (
        "payments.correction_same_person",
        "permission_denied",
    )
    correction_post(actor=user("school_approver"), correction_id=correction.pk)
    a, f, p = before_office
    assert _buckets(office) == (a + 200_00, f, p - 200_00)
    a, f, p = before_travel
    assert _buckets(travel) == (a - 200_00, f, p + 200_00)
    kinds = set(
        Movement.objects.filter(source_type="payments.correction").values_list("kind", flat=True)
    )
    assert kinds == {"CORRECT_OUT", "CORRECT_IN"}
    assert dict(line.charges.values_list("indicator_line_id", "amount")) == {
        office.pk: 50_00,
        travel.pk: 200_00,
    }
    # A whole refund afterwards gives back to both, each what it bears.
    refund = refund_register(
        actor=user("school_clerk"),
        line_id=line.pk,
        amount=Money(250_00),
        kind="payee_refund",
        reason="error",
        refund_date=TODAY,
    )
    refund_confirm(actor=user("school_approver"), refund_id=refund.pk)
    assert _buckets(travel) == before_travel
    a, f, p = before_office
    assert _buckets(office) == (a + 250_00, f, p - 250_00)
    assert reconcile() == []


def test_correction_refused_with_figures(user: Any) -> None:
    travel = _line(user, "30211")
    request = _paid_batch(user)
    line = request.lines.get(row=2)  # 40.00
    with pytest.raises(BusinessRuleError) as caught:
        correction_register(
            actor=user("school_clerk"),
            line_id=line.pk,
            to_line_id=travel.pk,
            amount=Money(40_01),
            reason="",
        )
    found = {(e.code, e.field, e.value, e.limit) for e in caught.value.errors}
    assert ("payments.correction_exceeds", "amount", "40.01", "40.00") in found
    assert ("payments.correction_reason", "reason", None, None) in found
    other_unit = IndicatorLine.objects.exclude(organisation=line.request.organisation).first()
    assert other_unit is not None
    with pytest.raises(BusinessRuleError) as caught:
        correction_register(
            actor=user("school_clerk"),
            line_id=line.pk,
            to_line_id=other_unit.pk,
            amount=Money(10_00),
            reason="错列单位",
        )
    assert caught.value.errors[0].code == "payments.correction_target"
    salary = _line(user, "30101")
    with pytest.raises(BusinessRuleError) as caught:
        correction_register(
            actor=user("school_clerk"),
            line_id=line.pk,
            to_line_id=salary.pk,
            amount=Money(10_00),
            reason="改列工资",
        )
    assert [e.rule for e in caught.value.errors] == ["R-PY-4"]


def test_correction_from_the_request_page(client_as: Any, user: Any) -> None:
    travel = _line(user, "30211")
    request = _paid_batch(user)
    clerk, approver = client_as("school_clerk"), client_as("school_approver")
    page = clerk.get(f"/payments/{request.pk}/").content.decode()
    assert f"/payments/{request.pk}/lines/0/correct/" in page
    url = f"/payments/{request.pk}/lines/0/correct/"
    assert f'value="{travel.pk}"' in clerk.get(url).content.decode()
    refused = clerk.post(url, {"to_line": str(travel.pk), "amount": "100.01", "reason": "改列"})
    html = refused.content.decode()
    assert refused.status_code == 200 and "has-error" in html and "100.00" in html
    done = clerk.post(url, {"to_line": str(travel.pk), "amount": "60", "reason": "改列差旅费"})
    assert done.status_code == 302
    from yusuan.payments.models import Correction

    correction = Correction.objects.get(line__request=request)
    detail = approver.get(f"/payments/{request.pk}/").content.decode()
    assert f"post-correction-{correction.pk}" in detail
    before = _buckets(travel)
    approver.post(f"/payments/{request.pk}/corrections/{correction.pk}/post/")
    correction.refresh_from_db()
    assert correction.state == "posted"
    available, frozen, paid = before
    assert _buckets(travel) == (available - 60_00, frozen, paid + 60_00)


def test_a_partial_refund_gives_back_to_the_last_charge_first(user: Any) -> None:
    # Given a paid line of 250.00 whose 200.00 a correction moved to 差旅费 (its second charge),
    office, travel = _line(user, "30201"), _line(user, "30211")
    line = _paid_batch(user).lines.get(row=1)
    correction = correction_register(
        actor=user("school_clerk"),
        line_id=line.pk,
        to_line_id=travel.pk,
        amount=Money(200_00),
        reason="误用办公费指标，应列差旅费",
    )
    correction_post(actor=user("school_approver"), correction_id=correction.pk)
    before_office, before_travel = _buckets(office), _buckets(travel)
    # when 100.00 of it comes back and is confirmed,
    refund = refund_register(
        actor=user("school_clerk"),
        line_id=line.pk,
        amount=Money(100_00),
        kind="payee_refund",
        reason="overpaid",
        refund_date=TODAY,
    )
    refund_confirm(actor=user("school_approver"), refund_id=refund.pk)
    # then the last charge (差旅费) has it back, in the order payments.locks locks the charges
    # (R-RF-2), and 办公费 keeps what it paid.
    a, f, p = before_travel
    assert _buckets(travel) == (a + 100_00, f, p - 100_00)
    assert _buckets(office) == before_office
    assert dict(line.charges.values_list("indicator_line_id", "restored")) == {
        office.pk: 0,
        travel.pk: 100_00,
    }
    assert reconcile() == []
