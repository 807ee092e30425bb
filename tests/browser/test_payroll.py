"""A month's salary from the sheet to one employee's refund (issue 5, R-PY-4, P9): a sheet with a
bad row is refused with the row and column named; the clean sheet is matched to the salary
indicators and becomes one request; approved from the inbox, sent and settled by the bank; then
one teacher's line is refunded in part from the voucher and confirmed by the approver."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import approve_from_inbox, login
from tests.payment_helpers import employees, enrolled_sheet, salary_sheet

ENTRY = (
    "<TxInfAndSts><StsId>{n}</StsId><OrgnlEndToEndId>{voucher}-{n}</OrgnlEndToEndId>"
    "<TxSts>ACSC</TxSts></TxInfAndSts>"
)
REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>ICBC-STS-PAYROLL</MsgId><CreDtTm>2026-11-23T16:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{file}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>
</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>{voucher}</OrgnlPmtInfId>
{entries}
</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"""


def test_salary_sheet_to_one_line_refunded(
    page: Any, demo_server: dict[str, Any], tmp_path: Path
) -> None:
    base = demo_server["base"]
    login(page, base, "school_clerk")
    rows = employees(30, base=1200)
    bad = [list(r) for r in rows]
    bad[4][2] = "320584198506120099"  # row 6: the check digit is wrong
    bad_file = tmp_path / "十一月工资（有误）.xlsx"
    bad_file.write_bytes(salary_sheet(bad))
    page.goto(f"{base}/payments/payroll/")
    page.set_input_files("#id_file", str(bad_file))
    page.get_by_test_id("payroll-import").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text("C6")
    expect(errors).to_contain_text("身份证号")
    page.screenshot(path=str(tmp_path / "payroll-refused.png"), full_page=True)

    good_file = tmp_path / "十一月工资.xlsx"
    good_file.write_bytes(enrolled_sheet(rows))
    page.set_input_files("#id_file", str(good_file))
    page.get_by_test_id("payroll-import").click()
    expect(page.get_by_test_id("employees")).to_have_text("30")
    expect(page.get_by_test_id("matching")).to_contain_text("30101")
    page.select_option(
        "select[data-testid='payee:个人所得税']", label="国家税务总局苏州市吴江区税务局"
    )
    page.select_option("select[data-testid='payee:住房公积金']", label="苏州市住房公积金管理中心")
    page.screenshot(path=str(tmp_path / "payroll-matching.png"), full_page=True)
    page.get_by_test_id("generate").click()
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "draft")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "submitted")
    number = page.locator("h1").inner_text().split(" ")[0]
    detail = page.url

    approve_from_inbox(page, base, number, ("school_reviewer", "school_approver"))
    page.context.clear_cookies()
    login(page, base, "wj_treasury")
    page.goto(f"{base}/payments/bank/")
    page.get_by_test_id("send").click()
    expect(page.locator(".messages")).to_be_visible()
    sent = re.search(r"YS\w+", page.locator(".messages").inner_text())[0]  # the file's id
    page.goto(detail)
    voucher = page.get_by_test_id("voucher").inner_text().split(" ")[-1]
    report = tmp_path / "sts.xml"
    entries = "\n".join(ENTRY.format(n=n, voucher=voucher) for n in range(1, 33))
    report.write_text(REPORT.format(file=sent, voucher=voucher, entries=entries), encoding="utf-8")
    page.goto(f"{base}/payments/bank/")
    page.get_by_test_id("report").set_input_files(str(report))
    page.get_by_test_id("upload").click()
    expect(page.locator(".messages")).to_be_visible()

    # The clerk finds 职工00006 on the voucher and refunds 300 of that line alone.
    page.context.clear_cookies()
    login(page, base, "school_clerk")
    page.goto(detail)
    expect(page.get_by_test_id("request-state")).to_have_attribute("data-state", "paid")
    page.get_by_test_id("voucher").click()  # click 1: the voucher
    page.get_by_test_id("voucher-refund-5").click()  # click 2: that employee's line
    expect(page.locator("body")).to_contain_text("职工00006")
    page.fill("input[name=amount]", "300")
    page.select_option("select[name=kind]", "payee_refund")
    page.select_option("select[name=reason]", "overpaid")
    page.get_by_test_id("register").click()  # click 3
    expect(page.get_by_test_id("refunds")).to_contain_text("职工00006")

    page.context.clear_cookies()
    login(page, base, "school_approver")
    page.goto(f"{detail}?q=职工00006")
    expect(page.get_by_test_id("lines")).to_contain_text("职工00006")
    expect(page.get_by_test_id("lines")).not_to_contain_text("职工00007")
    page.locator("[data-testid^=confirm-]").first.click()
    expect(page.get_by_test_id("refunds")).to_contain_text("恢复")
    page.screenshot(path=str(tmp_path / "payroll-refunded.png"), full_page=True)
