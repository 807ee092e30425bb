"""The document summary on the approval page (issue 16 item 1): the reviewer sees what is
approved — each line's payee and account (masked per policy), the indicator with its available
balance before and after, the classes by name, the findings, and a link to the document."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from tests.payment_helpers import _input, _line, _payee

from yusuan.common.masking import mask_account_no
from yusuan.common.money import Money
from yusuan.core.models import Payee
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import PaymentLineInput, request_create
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services import document_submit

pytestmark = pytest.mark.django_db


def _three_lines(user: Any) -> tuple[PaymentRequest, WorkflowInstance]:
    """A submitted request of three lines: two on 办公费 (one indicator), one on 维修费, to two
    payees."""
    office, repair = _line(user, "30201"), _line(user, "30213")
    first = _payee(user)
    second = Payee.objects.create(
        mof_div_code=first.mof_div_code,
        organisation=first.organisation,
        kind="organisation",
        name="吴江松陵建筑工程有限公司",
        credit_code="91320509MA2YYYYY1Y",
        bank_account_no="6222020000000777",
        bank_name="中国银行吴江支行",
    )
    data = dataclasses.replace(
        _input(user, []),
        lines=[
            PaymentLineInput(office.pk, Money.parse("120.50"), summary="打印纸"),
            PaymentLineInput(office.pk, Money.parse("79.50"), summary="硒鼓"),
            PaymentLineInput(repair.pk, Money.parse("300"), second.pk, summary="门窗维修"),
        ],
    )
    request = request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    instance = document_submit(
        actor=user("school_clerk"), document_type="payments.request", object_id=str(request.pk)
    )
    return request, instance


def _cells(html: str) -> list[list[list[str]]]:
    """The summary's rows, each cell as its words."""
    table = html.split('data-testid="summary-lines"', 1)[1]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [
        [re.sub(r"<[^>]+>", " ", c).split() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
        for r in rows
    ]


def test_the_reviewer_sees_every_line_with_balances_before_and_after(
    user: Any, client_as: Any
) -> None:
    request, instance = _three_lines(user)
    office, repair = _line(user, "30201"), _line(user, "30213")  # after the freeze
    page = client_as("school_reviewer").get(f"/workflow/instances/{instance.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="document-summary"' in html
    assert f'href="/payments/{request.pk}/"' in html  # a link to the document
    rows = _cells(html)
    assert len(rows) == 3
    # The indicator's balance before this request and after it, for the whole request (two
    # rows on 办公费 take 200.00 from it), in yuan.
    office_after = Money(office.available).format()
    office_before = Money(office.available + 200_00).format()
    repair_after = Money(repair.available).format()
    repair_before = Money(repair.available + 300_00).format()
    assert rows[0][-1] == [office_before, "→", office_after]
    assert rows[1][-1] == [office_before, "→", office_after]
    assert rows[2][-1] == [repair_before, "→", repair_after]
    assert [r[-2] for r in rows] == [["120.50"], ["79.50"], ["300.00"]]
    assert rows[0][4] == ["打印纸"] and rows[2][4] == ["门窗维修"]
    assert rows[2][1][0] == "吴江松陵建筑工程有限公司"
    # The reviewer does not see personal data: the account is masked, the bank named.
    assert mask_account_no("6222020000000777") in html and "6222020000000777" not in html
    assert office.code in html and "30201" in html and "办公费" in html  # the class by name
    assert "Total" in html or "合计" in html or "总额" in html


def test_a_draft_shows_what_approval_would_take(user: Any) -> None:
    from yusuan.payments.summary import request_summary

    office = _line(user, "30201")
    data = _input(user, [(office, "50")])
    request = request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    summary = request_summary(actor=user("school_clerk"), request=request)
    before, after = office.available, office.available - 50_00
    assert summary.rows[0][-1].text == f"{Money(before).format()} → {Money(after).format()}"


def test_a_long_request_shows_its_first_rows_and_the_count(
    user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yusuan.payments import summary as module

    monkeypatch.setattr(module, "MAX_ROWS", 2)
    request, _ = _three_lines(user)
    summary = module.request_summary(actor=user("school_reviewer"), request=request)
    assert (len(summary.rows), summary.row_count, summary.truncated) == (2, 3, True)
    assert summary.total[-2].text == "500.00"  # the total is of all lines, not the shown ones


def test_the_inbox_unfolds_each_documents_summary(user: Any, client_as: Any) -> None:
    """Batch approval: each row of the inbox unfolds what it approves (fetched when opened)."""
    request, instance = _three_lines(user)
    reviewer = client_as("school_reviewer")
    inbox = reviewer.get("/workflow/inbox/").content.decode()
    assert f'data-testid="unfold-{instance.pk}"' in inbox
    assert f'hx-get="/workflow/instances/{instance.pk}/summary/"' in inbox
    fragment = reviewer.get(f"/workflow/instances/{instance.pk}/summary/").content.decode()
    assert "<html" not in fragment  # the component alone
    assert len(_cells(fragment)) == 3 and "吴江松陵建筑工程有限公司" in fragment
    assert f'href="/payments/{request.pk}/"' in fragment
