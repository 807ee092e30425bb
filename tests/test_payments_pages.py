"""Payment pages as a clerk uses them: entry with errors in place, submission, the voucher as
printed after approval; another unit's request is a 404."""

from __future__ import annotations

from typing import Any

import pytest
from tests.payment_helpers import _line, _payee

from yusuan.core.models import BankAccount
from yusuan.payments.models import PaymentRequest
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services import instance_approve

pytestmark = pytest.mark.django_db


def _form(user: Any, rows: list[tuple[str, str]], **header: str) -> dict[str, str]:
    school = user("school_clerk").organisation
    data = {
        "business_type": "ordinary",
        "settlement_mode": "transfer",
        "purpose": "页面支付：印刷费",
        "pay_date": "2026-11-23",
        "payer_account_id": str(
            BankAccount.objects.get(organisation=school, account_type="unit_zero_balance").pk
        ),
        "payee_id": str(_payee(user).pk),
        "row_count": str(len(rows)),
        **header,
    }
    for i, (code, amount) in enumerate(rows):
        data[f"lines-{i}-indicator_line"] = code
        data[f"lines-{i}-amount"] = amount
    return data


def test_entry_errors_in_place_then_saved_submitted_and_printed(client_as: Any, user: Any) -> None:
    office = _line(user, "30201")
    clerk = client_as("school_clerk")
    assert clerk.get("/payments/new/").status_code == 200
    too_much = f"{office.available // 100 + 1}"
    page = clerk.post("/payments/new/", _form(user, [(office.code, "1"), (office.code, too_much)]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-field="lines[1].amount"' in body and "R-PY-1" in body and office.code in body
    assert not PaymentRequest.objects.filter(purpose="页面支付：印刷费").exists()

    saved = clerk.post("/payments/new/", _form(user, [(office.code, "1,500.00")]))
    request = PaymentRequest.objects.get(purpose="页面支付：印刷费")
    assert saved.status_code == 302 and saved["Location"] == f"/payments/{request.pk}/"
    clerk.post(f"/payments/{request.pk}/submit/")
    request.refresh_from_db()
    assert request.state == "submitted"
    assert request.number in clerk.get("/payments/").content.decode()

    instance = WorkflowInstance.objects.get(
        document_type="payments.request", object_id=str(request.pk)
    )
    instance_approve(actor=user("school_reviewer"), instance_id=instance.pk)
    instance_approve(actor=user("school_approver"), instance_id=instance.pk)
    sheet = clerk.get(f"/payments/{request.pk}/voucher/").content.decode()
    assert "人民币壹仟伍佰元整" in sheet and request.voucher.number in sheet
    assert client_as("hospital_cashier").get(f"/payments/{request.pk}/").status_code == 404


def test_treasury_sends_downloads_and_uploads_the_report(client_as: Any, user: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.test_payments_api import PAIN002

    office = _line(user, "30201")
    clerk = client_as("school_clerk")
    clerk.post("/payments/new/", _form(user, [(office.code, "10"), (office.code, "20")]))
    request = PaymentRequest.objects.get(purpose="页面支付：印刷费")
    clerk.post(f"/payments/{request.pk}/submit/")
    instance = WorkflowInstance.objects.get(
        document_type="payments.request", object_id=str(request.pk)
    )
    instance_approve(actor=user("school_reviewer"), instance_id=instance.pk)
    instance_approve(actor=user("school_approver"), instance_id=instance.pk)
    treasury = client_as("wj_treasury")
    assert "1" in treasury.get("/payments/bank/").content.decode()
    treasury.post("/payments/bank/", {"send": "1"})
    request.refresh_from_db()
    assert request.state == "at_bank"
    bank_file = request.voucher.bank_file
    xml = treasury.get(f"/payments/bank/files/{bank_file.pk}.xml")
    assert xml.content.decode() == bank_file.xml
    report = PAIN002.format(file=bank_file.message_id, voucher=request.voucher.number)
    treasury.post(
        "/payments/bank/",
        {"report": SimpleUploadedFile("sts.xml", report.encode(), "application/xml")},
    )
    request.refresh_from_db()
    assert request.state == "partly_failed"
    assert clerk.get("/payments/bank/").status_code == 403


def test_refund_one_line_from_the_request_page(client_as: Any, user: Any) -> None:
    from tests.test_payments_refunds import _paid_batch

    request = _paid_batch(user)
    clerk = client_as("school_clerk")
    page = clerk.get(f"/payments/{request.pk}/").content.decode()
    assert f"/payments/{request.pk}/lines/1/refund/" in page  # one click from the request
    form = clerk.get(f"/payments/{request.pk}/lines/1/refund/").content.decode()
    assert "250.00" in form  # what is left, proposed
    too_much = clerk.post(
        f"/payments/{request.pk}/lines/1/refund/",
        {
            "amount": "250.01",
            "kind": "payee_refund",
            "reason": "overpaid",
            "refund_date": "2026-11-23",
        },
    ).content.decode()
    assert "R-RF-1" in too_much and "250.00" in too_much
    done = clerk.post(
        f"/payments/{request.pk}/lines/1/refund/",
        {"amount": "50", "kind": "payee_refund", "reason": "overpaid", "refund_date": "2026-11-23"},
    )
    assert done.status_code == 302
    refund = request.lines.get(row=1).refunds.get()
    approver = client_as("school_approver")
    approver.post(f"/payments/{request.pk}/refunds/{refund.pk}/confirm/")
    refund.refresh_from_db()
    assert refund.state == "restored"


def test_voucher_pdf(client_as: Any, user: Any) -> None:
    paid = PaymentRequest.objects.filter(
        organisation=user("school_clerk").organisation, state="paid"
    ).first()
    draft = PaymentRequest.objects.filter(
        organisation=user("school_clerk").organisation, state="draft"
    ).first()
    assert paid is not None and draft is not None
    clerk = client_as("school_clerk")
    pdf = clerk.get(f"/payments/{paid.pk}/voucher.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"STSong-Light" in pdf.content
    assert paid.voucher.number in pdf["Content-Disposition"]
    assert clerk.get(f"/payments/{draft.pk}/voucher.pdf").status_code == 404
    assert client_as("hospital_clerk").get(f"/payments/{paid.pk}/voucher.pdf").status_code == 404


@pytest.mark.parametrize("state", ["lost", "<script>alert(1)</script>", "PAID", "paid "])
def test_a_state_filter_that_is_no_state_is_named_beside_the_filter(
    client_as: Any, state: str
) -> None:
    """Not an empty list (which says "no such requests"): a 422 like a page number out of range,
    the error beside the filter naming the parameter, the value and the states there are."""
    from urllib.parse import quote

    from django.conf import settings
    from django.utils import translation
    from django.utils.html import escape

    from yusuan.payments.choices import RequestState

    clerk = client_as("school_clerk")
    page = clerk.get(f"/payments/?state={quote(state)}")
    body = page.content.decode()
    assert page.status_code == 422
    assert body.count('data-field="state"') == 1
    error = body.split('data-field="state"', 1)[1].split("</p>", 1)[0]
    assert "（state）" in error and f"“{escape(state)}”" in error
    assert "不是支付申请的状态" in error
    with translation.override("zh-hans"):
        for value, label in RequestState.choices:
            assert f"{value} ({escape(label)})" in error, value
    assert "<script>alert" not in body  # the value is shown as typed, never run
    assert 'data-testid="requests"' not in body  # no rows: not "there are none"

    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = clerk.get(f"/payments/?state={quote(state)}").content.decode()
    assert "State filter (state)" in english and "is not a state of a payment request" in english
    assert "paid (Paid)" in english and "draft (Draft)" in english


def test_the_state_filter_still_lists_a_state_or_all(client_as: Any, user: Any) -> None:
    school = user("school_clerk").organisation
    paid = PaymentRequest.objects.filter(organisation=school, state="paid").first()
    draft = PaymentRequest.objects.filter(organisation=school, state="draft").first()
    assert paid is not None and draft is not None
    clerk = client_as("school_clerk")
    for query, shown, hidden in (("paid", paid, draft), ("draft", draft, paid)):
        page = clerk.get(f"/payments/?state={query}")
        body = page.content.decode()
        assert page.status_code == 200 and 'data-field="state"' not in body
        assert f"/payments/{shown.pk}/" in body and f"/payments/{hidden.pk}/" not in body
    everything = clerk.get("/payments/?state=")
    assert everything.status_code == 200
    assert 'data-testid="requests"' in everything.content.decode()


def test_the_agent_bank_page_shows_its_clearing_table_once_and_a_plain_title(
    client_as: Any,
) -> None:
    """The clearing table was pasted into the page's <title> block as well."""
    body = client_as("wj_treasury").get("/payments/bank/").content.decode()
    title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title.startswith("代理银行 · ") and "<" not in title
    assert body.count('data-testid="clearing"') == 1
