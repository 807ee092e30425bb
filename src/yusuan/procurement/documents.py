"""How contracts read on other pages (audit log, indicator trace): ``common.documents``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yusuan.common import documents
from yusuan.procurement.models import Contract


def register_documents() -> None:
    documents.register(
        "procurement.contract",
        noun=_("Contract"),
        permission="procurement.view_contract",
        queryset=Contract.objects.visible_to,
        number="number",
        url_name="procurement:contract_detail",
    )
