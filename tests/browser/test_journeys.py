"""A unit clerk and a finance user sign in, see their scope, and cannot reach other units."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import login

SCHOOL = "吴江区松陵实验小学"
HOSPITAL = "吴江区第一人民医院"


def test_unit_clerk_sees_only_its_unit_and_gets_404_elsewhere(
    page: Any, demo_server: dict[str, Any]
) -> None:
    base = demo_server["base"]
    login(page, base, "school_clerk")
    assert page.get_by_test_id("org").inner_text() == SCHOOL
    assert "1" in page.get_by_test_id("scope").inner_text()
    page.goto(f"{base}/core/organisations/")
    rows = page.locator("#rows tbody tr")
    assert rows.count() == 1
    assert SCHOOL in rows.first.inner_text()
    hospital_id = demo_server["org_ids"][HOSPITAL]
    response = page.goto(f"{base}/core/organisations/{hospital_id}/")
    assert response.status == 404
    assert "404" in page.content()
    api = page.goto(f"{base}/api/v1/organisations/{hospital_id}")
    assert api.status == 404
    assert json.loads(page.inner_text("body"))["errors"][0]["code"] == "not_found"


def test_finance_user_sees_the_district_and_searches(
    page: Any, demo_server: dict[str, Any]
) -> None:
    base = demo_server["base"]
    login(page, base, "wj_budget")
    assert "本区划全部单位" in page.get_by_test_id("scope").inner_text()
    page.goto(f"{base}/core/organisations/")
    page.fill("input[name=q]", "第一人民医院")
    expect(page.locator("#rows tbody tr")).to_have_count(1)  # htmx swapped the rows in
    assert HOSPITAL in page.inner_text("#rows")
    response = page.goto(f"{base}/core/organisations/{demo_server['org_ids'][HOSPITAL]}/")
    assert response.status == 200
    # the default code set runs to a second page (issue 15 added codes by kind of body): search
    page.goto(f"{base}/core/codes/?year=2026&kind=functional&q=2050203")
    assert "初中教育" in page.content()


def test_bad_input_is_outlined_beside_its_field(page: Any, demo_server: dict[str, Any]) -> None:
    base = demo_server["base"]
    login(page, base, "school_clerk")
    page.goto(f"{base}/core/payees/new/")
    page.select_option("select[name=kind]", "individual")
    page.fill("input[name=name]", "张三")
    page.fill("input[name=id_number]", "320584198013011234")
    page.fill("input[name=bank_account_no]", "6222 0212 3456 7890")
    page.fill("input[name=bank_name]", "中国工商银行苏州吴江支行")
    page.click("button[type=submit].btn")
    field = page.locator("#field-id_number")
    assert "has-error" in field.get_attribute("class")
    assert "身份证号无效" in field.inner_text()
    focused = page.evaluate("document.activeElement && document.activeElement.name")
    assert focused == "id_number"


def test_english_switch_and_no_console_errors(page: Any, demo_server: dict[str, Any]) -> None:
    base = demo_server["base"]
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    login(page, base, "wj_auditor")
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert "Master data" in page.inner_text("nav")
    page.goto(f"{base}/audit/")
    assert page.locator("table.data tbody tr").count() > 5
    assert errors == [], errors
