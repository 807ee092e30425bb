from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from yusuan.core.models import Organisation
from yusuan.identity.login_throttle import record_refused_sign_in
from yusuan.identity.models import Role
from yusuan.identity.services import API_SCOPES


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "system_account": _(
            "This is a system account: it works with API tokens only and cannot sign in to "
            "the web pages."
        ),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if user.is_system_account:
            record_refused_sign_in(user=user, reason="system_account")
            raise forms.ValidationError(
                self.error_messages["system_account"], code="system_account"
            )


class RoleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} / {obj.name_en}"


class UserCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("user name"), regex=r"^[A-Za-z0-9_.-]{3,40}$", max_length=40
    )
    full_name = forms.CharField(label=_("full name"), max_length=60)
    organisation = forms.ModelChoiceField(
        label=_("organisation"), queryset=Organisation.objects.none()
    )
    roles = RoleChoiceField(
        label=_("roles"),
        queryset=Role.objects.order_by("code"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    password = forms.CharField(
        label=_("initial password"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_(
            "Must pass the password policy; the user changes it at the first sign-in. Leave "
            "empty for a system account that works with API tokens only."
        ),
    )

    def __init__(self, *args: Any, visible: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visible.order_by("code")


class UserRolesForm(forms.Form):
    roles = RoleChoiceField(
        label=_("roles"),
        queryset=Role.objects.order_by("code"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class PasswordResetForm(forms.Form):
    password = forms.CharField(label=_("new password"), widget=forms.PasswordInput)


class TokenForm(forms.Form):
    """A token's name, scopes and lifetime; ``allowed`` limits the scopes offered to those the
    holder's roles can use (the service checks them again)."""

    name = forms.CharField(label=_("name"), max_length=80)
    scopes = forms.MultipleChoiceField(
        label=_("API scopes"),
        choices=[(scope, scope) for scope in API_SCOPES],
        widget=forms.CheckboxSelectMultiple,
    )
    days = forms.IntegerField(
        label=_("valid for (days)"),
        min_value=1,
        max_value=settings.YUSUAN_API_TOKEN_MAX_DAYS,
        initial=90,
    )

    def __init__(self, *args: Any, allowed: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if allowed is not None:
            field = self.fields["scopes"]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = [(scope, scope) for scope in API_SCOPES if scope in allowed]
