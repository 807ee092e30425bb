"""The two screens a clerk judges the system by (issue 16, "done when"), at 1366×768 and
1440×900, with screenshots under test-artifacts/screens/:

- an approval page of a three-line payment request: every line with its payee, its indicator and
  that indicator's balance before → after, the total, and a link to the document; the request's
  own page unfolds the same summary;
- the indicator ledger at district scale, subtotalled by department, its balance columns inside
  the window without scrolling sideways, its header still in view after scrolling down."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

import pytest
from playwright.sync_api import expect
from tests.browser.conftest import ARTIFACTS, login

SIZES = ((1366, 768), (1440, 900))
SHOTS = ARTIFACTS / "screens"


def _lines(server: dict[str, Any]) -> list[tuple[str, int, str]]:
    """The school's 办公费 and 维修费 lines (code, available fen, economic code)."""
    path = server["base_var_dir"] / "yusuan.sqlite3"
    database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = database.execute(
        "SELECT l.code, l.available, l.dep_bgt_eco_code FROM indicators_indicatorline l "
        "JOIN identity_user u ON u.organisation_id = l.organisation_id "
        "WHERE u.username = 'school_clerk' AND l.dep_bgt_eco_code IN ('30201', '30213') "
        "AND l.available >= 100000 AND l.kind = 'executable' ORDER BY l.dep_bgt_eco_code, l.code"
    ).fetchall()
    database.close()
    found: dict[str, tuple[str, int, str]] = {}
    for code, available, economic in rows:
        found.setdefault(economic, (code, available, economic))
    return list(found.values())


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def test_an_approval_page_of_a_three_line_request(page: Any, demo_server: dict[str, Any]) -> None:
    base = demo_server["base"]
    office, repair = _lines(demo_server)
    login(page, base, "school_clerk")
    page.goto(f"{base}/payments/new/")
    page.fill("input[name=purpose]", "办公用品与门窗维修（三行）")
    page.select_option("select[name=payer_account_id]", index=1)
    payees = page.locator("select[name='lines-0-payee_id'] option")
    first, second = payees.nth(1).get_attribute("value"), payees.nth(2).get_attribute("value")
    rows = ((office, "120.50", first, "打印纸"), (office, "79.50", first, "硒鼓"))
    rows += ((repair, "300", second, "门窗维修"),)
    for i, ((code, _available, _eco), amount, payee, summary) in enumerate(rows):
        page.fill(f"input[name='lines-{i}-indicator_line']", code)
        page.fill(f"input[name='lines-{i}-amount']", amount)
        page.select_option(f"select[name='lines-{i}-payee_id']", payee)
        page.fill(f"input[name='lines-{i}-summary']", summary)
    for i in range(len(rows)):
        # Each hint moves the button down when it arrives: click once they are all in place.
        expect(page.locator(f"#hint-{i}")).to_contain_text("可用余额")
    page.get_by_test_id("save").click()
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "submitted")
    number = page.locator("h1").inner_text().split(" ")[0]
    document = page.url

    # The clerk's own page unfolds what the approver will see.
    page.get_by_test_id("document-summary-fold").locator("summary").click()
    expect(page.locator("[data-testid=summary-lines] tbody tr")).to_have_count(3)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "request-unfolded-1366x860.png"), full_page=True)

    page.context.clear_cookies()
    login(page, base, "school_reviewer")
    page.goto(f"{base}/workflow/inbox/")
    page.get_by_role("link", name=re.compile(re.escape(number))).first.click()
    summary = page.get_by_test_id("document-summary")
    lines = summary.locator("[data-testid=summary-lines] tbody tr")
    expect(lines).to_have_count(3)
    # Frozen on submission: the office line's balance before is what it had, after 200.00 less.
    office_move = f"{_yuan(office[1])} → {_yuan(office[1] - 200_00)}"
    expect(lines.nth(0)).to_contain_text(office_move)
    expect(lines.nth(1)).to_contain_text(office_move)
    expect(lines.nth(2)).to_contain_text(f"{_yuan(repair[1])} → {_yuan(repair[1] - 300_00)}")
    for text in ("打印纸", "硒鼓", "门窗维修", office[0], repair[0], "500.00"):
        expect(summary).to_contain_text(text)
    assert document.endswith(summary.get_by_test_id("summary-open").get_attribute("href"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        box = summary.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width  # no sideways scrolling
        page.screenshot(path=str(SHOTS / f"approval-{width}x{height}.png"), full_page=True)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_district_ledger_by_department(
    page: Any, district_server: dict[str, Any], width: int, height: int
) -> None:
    base = district_server["base"]
    page.set_viewport_size({"width": width, "height": height})
    login(page, base, "wj_budget")
    page.goto(f"{base}/indicators/ledger/?group=department&size=50")
    grid = page.get_by_test_id("ledger")
    expect(grid.locator("tbody tr[data-key]")).to_have_count(50)
    subtotals = grid.get_by_test_id("subtotal")
    assert subtotals.count() >= 1
    expect(subtotals.first).to_contain_text("小计")
    rows = page.locator(".grid-pager").first
    expect(rows).to_contain_text(re.compile(r"共 \d,?\d{3} 条"))  # thousands of lines, paged
    # The balance columns are in the window, not behind a sideways scroll.
    for key in ("available", "frozen", "paid"):
        header = grid.locator(f"thead a[data-sort={key}]")
        box = header.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, (key, box)
    # One line per indicator: a row is at most two text lines tall.
    row_box = grid.locator("tbody tr[data-key]").first.bounding_box()
    assert row_box is not None and row_box["height"] <= 48, row_box
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"ledger-district-{width}x{height}.png"))
    # The grid scrolls in its own box, which fits the window; scrolled down, its header stays
    # at the box's top (sticky) above the rows.
    frame = page.locator(".grid-scroll").bounding_box()
    assert frame is not None and frame["y"] + frame["height"] <= height, frame
    grid.locator("tbody tr[data-key]").nth(30).scroll_into_view_if_needed()
    frame = page.locator(".grid-scroll").bounding_box()
    head = grid.locator("thead th").first.bounding_box()
    first = grid.locator("tbody tr[data-key]").first.bounding_box()
    assert frame is not None and head is not None and first is not None
    assert first["y"] < frame["y"]  # the first rows scrolled away...
    assert abs(head["y"] - frame["y"]) <= 2 and 0 <= head["y"] < height  # ...not the header
    page.screenshot(path=str(SHOTS / f"ledger-district-scrolled-{width}x{height}.png"))


def test_the_open_warnings_link_down_from_the_leaders_home(
    page: Any, demo_server: dict[str, Any]
) -> None:
    """The leader follows the picture's "open monitoring warnings" to the warnings list."""
    base = demo_server["base"]
    login(page, base, "wj_leader")
    counted = page.get_by_test_id("warnings-link").inner_text()
    page.get_by_test_id("warnings-link").click()
    grid = page.get_by_test_id("findings")
    expect(grid.locator("tbody tr[data-key]")).to_have_count(int(counted))
    expect(page.locator(".grid-pager").first).to_contain_text(f"共 {counted} 条")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "warnings-1366x860.png"), full_page=True)
    page.get_by_test_id("findings").locator("tbody tr[data-key] a").first.click()
    expect(page).to_have_url(re.compile(r"/payments/monitoring/findings/\d+/$"))
