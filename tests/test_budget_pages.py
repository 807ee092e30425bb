"""Budget preparation pages: what each role may do, hostile text, the department's drill-down."""

from __future__ import annotations

from typing import Any

import pytest
from tests.budget_helpers import open_round

from yusuan.budgeting.choices import DraftStage, Part
from yusuan.budgeting.models import BudgetLine, BudgetRound, Reply
from yusuan.budgeting.services.drafts import draft_start

pytestmark = pytest.mark.django_db


def test_only_the_budget_division_runs_the_round(client_as: Any, org: Any) -> None:
    budget_round = BudgetRound.objects.get(fiscal_year=2027)
    health = org("苏州市吴江区卫生健康委员会")
    reply = Reply.objects.get(organisation=health)
    clerk = client_as("health_clerk")
    for url in (
        "/budgeting/rounds/new/",
        f"/budgeting/rounds/{budget_round.pk}/congress/",
        f"/budgeting/rounds/{budget_round.pk}/control/{health.pk}/save/",
        f"/budgeting/rounds/{budget_round.pk}/control/{health.pk}/issue/",
        f"/budgeting/rounds/{budget_round.pk}/replies/{health.pk}/new/",
        f"/budgeting/replies/{reply.pk}/submit/",
        f"/budgeting/replies/{reply.pk}/generate/",
    ):
        assert clerk.post(url, {"doc_no": "x"}).status_code == 403, url
    # The department reads its control numbers and its 批复, and cannot change them.
    page = clerk.get(f"/budgeting/rounds/{budget_round.pk}/control/{health.pk}/").content.decode()
    assert 'data-testid="control-save"' not in page and "已下达" in page
    page = clerk.get(f"/budgeting/replies/{reply.pk}/").content.decode()
    assert 'data-testid="reply-generate"' not in page and 'data-testid="units-form"' in page


def test_a_department_sees_its_units_stage_by_stage(client_as: Any, org: Any) -> None:
    health = org("苏州市吴江区卫生健康委员会")
    page = client_as("wj_budget").get(f"/budgeting/?department={health.pk}").content.decode()
    assert (
        'data-testid="units-compare"' in page
        and "吴江区第一人民医院" in page.split('id="units"')[1]
    )
    # Another department's drill-down is not offered to the school.
    page = client_as("school_clerk").get(f"/budgeting/?department={health.pk}").content.decode()
    assert 'data-testid="units-compare"' not in page and "第一人民医院" not in page


def test_hostile_text_on_a_line_is_shown_as_text(client_as: Any, user: Any) -> None:
    budget_round = open_round(user)
    draft = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    line = BudgetLine.objects.filter(
        round=budget_round, organisation=draft.organisation, part=Part.PROJECT
    ).first()
    assert line is not None
    client = client_as("school_clerk")
    hostile = '<script>alert("x")</script>=cmd|"/c calc"!A1'
    response = client.post(
        f"/budgeting/drafts/{draft.pk}/lines/",
        {
            "line": line.pk,
            "side": "expenditure",
            "project": line.project_id,
            "exp_func_code": line.exp_func_code,
            "dep_bgt_eco_code": line.dep_bgt_eco_code,
            "fund_type_code": "111",
            "amount": "1,000.00",
            "summary": hostile,
        },
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.summary == hostile and line.amount_fen == 100_000
    page = client.get(f"/budgeting/drafts/{draft.pk}/?line={line.pk}").content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


@pytest.mark.parametrize("amount", ["1e20", "-5", "abc", "99999999999999999999"])
def test_absurd_amounts_are_refused_by_field(client_as: Any, user: Any, amount: str) -> None:
    budget_round = open_round(user)
    draft = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    line = BudgetLine.objects.filter(
        round=budget_round, organisation=draft.organisation, part=Part.PROJECT
    ).first()
    assert line is not None
    before = line.amount_fen
    response = client_as("school_clerk").post(
        f"/budgeting/drafts/{draft.pk}/lines/",
        {
            "line": line.pk,
            "side": "expenditure",
            "project": line.project_id,
            "fund_type_code": "111",
            "amount": amount,
        },
        follow=True,
    )
    assert response.status_code in (200, 422)
    line.refresh_from_db()
    assert line.amount_fen == before
    assert "金额" in response.content.decode()
