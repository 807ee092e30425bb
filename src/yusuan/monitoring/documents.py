"""How monitoring findings read on other pages (audit log): ``common.documents``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yusuan.common import documents
from yusuan.monitoring.services import findings_visible


def register_documents() -> None:
    documents.register(
        "monitoring.monitoringfinding",
        noun=_("Monitoring finding"),
        permission="payments.view_paymentrequest",
        queryset=findings_visible,
        number="rule",
        url_name="monitoring:finding_detail",
    )
