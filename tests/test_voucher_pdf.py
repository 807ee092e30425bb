"""The voucher PDF prints what was typed, literally, and the date a person in Beijing lives on.

ReportLab reads a ``Paragraph``'s text as markup, so a purpose or a payee name holding ``<font>``
or ``<img src=…>`` used to restyle the voucher, fail to build it, or read a file from the server.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace
from typing import Any

import pytest
import time_machine
from pypdf import PdfReader
from stdnum.cn import uscc
from tests.payment_helpers import _approved, _input, _line

from yusuan.common.money import Money
from yusuan.core.services.accounts import PayeeData, payee_create
from yusuan.payments.services import PaymentLineInput, request_create
from yusuan.payments.voucher_pdf import voucher_pdf

pytestmark = pytest.mark.django_db

MARKUP_NAMES = ("<font size=40>x</font>", '<img src="/etc/passwd"/>', "<b>x</b>", "A & B <i>")
# 23:30 UTC on 10 March is 07:30 on 11 March in Beijing: the voucher is dated the 11th.
ISSUED_UTC = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)


def _credit_code(serial: int) -> str:
    """A valid 统一社会信用代码 (GB 32100 check character) for test company ``serial``."""
    body = f"913205099900{serial:05d}"
    return body + uscc.calc_check_digit(body)


def _payee(user: Any, name: str, serial: int) -> int:
    clerk = user("school_clerk")
    payee = payee_create(
        actor=clerk,
        organisation_id=clerk.organisation_id,
        data=PayeeData(
            kind="organisation",
            name=name,
            credit_code=_credit_code(serial),
            bank_account_no=f"62220200990{serial:05d}",
            bank_name="建设银行吴江支行",
        ),
    )
    return payee.pk


def _issued(user: Any, purpose: str, names: tuple[str, ...]) -> Any:
    office = _line(user, "30201")
    payees = [_payee(user, name, i) for i, name in enumerate(names)]
    lines = [PaymentLineInput(office.pk, Money.parse("1.00"), payee_id=p) for p in payees]
    data = replace(_input(user, [], purpose=purpose), lines=lines)
    request = request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    return _approved(user, request)


def _pdf_text(request: Any) -> str:
    lines = request.lines.select_related("indicator_line").order_by("row")
    pdf = voucher_pdf(request, request.voucher, lines)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_markup_in_purpose_and_names_prints_literally(user: Any) -> None:
    request = _issued(user, "<b>x</b> 购买 <font color=red>办公用品</font>", MARKUP_NAMES)
    text = _pdf_text(request)
    assert "用途：<b>x</b> 购买 <font color=red>办公用品</font>" in text
    for name in MARKUP_NAMES:
        assert name in text


def test_markup_in_the_voucher_page_through_the_view(client_as: Any, user: Any) -> None:
    request = _issued(user, "<b>x</b>", ('<img src="/etc/passwd"/>',))
    response = client_as("school_clerk").get(f"/payments/{request.pk}/voucher.pdf")
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "<b>x</b>" in text and '<img src="/etc/passwd"/>' in text


def test_voucher_pdf_is_dated_in_beijing_time(user: Any) -> None:
    with time_machine.travel(ISSUED_UTC, tick=False):
        request = _issued(user, "凌晨开具的凭证", ("吴江凌晨印务有限公司",))
    assert request.voucher.created_at == ISSUED_UTC
    text = _pdf_text(request)
    assert "开具日期 2026-03-11" in text
    assert "2026-03-10" not in text
