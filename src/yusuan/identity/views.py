"""Sign-in, sign-out, password change, lockout page and the incompatible-role report."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from yusuan.identity.selectors import incompatible_role_holders
from yusuan.identity.services import password_changed

security_log = logging.getLogger("yusuan.security")


class LoginView(auth_views.LoginView):
    template_name = "identity/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "identity/password_change.html"
    success_url = reverse_lazy("portal:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        password_changed(user=form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


def lockout_response(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown by django-axes after too many failed sign-ins; says how long, in both languages."""
    username = (credentials or {}).get("username", "") if isinstance(credentials, dict) else ""
    security_log.warning("login locked out", extra={"username": username})
    return render(request, "identity/locked_out.html", status=429)


@login_required
@permission_required("identity.view_sod_report", raise_exception=True)
def sod_report(request: HttpRequest) -> HttpResponse:
    conflicts = incompatible_role_holders(scope=request.user.scope)  # type: ignore[union-attr]
    return render(request, "identity/sod_report.html", {"conflicts": conflicts})
