from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from yusuan.audit import context


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy the operator sets it to overwrite REMOTE_ADDR; we never trust X-Forwarded-For.
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def session_hash(request: HttpRequest) -> str:
    key = getattr(getattr(request, "session", None), "session_key", None) or ""
    return hashlib.sha256(key.encode()).hexdigest()[:16] if key else ""


class AuditContextMiddleware:
    """Binds who-is-asking-from-where for :func:`yusuan.audit.services.audit_record`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        token = context.bind(
            context.RequestContext(
                ip_address=client_ip(request),
                session_hash=session_hash(request),
                request_id=request_id,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response
