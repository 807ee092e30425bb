"""Issue 16 item 6 in the browser: axe-core (bundled by ``axe-playwright-python``) audits the main
pages as a person sees them at 1366×768, and finds no serious or critical violation. Each page
leaves a screenshot under test-artifacts/a11y/."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from tests.browser.conftest import ARTIFACTS, login

SHOTS = ARTIFACTS / "a11y"
BLOCKING = {"serious", "critical"}
# Who opens which page: (screenshot name, user or None for signed out, path).
STATIC = [
    ("home-school-clerk", "school_clerk", "/"),
    ("home-wj-budget", "wj_budget", "/"),
    ("payment-list", "school_clerk", "/payments/"),
    ("payment-new", "school_clerk", "/payments/new/"),
    ("indicator-ledger", "school_clerk", "/indicators/ledger/"),
    ("audit-log", "wj_auditor", "/audit/"),
    ("indicator-documents", "wj_budget", "/indicators/documents/"),
    ("monitoring-warnings", "wj_leader", "/payments/monitoring/findings/"),
    ("bank-exchange", "wj_treasury", "/payments/bank/"),
    ("login", None, "/accounts/login/"),
]


def _documents(var_dir: Path) -> dict[str, Any]:
    """A payment request waiting for an approver (who has it in the inbox), and a school line."""
    database = sqlite3.connect(f"file:{var_dir / 'yusuan.sqlite3'}?mode=ro", uri=True)
    waiting = database.execute(
        "SELECT i.id, i.object_id, u.username FROM workflow_workflowinstance i"
        " JOIN identity_user u ON u.organisation_id = i.assigned_organisation_id"
        " JOIN identity_user_roles ur ON ur.user_id = u.id"
        " JOIN identity_role r ON r.id = ur.role_id AND r.code = i.assigned_role"
        " WHERE i.document_type = 'payments.request' AND i.state = 'in_progress'"
        " ORDER BY i.id LIMIT 1"
    ).fetchone()
    line = database.execute(
        "SELECT l.id FROM indicators_indicatorline l JOIN identity_user u"
        " ON u.organisation_id = l.organisation_id WHERE u.username = 'school_clerk'"
        " ORDER BY l.id LIMIT 1"
    ).fetchone()[0]
    database.close()
    instance, request, approver = waiting
    return {"instance": instance, "request": request, "approver": approver, "line": line}


def _pages(var_dir: Path) -> list[tuple[str, str | None, str]]:
    d = _documents(var_dir)
    return [
        *STATIC[:2],
        ("home-wj-leader", "wj_leader", "/"),  # the district picture's charts first (ADR 0037)
        ("inbox", d["approver"], "/workflow/inbox/"),
        ("approval", d["approver"], f"/workflow/instances/{d['instance']}/"),
        *STATIC[2:3],
        ("payment-request", "school_clerk", f"/payments/{d['request']}/"),
        *STATIC[3:5],
        ("indicator-line", "school_clerk", f"/indicators/lines/{d['line']}/"),
        *STATIC[5:],
    ]


def _describe(name: str, violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
    more = len(violation["nodes"]) - len(targets)
    return (
        f"{name}: {violation['id']} ({violation['impact']}) on {', '.join(targets)}"
        f"{f' and {more} more' if more > 0 else ''}: {violation['help']}"
    )


def test_main_pages_have_no_serious_accessibility_violation(
    browser: Any, demo_server: dict[str, Any]
) -> None:
    base = demo_server["base"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    # The site's CSP allows only its own scripts ('self'); axe is injected for the audit alone.
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1366, "height": 768}, bypass_csp=True
    )
    page = context.new_page()
    found: list[str] = []
    current: str | None = ""
    for name, username, path in _pages(demo_server["base_var_dir"]):
        if username != current:
            context.clear_cookies()
            if username:
                login(page, base, username)
            current = username
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, (name, path)
        page.wait_for_load_state("networkidle")
        if name == "inbox":  # the inbox shows the waiting payment request
            assert page.locator("main table tbody tr").count() >= 1
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        results = axe.run(page).response
        found += [_describe(name, v) for v in results["violations"] if v["impact"] in BLOCKING]
    context.close()
    assert not found, "serious or critical accessibility violations:\n" + "\n".join(found)


def test_voucher_and_ledger_print_without_the_site_chrome(
    browser: Any, demo_server: dict[str, Any]
) -> None:
    """Print styles (a11y.css): the voucher with the most lines (a salary run) fits one A4 page;
    the ledger prints every row of its page, unclipped, with the header on each sheet."""
    import io
    import unicodedata

    from pypdf import PdfReader

    def text(sheet: Any) -> str:  # the PDF's fonts map some characters to Kangxi radicals
        return unicodedata.normalize("NFKC", sheet.extract_text()).replace(" ", "")

    base = demo_server["base"]
    database = sqlite3.connect(
        f"file:{demo_server['base_var_dir'] / 'yusuan.sqlite3'}?mode=ro", uri=True
    )
    request = database.execute(
        "SELECT v.request_id FROM payments_paymentvoucher v"
        " JOIN payments_paymentrequest r ON r.id = v.request_id"
        " JOIN identity_user u ON u.organisation_id = r.organisation_id"
        " WHERE u.username = 'school_clerk' ORDER BY"
        " (SELECT count(*) FROM payments_paymentline l WHERE l.request_id = v.request_id) DESC"
        " LIMIT 1"
    ).fetchone()[0]
    database.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="zh-CN", viewport={"width": 794, "height": 1123})
    page = context.new_page()
    login(page, base, "school_clerk")
    page.emulate_media(media="print")

    page.goto(f"{base}/payments/{request}/voucher/")
    for chrome in (".sidebar", ".topbar", ".btn"):
        assert all(not e.is_visible() for e in page.locator(chrome).all()), chrome
    page.screenshot(path=str(SHOTS / "print-voucher.png"), full_page=True)
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    assert len(pdf.pages) == 1
    assert "国库集中支付凭证" in text(pdf.pages[0])

    page.goto(f"{base}/indicators/ledger/")
    rows = page.locator("table.grid tbody tr").count()
    box = page.locator(".grid-scroll")
    assert box.evaluate("e => e.scrollHeight <= e.clientHeight + 1")  # nothing scrolled away
    assert page.locator(".grid-bar").is_hidden() and page.locator(".grid-pager").is_hidden()
    page.screenshot(path=str(SHOTS / "print-ledger.png"), full_page=True)
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    header = page.locator("table.grid thead th").first.inner_text().strip()
    assert rows >= 10
    assert all(header in text(sheet) for sheet in pdf.pages)
    context.close()
