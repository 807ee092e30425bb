"""Every money field, in the API and on the pages, takes an amount exactly or refuses it naming the
field (issue 13 item 5, ADR 0015): ``1,50`` is no longer 150.00, ``12,34,5`` no longer 12,345.00,
``1,2,3`` no longer 123.00; an amount above the limit is a field error naming the limit, never a
500 (item 4). Each case also checks that nothing was stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import pytest
from tests.payment_helpers import _line, _payee, employees, enrolled_sheet, salary_sheet
from tests.test_payments_refunds import _paid_batch

from yusuan.core.models import BankAccount
from yusuan.indicators.models import IndicatorDocument, IndicatorLine
from yusuan.payments.models import (
    ClearingDay,
    Correction,
    PaymentRequest,
    Refund,
)
from yusuan.payroll.models import PayrollBatch
from yusuan.procurement.models import Contract
from yusuan.projects.models import Project

pytestmark = pytest.mark.django_db

# The issue's three misreadings, and two amounts above the limit (999,999,999,999.99).
AMBIGUOUS = ["1,50", "12,34,5", "1,2,3"]
HUGE = ["99999999999999999999.99", "9" * 100]
LIMIT = "999,999,999,999.99"


def _json(client: Client, path: str, body: Any) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json")


def _school_line(user: Any, eco: str) -> IndicatorLine:
    return IndicatorLine.objects.get(
        organisation=user("school_clerk").organisation, dep_bgt_eco_code=eco, source_type_code="01"
    )


def _zero_balance_account(user: Any) -> BankAccount:
    school = user("school_clerk").organisation
    return BankAccount.objects.get(organisation=school, account_type="unit_zero_balance")


def _bank(user: Any) -> Client:
    from yusuan.identity.services import api_token_issue

    token = api_token_issue(
        actor=None, user=user("bank_icbc"), name="money", scopes=["payments:write"]
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {token.key}")


# --- API ------------------------------------------------------------------------------------------


@dataclass
class ApiField:
    """One money field of the API: how to send an amount in it, where the error must point,
    and what must not have been stored."""

    send: Callable[[Any, str], Any]
    field: str
    stored: Callable[[], int]


def _refund_api(user: Any, client_as: Any) -> ApiField:
    line = _paid_batch(user).lines.get(row=1)
    clerk = client_as("school_clerk")
    body = {"kind": "payee_refund", "reason": "overpaid", "refund_date": "2026-11-24"}
    return ApiField(
        lambda _u, amount: _json(
            clerk, f"/api/v1/payments/lines/{line.pk}/refunds", {**body, "amount": amount}
        ),
        "amount",
        lambda: Refund.objects.filter(line=line).count(),
    )


def _correction_api(user: Any, client_as: Any) -> ApiField:
    line = _paid_batch(user).lines.get(row=1)
    clerk = client_as("school_clerk")
    body = {"to_indicator_line": _line(user, "30213").code, "reason": "科目错"}
    return ApiField(
        lambda _u, amount: _json(
            clerk, f"/api/v1/payments/lines/{line.pk}/corrections", {**body, "amount": amount}
        ),
        "amount",
        lambda: Correction.objects.filter(line=line).count(),
    )


def _request_api(user: Any, client_as: Any) -> ApiField:
    clerk = client_as("school_clerk")
    body = {
        "business_type": "ordinary",
        "settlement_mode": "transfer",
        "purpose": "金额校验",
        "pay_date": "2026-11-23",
        "payer_account_id": _zero_balance_account(user).pk,
        "payee_id": _payee(user).pk,
    }
    code = _line(user, "30201").code
    return ApiField(
        lambda _u, amount: _json(
            clerk,
            "/api/v1/payments/requests",
            {**body, "lines": [{"indicator_line": code, "amount": amount}]},
        ),
        "lines[0].amount",
        lambda: PaymentRequest.objects.filter(purpose="金额校验").count(),
    )


def _indicator_document_api(user: Any, client_as: Any) -> ApiField:
    clerk = client_as("school_clerk")
    office, repair = _school_line(user, "30201"), _school_line(user, "30213")
    return ApiField(
        lambda _u, amount: _json(
            clerk,
            "/api/v1/indicators/documents",
            {
                "kind": "adjust",
                "title": "金额校验调剂",
                "subtype": "economic_class",
                "reason": "校验",
                "lines": [{"source": office.code, "target": repair.code, "amount": amount}],
            },
        ),
        "lines[0].amount",
        lambda: IndicatorDocument.objects.filter(title="金额校验调剂").count(),
    )


def _clearing_api(user: Any, client_as: Any) -> ApiField:
    bank = _bank(user)
    account = _zero_balance_account(user)
    return ApiField(
        lambda _u, amount: _json(
            bank,
            "/api/v1/payments/clearing",
            {"account_no": account.account_no, "day": "2026-01-05", "bank_total": amount},
        ),
        "bank_total",
        lambda: ClearingDay.objects.filter(account=account).count(),
    )


def _bank_return_api(user: Any, client_as: Any) -> ApiField:
    request = _paid_batch(user)
    line = request.lines.get(row=2)
    bank = _bank(user)
    body = {
        "voucher_number": request.voucher.number,
        "payee_account_no": line.payee_account_no,
        "refund_date": "2026-11-25",
        "bank_receipt_no": "TP-MONEY",
    }
    return ApiField(
        lambda _u, amount: _json(
            bank, "/api/v1/payments/bank-returns", {"returns": [{**body, "amount": amount}]}
        ),
        "returns[0].amount",
        lambda: Refund.objects.filter(line=line).count(),
    )


def _payroll_match_api(user: Any, client_as: Any) -> ApiField:
    clerk = client_as("school_clerk")
    made = clerk.post(
        "/api/v1/payments/payroll",
        {"month": "11", "file": SimpleUploadedFile("s.xlsx", enrolled_sheet(employees(3)))},
    )
    assert made.status_code == 201, made.content
    batch = made.json()["id"]
    body = {
        "pay_date": "2026-11-23",
        "payer_account_id": _zero_balance_account(user).pk,
        "deduction_payees": {"个人所得税": _payee(user).pk, "住房公积金": _payee(user).pk},
    }
    basic = _line(user, "30101").code
    return ApiField(
        lambda _u, amount: _json(
            clerk,
            f"/api/v1/payments/payroll/{batch}/request",
            {**body, "matches": [{"item": "30101", "indicator_line": basic, "amount": amount}]},
        ),
        "matches[0].amount",
        lambda: PayrollBatch.objects.filter(pk=batch, request__isnull=False).count(),
    )


API_FIELDS = {
    "refund": _refund_api,
    "correction": _correction_api,
    "payment_request": _request_api,
    "indicator_document": _indicator_document_api,
    "clearing": _clearing_api,
    "bank_return": _bank_return_api,
    "payroll_match": _payroll_match_api,
}


@pytest.mark.parametrize("name", list(API_FIELDS), ids=[f"{n}_case" for n in API_FIELDS])
def test_api_money_fields_refuse_ambiguous_and_huge_amounts(
    name: str, user: Any, client_as: Any
) -> None:
    case = API_FIELDS[name](user, client_as)
    for amount in AMBIGUOUS + HUGE:
        answer = case.send(user, amount)
        assert answer.status_code == 422, (amount, answer.content)
        assert answer["Content-Type"] == "application/problem+json"
        errors = answer.json()["errors"]
        assert [e["field"] for e in errors] == [case.field], (amount, errors)
        (error,) = errors
        if amount in AMBIGUOUS:
            assert (error["code"], error["value"]) == ("money.grouping", amount)
            assert "1,234.50" in error["message_en"]
        elif len(amount) <= 32:  # the schema's max_length names longer text first
            assert (error["code"], error["limit"]) == ("money.too_large", LIMIT)
        assert case.stored() == 0, (amount, "stored")


# --- Pages ----------------------------------------------------------------------------------------


@dataclass
class PageField:
    """One money field of a page form: post an amount, find the error beside ``marker``."""

    send: Callable[[str], Any]
    marker: str
    stored: Callable[[], int]


def _refund_page(user: Any, client_as: Any) -> PageField:
    request = _paid_batch(user)
    clerk = client_as("school_clerk")
    form = {"kind": "payee_refund", "reason": "overpaid", "refund_date": "2026-11-23"}
    return PageField(
        lambda amount: clerk.post(
            f"/payments/{request.pk}/lines/1/refund/", {**form, "amount": amount}
        ),
        'data-field="amount"',
        lambda: Refund.objects.filter(line__request=request).count(),
    )


def _correction_page(user: Any, client_as: Any) -> PageField:
    request = _paid_batch(user)
    clerk = client_as("school_clerk")
    form = {"to_line": str(_line(user, "30213").pk), "reason": "科目错"}
    return PageField(
        lambda amount: clerk.post(
            f"/payments/{request.pk}/lines/1/correct/", {**form, "amount": amount}
        ),
        'data-field="amount"',
        lambda: Correction.objects.filter(line__request=request).count(),
    )


def _payment_entry_page(user: Any, client_as: Any) -> PageField:
    from tests.test_payments_pages import _form

    clerk = client_as("school_clerk")
    office = _line(user, "30201")
    return PageField(
        lambda amount: clerk.post("/payments/new/", _form(user, [(office.code, amount)])),
        'data-field="lines[0].amount"',
        lambda: PaymentRequest.objects.filter(purpose="页面支付：印刷费").count(),
    )


def _indicator_document_page(user: Any, client_as: Any) -> PageField:
    clerk = client_as("school_clerk")
    office, repair = _school_line(user, "30201"), _school_line(user, "30213")
    form = {
        "title": "页面金额校验",
        "subtype": "economic_class",
        "reason": "校验",
        "row_count": "1",
        "lines-0-source": office.code,
        "lines-0-target": repair.code,
    }
    return PageField(
        lambda amount: clerk.post(
            "/indicators/documents/new/adjust/", {**form, "lines-0-amount": amount}
        ),
        'data-field="lines[0].amount"',
        lambda: IndicatorDocument.objects.filter(title="页面金额校验").count(),
    )


def _contract_page(user: Any, client_as: Any) -> PageField:
    clerk = client_as("school_clerk")
    form = {
        "number": "WJCG-2026-MONEY",
        "title": "金额校验合同",
        "supplier_id": str(_payee(user).pk),
        "filed_on": "2026-07-01",
        "indicator_lines": [str(_line(user, "31002").pk)],
    }
    return PageField(
        lambda amount: clerk.post("/payments/contracts/", {**form, "amount": amount}),
        'data-field="amount"',
        lambda: Contract.objects.filter(number="WJCG-2026-MONEY").count(),
    )


def _payroll_page(user: Any, client_as: Any) -> PageField:
    clerk = client_as("school_clerk")
    made = clerk.post(
        "/payments/payroll/",
        {"month": "11", "file": SimpleUploadedFile("工资.xlsx", enrolled_sheet(employees(3)))},
    )
    assert made.status_code == 302
    batch = PayrollBatch.objects.latest("pk")
    basic, performance = _line(user, "30101"), _line(user, "30107")
    form = {
        f"match:30107:{performance.pk}": f"{batch.items['30107'] / 100:.2f}",
        "payee:个人所得税": str(_payee(user).pk),
        "payee:住房公积金": str(_payee(user).pk),
        "pay_date": "2026-11-23",
        "payer_account_id": str(_zero_balance_account(user).pk),
    }
    key = f"match:30101:{basic.pk}"
    return PageField(
        lambda amount: clerk.post(f"/payments/payroll/{batch.pk}/", {**form, key: amount}),
        'class="row-error"',
        lambda: PayrollBatch.objects.filter(pk=batch.pk, request__isnull=False).count(),
    )


def _project_page(user: Any, client_as: Any) -> PageField:
    from yusuan.projects.forms import ProjectForm
    from yusuan.projects.selectors import code_choices

    clerk = client_as("school_clerk")
    actor = user("school_clerk")

    def first(kind: str) -> str:
        return code_choices(mof_div_code=actor.mof_div_code, fiscal_year=2026, kind=kind)[0][0]

    form = {
        "name": "金额校验项目",
        "category": first("project_category"),
        "kind": "new",
        "start_year": "2027",
        "end_year": "2027",
        "fund_type": first("fund_type"),
    }
    assert set(form) <= set(ProjectForm.base_fields)
    return PageField(
        lambda amount: clerk.post("/projects/new/", {**form, "total_amount": amount}),
        'data-field="total_amount"',
        lambda: Project.objects.filter(name="金额校验项目").count(),
    )


PAGE_FIELDS = {
    "refund": _refund_page,
    "correction": _correction_page,
    "payment_entry": _payment_entry_page,
    "indicator_document": _indicator_document_page,
    "contract": _contract_page,
    "payroll_match": _payroll_page,
    "project": _project_page,
}


@pytest.mark.parametrize("name", list(PAGE_FIELDS), ids=[f"{n}_case" for n in PAGE_FIELDS])
def test_page_money_fields_refuse_ambiguous_and_huge_amounts(
    name: str, user: Any, client_as: Any
) -> None:
    case = PAGE_FIELDS[name](user, client_as)
    for amount in AMBIGUOUS + HUGE:
        page = case.send(amount)
        assert page.status_code == 200, (amount, page.status_code)
        html = page.content.decode()
        assert case.marker in html, amount
        if amount in AMBIGUOUS:
            assert "千分位逗号须每三位一组" in html, amount
        else:
            assert f"超过上限 {LIMIT} 元" in html, amount
        assert case.stored() == 0, (amount, "stored")


def test_the_route_preview_refuses_an_ambiguous_amount(client_as: Any) -> None:
    from yusuan.workflow.models import WorkflowInstance

    instance = WorkflowInstance.objects.first()
    assert instance is not None
    page = client_as("wj_admin").get(
        "/workflow/preview/",
        {
            "document_type": "payments.request",
            "organisation": instance.organisation_id,
            "subtype": "ordinary",
            "amount": "1,50",
            "fund_type": "111",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-field="amount"' in html and "千分位逗号须每三位一组" in html


def test_a_salary_sheet_cell_obeys_the_same_rules(client_as: Any) -> None:
    """The sheet's amounts are money fields too: text ``1,50`` and a number above the limit are
    named by row and column, and nothing is imported."""
    client = client_as("school_clerk")
    rows = employees(3)
    rows[0][6] = "1,50"
    rows[1][5] = 10**20
    before = PayrollBatch.objects.count()
    refused = client.post(
        "/api/v1/payments/payroll",
        {"month": "11", "file": SimpleUploadedFile("s.xlsx", salary_sheet(rows))},
    )
    assert refused.status_code == 422, refused.content
    errors = refused.json()["errors"]
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (2, "30107 绩效工资", "payroll.bad_amount"),
        (3, "30101 基本工资", "payroll.bad_amount"),
    ]
    assert "千分位" in errors[0]["message_zh"] and LIMIT in errors[1]["message_zh"]
    assert PayrollBatch.objects.count() == before


def test_the_refund_form_names_no_row_for_its_one_amount(user: Any, client_as: Any) -> None:
    html = _refund_page(user, client_as).send("tea").content.decode()
    assert "“tea”不是有效金额" in html
    assert "第 1 行" not in html


def test_the_refund_api_names_no_row_for_its_one_amount(user: Any, client_as: Any) -> None:
    answer = _refund_api(user, client_as).send(user, "tea")
    [error] = answer.json()["errors"]
    assert (error["code"], error["field"], error["row"]) == ("money.invalid", "amount", None)
    assert error["message_zh"] == "“tea”不是有效金额"
