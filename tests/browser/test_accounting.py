"""The books in the browser (issue 19): a payment the bank paid waits as a draft voucher; the
会计主管 ticks it in the voucher grid and reviews it, the accountant posts it; the trial balance
shows it under 6001, whose ledger leads to the voucher and up to the payment, whose page links
back to its vouchers. A manual voucher with a mistyped amount is outlined beside that field."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import login


def _waiting_voucher(demo_server: dict[str, Any]) -> tuple[int, str, int]:
    """A draft voucher of the school from a payment (its id, its payment's number and id)."""
    path = demo_server["base_var_dir"] / "yusuan.sqlite3"
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    row = database.execute(
        "SELECT v.id, v.source_number, v.source_id FROM accounting_voucher v "
        "JOIN accounting_book b ON b.id = v.book_id "
        "JOIN identity_user u ON u.organisation_id = b.organisation_id "
        "WHERE u.username = 'school_accountant' AND v.state = 'draft' AND v.problem = '' "
        "AND v.source_type = 'payments.request' ORDER BY v.id LIMIT 1"
    ).fetchone()
    database.close()
    assert row is not None, "the demo's school has no paid payment waiting in its books"
    return int(row[0]), str(row[1]), int(row[2])


def test_review_post_and_drill_from_the_trial_balance_to_the_payment(
    page: Any, demo_server: dict[str, Any], tmp_path: Path
) -> None:
    base = demo_server["base"]
    voucher_id, number, request_id = _waiting_voucher(demo_server)

    login(page, base, "school_chief_accountant")
    page.goto(f"{base}/accounting/vouchers/?state=draft&q={number}")
    page.get_by_test_id(f"pick-{voucher_id}").check()
    page.get_by_test_id("batch-review").click()
    expect(page.locator(".messages")).to_contain_text(f"草稿-{voucher_id}")
    page.screenshot(path=str(tmp_path / "reviewed.png"), full_page=True)

    page.context.clear_cookies()
    login(page, base, "school_accountant")
    page.goto(f"{base}/accounting/vouchers/{voucher_id}/")
    page.get_by_test_id("post").click()
    expect(page.get_by_test_id("voucher-state")).to_have_text("已记账")
    label = re.search(r"记-\d{2}-\d{4}", page.locator("h1").inner_text())
    assert label is not None
    month = int(label[0][2:4])

    page.goto(f"{base}/accounting/")
    page.get_by_role("link", name="科目余额表").first.click()
    page.select_option("select[name=month]", str(month))
    page.get_by_role("button", name="显示").click()
    expect(page.get_by_test_id("tb-check")).to_contain_text("平衡")
    page.screenshot(path=str(tmp_path / "trial-balance.png"), full_page=True)
    page.locator("tr[data-account='6001'] a").click()
    expect(page.get_by_test_id("ledger")).to_contain_text(label[0])
    page.get_by_test_id("ledger").get_by_role("link", name=label[0]).first.click()
    expect(page.get_by_test_id("voucher-source")).to_contain_text(number)
    page.get_by_test_id("voucher-source").get_by_role("link").click()
    expect(page).to_have_url(f"{base}/payments/{request_id}/")
    expect(page.get_by_test_id("records")).to_contain_text(label[0])


def test_a_mistyped_amount_is_outlined_beside_its_field(
    page: Any, demo_server: dict[str, Any]
) -> None:
    base = demo_server["base"]
    login(page, base, "school_accountant")
    page.goto(f"{base}/accounting/vouchers/new/")
    page.fill("[name=summary]", "零星收入")
    page.fill("[name=lines-0-account_code]", "1002")
    page.fill("[name=lines-0-debit]", "120.50")
    page.fill("[name=lines-1-account_code]", "4609")
    page.fill("[name=lines-1-credit]", "12O.50")  # a letter O for a zero
    page.get_by_test_id("save").click()
    cell = page.locator("tr[data-row='1'] td:has(input[name='lines-1-credit'])")
    expect(cell).to_have_class(re.compile("has-error"))
    expect(cell).to_contain_text("12O.50")
    page.fill("[name=lines-1-credit]", "120.50")
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("voucher-state")).to_have_text("草稿")
    expect(page.get_by_test_id("lines-fa")).to_contain_text("4609")


def test_statements_checks_exports_and_a_months_depreciation(
    page: Any, demo_server: dict[str, Any], tmp_path: Path
) -> None:
    """The accountant opens 会计报表 from the books: every check passes, the 资产负债表 balances,
    each statement downloads as Excel and PDF; the month's depreciation waits as a draft from
    the asset cards, and running it again is refused with the voucher's name."""
    base = demo_server["base"]
    login(page, base, "school_accountant")
    page.goto(f"{base}/accounting/")
    page.get_by_role("link", name="会计报表").first.click()
    expect(page.get_by_test_id("checks-pass")).to_contain_text("校验通过")
    page.get_by_role("link", name="资产负债表").click()
    expect(page.locator("h1")).to_have_text("会政财01表 资产负债表")
    total = page.locator("tr[data-row=assets_total] td.num").first.inner_text()
    other = page.locator("tr[data-row=liabilities_and_net_assets] td.num").first.inner_text()
    assert total == other and total != "0.00"
    page.screenshot(path=str(tmp_path / "balance-sheet.png"), full_page=True)
    with page.expect_download() as sheet:
        page.get_by_test_id("export").click()
    assert sheet.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as pdf:
        page.get_by_test_id("export-pdf").click()
    assert pdf.value.suggested_filename.endswith(".pdf")
    page.goto(f"{base}/accounting/assets/")
    expect(page.get_by_test_id("assets")).to_contain_text("GZ-2024-001")
    page.goto(f"{base}/accounting/")
    page.get_by_role("link", name="会计期间").first.click()
    open_months = page.locator("[data-testid^=depreciate-]")
    first = open_months.first.get_attribute("data-testid")
    assert first is not None
    page.get_by_test_id(first).click()
    expect(page.locator(".messages")).to_contain_text("R-AC-7")  # the month's run is done
