from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from yusuan.core.models import Organisation
from yusuan.identity.models import Role
from yusuan.identity.services import API_SCOPES


class LoginForm(AuthenticationForm):
    """Django's sign-in form. A system account never gets past ``authenticate`` (the backend's
    ``user_can_authenticate``): its refusal is the generic one, whatever the password."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "The user name or the password is not right (both are case-sensitive). After five "
            "wrong passwords this name is locked at this address for a while."
        ),
    }


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's change form, refusing a new password equal to the current one (a temporary
    password an administrator chose cannot be kept by typing it again)."""

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_unchanged": _(
            "The new password must differ from the current one (the one an administrator set "
            "is known to them)."
        ),
    }

    def clean(self) -> Any:
        cleaned = super().clean()
        password = self.cleaned_data.get("new_password1")
        if password and self.user.check_password(password):
            self.add_error(
                "new_password1",
                forms.ValidationError(
                    self.error_messages["password_unchanged"], code="password_unchanged"
                ),
            )
        return cleaned


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
