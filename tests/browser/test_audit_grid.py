"""The audit log on the data grid in the browser (issue 16 item 3): the demo auditor opens 审计日志
at 1366×768 and 1440×900, reads sentences (no action code in the visible text), sorts by time,
filters by a user name and changes the page size without leaving the page (htmx); the indicator
documents' grid is shown too. Screenshots are left under test-artifacts/audit/ to be looked at."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import ARTIFACTS, login
from tests.plain_words import internal_codes, visible_text

SHOTS = ARTIFACTS / "audit"
SIZES = ((1366, 768), (1440, 900))


def _open(browser: Any, base: str, username: str, width: int, height: int) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors  # read at the end of each test
    login(page, base, username)
    return page


def test_the_auditor_reads_sorts_and_filters_the_audit_grid(
    browser: Any, demo_server: dict[str, Any]
) -> None:
    base = demo_server["base"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page = _open(browser, base, "wj_auditor", width, height)
        page.goto(f"{base}/audit/")
        rows = page.get_by_test_id("audit-entry")
        assert rows.count() == 50  # the grid's default page
        assert page.locator("table.grid thead th").first.inner_text().startswith("时间")
        found = internal_codes(visible_text(page.content()))
        assert found == [], found[:5]
        page.screenshot(path=str(SHOTS / f"audit-{width}.png"))

        # Oldest first, by the time column's header.
        page.locator("th a[data-sort=time]").click()
        page.wait_for_url("**sort=time**")
        times = [
            rows.nth(i).locator("td.c-time").inner_text() for i in range(min(rows.count(), 10))
        ]
        assert times == sorted(times)

        # A user name typed in the filter: the rows swap in place (htmx), each that person's.
        page.fill("input[name=user]", "school_clerk")
        page.wait_for_url("**user=school_clerk**")
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-testid=audit-entry] td.c-actor')]"
            ".every(td => td.innerText.includes('school_clerk'))"
        )
        assert rows.count() > 0
        page.locator(".grid-controls select[name=size]").select_option("20")
        page.wait_for_url("**size=20**")
        assert rows.count() == 20 and "user=school_clerk" in page.url
        page.screenshot(path=str(SHOTS / f"audit-filtered-{width}.png"))
        assert page.errors == []
        page.context.close()


def test_the_indicator_documents_grid(browser: Any, demo_server: dict[str, Any]) -> None:
    base = demo_server["base"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        page = _open(browser, base, "wj_budget", width, height)
        page.goto(f"{base}/indicators/documents/?group=unit")
        assert page.get_by_test_id("documents").locator("tbody tr").count() > 0
        assert page.get_by_test_id("subtotal").count() > 0
        found = internal_codes(visible_text(page.content()))
        assert found == [], found[:5]
        page.screenshot(path=str(SHOTS / f"documents-{width}.png"))
        assert page.errors == []
        page.context.close()
