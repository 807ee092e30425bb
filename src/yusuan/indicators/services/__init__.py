"""Indicator services: documents (R-IN-4), their checks and postings, and the ledger's write path
(ADR 0009)."""

from yusuan.indicators.services.documents import (
    as_input,
    document_check,
    document_create,
    document_post,
    document_update,
    document_void,
    revalidate,
)
from yusuan.indicators.services.inputs import DocumentInput, LineInput, LineSpec
from yusuan.indicators.services.ledger import Op, apply, post
from yusuan.indicators.services.posting import apply_document, set_state

__all__ = [
    "DocumentInput",
    "LineInput",
    "LineSpec",
    "Op",
    "apply",
    "apply_document",
    "as_input",
    "document_check",
    "document_create",
    "document_post",
    "document_update",
    "document_void",
    "post",
    "revalidate",
    "set_state",
]
