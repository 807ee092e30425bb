"""Forms parse and type-check input; business rules are the services' job (their errors land here)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yusuan.core.choices import (
    AccountType,
    AgencyType,
    BudgetLevel,
    CodeKind,
    DivisionType,
    OrganisationKind,
    PayeeKind,
)
from yusuan.core.models import Organisation


class OrganisationForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=32)
    name = forms.CharField(label=_("name"), max_length=200)
    short_name = forms.CharField(label=_("short name"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=OrganisationKind.choices)
    parent = forms.ModelChoiceField(
        label=_("parent"), queryset=Organisation.objects.none(), required=False
    )
    division_type = forms.ChoiceField(
        label=_("division type"), choices=[("", "—"), *DivisionType.choices], required=False
    )
    agency_type = forms.ChoiceField(
        label=_("unit type"), choices=[("", "—"), *AgencyType.choices], required=False
    )
    budget_level = forms.TypedChoiceField(
        label=_("budget level"),
        choices=[("", "—"), *BudgetLevel.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    supervising_division = forms.ModelChoiceField(
        label=_("supervising division"), queryset=Organisation.objects.none(), required=False
    )
    credit_code = forms.CharField(
        label=_("unified social credit code"), max_length=18, required=False
    )
    is_enabled = forms.BooleanField(label=_("enabled"), required=False, initial=True)

    def __init__(self, *args: Any, visible: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent_field = self.fields["parent"]
        assert isinstance(parent_field, forms.ModelChoiceField)
        parent_field.queryset = visible.exclude(kind="bank").order_by("code")
        division_field = self.fields["supervising_division"]
        assert isinstance(division_field, forms.ModelChoiceField)
        division_field.queryset = visible.filter(kind=OrganisationKind.FINANCE_DIVISION).order_by(
            "code"
        )


class BankAccountForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("organisation"), queryset=Organisation.objects.none()
    )
    account_type = forms.ChoiceField(label=_("account type"), choices=AccountType.choices)
    account_no = forms.CharField(label=_("account number"), max_length=32)
    account_name = forms.CharField(label=_("account name"), max_length=200)
    bank_name = forms.CharField(label=_("bank"), max_length=120)
    bank_code = forms.CharField(label=_("bank code (CNAPS)"), max_length=12, required=False)
    is_enabled = forms.BooleanField(label=_("enabled"), required=False, initial=True)

    def __init__(self, *args: Any, visible: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visible.exclude(kind="bank").order_by("code")


class PayeeForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("registered by"), queryset=Organisation.objects.none()
    )
    kind = forms.ChoiceField(label=_("payee kind"), choices=PayeeKind.choices)
    name = forms.CharField(label=_("name"), max_length=200)
    credit_code = forms.CharField(
        label=_("unified social credit code"), max_length=18, required=False
    )
    id_number = forms.CharField(label=_("resident ID number"), max_length=18, required=False)
    bank_account_no = forms.CharField(label=_("bank account number"), max_length=32)
    bank_name = forms.CharField(label=_("bank"), max_length=120)
    bank_code = forms.CharField(label=_("bank code (CNAPS)"), max_length=12, required=False)
    is_enabled = forms.BooleanField(label=_("enabled"), required=False, initial=True)

    def __init__(self, *args: Any, visible: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visible.agencies().order_by("code")


class CodeEditForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=120)
    is_enabled = forms.BooleanField(label=_("enabled"), required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("file (.xlsx or .csv)"))


class CodeFilterForm(forms.Form):
    year = forms.IntegerField(label=_("fiscal year"), required=False)
    kind = forms.ChoiceField(
        label=_("code set"), choices=[("", _("all")), *CodeKind.choices], required=False
    )
    q = forms.CharField(label=_("search"), required=False)
