"""What a signed-in session may reach, given the account's state.

- A system account (an agent bank's interface user) works with API tokens only: a session of
  theirs (from before the account became one, or made by other means) is ended on its first
  request, so it reaches neither pages nor the API.
- A user whose password an administrator chose must change it first: every page leads to the
  password change, and the API answers 403 until then.

And how long a session lives: it ends ``SESSION_COOKIE_AGE`` after the last save, and a signed-in
session is saved again when its last save is ``SESSION_REFRESH_SECONDS`` old (ADR 0051), not on
every request: Django's ``SESSION_SAVE_EVERY_REQUEST`` made every page a write transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yusuan.common.errors import problem_body
from yusuan.identity.services import password_change_required_error

# Seconds since the epoch of the session's last save, kept in the session itself.
REFRESHED_KEY = "_yusuan_refreshed"

# Reachable before the password is changed: the change itself, signing out, the language switch.
OPEN_PATHS = ("/i18n/", "/jsi18n/", "/healthz", "/static/", "/favicon.ico")


def _password_change_required(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        exc = password_change_required_error()
        language = get_language()
        body = problem_body(
            instance=request.path,
            status=exc.status,
            title="Forbidden",
            errors=exc.errors,
            code=exc.errors[0].code,
            language=language,
        )
        return JsonResponse(body, status=exc.status, content_type="application/problem+json")
    messages.warning(request, _("Choose a new password before you continue."))
    return redirect("identity:password_change")


class AccountStateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.is_system_account:
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.error(request, _("A system account works with API tokens only."))
                    return redirect("identity:login")
            elif user.must_change_password and not self._open(request):
                return _password_change_required(request)
        return self.get_response(request)

    @staticmethod
    def _open(request: HttpRequest) -> bool:
        own = (reverse("identity:password_change"), reverse("identity:logout"))
        return request.path in own or request.path.startswith(OPEN_PATHS)


class SessionRefreshMiddleware:
    """Sliding expiry, saved at most once per ``SESSION_REFRESH_SECONDS``: a session idle for
    ``SESSION_COOKIE_AGE`` ends at most that many seconds early. Runs before the view, so a
    sign-out (which empties the session) is not undone by the refresh mark."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:  # signed in; an anonymous visitor gets no session row
            now = int(time.time())
            last = session.get(REFRESHED_KEY)
            if not isinstance(last, int) or not 0 <= now - last < settings.SESSION_REFRESH_SECONDS:
                session[REFRESHED_KEY] = now  # modified: SessionMiddleware saves it
        return self.get_response(request)
