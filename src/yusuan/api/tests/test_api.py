"""/api/v1: valid OpenAPI 3, problem-details errors naming the field, idempotency, tokens."""

import json
import re
from collections.abc import Callable
from typing import Any

from django.test import Client

import pytest
from openapi_spec_validator import validate
from stdnum.cn import uscc

from yusuan.core.models import Organisation, Payee


def _credit_code(serial: str = "01") -> str:
    body = "913205090000000" + serial
    return body + uscc.calc_check_digit(body)


def _payee_body(organisation_id: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "organisation_id": organisation_id,
        "kind": "organisation",
        "name": "吴江松陵办公用品经营部",
        "credit_code": _credit_code(),
        "bank_account_no": "6222021234567890123",
        "bank_name": "中国工商银行苏州吴江支行",
    }
    body.update(overrides)
    return body


def test_openapi_document_is_valid_openapi_3(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    validate(document)
    assert "/api/v1/payees" in document["paths"]


def test_the_document_is_built_once(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """ADR 0050: building it costs about a second of CPU; asked again, it is the one built."""
    import ninja.main

    first = client.get("/api/v1/openapi.json").json()

    def refuse(**_kwargs: Any) -> Any:
        raise AssertionError("the OpenAPI document was built a second time")

    monkeypatch.setattr(ninja.main, "get_schema", refuse)
    again = client.get("/api/v1/openapi.json")
    assert again.status_code == 200
    assert again.json() == first


# The payment and salary-batch operations' ids as first published; issue 14 moved their code into
# payments/api/ and payroll/api.py. Clients generate their method names from these ids.
PUBLISHED_PAYMENT_OPERATION_IDS = {
    ("get", "/api/v1/payments/requests"): "yusuan_payments_api_list_requests",
    ("post", "/api/v1/payments/requests"): "yusuan_payments_api_create_request",
    ("get", "/api/v1/payments/requests/{request_id}"): "yusuan_payments_api_get_request",
    ("post", "/api/v1/payments/requests/{request_id}/submit"): "yusuan_payments_api_submit_request",
    (
        "post",
        "/api/v1/payments/requests/{request_id}/explain",
    ): "yusuan_payments_api_explain_request",
    ("post", "/api/v1/payments/bank-files"): "yusuan_payments_api_send_to_bank",
    ("get", "/api/v1/payments/bank-files"): "yusuan_payments_api_list_bank_files",
    ("get", "/api/v1/payments/bank-files/{file_id}"): "yusuan_payments_api_get_bank_file",
    ("get", "/api/v1/payments/bank-files/{file_id}.xml"): "yusuan_payments_api_download_bank_file",
    ("post", "/api/v1/payments/bank-results"): "yusuan_payments_api_record_results",
    ("post", "/api/v1/payments/bank-results/pain002"): "yusuan_payments_api_record_pain002",
    ("post", "/api/v1/payments/clearing"): "yusuan_payments_api_record_clearing",
    ("get", "/api/v1/payments/lines"): "yusuan_payments_api_refunds_search_lines",
    (
        "post",
        "/api/v1/payments/lines/{line_id}/refunds",
    ): "yusuan_payments_api_refunds_register_refund",
    (
        "post",
        "/api/v1/payments/refunds/{refund_id}/confirm",
    ): "yusuan_payments_api_refunds_confirm_refund",
    (
        "post",
        "/api/v1/payments/lines/{line_id}/corrections",
    ): "yusuan_payments_api_refunds_register_correction",
    (
        "post",
        "/api/v1/payments/corrections/{correction_id}/post",
    ): "yusuan_payments_api_refunds_post_correction",
    ("post", "/api/v1/payments/payroll"): "yusuan_payments_api_refunds_import_payroll",
    ("get", "/api/v1/payments/payroll/{batch_id}"): "yusuan_payments_api_refunds_get_payroll",
    (
        "post",
        "/api/v1/payments/payroll/{batch_id}/request",
    ): "yusuan_payments_api_refunds_payroll_request",
    ("post", "/api/v1/payments/bank-returns"): "yusuan_payments_api_refunds_register_bank_returns",
    # Issue 14 item 6 (API parity), published with the module's prefix.
    ("put", "/api/v1/payments/requests/{request_id}"): "yusuan_payments_api_update_request",
    ("patch", "/api/v1/payments/requests/{request_id}"): "yusuan_payments_api_patch_request",
    ("post", "/api/v1/payments/requests/{request_id}/void"): "yusuan_payments_api_void_request",
    ("post", "/api/v1/payments/requests/{request_id}/allocation-receipt"): (
        "yusuan_payments_api_record_allocation_receipt"
    ),
    ("get", "/api/v1/payments/requests/{request_id}/voucher"): "yusuan_payments_api_get_voucher",
    (
        "get",
        "/api/v1/payments/requests/{request_id}/voucher.pdf",
    ): "yusuan_payments_api_download_voucher_pdf",
    ("get", "/api/v1/payments/refunds"): "yusuan_payments_api_refunds_list_refunds",
    ("get", "/api/v1/payments/refunds/{refund_id}"): "yusuan_payments_api_refunds_get_refund",
    ("get", "/api/v1/payments/corrections"): "yusuan_payments_api_refunds_list_corrections",
    ("get", "/api/v1/payments/payroll"): "yusuan_payments_api_refunds_list_payroll",
    (
        "get",
        "/api/v1/payments/payroll/template.xlsx",
    ): "yusuan_payments_api_refunds_download_sheet_template",
    ("get", "/api/v1/payments/clearing"): "yusuan_payments_api_list_clearing",
    (
        "post",
        "/api/v1/payments/clearing/{item_id}/resolve",
    ): "yusuan_payments_api_resolve_clearing",
    (
        "get",
        "/api/v1/payments/payroll/{batch_id}/rows",
    ): "yusuan_payments_api_refunds_list_payroll_rows",
    # Issue 15 item 8 (R-PY-13): the batch's employer contributions, with the module's prefix.
    (
        "post",
        "/api/v1/payments/payroll/{batch_id}/contributions",
    ): "yusuan_payments_api_refunds_payroll_contributions",
    (
        "get",
        "/api/v1/payments/corrections/{correction_id}",
    ): "yusuan_payments_api_refunds_get_correction",
}


def test_moved_operations_keep_their_published_ids(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert {
        (method, path): operation["operationId"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/api/v1/payments/")
    } == PUBLISHED_PAYMENT_OPERATION_IDS
    # A module that took over no one's endpoints keeps Django Ninja's own ids.
    assert (
        document["paths"]["/api/v1/payees"]["get"]["operationId"] == "yusuan_core_api_list_payees"
    )


def test_docs_page_uses_only_local_assets(client: Client) -> None:
    body = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    # No asset from elsewhere (the CSRF token in the page is random text: "cdn" may be in it).
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", body, re.IGNORECASE)
    assert not re.search(r"//[\w.-]*cdn[\w.-]*\.", body, re.IGNORECASE)


def test_unauthenticated_is_401_problem(client: Client) -> None:
    response = client.get("/api/v1/organisations")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["code"] == "unauthenticated"


def test_bad_field_is_named(client_as: Callable[[str], Client], user: Callable[[str], Any]) -> None:
    clerk = user("school_clerk")
    body = _payee_body(clerk.organisation_id, kind="company", name="")
    response = client_as("school_clerk").post(
        "/api/v1/payees", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    problem = response.json()
    fields = {e["field"] for e in problem["errors"]}
    assert {"kind", "name"} <= fields
    assert problem["type"] == "urn:yusuan:error:validation"
    assert problem["status"] == 422


def test_business_rule_error_names_field_rule_and_value(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    clerk = user("school_clerk")
    bad_code = (
        _credit_code()[:-1] + "0" if not _credit_code().endswith("0") else _credit_code()[:-1] + "1"
    )
    body = _payee_body(clerk.organisation_id, credit_code=bad_code)
    response = client_as("school_clerk").post(
        "/api/v1/payees", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (error["code"], error["rule"], error["field"], error["value"]) == (
        "core.invalid_credit_code",
        "R-MD-5",
        "credit_code",
        bad_code,
    )
    assert error["message_zh"] and error["message_en"]


def test_same_key_same_body_has_effect_once(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    client = client_as("school_clerk")
    body = json.dumps(_payee_body(user("school_clerk").organisation_id))
    before = Payee.objects.count()
    first = client.post(
        "/api/v1/payees", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    second = client.post(
        "/api/v1/payees", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Payee.objects.count() == before + 1


def test_same_key_different_body_is_a_conflict(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    client = client_as("school_clerk")
    organisation_id = user("school_clerk").organisation_id
    client.post(
        "/api/v1/payees",
        data=json.dumps(_payee_body(organisation_id)),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    response = client.post(
        "/api/v1/payees",
        data=json.dumps(_payee_body(organisation_id, name="另一家公司")),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency.key_reused"
    assert not Payee.objects.filter(name="另一家公司").exists()


def test_failed_attempt_can_be_retried_with_the_same_key(
    client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    client = client_as("school_clerk")
    organisation_id = user("school_clerk").organisation_id
    bad = _payee_body(organisation_id, bank_name=" ")
    assert (
        client.post(
            "/api/v1/payees",
            data=json.dumps(bad),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="k-3",
        ).status_code
        == 422
    )
    # A rejected attempt had no effect, so the corrected body may use the same key.
    good = _payee_body(organisation_id)
    assert (
        client.post(
            "/api/v1/payees",
            data=json.dumps(good),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="k-3",
        ).status_code
        == 201
    )
    replay = client.post(
        "/api/v1/payees",
        data=json.dumps(good),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )
    assert replay["Idempotent-Replayed"] == "true"


def test_keys_are_per_actor(client_as: Callable[[str], Client], user: Callable[[str], Any]) -> None:
    body = json.dumps(_payee_body(user("school_clerk").organisation_id))
    assert (
        client_as("school_clerk")
        .post(
            "/api/v1/payees",
            data=body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="same",
        )
        .status_code
        == 201
    )
    # Another user with the same key gets no replay of someone else's result.
    response = client_as("school_cashier").post(
        "/api/v1/payees", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="same"
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "core.duplicate_payee"
    assert "Idempotent-Replayed" not in response


def test_token_auth_and_scopes(client: Client, user: Callable[[str], Any]) -> None:
    from yusuan.identity.services import api_token_issue, api_token_revoke

    bank = user("bank_icbc")
    issued = api_token_issue(actor=None, user=bank, name="t", scopes=["core:read"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.key}"}
    me = client.get("/api/v1/me", **auth)
    assert me.status_code == 200
    assert me.json()["username"] == "bank_icbc"
    accounts = client.get("/api/v1/bank-accounts", **auth).json()
    assert accounts["count"] == 0  # the bank sees only itself, and it has no accounts of its own
    denied = client.post(
        "/api/v1/payees",
        data=json.dumps(_payee_body(bank.organisation_id)),
        content_type="application/json",
        **auth,
    )
    assert denied.status_code == 403
    api_token_revoke(actor=user("wj_admin"), token=issued.token)
    assert client.get("/api/v1/me", **auth).status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401


def test_session_post_needs_csrf(user: Callable[[str], Any]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("school_clerk"))
    response = client.post(
        "/api/v1/payees",
        data=json.dumps(_payee_body(user("school_clerk").organisation_id)),
        content_type="application/json",
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/organisations",
        "/api/v1/bank-accounts",
        "/api/v1/payees",
        "/api/v1/fiscal-years",
        "/api/v1/codes?year=2026&kind=functional",
    ],
)
def test_lists_answer(client_as: Callable[[str], Client], path: str) -> None:
    assert client_as("wj_budget").get(path).status_code == 200


def test_payee_list_is_masked_and_detail_unmasked_for_cashier(
    client_as: Callable[[str], Client],
) -> None:
    school = Organisation.objects.get(name="吴江区松陵实验小学")
    payee = Payee.objects.filter(organisation=school).first()
    listed = client_as("school_cashier").get("/api/v1/payees").json()["items"]
    assert all("*" in p["bank_account_no"] for p in listed)
    assert (
        client_as("school_cashier").get(f"/api/v1/payees/{payee.pk}").json()["bank_account_no"]
        == payee.bank_account_no
    )
    assert (
        client_as("school_clerk").get(f"/api/v1/payees/{payee.pk}").json()["bank_account_no"]
        != payee.bank_account_no
    )
