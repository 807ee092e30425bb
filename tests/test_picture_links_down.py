"""Issue 16 item 2: the district picture links down, and each link lists exactly what its card
counts — the last payment day's requests (``?paid_on=``, the bank value date) and the open
monitoring warnings (``/payments/monitoring/findings/?status=open``, a list on the data grid)."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

import pytest

from yusuan.monitoring.models import MonitoringFinding
from yusuan.monitoring.services import open_findings
from yusuan.payments.models import PaymentRequest
from yusuan.payments.selectors import latest_payment_day

pytestmark = pytest.mark.django_db

FINDINGS = "/payments/monitoring/findings/"


def _link(html: str, testid: str) -> str:
    found = re.search(rf'href="([^"]+)" data-testid="{testid}"', html)
    assert found is not None, testid
    return found.group(1).replace("&amp;", "&")


def _count(html: str) -> int:
    """The grid's row count (共 N 条)."""
    found = re.search(r"共 (\d+) 条", html)
    assert found is not None
    return int(found.group(1))


@pytest.mark.parametrize("username", ["wj_leader", "wj_treasury"])
def test_the_warnings_card_links_to_exactly_the_open_warnings(
    client_as: Any, user: Any, username: str
) -> None:
    client = client_as(username)
    home = client.get("/").content.decode()
    counted = open_findings(user(username))
    assert counted >= 1  # the demo has open warnings
    listed = client.get(_link(home, "warnings-link"))
    assert listed.status_code == 200
    html = listed.content.decode()
    assert _count(html) == counted
    # Every finding (of any status) is on the unfiltered list; the open ones are a part of it.
    everything = _count(client.get(FINDINGS).content.decode())
    assert everything == MonitoringFinding.objects.count() >= counted


def test_the_pay_day_card_links_to_exactly_that_days_requests(client_as: Any, user: Any) -> None:
    client = client_as("wj_leader")
    home = client.get("/").content.decode()
    day, requests, _amount = latest_payment_day(
        actor=user("wj_leader"), on_or_before=timezone.localdate()
    )
    assert day is not None and requests >= 1
    url = _link(home, "pay-day-link")
    assert url.endswith(f"?paid_on={day.isoformat()}")
    assert _count(client.get(url).content.decode()) == requests
    api = client.get(f"/api/v1/payments/requests?paid_on={day.isoformat()}&page_size=100")
    assert api.status_code == 200 and api.json()["count"] == requests


def test_no_link_for_who_may_not_open_the_list(client_as: Any) -> None:
    """The budget division sees the counts; it reads neither payments nor warnings."""
    home = client_as("wj_budget").get("/").content.decode()
    assert 'data-testid="picture"' in home
    assert 'data-testid="warnings-link"' not in home and 'data-testid="pay-day-link"' not in home
    assert client_as("wj_budget").get(FINDINGS).status_code == 403


def test_a_sector_division_sees_only_the_warnings_of_what_it_supervises(
    client_as: Any, user: Any
) -> None:
    sector = user("wj_sector_edu")
    allowed = sector.scope.organisation_ids
    assert allowed is not None
    hospital = PaymentRequest.objects.exclude(organisation_id__in=allowed).order_by("pk").first()
    assert hospital is not None
    MonitoringFinding.objects.create(  # a warning on a request the division does not supervise
        request=hospital,
        round=1,
        rule="R-MO-3",
        outcome="warn",
        level="yellow",
        message_zh="测试预警",
        message_en="test warning",
    )
    html = client_as("wj_sector_edu").get(f"{FINDINGS}?size=200").content.decode()
    numbers = set(re.findall(r"ZF\d{10}", html))
    assert numbers  # the education schools' warnings are there…
    shown = MonitoringFinding.objects.filter(request__number__in=numbers)
    assert all(f.request.organisation_id in allowed for f in shown.select_related("request"))
    outside = MonitoringFinding.objects.exclude(request__organisation_id__in=allowed)
    assert outside.exists()  # …and the others' are not
    assert not set(outside.values_list("request__number", flat=True)) & numbers
    assert (
        _count(html)
        == MonitoringFinding.objects.filter(request__organisation_id__in=allowed).count()
    )


def test_a_bad_bank_date_is_refused_naming_the_filter(client_as: Any) -> None:
    page = client_as("wj_treasury").get("/payments/?paid_on=2026-02-30")
    assert page.status_code == 422 and "2026-02-30" in page.content.decode()
    api = client_as("wj_treasury").get("/api/v1/payments/requests?paid_on=2026-02-30")
    assert api.status_code == 422


def test_a_days_bars_and_row_open_that_days_requests(client_as: Any, user: Any) -> None:
    from yusuan.payments.selectors import payments_by_day

    client = client_as("wj_leader")
    html = client.get("/").content.decode()
    chart = html.split('id="payments-chart"', 1)[1].split("</svg>", 1)[0]
    linked = re.findall(r'href="/payments/\?paid_on=(\d{4}-\d{2}-\d{2})"', chart)
    day, _n, _amount = latest_payment_day(
        actor=user("wj_leader"), on_or_before=timezone.localdate()
    )
    assert day is not None
    days = payments_by_day(actor=user("wj_leader"), through=day, days=30)
    paid_days = [d for d in days if d.requests]
    assert linked == [d.day.isoformat() for d in paid_days]  # one bar a day with payments
    for d in paid_days:
        assert _count(client.get(f"/payments/?paid_on={d.day.isoformat()}").content.decode()) == (
            d.requests
        )
    table = html.split('data-testid="payment-days"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r'href="/payments/\?paid_on=', table)) == len(paid_days)
    # Who may not open payments gets the figures without the links.
    budget = client_as("wj_budget").get("/").content.decode()
    assert "?paid_on=" not in budget
