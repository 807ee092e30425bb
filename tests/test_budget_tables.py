"""The department budget tables (部门预算公开表; DOMAIN-2 §4.3): 教育局's school walked 一上 → 二上 →
批复 (→ a changed 批复) through the services, then the nine tables and the project table for
教育局 checked against each other (``table_checks``), against the lines and against the
indicators the 批复 generated, to the fen; the checks shown to catch a broken table; the pages
scoped, exported (Excel with formula text inert, PDF) and hostile text escaped."""

from __future__ import annotations

import dataclasses
import io
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import F

import pytest
from openpyxl import load_workbook
from tests.budget_helpers import (
    approve_draft,
    approve_reply,
    congress,
    first_reply,
    issue_control,
    open_round,
    year_open,
)
from tests.plain_words import amount_columns, internal_codes, says_yuan_once, visible_text

from yusuan.budgeting import tables
from yusuan.budgeting.choices import DraftStage, Part, Side, Stage
from yusuan.budgeting.models import (
    BudgetLine,
    BudgetLineAmount,
    BudgetRound,
    GeneratedIndicator,
    Reply,
)
from yusuan.budgeting.services.drafts import LineInput, draft_check, draft_start, line_save
from yusuan.budgeting.services.generate import reply_generate
from yusuan.budgeting.services.reply import reply_change_create
from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.indicators.models import IndicatorLine
from yusuan.projects.models import Project, ProjectPlan

pytestmark = pytest.mark.django_db

EDU = "苏州市吴江区教育局"
HEALTH = "苏州市吴江区卫生健康委员会"
HOSPITAL = "吴江区第一人民医院"
HOSTILE_UNIT = "=cmd|' /C calc'!A0<script>alert(1)</script>"
HOSTILE_PROJECT = "@SUM(A1:A9)<script>alert(2)</script>"
# The index's cross-check section when every identity holds.
CHECKS_PASSED = '<p data-testid="checks-passed">'
# What the school's 二上 adds to its 一上 lines, in fen.
RECEPTION = 1_234_567  # 30217 公务接待费 (三公), a 111 project line
FUND_211 = 7_654_321  # a 政府性基金 line
UNIT_FUNDS = 2_500_000  # 单位资金 spent, covered by as much 事业收入
CARRY = 1_000_001  # 上年结转 (111) received and spent


@dataclass
class Walked:
    round: BudgetRound
    department: Organisation
    school: Organisation
    reply: Reply
    project_line: BudgetLine


def _room(project_id: int | None, fen: int, fund: str) -> None:
    """More plan for the project in the year and fund (R-PJ-3), so the test may add a line."""
    plan, made = ProjectPlan.objects.get_or_create(
        project_id=project_id, year=2027, fund_type=fund, defaults={"amount_fen": fen}
    )
    if not made:
        ProjectPlan.objects.filter(pk=plan.pk).update(amount_fen=F("amount_fen") + fen)


def _add(user: Any, draft_id: int, **values: Any) -> BudgetLine:
    return line_save(actor=user("school_clerk"), draft_id=draft_id, data=LineInput(**values))


def _walk(user: Any, org: Any) -> Walked:
    """一上 as built; 一下 with room for a 三公 line and a 政府性基金 line; 二上 adds them, a 单位资金
    line with its 事业收入 and a carry-over pair; 批复 as sent up; indicators generated."""
    budget_round = open_round(user)
    school = user("school_clerk").organisation
    department = org(EDU)
    first = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_1
    )
    assert approve_draft(user, first).state == "approved"
    spending = BudgetLine.objects.filter(
        round=budget_round, organisation=school, side=Side.EXPENDITURE, removed=False
    )
    basic = sum(x.amount_fen for x in spending if x.part == Part.BASIC)
    project = sum(x.amount_fen for x in spending if x.part == Part.PROJECT)
    issue_control(
        user,
        budget_round,
        department,
        {
            ("111", "basic"): basic,
            ("111", "project"): project + RECEPTION,
            ("211", "project"): FUND_211,
        },
    )
    second = draft_start(
        actor=user("school_clerk"), round_id=budget_round.pk, stage=DraftStage.APPLY_2
    )
    line = next(x for x in spending.order_by("position") if x.part == Part.PROJECT)
    common = {"project_id": line.project_id, "exp_func_code": line.exp_func_code}
    _room(line.project_id, RECEPTION, "111")
    _add(
        user,
        second.pk,
        amount=Money(RECEPTION),
        dep_bgt_eco_code="30217",
        fund_type_code="111",
        **common,
    )
    _room(line.project_id, FUND_211, "211")
    _add(
        user,
        second.pk,
        amount=Money(FUND_211),
        dep_bgt_eco_code="30299",
        fund_type_code="211",
        **common,
    )
    _room(line.project_id, UNIT_FUNDS, "511")
    _add(
        user,
        second.pk,
        amount=Money(UNIT_FUNDS),
        dep_bgt_eco_code="30201",
        fund_type_code="511",
        **common,
    )
    _add(user, second.pk, side=Side.REVENUE, revenue_kind="business", amount=Money(UNIT_FUNDS))
    _add(
        user,
        second.pk,
        side=Side.REVENUE,
        revenue_kind="carry_over",
        fund_type_code="111",
        amount=Money(CARRY),
    )
    # R-BP-11: carried from a project with a balance on last year's indicators.
    from django.db.models import F

    from yusuan.indicators.models import IndicatorLine

    carried = (
        IndicatorLine.objects.filter(
            fiscal_year=2026, organisation=school, project__isnull=False, fund_type_code="111"
        )
        .exclude(project__category__in=["1", "21"])
        .annotate(balance=F("total") - F("paid") - F("frozen"))
        .filter(balance__gte=CARRY)
        .order_by("pk")
        .first()
    )
    assert carried is not None
    _add(
        user,
        second.pk,
        amount=Money(CARRY),
        dep_bgt_eco_code="30201",
        fund_type_code="111",
        carry_over=True,
        project_id=carried.project_id,
        exp_func_code=carried.exp_func_code,
    )
    assert draft_check(second).errors == []
    assert approve_draft(user, second).state == "approved"
    congress(user, budget_round)
    reply = approve_reply(user, first_reply(user, budget_round, department))
    year_open(user)
    reply_generate(actor=user("wj_budget"), reply_id=reply.pk)
    return Walked(budget_round, department, school, reply, line)


@pytest.fixture
def walked(user: Any, org: Any) -> Walked:
    return _walk(user, org)


def _tables(user: Any, walked: Walked, stage: str, who: str = "edu_clerk", **kw: Any) -> Any:
    actor = user(who)
    organisation = kw.pop("organisation", walked.department)
    subject = tables.access_subject(actor, walked.round, organisation.pk, kw.pop("level", ""))
    return tables.tables_for(actor, walked.round, subject, stage)


def _stage_sums(walked: Walked, stage: str) -> dict[tuple[str, str, bool, str], int]:
    """Σ written figures of the department's lines at a stage by (side, fund, carry-over, part):
    the tables' totals worked out apart from them."""
    sums: dict[tuple[str, str, bool, str], int] = defaultdict(int)
    for side, fund, carry, part, fen in BudgetLineAmount.objects.filter(
        line__department=walked.department, stage=stage
    ).values_list(
        "line__side", "line__fund_type_code", "line__carry_over", "line__part", "amount_fen"
    ):
        sums[(side, fund, carry, part)] += fen
    return sums


def _indicators(reply: Reply) -> dict[str, int]:
    """Σ total of the indicators the department's 批复 (and its changes) generated, per fund."""
    ids = set(
        GeneratedIndicator.objects.filter(
            reply__round=reply.round, reply__organisation=reply.organisation
        ).values_list("indicator_id", flat=True)
    )
    found: dict[str, int] = defaultdict(int)
    for fund, total in IndicatorLine.objects.filter(pk__in=ids).values_list(
        "fund_type_code", "total"
    ):
        found[fund] += total
    return dict(found)


def test_the_tables_agree_with_each_other_the_lines_and_the_indicators(
    user: Any, walked: Walked, django_assert_max_num_queries: Any
) -> None:
    for stage in tables.STAGES:
        found = _tables(user, walked, stage)
        assert tables.table_checks(found) == [], stage
    actor = user("edu_clerk")
    subject = tables.access_subject(actor, walked.round, walked.department.pk)
    with django_assert_max_num_queries(5):  # lines, figures, code year, names, last year
        found = tables.tables_for(actor, walked.round, subject, Stage.APPROVED)
    t1_in, t1_out = found["1"].sections
    t4_in, t4_out = found["4"].sections
    sums = _stage_sums(walked, Stage.APPROVED)
    spent = sum(v for (side, *_x), v in sums.items() if side == Side.EXPENDITURE)
    assert t1_in.amount("revenue_total") == t1_out.amount("expenditure_total") == spent
    assert found["2"].sections[0].amount("total") == found["3"].sections[0].amount("total") == spent
    # R-BP-12: the generated indicators are table 4's 本年 财政拨款, fund by fund, to the fen; the
    # carry-over (not generated, R-BP-11) is table 4's 上年结转.
    indicators = _indicators(walked.reply)
    # 单位资金 lines become indicators too (fund 511): the project table's 单位资金 column.
    assert set(indicators) == {"111", "211", "511"}
    assert indicators["511"] == UNIT_FUNDS == found["projects"].sections[0].amount("total", 5)
    for column, fund in enumerate(("111", "211", "311"), start=1):
        new = sum(
            v for (s, f, c, _p), v in sums.items() if s == Side.EXPENDITURE and f == fund and not c
        )
        assert t4_in.amount(f"new:{fund}") == indicators.get(fund, 0) == new
        carried = CARRY if fund == "111" else 0
        assert t4_in.amount(f"carry:{fund}") == carried
        assert t4_out.amount("expenditure_total", column) == indicators.get(fund, 0) + carried
    assert t1_in.amount("revenue:0") == indicators["111"]  # 一、一般公共预算拨款收入
    assert t1_in.amount("revenue:1") == indicators["211"] == FUND_211
    assert t1_in.amount("revenue:4") == UNIT_FUNDS  # 五、事业收入
    assert t1_in.amount("carry_over") == CARRY
    # Tables 5, 6, 8 from the lines themselves.
    t5, t6, t8 = (found[k].sections[0] for k in ("5", "6", "8"))
    basic_111 = sums[(Side.EXPENDITURE, "111", False, Part.BASIC)]
    assert t5.amount("total") == indicators["111"] + CARRY
    assert t5.amount("total", 1) == t6.amount("total") == basic_111
    assert t8.amount("total") == t8.amount("total", 2) == FUND_211
    # Table 7: this year's 公务接待费 beside last year's indicators of the same units (the school).
    t7 = found["7"].sections[0]
    last_year = sum(
        total - allocated
        for total, allocated in IndicatorLine.objects.filter(
            fiscal_year=2026,
            fund_type_code="111",
            organisation=walked.school,
            dep_bgt_eco_code__startswith="30217",
        ).values_list("total", "allocated")
    )
    assert last_year > 0
    assert t7.row("30217") is not None
    assert t7.row("30217").amounts == (  # type: ignore[union-attr]
        last_year,
        RECEPTION,
        0,
        RECEPTION,
        RECEPTION - last_year,
    )
    # Table 9 has no 311 money: "本表无数据", with the reason the disclosure rules ask for.
    assert found["9"].empty and not found["8"].empty
    assert found["9"].empty_note == "本部门2027年没有国有资本经营预算拨款安排的支出，故本表无数据。"
    # The project table: every project line, each project with its 绩效目标表.
    projects = found["projects"].sections[0]
    assert projects.amount("total") == found["3"].sections[0].amount("total", 2)
    assert all(
        r.link == f"/projects/{Project.objects.get(code=r.code).pk}/goal-table/"
        for r in projects.rows[1:]
    )


def test_a_changed_reply_the_unit_and_the_district_still_agree(
    user: Any, walked: Walked, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated = GeneratedIndicator.objects.filter(reply=walked.reply, line__fund_type_code="111")
    up = generated.order_by("line__position").first()
    assert up is not None
    change = reply_change_create(
        actor=user("wj_budget"),
        reply_id=walked.reply.pk,
        doc_no="吴财预〔2027〕9号",
        reason="人大常委会批准预算调整",
        figures={up.line_id: Money(up.delta_fen + 300_000)},
    )
    approve_reply(user, change)
    reply_generate(actor=user("wj_budget"), reply_id=change.pk)
    approved = _tables(user, walked, Stage.APPROVED)
    current = _tables(user, walked, tables.CURRENT)
    assert tables.table_checks(approved) == tables.table_checks(current) == []
    assert current["4"].sections[0].amount("new:111") == (
        approved["4"].sections[0].amount("new:111") + 300_000
    )
    assert current["4"].sections[0].amount("new:111") == _indicators(walked.reply)["111"]
    # The school's own tables, and the district's (卫健委 of the demo with 教育局).
    school = _tables(user, walked, tables.CURRENT, "school_clerk", organisation=walked.school)
    assert tables.table_checks(school) == []
    assert school["1"].title == "单位收支总表"
    district = _tables(
        user, walked, tables.CURRENT, "wj_budget", organisation=user("wj_budget").organisation
    )
    assert tables.table_checks(district) == []
    names = [r.label for r in district["2"].sections[0].rows]
    assert EDU in names and HEALTH in names
    # A region printing the four-row revenue form: the same figures, other rows, still agreeing.
    monkeypatch.setitem(tables.REGION_REVENUE, "320509", tables.FOUR_ROW_REVENUE)
    four = _tables(user, walked, tables.CURRENT)
    assert tables.table_checks(four) == []
    t1_in = four["1"].sections[0]
    assert [r.label for r in t1_in.rows[:4]] == [
        "一、财政拨款收入",
        "二、事业收入",
        "三、事业单位经营收入",
        "四、其他收入",
    ]
    fiscal = {k: v for k, v in _indicators(walked.reply).items() if k in ("111", "211", "311")}
    assert t1_in.amount("revenue:0") == sum(fiscal.values())


def test_table_checks_catch_a_broken_table(
    user: Any, walked: Walked, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _tables(user, walked, Stage.APPROVED)
    assert tables.table_checks(good) == []
    # A row of table 5 one fen off: its total no longer matches table 4 nor its own 类.
    t5 = good["5"]
    (section,) = t5.sections
    total = section.row("total")
    assert total is not None
    bent = dataclasses.replace(total, amounts=(total.amounts[0] + 1, *total.amounts[1:]))
    tampered = tables.TableSet(
        good.source,
        {
            **good.tables,
            "5": dataclasses.replace(
                t5,
                sections=(
                    dataclasses.replace(
                        section, rows=tuple(bent if r is total else r for r in section.rows)
                    ),
                ),
            ),
        },
    )
    found = tables.table_checks(tampered)
    bent_text, right = Money(total.amounts[0] + 1).format(), Money(total.amounts[0]).format()
    assert sorted(found) == sorted(
        [
            f"表5 合计与表4 一般公共预算支出：{bent_text} ≠ {right}（差 0.01）",
            f"表5 合计 合计与分项之和：{bent_text} ≠ {right}（差 0.01）",
            f"表5 合计（合计）与各类之和：{bent_text} ≠ {right}（差 0.01）",
        ]
    )
    # Table 8 computed from the wrong fund: caught against table 4's 政府性基金 column.
    monkeypatch.setitem(
        tables.BUILDERS, "8", lambda s: tables._tree_table(s, "8", tables._fund(s, "111"))
    )
    found = tables.table_checks(_tables(user, walked, Stage.APPROVED))
    assert any(p.startswith("表8 合计与表4 政府性基金预算支出") for p in found), found
    monkeypatch.undo()
    # A region's revenue rows that leave out 事业收入: the tables say so.
    rows = tuple(r for r in tables.DEFAULT_REVENUE.rows if r.short != "事业收入")
    monkeypatch.setitem(tables.REGION_REVENUE, "320509", tables.RevenueLayout(rows))
    found = tables.table_checks(_tables(user, walked, Stage.APPROVED))
    assert any("收入行的设置漏列了收入种类" in p and Money(UNIT_FUNDS).format() in p for p in found)


# --- pages ----------------------------------------------------------------------------------------


def _url(budget_round: BudgetRound, organisation: Organisation, table: str = "") -> str:
    base = f"/budgeting/rounds/{budget_round.pk}/tables/{organisation.pk}/"
    return f"{base}{table}/" if table else base


def test_pages_are_scoped_to_the_unit_department_or_district(
    client_as: Any, user: Any, org: Any
) -> None:
    budget_round = BudgetRound.objects.get(mof_div_code="320509", fiscal_year=2027)
    health, hospital, edu = org(HEALTH), org(HOSPITAL), org(EDU)
    school = user("school_clerk").organisation
    bureau = user("wj_budget").organisation
    refused = [
        ("school_clerk", _url(budget_round, edu)),  # its department
        ("school_clerk", _url(budget_round, hospital, "1")),  # another unit
        ("school_clerk", _url(budget_round, bureau)),  # the district
        ("school_clerk", _url(budget_round, school) + "?level=department"),  # not a department
        ("school_clerk", _url(budget_round, school) + "?level=district"),
        ("edu_clerk", _url(budget_round, health, "4")),  # another department
        ("edu_clerk", _url(budget_round, hospital)),
        ("health_clerk", _url(budget_round, school, "projects")),
        ("edu_clerk", _url(budget_round, bureau, "1")),
        ("health_clerk", _url(budget_round, health) + "?level=district"),  # not its level
        ("wj_budget", _url(budget_round, health, "10")),  # no such table
    ]
    for who, url in refused:
        assert client_as(who).get(url).status_code == 404, (who, url)
    hospital_page = client_as("hospital_clerk").get(_url(budget_round, hospital))
    assert hospital_page.status_code == 200
    text = hospital_page.content.decode()
    assert "单位收支总表" in text and CHECKS_PASSED in text
    department = client_as("health_clerk").get(_url(budget_round, health)).content.decode()
    assert HOSPITAL in department  # leads down to its units
    own = client_as("health_clerk").get(_url(budget_round, health) + "?level=unit")
    assert own.status_code == 200
    district = client_as("wj_budget").get(_url(budget_round, bureau)).content.decode()
    assert HEALTH in district and EDU in district
    sector = client_as("wj_sector_edu").get(_url(budget_round, user("wj_sector_edu").organisation))
    assert sector.status_code == 200 and EDU in sector.content.decode()
    assert HEALTH not in sector.content.decode()
    overview = client_as("hospital_clerk").get(f"/budgeting/?round={budget_round.pk}")
    assert _url(budget_round, hospital) in overview.content.decode()


def test_every_table_page_excel_and_pdf_with_hostile_names(
    client_as: Any, user: Any, walked: Walked
) -> None:
    Organisation.objects.filter(pk=walked.school.pk).update(name=HOSTILE_UNIT)
    Project.objects.filter(pk=walked.project_line.project_id).update(name=HOSTILE_PROJECT)
    client = client_as("edu_clerk")
    index = client.get(_url(walked.round, walked.department) + "?stage=approved")
    assert index.status_code == 200
    text = index.content.decode()
    for key in tables.TABLE_KEYS:
        assert f'data-testid="table-{key}"' in text
    assert CHECKS_PASSED in text
    for key in tables.TABLE_KEYS:
        url = _url(walked.round, walked.department, key) + "?stage=approved"
        page = client.get(url)
        assert page.status_code == 200, key
        body = page.content.decode()
        assert "<script>alert" not in body
        assert internal_codes(visible_text(body)) == [], key
        assert all(says_yuan_once(label) for label, _amount in amount_columns(body)), key
        pdf = client.get(url + "&export=pdf")
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF"), key
        book = load_workbook(io.BytesIO(client.get(url + "&export=xlsx").content))
        cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]
        assert not [c for c in cells if c.data_type == "f"], key
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                assert cell.data_type == "s" and cell.quotePrefix, (key, cell.value)
        if key in ("2", "projects"):
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
            assert any(c.value == HOSTILE_UNIT for c in cells), key
        if key == "projects":
            assert "&lt;script&gt;alert(2)&lt;/script&gt;" in body
            assert any(c.value == HOSTILE_PROJECT for c in cells)
            assert 'href="/projects/' in body and "/goal-table/" in body
        if key == "9":
            assert "本表无数据" in body
            assert "本部门2027年没有国有资本经营预算拨款安排的支出，故本表无数据。" in body
            assert any(c.value == "本表无数据" for c in cells)
    # The PDF prints the hostile names as text.
    from pypdf import PdfReader

    pdf = client.get(
        _url(walked.round, walked.department, "projects") + "?stage=approved&export=pdf"
    )
    printed = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "<script>alert(2)</script>" in printed and "项目支出表" in printed
