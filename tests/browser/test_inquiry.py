"""An inquiry (问询单) in the browser, from finding to 销号 (issue 22, done-when 3): the finance
monitoring officer tunes a rule, runs the after-the-fact scan, opens the school's finding and
issues an inquiry; the school verifies; finance finds a breach and asks for rectification; the
school reports it; finance closes the inquiry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import ARTIFACTS, login

SCHOOL = "吴江区松陵实验小学"


def _as(page: Any, base: str, username: str, url: str) -> None:
    page.context.clear_cookies()
    login(page, base, username)
    page.goto(url)


def _state(page: Any, state: str) -> None:
    expect(page.get_by_test_id("inquiry-state")).to_have_attribute("data-state", state)


def test_an_inquiry_from_finding_to_closing(
    page: Any, demo_server: dict[str, Any], tmp_path: Path
) -> None:
    base = demo_server["base"]
    # The officer makes R-MO-15 (year-end surge) catch any unit that paid this year.
    _as(page, base, "wj_monitor", f"{base}/payments/monitoring/settings/")
    page.fill("#id_param_R-MO-15_from_day", "01-01")
    page.fill("#id_param_R-MO-15_share", "1")
    page.fill("#id_param_R-MO-15_min_paid", "0.00")
    page.fill("#id_note", "浏览器测试：演示事后监控")
    page.get_by_test_id("save-settings").click()
    expect(page.get_by_test_id("settings-history")).to_contain_text("R-MO-15")

    page.goto(f"{base}/payments/monitoring/findings/")
    page.get_by_test_id("scan-now").click()
    page.goto(f"{base}/payments/monitoring/findings/?rule=R-MO-15&unit={SCHOOL}")
    found = page.locator("tbody a[href*='/monitoring/findings/']")
    expect(found.first).to_be_visible()
    found.first.click()
    expect(page.locator("h1")).to_contain_text("R-MO-15")
    page.fill("#id_question", "本年支付进度异常集中，请核实原因并提供合同、验收等依据。")
    page.get_by_test_id("inquiry-issue-send").click()
    _state(page, "issued")
    inquiry = page.url

    # The school verifies.
    _as(page, base, "school_clerk", inquiry)
    page.fill("#id_text", "集中支付系教学设备按合同分期付款，附合同及验收单。")
    page.get_by_test_id("inquiry-send").click()
    _state(page, "verifying")

    # Finance: a breach, to be rectified by a date.
    _as(page, base, "wj_monitor", inquiry)
    page.fill("#id_note", "依据不足，须调整支付计划并完善审批流程。")
    page.get_by_test_id("decide-rectify").click()
    _state(page, "rectifying")

    # The school reports its rectification; finance closes the inquiry (销号).
    _as(page, base, "school_clerk", inquiry)
    page.fill("#id_text", "已调整支付计划，按月均衡支付，并完善内部审批流程。")
    page.get_by_test_id("inquiry-send").click()
    _state(page, "rectify_review")
    _as(page, base, "wj_monitor", inquiry)
    page.get_by_test_id("decide-close").click()
    _state(page, "closed")
    expect(page.get_by_test_id("inquiry-findings")).to_contain_text("R-MO-15")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "monitoring-inquiry.png"), full_page=True)
