"""The project library's reports (DOMAIN-2 §2.3; issue 17 item 1) and the 绩效目标表 (§7.1).

The summaries' figures are checked against a computation written here from the demo's projects
in plain Python (departments found by walking ``parent``, not by the path; states grouped by
sets typed here), never the reports' own code."""

from __future__ import annotations

import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.demo.projects import complete_declaration
from yusuan.projects import reports
from yusuan.projects.models import GoalIndicator, PerformanceGoal, Project, ProjectPlan
from yusuan.projects.services import ProjectInput, project_create

pytestmark = pytest.mark.django_db

Y = 2027
HOSTILE_NAME = "<script>alert(1)</script>=cmd|' /C calc'!A0"
HOSTILE_GOAL = '=HYPERLINK("http://x","y") <img src=/etc/passwd>'
IN_LIBRARY = {"stored", "budgeted", "executing", "carried_over"}
FUNDED = {"budgeted", "executing", "carried_over"}


def _plans(rows: dict[int, int]) -> None:
    """Give some of the demo's library projects known plans for Y, Y+1, Y+2 (replacing the
    demo's own), and none to every third, so the figures are varied and not all zero."""
    projects = list(Project.objects.filter(state__in=IN_LIBRARY).order_by("pk"))
    for index, project in enumerate(projects):
        ProjectPlan.objects.filter(project=project).delete()
        if index % 3 == 2:
            continue
        for offset, share in rows.items():
            ProjectPlan.objects.create(
                project=project,
                year=Y + offset,
                fund_type="111" if index % 2 else "511",
                amount_fen=project.total_amount_fen * share // 100 + index,
            )


def _department(organisation: Organisation) -> Organisation:
    while organisation.parent_id is not None and organisation.parent.kind in ("department", "unit"):
        organisation = organisation.parent
    return organisation


def _expected_reserve(actor: Any) -> dict[tuple[str, str], dict[str, int]]:
    seen = Project.objects.visible_to(actor).select_related("organisation__parent")
    out: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in seen:
        if p.state not in IN_LIBRARY:
            continue
        cell = out[(_department(p.organisation).code, p.category)]
        group = "funded" if p.state in FUNDED else "unfunded"
        for name in ("library", group):
            cell[f"{name}_n"] += 1
            cell[f"{name}_fen"] += p.total_amount_fen
        if group == "unfunded":
            cell["gap_fen"] += sum(pl.amount_fen for pl in p.plans.all() if pl.year == Y)
    return out


def _figures(row: reports.SummaryRow) -> dict[str, int]:
    f = row.figures
    out = {}
    for name in ("library", "funded", "unfunded"):
        if f.count(name):
            out[f"{name}_n"] = f.count(name)
            out[f"{name}_fen"] = f.amount(name)
    if f.amount("gap"):
        out["gap_fen"] = f.amount("gap")
    return out


@pytest.mark.parametrize("username", ["wj_budget", "edu_clerk", "school_clerk"])
def test_reserve_summary_equals_an_independent_count(user: Any, username: str) -> None:
    _plans({0: 40, 1: 35, 2: 25})
    actor = user(username)
    expected = _expected_reserve(actor)
    summary = reports.reserve_summary(actor=actor, year=Y)
    got = {(r.department.code, r.category): _figures(r) for r in summary.rows if r.category}
    assert got == {k: {n: v for n, v in cell.items() if v} for k, cell in expected.items()}
    assert any(cell.get("gap_fen") for cell in expected.values()) or username == "school_clerk"
    # each department's subtotal row is the Σ of its rows, the total the Σ of everything
    for row in summary.rows:
        if not row.category:
            mine = [e for (d, _c), e in expected.items() if d == row.department.code]
            assert row.figures.amount("library") == sum(e["library_fen"] for e in mine)
    assert summary.total.count("library") == sum(e["library_n"] for e in expected.values())
    assert summary.total.amount("gap") == sum(e.get("gap_fen", 0) for e in expected.values())


def test_rolling_plan_and_states_equal_an_independent_sum(user: Any) -> None:
    _plans({0: 50, 1: 30, 2: 20})
    actor = user("wj_budget")
    expected: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in Project.objects.filter(state__in=IN_LIBRARY, mof_div_code=actor.mof_div_code):
        for plan in p.plans.all():
            if Y <= plan.year <= Y + 2:
                expected[(_department(p.organisation).code, p.category)][plan.year - Y] += (
                    plan.amount_fen
                )
    summary = reports.rolling_plan(actor=actor, year=Y)
    got = {
        (r.department.code, r.category): [r.figures.amount(f"y{i}") for i in range(3)]
        for r in summary.rows
        if r.category
    }
    assert got == dict(expected) and got
    assert summary.total.amount("all") == sum(sum(v) for v in expected.values())

    rows, total = reports.state_summary(actor=actor, year=Y)
    mine = Project.objects.filter(mof_div_code=actor.mof_div_code)
    for row in rows:
        of_state = [p for p in mine if p.state == row.state]
        assert (row.count, row.total_fen) == (
            len(of_state),
            sum(p.total_amount_fen for p in of_state),
        )
        assert row.plan_fen == sum(
            pl.amount_fen for p in of_state for pl in p.plans.all() if pl.year == Y
        )
    assert total.count == mine.count()


def test_report_pages_and_excel_show_the_same_figures(client_as: Any, user: Any) -> None:
    _plans({0: 40, 1: 35, 2: 25})
    client = client_as("wj_budget")
    summary = reports.reserve_summary(actor=user("wj_budget"), year=Y)
    page = client.get(f"/projects/reports/reserve/?year={Y}")
    assert page.status_code == 200
    text = page.content.decode()
    gap = Money(summary.total.amount("gap")).format()
    assert gap in text and summary.total.amount("gap") > 0
    # each figure links down to the list filtered to what it adds up
    assert f"/projects/?funding=unfunded&amp;year={Y}" in text
    sheet = load_workbook(
        io.BytesIO(client.get(f"/projects/reports/reserve/?year={Y}&export=xlsx").content)
    )
    last = list(sheet.active.iter_rows(values_only=True))[-1]
    assert Decimal(str(last[-1])) == Money(summary.total.amount("gap")).to_yuan()
    # the list, filtered as the gap's link says, adds up to the gap (its plan-Y column)
    listed = client.get(f"/projects/?funding=unfunded&year={Y}&size=200")
    assert gap in listed.content.decode()
    for url in ("/projects/reports/states/", "/projects/reports/rolling/"):
        assert client.get(f"{url}?year={Y}").status_code == 200
        assert client.get(f"{url}?year={Y}&export=xlsx")["Content-Type"].startswith(
            "application/vnd.openxmlformats"
        )
    assert client.get("/projects/reports/rolling/?year=abc").status_code == 422


def test_list_columns_filters_and_subtotals(client_as: Any, user: Any) -> None:
    _plans({0: 40, 1: 35, 2: 25})
    client = client_as("wj_budget")
    education = Organisation.objects.get(name="苏州市吴江区教育局")
    by_code = client.get(f"/projects/?department={education.code}&size=200&year={Y}")
    by_name = client.get(f"/projects/?department=教育局&size=200&year={Y}")
    assert by_code.status_code == by_name.status_code == 200
    rows = by_code.content.decode().count('data-testid="project-row"')
    assert rows == by_name.content.decode().count('data-testid="project-row"')
    assert rows == Project.objects.filter(organisation__path__startswith=education.path).count()
    text = by_code.content.decode()
    assert "特定目标类" in text and f"{Y + 2}" in text  # categories by name, plan columns by year
    grouped = client.get(f"/projects/?group=department&size=200&year={Y}")
    assert "小计 · 苏州市吴江区教育局" in grouped.content.decode()
    by_category = client.get("/projects/?category=特定目标类&size=200").content.decode()
    assert by_category.count('data-testid="project-row"') == min(
        200, Project.objects.filter(category="3").count()
    )
    assert client.get("/projects/?state=lost").status_code == 422
    export = load_workbook(io.BytesIO(client.get(f"/projects/?year={Y}&export=xlsx").content))
    header = [c.value for c in next(export.active.iter_rows(max_row=1))]
    assert f"{Y} 年计划（元）" in header or any(str(Y) in str(h) for h in header)


def test_another_units_projects_are_absent_from_lists_reports_and_exports(
    client_as: Any, user: Any
) -> None:
    _plans({0: 40, 1: 35, 2: 25})
    hospital = Project.objects.filter(organisation__name="吴江区第一人民医院").first()
    assert hospital is not None
    school = client_as("school_clerk")
    assert hospital.code not in school.get("/projects/?size=200").content.decode()
    assert hospital.code not in school.get("/projects/export/").content.decode(errors="ignore")
    book = load_workbook(io.BytesIO(school.get("/projects/export/").content))
    codes = {r[0] for r in book["项目"].iter_rows(min_row=2, values_only=True)}
    assert hospital.code not in codes and codes
    listed = load_workbook(io.BytesIO(school.get("/projects/?export=xlsx").content))
    assert hospital.code not in {r[0] for r in listed.active.iter_rows(values_only=True)}
    for url in ("/projects/reports/reserve/", "/projects/reports/rolling/"):
        assert "卫生健康委员会" not in school.get(url).content.decode()
    assert school.get(f"/projects/{hospital.pk}/goal-table/").status_code == 404
    assert school.get(f"/projects/{hospital.pk}/goal-table/?export=pdf").status_code == 404
    assert school.get(f"/projects/{hospital.pk}/export/").status_code == 404
    api = school.get("/api/v1/projects-library?page_size=100").json()
    assert hospital.code not in {p["code"] for p in api["items"]}
    assert school.get(f"/api/v1/projects/{hospital.pk}/goal-table").status_code == 404


def _hostile_project(user: Any) -> Project:
    clerk = user("school_clerk")
    project = project_create(
        actor=clerk,
        organisation=clerk.organisation,
        fiscal_year=2026,
        data=ProjectInput(
            name=HOSTILE_NAME,
            category="3",
            kind="new",
            start_year=2027,
            end_year=2028,
            total_amount=Money.from_yuan(200_000),
            fund_type="111",
        ),
    )
    complete_declaration(clerk, project)
    goal = PerformanceGoal.objects.get(project=project)
    goal.annual = HOSTILE_GOAL
    goal.save()
    GoalIndicator.objects.filter(goal=goal, position=1).update(name="@SUM(A1:A9)", target="1")
    return project


def test_goal_table_page_excel_and_pdf(client_as: Any, user: Any) -> None:
    project = _hostile_project(user)
    client = client_as("school_clerk")
    page = client.get(f"/projects/{project.pk}/goal-table/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;" in text
    assert "验收合格率" in text and "100,000.00" in text  # 2027's half of 200,000.00
    book = load_workbook(
        io.BytesIO(client.get(f"/projects/{project.pk}/goal-table/?export=xlsx").content)
    )
    cells = [c for row in book.active.iter_rows() for c in row if isinstance(c.value, str)]
    for cell in cells:
        if cell.value.startswith(("=", "+", "-", "@")):
            assert cell.data_type == "s" and cell.quotePrefix, cell.value  # text, not a formula
    assert any(c.value == HOSTILE_GOAL for c in cells)
    assert any(c.value == "@SUM(A1:A9)" for c in cells)
    pdf = client.get(f"/projects/{project.pk}/goal-table/?export=pdf")
    assert pdf["Content-Type"] == "application/pdf" and b"STSong-Light" in pdf.content
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    printed = reader.pages[0].extract_text()
    assert "<img src=/etc/passwd>" in printed and "项目支出绩效目标表" in printed
    assert "<script>alert(1)</script>" in printed  # literal, not markup
    api = client.get(f"/api/v1/projects/{project.pk}/goal-table").json()
    assert (api["year_total_fen"], api["year_fiscal_fen"], api["year_other_fen"]) == (
        10_000_000,
        10_000_000,
        0,
    )
    assert api["all_total_fen"] == 20_000_000 and len(api["indicators"]) == 5


def test_goal_table_funds_split_by_fund_nature(user: Any) -> None:
    from yusuan.projects.goal_table import goal_table

    project = Project.objects.filter(state="stored").first()
    assert project is not None
    ProjectPlan.objects.filter(project=project).delete()
    y = project.budget_year
    ProjectPlan.objects.create(project=project, year=y, fund_type="111", amount_fen=700)
    ProjectPlan.objects.create(project=project, year=y, fund_type="211", amount_fen=200)
    ProjectPlan.objects.create(project=project, year=y, fund_type="511", amount_fen=55)
    ProjectPlan.objects.create(project=project, year=y + 1, fund_type="411", amount_fen=45)
    table = goal_table(project)
    assert (
        table.year_funds.total_fen,
        table.year_funds.fiscal_fen,
        table.year_funds.other_fen,
    ) == (
        955,
        900,
        55,
    )
    assert (table.all_funds.total_fen, table.all_funds.other_fen) == (1000, 100)


def test_project_page_include_links_the_goal_table(user: Any) -> None:
    from django.template.loader import render_to_string

    project = Project.objects.filter(organisation__name="吴江区松陵实验小学").first()
    html = render_to_string("projects/reports/goal_table_link.html", {"project": project})
    assert f"/projects/{project.pk}/goal-table/" in html and "?export=pdf" in html


def test_api_reports(client_as: Any, user: Any) -> None:
    _plans({0: 40, 1: 35, 2: 25})
    client = client_as("wj_budget")
    reserve = client.get(f"/api/v1/projects-reports/reserve?year={Y}").json()
    expected = _expected_reserve(user("wj_budget"))
    assert reserve["total_amounts"]["gap"] == sum(e.get("gap_fen", 0) for e in expected.values())
    rolling = client.get(f"/api/v1/projects-reports/rolling?year={Y}").json()
    assert rolling["year"] == Y and rolling["rows"]
    states = client.get(f"/api/v1/projects-reports/states?year={Y}").json()
    assert states["total"]["count"] == Project.objects.filter(mof_div_code="320509").count()
    listed = client.get(f"/api/v1/projects-library?funding=unfunded&year={Y}&page_size=100").json()
    assert sum(p["plan_y0_fen"] for p in listed["items"]) == reserve["total_amounts"]["gap"]
