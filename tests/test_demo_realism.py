"""The demo a finance official would believe (DOMAIN-2 §1 C10, R-PJ-13), asserted on the tiny demo
the suite loads: functional codes by kind of body, staff lines by unit type, who is a budget unit,
project sizes and kinds, 21-character project codes, and payees that fit the economic class."""

from __future__ import annotations

import statistics
from collections import Counter
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db.models import F, Sum

import pytest

from yusuan.common.money import Money
from yusuan.core.models import Organisation
from yusuan.demo import budget, names
from yusuan.demo.stats import figures
from yusuan.identity.models import User
from yusuan.indicators.models import IndicatorLine
from yusuan.payments.models import Correction, PaymentLine, PaymentRequest
from yusuan.projects.basic_selectors import current_run
from yusuan.projects.models import BasicLine, Project
from yusuan.projects.services import ProjectInput, project_code, project_create

REGION, YEAR = "320509", 2026
pytestmark = pytest.mark.django_db


def _lines(**kw: Any) -> Any:
    return IndicatorLine.objects.filter(mof_div_code=REGION, fiscal_year=YEAR, **kw)


def _func_codes(name_part: str) -> set[str]:
    """The body's own functional codes: the employer contributions (R-PY-13) carry the social
    security and housing-fund codes of DOMAIN §3.11 instead, whatever the body."""
    return set(
        _lines(organisation__name__contains=name_part, source_type_code="01")
        .exclude(dep_bgt_eco_code__in=("30108", "30109", "30110", "30113"))
        .values_list("exp_func_code", flat=True)
    )


def test_functional_codes_follow_the_kind_of_body() -> None:
    # C10: the hospitals are 综合医院 / 中医医院, not 乡镇卫生院; kindergartens 学前, middle
    # schools 初中; the health commission itself 卫生健康管理事务.
    assert _func_codes("人民医院") == {"2100201"}
    assert _func_codes("中医医院") == {"2100202"}
    assert _func_codes("镇卫生院") == {"2100302"}
    assert _func_codes("社区卫生服务中心") == {"2100301"}
    assert _func_codes("疾病预防控制中心") == {"2100401"}
    assert _func_codes("幼儿园") == {"2050201"}
    assert _func_codes("实验小学") == {"2050202"}
    assert _func_codes("初级中学") == {"2050203"}
    assert _func_codes("高级中学") == {"2050204"}
    assert _func_codes("卫生健康委员会") == {"2100101"}
    assert _func_codes("审计局") >= {"2010801"}
    # No code carries the demo: the busiest holds well under a third of the lines, and no
    # executable line is on 2013101 (区委办): the tiny demo has no 区委办. (The 预备费 pot is
    # pending, and moves to 227 with the sources of R-IN-7.)
    data = figures(mof_div_code=REGION, year=YEAR)
    assert data.top_functional[0][1] * 3 < data.lines
    assert not _lines(exp_func_code="2013101", kind="executable").exists()


def test_every_body_of_the_district_table_has_a_code_of_its_own_kind() -> None:
    """The whole district table (not only the tiny demo): every department and unit template
    resolves to a code in the default code set, and units do not fall back to their department."""
    import csv
    from importlib import resources

    text = resources.files("yusuan.core.data").joinpath("default_codes.csv").read_text("utf-8")
    known = {r["code"] for r in csv.DictReader(text.splitlines()) if r["kind"] == "functional"}
    for department, _type, _sector, templates in names.DEPARTMENTS:
        department_code = names.functional_code(department)
        assert department_code in known, department
        for template, _unit_type, _count in templates:
            unit = template.format(town="松陵")
            code = names.functional_code(unit, department)
            assert code in known, unit
            assert code != department_code, unit
    assert names.functional_code("苏州市吴江区商务局") == "2011301"
    assert names.functional_code("政协苏州市吴江区委员会办公室") == "2010201"
    assert names.functional_code("中共苏州市吴江区委员会办公室") == "2013101"


def test_outposted_offices_and_town_bodies_are_not_district_budget_units() -> None:
    outposts = ("派出所", "司法所", "市场监管所", "城管中队", "财政所")
    town_bodies = ("敬老院", "农业服务中心", "水利站", "人力资源和社会保障所")
    templates = [t for d in names.DEPARTMENTS for t, _, _ in d[3]]
    for word in outposts + town_bodies:
        assert not [t for t in templates if word in t], word
        assert not Organisation.objects.filter(name__contains=word).exists(), word


def test_staff_lines_follow_the_unit_type() -> None:
    salary = _lines(dep_bgt_eco_code__startswith="301", source_type_code="01")
    # 自收自支 (33): no 财政拨款 for staff, and no 公用经费 either.
    assert not salary.filter(organisation__agency_type="33").exists()
    # 行政 (1) and 参公 (2): 津贴补贴 and 奖金, never 绩效工资.
    administrative = salary.filter(organisation__agency_type__in=("1", "2"))
    assert not administrative.filter(dep_bgt_eco_code="30107").exists()
    assert {"30101", "30102", "30103"} <= set(
        administrative.values_list("dep_bgt_eco_code", flat=True)
    )
    # 全额事业 (31): 绩效工资, no 津贴补贴 or 奖金.
    full = salary.filter(organisation__agency_type="31")
    assert full.filter(dep_bgt_eco_code="30107").exists()
    assert not full.filter(dep_bgt_eco_code__in=("30102", "30103")).exists()
    # 差额 (32, hospitals): only part of the basic pay.
    # (The employer contributions, R-PY-13, are budgeted on the funded wages.)
    partial = salary.filter(organisation__agency_type="32").exclude(
        dep_bgt_eco_code__in=("30108", "30109", "30110", "30112", "30113")
    )
    assert set(partial.values_list("dep_bgt_eco_code", flat=True)) == {"30101"}
    assert set(partial.values_list("summary", flat=True)) == {"基本工资（差额补助）"}
    hospital = partial.get(organisation__name="吴江区第一人民医院")
    heads_at_full_pay = hospital.total // (budget.BASIC_PAY * 100)
    assert heads_at_full_pay < 900 * budget.PARTIAL_SHARE[1] + 1  # partial, not the whole bill


def test_each_agency_has_one_line_per_economic_class() -> None:
    """One 30201 line per unit, … (the demo's payments and the school's tests rely on it)."""
    per = Counter(
        _lines(kind="executable", source_type_code="01").values_list(
            "organisation_id", "dep_bgt_eco_code"
        )
    )
    assert max(per.values()) == 1


def test_project_totals_are_realistic() -> None:
    projects = Project.objects.filter(mof_div_code=REGION)
    # One-year 人员类/公用经费 projects: the total is the year's amount.
    for project in projects.filter(category__in=("1", "21"), start_year=YEAR):
        year_amount = _lines(project=project).aggregate(s=Sum("total"))["s"]
        assert project.start_year == project.end_year == YEAR
        assert project.total_amount_fen == year_amount, project.name
    # Next year's are computed by quota from the snapshot (R-PJ-5): the run's figure of the unit,
    # stored in the library, no line yet.
    run = current_run(mof_div_code=REGION, fiscal_year=YEAR + 1)
    assert run is not None
    sums = (
        BasicLine.objects.filter(run=run)
        .values("organisation_id", "category")
        .annotate(s=Sum("amount_fen"))
    )
    figures_of = {(r["organisation_id"], r["category"]): r["s"] for r in sums}
    computed = projects.filter(category__in=("1", "21"), start_year=YEAR + 1)
    assert computed.count() == 2 * run.units == len(figures_of)
    for project in computed:
        assert (project.end_year, project.state) == (YEAR + 1, "stored")
        key = (project.organisation_id, project.category)
        assert project.total_amount_fen == figures_of[key] > 0, project.name
    assert not projects.filter(category__in=("1", "21"), start_year__gt=YEAR + 1).exists()
    # 特定目标类/其他运转类: skewed sizes, mostly below a million, a few large, never 1亿 each.
    special = [p.total_amount_fen for p in projects.filter(category__in=("22", "3"))]
    assert len(set(special)) > 0.9 * len(special)
    assert statistics.median(special) < 1_000_000_00
    assert max(special) > 3 * statistics.median(special)
    assert special.count(100_000_000_00) == 0
    # The library has multi-year, carried-over (结转) and unfunded (储备) projects.
    assert projects.filter(end_year__gt=F("start_year")).exists()
    carried = projects.filter(kind="carried")
    assert carried.exists() and all(
        _lines(project=p, source_type_code="02").exists() for p in carried
    )
    stored = projects.filter(state="stored")
    assert stored.exists() and not _lines(project__in=stored).exists()
    assert all(p.start_year > YEAR for p in stored)
    continuing = projects.filter(kind="continuing", category="3", start_year=YEAR - 1)
    assert all(
        p.total_amount_fen > _lines(project=p).aggregate(s=Sum("total"))["s"] for p in continuing
    )


def test_project_codes_have_21_characters_and_old_codes_stay() -> None:
    """R-PJ-13: region + year + 13-digit sequence; a code issued in the old 14-character
    format is kept, and the next code issued does not collide with it."""
    codes = list(Project.objects.filter(mof_div_code=REGION).values_list("code", "fiscal_year"))
    assert codes and all(
        len(code) == 21 and code.startswith(f"{REGION}{year % 100:02d}") for code, year in codes
    )
    assert project_code("320509", 2026, 17) == "320509260000000000017"
    school_clerk = User.objects.get(username="school_clerk")
    old = Project.objects.filter(organisation=school_clerk.organisation).first()
    assert old is not None
    Project.objects.filter(pk=old.pk).update(code="32050926000001")  # as issued before issue 15
    made = project_create(
        actor=school_clerk,
        organisation=school_clerk.organisation,
        fiscal_year=YEAR,
        data=ProjectInput(
            name="新格式编码项目",
            category="3",
            kind="new",
            start_year=YEAR + 1,
            end_year=YEAR + 1,
            total_amount=Money(180_000_00),
            fund_type="111",
        ),
    )
    assert len(made.code) == 21 and made.code.startswith("32050926")
    assert Project.objects.get(pk=old.pk).code == "32050926000001"


def test_payees_fit_the_economic_class() -> None:
    paid = PaymentLine.objects.filter(request__mof_div_code=REGION)
    travel = paid.filter(dep_bgt_eco_code="30211")
    assert travel.exists()
    # 差旅费: the traveller's 公务卡 repayment, never a company.
    assert set(travel.values_list("payee_kind", flat=True)) == {"individual"}
    assert set(travel.values_list("request__business_type", flat=True)) == {"card_repayment"}
    assert not paid.filter(dep_bgt_eco_code="30211", payee_name__contains="公司").exists()
    office = set(
        paid.filter(dep_bgt_eco_code="30201", payee_kind="organisation").values_list(
            "payee_name", flat=True
        )
    )
    assert office and all("办公用品" in n or "印务" in n or "小学" in n for n in office)
    repairs = set(paid.filter(dep_bgt_eco_code="30213").values_list("payee_name", flat=True))
    assert repairs and all("建筑工程" in n or "电气安装" in n for n in repairs)
    # 提取备用金: a cash cheque to the school itself.
    cash = PaymentRequest.objects.get(mof_div_code=REGION, settlement_mode="cash")
    assert {line.payee_name for line in cash.lines.all()} == {cash.organisation.name}


def test_the_correction_moves_training_materials_to_the_training_line() -> None:
    # The demo pays office supplies from its as-of day on, so even at clock 1 January there is one.
    correction = Correction.objects.get(mof_div_code=REGION)
    assert correction.to_line.dep_bgt_eco_code == "30216"  # 培训费, not 30211 差旅费
    assert correction.from_line.dep_bgt_eco_code == "30201"
    assert "培训费" in correction.reason


def test_demo_stats_command_prints_the_figures() -> None:
    out = StringIO()
    call_command("demo_stats", stdout=out)
    printed = out.getvalue()
    assert "Top 10 functional codes by line count:" in printed
    assert "2050202" in printed and "median" in printed
