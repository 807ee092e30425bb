"""What an integrator found wrong with /api/v1 (issue 13, item 11), each as it was reported:
account types longer than the schema allowed, a real-funds line paid from the zero-balance
account, salary idempotency blind to the sheet's content, a bank result contradicting an earlier
one, an unhelpful answer to a second click (and its time in UTC, item 10), and endpoints that
took no Idempotency-Key."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import pytest
import time_machine
from tests import api_helpers
from tests.indicator_helpers import shared_source
from tests.payment_helpers import _approved, _input, _line, _payee, employees, enrol

from yusuan.audit.models import AuditRecord
from yusuan.common.masking import mask_account_no
from yusuan.common.tabular import Column, write_table
from yusuan.core.models import BankAccount
from yusuan.identity.models import IncompatibleRolePair, Role
from yusuan.identity.services import api_token_issue
from yusuan.indicators.api.documents import RowIn
from yusuan.indicators.models import IndicatorLine
from yusuan.payments.choices import LineState
from yusuan.payments.models import BankFile, ClearingDay, PaymentRequest
from yusuan.payments.services import request_create
from yusuan.payments.services.bank import bank_file_create
from yusuan.payroll.models import PayrollBatch
from yusuan.workflow.models import Delegation, WorkflowInstance
from yusuan.workflow.services import document_submit, instance_approve

pytestmark = pytest.mark.django_db

UTC = dt.UTC
# 21:56 UTC on 3 December is 05:56 on 4 December in Beijing: the moment the integrator saw.
EVENING_UTC = dt.datetime(2026, 12, 3, 21, 56, tzinfo=UTC)
BEIJING_TEXT = "2026-12-04 05:56"


def _post(client: Client, path: str, body: Any = None, key: str | None = None, **kw: Any) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        path, data=json.dumps(body or {}), content_type="application/json", **headers, **kw
    )


# --- Every mutating endpoint takes an Idempotency-Key ----------------------------------------------


def test_every_write_operation_declares_the_idempotency_key() -> None:
    missing = [
        f"{method.upper()} {path}"
        for method, path, operation in api_helpers.write_operations()
        if not any(
            p["in"] == "header" and p["name"] == "Idempotency-Key"
            for p in operation.get("parameters", [])
        )
    ]
    assert missing == []


def _issued(user: Any, *amounts: str) -> PaymentRequest:
    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(_line(user, "30201"), a) for a in amounts]),
        fiscal_year=2026,
    )
    return _approved(user, request)


def test_a_retried_bank_file_call_returns_the_file_it_made(client_as: Any, user: Any) -> None:
    request = _issued(user, "321.00")
    treasury = client_as("wj_treasury")
    path = f"/api/v1/payments/bank-files?mof_div_code={request.mof_div_code}"
    made = _post(treasury, path, key="send-1")
    assert made.status_code == 200, made.content
    retried = _post(treasury, path, key="send-1")
    assert retried.status_code == 200  # not 204: the answer of the first call
    assert retried.json() == made.json()
    assert retried["Idempotent-Replayed"] == "true"
    assert BankFile.objects.filter(message_id=made.json()["message_id"]).count() == 1
    assert _post(treasury, path, key="send-2").status_code == 204  # a new call: nothing left


def test_a_retried_clearing_report_has_effect_once(client: Client, user: Any) -> None:
    token = api_token_issue(actor=None, user=user("bank_icbc"), name="c", scopes=["payments:write"])
    bank = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    account = BankAccount.objects.get(
        organisation=user("school_clerk").organisation, account_type="unit_zero_balance"
    )
    body = {"account_no": account.account_no, "day": "2026-01-06", "bank_total": "12.00"}
    first = _post(client, "/api/v1/payments/clearing", body, key="clr-1", **bank)
    assert first.status_code == 200, first.content
    records = AuditRecord.objects.filter(action="payments.clearing").count()
    again = _post(client, "/api/v1/payments/clearing", body, key="clr-1", **bank)
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert AuditRecord.objects.filter(action="payments.clearing").count() == records
    other = _post(
        client, "/api/v1/payments/clearing", {**body, "bank_total": "13.00"}, key="clr-1", **bank
    )
    assert other.status_code == 409
    assert other.json()["errors"][0]["code"] == "idempotency.key_reused"
    assert ClearingDay.objects.get(account=account, day=dt.date(2026, 1, 6)).bank_total == 1200


def test_a_retried_delegation_revoke_replays(client_as: Any, user: Any) -> None:
    body = {
        "delegate": "school_reviewer",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-20",
        "reason": "出差",
    }
    with time_machine.travel(dt.datetime(2026, 11, 30, 2, tzinfo=UTC), tick=False):
        # Logged in at that moment: a session from the suite's clock would have expired by then.
        approver = client_as("school_approver")
        created = _post(approver, "/api/v1/workflow/delegations", body, key="dlg-1")
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        path = f"/api/v1/workflow/delegations/{pk}/revoke"
        revoked = _post(approver, path, key="rv-1")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"]
        records = AuditRecord.objects.filter(action="workflow.delegation_revoke").count()
        again = _post(approver, path, key="rv-1")
    assert again["Idempotent-Replayed"] == "true" and again.json() == revoked.json()
    assert AuditRecord.objects.filter(action="workflow.delegation_revoke").count() == records
    assert Delegation.objects.get(pk=pk).revoked_at is not None


# --- Salary import: the key covers the sheet's bytes -----------------------------------------------


def _sheet(base: int) -> bytes:
    names = ["序号", "姓名", "身份证号", "银行账号", "开户银行"]
    names += ["30101 基本工资", "30107 绩效工资", "个人所得税", "住房公积金", "实发工资"]
    rows = employees(3, base=base)
    enrol(rows, names)  # R-PS-5: the school's teachers (the first sheet's standards)
    return write_table([Column(n, n, n) for n in names], rows, file_format="csv")


def test_the_same_key_with_another_sheet_of_the_same_name_and_size_is_refused(
    client_as: Any,
) -> None:
    clerk = client_as("school_clerk")
    first, second = _sheet(1000), _sheet(2000)
    assert len(first) == len(second) and first != second  # the integrator's case

    def send(data: bytes) -> Any:
        return clerk.post(
            "/api/v1/payments/payroll",
            {"month": "11", "file": SimpleUploadedFile("工资表.csv", data)},
            HTTP_IDEMPOTENCY_KEY="salary-11",
        )

    made = send(first)
    assert made.status_code == 201, made.content
    retried = send(first)
    assert retried.status_code == 201 and retried["Idempotent-Replayed"] == "true"
    assert retried.json()["id"] == made.json()["id"]
    other = send(second)
    assert other.status_code == 409, other.content
    assert other.json()["errors"][0]["code"] == "idempotency.key_reused"
    assert PayrollBatch.objects.filter(file_name="工资表.csv").count() == 1


# --- A bank result contradicting an earlier one ----------------------------------------------------


def test_a_result_contradicting_the_recorded_one_is_a_conflict(client: Client, user: Any) -> None:
    request = _issued(user, "456.00")
    sent = bank_file_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert sent is not None
    token = api_token_issue(
        actor=None, user=user("bank_icbc"), name="t", scopes=["payments:read", "payments:write"]
    )
    bank = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    office = _line(user, "30201")
    entry = {"entry_id": "7", "end_to_end_id": f"{request.voucher.number}-1"}
    paid = {"message_id": sent.message_id, "entries": [{**entry, "paid": True}]}
    assert _post(client, "/api/v1/payments/bank-results", paid, **bank).status_code == 200
    office.refresh_from_db()
    buckets = (office.available, office.frozen, office.paid)
    again = _post(client, "/api/v1/payments/bank-results", paid, **bank)
    assert again.status_code == 200 and again.json()[0]["replayed"] is True  # a true retry

    unpaid = {
        "message_id": sent.message_id,
        "entries": [{**entry, "paid": False, "reason": "AC01"}],
    }
    refused = _post(client, "/api/v1/payments/bank-results", unpaid, **bank)
    assert refused.status_code == 409, refused.content
    (error,) = refused.json()["errors"]
    assert (error["code"], error["field"], error["value"], error["limit"]) == (
        "payments.result_contradicts",
        "entries[0].paid",
        False,
        True,
    )
    assert sent.message_id in error["message"] and entry["end_to_end_id"] in error["message"]
    office.refresh_from_db()
    assert (office.available, office.frozen, office.paid) == buckets
    assert request.lines.get().state == LineState.PAID


# --- Approvals: a second click, and times in Beijing time ------------------------------------------


def _submitted(user: Any) -> WorkflowInstance:
    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(_line(user, "30201"), "99.00")]),
        fiscal_year=2026,
    )
    return document_submit(
        actor=user("school_clerk"), document_type="payments.request", object_id=str(request.pk)
    )


def test_a_second_click_says_who_decided_the_step_and_when(client_as: Any, user: Any) -> None:
    instance = _submitted(user)
    path = f"/api/v1/workflow/instances/{instance.pk}/approve"
    with time_machine.travel(EVENING_UTC, tick=False):
        reviewer = client_as("school_reviewer")  # logged in then, not at the suite's clock
        first = _post(reviewer, path, {"comment": "同意"})
        assert first.status_code == 200, first.content
        second = _post(reviewer, path, {"comment": "同意"})
    assert second.status_code == 409, second.content
    (error,) = second.json()["errors"]
    assert (error["code"], error["rule"], error["value"]) == (
        "workflow.already_decided",
        "R-WF-6",
        "单位复核",
    )
    message = error["message"]
    assert "school_reviewer" in message and BEIJING_TEXT in message and "21:56" not in message
    assert "单位审核" in message  # where it waits now
    # A colleague's page from before the decision (its step number): the same facts.
    stale = _post(client_as("school_approver"), path, {"expected_step": 0})
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["code"] == "workflow.stale"
    assert BEIJING_TEXT in stale.json()["errors"][0]["message"]
    assert "school_reviewer" in stale.json()["errors"][0]["message"]


def test_the_second_click_on_a_finished_round_names_the_last_decision(
    client_as: Any, user: Any
) -> None:
    instance = _submitted(user)
    instance_approve(actor=user("school_reviewer"), instance_id=instance.pk)
    path = f"/api/v1/workflow/instances/{instance.pk}/approve"
    with time_machine.travel(EVENING_UTC, tick=False):
        approver = client_as("school_approver")  # logged in then, not at the suite's clock
        assert _post(approver, path).status_code == 200
        again = _post(approver, path)
    assert again.status_code == 409
    message = again.json()["errors"][0]["message"]
    assert "school_approver" in message and BEIJING_TEXT in message


def test_r_wf_2_prints_the_earlier_decision_in_beijing_time(user: Any) -> None:
    """Item 10: "already decided … at 2026-12-03 21:56" was read at 05:56 Beijing time."""
    from yusuan.common.errors import BusinessRuleError

    IncompatibleRolePair.objects.filter(
        first__code="unit_reviewer", second__code="unit_approver"
    ).delete()
    reviewer = user("school_reviewer")
    reviewer.roles.add(Role.objects.get(code="unit_approver"))
    instance = _submitted(user)
    with time_machine.travel(EVENING_UTC, tick=False):
        instance_approve(actor=reviewer, instance_id=instance.pk)
    with pytest.raises(BusinessRuleError) as caught:
        instance_approve(actor=user("school_reviewer"), instance_id=instance.pk)
    error = caught.value.errors[0]
    assert error.rule == "R-WF-2"
    assert BEIJING_TEXT in error.message_zh and BEIJING_TEXT in error.message_en
    assert "21:56" not in error.message_zh


# --- Account types: every one through the API, and paid from its own kind of account ----------------


def _issue_line(client_as: Any, user: Any, acc_type: str) -> IndicatorLine:
    """A line for the school like its office-expenses line, issued and posted through the API."""
    office = _line(user, "30201")
    assert office.project is not None
    body = {
        "kind": "issue",
        "title": "接口下达",
        "doc_no": "吴财预〔2026〕901号",
        "budget_source": shared_source().code,  # R-IN-7
        "lines": [
            {
                "amount": "1,000.00",
                "organisation": office.organisation.code,
                "project": office.project.code,
                "exp_func_code": office.exp_func_code,
                "dep_bgt_eco_code": office.dep_bgt_eco_code,
                "fund_type_code": office.fund_type_code,
                "source_type_code": office.source_type_code,
                "pay_type_code": office.pay_type_code,
                "acc_type": acc_type,
            }
        ],
    }
    created = _post(client_as("wj_budget"), "/api/v1/indicators/documents", body)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    posted = _post(client_as("wj_budget_chief"), f"/api/v1/indicators/documents/{pk}/post")
    assert posted.status_code == 200, posted.content
    return IndicatorLine.objects.get(code=posted.json()["lines"][0]["created_line_code"])


@pytest.mark.parametrize("acc_type", ["unit_zero_balance", "finance_zero_balance", "real_funds"])
def test_every_account_type_is_issued_through_the_api(
    client_as: Any, user: Any, acc_type: str
) -> None:
    line = _issue_line(client_as, user, acc_type)
    assert (line.acc_type, line.total, line.kind) == (acc_type, 100000, "executable")


def test_the_schema_offers_exactly_the_account_types() -> None:
    from yusuan.core.choices import AccountType

    offered = set(RowIn.model_json_schema()["properties"]["acc_type"]["enum"])
    assert offered == {"", *AccountType.values}


def test_a_real_funds_line_is_not_paid_from_the_zero_balance_account(
    client_as: Any, user: Any
) -> None:
    office = _line(user, "30201")
    real = _issue_line(client_as, user, "real_funds")
    account = BankAccount.objects.get(
        organisation=office.organisation, account_type="unit_zero_balance"
    )
    body = {
        "business_type": "ordinary",
        "settlement_mode": "transfer",
        "purpose": "实有资金指标从零余额账户支付",
        "pay_date": "2026-11-23",
        "payer_account_id": account.pk,
        "payee_id": _payee(user).pk,
        "lines": [
            {"indicator_line": office.code, "amount": "10.00"},
            {"indicator_line": real.code, "amount": "10.00"},
            {"indicator_line": real.code, "amount": "5.00"},
        ],
    }
    refused = _post(client_as("school_clerk"), "/api/v1/payments/requests", body)
    assert refused.status_code == 422, refused.content
    errors = refused.json()["errors"]
    # Named once, on the first row that draws on the line; the zero-balance line passes.
    assert [(e["rule"], e["field"], e["value"], e["limit"]) for e in errors] == [
        ("R-PY-14", "lines[1].indicator_line", "real_funds", "unit_zero_balance")
    ]
    # The payer account masked as everywhere else (common.masking, ADR 0019), in both languages.
    masked = mask_account_no(account.account_no)
    for message in (errors[0]["message_zh"], errors[0]["message_en"]):
        assert real.code in message and masked in message
        assert account.account_no not in message and account.account_no[:-4] not in message
    assert not PaymentRequest.objects.filter(purpose=body["purpose"]).exists()
