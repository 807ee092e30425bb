"""What the indicator endpoints share: their token scopes, the link to an operation of /api/v1
and the reference to a document that lines, movements and source draws all carry."""

from typing import Any

from django.urls import reverse

from ninja import Schema

from yusuan.indicators.models import IndicatorDocument

READ, WRITE = "indicators:read", "indicators:write"


class DocumentRef(Schema):
    id: int
    number: str
    kind: str
    subtype: str
    state: str
    doc_no: str
    title: str
    url: str


def _api(name: str, *args: Any) -> str:
    return reverse(f"api-1.0.0:{name}", args=args)


def _document_ref(document: IndicatorDocument) -> dict[str, Any]:
    return {
        "id": document.pk,
        "number": document.number,
        "kind": document.kind,
        "subtype": document.subtype,
        "state": document.state,
        "doc_no": document.doc_no,
        "title": document.title,
        "url": _api("indicator_document", document.pk),
    }
