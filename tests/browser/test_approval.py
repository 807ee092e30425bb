"""A unit approver decides a project declaration from the inbox; the timeline shows it, and the
department approver finds it next in theirs (P8, issue 3)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import login

TITLE = "校园安防监控系统升级"


def test_approve_from_the_inbox_and_see_the_timeline(
    page: Any, demo_server: dict[str, Any]
) -> None:
    base = demo_server["base"]
    login(page, base, "school_approver")
    expect(page.get_by_test_id("inbox")).to_contain_text(TITLE)
    page.goto(f"{base}/workflow/inbox/")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_test_id("state")).to_have_text("审批中")
    expect(page.get_by_test_id("waiting")).to_contain_text("单位审核")
    page.fill("textarea[name=comment]", "同意申报，请主管部门审核。")
    page.get_by_test_id("approve").click()
    expect(page.locator(".messages")).to_contain_text("已同意")
    expect(page.get_by_test_id("inbox-table")).not_to_contain_text(TITLE)

    page.goto(f"{base}/projects/?q={TITLE}")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("project-state")).to_have_text("已申报")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("同意申报，请主管部门审核。")
    expect(timeline).to_contain_text("school_approver")
    expect(page.get_by_test_id("waiting")).to_contain_text("主管部门审核")

    page.context.clear_cookies()
    login(page, base, "edu_approver")
    expect(page.get_by_test_id("inbox")).to_contain_text(TITLE)


def test_a_refusal_explains_the_rule(page: Any, demo_server: dict[str, Any]) -> None:
    """The school clerk entered the declaration: she sees it under her submissions, and a forged
    approval is refused with the rule id (R-WF-1), not a stack trace."""
    base = demo_server["base"]
    login(page, base, "school_clerk")
    page.goto(f"{base}/workflow/submitted/")
    page.get_by_role("link", name="学生体质健康监测设备购置").click()
    expect(page.get_by_test_id("decision")).to_have_count(0)
    url = page.url
    csrf = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    response = page.request.post(
        url + "approve/",
        form={"csrfmiddlewaretoken": csrf, "step": "1", "comment": ""},
        headers={"Referer": url},
    )
    assert response.ok  # redirected back to the page, which shows why
    assert "R-WF-5" in response.text()
    assert "您不是办理人" in response.text()
