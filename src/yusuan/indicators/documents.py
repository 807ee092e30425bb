"""How indicator documents read on other pages (audit log, traces): ``common.documents``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from yusuan.common import documents
from yusuan.indicators.choices import DocumentKind
from yusuan.indicators.models import (
    IndicatorDocument,
    IndicatorLine,
    IndicatorSource,
    SupplementRequest,
)


def register_documents() -> None:
    document: dict[str, Any] = {
        "noun": _("Indicator document"),
        "permission": "indicators.view_indicatordocument",
        "queryset": IndicatorDocument.objects.visible_to,
        "number": "number",
        "url_name": "indicators:document_detail",
    }
    documents.register("indicators.indicatordocument", **document)
    documents.register("indicators.document", **document)
    documents.register(
        "indicators.adjustment",
        **{
            **document,
            "noun": _("Adjustment"),
            "queryset": lambda actor: IndicatorDocument.objects.visible_to(actor).filter(
                kind=DocumentKind.ADJUST
            ),
        },
    )
    documents.register(
        "indicators.indicatorline",
        noun=_("Indicator line"),
        permission="indicators.view_indicatorline",
        queryset=IndicatorLine.objects.visible_to,
        number="code",
        url_name="indicators:line_detail",
    )
    documents.register(
        "indicators.indicatorsource",
        noun=_("Indicator source"),
        permission="indicators.view_indicatorsource",
        queryset=IndicatorSource.objects.visible_to,
        number="code",
        url_name="indicators:source_detail",
    )
    documents.register(
        "indicators.supplementrequest",
        noun=_("Supplement request"),
        permission="indicators.view_supplementrequest",
        queryset=SupplementRequest.objects.visible_to,
        number="number",
        url_name="indicators:supplement_detail",
    )
