"""The payment voucher as a PDF (支付凭证, DOMAIN §2.10), for printing and filing.

Chinese text uses the Adobe CID font STSong-Light: it is not embedded, every PDF reader ships a
substitute for it, so the file stays small and nothing has to be downloaded (offline, P8).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from yusuan.common.money import Money
from yusuan.payments.models import PaymentLine, PaymentRequest, PaymentVoucher

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
TITLE = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1)
TEXT = ParagraphStyle("text", fontName=FONT, fontSize=9, leading=12)


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
    out = io.BytesIO()
    sheet = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=f"支付凭证 {voucher.number}",
        author=document.organisation.name,
    )
    account = document.payer_account
    head = [
        Paragraph("国库集中支付凭证", TITLE),
        Paragraph(
            f"凭证号 {voucher.number}　支付申请 {document.number}　"
            f"开具日期 {voucher.created_at:%Y-%m-%d}　支付日期 {document.pay_date:%Y-%m-%d}",
            TEXT,
        ),
        Spacer(0, 3 * mm),
        Paragraph(
            f"付款单位：{document.organisation.name}　付款账户：{account.account_name} "
            f"{account.account_no} {account.bank_name}",
            TEXT,
        ),
        Paragraph(f"用途：{document.purpose}", TEXT),
        Spacer(0, 3 * mm),
    ]
    rows: list[list[str]] = [
        ["序号", "收款人", "收款账号 / 开户银行", "指标", "功能 / 经济分类", "金额（元）"]
    ]
    for line in lines:
        rows.append(
            [
                str(line.row + 1),
                line.payee_name,
                f"{line.payee_account_no}\n{line.payee_bank_name}",
                line.indicator_line.code,
                f"{line.exp_func_code} / {line.dep_bgt_eco_code}",
                Money(line.amount).format(),
            ]
        )
    rows.append(
        [
            "",
            f"合计（大写）人民币{voucher.amount_in_words}",
            "",
            "",
            "",
            f"¥{Money(voucher.amount).format()}",
        ]
    )
    table = LongTable(
        rows,
        colWidths=[12 * mm, 55 * mm, 70 * mm, 50 * mm, 45 * mm, 38 * mm],
        repeatRows=1,
    )
    style = _grid()
    style.add("SPAN", (1, len(rows) - 1), (4, len(rows) - 1))
    table.setStyle(style)
    approvers = "、".join(voucher.approvers) or "—"
    issued = voucher.issued_by.full_name or voucher.issued_by.username
    foot = [
        Spacer(0, 4 * mm),
        Paragraph(f"审核审批：{approvers}　开具：{issued}", TEXT),
    ]
    sheet.build([*head, table, *foot])
    return out.getvalue()
