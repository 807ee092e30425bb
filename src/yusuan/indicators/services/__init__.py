"""Indicator services: documents (R-IN-4) and the ledger's write path (ADR 0009)."""

from yusuan.indicators.services.documents import (
    DocumentInput,
    LineInput,
    LineSpec,
    apply_document,
    as_input,
    document_create,
    document_post,
    document_update,
    document_void,
    revalidate,
    set_state,
)
from yusuan.indicators.services.ledger import Op, apply, post

__all__ = [
    "DocumentInput",
    "LineInput",
    "LineSpec",
    "Op",
    "apply",
    "apply_document",
    "as_input",
    "document_create",
    "document_post",
    "document_update",
    "document_void",
    "post",
    "revalidate",
    "set_state",
]
