"""Sign-in, sign-out, password change, lockout page and the incompatible-role report."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from yusuan.common.errors import BusinessRuleError
from yusuan.common.web import add_business_errors, paginate, query_without_page
from yusuan.core.models import Organisation
from yusuan.identity.forms import PasswordResetForm, TokenForm, UserCreateForm, UserRolesForm
from yusuan.identity.selectors import (
    access_user,
    incompatible_role_holders,
    locked_usernames,
    user_list_visible_to,
)
from yusuan.identity.services import (
    UserData,
    api_token_issue,
    api_token_revoke,
    password_changed,
    user_create,
    user_set_active,
    user_set_password,
    user_set_roles,
    user_unlock,
)

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


# --- user administration (system administrators; auditors read) ------------------------------


def _scope(request: HttpRequest) -> Any:
    return request.user.scope  # type: ignore[union-attr]


@login_required
@permission_required("identity.view_user", raise_exception=True)
def user_list(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    users = user_list_visible_to(scope=_scope(request)).order_by("organisation__code", "username")
    if text:
        users = users.filter(
            Q(username__icontains=text)
            | Q(full_name__icontains=text)
            | Q(organisation__name__icontains=text)
        )
    page = paginate(request, users)
    locked = locked_usernames([u.username for u in page.object_list])
    return render(
        request,
        "identity/user_list.html",
        {"page": page, "query": query_without_page(request), "q": text, "locked": locked},
    )


@login_required
@permission_required("identity.view_user", raise_exception=True)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    user = access_user(scope=_scope(request), pk=pk)
    can_manage = actor.has_perm("identity.change_user")
    roles_form = UserRolesForm(initial={"roles": list(user.roles.all())})
    password_form = PasswordResetForm()
    token_form = TokenForm()
    issued_key = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "roles":
                roles_form = UserRolesForm(request.POST)
                if roles_form.is_valid():
                    user_set_roles(
                        actor=actor,
                        user=user,
                        role_codes=[r.code for r in roles_form.cleaned_data["roles"]],
                    )
                    messages.success(request, _("Saved."))
                    return redirect("identity:user_detail", pk=user.pk)
            elif action in ("activate", "deactivate"):
                user_set_active(actor=actor, user=user, is_active=action == "activate")
                messages.success(request, _("Saved."))
                return redirect("identity:user_detail", pk=user.pk)
            elif action == "unlock":
                user_unlock(actor=actor, user=user)
                messages.success(request, _("The account is unlocked."))
                return redirect("identity:user_detail", pk=user.pk)
            elif action == "password":
                password_form = PasswordResetForm(request.POST)
                if password_form.is_valid():
                    user_set_password(
                        actor=actor, user=user, password=password_form.cleaned_data["password"]
                    )
                    messages.success(request, _("The password has been reset."))
                    return redirect("identity:user_detail", pk=user.pk)
            elif action == "token":
                token_form = TokenForm(request.POST)
                if token_form.is_valid():
                    issued = api_token_issue(
                        actor=actor,
                        user=user,
                        name=token_form.cleaned_data["name"],
                        scopes=token_form.cleaned_data["scopes"],
                        days=token_form.cleaned_data["days"],
                    )
                    issued_key = issued.key  # shown once, never stored
                    token_form = TokenForm()
            elif action == "revoke":
                token = user.api_tokens.filter(pk=request.POST.get("token") or 0).first()
                if token is not None:
                    api_token_revoke(actor=actor, token=token)
                    messages.success(request, _("The token has been revoked."))
                return redirect("identity:user_detail", pk=user.pk)
        except BusinessRuleError as exc:
            if action == "password":
                add_business_errors(password_form, exc)
            elif action == "roles":
                add_business_errors(roles_form, exc)
            else:
                for detail in exc.errors:
                    messages.error(request, detail.message(request.LANGUAGE_CODE))
    return render(
        request,
        "identity/user_detail.html",
        {
            "object": user,
            "can_manage": can_manage,
            "roles_form": roles_form,
            "password_form": password_form,
            "token_form": token_form,
            "issued_key": issued_key,
            "tokens": user.api_tokens.order_by("-created_at"),
            "locked": user.username in locked_usernames([user.username]),
        },
    )


@login_required
@permission_required("identity.add_user", raise_exception=True)
def user_create_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    form = UserCreateForm(request.POST or None, visible=Organisation.objects.visible_to(actor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = user_create(
                actor=actor,
                data=UserData(
                    username=data["username"],
                    full_name=data["full_name"],
                    organisation_id=data["organisation"].pk,
                    role_codes=tuple(r.code for r in data["roles"]),
                    is_system_account=not data["password"],
                ),
                password=data["password"] or None,
            )
        except BusinessRuleError as exc:
            add_business_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("identity:user_detail", pk=user.pk)
    return render(request, "components/form_page.html", {"form": form, "title": _("New user")})
