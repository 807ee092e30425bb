"""Sign-in, sign-out, password change, lockout page and the incompatible-role report."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _

from yusuan.common.errors import BusinessRuleError
from yusuan.common.ids import parse_id
from yusuan.common.web import (
    add_business_errors,
    flash_business_errors,
    paginate,
    query_without_page,
)
from yusuan.core.models import Organisation
from yusuan.identity.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    TokenForm,
    UserCreateForm,
    UserRolesForm,
)
from yusuan.identity.login_throttle import request_throttle
from yusuan.identity.selectors import (
    access_api_token,
    access_user,
    api_token_list,
    incompatible_role_holders,
    locked_usernames,
    user_list_visible_to,
)
from yusuan.identity.services import (
    UserData,
    api_scopes_allowed,
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
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # A demo installation says where its logins are (written by ``yusuan demo``).
        logins = Path(settings.VAR_DIR) / "demo-logins.json"
        context["demo_logins"] = str(logins) if logins.exists() else ""
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "identity/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("portal:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        password_changed(user=form.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """Shown by django-axes when the throttle refuses a sign-in (ADR 0016): says why and until
    when, with ``Retry-After``."""
    state = request_throttle(request, credentials if isinstance(credentials, dict) else None)
    now = timezone.now()
    wait = state.retry_after_seconds(now)
    security_log.warning("sign-in refused", extra={"reason": state.refused, "wait": wait})
    response = render(
        request,
        "identity/locked_out.html",
        {
            "reason": state.refused,
            "wait": wait,
            "until": state.retry_at or now,
        },
        status=429,
    )
    if wait:
        response["Retry-After"] = str(wait)
    return response


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
    allowed = api_scopes_allowed(user)
    # An administrator issues tokens for system accounts only: another person's token would let
    # them act as that person (a person issues their own on 我的 API 令牌).
    may_issue_token = user.is_system_account and actor.has_perm("identity.add_apitoken")
    token_form = TokenForm(allowed=allowed)
    issued_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if not can_manage or (action == "token" and not may_issue_token):
            raise PermissionDenied
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
                token_form = TokenForm(request.POST, allowed=allowed)
                issued_key = _issue_token(actor, user, token_form)
                if issued_key:
                    token_form = TokenForm(allowed=allowed)
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
            "token_form": token_form if may_issue_token else None,
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


# --- API tokens: one's own, and an administrator's view of every token in scope ----------------


def _issue_token(actor: Any, holder: Any, form: TokenForm) -> str | None:
    """The new key, to be shown in this answer only (never stored); rule errors go beside the
    form's fields."""
    if not form.is_valid():
        return None
    try:
        issued = api_token_issue(
            actor=actor,
            user=holder,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            days=form.cleaned_data["days"],
        )
    except BusinessRuleError as exc:
        add_business_errors(form, exc)
        return None
    return issued.key


def _revoke_posted(request: HttpRequest, actor: Any) -> None:
    token = access_api_token(actor=actor, pk=_int(request.POST.get("token")))
    try:
        revoked = api_token_revoke(actor=actor, token=token)
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
        return
    if revoked:
        messages.success(request, _("The token has been revoked."))


def _int(value: str | None) -> int:
    return parse_id(value) or 0


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """我的 API 令牌: issue (the key is shown once), list and revoke one's own tokens."""
    actor: Any = request.user
    allowed = api_scopes_allowed(actor)
    form = TokenForm(allowed=allowed)
    issued_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            _revoke_posted(request, actor)
            return redirect("identity:token_list")
        form = TokenForm(request.POST, allowed=allowed)
        issued_key = _issue_token(actor, actor, form)
        if issued_key:
            form = TokenForm(allowed=allowed)
    return render(
        request,
        "identity/token_list.html",
        {
            "form": form,
            "issued_key": issued_key,
            "tokens": paginate(request, api_token_list(actor=actor)),
            "allowed": allowed,
            "can_see_all": actor.has_perm("identity.change_apitoken"),
        },
    )


@login_required
@permission_required("identity.change_apitoken", raise_exception=True)
def token_admin(request: HttpRequest) -> HttpResponse:
    """Every token held in the administrator's scope, with its holder; each can be revoked."""
    actor: Any = request.user
    if request.method == "POST":
        _revoke_posted(request, actor)
        return redirect(f"{request.path}?{request.GET.urlencode()}")
    tokens = api_token_list(actor=actor, everyone=True)
    text = request.GET.get("q", "").strip()
    if text:
        tokens = tokens.filter(
            Q(user__username__icontains=text) | Q(name__icontains=text) | Q(prefix=text)
        )
    if request.GET.get("state") == "usable":
        tokens = tokens.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return render(
        request,
        "identity/token_admin.html",
        {
            "tokens": paginate(request, tokens),
            "query": query_without_page(request),
            "q": text,
            "state": request.GET.get("state", ""),
        },
    )
