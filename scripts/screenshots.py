"""Regenerate the README's screenshots from a running demo (issue 16 item 5).

Usage: .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out docs/screenshots]
Needs the demo served (``scripts/demo.sh``, district scale as of 2026-09-15 for the figures the
README shows) and Debian's Chromium (``scripts/setup.sh --browser``). Signs in as the demo users
and writes, at 1440×900:

- ``home.png``: the budget division's 工作台 (what waits for them, the district picture);
- ``ledger.png``: the indicator ledger with subtotals by department;
- ``approval.png``: an approval page with its document summary (the first item of
  ``school_reviewer``'s inbox, if any).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Yusuan@2026"  # noqa: S105 - the published demo password


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--logins", default=str(ROOT / "var" / "demo-logins.json"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    password = PASSWORD
    if Path(args.logins).exists():
        password = json.loads(Path(args.logins).read_text(encoding="utf-8"))["password"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")

        def signed_in(username: str):  # type: ignore[no-untyped-def]
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page.goto(f"{args.base}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", password)
            page.click("button.btn[type=submit]")
            return page

        page = signed_in("wj_budget")
        page.goto(f"{args.base}/")
        page.screenshot(path=str(out / "home.png"))
        page.goto(f"{args.base}/indicators/ledger/?group=department")
        page.screenshot(path=str(out / "ledger.png"))
        page.close()
        page = signed_in("school_reviewer")
        page.goto(f"{args.base}/workflow/inbox/")
        first = page.locator("[data-testid=inbox-table] a[href^='/workflow/instances/']").first
        if first.count():
            first.click()
            page.screenshot(path=str(out / "approval.png"), full_page=True)
        page.close()
        browser.close()
    print(f"screenshots written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
