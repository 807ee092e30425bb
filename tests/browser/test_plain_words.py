"""Issue 16 item 4 in the browser: the plain-words lint (``tests/plain_words.py``) over the main
pages as they render in Chromium for five demo people — the text a person reads names no internal
code — and the audit log and a line's trace read as words with links."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from tests.browser.conftest import ARTIFACTS, login
from tests.plain_words import PAGES, USERS, internal_codes, visible_text


def _pages(var_dir: Any) -> list[str]:
    """The fixed pages, a request with monitoring findings and a school line whose trace names
    payments."""
    database = sqlite3.connect(f"file:{var_dir / 'yusuan.sqlite3'}?mode=ro", uri=True)
    request = database.execute(
        "SELECT min(request_id) FROM monitoring_monitoringfinding"
    ).fetchone()[0]
    request = (
        request or database.execute("SELECT min(id) FROM payments_paymentrequest").fetchone()[0]
    )
    line = database.execute(
        "SELECT m.line_id FROM indicators_movement m JOIN indicators_indicatorline l"
        " ON l.id = m.line_id JOIN core_organisation o ON o.id = l.organisation_id"
        " WHERE m.source_type LIKE 'payments.%' AND o.name = '吴江区松陵实验小学'"
        " ORDER BY m.id LIMIT 1"
    ).fetchone()[0]
    database.close()
    return [*PAGES, f"/payments/{request}/", f"/indicators/lines/{line}/"]


@pytest.mark.parametrize("username", USERS)
def test_rendered_pages_name_no_internal_code(
    browser: Any, demo_server: dict[str, Any], username: str
) -> None:
    base = demo_server["base"]
    page = browser.new_page()
    login(page, base, username)
    shown, found = 0, []
    for path in _pages(demo_server["base_var_dir"]):
        response = page.goto(f"{base}{path}")
        if response is None or response.status != 200:  # a page the role may not open
            continue
        shown += 1
        # What the browser shows after its scripts ran (htmx fragments included).
        hits = internal_codes(visible_text(page.content()))
        if hits:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"plain-words-{username}.png"), full_page=True)
        found += [(path, *hit) for hit in hits]
    page.close()
    assert shown >= 3
    assert not found, "\n".join(
        f"{path}: {rule}: {code!r} in …{around}…" for path, rule, code, around in found
    )


def test_audit_log_and_trace_read_as_words(browser: Any, demo_server: dict[str, Any]) -> None:
    base = demo_server["base"]
    page = browser.new_page()
    login(page, base, "wj_auditor")
    page.goto(f"{base}/audit/?object_type=payments.paymentrequest")
    assert "支付申请 ZF" in page.get_by_test_id("audit-entry").first.inner_text()
    source = page.get_by_test_id("audit-source").first.inner_text()
    assert any(word in source for word in ("系统", "页面", "API"))  # 来源 is filled
    page.context.clear_cookies()
    login(page, base, "school_clerk")
    page.goto(f"{base}{_pages(demo_server['base_var_dir'])[-1]}")
    links = page.get_by_test_id("trace-documents").locator("a")
    assert links.count() >= 1 and "/payments/" in (links.first.get_attribute("href") or "")
    numbers = [links.nth(i).inner_text() for i in range(links.count())]
    assert len(numbers) == len(set(numbers))  # each document once
    page.close()
