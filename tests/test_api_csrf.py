"""Who may write through /api/v1, checked with Django's CSRF enforcement switched on (the test
client skips it unless asked): a bearer token writes without a CSRF token — the bank's system
has no cookie to protect — while a browser session must send the CSRF header. Every write
operation is taken from the served OpenAPI document, so a new endpoint is covered without
editing this file (issue 13, item 3)."""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client

import pytest
from tests import api_helpers
from tests.payment_helpers import _approved, _input, _line

from yusuan.identity.services import api_token_issue
from yusuan.payments.choices import LineState, RequestState
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import request_create
from yusuan.payments.services.bank import bank_file_create

pytestmark = pytest.mark.django_db

# The scopes the demo generator gives the bank's interface token (demo/generator.py).
BANK_SCOPES = ("core:read", "payments:read", "payments:write")
# Values for path parameters: the answer may be a 404 or a 422, never a CSRF refusal.
PATH_VALUES = {"document_type": "payments.request"}


def write_operations() -> list[tuple[str, str]]:
    """(method, path) of every mutating operation in /api/v1/openapi.json, path ids filled in."""
    return [
        (method, re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "999999"), template))
        for method, template, _operation in api_helpers.write_operations()
    ]


def _send(client: Client, method: str, path: str, **extra: Any) -> Any:
    return getattr(client, method)(path, data="{}", content_type="application/json", **extra)


def is_csrf_refusal(response: Any) -> bool:
    """Django Ninja's own refusal ("CSRF check Failed") or ours (type ``…:csrf``)."""
    return (
        response.status_code == 403
        and "csrf" in response.json()["type"] + response.json()["title"].lower()
    )


def csrf_session(user: Any) -> tuple[Client, str]:
    """A logged-in browser: a client that enforces CSRF, and the token a page gave it (the
    htmx header of base.html, as the browser's script sends it)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get("/")
    found = re.search(r'"X-CSRFToken": "([^"]+)"', page.content.decode())
    assert found, "the page carries no CSRF token"
    return client, found.group(1)


def test_the_document_lists_the_write_operations() -> None:
    operations = write_operations()
    assert len(operations) >= 28  # 28 when this test was written; only ever more
    assert ("post", "/api/v1/payments/bank-results") in operations


def test_a_token_writes_on_every_operation_without_a_csrf_token(user: Any) -> None:
    token = api_token_issue(actor=None, user=user("bank_icbc"), name="t", scopes=BANK_SCOPES)
    client = Client(enforce_csrf_checks=True)
    wrong = []
    for method, path in write_operations():
        response = _send(client, method, path, HTTP_AUTHORIZATION=f"Bearer {token.key}")
        # Past authentication: a business answer (2xx, 403 scope, 404, 409, 422), never 401.
        if response.status_code == 401 or is_csrf_refusal(response):
            wrong.append((method, path, response.status_code, response.content[:120]))
    assert wrong == []


def test_a_session_without_the_csrf_header_is_refused_on_every_operation(user: Any) -> None:
    client, _token = csrf_session(user("school_clerk"))
    wrong = []
    for method, path in write_operations():
        response = _send(client, method, path)
        if not is_csrf_refusal(response):
            wrong.append((method, path, response.status_code))
    assert wrong == []


def test_a_session_with_the_csrf_header_gets_past_csrf_on_every_operation(user: Any) -> None:
    client, token = csrf_session(user("school_clerk"))
    wrong = []
    for method, path in write_operations():
        response = _send(client, method, path, HTTP_X_CSRFTOKEN=token)
        if response.status_code == 401 or is_csrf_refusal(response):
            wrong.append((method, path, response.status_code))
    assert wrong == []


def test_a_bearer_request_never_falls_back_to_the_session_cookie(user: Any) -> None:
    """A bad token with a good session cookie is a 401: the cookie is not looked at (else a
    page's script could ride the session by adding any Authorization header)."""
    client, token = csrf_session(user("school_clerk"))
    path = "/api/v1/payments/bank-results"
    bad = _send(client, "post", path, HTTP_AUTHORIZATION="Bearer nonsense", HTTP_X_CSRFTOKEN=token)
    assert bad.status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401
    assert client.get("/api/v1/me").json()["username"] == "school_clerk"  # the session alone
    # A good token and a session cookie together: the token decides who acts.
    issued = api_token_issue(actor=None, user=user("bank_icbc"), name="t", scopes=BANK_SCOPES)
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {issued.key}")
    assert me.json()["username"] == "bank_icbc"


def _at_bank(user: Any) -> PaymentRequest:
    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(_line(user, "30201"), "880.00")]),
        fiscal_year=2026,
    )
    request = _approved(user, request)
    assert bank_file_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    request.refresh_from_db()
    assert request.state == RequestState.AT_BANK
    return request


def test_the_bank_posts_its_results_with_its_token_and_a_session_needs_csrf(user: Any) -> None:
    """The README's bank integration: the agent bank's system account posts results with its
    token (200, the line paid); the treasury's browser session posting the same without the CSRF
    header is refused (403), and with it is a replay."""
    request = _at_bank(user)
    (line,) = request.lines.all()
    body = json.dumps(
        {
            "message_id": request.voucher.bank_file.message_id,
            "entries": [
                {"entry_id": "1", "end_to_end_id": f"{request.voucher.number}-1", "paid": True}
            ],
        }
    )
    path = "/api/v1/payments/bank-results"
    token = api_token_issue(actor=None, user=user("bank_icbc"), name="t", scopes=BANK_SCOPES)
    bank = Client(enforce_csrf_checks=True)
    paid = bank.post(
        path, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token.key}"
    )
    assert paid.status_code == 200, paid.content
    assert paid.json() == [
        {"end_to_end_id": f"{request.voucher.number}-1", "replayed": False, "line_state": "paid"}
    ]
    line.refresh_from_db()
    assert line.state == LineState.PAID

    treasury, csrf = csrf_session(user("wj_treasury"))
    refused = treasury.post(path, data=body, content_type="application/json")
    assert refused.status_code == 403 and is_csrf_refusal(refused)
    assert refused["Content-Type"] == "application/problem+json"
    assert "CSRF" in refused.json()["errors"][0]["message"]
    replay = treasury.post(path, data=body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert replay.status_code == 200 and replay.json()[0]["replayed"] is True
