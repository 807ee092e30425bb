"""R-MO-14 in the browser (issue 15 item 6): a red finding is held after the school explains it and
its voucher issued only once the finance monitoring officer confirms it normal; an orange one (cash
over a threshold the officer lowered on the settings page) is sent back for 整改."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import ARTIFACTS, approve_from_inbox, login
from tests.browser.test_payments import _office_line

EXPLANATION = "教师垫付购买实验耗材，凭发票报销，已附发票和验收单"


def _enter(page: Any, base: str, code: str, *, kind: str, amount: str, cash: bool = False) -> str:
    """The school's clerk enters and submits a one-line request; its page's URL."""
    login(page, base, "school_clerk")
    page.goto(f"{base}/payments/new/")
    page.fill("input[name=purpose]", f"监控浏览器测试（{kind}）")
    page.select_option("select[name=payer_account_id]", index=1)
    if cash:
        page.select_option("select[name=settlement_mode]", "cash")
    payee = page.locator("select[name=payee_id] option", has_text=f"（{kind}）").first
    page.select_option("select[name=payee_id]", payee.get_attribute("value"))
    page.fill("input[name='lines-0-indicator_line']", code)
    page.locator("input[name='lines-0-indicator_line']").dispatch_event("change")
    page.fill("input[name='lines-0-amount']", amount)
    # The line's hint (its unit and available balance) pushes the button down when it arrives:
    # wait for it, or the click can land where the button was.
    expect(page.locator("#hint-0")).to_contain_text("可用余额")
    page.get_by_test_id("save").click()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "submitted")
    return str(page.url)


def _explain(page: Any, base: str, detail: str) -> None:
    page.context.clear_cookies()
    login(page, base, "school_clerk")
    page.goto(detail)
    expect(page.get_by_test_id("request-state")).to_have_attribute(
        "data-state", "pending_explanation"
    )
    page.fill("#id_explanation", EXPLANATION)
    page.get_by_test_id("explain").click()
    # R-MO-14: the unit's explanation does not clear red or orange; the voucher stays held.
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "pending_review")
    expect(page.get_by_test_id("voucher")).to_have_count(0)


def _open_from_queue(page: Any, base: str, number: str) -> None:
    page.context.clear_cookies()
    login(page, base, "wj_monitor")
    page.goto(f"{base}/payments/monitoring/")
    row = page.get_by_test_id("review-queue").locator("tr", has_text=number)
    row.get_by_test_id("finding-link").click()
    expect(page.get_by_test_id("finding-explanation")).to_contain_text(EXPLANATION)


def test_red_confirmed_normal_then_orange_sent_back(
    page: Any, demo_server: dict[str, Any], tmp_path: Path
) -> None:
    base = demo_server["base"]
    code, _available = _office_line(demo_server)

    # Red: office money (30201) to a person's own account, R-MO-1.
    detail = _enter(page, base, code, kind="个人", amount="300")
    number = page.locator("h1").inner_text().split(" ")[0]
    approve_from_inbox(page, base, number, ("school_reviewer", "school_approver"))
    _explain(page, base, detail)
    _open_from_queue(page, base, number)
    expect(page.get_by_test_id("finding-status")).to_have_attribute("data-status", "explained")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "monitoring-review.png"), full_page=True)
    page.get_by_test_id("decide-normal").click()
    expect(page.get_by_test_id("finding-status")).to_have_attribute("data-status", "normal")
    expect(page.get_by_test_id("finding-decision")).to_contain_text("认定正常")
    page.goto(detail)
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "voucher_issued")
    expect(page.get_by_test_id("voucher")).to_be_visible()

    # The officer lowers R-MO-2's single cash warning to 100 yuan: a new version, with history.
    page.goto(f"{base}/payments/monitoring/settings/")
    page.fill("#id_cash_single_warn", "100")
    page.fill("#id_note", "浏览器测试：收紧单笔提现预警")
    page.get_by_test_id("save-settings").click()
    expect(page.get_by_test_id("settings-history")).to_contain_text("浏览器测试：收紧单笔提现预警")
    page.screenshot(path=str(ARTIFACTS / "monitoring-settings.png"), full_page=True)

    # Orange: 300 yuan in cash to a company, over the lowered warning (R-MO-2).
    page.context.clear_cookies()
    detail = _enter(page, base, code, kind="单位", amount="300", cash=True)
    number = page.locator("h1").inner_text().split(" ")[0]
    approve_from_inbox(page, base, number, ("school_reviewer", "school_approver"))
    _explain(page, base, detail)
    _open_from_queue(page, base, number)
    page.get_by_test_id("decide-rectify").click()  # no opinion: refused, still waiting
    expect(page.locator(".messages")).to_contain_text("R-MO-14")
    page.fill("#id_note", "现金支付不符合规定，请改为转账结算后重新提交")
    page.get_by_test_id("decide-rectify").click()
    expect(page.get_by_test_id("finding-status")).to_have_attribute("data-status", "rectify")
    page.goto(detail)
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "blocked")
    page.screenshot(path=str(tmp_path / "rectify.png"), full_page=True)
