"""Issue 17's journey through the project library in the browser: a school declares a
特定目标类 project with its calculation and goals, is refused without a 效益 indicator (R-PJ-2),
adds one, passes the review chain to 入库, and the department ranks it first (R-PJ-6)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import ARTIFACTS, approve_from_inbox, login


def _row(page: Any, i: int, **values: str) -> None:
    for name, value in values.items():
        field = page.locator(f"[name='lines-{i}-{name}']")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)


def _save_rows(page: Any) -> None:
    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("project-state")).to_be_visible()


def test_a_school_declares_is_refused_without_a_benefit_indicator_and_is_stored_and_ranked(
    page: Any, demo_server: dict[str, Any]
) -> None:
    base = demo_server["base"]
    login(page, base, "school_clerk")
    page.goto(f"{base}/projects/new/")
    page.fill("input[name=name]", "多媒体教室交互一体机购置")
    page.select_option("select[name=category]", "3")
    page.fill("input[name=start_year]", "2027")
    page.fill("input[name=end_year]", "2027")
    page.fill("input[name=total_amount]", "360,000")
    page.select_option("select[name=fund_type]", "111")
    page.locator("form.card button[type=submit]").click()
    expect(page.get_by_test_id("project-state")).to_have_text("草稿")
    project_url = page.url
    code = page.locator("dl.props dd").first.inner_text().strip()
    # The checklist says what is still missing before it can be declared.
    missing = page.get_by_test_id("missing").inner_text()
    assert "立项依据" in missing and "绩效目标" in missing

    page.goto(project_url + "rows/plans/")
    _row(page, 0, year="2027", fund_type="111", amount="360000")
    _save_rows(page)
    page.goto(project_url + "rows/calculation/")
    _row(page, 0, year="2027", content="交互式一体机", economic_code="31002")
    _row(page, 0, unit_price="12,000", quantity="30", unit="台")
    _save_rows(page)
    assert "360,000.00" in page.get_by_test_id("calculation").inner_text()

    form = page.get_by_test_id("document-form")
    form.locator("input[name=doc_no]").fill("吴教发〔2026〕21号")
    form.locator("input[name=title]").fill("关于推进智慧校园建设的实施意见")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("documents")).to_contain_text("吴教发〔2026〕21号")

    page.goto(project_url + "rows/goal/")
    page.fill("textarea[name=annual]", "年内完成 30 间教室一体机安装并投入教学使用")
    _row(page, 0, level1="output", level2="quantity", name="购置一体机", operator="gte")
    _row(page, 0, target="30", unit="台")
    _row(page, 1, level1="satisfaction", level2="served", name="师生满意度", operator="gte")
    _row(page, 1, target="90", unit="%")
    _save_rows(page)

    # Refused: no 效益 indicator (R-PJ-2); the project stays a draft.
    page.get_by_test_id("submit").click()
    messages = page.locator(".messages")
    expect(messages).to_contain_text("效益")
    expect(messages).to_contain_text("R-PJ-2")
    expect(page.get_by_test_id("project-state")).to_have_text("草稿")

    page.goto(project_url + "rows/goal/")
    _row(page, 2, level1="benefit", level2="social", name="受益学生人数", operator="gte")
    _row(page, 2, target="1200", unit="人")
    _save_rows(page)
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("project-state")).to_have_text("已申报")

    approve_from_inbox(
        page,
        base,
        code,
        ("school_approver", "edu_approver", "wj_sector_edu", "wj_performance", "wj_budget"),
    )
    page.goto(project_url)
    expect(page.get_by_test_id("project-state")).to_have_text("已入库")

    # The department ranks its stored projects for 2027: this one first.
    page.context.clear_cookies()
    login(page, base, "edu_approver")
    page.goto(f"{base}/projects/ranking/?year=2027")
    inputs = page.get_by_test_id("ranking").locator("input")
    names = [inputs.nth(i).get_attribute("aria-label") or "" for i in range(inputs.count())]
    place = 2
    for i, label in enumerate(names):
        if "多媒体教室交互一体机购置" in label:
            inputs.nth(i).fill("1")
        else:
            inputs.nth(i).fill(str(place))
            place += 1
    page.get_by_test_id("save-ranking").click()
    expect(page.locator(".messages")).to_contain_text("排序已保存")
    first = page.get_by_test_id("ranking").locator("tbody tr").first
    expect(first).to_contain_text("多媒体教室交互一体机购置")
    page.goto(project_url)
    expect(page.get_by_test_id("rank")).to_have_text("1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "project-stored-ranked.png"), full_page=True)
    assert re.search(r"32050926\d{13}", code)


def _figure(page: Any) -> int:
    """The 人员经费 computed for the unit, in fen, from its 测算表."""
    text = page.get_by_test_id("basic-figure-1").locator("strong").first.inner_text()
    return int(text.replace(",", "").replace(".", ""))


def _people_totals(page: Any) -> dict[tuple[str, str], int]:
    """Each person's annual amounts on the per-person page, in fen, by (name, masked ID)."""
    cells = page.get_by_test_id("basic-people-table").evaluate(
        "t => [...t.querySelectorAll('tbody tr')].map(r => [...r.cells].map(c => c.innerText))"
    )
    totals: dict[tuple[str, str], int] = {}
    current = ("", "")
    for row in cells:
        if len(row) != 10:
            continue  # a subtotal row
        if row[0].strip():
            current = (row[0].strip(), row[1].strip())
        totals[current] = totals.get(current, 0) + int(row[-1].replace(",", "").replace(".", ""))
    return totals


def test_hr_records_a_new_teacher_whose_cost_shows_in_the_schools_personnel_sheet(
    page: Any, demo_server: dict[str, Any], fixed_clock: Any
) -> None:
    from django.utils import timezone

    base = demo_server["base"]
    # The demo's snapshot was taken on its as-of day; she starts that day, so the snapshot taken
    # again on the same day differs from the first by her alone.
    day = timezone.localdate(fixed_clock).isoformat()
    # The demo computed next year's basic expenditure from the snapshot (R-PJ-5): the school's
    # 人员经费测算表 as it stands.
    login(page, base, "school_clerk")
    page.goto(f"{base}/projects/basic/?year=2027")
    page.get_by_test_id("basic-rows").get_by_role("link", name="吴江区松陵实验小学").click()
    sheet_url = page.url
    before = _figure(page)
    assert before > 0
    page.get_by_test_id("basic-people").click()
    people_before = _people_totals(page)

    # HR enters the new teacher: a 录用 change with her post, grade and pay standards (R-PS-1).
    page.goto(f"{base}/personnel/changes/new/?kind=hire")
    page.fill("input[name=id_number]", "320584200003150027")
    page.fill("input[name=name]", "周明远")
    page.fill("input[name=effective_date]", day)
    page.fill("input[name=basis_doc_no]", "吴人社〔2026〕131号")
    page.fill("input[name=establishment_doc_no]", "吴编〔2026〕9号")
    page.select_option("select[name=status]", "inst_technical")
    page.select_option("select[name=establishment]", "institution")
    page.fill("input[name=office]", "数学组")
    page.fill("input[name=work_start_date]", day)
    page.fill("input[name=unit_join_date]", day)
    page.select_option("select[name=post_category]", "technical")
    page.fill("input[name=post_level]", "12")
    page.fill("input[name=salary_scale]", "11")
    for item, yuan in (
        ("post_pay", "1,930"),
        ("scale_pay", "1,010"),
        ("performance_basic", "2,400"),
        ("allowance_living", "800"),
    ):
        page.fill(f"input[name=item_{item}]", yuan)
    for base_field in ("pension_base", "medical_base", "housing_base"):
        page.fill(f"input[name={base_field}]", "6,140")
    page.locator("main form button[type=submit]").first.click()
    expect(page.get_by_test_id("change-state")).to_have_text("草稿")
    number = page.locator("h1").inner_text().split()[-1]
    page.get_by_test_id("submit").click()
    expect(page.locator(".messages")).to_contain_text("已送审")
    approve_from_inbox(page, base, number, ("school_approver", "edu_approver", "wj_personnel"))

    # The personnel officer takes the budget snapshot again (R-PS-4: a new version, with reason).
    page.goto(f"{base}/personnel/snapshots/")
    page.fill("input[name=fiscal_year]", "2027")
    page.fill("input[name=as_of]", day)
    page.fill("textarea[name=reason]", "新录用教师，重新生成一上快照")
    page.get_by_test_id("take-snapshot").click()
    expect(page.locator(".messages")).to_contain_text("快照")

    # The budget division computes again; the school's figure moves by her year's cost.
    page.context.clear_cookies()
    login(page, base, "wj_budget")
    page.goto(f"{base}/projects/basic/?year=2027")
    page.get_by_test_id("basic-compute").locator("button").click()
    expect(page.get_by_test_id("basic-run")).to_contain_text("第 2 版，人员库快照第 2 版")

    page.context.clear_cookies()
    login(page, base, "school_clerk")
    page.goto(sheet_url)
    after = _figure(page)
    page.get_by_test_id("basic-people").click()
    expect(page.get_by_test_id("basic-people-table")).to_contain_text("周明远")
    people_after = _people_totals(page)
    [hers] = [fen for (name, _id), fen in people_after.items() if name == "周明远"]
    # Her year: 12 months of 6,140 yuan pay plus the employer's contributions on a 6,140 yuan
    # base — more than the pay alone, less than double it.
    assert 12 * 614_000 < hers < 2 * 12 * 614_000, hers
    # The school's figure moved by exactly the people new to the snapshot (her, and whoever
    # other journeys of this session enrolled); no one else's amounts changed.
    new = {key: fen for key, fen in people_after.items() if key not in people_before}
    assert all(people_after[key] == fen for key, fen in people_before.items())
    assert after - before == sum(new.values()), (before, after, new)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "basic-new-teacher.png"), full_page=True)
