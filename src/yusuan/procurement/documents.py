"""How procurement documents read on other pages (audit log, indicator trace):
``common.documents``. Audit records name a model label, ledger movements a source code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from yusuan.common import documents
from yusuan.procurement.models import (
    Contract,
    ProcurementChange,
    ProcurementIntention,
    ProcurementPlan,
)


def register_documents() -> None:
    documents.register(
        "procurement.contract",
        noun=_("Contract"),
        permission="procurement.view_contract",
        queryset=Contract.objects.visible_to,
        number="number",
        url_name="procurement:contract_detail",
    )
    # Audit records name the model label; its ledger postings the source code.
    for code in ("procurement.procurementplan", "procurement.plan"):
        documents.register(
            code,
            noun=_("Procurement plan"),
            permission="procurement.view_procurementplan",
            queryset=ProcurementPlan.objects.visible_to,
            number="number",
            url_name="procurement:plan_detail",
        )
    documents.register(
        "procurement.procurementintention",
        noun=_("Procurement intention"),
        permission="procurement.view_procurementintention",
        queryset=ProcurementIntention.objects.visible_to,
        number="number",
        url_name="procurement:intention_detail",
    )
    for code in ("procurement.procurementchange", "procurement.change"):
        documents.register(
            code,
            noun=_("Procurement change"),
            permission="procurement.view_procurementchange",
            queryset=ProcurementChange.objects.visible_to,
            number="number",
            url_name="procurement:change_detail",
        )
