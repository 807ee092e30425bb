"""Issue 16 item 2 in the browser: every demo login's home page (工作台) at 1366×768, and the
budget division's, the treasury's and a unit clerk's at 1440×900 too, load without a console
error and show what waits for that person. The screenshots are left under test-artifacts/homes/
to be looked at."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.browser.conftest import ARTIFACTS, login

SHOTS = ARTIFACTS / "homes"
WIDE = ("wj_budget", "wj_treasury", "school_clerk")


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
        for width, height in ((1366, 768), (1440, 900)) if username in WIDE else ((1366, 768),):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
            login(page, base, username)
            page.goto(f"{base}/")
            assert page.get_by_test_id("work").is_visible(), username
            assert errors == [], (username, errors)
            seen[username] = page.locator("[data-testid^='work-']").count()
            page.screenshot(path=str(SHOTS / f"{username}-{width}.png"), full_page=True)
            context.close()
    # The clerk's drafts and the budget division's documents to post are on their homes.
    assert seen["school_clerk"] >= 1 and seen["wj_budget"] >= 1, seen
    picture = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    login(picture, base, "wj_budget")
    assert picture.get_by_test_id("picture").is_visible()
    picture.context.close()
