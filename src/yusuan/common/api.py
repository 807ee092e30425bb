"""Helpers for API routers of every app: who is calling, with which token scopes."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest

from ninja import Header

from yusuan.common.actor import PermissionDeniedError

# The header every mutating endpoint declares and hands to ``audit.idempotency.write_once``
# (P11); tests/test_api_integrator.py walks the OpenAPI document for it.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="1–128 printable characters; a retry with the same key and body replays "
        "the first answer (Idempotent-Replayed: true), another body is a 409",
    ),
]


def api_actor(request: HttpRequest) -> Any:
    """The authenticated user (session or token); set by the API's auth classes."""
    return request.auth  # type: ignore[attr-defined]


def require(request: HttpRequest, permission: str | None, api_scope: str) -> Any:
    """Role permission for everyone; for token callers also the token's scope (e.g. ``core:read``)."""
    actor = api_actor(request)
    token_scopes: list[str] | None = getattr(request, "api_token_scopes", None)
    if token_scopes is not None and api_scope not in token_scopes:
        raise PermissionDeniedError(f"token scope {api_scope}")
    if permission is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(permission)
    return actor
