"""API lists read and render only the page asked for (common.api.Rendered): a list comprehension
handed to the paginator read and rendered every row of the scope first (every payment request of
a district for one page of 100)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

import pytest

from yusuan.payments import api as payments_api
from yusuan.payments.models import PaymentRequest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "renderer", "page_size"),
    [
        pytest.param("/api/v1/payments/requests", "_request", 2, id="payment_requests_case"),
    ],
)
def test_a_page_renders_only_its_rows(
    client_as: Callable[[str], Client],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    renderer: str,
    page_size: int,
) -> None:
    rendered: list[Any] = []
    original = getattr(payments_api, renderer)

    def counting(row: Any) -> Any:
        rendered.append(row.pk)
        return original(row)

    monkeypatch.setattr(payments_api, renderer, counting)
    answer = client_as("wj_treasury").get(path, {"page_size": page_size})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["count"] > page_size  # the demo has more than one page of them
    assert len(body["items"]) == page_size
    assert len(rendered) == page_size


def test_the_payee_list_is_masked_page_by_page(client_as: Callable[[str], Client]) -> None:
    first = client_as("wj_treasury").get("/api/v1/payees", {"page_size": 3}).json()
    assert first["count"] > 3 and len(first["items"]) == 3
    for payee in first["items"]:
        assert payee["bank_account_no"].startswith("*")


def test_requests_are_counted_without_reading_them(client_as: Callable[[str], Client]) -> None:
    total = PaymentRequest.objects.count()
    body = client_as("wj_treasury").get("/api/v1/payments/requests", {"page_size": 1}).json()
    assert body["count"] == total
