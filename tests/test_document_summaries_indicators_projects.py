"""The document summary (issue 16 item 1) of the adjustment (调剂单), the 追加申请 and the project
declaration, as the first approver sees it on the approval page: each adjustment line's from and
to indicator, the amount and the source's available balance before → after the whole document
(an adjustment holds no money in approval: R-AJ-4 posts it at the final approval); what a 追加申请
asks for; a project's facts; a link to the document for who may open it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from tests.indicator_helpers import project
from tests.test_document_summary import _cells
from tests.test_indicators_rules import World, adjustment, executable, make_world, move, submit

from yusuan.common.money import Money
from yusuan.demo.projects import complete_declaration
from yusuan.indicators.models import IndicatorLine, SupplementRequest
from yusuan.indicators.services import LineSpec, Op, apply
from yusuan.indicators.services.supplements import SupplementInput, supplement_create
from yusuan.projects.models import Project
from yusuan.projects.services import ProjectInput, project_create
from yusuan.workflow import selectors
from yusuan.workflow import services as workflow
from yusuan.workflow.models import WorkflowInstance

pytestmark = pytest.mark.django_db

FIRST_APPROVER = "school_approver"  # unit_approval: the first step of all three routes


def _facts(html: str) -> dict[str, str]:
    """The summary's facts, label → value as words joined by one space."""
    section = html.split('data-testid="document-summary"', 1)[1]
    props = section.split('<dl class="props">', 1)[1].split("</dl>", 1)[0]

    def words(text: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", text).split())

    return {
        words(dt): words(dd) for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", props, re.S)
    }


def _page(client_as: Callable[[str], Any], user: Any, pk: int) -> str:
    assert selectors.inbox_contains(actor=user(FIRST_APPROVER), pk=pk)
    page = client_as(FIRST_APPROVER).get(f"/workflow/instances/{pk}/")
    assert page.status_code == 200
    html: str = page.content.decode()
    assert 'data-testid="document-summary"' in html
    return html


def _yuan(fen: int) -> str:
    return Money(fen).format()


@pytest.fixture
def w(user: Callable[[str], Any]) -> World:
    return make_world(user)


def _three_rows(w: World) -> tuple[Any, Any, IndicatorLine, IndicatorLine, IndicatorLine]:
    """An 经济分类 adjustment inside one project: 办公费 gives 120,000.00 to 培训费 and 30,000.00 to
    a new 维修费 line; 印刷费 gives 5,000.00 to 培训费."""
    office = executable(w, 500_000_00)
    printing = executable(w, 20_000_00, dep_bgt_eco_code="30202")
    training = executable(w, 80_000_00, dep_bgt_eco_code="30216", summary="教师培训")
    document = adjustment(
        w,
        "economic_class",
        [
            move(office, training, 120_000_00),
            move(office, None, 30_000_00, spec=LineSpec(dep_bgt_eco_code="30213")),
            move(printing, training, 5_000_00),
        ],
        reason="培训计划调整",
        doc_no="吴教财〔2026〕3号",
    )
    instance = submit(w, document)
    return document, instance, office, printing, training


def test_an_adjustment_shows_each_move_and_the_source_balance_before_and_after(
    w: World, user: Any, client_as: Any
) -> None:
    document, instance, office, printing, training = _three_rows(w)
    html = _page(client_as, user, instance.pk)
    assert f'href="/indicators/documents/{document.pk}/"' in html
    for line in (office, printing, training):
        line.refresh_from_db()
        assert f'href="/indicators/lines/{line.pk}/"' in html
    # Nothing is held in approval: the ledger still shows the whole balances.
    assert (office.available, printing.available) == (500_000_00, 20_000_00)
    rows = _cells(html)
    assert len(rows) == 3
    assert [r[0] for r in rows] == [["1"], ["2"], ["3"]]
    assert rows[0][1][0] == office.code and w.school.name in rows[0][1]  # code, unit and summary
    assert rows[0][2][0] == training.code and "教师培训" in rows[0][2]
    # The new line: its unit (the source's), its functional and economic class by name.
    new = " ".join(rows[1][2])
    assert office.organisation is not None and office.organisation.name in new
    assert "2050202 小学教育" in new and "30213 维修（护）费" in new
    assert [r[3] for r in rows] == [["120,000.00"], ["30,000.00"], ["5,000.00"]]
    # 办公费 gives 150,000.00 in all (two rows), 印刷费 5,000.00.
    office_move = [_yuan(office.available), "→", _yuan(office.available - 150_000_00)]
    assert rows[0][4] == office_move and rows[1][4] == office_move
    assert rows[2][4] == [_yuan(printing.available), "→", _yuan(printing.available - 5_000_00)]
    assert 'class="num short"' not in html
    facts = _facts(html)
    values = set(facts.values())
    assert "项目内经济分类科目间调剂" in values  # the subtype by name
    assert {"培训计划调整", "吴教财〔2026〕3号"} <= values
    assert "155,000.00" in html  # the total


def test_a_source_spent_after_submission_shows_short(w: World, user: Any, client_as: Any) -> None:
    _document, instance, office, _printing, _training = _three_rows(w)
    apply("freeze", [Op(office.pk, 450_000_00)], actor_id=w.clerk.pk)  # a payment meanwhile
    office.refresh_from_db()
    assert office.available == 50_000_00
    rows = _cells(_page(client_as, user, instance.pk))
    assert rows[0][4] == ["50,000.00", "→", "-100,000.00"]
    html = _page(client_as, user, instance.pk)
    assert html.count('class="num short"') == 2  # both rows of 办公费


def submitted_supplement(w: World) -> tuple[IndicatorLine, SupplementRequest, WorkflowInstance]:
    """A unit's 追加申请 of 50,000.00 on a 100,000.00 line, submitted."""
    line = executable(w, 100_000_00)
    request = supplement_create(
        actor=w.clerk,
        data=SupplementInput(
            title="智慧教室二期追加",
            amount=Money(50_000_00),
            reason="二期设备招标价格上涨",
            line_id=line.pk,
            fiscal_year=2026,
        ),
    )
    instance = workflow.document_submit(
        actor=w.clerk, document_type="indicators.supplement", object_id=str(request.pk)
    )
    return line, request, instance


def test_a_supplement_request_shows_what_it_asks_for(w: World, user: Any, client_as: Any) -> None:
    line, request, instance = submitted_supplement(w)
    html = _page(client_as, user, instance.pk)
    assert f'href="/indicators/supplements/{request.pk}/"' in html
    assert f'href="/indicators/lines/{line.pk}/"' in html
    values = set(_facts(html).values())
    assert {"50,000.00", "100,000.00", "二期设备招标价格上涨", w.school.name} <= values
    assert f"{line.code} {line.summary}" in values
    assert 'data-testid="summary-lines"' not in html  # no lines: facts only


def lab_project(clerk: Any) -> Project:
    """A 3-year equipment project of 200,000.00 yuan, a draft ready to declare."""
    return complete_declaration(clerk, _lab_draft(clerk))


def _lab_draft(clerk: Any) -> Project:
    return project_create(
        actor=clerk,
        organisation=clerk.organisation,
        fiscal_year=2026,
        data=ProjectInput(
            name="实验室设备购置",
            category="3",
            kind="new",
            start_year=2026,
            end_year=2028,
            total_amount=Money.from_yuan(200000),
            fund_type="111",
            basis="教育局〔2026〕5号",
            is_procurement=True,
        ),
    )


def test_a_project_declaration_shows_the_project(user: Any, client_as: Any) -> None:
    clerk = user("school_clerk")
    proj = lab_project(clerk)
    instance = workflow.document_submit(
        actor=clerk, document_type="projects.declaration", object_id=str(proj.pk)
    )
    html = _page(client_as, user, instance.pk)
    assert f'href="/projects/{proj.pk}/"' in html
    values = set(_facts(html).values())
    assert {
        proj.code,
        "实验室设备购置",
        clerk.organisation.name,
        "3 特定目标类",
        "2026–2028",
        "200,000.00",
        "111 一般公共预算资金",
        "教育局〔2026〕5号",
        # ADR 0040: what the reviewers decide on — the plan by year (R-PJ-3), the basis (R-PJ-9)
        "2026：66,666.66；2027：66,666.66；2028：66,666.68",
        "吴教发〔2026〕12号 关于印发《吴江区教育事业发展“十五五”规划》的通知",
    } <= values
    # the 测算明细 of the budget year, row by row with its total (R-PJ-10)
    lines = re.search(r'data-testid="summary-lines".*?</table>', html, re.S)
    assert lines is not None
    cells = _cells(lines.group(0))
    assert [" ".join(words) for words in cells[0]] == [
        "2026",
        "设备购置",
        "31002 办公设备购置",
        "46,666.00",
        "1批",
        "46,666.00",
        "",
    ]
    assert "66,666.66" in lines.group(0).split("<tfoot>")[1]
    # the goal (R-PF-5): each indicator with its operator, target and unit
    notes = re.search(r'data-testid="summary-notes">(.*?)</ul>', html, re.S)
    assert notes is not None
    assert "产出指标 · 数量指标：完成建设（购置）项目数 ≥ 1项" in notes.group(1)
    assert "满意度指标 · 服务对象满意度指标：在校学生满意度 ≥ 90%" in notes.group(1)


def test_no_link_for_who_may_not_open_the_document(w: World, user: Any) -> None:
    from yusuan.projects.summary import declaration_summary

    proj = project(w.school, w.clerk, name="无权查看")

    class Refused:
        def has_perm(self, permission: str) -> bool:
            return False

    assert declaration_summary(actor=Refused(), project=proj).url == ""
    assert declaration_summary(actor=w.clerk, project=proj).url == f"/projects/{proj.pk}/"


def test_no_link_to_an_indicator_line_out_of_scope(w: World, user: Any) -> None:
    from yusuan.indicators.summary import adjustment_summary

    document, _instance, office, _printing, _training = _three_rows(w)
    mine = adjustment_summary(actor=w.clerk, document=document)
    assert mine.rows[0][1].url == f"/indicators/lines/{office.pk}/"
    theirs = adjustment_summary(actor=user("hospital_clerk"), document=document)
    assert [c.url for r in theirs.rows for c in r[1:3]] == [""] * 6
    assert theirs.rows[0][1].text == office.code  # the figures stay, only the links go
