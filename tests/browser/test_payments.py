"""A payment request from entry to the paid state (issue 5): one line over the available amount
is refused with that line highlighted and the figures; fixed, submitted, approved from the inbox,
sent to the bank by the treasury and settled by the bank's pain.002 report."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import approve_from_inbox, login, paid_by_bank


def _office_line(demo_server: dict[str, Any]) -> tuple[str, int]:
    path = demo_server["base_var_dir"] / "yusuan.sqlite3"
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    row = database.execute(
        "SELECT l.code, l.available FROM indicators_indicatorline l "
        "JOIN identity_user u ON u.organisation_id = l.organisation_id "
        "WHERE u.username = 'school_clerk' AND l.source_type_code = '01' "
        "AND l.dep_bgt_eco_code = '30201'"
    ).fetchone()
    database.close()
    return row[0], row[1]


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def test_payment_from_entry_to_paid(page: Any, demo_server: dict[str, Any], tmp_path: Path) -> None:
    base = demo_server["base"]
    code, available = _office_line(demo_server)
    login(page, base, "school_clerk")
    page.goto(f"{base}/payments/new/")
    page.fill("input[name=purpose]", "购买教学用品（浏览器测试）")
    page.select_option("select[name=payer_account_id]", index=1)
    # A supplier: not the school's own account (that is money back to the unit, R-MO-3).
    company = (
        page.locator("select[name=payee_id] option", has_text="（单位）")
        .filter(has_not_text="松陵实验小学")
        .first
    )
    page.select_option("select[name=payee_id]", company.get_attribute("value"))
    for row, amount in ((0, "300"), (1, _yuan(available).replace(",", ""))):
        page.fill(f"input[name='lines-{row}-indicator_line']", code)
        page.locator(f"input[name='lines-{row}-indicator_line']").dispatch_event("change")
        page.fill(f"input[name='lines-{row}-amount']", amount)
    expect(page.locator("#hint-0")).to_contain_text(_yuan(available))
    expect(page.locator("#hint-1")).to_contain_text(_yuan(available))  # both in place: no shift
    page.get_by_test_id("save").click()

    # Both rows together need 300 yuan more than the line has: row 2 is outlined with the figures.
    cell = page.locator("tr[data-row='1'] td[data-field=amount]")
    expect(cell).to_have_class(re.compile("has-error"))
    expect(cell).to_contain_text(code)
    expect(cell).to_contain_text(_yuan(available))
    expect(cell).to_contain_text("R-PY-1")
    page.screenshot(path=str(tmp_path / "refused.png"))

    page.fill("input[name='lines-1-amount']", "200")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "draft")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "submitted")
    number = page.locator("h1").inner_text().split(" ")[0]
    detail = page.url

    approve_from_inbox(page, base, number, ("school_reviewer", "school_approver"))

    sent = paid_by_bank(page, base, detail, tmp_path, lines=2)
    assert "2" in sent

    page.context.clear_cookies()
    login(page, base, "school_clerk")
    page.goto(detail)
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "paid")
    page.get_by_test_id("voucher").click()
    expect(page.get_by_test_id("in-words")).to_have_text("人民币伍佰元整")
