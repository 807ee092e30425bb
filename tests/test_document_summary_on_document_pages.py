"""The document summary on the document's own page (issue 16 item 1): the clerk sees what the
approver will see — the same component with the same rows and facts — folded under the page's
own lines, with the approval timeline; a draft shows what approval would take."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from tests.payment_helpers import _input, _line
from tests.test_document_summaries_indicators_projects import (
    _facts,
    _page,
    _three_rows,
    lab_project,
    submitted_supplement,
)
from tests.test_document_summary import _cells, _three_lines
from tests.test_indicators_rules import World, executable, make_world

from yusuan.common.money import Money
from yusuan.indicators.choices import DocumentKind
from yusuan.indicators.models import IndicatorDocument
from yusuan.payments.services import request_create
from yusuan.workflow import services as workflow

pytestmark = pytest.mark.django_db

FOLD = 'data-testid="document-summary-fold"'


def _document_page(client: Any, url: str) -> str:
    """The document's page and, as the fold fetches it when opened, its summary."""
    page = client.get(url)
    assert page.status_code == 200
    html: str = page.content.decode()
    assert FOLD in html
    fetch = re.search(r'data-testid="document-summary-fold" hx-get="([^"]+)"', html)
    assert fetch is not None
    fragment = client.get(fetch.group(1))
    assert fragment.status_code == 200
    summary: str = fragment.content.decode()
    assert "<html" not in summary and 'data-testid="document-summary"' in summary
    assert 'data-testid="summary-open"' not in summary  # no link from the document to itself
    return html + summary


def test_a_payment_request_page_shows_the_approvers_rows(user: Any, client_as: Any) -> None:
    request, instance = _three_lines(user)
    approval = client_as("school_reviewer").get(f"/workflow/instances/{instance.pk}/")
    own = _document_page(client_as("school_clerk"), f"/payments/{request.pk}/")
    rows = _cells(own)
    assert len(rows) == 3 and rows == _cells(approval.content.decode())
    assert 'data-testid="route"' in own  # the timeline stays on the page


def test_a_draft_request_page_shows_what_approval_would_take(user: Any, client_as: Any) -> None:
    office = _line(user, "30201")
    clerk = user("school_clerk")
    request = request_create(actor=clerk, data=_input(user, [(office, "50")]), fiscal_year=2026)
    html = _document_page(client_as("school_clerk"), f"/payments/{request.pk}/")
    before, after = Money(office.available).format(), Money(office.available - 50_00).format()
    assert _cells(html)[0][-1] == [before, "→", after]
    assert 'data-testid="route"' not in html  # never submitted: no timeline


@pytest.fixture
def w(user: Callable[[str], Any]) -> World:
    return make_world(user)


def test_a_supplement_page_shows_the_approvers_facts(w: World, user: Any, client_as: Any) -> None:
    _, request, instance = submitted_supplement(w)
    own = _document_page(client_as("school_clerk"), f"/indicators/supplements/{request.pk}/")
    assert _facts(own) == _facts(_page(client_as, user, instance.pk))


def test_a_project_page_shows_the_approvers_facts(user: Any, client_as: Any) -> None:
    clerk = user("school_clerk")
    proj = lab_project(clerk)
    draft = _facts(_document_page(client_as("school_clerk"), f"/projects/{proj.pk}/"))
    assert {proj.code, "实验室设备购置", "200,000.00"} <= set(draft.values())
    instance = workflow.document_submit(
        actor=clerk, document_type="projects.declaration", object_id=str(proj.pk)
    )
    own = _facts(_document_page(client_as("school_clerk"), f"/projects/{proj.pk}/"))
    assert own == _facts(_page(client_as, user, instance.pk))


def test_an_adjustment_page_shows_the_approvers_rows(w: World, user: Any, client_as: Any) -> None:
    document, instance, *_ = _three_rows(w)
    own = _document_page(client_as("school_clerk"), f"/indicators/documents/{document.pk}/")
    rows = _cells(own)
    assert len(rows) == 3 and rows == _cells(_page(client_as, user, instance.pk))


def test_an_issue_document_has_no_approval_summary(w: World, client_as: Any) -> None:
    """下达 is posted by the budget division directly (no approval round): no summary to show."""
    line = executable(w, 1_000_00)
    issued = IndicatorDocument.objects.get(kind=DocumentKind.ISSUE, lines__created_line=line)
    page = client_as("wj_budget").get(f"/indicators/documents/{issued.pk}/")
    assert page.status_code == 200 and FOLD not in page.content.decode()


def test_the_summary_is_a_404_for_who_may_not_open_the_document(user: Any, client_as: Any) -> None:
    """Another unit's document, or a person without the document's view permission."""
    request, _ = _three_lines(user)
    url = f"/workflow/documents/payments.request/{request.pk}/summary/"
    assert client_as("school_clerk").get(url).status_code == 200
    assert client_as("hospital_clerk").get(url).status_code == 404
    assert client_as("school_clerk").get(url.replace("payments.request", "nope")).status_code == 404
