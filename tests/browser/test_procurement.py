"""An equipment purchase from its intention to the last instalment paid (issue 21 "done when"):
the intention published, the plan reserving the indicator's money and filed, the award and the
contract with its payment schedule, the advance paid, the final instalment refused before the
milestone's acceptance (naming it), accepted by someone other than the requester, then paid
through the bank. After each step the indicator line's available money, the plan's and the
contract's figures are the ones the step should leave."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import approve_from_inbox, login, paid_by_bank


def _line(demo_server: dict[str, Any]) -> tuple[int, str, int]:
    """The school's procurement line with the most money available (id, code, fen)."""
    path = demo_server["base_var_dir"] / "yusuan.sqlite3"
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    row = database.execute(
        "SELECT l.id, l.code, l.available FROM indicators_indicatorline l "
        "JOIN identity_user u ON u.organisation_id = l.organisation_id "
        "WHERE u.username = 'school_clerk' AND l.is_gov_pur AND l.kind = 'executable' "
        "ORDER BY l.available DESC LIMIT 1"
    ).fetchone()
    database.close()
    return row[0], row[1], row[2]


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def _choose(page: Any, select: str, text: str) -> None:
    """Select the first option of ``select`` whose label contains ``text``."""
    option = page.locator(f"{select} option", has_text=text).first
    page.select_option(select, option.get_attribute("value"))


def _available_on_plan(page: Any) -> str:
    return page.get_by_test_id("plan-lines").locator("tbody tr td").last.inner_text()


def test_equipment_purchase_from_intention_to_the_last_instalment(
    page: Any, demo_server: dict[str, Any], tmp_path: Path
) -> None:
    base = demo_server["base"]
    line_id, code, available = _line(demo_server)
    assert available >= 300_000_00, "the demo's school needs a procurement line to buy from"

    # 1. The clerk enters the intention; the approver records its publication on 4 May.
    login(page, base, "school_clerk")
    page.goto(f"{base}/procurement/intentions/new/")
    page.fill("#id_project_name", "多功能录播教室设备（浏览器测试）")
    page.fill("#id_need_summary", "一间录播教室的摄像、拾音、导播设备")
    page.fill("#id_budget", "300,000.00")
    page.fill("#id_expected_month", "2026-07")
    page.select_option("#id_pur_item_code", "A02010104")
    page.get_by_test_id("save-intention").click()
    intention_url = page.url
    intention = page.locator("h1").inner_text().split()[-1]
    page.context.clear_cookies()
    login(page, base, "school_approver")
    page.goto(intention_url)
    page.fill("#id_published_on", "2026-05-04")
    page.get_by_test_id("publish-intention").click()
    expect(page.get_by_test_id("published-on")).to_have_text("2026-05-04")

    # 2. The plan, starting too early for the intention, is refused naming the dates.
    page.context.clear_cookies()
    login(page, base, "school_clerk")
    page.goto(f"{base}/procurement/plans/new/")
    page.fill("#id_title", "多功能录播教室设备采购")
    page.select_option("#id_pur_item_code", "A02010104")
    page.select_option("#id_method", "inquiry")
    page.fill("#id_amount", "300,000.00")
    page.fill("#id_planned_start", "2026-06-01")
    _choose(page, "#id_intention_id", intention)
    page.select_option("[data-testid=plan-line-0]", str(line_id))
    page.fill("[data-testid=plan-line-amount-0]", "300,000.00")
    page.get_by_test_id("save-plan").click()
    plan_url = page.url
    plan = page.locator("h1").inner_text().split()[-1]
    page.get_by_test_id("submit-plan").click()
    errors = page.get_by_test_id("form-errors")
    expect(errors).to_contain_text("R-GP-7")
    expect(errors).to_contain_text("2026-05-04")
    expect(errors).to_contain_text("2026-06-03")  # the earliest start, 30 days after
    assert _available_on_plan(page) == _yuan(available)  # nothing reserved
    page.fill("[data-testid=plan-edit] #id_planned_start", "2026-06-10")
    page.locator("[data-testid=plan-edit] [data-testid=save-plan]").click()
    page.get_by_test_id("submit-plan").click()
    expect(page.get_by_test_id("plan-state")).to_have_text(re.compile("送审"))
    assert _available_on_plan(page) == _yuan(available - 300_000_00)  # reserved at submission
    approve_from_inbox(page, base, plan, ("school_approver",))

    # 3. The award and the contract signed on it, with its schedule.
    page.context.clear_cookies()
    login(page, base, "school_clerk")
    page.goto(plan_url)
    expect(page.get_by_test_id("plan-state")).to_have_text("已备案")
    # A supplier: not the school's own account (paying that is money back to the unit, R-MO-3).
    supplier = page.locator("#id_supplier option").filter(has_not_text="松陵实验小学").nth(1)
    supplier_name = supplier.inner_text()
    page.select_option("#id_supplier", supplier.get_attribute("value"))
    page.fill("#id_award_amount", "290,000.00")
    page.fill("#id_noticed_on", "2026-06-12")
    page.get_by_test_id("record-award").click()
    expect(page.get_by_test_id("plan-awards")).to_contain_text(supplier_name)

    page.goto(f"{base}/payments/contracts/")
    page.fill("#id_number", "WJCG-BROWSER-01")
    page.fill("#id_title", "多功能录播教室设备采购合同")
    _choose(page, "#id_supplier", supplier_name)
    page.fill("#id_amount", "290,000.00")
    page.fill("#id_filed_on", "2026-06-16")
    _choose(page, "#id_plan", plan)
    _choose(page, "#id_award", plan)
    page.fill("#id_signed_on", "2026-06-15")
    page.fill("#id_published_on", "2026-06-16")
    page.select_option("[data-testid=line-0]", str(line_id))
    page.fill("[data-testid=line-amount-0]", "290,000.00")
    for row, (name, kind, amount) in enumerate(
        (("预付款", "advance", "87,000.00"), ("验收款", "acceptance", "203,000.00"))
    ):
        page.fill(f"[data-testid=node-name-{row}]", name)
        page.select_option(f"[data-testid=node-kind-{row}]", kind)
        page.fill(f"[data-testid=node-amount-{row}]", amount)
    page.get_by_test_id("file-contract").click()
    page.get_by_role("link", name="WJCG-BROWSER-01").click()
    contract_url = page.url
    schedule = page.get_by_test_id("contract-schedule")
    expect(schedule).to_contain_text("待验收")
    page.goto(plan_url)
    plan_line = page.get_by_test_id("plan-lines").locator("tbody tr")
    expect(plan_line).to_contain_text("290,000.00")  # taken by the contract
    expect(page.get_by_test_id("plan-line-left")).to_have_text("10,000.00")
    assert _available_on_plan(page) == _yuan(available - 300_000_00)  # the ledger did not move

    # 4. The final instalment before its acceptance: refused, naming the milestone.
    def request(instalment: str, amount: str) -> None:
        page.goto(f"{base}/payments/new/")
        page.select_option("select[name=business_type]", "procurement")
        page.fill("input[name=purpose]", f"录播教室设备{instalment}")
        page.select_option("select[name=payer_account_id]", index=1)
        _choose(page, "select[name=payee_id]", supplier_name)
        _choose(page, "#id_contract", "WJCG-BROWSER-01")
        _choose(page, "#id_instalment", f"WJCG-BROWSER-01 · {instalment}")
        page.fill("input[name='lines-0-indicator_line']", code)
        page.fill("input[name='lines-0-amount']", amount)
        page.get_by_test_id("save").click()

    request("验收款", "203000")
    refused = page.locator("[data-field=instalment]")
    expect(refused).to_contain_text("验收款")
    expect(refused).to_contain_text("尚未验收合格")
    page.screenshot(path=str(tmp_path / "refused.png"))

    # 5. The advance is paid (submitted, approved, through the bank): the contract commits it.
    request("预付款", "87000")
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "draft")
    page.get_by_test_id("submit").click()
    advance = page.locator("h1").inner_text().split(" ")[0]
    advance_url = page.url
    approve_from_inbox(page, base, advance, ("school_reviewer", "school_approver"))
    paid_by_bank(page, base, advance_url, tmp_path)

    # 6. The clerk who filed the contract may not accept it; the approver does.
    page.context.clear_cookies()
    login(page, base, "school_approver")
    page.goto(contract_url)
    page.fill("#id_members", "使用部门、资产管理部门、纪检人员")
    page.fill("#id_report", "设备安装调试完毕，运行正常")
    page.get_by_test_id("record-acceptance").click()
    expect(page.get_by_test_id("contract-schedule")).to_contain_text("合格")

    # 7. The final instalment now goes through, to the bank and paid.
    page.context.clear_cookies()
    login(page, base, "school_clerk")
    request("验收款", "203000")
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "draft")
    page.get_by_test_id("submit").click()
    final = page.locator("h1").inner_text().split(" ")[0]
    detail = page.url
    approve_from_inbox(page, base, final, ("school_reviewer", "school_approver"))
    paid_by_bank(page, base, detail, tmp_path)

    page.context.clear_cookies()
    login(page, base, "school_clerk")
    for paid in (advance_url, detail):
        page.goto(paid)
        expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "paid")
    page.goto(contract_url)
    header = page.get_by_test_id("contract-header")
    expect(header).to_contain_text("290,000.00")  # committed by payments: the whole contract
    nodes = page.get_by_test_id("instalment")
    expect(nodes.nth(0)).to_contain_text("87,000.00")
    expect(nodes.nth(1).locator("td").nth(4)).to_have_text("0.00")  # nothing left to pay
    lines = page.get_by_test_id("contract-line")
    expect(lines.first.locator("td").nth(3)).to_have_text("290,000.00")  # consumed by payments
    page.goto(plan_url)
    assert _available_on_plan(page) == _yuan(available - 300_000_00)  # paid, not available

    # 8. A supplementary contract (R-GP-3b): 10 % of 290,000.00 at most; one fen more is refused
    # naming the rule, 29,000.00 is entered, submitted, approved by the unit and reserved.
    page.goto(contract_url)
    page.get_by_test_id("new-change").click()
    page.fill("#id_amount", "29,000.01")
    page.fill("#id_signed_on", "2026-06-20")
    page.fill("#id_reason", "增加同型号设备一套")
    page.get_by_test_id("save-change").click()
    expect(page.locator("[data-testid=form-errors] [data-field=amount]")).to_contain_text("R-GP-3b")
    page.fill("#id_amount", "29,000.00")
    page.get_by_test_id("save-change").click()
    page.get_by_test_id("submit-change").click()
    expect(page.get_by_test_id("change-state")).to_have_text(re.compile("送审"))
    change = page.locator("h1").inner_text().split(" ")[-1]
    approve_from_inbox(page, base, change, ("school_approver",))
    page.context.clear_cookies()
    login(page, base, "school_clerk")
    page.goto(contract_url)
    expect(page.get_by_test_id("contract-header")).to_contain_text("319,000.00")
    expect(page.get_by_test_id("changes")).to_contain_text("已通过")
    page.goto(plan_url)
    assert _available_on_plan(page) == _yuan(available - 329_000_00)  # the supplement reserved
