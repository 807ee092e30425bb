from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yusuan.common.fields import MoneyField, date_input
from yusuan.core.models import Organisation
from yusuan.identity.models import User


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


# The longest opinion or comment (the API's ``COMMENT_MAX_LENGTH`` too).
COMMENT_MAX_LENGTH = 2000


class DecisionForm(forms.Form):
    step = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Opinion"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
    )
    to = forms.ChoiceField(
        label=_("Return to"),
        choices=[("previous", _("the previous step")), ("entry", _("the person who entered it"))],
        required=False,
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)


class DefinitionForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    priority = forms.IntegerField(
        label=_("priority"),
        min_value=0,
        max_value=32767,
        help_text=_("Lower numbers are tried first."),
    )
    is_active = forms.BooleanField(label=_("active"), required=False)
    body = forms.CharField(
        label=_("Conditions and steps (JSON)"),
        widget=forms.Textarea(attrs={"rows": 24, "class": "code", "spellcheck": "false"}),
    )
    note = forms.CharField(label=_("Change note"), max_length=200)

    def clean_body(self) -> Any:
        text = self.cleaned_data["body"]
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON: line %(line)s, column %(col)s: %(msg)s"),
                params={"line": exc.lineno, "col": exc.colno, "msg": exc.msg},
            ) from exc


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(label=_("delegate"), queryset=User.objects.none())
    starts_on = forms.DateField(label=_("from"), widget=date_input())
    ends_on = forms.DateField(label=_("until"), widget=date_input())
    reason = forms.CharField(label=_("reason"), max_length=200)

    def __init__(self, *args: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["delegate"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = colleagues


class PreviewForm(forms.Form):
    document_type = forms.ChoiceField(label=_("document type"))
    organisation = forms.ModelChoiceField(label=_("unit"), queryset=Organisation.objects.none())
    subtype = forms.ChoiceField(label=_("subtype"), required=False)
    amount = MoneyField(label=_("amount (yuan)"), required=False)
    fund_type = forms.CharField(label=_("fund nature"), required=False, initial="111")
    project_category = forms.CharField(label=_("project category"), required=False)
    flags = forms.MultipleChoiceField(
        label=_("flags"), required=False, widget=forms.CheckboxSelectMultiple
    )


class CalendarForm(forms.Form):
    start = forms.DateField(label=_("from"), widget=date_input())
    end = forms.DateField(label=_("until"), widget=date_input())
    is_workday = forms.TypedChoiceField(
        label=_("these days are"),
        choices=[("0", _("days off (holiday)")), ("1", _("working days (调休)"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label=_("name"), max_length=60)


class NewDefinitionForm(forms.Form):
    code = forms.SlugField(label=_("code"), max_length=60)
    name = forms.CharField(label=_("name"), max_length=100)
    document_type = forms.ChoiceField(label=_("document type"))
    priority = forms.IntegerField(label=_("priority"), min_value=0, max_value=32767, initial=50)
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    body = forms.CharField(
        label=_("Conditions and steps (JSON)"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "code", "spellcheck": "false"}),
    )

    clean_body = DefinitionForm.clean_body
