from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from yusuan.audit import context


def client_ip(request: HttpRequest) -> str:
    # Behind a proxy the operator sets it to overwrite REMOTE_ADDR; we never trust X-Forwarded-For.
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def session_hash(request: HttpRequest) -> str:
    key = getattr(getattr(request, "session", None), "session_key", None) or ""
    return hashlib.sha256(key.encode()).hexdigest()[:16] if key else ""


DEVICE_COOKIE = "yusuan_device"
DEVICE_COOKIE_SECONDS = 400 * 24 * 3600


def device_hash(device_id: str) -> str:
    return hashlib.sha256(device_id.encode()).hexdigest()[:16] if device_id else ""


class AuditContextMiddleware:
    """Binds who-is-asking-from-where for :func:`yusuan.audit.services.audit_record`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        # A browser keeps one random device id across log-outs and log-ins, so that several
        # people acting from one machine (a borrowed UKey, P6) show up in the reports.
        device_id = request.COOKIES.get(DEVICE_COOKIE, "")
        if len(device_id) != 32 or not device_id.isalnum():
            device_id = ""
        new_device = "" if device_id else uuid.uuid4().hex
        token = context.bind(
            context.RequestContext(
                ip_address=client_ip(request),
                session_hash=session_hash(request),
                request_id=request_id,
                device_hash=device_hash(device_id or new_device),
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        if new_device and not request.path.startswith(("/api/", "/static/", "/healthz")):
            response.set_cookie(
                DEVICE_COOKIE,
                new_device,
                max_age=DEVICE_COOKIE_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
