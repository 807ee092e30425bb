from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yusuan.core.models import Organisation
from yusuan.identity.models import Role


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
        help_text=_("Leave empty for a system account that signs in with API tokens only."),
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
    name = forms.CharField(label=_("name"), max_length=80)
    scopes = forms.MultipleChoiceField(
        label=_("API scopes"),
        choices=[
            (scope, scope)
            for app in ("core", "workflow", "indicators", "payments")
            for scope in (f"{app}:read", f"{app}:write")
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, max_value=730, initial=365)
