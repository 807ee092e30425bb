"""Browser journeys against a real `yusuan demo` server (tiny scale, its own SQLite file),
driven by Playwright with Debian's Chromium. A failing test leaves a screenshot in test-artifacts/."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_demo(
    tmp_path_factory: pytest.TempPathFactory, as_of: Any, scale: str
) -> Iterator[dict[str, Any]]:
    """``yusuan demo --scale <scale>`` in its own process and SQLite file, until the session ends."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required under CI (scripts/setup.sh --browser installs it)")
        pytest.skip("Debian's Chromium is not installed (scripts/setup.sh --browser)")
    var_dir = tmp_path_factory.mktemp(f"demo-var-{scale}")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        YUSUAN_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="yusuan.conf.dev", PYTHONUNBUFFERED="1"
    )
    log = (var_dir / "server.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [
            sys.executable,
            "-m",
            "yusuan",
            "demo",
            "--scale",
            scale,
            "--addr",
            f"127.0.0.1:{port}",
            "--as-of",
            as_of.isoformat(),
        ],  # fmt: skip
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(
                "demo server did not start:\n" + (var_dir / "server.log").read_text()[-3000:]
            )
        time.sleep(0.5)
    database = sqlite3.connect(f"file:{var_dir / 'yusuan.sqlite3'}?mode=ro", uri=True)
    ids = dict(database.execute("SELECT name, id FROM core_organisation").fetchall())
    database.close()
    yield {"base": base, "org_ids": ids, "base_var_dir": var_dir}
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture(scope="session")
def demo_server(
    tmp_path_factory: pytest.TempPathFactory, fixed_clock: Any
) -> Iterator[dict[str, Any]]:
    """The server runs on the real clock in its own process; its demo is loaded as of the suite's
    fixed clock's day, so its business dates are the ones the tests' database has."""
    from django.utils import timezone

    yield from _serve_demo(tmp_path_factory, timezone.localdate(fixed_clock), "tiny")


@pytest.fixture(scope="session")
def district_server(
    tmp_path_factory: pytest.TempPathFactory, fixed_clock: Any
) -> Iterator[dict[str, Any]]:
    """The district-scale demo (300 units, thousands of indicator lines; about 25 s to load),
    for the pages whose layout only shows its faults at scale."""
    from django.utils import timezone

    yield from _serve_demo(tmp_path_factory, timezone.localdate(fixed_clock), "district")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per module: Playwright's sync API keeps an event loop running while it is
    open, and a database test that a pytest-xdist worker runs after a browser module would then
    be refused by Django (SynchronousOnlyOperation). Closing it with the module ends the loop."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 860})
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def login(page: Any, base: str, username: str, password: str = "Yusuan@2026") -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].btn")
    page.wait_for_url(f"{base}/")


def approve_from_inbox(page: Any, base: str, number: str, approvers: tuple[str, ...]) -> None:
    """Each approver in turn logs in, opens the document from 待办 and approves it."""
    import re

    from playwright.sync_api import expect

    for approver in approvers:
        page.context.clear_cookies()
        login(page, base, approver)
        page.goto(f"{base}/workflow/inbox/")
        page.get_by_role("link", name=re.compile(re.escape(number))).first.click()
        page.fill("textarea[name=comment]", "同意。")
        page.get_by_test_id("approve").click()
        expect(page.locator(".messages")).to_be_visible()


BANK_REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>STS-{file}</MsgId><CreDtTm>2026-11-23T16:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{file}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>
</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>{voucher}</OrgnlPmtInfId>
{transactions}
</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"""


def paid_by_bank(page: Any, base: str, detail: str, folder: Path, lines: int = 1) -> str:
    """The treasury sends the issued vouchers to the banks (one file per agent bank); the bank
    holding the request at ``detail`` reports every line (``lines``) of it accepted (pain.002).
    Returns the send's messages."""
    import re

    from playwright.sync_api import expect

    page.context.clear_cookies()
    login(page, base, "wj_treasury")
    page.goto(f"{base}/payments/bank/")
    page.get_by_test_id("send").click()
    message = page.locator(".messages").inner_text()
    files = re.findall(r"YS\w+", message)  # one per agent bank
    page.goto(detail)
    voucher = page.get_by_test_id("voucher").inner_text().split(" ")[-1]
    transactions = "\n".join(
        f"<TxInfAndSts><StsId>{n}</StsId><OrgnlEndToEndId>{voucher}-{n}</OrgnlEndToEndId>"
        "<TxSts>ACSC</TxSts></TxInfAndSts>"
        for n in range(1, lines + 1)
    )
    for sent in files:  # the report names its file; the other banks' files do not hold it
        report = folder / f"sts-{sent}.xml"
        report.write_text(
            BANK_REPORT.format(file=sent, voucher=voucher, transactions=transactions),
            encoding="utf-8",
        )
        page.goto(f"{base}/payments/bank/")
        page.get_by_test_id("report").set_input_files(str(report))
        page.get_by_test_id("upload").click()
        expect(page.locator(".messages")).to_be_visible()
        page.goto(detail)
        if page.get_by_test_id("request-state").get_attribute("data-state") == "paid":
            break
    return message
