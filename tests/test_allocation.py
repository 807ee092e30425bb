"""实拨: a transfer to a lower government is paid by the treasury and confirmed by its receipt
(R-PY-12; ADR 0029): the payee is a lower government's finance bureau, the treasury officer
records the 人民银行国库's receipt (paid or returned), the ledger, the request, the audit trail and
the money events follow, once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

import pytest
from tests.payment_helpers import (
    _buckets,
    _input,
    _line,
    town_payee,
    treasury_account,
)
from tests.test_agent_banks import _issued
from tests.test_api_csrf import csrf_session

from yusuan.audit.models import AuditRecord
from yusuan.common.actor import PermissionDeniedError
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.events import money
from yusuan.core.models import Payee
from yusuan.identity.services import api_token_issue
from yusuan.indicators.models import IndicatorLine
from yusuan.payments.choices import LineState, RequestState
from yusuan.payments.events import PaymentSettled
from yusuan.payments.models import BankResult, PaymentRequest
from yusuan.payments.services import request_create
from yusuan.payments.services.allocation import AllocationReceipt, allocation_settle

pytestmark = pytest.mark.django_db


def _transfer_line(user: Any) -> IndicatorLine:
    line = _line(user, "30201")
    line.gov_bgt_eco_code = "51301"  # 上下级政府间转移性支出
    line.save(update_fields=["gov_bgt_eco_code"])
    return line


def _allocation(user: Any, amount: str = "300") -> PaymentRequest:
    """A 实拨 request of the school's to 震泽镇, approved: its SB voucher issued, money frozen."""
    line = _transfer_line(user)
    data = dataclasses.replace(
        _input(user, [(line, amount)]),
        payer_account_id=treasury_account(user).pk,
        payee_id=town_payee(user).pk,
    )
    return _issued(user, amount, data)


def _receipt(**kw: Any) -> AllocationReceipt:
    values: dict[str, Any] = {"paid": True, "reference": "GK2026110001"}
    return AllocationReceipt(**(values | kw))


def test_the_treasury_records_the_receipt_and_the_money_is_paid_once(
    user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    request = _allocation(user, "300")
    line = request.lines.get().indicator_line
    available, frozen, paid = _buckets(line)
    journal: list[Any] = []
    today = timezone.localdate()  # the suite's clock (a value date is never in the future)
    with (
        money.subscribed_to_all(journal.append),
        django_capture_on_commit_callbacks(execute=True),
    ):
        allocation_settle(
            actor=user("wj_treasury"), request_id=request.pk, data=_receipt(value_date=today)
        )
    request.refresh_from_db()
    assert request.state == RequestState.PAID  # not cleared later: no zero-balance account
    assert _buckets(line) == (available, frozen - 30_000, paid + 30_000)
    payment_line = request.lines.get()
    assert payment_line.state == LineState.PAID
    result = BankResult.objects.get(line=payment_line)
    assert (result.message_id, result.entry_id, result.accepted, result.value_date) == (
        "GK2026110001",
        f"{request.voucher.number}-1",
        True,
        today,
    )
    record = AuditRecord.objects.get(action="payments.allocation_result", object_id=str(request.pk))
    assert record.extra["treasury_receipt"] == "GK2026110001"
    assert record.extra["voucher"] == request.voucher.number
    assert AuditRecord.objects.filter(
        action="payments.request_state", object_id=str(request.pk), extra__by="treasury"
    ).exists()
    settled = [e for e in journal if isinstance(e, PaymentSettled)]
    assert [(e.event_id, e.bank_message_id) for e in settled] == [
        (f"payments.line:{payment_line.pk}:settle", "GK2026110001")
    ]

    # The same receipt again (a resend) changes nothing; another outcome is refused, naming it.
    allocation_settle(actor=user("wj_treasury"), request_id=request.pk, data=_receipt())
    assert _buckets(line) == (available, frozen - 30_000, paid + 30_000)
    with pytest.raises(BusinessRuleError) as caught:
        allocation_settle(
            actor=user("wj_treasury"),
            request_id=request.pk,
            data=_receipt(paid=False, reference="GK2026110009", reason="账户有误"),
        )
    error = caught.value.errors[0]
    assert caught.value.status == 409
    assert (error.code, error.rule, error.limit) == (
        "payments.allocation_settled",
        "R-PY-12",
        "GK2026110001",
    )
    assert BankResult.objects.filter(line=payment_line).count() == 1


def test_a_returned_allocation_releases_the_money_and_the_request_fails(user: Any) -> None:
    request = _allocation(user, "120")
    line = request.lines.get().indicator_line
    available, frozen, paid = _buckets(line)
    with pytest.raises(BusinessRuleError) as caught:
        allocation_settle(
            actor=user("wj_treasury"), request_id=request.pk, data=_receipt(paid=False)
        )
    assert [(e.code, e.field) for e in caught.value.errors] == [
        ("payments.allocation_reason", "reason")
    ]
    allocation_settle(
        actor=user("wj_treasury"),
        request_id=request.pk,
        data=_receipt(paid=False, reason="收款国库账户已撤销"),
    )
    request.refresh_from_db()
    assert request.state == RequestState.FAILED
    assert _buckets(line) == (available + 12_000, frozen - 12_000, paid)
    assert request.lines.get().state == LineState.FAILED
    result = BankResult.objects.get(line__request=request)
    assert (result.accepted, result.reason) == (False, "收款国库账户已撤销")


def test_a_receipt_is_checked_field_by_field(user: Any) -> None:
    request = _allocation(user, "50")
    today = timezone.localdate()
    with pytest.raises(BusinessRuleError) as caught:
        allocation_settle(
            actor=user("wj_treasury"),
            request_id=request.pk,
            data=_receipt(reference=" \x00 ", value_date=today + dt.timedelta(days=1)),
        )
    by_field = {e.field: e for e in caught.value.errors}
    assert set(by_field) == {"reference", "value_date"}
    assert by_field["reference"].code == "payments.allocation_reference"
    assert by_field["value_date"].limit.endswith(today.isoformat())
    assert "划款日期" in by_field["value_date"].message_zh
    for hostile in ("<script>alert(1)</script>", "GK 2026", "x" * 65, "-GK1"):
        with pytest.raises(BusinessRuleError) as caught:
            allocation_settle(
                actor=user("wj_treasury"), request_id=request.pk, data=_receipt(reference=hostile)
            )
        assert [e.code for e in caught.value.errors] == ["payments.allocation_reference"]

    # One receipt answers one voucher.
    other = _allocation_again(user)
    allocation_settle(actor=user("wj_treasury"), request_id=other.pk, data=_receipt())
    with pytest.raises(BusinessRuleError) as caught:
        allocation_settle(actor=user("wj_treasury"), request_id=request.pk, data=_receipt())
    error = caught.value.errors[0]
    assert (error.code, error.field, error.limit) == (
        "payments.allocation_reference_used",
        "reference",
        other.voucher.number,
    )
    request.refresh_from_db()
    assert request.state == RequestState.VOUCHER_ISSUED


def _allocation_again(user: Any) -> PaymentRequest:
    """A second 实拨 of the school's to the same town."""
    return _allocation(user, "20")


def test_only_an_issued_allocation_voucher_takes_a_receipt(user: Any) -> None:
    ordinary = _issued(user, "10")  # a zero-balance account's voucher: the bank reports it
    with pytest.raises(BusinessRuleError) as caught:
        allocation_settle(actor=user("wj_treasury"), request_id=ordinary.pk, data=_receipt())
    assert caught.value.status == 409
    assert caught.value.errors[0].code == "payments.not_an_allocation"
    ordinary.refresh_from_db()
    assert ordinary.state == RequestState.VOUCHER_ISSUED


def test_who_may_record_a_receipt(user: Any) -> None:
    request = _allocation(user, "40")
    for username in ("school_clerk", "bank_icbc", "wj_budget"):
        with pytest.raises(PermissionDeniedError):
            allocation_settle(actor=user(username), request_id=request.pk, data=_receipt())
    # R-WF-1: the clerk who entered it does not confirm it, even holding the permission.
    clerk = user("school_clerk")
    clerk.user_permissions.add(Permission.objects.get(codename="confirm_allocation"))
    clerk = type(clerk).objects.get(pk=clerk.pk)  # permissions are cached per instance
    with pytest.raises(BusinessRuleError) as caught:
        allocation_settle(actor=clerk, request_id=request.pk, data=_receipt())
    assert (caught.value.status, caught.value.errors[0].rule) == (403, "R-WF-1")
    # Another region's treasury does not see it.
    from tests.scope_registry import other_region

    other_region()
    with pytest.raises(NotFoundError):
        allocation_settle(actor=user("wz_treasury"), request_id=request.pk, data=_receipt())
    request.refresh_from_db()
    assert request.state == RequestState.VOUCHER_ISSUED


def test_an_allocation_pays_only_a_lower_governments_finance_bureau(user: Any) -> None:
    """R-PY-12: the payee must be the finance bureau of a region directly below the payer's."""
    town_payee(user)
    line = _transfer_line(user)
    treasury = treasury_account(user)
    shop = _input(user, [(line, "30")])  # the school's stationery supplier
    with pytest.raises(BusinessRuleError) as caught:
        request_create(
            actor=user("school_clerk"),
            data=dataclasses.replace(shop, payer_account_id=treasury.pk),
            fiscal_year=2026,
        )
    errors = [e for e in caught.value.errors if e.rule == "R-PY-12"]
    assert [(e.code, e.field) for e in errors] == [
        ("payments.allocation_payee_not_lower_government", "lines[0].payee")
    ]
    assert "吴江区震泽镇财政所" in errors[0].message_zh  # names who may be paid
    # The same name and a credit code that is no lower finance bureau's: refused too.
    impostor = Payee.objects.create(
        mof_div_code=treasury.mof_div_code,
        organisation=user("school_clerk").organisation,
        kind="organisation",
        name="吴江区震泽镇财政所",
        credit_code="91320509MA7654321X",
        bank_account_no="6222020000009999",
        bank_name="某银行",
    )
    with pytest.raises(BusinessRuleError):
        request_create(
            actor=user("school_clerk"),
            data=dataclasses.replace(shop, payer_account_id=treasury.pk, payee_id=impostor.pk),
            fiscal_year=2026,
        )


def test_the_api_records_a_receipt_with_a_token_and_with_a_csrf_session(user: Any) -> None:
    first = _allocation(user, "60")
    second = _allocation_again(user)
    token = api_token_issue(
        actor=None,
        user=user("wj_treasury"),
        name="t",
        scopes=("payments:read", "payments:write"),
    )
    client = Client(enforce_csrf_checks=True)
    path = f"/api/v1/payments/requests/{first.pk}/allocation-receipt"
    body = {"paid": True, "reference": "GK-API-1", "value_date": timezone.localdate().isoformat()}
    answer = client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token.key}",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "paid"
    bad = client.post(
        path.replace(str(first.pk), str(second.pk)),
        data=json.dumps({"paid": False, "reference": "x" * 65}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token.key}",
    )
    assert bad.status_code == 422 and "reference" in bad.content.decode()

    session, csrf = csrf_session(user("wj_treasury"))
    path = f"/api/v1/payments/requests/{second.pk}/allocation-receipt"
    body = {"paid": True, "reference": "GK-API-2"}
    refused = session.post(path, data=json.dumps(body), content_type="application/json")
    assert refused.status_code == 403  # no CSRF token
    answer = session.post(
        path, data=json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert answer.status_code == 200 and answer.json()["state"] == "paid"


def test_the_request_page_takes_the_receipt(client_as: Any, user: Any) -> None:
    request = _allocation(user, "70")
    treasury = client_as("wj_treasury")
    page = treasury.get(f"/payments/{request.pk}/").content.decode()
    assert 'data-testid="allocation-receipt"' in page and request.voucher.number in page
    clerk_page = client_as("school_clerk").get(f"/payments/{request.pk}/").content.decode()
    assert 'data-testid="allocation-receipt"' not in clerk_page
    bad = treasury.post(
        f"/payments/{request.pk}/allocation/",
        {"outcome": "paid", "reference": "GK-PAGE-1", "value_date": "2026-13-01"},
        follow=True,
    ).content.decode()
    assert "2026-13-01" in bad and "YYYY-MM-DD" in bad
    request.refresh_from_db()
    assert request.state == RequestState.VOUCHER_ISSUED
    done = treasury.post(
        f"/payments/{request.pk}/allocation/",
        {"outcome": "paid", "reference": "GK-PAGE-1", "value_date": ""},
        follow=True,
    ).content.decode()
    request.refresh_from_db()
    assert request.state == RequestState.PAID
    assert 'data-testid="allocation-receipt"' not in done
    assert 'data-testid="allocation-recorded"' in done and "GK-PAGE-1" in done
