"""Issue 16 item 2 in the browser: every demo login's home page (工作台) at 1366×768 and at
1440×900 loads without a console error (a CSP refusal is one) or a horizontal scroll bar and
shows what waits for that person; the leadership's (局领导, ADR 0036) shows the district picture's charts first. The
screenshots are left under test-artifacts/homes/ to be looked at."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.browser.conftest import ARTIFACTS, login

SHOTS = ARTIFACTS / "homes"


def _people(var_dir: Path) -> list[str]:
    logins = json.loads((var_dir / "demo-logins.json").read_text(encoding="utf-8"))["logins"]
    # The agent banks' system accounts sign in with a token, never on the page (ADR 0018).
    return [x["username"] for x in logins if not x["username"].startswith("bank_")]


def test_every_role_has_a_home_that_says_what_waits(
    browser: Any, demo_server: dict[str, Any]
) -> None:
    base = demo_server["base"]
    people = _people(demo_server["base_var_dir"])
    assert len(people) >= 20
    SHOTS.mkdir(parents=True, exist_ok=True)
    seen: dict[str, int] = {}
    for username in people:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
        login(page, base, username)
        for width, height in ((1366, 768), (1440, 900)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/")
            assert page.get_by_test_id("work").is_visible(), username
            assert errors == [], (username, errors)
            seen[username] = page.locator("[data-testid^='work-']").count()
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (username, width, overflow)
            page.screenshot(path=str(SHOTS / f"{username}-{width}.png"), full_page=True)
        context.close()
    # The clerk's drafts and the budget division's documents to post are on their homes.
    assert seen["school_clerk"] >= 1 and seen["wj_budget"] >= 1, seen
    picture = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    login(picture, base, "wj_budget")
    assert picture.get_by_test_id("picture").is_visible()
    picture.context.close()
    # The leadership has no work of its own: the picture and its charts come first, drawn.
    leader = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    login(leader, base, "wj_leader")
    charts = leader.locator("svg.chart-svg")
    assert charts.count() == 3 and charts.first.is_visible()
    assert charts.first.bounding_box()["width"] > 600  # drawn at the card's width, not collapsed
    assert leader.locator("#execution-chart a").count() >= 3  # one link a department
    picture_top = leader.get_by_test_id("picture").bounding_box()["y"]
    assert picture_top < leader.get_by_test_id("work").bounding_box()["y"]
    # The tables under the charts open (the fallback), with the same links as the bars.
    for summary in leader.locator("details.chart-table > summary").all():
        summary.click()
    assert leader.get_by_test_id("execution").is_visible()
    assert leader.get_by_test_id("payment-days").is_visible()
    leader.screenshot(path=str(SHOTS / "wj_leader-tables-1366.png"), full_page=True)
    leader.context.close()
