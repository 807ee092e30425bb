"""Issue 18's journey in the browser: 教育局's school from 一上 to indicators. The school's 二上
over its department's control number is refused naming the department, the fund type and the
figures (R-BP-1); after the 批复 and the one click (R-BP-12) the school's clerk opens a new
indicator whose trace names its budget line, its figures stage by stage, the 批复 and the
people's-congress approval."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import ARTIFACTS, approve_from_inbox, login

CHAIN = ("school_approver", "edu_approver", "wj_sector_edu", "wj_performance", "wj_budget")


def _yuan(text: str) -> Decimal:
    return Decimal(text.strip().replace(",", "") or "0")


def _as_clerk(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    login(page, base, username)


def test_school_from_apply_1_to_indicators_with_the_trace(
    page: Any, demo_server: dict[str, Any]
) -> None:
    base = demo_server["base"]
    login(page, base, "school_clerk")
    page.goto(f"{base}/budgeting/")
    form = page.get_by_test_id("draft-start")
    form.locator("select[name=stage]").select_option("apply_1")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("draft-state")).to_have_text("草稿")
    first_url = page.url
    number = re.search(r"BZ\d{10}", page.locator("dl.facts").inner_text()).group(0)  # type: ignore[union-attr]
    assert page.get_by_test_id("expenditure").locator("tbody tr").count() > 3
    # 财政拨款收入 is derived from the spending: the draft balances (R-BP-2).
    assert (
        page.get_by_test_id("total-revenue").inner_text()
        == page.get_by_test_id("total-expenditure").inner_text()
    )
    page.get_by_test_id("draft-submit").click()
    expect(page.get_by_test_id("draft-state")).to_have_text("审核中")
    approve_from_inbox(page, base, number, CHAIN)
    page.goto(first_url)
    expect(page.get_by_test_id("draft-state")).to_have_text("已通过")

    # 一下: the budget division sets 教育局's control numbers, fills them in rank order; the
    # chief issues them.
    _as_clerk(page, base, "wj_budget")
    page.goto(f"{base}/budgeting/")
    page.get_by_test_id("progress").get_by_role("row", name=re.compile("教育局")).get_by_role(
        "link"
    ).last.click()
    control_url = page.url
    rows = page.get_by_test_id("control-numbers").locator("tbody tr")
    basic = _yuan(rows.nth(0).locator("td").nth(2).inner_text())
    project = _yuan(rows.nth(1).locator("td").nth(2).inner_text())
    page.get_by_test_id("n-111-basic").fill(f"{basic}")
    page.get_by_test_id("n-111-project").fill(f"{(project / 2):.2f}")
    page.get_by_test_id("control-fill").click()
    expect(page.locator(".messages")).to_contain_text("控制数已保存")
    _as_clerk(page, base, "wj_budget_chief")
    page.goto(control_url)
    page.get_by_test_id("control-issue").click()
    expect(page.get_by_test_id("control-state")).to_have_text("已下达")

    # 二上: the clerk asks for more than the control number allows; refused, named.
    _as_clerk(page, base, "school_clerk")
    page.goto(f"{base}/budgeting/")
    form = page.get_by_test_id("draft-start")
    form.locator("select[name=stage]").select_option("apply_2")
    form.locator("button[type=submit]").click()
    second_url = page.url
    number = re.search(r"BZ\d{10}", page.locator("dl.facts").inner_text()).group(0)  # type: ignore[union-attr]
    line = (
        page.get_by_test_id("expenditure")
        .locator("tbody tr", has=page.get_by_role("link", name="编辑"))
        .last
    )
    line.get_by_role("link", name="编辑").click()
    before = page.get_by_test_id("line-amount").input_value()
    page.get_by_test_id("line-amount").fill(f"{_yuan(before) + Decimal('50000'):.2f}")
    page.get_by_test_id("line-save").click()
    page.get_by_test_id("draft-submit").click()
    refusal = page.locator(".messages")
    expect(refusal).to_contain_text("苏州市吴江区教育局 一般公共预算项目支出二上合计")
    expect(refusal).to_contain_text("超过一下控制数")
    expect(refusal).to_contain_text("R-BP-1")
    expect(page.get_by_test_id("draft-state")).to_have_text("草稿")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "budget-over-control.png"), full_page=True)
    # Back within the control number, it goes through.
    page.goto(second_url)
    page.get_by_test_id("expenditure").locator(
        "tbody tr", has=page.get_by_role("link", name="编辑")
    ).last.get_by_role("link", name="编辑").click()
    page.get_by_test_id("line-amount").fill(before)
    page.get_by_test_id("line-save").click()
    page.get_by_test_id("draft-submit").click()
    expect(page.get_by_test_id("draft-state")).to_have_text("审核中")
    approve_from_inbox(page, base, number, CHAIN)

    # 批复 after the people's congress, approved by a second officer, then one click.
    _as_clerk(page, base, "wj_budget")
    page.goto(f"{base}/budgeting/")
    form = (
        page.get_by_test_id("progress")
        .get_by_role("row", name=re.compile("教育局"))
        .locator("form")
    )
    form.locator("input[name=doc_no]").fill("吴财预〔2027〕5号")
    form.locator("button[type=submit]").click()
    reply_url = page.url
    reply_number = re.search(r"PF\d{10}", page.locator("dl.facts").inner_text()).group(0)  # type: ignore[union-attr]
    page.get_by_test_id("reply-submit").click()
    approve_from_inbox(page, base, reply_number, ("wj_budget_chief",))
    _as_clerk(page, base, "wj_budget")
    page.goto(reply_url)
    page.get_by_test_id("reply-generate").click()
    expect(page.locator(".messages")).to_contain_text("条指标")
    generated = page.get_by_test_id("generated")
    indicator_href = generated.locator("tbody tr").first.locator("a").first.get_attribute("href")
    assert generated.locator("tbody tr").count() > 3
    page.screenshot(path=str(ARTIFACTS / "budget-reply-generated.png"), full_page=True)

    # The school's clerk sees the new indicator, traced to its budget line and the congress.
    _as_clerk(page, base, "school_clerk")
    page.goto(f"{base}{indicator_href}")
    trace = page.get_by_test_id("trace-budget")
    expect(trace).to_contain_text("吴江区松陵实验小学 2027")
    expect(page.get_by_test_id("trace-budget-stages")).to_contain_text("一上")
    expect(page.get_by_test_id("trace-reply")).to_contain_text("吴财预〔2027〕5号")
    expect(page.get_by_test_id("trace-congress")).to_contain_text("人民代表大会")
    page.screenshot(path=str(ARTIFACTS / "budget-indicator-trace.png"), full_page=True)
    page.get_by_test_id("trace-budget-line").get_by_role("link").click()
    expect(page.get_by_test_id("draft-state")).to_have_text("已通过")
