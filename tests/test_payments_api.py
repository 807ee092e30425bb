"""/api/v1/payments as a unit's client and as the agent bank's system account use it: a request
entered (replayed once), submitted, approved, sent as a pain.001 file and paid by a results batch
— all or nothing, replays harmless; bad rows named by field."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

import pytest
from tests.payment_helpers import _line, _payee

from yusuan.core.models import BankAccount
from yusuan.core.rules import mask_account_no
from yusuan.identity.services import api_token_issue
from yusuan.payments import iso20022 as iso
from yusuan.payments.models import PaymentRequest
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services import instance_approve

pytestmark = pytest.mark.django_db


def _post(client: Client, path: str, body: Any = None, key: str | None = None, **kw: Any) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        path, data=json.dumps(body or {}), content_type="application/json", **headers, **kw
    )


def _body(user: Any, *rows: tuple[str, str]) -> dict[str, Any]:
    school = user("school_clerk").organisation
    return {
        "business_type": "ordinary",
        "settlement_mode": "transfer",
        "purpose": "接口支付：办公用品",
        "pay_date": "2026-11-23",
        "payer_account_id": BankAccount.objects.get(
            organisation=school, account_type="unit_zero_balance"
        ).pk,
        "payee_id": _payee(user).pk,
        "lines": [{"indicator_line": code, "amount": amount} for code, amount in rows],
    }


def test_request_to_paid_through_the_api(client_as: Any, user: Any, client: Client) -> None:
    office = _line(user, "30201")
    clerk = client_as("school_clerk")
    body = _body(user, (office.code, "1,000.00"), (office.code, "0.50"))
    created = _post(clerk, "/api/v1/payments/requests", body, key="pay-1")
    assert created.status_code == 201, created.content
    again = _post(clerk, "/api/v1/payments/requests", body, key="pay-1")
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == created.json()["id"]
    assert PaymentRequest.objects.filter(purpose=body["purpose"]).count() == 1
    pk = created.json()["id"]
    shown = created.json()["lines"][0]["payee_account_no"]
    number = _payee(user).bank_account_no
    assert shown == mask_account_no(number) != number  # masked for a clerk, as payee lists are

    submitted = _post(clerk, f"/api/v1/payments/requests/{pk}/submit", key="sub-1")
    assert submitted.json()["state"] == "submitted"
    instance = WorkflowInstance.objects.get(document_type="payments.request", object_id=str(pk))
    instance_approve(actor=user("school_reviewer"), instance_id=instance.pk)
    instance_approve(actor=user("school_approver"), instance_id=instance.pk)
    detail = clerk.get(f"/api/v1/payments/requests/{pk}").json()
    assert detail["state"] == "voucher_issued"
    assert detail["amount_in_words"] == "壹仟元伍角"
    assert detail["voucher_kind"] == "payment"  # R-PY-12: not a 实拨 voucher

    treasury = client_as("wj_treasury")
    region = user("school_clerk").organisation.mof_div_code
    sent = _post(treasury, f"/api/v1/payments/bank-files?mof_div_code={region}")
    assert sent.status_code == 200 and sent.json()["transfers"] == 2
    assert _post(treasury, f"/api/v1/payments/bank-files?mof_div_code={region}").status_code == 204

    token = api_token_issue(
        actor=None, user=user("bank_icbc"), name="t", scopes=["payments:read", "payments:write"]
    )
    bank = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    xml = client.get(f"/api/v1/payments/bank-files/{sent.json()['id']}.xml", **bank)
    assert xml["Content-Type"].startswith("application/xml")
    assert iso.schema_errors(xml.content, "pain.001.001.03") == []
    e2e = [
        line["end_to_end_id"]
        for line in client_as("school_clerk").get(f"/api/v1/payments/requests/{pk}").json()["lines"]
    ]
    assert all(e in xml.content.decode() for e in e2e)

    # The same file as JSON for the bank's system: polled by id, read back from the XML as sent.
    listed = client.get("/api/v1/payments/bank-files?after_id=0", **bank).json()["items"]
    assert sent.json()["id"] in [f["id"] for f in listed]
    newer = client.get(f"/api/v1/payments/bank-files?after_id={sent.json()['id']}", **bank)
    assert newer.json()["items"] == []
    as_json = client.get(f"/api/v1/payments/bank-files/{sent.json()['id']}", **bank).json()
    assert as_json["message_id"] == sent.json()["message_id"]
    (block,) = as_json["payments"]
    assert block["payment_id"] == e2e[0].rsplit("-", 1)[0]  # the voucher number
    assert (
        block["debtor"]["account_no"]
        == BankAccount.objects.get(pk=body["payer_account_id"]).account_no
    )
    assert [(t["end_to_end_id"], t["amount_fen"], t["amount"]) for t in block["transfers"]] == [
        (e2e[0], 100000, "1,000.00"),
        (e2e[1], 50, "0.50"),
    ]
    assert block["transfers"][0]["creditor"]["account_no"] == number  # the bank gets it whole
    assert client.get("/api/v1/payments/bank-files/999999", **bank).status_code == 404

    # A batch with one unknown line applies nothing and names it (a line not in the file: 422).
    bad = {
        "message_id": sent.json()["message_id"],
        "entries": [
            {"entry_id": "1", "end_to_end_id": e2e[0], "paid": True},
            {"entry_id": "2", "end_to_end_id": "PZ-NOPE-1", "paid": True},
        ],
    }
    refused = _post(client, "/api/v1/payments/bank-results", bad, **bank)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "entries[1].end_to_end_id"
    office_before = office.paid
    office.refresh_from_db()
    assert office.paid == office_before

    results = {
        "message_id": sent.json()["message_id"],
        "entries": [
            {"entry_id": "1", "end_to_end_id": e2e[0], "paid": True},
            {"entry_id": "2", "end_to_end_id": e2e[1], "paid": True},
        ],
    }
    done = _post(client, "/api/v1/payments/bank-results", results, **bank)
    assert done.status_code == 200, done.content
    assert [o["replayed"] for o in done.json()] == [False, False]
    replay = _post(client, "/api/v1/payments/bank-results", results, **bank)
    assert [o["replayed"] for o in replay.json()] == [True, True]
    office.refresh_from_db()
    assert office.paid == office_before + 100050
    assert clerk.get(f"/api/v1/payments/requests/{pk}").json()["state"] == "paid"


def test_bad_rows_are_named(client_as: Any, user: Any) -> None:
    office = _line(user, "30201")
    body = _body(user, (office.code, "1.234"), ("ZB-NOPE", "5"))
    refused = _post(client_as("school_clerk"), "/api/v1/payments/requests", body)
    assert refused.status_code == 422
    fields = {e["field"]: e for e in refused.json()["errors"]}
    assert fields["lines[0].amount"]["value"] == "1.234"
    assert fields["lines[1].indicator_line"]["value"] == "ZB-NOPE"
    as_number = _body(user, (office.code, "1"))
    as_number["lines"][0]["amount"] = 12.5
    assert (
        _post(client_as("school_clerk"), "/api/v1/payments/requests", as_number).status_code == 422
    )


def test_another_units_request_is_404_and_a_clerk_cannot_send(client_as: Any, user: Any) -> None:
    office = _line(user, "30201")
    created = _post(
        client_as("school_clerk"), "/api/v1/payments/requests", _body(user, (office.code, "1"))
    )
    pk = created.json()["id"]
    assert client_as("hospital_cashier").get(f"/api/v1/payments/requests/{pk}").status_code == 404
    region = user("school_clerk").organisation.mof_div_code
    send = _post(client_as("school_clerk"), f"/api/v1/payments/bank-files?mof_div_code={region}")
    assert send.status_code == 403


PAIN002 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>ICBC-STS-77</MsgId><CreDtTm>2026-11-23T16:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{file}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>
</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>{voucher}</OrgnlPmtInfId>
<TxInfAndSts><StsId>A</StsId><OrgnlEndToEndId>{voucher}-1</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>
<TxInfAndSts><StsId>B</StsId><OrgnlEndToEndId>{voucher}-2</OrgnlEndToEndId><TxSts>RJCT</TxSts>
<StsRsnInf><Rsn><Cd>AC01</Cd></Rsn><AddtlInf>账号不存在</AddtlInf></StsRsnInf></TxInfAndSts>
</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"""


def test_a_pain002_report_pays_one_line_and_releases_the_other(client_as: Any, user: Any) -> None:
    office = _line(user, "30201")
    start = (office.available, office.paid)
    clerk = client_as("school_clerk")
    pk = _post(
        clerk, "/api/v1/payments/requests", _body(user, (office.code, "10"), (office.code, "20"))
    ).json()["id"]
    _post(clerk, f"/api/v1/payments/requests/{pk}/submit")
    instance = WorkflowInstance.objects.get(document_type="payments.request", object_id=str(pk))
    instance_approve(actor=user("school_reviewer"), instance_id=instance.pk)
    instance_approve(actor=user("school_approver"), instance_id=instance.pk)
    region = user("school_clerk").organisation.mof_div_code
    sent = _post(client_as("wj_treasury"), f"/api/v1/payments/bank-files?mof_div_code={region}")
    voucher = PaymentRequest.objects.get(pk=pk).voucher.number
    report = PAIN002.format(file=sent.json()["message_id"], voucher=voucher)
    treasury = client_as("wj_treasury")
    done = treasury.post(
        "/api/v1/payments/bank-results/pain002", data=report, content_type="application/xml"
    )
    assert done.status_code == 200, done.content
    office.refresh_from_db()
    assert (office.available, office.paid) == (start[0] - 1000, start[1] + 1000)
    assert clerk.get(f"/api/v1/payments/requests/{pk}").json()["state"] == "partly_failed"
    broken = treasury.post(
        "/api/v1/payments/bank-results/pain002", data="<x/>", content_type="application/xml"
    )
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["code"] == "payments.pain002_invalid"


def test_the_bank_reports_a_day_for_clearing(client_as: Any, user: Any, client: Client) -> None:
    token = api_token_issue(actor=None, user=user("bank_icbc"), name="c", scopes=["payments:write"])
    school = user("school_clerk").organisation
    account = BankAccount.objects.get(organisation=school, account_type="unit_zero_balance")
    body = {"account_no": account.account_no, "day": "2026-01-05", "bank_total": "1,234.56"}
    answer = _post(
        client, "/api/v1/payments/clearing", body, HTTP_AUTHORIZATION=f"Bearer {token.key}"
    )
    assert answer.status_code == 200, answer.content
    assert (answer.json()["difference_fen"], answer.json()["state"]) == (123456, "open")
    page = client_as("wj_treasury").get("/payments/bank/").content.decode()
    assert "1,234.56" in page and 'name="resolve"' in page
    bad = _post(
        client,
        "/api/v1/payments/clearing",
        {**body, "bank_total": "1.234"},
        HTTP_AUTHORIZATION=f"Bearer {token.key}",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "bank_total"
