"""工作台 (issue 16 item 2): each person's home shows what waits for them — every module's work
list, with counts of exactly the list its link opens — and the region's finance staff see the
district picture (execution by department, the last payment day, open warnings)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from django.db.models import Sum

import pytest
from tests.payment_helpers import _approved, _input, _line, town_payee, treasury_account

from yusuan.common import worklist
from yusuan.indicators.models import IndicatorLine
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import request_create

pytestmark = pytest.mark.django_db


def _work(html: str) -> dict[str, tuple[int, str]]:
    """The home page's work list: key → (count, link)."""
    return {
        key: (int(count), url.replace("&amp;", "&"))
        for key, url, count in re.findall(
            r'data-testid="work-([\w.]+)"[^>]*><a href="([^"]+)"><span class="work-count">(\d+)',
            html,
        )
    }


def _listed(client: Any, url: str) -> int:
    """How many requests the list at ``url`` shows (one link per row; fewer than a page)."""
    table = client.get(url).content.decode().split('data-testid="requests"', 1)[1]
    return len(re.findall(r'href="/payments/\d+/"', table.split("</table>", 1)[0]))


def test_a_clerks_home_counts_exactly_what_its_links_list(user: Any, client_as: Any) -> None:
    clerk = client_as("school_clerk")
    request_create(
        actor=user("school_clerk"),
        data=_input(user, [(_line(user, "30201"), "12")]),
        fiscal_year=2026,
    )
    work = _work(clerk.get("/").content.decode())
    drafts = PaymentRequest.objects.filter(
        organisation=user("school_clerk").organisation, state="draft"
    ).count()
    assert work["payments.drafts"] == (drafts, "/payments/?state=draft")
    assert _listed(clerk, "/payments/?state=draft") == drafts
    for key, (count, url) in work.items():
        if url.startswith("/payments/?"):
            assert _listed(clerk, url) == count, key
    # Not a treasury's or a budget officer's work, and no district picture for a unit.
    assert "payments.sending" not in work and "indicators.to_post" not in work
    assert 'data-testid="picture"' not in clerk.get("/").content.decode()


def test_the_treasury_sees_vouchers_to_send_and_allocations_awaiting_their_receipt(
    user: Any, client_as: Any
) -> None:
    before = {w.key: w.count for w in worklist.work_for(user("wj_treasury"))}
    _approved(
        user,
        request_create(
            actor=user("school_clerk"),
            data=_input(user, [(_line(user, "30201"), "15")]),
            fiscal_year=2026,
        ),
    )
    line = _line(user, "30213")
    line.gov_bgt_eco_code = "51301"
    line.save(update_fields=["gov_bgt_eco_code"])
    data = dataclasses.replace(
        _input(user, [(line, "25")]),
        payer_account_id=treasury_account(user).pk,
        payee_id=town_payee(user).pk,
    )
    allocation = _approved(
        user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    )
    treasury = client_as("wj_treasury")
    work = _work(treasury.get("/").content.decode())
    assert work["payments.sending"] == (before.get("payments.sending", 0) + 1, "/payments/bank/")
    assert work["payments.receipt"] == (1, "/payments/?waiting=receipt")
    listed = treasury.get("/payments/?waiting=receipt").content.decode()
    assert allocation.number in listed and 'data-testid="waiting-filter"' in listed
    # A waiting filter that is none is named, on the page and in the API.
    bad = treasury.get("/payments/?waiting=everything")
    assert bad.status_code == 422 and 'data-field="waiting"' in bad.content.decode()
    api = treasury.get("/api/v1/payments/requests?waiting=everything")
    assert api.status_code == 422
    api = treasury.get("/api/v1/payments/requests?waiting=receipt")
    assert [r["number"] for r in api.json()["items"]] == [allocation.number]


def test_the_budget_division_sees_the_district_picture(user: Any, client_as: Any) -> None:
    html = client_as("wj_budget").get("/").content.decode()
    assert 'data-testid="picture"' in html and 'data-testid="execution"' in html
    lines = IndicatorLine.objects.filter(
        mof_div_code="320509", fiscal_year=2026, kind="executable"
    ).aggregate(total=Sum("total"), paid=Sum("paid"))
    rate = f"{lines['paid'] / lines['total'] * 100:.1f}%"
    assert re.search(rf'data-testid="execution-rate">{re.escape(rate)}<', html)
    # Each department links down to its ledger, its units included.
    department = re.search(r'href="/indicators/ledger/\?department=(\d+)"', html)
    assert department is not None
    ledger = client_as("wj_budget").get(f"/indicators/ledger/?department={department[1]}")
    assert ledger.status_code == 200
    assert "indicators.to_post" in _work(html)
