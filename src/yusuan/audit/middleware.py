from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from yusuan.audit import context
from yusuan.audit.services import security_event, write_deferred_security_events
from yusuan.common.api import REFUSED_TOKEN_SCOPE


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
            # Security events recorded inside a transaction that was then rolled back.
            write_deferred_security_events()
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


# Answers that carry a file out of the system: every one is recorded (who took what, when).
DOWNLOAD_CONTENT_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "text/csv",
    "application/xml",
    "text/xml",
    "application/zip",
    "application/octet-stream",
)
CSRF_FAILURE_ATTRIBUTE = "yusuan_csrf_failure"
# Set by the API's token authenticator when a key does not authenticate: the user whose token
# it claims to be (a prefix held by one person), or None.
TOKEN_HOLDER_CLAIMED = "yusuan_token_holder_claimed"  # noqa: S105 - an attribute name
PATH_LENGTH_MAX = 255
TOKEN_PREFIX_SHOWN = 8  # as many characters as ApiToken.prefix keeps


def mark_csrf_failure(request: HttpRequest, reason: str) -> None:
    """Called by the CSRF failure view. Django Ninja also calls that view while it authenticates
    a session (and may then accept a bearer token), so the middleware records a CSRF failure only
    if the answer is indeed a 403."""
    setattr(request, CSRF_FAILURE_ATTRIBUTE, reason or "csrf")


def is_download(response: HttpResponse) -> bool:
    disposition = response.get("Content-Disposition", "")
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return disposition.lower().startswith("attachment") or content_type in DOWNLOAD_CONTENT_TYPES


def _filename(response: HttpResponse) -> str:
    disposition = response.get("Content-Disposition", "")
    _, _, name = disposition.partition("filename=")
    return name.strip().strip('"')[:200]


def _bearer_key(request: HttpRequest) -> str:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _view_name(request: HttpRequest) -> str:
    """The view that answered. One API path serves several operations (``GET`` lists payees,
    ``POST`` registers one) under the URL name of the first: name the one of this method."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    for operation in _api_operations(match.func):
        if request.method in getattr(operation, "methods", ()):
            name = str(getattr(operation, "url_name", None) or operation.view_func.__name__)
            return f"{match.namespace}:{name}" if match.namespace else name
    return str(match.view_name)


def _api_operations(view: Any) -> list[Any]:
    """The Django Ninja operations one API path serves: its view is a closure over the path's
    ``PathView``, which lists them (each with its methods and function)."""
    for cell in getattr(view, "__closure__", None) or ():
        try:
            operations = getattr(cell.cell_contents, "operations", None)
        except ValueError:  # an empty cell
            continue
        if isinstance(operations, list):
            return operations
    return []


def _actor(request: HttpRequest) -> Any:
    """Who asked. A request with a bearer token is the token's alone (ADR 0018): if the token
    did not authenticate, nobody, whoever is signed in in that browser."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if _bearer_key(request) and getattr(request, "api_token_scopes", None) is None:
        return None
    return user


def _names_an_object(request: HttpRequest) -> bool:
    """A URL that matched a view with an object's id in it (``/payments/requests/42/``): its 404
    is a refused or missing object, not a mistyped address."""
    match = getattr(request, "resolver_match", None)
    return match is not None and bool(match.args or match.kwargs)


class SecurityEventMiddleware:
    """One place that records the refusals and downloads of pages and API alike, and keeps
    logged-in answers out of every cache (``Cache-Control: no-store``).

    Placed after the authentication and audit-context middleware, so that it sees the signed-in
    user (a bearer-token caller too, set by the API while answering) and the request's context.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        download = 200 <= response.status_code < 300 and is_download(response)
        if signed_in or download:
            response["Cache-Control"] = "no-store"
        self._record(request, response, _actor(request), download)
        return response

    def _record(
        self, request: HttpRequest, response: HttpResponse, user: Any, download: bool
    ) -> None:
        status = response.status_code
        path = request.path[:PATH_LENGTH_MAX]
        details: dict[str, Any] = {"method": request.method, "path": path, "status": status}
        view = _view_name(request)
        if view:
            details["view"] = view
        match = getattr(request, "resolver_match", None)
        if match is not None and match.route:
            details["route"] = str(match.route)[:PATH_LENGTH_MAX]
        csrf_reason = getattr(request, CSRF_FAILURE_ATTRIBUTE, None)
        refused_scope = getattr(request, REFUSED_TOKEN_SCOPE, None)
        if status == 403 and csrf_reason is not None:
            action = "security.csrf_failure"
            details["reason"] = str(csrf_reason)[:200]
        elif status == 403 and refused_scope is not None:
            # The token's holder may do it, the token may not: it was issued for less.
            action = "security.token_scope_refused"
            details["scope"] = str(refused_scope)
        elif status == 403:
            action = "security.permission_denied"
        elif status == 401 and _bearer_key(request):
            # A token that does not (or no longer) authenticate: its first characters tell which
            # (the prefix lists show them too); the rest of the key is never recorded. The
            # record names whose token it claims to be, never the browser's signed-in user.
            details["prefix"] = _bearer_key(request)[:TOKEN_PREFIX_SHOWN]
            holder = getattr(request, TOKEN_HOLDER_CLAIMED, None)
            security_event(
                action="security.token_refused",
                actor=None,
                username=getattr(holder, "username", ""),
                obj=holder,
                object_repr=path,
                extra=details,
            )
            return
        elif status == 404 and user is not None:
            action = "security.scope_refused" if _names_an_object(request) else "security.not_found"
        elif download and user is not None:
            action = "security.download"
            full_path = request.get_full_path()[:PATH_LENGTH_MAX]
            details.update(
                path=full_path,
                filename=_filename(response),
                content_type=response.get("Content-Type", "")[:100],
            )
            security_event(
                action=action,
                actor=user,
                object_type="file",
                object_repr=details["filename"] or full_path,
                extra=details,
            )
            return
        else:
            return
        security_event(
            action=action, actor=user, object_type="url", object_repr=path, extra=details
        )
