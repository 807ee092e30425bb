"""How payments' documents read on other pages (audit log, indicator trace): ``common.documents``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yusuan.common import documents
from yusuan.payments.models import Correction, PaymentLine, PaymentRequest, PaymentVoucher, Refund

VIEW = "payments.view_paymentrequest"
DETAIL = "payments:request_detail"


def _lines(actor: Any) -> Any:
    return PaymentLine.objects.filter(request__in=PaymentRequest.objects.visible_to(actor))


def register_documents() -> None:
    request: dict[str, Any] = {"noun": _("Payment request"), "permission": VIEW, "url_name": DETAIL}
    for code in ("payments.paymentrequest", "payments.request"):
        documents.register(
            code, queryset=PaymentRequest.objects.visible_to, number="number", **request
        )
    # A bank result moves money per line: the line reads as its request.
    documents.register(
        "payments.line", queryset=_lines, number="request__number", url_arg="request_id", **request
    )
    documents.register(
        "payments.paymentvoucher",
        noun=_("Payment voucher"),
        permission=VIEW,
        queryset=PaymentVoucher.objects.visible_to,
        number="number",
        url_name=DETAIL,
        url_arg="request_id",
    )
    for codes, model, noun in (
        (("payments.refund",), Refund, _("Refund")),
        (("payments.correction",), Correction, _("Correction")),
    ):
        for code in codes:
            documents.register(
                code,
                noun=noun,
                permission=VIEW,
                queryset=model.objects.visible_to,
                number="number",
                url_name=DETAIL,
                url_arg="line__request_id",
            )
