"""API lists read and render only the page asked for (common.api.Rendered): a list comprehension
handed to the paginator read and rendered every row of the scope first (every payment request of
a district for one page of 100)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

import pytest

from yusuan.indicators.api import documents as indicator_documents_api
from yusuan.indicators.api import lines as indicator_lines_api
from yusuan.payments.api import requests as payments_api
from yusuan.payments.models import PaymentRequest

pytestmark = pytest.mark.django_db


def _a_line_with_movements() -> str:
    from django.db.models import Count

    from yusuan.indicators.models import IndicatorLine

    line = (
        IndicatorLine.objects.annotate(moved=Count("movements"))
        .filter(moved__gt=2)
        .order_by("pk")
        .first()
    )
    assert line is not None
    return f"/api/v1/indicators/lines/{line.pk}/movements"


@pytest.mark.parametrize(
    ("path", "module", "renderer", "page_size"),
    [
        pytest.param(
            "/api/v1/payments/requests", payments_api, "_request", 2, id="payment_requests_case"
        ),
        pytest.param(
            "/api/v1/indicators/documents",
            indicator_documents_api,
            "_document",
            2,
            id="documents_case",
        ),
        pytest.param(
            _a_line_with_movements, indicator_lines_api, "_movement", 2, id="movements_case"
        ),
    ],
)
def test_a_page_renders_only_its_rows(
    client_as: Callable[[str], Client],
    monkeypatch: pytest.MonkeyPatch,
    path: str | Callable[[], str],
    module: Any,
    renderer: str,
    page_size: int,
) -> None:
    rendered: list[Any] = []
    original = getattr(module, renderer)

    def counting(row: Any) -> Any:
        rendered.append(row.pk)
        return original(row)

    monkeypatch.setattr(module, renderer, counting)
    url = path() if callable(path) else path
    answer = client_as("wj_treasury").get(url, {"page_size": page_size})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["count"] > page_size  # the demo has more than one page of them
    assert len(body["items"]) == page_size
    assert len(rendered) == page_size


def test_movements_page_by_page_keep_their_running_totals(
    client_as: Callable[[str], Client],
) -> None:
    """The running total is a window over the whole line, not over the page."""
    url = _a_line_with_movements()
    treasury = client_as("wj_treasury")
    whole = treasury.get(url, {"page_size": 200}).json()["items"]
    second = treasury.get(url, {"page_size": 2, "page": 2}).json()["items"]
    assert second == whole[2:4]
    running = 0
    for movement in whole:
        running += movement["d_total_fen"]
        assert movement["total_after_fen"] == running


def test_paged_refuses_a_plain_list() -> None:
    """A list handed to the paginator was read and rendered whole for one page: refused."""
    from django.test import RequestFactory

    from yusuan.common.api import Pages

    request = RequestFactory().get("/")
    with pytest.raises(TypeError, match="Rendered"):
        Pages().paginate_queryset([1, 2, 3], Pages.Input(page=1), request)


def test_the_payee_list_is_masked_page_by_page(client_as: Callable[[str], Client]) -> None:
    first = client_as("wj_treasury").get("/api/v1/payees", {"page_size": 3}).json()
    assert first["count"] > 3 and len(first["items"]) == 3
    for payee in first["items"]:
        assert payee["bank_account_no"].startswith("*")


def test_requests_are_counted_without_reading_them(client_as: Callable[[str], Client]) -> None:
    total = PaymentRequest.objects.count()
    body = client_as("wj_treasury").get("/api/v1/payments/requests", {"page_size": 1}).json()
    assert body["count"] == total
