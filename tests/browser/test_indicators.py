"""An adjustment from entry through approval to the ledger; an over-large one is refused with
the row and the available amount highlighted in place (issue 4, P7, R-AJ-4)."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import approve_from_inbox, login


def _school_lines(demo_server: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """The school's 年初 lines by economic class: code and available fen, read from the demo."""
    path = demo_server["base_var_dir"] / "yusuan.sqlite3" if "base_var_dir" in demo_server else None
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True) if path else None
    assert database is not None
    rows = database.execute(
        "SELECT l.dep_bgt_eco_code, l.code, l.available FROM indicators_indicatorline l "
        "JOIN identity_user u ON u.organisation_id = l.organisation_id "
        "WHERE u.username = 'school_clerk' AND l.source_type_code = '01'"
    ).fetchall()
    database.close()
    return {eco: (code, available) for eco, code, available in rows}


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def test_adjustment_from_entry_to_ledger(page: Any, demo_server: dict[str, Any]) -> None:
    base = demo_server["base"]
    lines = _school_lines(demo_server)
    office_code, office_available = lines["30201"]
    repair_code, repair_available = lines["30213"]
    login(page, base, "school_clerk")
    page.goto(f"{base}/indicators/documents/new/adjust/")
    page.fill("input[name=title]", "办公费调剂至维修费（浏览器测试）")
    page.select_option("select[name=subtype]", "economic_class")
    page.fill("input[name='lines-0-source']", office_code)
    page.locator("input[name='lines-0-source']").dispatch_event("change")
    # The available amount appears beside the picked line, live.
    expect(page.locator("#hint-0-source")).to_contain_text(_yuan(office_available))
    page.fill("input[name='lines-0-target']", repair_code)
    page.locator("input[name='lines-0-target']").dispatch_event("change")
    too_much = office_available + 100_000_00
    page.fill("input[name='lines-0-amount']", _yuan(too_much).replace(",", ""))
    # The approval path the adjustment will take, before it is saved.
    expect(page.get_by_test_id("route")).to_contain_text("主管部门")
    page.get_by_test_id("save").click()

    # Refused: the row's amount is outlined and the message names the line and both figures.
    cell = page.locator("tr[data-row='0'] td[data-field=amount]")
    expect(cell).to_have_class(re.compile("has-error"))
    expect(cell).to_contain_text(office_code)
    expect(cell).to_contain_text(_yuan(office_available))
    expect(cell).to_contain_text("R-AJ-4")

    page.fill("input[name='lines-0-amount']", "1500")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("document-state")).to_have_attribute("data-state", "draft")
    expect(page.get_by_test_id("route")).to_contain_text("单位审核")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("document-state")).to_have_attribute("data-state", "submitted")
    number = page.locator("h1").inner_text().split(" ")[0]

    approve_from_inbox(page, base, number, ("school_approver", "edu_approver"))

    page.context.clear_cookies()
    login(page, base, "school_clerk")
    page.goto(f"{base}/indicators/ledger/?doc_no=&project=")
    row = page.locator(f"tr[data-key='{repair_code}']")
    expect(row).to_contain_text(_yuan(repair_available + 1500_00))
    row.get_by_role("link", name=repair_code).click()
    expect(page.get_by_test_id("available")).to_have_text(_yuan(repair_available + 1500_00))
    expect(page.get_by_test_id("movements")).to_contain_text(number)
