"""A month's salary from the sheet to one employee's refund (issue 5, R-PY-4, P9): a sheet with a
bad row is refused with the row and column named; the clean sheet is matched to the salary
indicators and becomes one request; approved from the inbox, sent and settled by the bank; then
one teacher's line is refunded in part from the voucher and confirmed by the approver."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from tests.browser.conftest import approve_from_inbox, login
from tests.payment_helpers import DEFAULT_HEADER, TEACHER_ITEM_OF_CLASS, employees, salary_sheet

SCHOOL = "吴江区松陵实验小学"
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


def _enrol_on_the_server(
    page: Any, demo_server: dict[str, Any], rows: list[list[object]], tmp_path: Path
) -> None:
    """R-PS-5 (ADR 0045): the 30 teachers are put in the demo server's personnel database the way
    a finance personnel officer does it, by importing the people sheet (人员信息库 → 导入)."""
    from openpyxl import Workbook

    from yusuan.personnel.services.sheet import COLUMNS

    database = sqlite3.connect(
        f"file:{demo_server['base_var_dir'] / 'yusuan.sqlite3'}?mode=ro", uri=True
    )
    (code,) = database.execute(
        "SELECT code FROM core_organisation WHERE name = ?", (SCHOOL,)
    ).fetchone()
    database.close()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([c.zh for c in COLUMNS])
    header = DEFAULT_HEADER
    for row in rows:
        values = dict(zip(header, row, strict=False))
        items = {
            f"item:{key}": values[column]
            for column in header
            if (key := TEACHER_ITEM_OF_CLASS.get(column[:5])) and values[column] not in (None, "")
        }
        pay = sum(float(str(v)) for v in items.values())
        person = {
            "org_code": code,
            "org_name": SCHOOL,
            "id_number": values["身份证号"],
            "name": values["姓名"],
            "status": "事业专技岗",
            "establishment": "事业编",
            "state": "在职",
            "work_start_date": "2010-08-01",
            "unit_join_date": "2015-08-01",
            "post_category": "专业技术岗位",
            "post_level": 10,
            "salary_scale": 20,
            "pension_base": pay,
            "medical_base": pay,
            "housing_base": pay,
            **items,
        }
        sheet.append([person.get(c.key, "") for c in COLUMNS])
    people = tmp_path / "新进教师.xlsx"
    book.save(people)
    login(page, demo_server["base"], "wj_personnel")
    page.goto(f"{demo_server['base']}/personnel/import/")
    page.set_input_files("input[type=file]", str(people))
    page.fill("input[name=effective_from]", "2026-01-01")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".messages")).to_contain_text("30")


def test_salary_sheet_to_one_line_refunded(
    page: Any, demo_server: dict[str, Any], tmp_path: Path
) -> None:
    base = demo_server["base"]
    rows = employees(30, base=1200)
    _enrol_on_the_server(page, demo_server, rows, tmp_path)
    page.context.clear_cookies()
    login(page, base, "school_clerk")
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
    good_file.write_bytes(salary_sheet(rows))
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
