"""The /api/v1 OpenAPI document as tests walk it: every mutating operation, so that a new
endpoint is covered by the CSRF and idempotency tests without editing them."""

from __future__ import annotations

from typing import Any

from django.test import Client

WRITE_METHODS = ("post", "put", "patch", "delete")


def write_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, operation) of every mutating operation in /api/v1/openapi.json."""
    document = Client().get("/api/v1/openapi.json").json()
    return [
        (method, template, operation)
        for template, methods in document["paths"].items()
        for method, operation in methods.items()
        if method in WRITE_METHODS
    ]
