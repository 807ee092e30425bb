"""Pages and API of basic expenditure by quota (R-PJ-5, R-PJ-8, R-PS-6): the budget division
computes and overrides; a unit reads its own 测算表 (page, drill-down, Excel, PDF) and gets a 404
for another unit's; ID numbers are masked for a clerk; a hostile unit name prints as text."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.test import Client

import openpyxl
import pytest
from tests.test_api_csrf import csrf_session
from tests.test_basic_expenditure import WJ, YEAR, _make_unit

from yusuan.core.models import Organisation
from yusuan.projects.basic_selectors import person_rows
from yusuan.projects.models import BasicOverride, BasicRun, Project
from yusuan.projects.services.basic import basic_compute

CAPS = ("base.medical_cap_pct", "base.housing_cap_pct")

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(user: Callable[[str], Any], org: Callable[[str], Any]) -> Any:
    made = _make_unit(user, org)
    basic_compute(actor=user("wj_budget"), mof_div_code=WJ, fiscal_year=YEAR)
    return made


def test_the_budget_division_computes_from_the_page(
    user: Callable[[str], Any], org: Callable[[str], Any], client_as: Callable[[str], Client]
) -> None:
    _make_unit(user, org)
    budget = client_as("wj_budget")
    page = budget.get(f"/projects/basic/?year={YEAR + 1}")
    assert page.status_code == 200 and 'data-testid="basic-none"' in page.text
    # The demo computed the year when it loaded; the new unit is not in that version.
    page = budget.get(f"/projects/basic/?year={YEAR}")
    assert 'data-testid="basic-run"' in page.text and "基本支出测试所" not in page.text
    assert 'data-testid="basic-run-changes"' not in page.text  # the first version: no "changes"
    done = budget.post("/projects/basic/compute/", {"year": YEAR})
    assert done.status_code == 302
    assert BasicRun.objects.filter(mof_div_code=WJ, fiscal_year=YEAR).count() == 2
    page = budget.get(f"/projects/basic/?year={YEAR}")
    assert "基本支出测试所" in page.text and 'data-testid="basic-run"' in page.text
    changes = page.text.split('data-testid="basic-run-changes"', 1)[1].split("</details>", 1)[0]
    assert "基本支出测试所" in changes  # the second version lists what moved: the new unit
    sheet = budget.get(f"/projects/basic/?year={YEAR}&export=xlsx")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)
    )
    assert any("基本支出测试所" in str(r) for r in rows)
    # A unit clerk has no compute permission.
    assert (
        client_as("school_clerk").post("/projects/basic/compute/", {"year": YEAR}).status_code
        == 403
    )


def test_a_unit_reads_its_own_tables_and_not_another(
    unit: Any, client_as: Callable[[str], Client]
) -> None:
    clerk = client_as("basic_clerk")
    page = clerk.get(f"/projects/basic/{unit.pk}/?year={YEAR}")
    assert page.status_code == 200
    assert "405,664.64" in page.text  # 人员类 computed, 40,566,464 fen
    assert "84,060.00" in page.text  # 公用经费
    assert "basic-override-form" not in page.text  # units cannot change the figures
    assert (
        client_as("school_clerk").get(f"/projects/basic/{unit.pk}/?year={YEAR}").status_code == 404
    )
    assert (
        client_as("school_clerk").get(f"/projects/basic/{unit.pk}/people/?year={YEAR}").status_code
        == 404
    )
    sheet = clerk.get(f"/projects/basic/{unit.pk}/?year={YEAR}&export=xlsx")
    rows = list(
        openpyxl.load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True)
    )
    assert rows[0][:3] == ("单位", "人员类别", "人数")
    assert any(r[3] == "30108 机关事业单位基本养老保险缴费" for r in rows[1:])


def test_the_drill_down_masks_id_numbers_for_a_clerk(
    unit: Any, client_as: Callable[[str], Client]
) -> None:
    from tests.personnel_helpers import id_number

    page = client_as("basic_clerk").get(f"/projects/basic/{unit.pk}/people/?year={YEAR}")
    assert page.status_code == 200
    assert "张公务" in page.text and "王退休" in page.text
    assert id_number(401) not in page.text and id_number(401)[-4:] in page.text
    whole = client_as("wj_personnel").get(f"/projects/basic/{unit.pk}/people/?year={YEAR}")
    assert whole.status_code in (200, 403)  # the officer may hold no project view
    assert page.text.count('data-testid="basic-person-row"') >= 10


def test_the_pdf_prints_a_hostile_name_as_text(
    unit: Any, client_as: Callable[[str], Client]
) -> None:
    Organisation.objects.filter(pk=unit.pk).update(
        name="<img src='/etc/passwd'/><font size=80>所</font>"
    )
    answer = client_as("basic_clerk").get(f"/projects/basic/{unit.pk}/?year={YEAR}&export=pdf")
    assert answer.status_code == 200
    assert answer.content.startswith(b"%PDF")


def test_finance_overrides_on_the_page_and_a_clerk_cannot(
    unit: Any, client_as: Callable[[str], Client]
) -> None:
    url = f"/projects/basic/{unit.pk}/override/"
    body = {"year": YEAR, "category": "21", "amount": "90,000.00", "reason": "新增公车"}
    assert client_as("basic_clerk").post(url, body).status_code == 403
    assert client_as("wj_budget").post(url, body).status_code == 302
    override = BasicOverride.objects.get(organisation=unit)
    assert (override.amount_fen, override.computed_fen) == (9_000_000, 8_406_000)
    project = Project.objects.get(organisation=unit, fiscal_year=YEAR, category="21")
    assert project.total_amount_fen == 9_000_000
    page = client_as("basic_clerk").get(f"/projects/basic/{unit.pk}/?year={YEAR}")
    assert 'data-testid="basic-override-21"' in page.text and "新增公车" in page.text
    assert "84,060.00" in page.text  # the computed figure stays beside it


def test_api_reads_in_scope_computes_idempotently_and_overrides(
    unit: Any, user: Callable[[str], Any]
) -> None:
    clerk, _csrf = csrf_session(user("basic_clerk"))
    found = clerk.get(f"/api/v1/projects-basic/{unit.pk}?fiscal_year={YEAR}").json()
    figures = {f["category"]: f for f in found["figures"]}
    assert figures["1"]["computed_fen"] == 40_566_464 and figures["1"]["override_fen"] is None
    assert sum(x["amount_fen"] for x in found["lines"] if x["category"] == "21") == 8_406_000
    listed = clerk.get(f"/api/v1/projects-basic?fiscal_year={YEAR}").json()["items"]
    assert [r["organisation_id"] for r in listed] == [unit.pk]  # the clerk's own unit only
    other, _ = csrf_session(user("school_clerk"))
    assert other.get(f"/api/v1/projects-basic/{unit.pk}?fiscal_year={YEAR}").status_code == 404
    budget, csrf = csrf_session(user("wj_budget"))
    headers = {"HTTP_X_CSRFTOKEN": csrf}
    again = budget.post(
        "/api/v1/projects-basic",
        {"fiscal_year": YEAR},
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 200 and again.json()["new_version"] is False
    made = budget.post(
        f"/api/v1/projects-basic/{unit.pk}/override",
        {"fiscal_year": YEAR, "category": "1", "amount": "410,000.00", "reason": "按全年计列"},
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 200, made.content
    assert (made.json()["amount_fen"], made.json()["computed_fen"]) == (41_000_000, 40_566_464)
    refused = budget.post(
        f"/api/v1/projects-basic/{unit.pk}/override",
        {"fiscal_year": YEAR, "category": "1", "amount": "1.00", "reason": ""},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 422
    assert "projects.basic_override_reason" in refused.text


def test_an_absurd_override_is_refused_naming_the_value_and_the_limit(
    unit: Any, client_as: Callable[[str], Client]
) -> None:
    url = f"/projects/basic/{unit.pk}/override/"
    budget = client_as("wj_budget")
    shown = []
    for amount in ("99999999999999999999", "-5", "1e6"):
        body = {"year": YEAR, "category": "21", "amount": amount, "reason": "测试"}
        answer = budget.post(url, body, follow=True)
        [message] = [str(m) for m in answer.context["messages"]]
        shown.append(message)
    assert not BasicOverride.objects.filter(organisation=unit).exists()
    assert shown == [
        "金额“99999999999999999999”超过上限 999,999,999,999.99 元",
        "金额“-5”不能为负数",
        "金额“1e6”不能使用科学计数法",
    ]


def test_a_run_saved_before_the_base_caps_still_shows_its_people(
    unit: Any, user: Callable[[str], Any]
) -> None:
    """Runs keep the standards they were computed with (append-only); one from before the
    medical and housing-fund caps has no such keys, and its per-person rows read them as "not
    capped" — what it was computed with."""
    run = BasicRun.objects.filter(mof_div_code=WJ, fiscal_year=YEAR).order_by("-version").first()
    assert run is not None and "base.medical_cap_pct" in run.standards
    now = person_rows(actor=user("basic_clerk"), organisation=unit, run=run)
    run.standards = {
        k: v for k, v in run.standards.items() if k not in CAPS
    }  # as saved before the caps, never written back
    before = person_rows(actor=user("basic_clerk"), organisation=unit, run=run)
    assert [r for r, _ in before] == [r for r, _ in now] and before
    assert [sum(a.amount for a in amounts) for _, amounts in before] == [
        sum(a.amount for a in amounts) for _, amounts in now
    ]  # the default standards set no caps, so the figures agree
