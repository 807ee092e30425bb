"""API parity for the payments family (issue 14 item 6): what the pages do, /api/v1 does with the
same service call — the request list's filters, a draft's edit and void, the voucher (JSON and the
page's PDF), refund and correction read-back, contracts, salary batches, clearing days. Each: the
happy path, another unit's object (404), a missing permission (403), a bad value (422 naming
the field), token auth."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
from tests.payment_helpers import _approved, _input, _line, _payee
from tests.test_api_csrf import csrf_session

from yusuan.identity.services import api_token_issue
from yusuan.payments.models import PaymentRequest
from yusuan.payments.selectors import correction_targets
from yusuan.payments.services import request_create

pytestmark = pytest.mark.django_db

API = "/api/v1/payments"


def _send(client: Client, method: str, path: str, body: Any = None, **kw: Any) -> Any:
    return getattr(client, method)(
        path, data=json.dumps(body or {}), content_type="application/json", **kw
    )


def _draft(user: Any, amount: str = "123.45", **kw: Any) -> PaymentRequest:
    return request_create(
        actor=user("school_clerk"),
        data=_input(user, [(_line(user, "30201"), amount)], **kw),
        fiscal_year=2026,
    )


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def _field(response: Any) -> str:
    assert response.status_code == 422, response.content
    return str(response.json()["errors"][0]["field"])


def _token(user: Any, username: str, *scopes: str) -> dict[str, str]:
    token = api_token_issue(actor=None, user=user(username), name="t", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}


# --- the request list's filters -------------------------------------------------------------------


def test_the_request_list_filters_as_the_page_offers(client_as: Any, user: Any) -> None:
    cheap = _draft(user, "10.00", purpose="接口筛选：便宜的")
    dear = _draft(user, "9,000.00", purpose="接口筛选：贵的")
    clerk = client_as("school_clerk")
    unit = cheap.organisation_id
    code = _line(user, "30201").code
    base = f"{API}/requests?page_size=100&q=接口筛选"
    assert set(_ids(clerk.get(base))) == {cheap.pk, dear.pk}
    assert _ids(clerk.get(f"{base}&amount_min=100")) == [dear.pk]
    assert _ids(clerk.get(f"{base}&amount_max=10.00")) == [cheap.pk]  # both ends included
    assert _ids(clerk.get(f"{base}&amount_min=10&amount_max=10")) == [cheap.pk]
    assert _ids(clerk.get(f"{base}&q=便宜")) == [cheap.pk]
    assert _ids(clerk.get(f"{API}/requests?q={cheap.number.lower()}")) == [cheap.pk]
    assert set(_ids(clerk.get(f"{base}&organisation={unit}&indicator_line={code}"))) == {
        cheap.pk,
        dear.pk,
    }
    assert _ids(clerk.get(f"{base}&indicator_line=ZB-NONE")) == []
    assert _ids(clerk.get(f"{base}&organisation={user('hospital_clerk').organisation_id}")) == []
    payee = _payee(user)
    assert len(_ids(clerk.get(f"{base}&payee_id={payee.pk}&payee={payee.name[:3]}"))) == 2
    assert _ids(clerk.get(f"{base}&payee=没有这个收款人")) == []
    day = cheap.pay_date.isoformat()
    assert len(_ids(clerk.get(f"{base}&pay_date_from={day}&pay_date_to={day}"))) == 2
    assert _ids(clerk.get(f"{base}&pay_date_to=2000-01-01")) == []
    # Another unit's clerk sees neither, whatever the filters.
    assert _ids(client_as("hospital_clerk").get(base)) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("amount_min=abc", "amount_min"),
        ("amount_max=1.234", "amount_max"),
        ("amount_min=10&amount_max=9", "amount_max"),
        ("pay_date_from=2026-02-01&pay_date_to=2026-01-01", "pay_date_to"),
        ("pay_date_from=2026-13-01", "pay_date_from"),
        ("organisation=0", "organisation"),
        ("state=lost", "state"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it(client_as: Any, query: str, field: str) -> None:
    response = client_as("school_clerk").get(f"{API}/requests?{query}")
    assert field in _field(response)


def _numbers_on_page(response: Any) -> set[str]:
    from yusuan.payments.models import PaymentRequest

    assert response.status_code == 200, response.content[:500]
    body = response.content.decode()
    return {
        n for n in PaymentRequest.objects.values_list("number", flat=True) if f">{n}</a>" in body
    }


def test_the_list_page_filters_as_the_api_does(client_as: Any, user: Any) -> None:
    cheap = _draft(user, "10.00", purpose="页面筛选：便宜的")
    dear = _draft(user, "9,000.00", purpose="页面筛选：贵的")
    clerk = client_as("school_clerk")
    base = "/payments/?q=页面筛选"
    assert _numbers_on_page(clerk.get(base)) == {cheap.number, dear.number}
    assert _numbers_on_page(clerk.get(f"{base}&amount_min=100")) == {dear.number}
    assert _numbers_on_page(clerk.get(f"{base}&amount_max=10.00")) == {cheap.number}
    assert _numbers_on_page(clerk.get(f"{base}&payee=没有这个收款人")) == set()
    code = _line(user, "30201").code
    assert _numbers_on_page(clerk.get(f"{base}&indicator_line={code}")) == {
        cheap.number,
        dear.number,
    }
    day = cheap.pay_date.isoformat()
    assert _numbers_on_page(clerk.get(f"{base}&pay_date_from={day}&pay_date_to={day}")) == {
        cheap.number,
        dear.number,
    }
    assert _numbers_on_page(client_as("hospital_clerk").get(base)) == set()
    # What was typed stays in the form.
    assert 'value="100"' in clerk.get(f"{base}&amount_min=100").content.decode()


def test_the_list_page_names_every_bad_filter_at_once(client_as: Any) -> None:
    page = client_as("school_clerk").get(
        "/payments/?amount_min=1e5&pay_date_from=2026-13-01&amount_max=5&state=lost"
    )
    assert page.status_code == 422
    body = page.content.decode()
    for field in ("amount_min", "pay_date_from", "state"):
        assert f'data-field="{field}"' in body, field
    assert 'data-testid="requests"' not in body  # no rows: not an empty list


# --- edit and void ---------------------------------------------------------------------------------


def _body(user: Any, amount: str, purpose: str = "接口修改") -> dict[str, Any]:
    draft_input = _input(user, [])
    return {
        "business_type": "ordinary",
        "settlement_mode": "transfer",
        "purpose": purpose,
        "pay_date": "2026-11-24",
        "payer_account_id": draft_input.payer_account_id,
        "payee_id": _payee(user).pk,
        "lines": [{"indicator_line": _line(user, "30201").code, "amount": amount}],
    }


def test_a_draft_is_edited_and_voided_through_the_api(client_as: Any, user: Any) -> None:
    draft = _draft(user)
    clerk = client_as("school_clerk")
    path = f"{API}/requests/{draft.pk}"
    body = _body(user, "200.00")
    edited = _send(clerk, "put", path, body, HTTP_IDEMPOTENCY_KEY="edit-1")
    assert edited.status_code == 200, edited.content
    assert (edited.json()["total_fen"], edited.json()["purpose"]) == (20000, "接口修改")
    assert edited.json()["pay_date"] == "2026-11-24"
    again = _send(clerk, "put", path, body, HTTP_IDEMPOTENCY_KEY="edit-1")
    assert again["Idempotent-Replayed"] == "true"
    draft.refresh_from_db()
    assert draft.total_fen == 20000

    bad = _send(clerk, "put", path, _body(user, "two hundred"))
    assert _field(bad) == "lines[0].amount"
    assert _send(client_as("hospital_clerk"), "put", path, body).status_code == 404

    assert _send(client_as("hospital_clerk"), "post", f"{path}/void").status_code == 404
    voided = _send(clerk, "post", f"{path}/void", HTTP_IDEMPOTENCY_KEY="void-1")
    assert voided.status_code == 200 and voided.json()["state"] == "void"
    draft.refresh_from_db()
    assert draft.state == "void"
    # Void is no draft: editing it now is a conflict, naming what it is.
    conflict = _send(clerk, "put", path, body)
    assert (
        conflict.status_code == 409
        and "only drafts are changed" in conflict.json()["errors"][0]["message_en"]
    )


def test_a_partial_edit_keeps_what_it_does_not_name(client_as: Any, user: Any) -> None:
    draft = _draft(user, "55.00", purpose="接口部分修改前")
    clerk = client_as("school_clerk")
    path = f"{API}/requests/{draft.pk}"
    before = clerk.get(path).json()
    patched = _send(clerk, "patch", path, {"purpose": "接口部分修改后"}, HTTP_IDEMPOTENCY_KEY="p-1")
    assert patched.status_code == 200, patched.content
    after = patched.json()
    assert after["purpose"] == "接口部分修改后"
    assert (after["total_fen"], after["pay_date"], after["lines"]) == (
        before["total_fen"],
        before["pay_date"],
        before["lines"],
    )
    new_lines = [{"indicator_line": _line(user, "30201").code, "amount": "7.00"}]
    unpaid = _send(clerk, "patch", path, {"lines": new_lines})
    assert _field(unpaid) == "lines[0].payee"  # the edit page's rule: each line has its payee
    lines = _send(clerk, "patch", path, {"lines": new_lines, "payee_id": _payee(user).pk})
    assert lines.json()["total_fen"] == 700 and lines.json()["purpose"] == "接口部分修改后"
    assert _field(_send(clerk, "patch", path, {"purpose": None})) == "purpose"
    assert (
        _field(
            _send(clerk, "patch", path, {"lines": [{"indicator_line": "ZB-NONE", "amount": "1"}]})
        )
        == "lines[0].indicator_line"
    )
    assert _send(client_as("hospital_clerk"), "patch", path, {"purpose": "x"}).status_code == 404
    assert _send(client_as("school_reviewer"), "patch", path, {"purpose": "x"}).status_code == 403
    draft.refresh_from_db()
    assert (draft.purpose, draft.total_fen) == ("接口部分修改后", 700)


def test_edit_and_void_need_the_clerks_permission(client_as: Any, user: Any) -> None:
    draft = _draft(user)
    reviewer = client_as("school_reviewer")
    path = f"{API}/requests/{draft.pk}"
    assert reviewer.get(path).status_code == 200  # may read it, not change it
    assert _send(reviewer, "put", path, _body(user, "1.00")).status_code == 403
    assert _send(reviewer, "post", f"{path}/void").status_code == 403
    draft.refresh_from_db()
    assert (draft.state, draft.total_fen) == ("draft", 12345)


def test_a_session_writes_with_its_csrf_token_and_a_token_without(user: Any) -> None:
    draft = _draft(user)
    client, csrf = csrf_session(user("school_clerk"))
    path = f"{API}/requests/{draft.pk}/void"
    refused = _send(client, "post", path)
    assert refused.status_code == 403
    assert _send(client, "post", path, HTTP_X_CSRFTOKEN=csrf).json()["state"] == "void"

    other = _draft(user)
    bearer = _token(user, "school_clerk", "payments:read", "payments:write")
    edited = _send(Client(enforce_csrf_checks=True), "put", f"{API}/requests/{other.pk}",
                   _body(user, "3.00"), **bearer)  # fmt: skip
    assert edited.status_code == 200 and edited.json()["total_fen"] == 300
    read_only = _token(user, "school_clerk", "payments:read")
    assert (
        _send(Client(), "post", f"{API}/requests/{other.pk}/void", **read_only).status_code == 403
    )


# --- the voucher -----------------------------------------------------------------------------------


def test_the_voucher_reads_as_printed_and_downloads_as_the_page_does(
    client_as: Any, user: Any
) -> None:
    issued = _approved(user, _draft(user, "88.00"))
    voucher = issued.voucher
    clerk = client_as("school_clerk")
    shown = clerk.get(f"{API}/requests/{issued.pk}/voucher")
    assert shown.status_code == 200, shown.content
    assert (shown.json()["number"], shown.json()["amount_fen"]) == (voucher.number, 8800)
    (line,) = shown.json()["lines"]
    # Whole, as on the printed voucher (ADR 0019), where the request's detail masks it for a clerk.
    assert line["payee_account_no"] == _payee(user).bank_account_no
    assert line["end_to_end_id"] == f"{voucher.number}-1"

    pdf = clerk.get(f"{API}/requests/{issued.pk}/voucher.pdf")
    page = clerk.get(reverse("payments:voucher_pdf", kwargs={"pk": issued.pk}))
    assert pdf.status_code == page.status_code == 200
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == page["Content-Disposition"]

    outsider = client_as("hospital_clerk")
    for suffix in ("voucher", "voucher.pdf"):
        assert outsider.get(f"{API}/requests/{issued.pk}/{suffix}").status_code == 404
    draft = _draft(user)
    missing = clerk.get(f"{API}/requests/{draft.pk}/voucher")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/problem+json"
    bearer = _token(user, "school_clerk", "payments:read")
    assert Client().get(f"{API}/requests/{issued.pk}/voucher.pdf", **bearer).status_code == 200
    assert client_as("wj_admin").get(f"{API}/requests/{issued.pk}/voucher").status_code == 403


# --- refunds and corrections read back -------------------------------------------------------------


def _paid_line(user: Any) -> Any:
    """A line the test pays itself: the demo year may not have paid one yet (1 January)."""
    from tests.test_payments_refunds import _paid_batch

    return _paid_batch(user).lines.order_by("row").first()


def test_refunds_and_corrections_are_read_back(client_as: Any, user: Any) -> None:
    line = _paid_line(user)
    clerk = client_as("school_clerk")
    body = {
        "amount": "0.01",
        "kind": "payee_refund",
        "reason": "overpaid",
        "refund_date": timezone.localdate().isoformat(),
    }
    refund = _send(clerk, "post", f"{API}/lines/{line.pk}/refunds", body).json()
    listed = clerk.get(f"{API}/refunds?state=registered&request_id={line.request_id}")
    assert refund["id"] in _ids(listed)
    assert listed.json()["items"][0] == refund  # the same answer as the write's
    assert clerk.get(f"{API}/refunds/{refund['id']}").json() == refund
    assert refund["id"] not in _ids(clerk.get(f"{API}/refunds?state=restored"))
    hospital = client_as("hospital_clerk")
    assert hospital.get(f"{API}/refunds/{refund['id']}").status_code == 404
    assert refund["id"] not in _ids(hospital.get(f"{API}/refunds"))
    assert _field(clerk.get(f"{API}/refunds?state=lost")) == "state"

    target = correction_targets(actor=user("school_clerk"), line=line)[0].code
    correction = _send(
        clerk,
        "post",
        f"{API}/lines/{line.pk}/corrections",
        {"amount": "0.01", "to_indicator_line": target, "reason": "接口更正"},
    ).json()
    assert "id" in correction, correction
    assert correction["id"] in _ids(clerk.get(f"{API}/corrections?request_id={line.request_id}"))
    assert clerk.get(f"{API}/corrections/{correction['id']}").json() == correction
    assert hospital.get(f"{API}/corrections/{correction['id']}").status_code == 404
    assert correction["id"] not in _ids(hospital.get(f"{API}/corrections"))
    assert _field(clerk.get(f"{API}/corrections?request_id=0")) == "request_id"
    bearer = _token(user, "school_clerk", "payments:read")
    assert Client().get(f"{API}/corrections/{correction['id']}", **bearer).status_code == 200
    admin = client_as("wj_admin")
    assert admin.get(f"{API}/refunds").status_code == 403
    assert admin.get(f"{API}/corrections/{correction['id']}").status_code == 403


# --- contracts -------------------------------------------------------------------------------------


def _contract_body(user: Any, number: str, **kw: Any) -> dict[str, Any]:
    from yusuan.procurement.selectors import procurement_lines

    clerk = user("school_clerk")
    lines = procurement_lines(actor=clerk, organisation_id=clerk.organisation_id)
    body = {
        "number": number,
        "title": "接口备案：办公家具采购",
        "supplier_id": _payee(user).pk,
        "amount": "12,000.00",
        "indicator_lines": [lines[0].code],
        "filed_on": "2026-06-30",
    }
    return {**body, **kw}


def test_a_contract_is_filed_and_listed_as_on_the_registry_page(client_as: Any, user: Any) -> None:
    clerk = client_as("school_clerk")
    body = _contract_body(user, "HT-API-0001")
    filed = _send(clerk, "post", "/api/v1/procurement/contracts", body, HTTP_IDEMPOTENCY_KEY="ht-1")
    assert filed.status_code == 201, filed.content
    answer = filed.json()
    assert (answer["amount_fen"], answer["remaining_fen"], answer["fiscal_year"]) == (
        1200000,
        1200000,
        2026,
    )
    assert answer["indicator_lines"] == body["indicator_lines"]
    again = _send(clerk, "post", "/api/v1/procurement/contracts", body, HTTP_IDEMPOTENCY_KEY="ht-1")
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == answer["id"]
    listed = clerk.get("/api/v1/procurement/contracts?page_size=100")
    assert answer["id"] in _ids(listed)
    assert clerk.get(f"/api/v1/procurement/contracts/{answer['id']}").json() == answer
    page = clerk.get(reverse("procurement:contract_list"))
    assert "HT-API-0001" in page.content.decode()  # the page's list is the API's

    hospital = client_as("hospital_clerk")
    assert hospital.get(f"/api/v1/procurement/contracts/{answer['id']}").status_code == 404
    assert answer["id"] not in _ids(hospital.get("/api/v1/procurement/contracts?page_size=100"))
    # The same number again is the service's refusal, by field.
    assert _field(_send(clerk, "post", "/api/v1/procurement/contracts", body)) == "number"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "twelve"}, "amount"),
        ({"indicator_lines": ["ZB-NONE"]}, "indicator_lines[0]"),
        ({"filed_on": "2026-02-30"}, "filed_on"),
        ({"indicator_lines": []}, "indicator_lines"),
    ],
)
def test_a_bad_contract_is_a_422_naming_the_field(
    client_as: Any, user: Any, change: dict[str, Any], field: str
) -> None:
    body = _contract_body(user, "HT-API-0002", **change)
    response = _send(client_as("school_clerk"), "post", "/api/v1/procurement/contracts", body)
    assert field in _field(response)


def test_contracts_need_the_permission_and_stay_in_scope(client_as: Any, user: Any) -> None:
    body = _contract_body(user, "HT-API-0003")
    # Filing for another unit: the service's scope refuses the organisation, nothing is filed.
    foreign = {**body, "organisation_id": user("hospital_clerk").organisation_id}
    refused = _send(client_as("school_clerk"), "post", "/api/v1/procurement/contracts", foreign)
    assert refused.status_code == 404, refused.content
    from yusuan.procurement.models import Contract

    assert not Contract.objects.filter(number="HT-API-0003").exists()
    admin = client_as("wj_admin")
    assert admin.get("/api/v1/procurement/contracts").status_code == 403
    assert _send(admin, "post", "/api/v1/procurement/contracts", body).status_code == 403
    bearer = _token(user, "school_clerk", "payments:read", "payments:write")
    filed = _send(Client(enforce_csrf_checks=True), "post", "/api/v1/procurement/contracts",
                  body, **bearer)  # fmt: skip
    assert filed.status_code == 201, filed.content


# --- salary batches --------------------------------------------------------------------------------


def _batch(user: Any) -> Any:
    from tests.payment_helpers import employees, enrolled_sheet

    from yusuan.payroll.services.batches import payroll_import

    return payroll_import(
        actor=user("school_clerk"),
        data=enrolled_sheet(employees(3)),
        filename="工资表.xlsx",
        month=10,
        fiscal_year=2026,
    )


def test_salary_batches_are_listed_and_their_rows_searched_as_on_the_pages(
    client_as: Any, user: Any
) -> None:
    from yusuan.identity.models import User

    batch = _batch(user)
    clerk = client_as("school_clerk")
    listed = clerk.get(f"{API}/payroll?page_size=100")
    assert batch.pk in _ids(listed)
    (mine,) = [b for b in listed.json()["items"] if b["id"] == batch.pk]
    assert (mine["employees"], mine["net_fen"], mine["state"]) == (3, batch.net, "imported")
    assert batch.pk not in _ids(client_as("hospital_clerk").get(f"{API}/payroll?page_size=100"))

    rows = clerk.get(f"{API}/payroll/{batch.pk}/rows")
    assert rows.status_code == 200 and rows.json()["count"] == 3
    first = rows.json()["items"][0]
    employee = batch.rows.get(row=first["row"])
    # Masked for a clerk, as the batch's page masks them.
    assert first["account_no"] != employee.account_no
    assert first["account_no"].endswith(employee.account_no[-4:])
    assert first["net_fen"] == employee.net
    found = clerk.get(f"{API}/payroll/{batch.pk}/rows?q={employee.account_no[-6:]}").json()
    assert [r["row"] for r in found["items"]] == [employee.row]
    by_name = clerk.get(f"{API}/payroll/{batch.pk}/rows?q={employee.name}").json()
    assert [r["name"] for r in by_name["items"]] == [employee.name]
    page = clerk.get(
        reverse("payroll:batch_detail", kwargs={"pk": batch.pk}) + f"?q={employee.name}"
    )
    assert employee.name in page.content.decode()

    viewers = [
        u
        for u in User.objects.filter(organisation=user("school_clerk").organisation, is_active=True)
        if u.has_perm("payroll.view_payrollbatch") and u.has_perm("core.view_personal_data")
    ]
    if viewers:  # whole for a role that may see personal data
        whole = client_as(viewers[0].username).get(
            f"{API}/payroll/{batch.pk}/rows?q={employee.name}"
        )
        assert whole.json()["items"][0]["account_no"] == employee.account_no

    assert client_as("hospital_clerk").get(f"{API}/payroll/{batch.pk}/rows").status_code == 404
    assert client_as("wj_admin").get(f"{API}/payroll").status_code == 403
    assert _field(clerk.get(f"{API}/payroll/{batch.pk}/rows?q={'x' * 61}")) == "q"
    bearer = _token(user, "school_clerk", "payments:read")
    assert batch.pk in _ids(Client().get(f"{API}/payroll", **bearer))


# --- clearing --------------------------------------------------------------------------------------


def test_clearing_days_are_listed_and_resolved_as_on_the_bank_exchange_page(
    client_as: Any, user: Any
) -> None:
    from tests.scope_registry import other_region, wj_clearing_day

    from yusuan.core.rules import mask_account_no

    item = wj_clearing_day()
    treasury = client_as("wj_treasury")
    listed = treasury.get(f"{API}/clearing?state=open&page_size=100")
    assert item.pk in _ids(listed)
    (shown,) = [x for x in listed.json()["items"] if x["id"] == item.pk]
    assert shown["account_no"] == mask_account_no(item.account.account_no)  # a list: masked
    assert (shown["bank_total_fen"], shown["difference_fen"]) == (1234, item.difference)
    assert item.pk not in _ids(treasury.get(f"{API}/clearing?state=resolved"))
    assert _field(treasury.get(f"{API}/clearing?state=lost")) == "state"

    path = f"{API}/clearing/{item.pk}/resolve"
    other_region()
    assert _send(client_as("wz_treasury"), "post", path, {"note": "银行手续费"}).status_code == 404
    assert _send(client_as("school_clerk"), "post", path, {"note": "银行手续费"}).status_code == 403
    assert client_as("school_clerk").get(f"{API}/clearing").status_code == 403
    assert _field(_send(treasury, "post", path, {"note": "费"})) == "note"
    # The bank's system reports clearing; resolving is the treasury's (payments.send_to_bank).
    bank = _token(user, "bank_icbc", "payments:read", "payments:write")
    refused = _send(Client(), "post", path, {"note": "银行手续费"}, **bank)
    assert (
        refused.status_code == 403
        and refused.json()["errors"][0]["value"] == "payments.send_to_bank"
    )

    client, csrf = csrf_session(user("wj_treasury"))
    assert _send(client, "post", path, {"note": "银行手续费"}).status_code == 403  # no CSRF token
    resolved = _send(client, "post", path, {"note": "银行手续费"}, HTTP_X_CSRFTOKEN=csrf)
    assert resolved.status_code == 200, resolved.content
    assert (resolved.json()["state"], resolved.json()["note"]) == ("resolved", "银行手续费")
    item.refresh_from_db()
    assert (item.state, item.resolved_by.username) == ("resolved", "wj_treasury")
    again = _send(treasury, "post", path, {"note": "银行手续费"})
    assert again.status_code == 409


def test_the_empty_salary_sheet_is_the_pages(client_as: Any, user: Any) -> None:
    from yusuan.common.tabular import read_rows

    clerk = client_as("school_clerk")
    api = clerk.get(f"{API}/payroll/template.xlsx")
    page = clerk.get(reverse("payroll:sheet_template"))
    assert api.status_code == page.status_code == 200
    # The same sheet (the bytes differ by the workbook's creation time, not by a cell).
    assert read_rows(api.content, "t.xlsx") == read_rows(page.content, "t.xlsx")
    assert len(read_rows(api.content, "t.xlsx")) == 3  # the header and two example rows
    assert api["Content-Type"] == page["Content-Type"]
    assert client_as("wj_admin").get(f"{API}/payroll/template.xlsx").status_code == 403
    bearer = _token(user, "school_clerk", "payments:read")
    assert Client().get(f"{API}/payroll/template.xlsx", **bearer).status_code == 200


def test_the_edit_page_starts_from_the_values_a_partial_edit_keeps(
    client_as: Any, user: Any
) -> None:
    from yusuan.payments.rows import request_values

    draft = _draft(user, "1,055.50", purpose="页面修改")
    header, rows = request_values(draft)
    assert rows == [
        {
            "indicator_line": _line(user, "30201").code,
            "amount": "1055.50",
            "payee_id": str(_payee(user).pk),
            "summary": "",
        }
    ]
    page = client_as("school_clerk").get(reverse("payments:request_edit", kwargs={"pk": draft.pk}))
    text = page.content.decode()
    assert page.status_code == 200 and 'value="1055.50"' in text and "页面修改" in text
    assert header["pay_date"] in text
