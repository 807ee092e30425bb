"""/api/v1/payments after payment: a salary sheet imported (a bad one refused with every row),
its request generated with a chosen matching; a paid line found by payee and refunded once
however often the call is replayed, confirmed by another person; a correction registered and
posted; another unit's line is a 404."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import pytest
from tests.payment_helpers import (
    _buckets,
    _line,
    _payee,
    employees,
    enrolled_sheet,
    salary_sheet,
)
from tests.test_payments_refunds import _paid_batch

from yusuan.core.models import BankAccount
from yusuan.payments.models import Refund
from yusuan.payroll.models import PayrollBatch

pytestmark = pytest.mark.django_db


def _post(client: Client, path: str, body: Any = None, key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        path, data=json.dumps(body or {}), content_type="application/json", **headers
    )


def test_salary_sheet_to_request(client_as: Any, user: Any) -> None:
    clerk = client_as("school_clerk")
    rows = employees(5)
    rows[1][9] = "x"
    bad = clerk.post(
        "/api/v1/payments/payroll",
        {"month": "11", "file": SimpleUploadedFile("s.xlsx", salary_sheet(rows))},
    )
    assert bad.status_code == 422
    assert [(e["row"], e["field"], e["code"]) for e in bad.json()["errors"]] == [
        (3, "实发工资", "payroll.bad_amount")
    ]
    good = clerk.post(
        "/api/v1/payments/payroll",
        {"month": "11", "file": SimpleUploadedFile("s.xlsx", enrolled_sheet(employees(5)))},
    )
    assert good.status_code == 201, good.content
    batch = good.json()
    assert batch["employees"] == 5 and batch["state"] == "imported"
    assert [m["unmatched_fen"] for m in batch["matching"]] == [0, 0]  # the proposal
    basic, performance = _line(user, "30101"), _line(user, "30107")
    school = user("school_clerk").organisation
    body = {
        "pay_date": "2026-11-23",
        "payer_account_id": BankAccount.objects.get(
            organisation=school, account_type="unit_zero_balance"
        ).pk,
        "deduction_payees": {"个人所得税": _payee(user).pk, "住房公积金": _payee(user).pk},
        "matches": [
            {"item": "30101", "indicator_line": basic.code, "amount": "5,000.00"},
            {"item": "30107", "indicator_line": performance.code, "amount": "2,510.00"},
        ],
    }
    made = _post(clerk, f"/api/v1/payments/payroll/{batch['id']}/request", body, key="pr-1")
    assert made.status_code == 201, made.content
    assert made.json()["lines"] == 7 and made.json()["total_fen"] == 751_000
    again = _post(clerk, f"/api/v1/payments/payroll/{batch['id']}/request", body, key="pr-1")
    assert again["Idempotent-Replayed"] == "true"
    shown = clerk.get(f"/api/v1/payments/payroll/{batch['id']}").json()
    assert shown["state"] == "requested" and shown["request_id"] == made.json()["id"]
    assert PayrollBatch.objects.get(pk=batch["id"]).matches == [
        ["30101", basic.pk, 500_000],
        ["30107", performance.pk, 251_000],
    ]


def test_refund_and_correction_of_a_found_line(client_as: Any, user: Any) -> None:
    request = _paid_batch(user)
    clerk, approver = client_as("school_clerk"), client_as("school_approver")
    found = clerk.get(
        f"/api/v1/payments/lines?voucher={request.voucher.number}&amount=250.00"
    ).json()
    assert found["count"] == 1
    line = found["items"][0]
    assert (
        line["end_to_end_id"] == f"{request.voucher.number}-2" and "*" in line["payee_account_no"]
    )
    body = {
        "amount": "50.00",
        "kind": "payee_refund",
        "reason": "overpaid",
        "refund_date": "2026-11-23",
    }
    first = _post(clerk, f"/api/v1/payments/lines/{line['id']}/refunds", body, key="rf-1")
    assert first.status_code == 201, first.content
    _post(clerk, f"/api/v1/payments/lines/{line['id']}/refunds", body, key="rf-1")
    assert Refund.objects.filter(line_id=line["id"]).count() == 1
    refund_id = first.json()["id"]
    assert _post(clerk, f"/api/v1/payments/refunds/{refund_id}/confirm").status_code == 403
    confirmed = _post(approver, f"/api/v1/payments/refunds/{refund_id}/confirm")
    assert confirmed.json()["state"] == "restored"

    travel = _line(user, "30211")
    before = _buckets(travel)
    over = _post(
        clerk,
        f"/api/v1/payments/lines/{line['id']}/corrections",
        {"to_indicator_line": travel.code, "amount": "200.01", "reason": "应列差旅费"},
    )
    assert over.status_code == 422
    assert over.json()["errors"][0]["limit"] == "200.00"  # 250 paid − 50 refunded
    made = _post(
        clerk,
        f"/api/v1/payments/lines/{line['id']}/corrections",
        {"to_indicator_line": travel.code, "amount": "200.00", "reason": "应列差旅费"},
    )
    assert made.status_code == 201, made.content
    posted = _post(approver, f"/api/v1/payments/corrections/{made.json()['id']}/post")
    assert posted.json()["state"] == "posted"
    available, frozen, paid = before
    assert _buckets(travel) == (available - 200_00, frozen, paid + 200_00)

    outsider = client_as("hospital_clerk")
    assert _post(outsider, f"/api/v1/payments/lines/{line['id']}/refunds", body).status_code == 404
    assert (
        outsider.get(f"/api/v1/payments/lines?voucher={request.voucher.number}").json()["count"]
        == 0
    )


def test_bank_returns_all_or_nothing(user: Any) -> None:
    from yusuan.identity.services import api_token_issue

    request = _paid_batch(user)
    line = request.lines.get(row=2)
    token = api_token_issue(
        actor=None, user=user("bank_icbc"), name="returns", scopes=["payments:write"]
    )
    bank = Client(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    good = {
        "voucher_number": request.voucher.number,
        "payee_account_no": line.payee_account_no,
        "amount": "40.00",
        "refund_date": "2026-11-25",
        "bank_receipt_no": "TP-0001",
    }
    bad = {**good, "payee_account_no": "6222000000000000", "bank_receipt_no": "TP-0002"}
    refused = _post(
        bank, "/api/v1/payments/bank-returns", {"returns": [good, bad, {**good, "amount": "x"}]}
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["returns[2].amount"]
    refused = _post(bank, "/api/v1/payments/bank-returns", {"returns": [good, bad]})
    assert refused.status_code == 422
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [
        ("returns[1].payee_account_no", "R-RF-1b")
    ]
    assert not Refund.objects.filter(line=line).exists()
    done = _post(bank, "/api/v1/payments/bank-returns", {"returns": [good]}, key="tp-1")
    assert done.status_code == 201, done.content
    assert done.json()[0]["kind"] == "bank_return" and done.json()[0]["line_id"] == line.pk
    _post(bank, "/api/v1/payments/bank-returns", {"returns": [good]}, key="tp-1")
    assert Refund.objects.filter(line=line).count() == 1
