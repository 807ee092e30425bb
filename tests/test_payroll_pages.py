"""Salary batch pages: a bad sheet lists every problem and keeps nothing; a clean one shows the
matching table; the clerk corrects a matched amount, names the withholding payees and generates
the request; the request page links the batch and finds one employee's line; another unit's
batch is a 404."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

import pytest
from tests.payment_helpers import _line, _payee, employees, enrol, enrolled_sheet, salary_sheet

from yusuan.common.tabular import read_rows
from yusuan.core.models import BankAccount
from yusuan.payroll.models import PayrollBatch

pytestmark = pytest.mark.django_db


def _upload(client: Any, data: bytes) -> Any:
    return client.post(
        "/payments/payroll/",
        {"month": "11", "file": SimpleUploadedFile("十一月工资.xlsx", data)},
    )


def test_bad_sheet_lists_every_row_and_keeps_nothing(client_as: Any) -> None:
    client = client_as("school_clerk")
    rows = employees(4)
    rows[0][6] = "abc"
    rows[2][2] = "123"
    before = PayrollBatch.objects.count()
    page = _upload(client, salary_sheet(rows))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="import-errors"' in html
    assert "发现 2 个问题" in html  # the suite speaks Chinese, the default language (ADR 0007)
    assert "（G2）" in html and "（C4）" in html
    assert PayrollBatch.objects.count() == before


def test_clean_sheet_matched_and_generated(client_as: Any, user: Any) -> None:
    client = client_as("school_clerk")
    page = _upload(client, enrolled_sheet(employees(30)))
    assert page.status_code == 302
    batch = PayrollBatch.objects.latest("pk")
    detail = client.get(page["Location"])
    html = detail.content.decode()
    basic, performance = _line(user, "30101"), _line(user, "30107")
    assert f'name="match:30101:{basic.pk}"' in html and 'data-testid="matching"' in html
    school = user("school_clerk").organisation
    account = BankAccount.objects.get(organisation=school, account_type="unit_zero_balance")
    form = {
        f"match:30101:{basic.pk}": "30000.00",
        f"match:30107:{performance.pk}": "100.00",  # too little: the item stays unmatched
        "payee:个人所得税": str(_payee(user).pk),
        "payee:住房公积金": str(_payee(user).pk),
        "pay_date": "2026-11-23",
        "payer_account_id": str(account.pk),
    }
    refused = client.post(f"/payments/payroll/{batch.pk}/", form)
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "工资项目 30107 还有" in text
    form[f"match:30107:{performance.pk}"] = f"{batch.items['30107'] / 100:.2f}"
    done = client.post(f"/payments/payroll/{batch.pk}/", form)
    assert done.status_code == 302
    batch.refresh_from_db()
    assert batch.request is not None and batch.request.lines.count() == 32
    # The request's page links the batch it came from (payroll registers it with payments).
    shown = client.get(done["Location"]).content.decode()
    link = f'<dt>工资批次</dt><dd><a href="/payments/payroll/{batch.pk}/" data-testid="origin">'
    assert f"{link}{batch.number}</a> · 30 人 · 已核对（不符即阻断）</dd>" in shown
    found = client.get(f"{done['Location']}?q=职工00017").content.decode()
    assert "职工00017" in found and "职工00018" not in found
    assert "32 行中的 1 行" in found


def test_another_units_batch_is_404(client_as: Any) -> None:
    clerk = client_as("school_clerk")
    assert _upload(clerk, enrolled_sheet(employees(2))).status_code == 302
    batch = PayrollBatch.objects.latest("pk")
    outsider = client_as("hospital_clerk")
    assert outsider.get(f"/payments/payroll/{batch.pk}/").status_code == 404
    assert batch.number not in outsider.get("/payments/payroll/").content.decode()
    template = clerk.get("/payments/payroll/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_the_template_imports_as_it_is(client_as: Any) -> None:
    clerk = client_as("school_clerk")
    template = clerk.get("/payments/payroll/template.xlsx").content
    # R-PS-5: its two example people are the school's teachers at these standards.
    header, *rows = read_rows(template, "template.xlsx")
    enrol([list(r) for r in rows], [str(c) for c in header])
    assert _upload(clerk, template).status_code == 302
    batch = PayrollBatch.objects.latest("pk")
    assert batch.employees == 2 and batch.net == 7454_50 + 6858_80
