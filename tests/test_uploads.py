"""Uploads are bounded (issue 13 item 6): a file's size, what an .xlsx unpacks to and its
compression ratio, its rows and columns, and the time spent reading it — each refused with the
limit named, before or while parsing, never after a worker spent half a minute on it."""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

import pytest
from tests.payment_helpers import employees, salary_sheet

from yusuan.common import tabular
from yusuan.common.errors import BusinessRuleError
from yusuan.common.tabular import read_rows, write_table
from yusuan.core.exchange import code_set_import_file
from yusuan.core.models import ClassificationCode
from yusuan.payroll.models import PayrollBatch

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>代码集</t></is></c><c r="B1" t="inlineStr"><is><t>编码</t></is></c><c r="C1" t="inlineStr"><is><t>名称</t></is></c></row>'  # noqa: E501
# One code row without cell references (they are optional): identical rows pack ~1000:1.
ROW = (
    "<row><c t='inlineStr'><is><t>functional</t></is></c><c t='inlineStr'><is><t>2050205</t>"
    "</is></c><c t='inlineStr'><is><t>高等教育</t></is></c></row>"
)


def _xlsx(sheet_xml: str | bytes) -> bytes:
    """A valid workbook whose first sheet is ``sheet_xml`` as written (a crafted file)."""
    template = zipfile.ZipFile(io.BytesIO(write_table([], [], file_format="xlsx")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as crafted:
        for part in template.infolist():
            data = template.read(part)
            if part.filename == SHEET:
                data = sheet_xml.encode() if isinstance(sheet_xml, str) else sheet_xml
            crafted.writestr(part.filename, data)
    return out.getvalue()


def _sheet(rows: str, dimension: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dim}<sheetData>{rows}</sheetData></worksheet>"
    )


def _bomb(inflated_bytes: int) -> bytes:
    return _xlsx(_sheet(HEADER + ROW * (inflated_bytes // len(ROW.encode()))))


def _refusal(data: bytes, filename: str) -> Any:
    with pytest.raises(BusinessRuleError) as excinfo:
        read_rows(data, filename)
    [error] = excinfo.value.errors
    return error


@pytest.mark.django_db
def test_zip_bomb_of_50_mb_is_refused_before_it_is_opened(user: Any) -> None:
    bomb = _bomb(50 * MB)
    assert len(bomb) < 300 * 1024  # the reported file: ~227 KiB that unpacks to 50 MB
    before = ClassificationCode.objects.count()
    with pytest.raises(BusinessRuleError) as excinfo:
        code_set_import_file(
            actor=user("wj_budget"),
            mof_div_code="320509",
            fiscal_year=2026,
            data=bomb,
            filename="codes.xlsx",
        )
    [error] = excinfo.value.errors
    assert (error.code, error.field, error.limit) == (
        "import.inflated_too_large",
        "file",
        settings.YUSUAN_UPLOAD_MAX_INFLATED_BYTES,
    )
    assert error.value > 50 * MB
    assert "解压后 50.0 MB，上限 40.0 MB" in error.message_zh
    assert "unpacks to 50.0 MB; the limit is 40.0 MB" in error.message_en
    assert ClassificationCode.objects.count() == before


@pytest.mark.django_db
def test_zip_bomb_on_the_salary_page_names_the_limit(client_as: Any) -> None:
    upload = SimpleUploadedFile("工资.xlsx", _bomb(50 * MB))
    page = client_as("school_clerk").post("/payments/payroll/", {"file": upload, "month": "3"})
    assert page.status_code == 200
    assert "解压后 50.0 MB，上限 40.0 MB" in page.content.decode()
    assert not PayrollBatch.objects.filter(file_name="工资.xlsx").exists()


def test_a_smaller_bomb_is_refused_by_its_compression_ratio() -> None:
    error = _refusal(_bomb(10 * MB), "codes.xlsx")  # under the size limit, packed ~1000:1
    assert (error.code, error.limit) == ("import.compression_ratio", "100:1")
    assert int(error.value.split(":")[0]) > 100
    assert f"{SHEET} 压缩比" in error.message_zh and "上限 100:1" in error.message_zh


def test_declared_rows_over_the_limit_are_refused_before_parsing() -> None:
    crafted = _xlsx(_sheet(HEADER, dimension="A1:C1048576"))
    error = _refusal(crafted, "codes.xlsx")
    assert (error.code, error.value, error.limit) == ("import.too_many_rows", "1,048,575", 50_000)
    assert "上限 50,000 行" in error.message_zh


def test_a_row_far_below_is_refused_while_streaming() -> None:
    # No dimension, two rows a million apart: openpyxl yields the million empty rows between.
    crafted = _xlsx(_sheet(HEADER + '<row r="1000000"><c r="A1000000"><v>1</v></c></row>'))
    error = _refusal(crafted, "codes.xlsx")
    assert (error.code, error.value, error.limit) == ("import.too_many_rows", "> 50,000", 50_000)


@pytest.mark.parametrize(
    ("sheet_xml", "value"),
    [
        pytest.param(_sheet(HEADER, dimension="A1:XFD2"), 16384, id="declared_case"),
        pytest.param(_sheet('<row r="1"><c r="XFD1"><v>1</v></c></row>'), 16384, id="cell_case"),
    ],
)
def test_columns_over_the_limit_are_refused(sheet_xml: str, value: int) -> None:
    error = _refusal(_xlsx(sheet_xml), "codes.xlsx")
    assert (error.code, error.value, error.limit) == ("import.too_many_columns", value, 200)


def test_an_over_long_csv_is_refused_and_one_at_the_limit_is_read() -> None:
    at_limit = "编码\n" + "1\n" * 50_000
    assert len(read_rows(at_limit.encode(), "codes.csv")) == 50_001
    error = _refusal((at_limit + "1\n").encode(), "codes.csv")
    assert (error.code, error.limit) == ("import.too_many_rows", 50_000)
    assert "上限 50,000 行" in error.message_zh


def test_a_wide_csv_and_a_broken_one_are_named() -> None:
    error = _refusal(("a," * 300 + "\n").encode(), "x.csv")
    assert (error.code, error.value, error.limit) == ("import.too_many_columns", 300, 200)
    error = _refusal(('"' + "x" * 200_000 + '"\n').encode(), "x.csv")
    assert error.code == "import.unreadable" and "field larger than field limit" in error.value


def test_parsing_is_stopped_at_the_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks: Iterator[int] = itertools.count()  # a clock one second later at every look
    monkeypatch.setattr(tabular, "monotonic", lambda: next(ticks))
    short = "编码\n" + "1\n" * 10
    assert len(read_rows(short.encode(), "codes.csv")) == 11
    ticks = itertools.count()
    error = _refusal(("编码\n" + "1\n" * 100).encode(), "codes.csv")
    assert (error.code, error.value, error.limit) == ("import.parse_timeout", 21, 20)
    assert "超过 20 秒的上限，在第 21 行停止" in error.message_zh


def test_a_10000_employee_salary_sheet_fits_the_limits() -> None:
    items = [f"301{i:02d} 工资项目{i}" for i in range(1, 23)]
    header = [
        "序号",
        "姓名",
        "身份证号",
        "银行账号",
        "开户银行",
        *items,
        "个人所得税",
        "住房公积金",
        "实发工资",
    ]
    rows = []
    for seq, name, number, account, bank, base, bonus, tax, fund, net in employees(10_000):
        extra = [round(bonus * 0.1 + i, 2) for i in range(20)]  # type: ignore[operator]
        rows.append([seq, name, number, account, bank, base, bonus, *extra, tax, fund, net])
    data = salary_sheet(rows, header=header)
    inflated = sum(p.file_size for p in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert len(header) == 30 and inflated > 8 * MB  # a realistic sheet, well under 40 MB
    assert len(read_rows(data, "工资.xlsx")) == 10_001


@pytest.mark.django_db
def test_an_oversized_upload_is_not_stored_past_the_limit(settings: Any, client_as: Any) -> None:
    settings.YUSUAN_UPLOAD_MAX_BYTES = 256 * 1024
    big = SimpleUploadedFile("工资.csv", b"x" * (2 * MB))
    request = RequestFactory().post("/", {"file": big})
    stored = request.FILES["file"]
    assert 256 * 1024 < stored.size <= 256 * 1024 + 64 * 1024  # one chunk over, not 2 MB

    big.seek(0)
    api = client_as("school_clerk").post("/api/v1/payments/payroll", {"file": big, "month": 3})
    assert api.status_code == 413
    [error] = api.json()["errors"]
    assert (error["code"], error["field"], error["limit"]) == ("upload.too_large", "file", 262144)
    assert "超过大小上限 0.2 MB" in error["message_zh"]


PAIN002_API = "/api/v1/payments/bank-results/pain002"


def _send_report(client: Any, how: str, content: bytes) -> Any:
    """A status report to the API as the body itself, or as a form's file."""
    if how == "body":
        return client.post(PAIN002_API, data=content, content_type="application/xml")
    return client.post(PAIN002_API, {"report": SimpleUploadedFile("pain002.xml", content)})


@pytest.mark.django_db
@pytest.mark.parametrize(("how", "field"), [("body", "body"), ("form", "report")])
def test_a_bank_report_is_bounded_by_the_upload_limit_alone(
    settings: Any, client_as: Any, how: str, field: str
) -> None:
    """A pain.002 is read whatever DATA_UPLOAD_MAX_MEMORY_SIZE (the ordinary requests' limit)
    says, and refused past YUSUAN_UPLOAD_MAX_BYTES with a 413 naming that limit."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024  # far below any real report
    treasury = client_as("wj_treasury")
    # A 10,000-line voucher's report is over Django's 2.5 MB default: it must be read.
    padded = b"<?xml version='1.0'?><!--" + b" " * (3 * MB) + b"--><x/>"
    read = _send_report(treasury, how, padded)
    assert read.status_code == 422, read.content[:300]
    assert read.json()["errors"][0]["code"] == "payments.pain002_invalid"  # read, then judged

    settings.YUSUAN_UPLOAD_MAX_BYTES = 2048
    refused = _send_report(treasury, how, b"<x/>" * 1000)
    assert refused.status_code == 413
    assert refused["Content-Type"] == "application/problem+json"
    [error] = refused.json()["errors"]
    assert (error["code"], error["field"], error["limit"]) == ("upload.too_large", field, 2048)
    assert "超过大小上限" in error["message_zh"] and "limit" in error["message_en"]
    assert _send_report(treasury, how, b"<x/>" * 500).status_code == 422  # 2,000 bytes: read


@pytest.mark.django_db
def test_the_upload_page_reads_a_bank_report_whatever_the_request_limit(
    settings: Any, client_as: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    treasury = client_as("wj_treasury")
    padded = b"<?xml version='1.0'?><!--" + b" " * (3 * MB) + b"--><x/>"
    page = treasury.post(
        "/payments/bank/", {"report": SimpleUploadedFile("回单.xml", padded)}, follow=True
    )
    assert page.status_code == 200
    assert "payments.pain002_invalid" in page.content.decode()  # read, then judged

    settings.YUSUAN_UPLOAD_MAX_BYTES = 2048
    page = treasury.post(
        "/payments/bank/", {"report": SimpleUploadedFile("回单.xml", b"<x/>" * 1000)}, follow=True
    )
    html = page.content.decode()
    assert page.status_code == 200 and "upload.too_large" in html and "回单.xml" in html


@pytest.mark.django_db
def test_an_approval_attachment_over_the_upload_limit_is_refused(settings: Any) -> None:
    from yusuan.workflow.models import WorkflowInstance
    from yusuan.workflow.services import instance_comment

    settings.YUSUAN_UPLOAD_MAX_BYTES = 256 * 1024
    instance = WorkflowInstance.objects.select_related("submitted_by").first()
    assert instance is not None
    scan = SimpleUploadedFile("批复.pdf", b"%PDF" + b"0" * (300 * 1024))
    with pytest.raises(BusinessRuleError) as excinfo:
        instance_comment(
            actor=instance.submitted_by, instance_id=instance.pk, comment="", files=[scan]
        )
    [error] = excinfo.value.errors
    assert (error.code, error.rule, error.field, error.limit) == (
        "workflow.attachment_size",
        "R-WF-7",
        "files[0]",
        256 * 1024,
    )
    assert error.message_zh == "附件 批复.pdf 超过 0.2 MB"


@pytest.mark.django_db
def test_an_oversized_bank_report_upload_is_refused_on_the_page(
    settings: Any, client_as: Any
) -> None:
    from yusuan.payments.models import PaymentLine

    settings.YUSUAN_UPLOAD_MAX_BYTES = 256 * 1024
    paid_before = PaymentLine.objects.filter(state="paid").count()
    report = SimpleUploadedFile("sts.xml", b"<x/>" + b" " * (2 * MB), "application/xml")
    page = client_as("wj_treasury").post("/payments/bank/", {"report": report}, follow=True)
    assert "文件 sts.xml 超过大小上限 0.2 MB" in page.content.decode()
    assert PaymentLine.objects.filter(state="paid").count() == paid_before
