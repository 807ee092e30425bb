"""Issue 16 item 2, the district picture (ADR 0036, 0037): the bureau's leadership (局领导, a
read-only role) sees it first and writes nothing; its charts draw the figures the selectors give,
each department's bar linking down to its ledger; the payments per day are summed exactly (fen)
within the reader's scope; the drawing carries no script or style the CSP would refuse."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.db.models import Sum
from django.utils import timezone

import pytest
from tests.payment_helpers import _line, _payee
from tests.test_agent_banks import _issued, _result

from yusuan.common.errors import BusinessRuleError
from yusuan.common.masking import mask_account_no
from yusuan.common.money import Money
from yusuan.core.models import BankAccount
from yusuan.indicators.execution import execution_by_department
from yusuan.payments.models import BankResult, PaymentRequest
from yusuan.payments.selectors import latest_payment_day, payments_by_day
from yusuan.payments.services.bank import bank_files_create, bank_result_record
from yusuan.workflow import services as workflow
from yusuan.workflow.models import WorkflowAction, WorkflowInstance

pytestmark = pytest.mark.django_db


def _figure(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split("</figure>", 1)[0]


def test_the_leader_sees_the_picture_first_and_its_chart_draws_every_department(
    client_as: Any, user: Any
) -> None:
    html = client_as("wj_leader").get("/").content.decode()
    assert html.index('data-testid="picture"') < html.index('data-testid="work"')
    departments = execution_by_department(actor=user("wj_leader"), fiscal_year=2026)[:15]
    assert len(departments) >= 3
    chart = _figure(html, "execution-chart")
    bars = re.findall(
        r'<a [^>]*href="/indicators/ledger/\?department=(\d+)"[^>]*><title>([^<]*)</title>', chart
    )
    values = re.findall(r'<text [^>]*class="value"[^>]*>([^<]*)</text>', chart)
    # pygal draws from the bottom up: the document's last bar is the largest department's.
    assert [int(pk) for pk, _ in reversed(bars)] == [d.organisation_id for d in departments]
    assert list(reversed(values)) == [d.percent for d in departments]
    for (_, title), department in zip(reversed(bars), departments, strict=True):
        title = title.replace("&amp;", "&")
        assert department.name in title and department.percent in title
        assert Money(department.paid).format() in title
        assert Money(department.total).format() in title
    # A bar goes where the table's link goes: the department's ledger, its units included.
    first = departments[0].organisation_id
    ledger = client_as("wj_leader").get(f"/indicators/ledger/?department={first}")
    assert ledger.status_code == 200


def test_the_charts_carry_no_script_no_style_and_hide_behind_their_table(client_as: Any) -> None:
    html = client_as("wj_budget").get("/").content.decode()
    picture = html.split('data-testid="picture"', 1)[1]
    for testid in ("execution-chart", "payments-chart"):
        figure = _figure(picture, testid)
        assert "<svg" in figure
        assert "<script" not in figure and "<style" not in figure and "style=" not in figure
        assert "pygal.org" not in figure and "kozea.github.io" not in figure  # no CDN
        assert 'aria-hidden="true"' in figure
        # Its links are out of the tab order: the table's links are the keyboard's.
        assert figure.count("<a ") == figure.count('tabindex="-1"')
    assert 'data-testid="execution"' in picture and 'data-testid="payment-days"' in picture


def test_the_leader_writes_nothing_and_decides_nothing(client_as: Any, user: Any) -> None:
    leader = client_as("wj_leader")
    requests_before = PaymentRequest.objects.count()
    instance = WorkflowInstance.objects.filter(state="in_progress").order_by("pk").first()
    assert instance is not None
    actions_before = WorkflowAction.objects.filter(instance=instance).count()
    school = user("school_clerk").organisation
    body = {
        "business_type": "ordinary",
        "settlement_mode": "transfer",
        "purpose": "局领导不能录入",
        "pay_date": timezone.localdate().isoformat(),
        "payer_account_id": BankAccount.objects.get(
            organisation=school, account_type="unit_zero_balance"
        ).pk,
        "payee_id": _payee(user).pk,
        "lines": [{"indicator_line": _line(user, "30201").code, "amount": "10"}],
    }
    api = leader.post(
        "/api/v1/payments/requests",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="leader-1",
    )
    assert api.status_code == 403
    assert leader.get("/payments/new/").status_code == 403
    assert leader.post("/payments/new/", {"purpose": "x"}).status_code == 403
    approve = leader.post(
        f"/api/v1/workflow/instances/{instance.pk}/approve",
        {"comment": "同意"},
        content_type="application/json",
    )
    assert approve.status_code == 403
    assert approve.json()["errors"][0]["code"] == "identity.read_only_role"
    page = leader.post(f"/workflow/instances/{instance.pk}/approve/", {"comment": "同意"})
    assert page.status_code == 403
    with pytest.raises(BusinessRuleError) as refused:
        workflow.instance_approve(actor=user("wj_leader"), instance_id=instance.pk)
    assert refused.value.status == 403
    assert PaymentRequest.objects.count() == requests_before
    assert WorkflowAction.objects.filter(instance=instance).count() == actions_before
    # It reads what it oversees, but personal data stays masked (no core.view_personal_data).
    assert user("wj_leader").is_read_only
    payee = _payee(user)
    shown = leader.get(f"/api/v1/payees/{payee.pk}").json()["bank_account_no"]
    assert shown == mask_account_no(payee.bank_account_no) != payee.bank_account_no
    assert leader.get("/payments/").status_code == 200
    assert leader.get("/indicators/ledger/").status_code == 200


def _paid(user: Any, amount: str, day: dt.date) -> PaymentRequest:
    request = _issued(user, amount)
    bank_files_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    bank_result_record(actor=user("bank_icbc"), item=_result(request, value_date=day))
    return request


def _org_days(organisation: Any, days: list[Any]) -> list[int]:
    """What the bank results of ``organisation``'s requests add up to on each of ``days``."""
    return [
        BankResult.objects.filter(
            accepted=True, value_date=d.day, line__request__organisation=organisation
        ).aggregate(s=Sum("line__amount"))["s"]
        or 0
        for d in days
    ]


def test_payments_per_day_sum_exactly_within_the_scope(user: Any, fixed_clock: Any) -> None:
    day = timezone.localdate(fixed_clock)
    region, school, hospital = user("wj_leader"), user("school_clerk"), user("hospital_clerk")
    before = payments_by_day(actor=region, through=day, days=30)
    school_before = payments_by_day(actor=school, through=day, days=30)
    hospital_before = payments_by_day(actor=hospital, through=day, days=30)
    _paid(user, "1,234.56", day)
    _paid(user, "0.01", day)
    days = payments_by_day(actor=region, through=day, days=30)
    assert [d.day for d in days] == [day - dt.timedelta(days=29 - n) for n in range(30)]
    assert days[-1].amount_fen == before[-1].amount_fen + 123_457
    assert days[-1].requests == before[-1].requests + 2
    assert days[:-1] == before[:-1]
    assert latest_payment_day(actor=region, on_or_before=day) == (
        day,
        days[-1].requests,
        days[-1].amount_fen,
    )
    # Every day of the region as its bank results say, in fen.
    for entry in days:
        paid = BankResult.objects.filter(accepted=True, value_date=entry.day)
        assert entry.amount_fen == (paid.aggregate(s=Sum("line__amount"))["s"] or 0)
    # A unit sees its own payments only: the school its two new ones, the hospital neither.
    mine = payments_by_day(actor=school, through=day, days=30)
    assert mine[-1].amount_fen == school_before[-1].amount_fen + 123_457
    assert [d.amount_fen for d in mine] == _org_days(school.organisation, mine)
    theirs = payments_by_day(actor=hospital, through=day, days=30)
    assert theirs == hospital_before
    assert [d.amount_fen for d in theirs] == _org_days(hospital.organisation, theirs)
    assert sum(d.amount_fen for d in mine) < sum(d.amount_fen for d in days)


def test_the_home_page_chart_and_table_show_the_selectors_days(
    client_as: Any, user: Any, fixed_clock: Any
) -> None:
    day = timezone.localdate(fixed_clock)
    _paid(user, "88.88", day)
    html = client_as("wj_treasury").get("/").content.decode()
    days = payments_by_day(actor=user("wj_treasury"), through=day, days=30)
    table = html.split('data-testid="payment-days"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r"<tr><td>(?:<a [^>]*>)?([\d-]+)(?:</a>)?</td><td class=\"num\">(\d+)</td>"
        r"<td class=\"num\">([^<]+)<",
        table,
    )
    assert rows == [
        (d.day.isoformat(), str(d.requests), Money(d.amount_fen).format())
        for d in days
        if d.requests
    ]
    total = re.search(r'data-testid="payment-days-total">([^<]+)<', table)
    assert total is not None and total[1] == Money(sum(d.amount_fen for d in days)).format()
    chart = _figure(html, "payments-chart")
    assert chart.count('class="rect') == 2 * 30  # the amount and the count of each day


def test_a_chart_is_drawn_once_for_the_same_figures_and_again_when_they_change() -> None:
    """ADR 0048: the drawing is kept by everything that shapes it, so a kept one is never stale."""
    from yusuan.portal import charts

    def bars(value: float) -> list[charts.Bar]:
        return [charts.Bar("教育局", value, f"教育局 {value}", "/x/"), charts.Bar("卫健委", 2, "t")]

    def draw(value: float, *, text: Any = str) -> Any:
        return charts.horizontal_bars(
            bars(value), name="c", maximum=10, value_text=text, axis_text=str
        )

    first = draw(5)
    assert draw(5) is first  # kept
    changed = draw(6)
    assert changed is not first and changed != first and "教育局 6" in changed
    assert draw(5, text=lambda v: f"{v} 元") != first  # another way of writing the numbers
    column = charts.column_bars(bars(5), name="d", height=200, axis_text=str)
    assert charts.column_bars(bars(5), name="d", height=200, axis_text=str) is column
    assert charts.column_bars(bars(5), name="d", height=201, axis_text=str) is not column
    for n in range(charts._DRAWN_MOST + 5):
        draw(100 + n)
    assert len(charts._DRAWN) == charts._DRAWN_MOST
