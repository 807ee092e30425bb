"""The payment voucher as a PDF (支付凭证, DOMAIN §2.10), for printing and filing.

Chinese text uses the Adobe CID font STSong-Light: it is not embedded, every PDF reader ships a
substitute for it, so the file stays small and nothing has to be downloaded (offline, P8).

A ``Paragraph`` reads its text as ReportLab markup (``<font>``, ``<img src=…>`` opens a file or a
URL): every value that comes from the database goes through ``_text`` first, so what was typed
prints as typed. Dates are the local (Beijing) date, as on the HTML voucher.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yusuan.common.money import Money
from yusuan.payments.choices import VoucherKind
from yusuan.payments.models import PaymentLine, PaymentRequest, PaymentVoucher

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
TEXT = ParagraphStyle("text", fontName=FONT, fontSize=9, leading=12)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=10)
COLUMNS = [12 * mm, 55 * mm, 70 * mm, 50 * mm, 45 * mm, 38 * mm]
FIRST_PAGE_ROWS, PAGE_ROWS = 12, 16  # two-line rows on landscape A4, below the header block


def _text(value: object) -> str:
    """A stored value as Paragraph text that ReportLab prints literally (``<b>`` stays ``<b>``)."""
    return escape(str(value))


def _grid(header_rows: int = 1) -> TableStyle:
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT, 8.5),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ]
    )


def voucher_pdf(
    document: PaymentRequest, voucher: PaymentVoucher, lines: Iterable[PaymentLine]
) -> bytes:
    # R-PY-12: a 实拨 voucher (treasury to treasury) is titled as such, not as a 支付凭证.
    allocation = voucher.kind == VoucherKind.ALLOCATION
    name = "实拨资金凭证" if allocation else "支付凭证"
    out = io.BytesIO()
    sheet = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"{name} {voucher.number}",
        author=document.organisation.name,
    )
    account = document.payer_account
    issued_on = timezone.localdate(voucher.created_at)
    head = [
        Paragraph("国库实拨资金凭证" if allocation else "国库集中支付凭证", TITLE),
        Paragraph(
            f"凭证号 {_text(voucher.number)}　支付申请 {_text(document.number)}　"
            f"开具日期 {issued_on:%Y-%m-%d}　支付日期 {document.pay_date:%Y-%m-%d}",
            TEXT,
        ),
        Spacer(0, 3 * mm),
        Paragraph(
            f"付款单位：{_text(document.organisation.name)}　"
            f"付款账户：{_text(account.account_name)} "
            f"{_text(account.account_no)} {_text(account.bank_name)}",
            TEXT,
        ),
        Paragraph(f"用途：{_text(document.purpose)}", TEXT),
        Spacer(0, 3 * mm),
    ]
    header = ["序号", "收款人", "收款账号 / 开户银行", "指标", "功能 / 经济分类", "金额（元）"]
    body: list[list[Any]] = [
        [
            str(line.row + 1),
            # A long company name wraps inside its column (a Paragraph); short names stay text.
            Paragraph(_text(line.payee_name), CELL)
            if len(line.payee_name) > 14
            else line.payee_name,
            f"{line.payee_account_no}\n{line.payee_bank_name}",
            line.indicator_line.code,
            f"{line.exp_func_code} / {line.dep_bgt_eco_code}",
            Money(line.amount).format(),
        ]
        for line in lines
    ]
    total = [
        "",
        f"合计（大写）人民币{voucher.amount_in_words}",
        "",
        "",
        "",
        f"¥{Money(voucher.amount).format()}",
    ]
    # One table per page, cut here: letting the layout engine split one long table costs time
    # quadratic in the rows (a 10,000-employee salary voucher took 46 s; this way a few).
    tables: list[Any] = []
    first, per_page = FIRST_PAGE_ROWS, PAGE_ROWS
    chunks = [body[:first]] + [body[i : i + per_page] for i in range(first, len(body), per_page)]
    for index, chunk in enumerate(chunks):
        rows = [header, *chunk]
        last = index == len(chunks) - 1
        if last:
            rows.append(total)
        table = Table(rows, colWidths=COLUMNS, repeatRows=1)
        style = _grid()
        if last:
            style.add("SPAN", (1, len(rows) - 1), (4, len(rows) - 1))
        table.setStyle(style)
        tables.append(table)
        if not last:
            tables.append(PageBreak())
    approvers = "、".join(voucher.approvers) or "—"
    issued = voucher.issued_by.full_name or voucher.issued_by.username
    foot = [
        Spacer(0, 4 * mm),
        Paragraph(f"审核审批：{_text(approvers)}　开具：{_text(issued)}", TEXT),
    ]
    sheet.build([*head, *tables, *foot])
    return out.getvalue()
