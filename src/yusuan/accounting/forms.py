"""Forms of the accounting pages that are plain forms (the voucher form has rows of its own)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yusuan.accounting.choices import AssetKind
from yusuan.core.choices import OrganisationKind
from yusuan.core.models import Organisation


class AssetCardForm(forms.Form):
    """An asset card as the clerk types it: amounts as text in 元 (the service reads them, so
    a wrong one is named beside its field in the words of ``Money.parse``)."""

    organisation = forms.ChoiceField(label=_("Unit"))
    code = forms.CharField(label=_("Card number"), max_length=30)
    name = forms.CharField(label=_("Asset name"), max_length=120)
    kind = forms.ChoiceField(label=_("Asset account"), choices=AssetKind.choices)
    cost = forms.CharField(label=_("Original cost (yuan)"), max_length=30)
    salvage = forms.CharField(label=_("Salvage value (yuan)"), max_length=30, required=False)
    in_service = forms.CharField(
        label=_("In service from"),
        max_length=20,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Depreciated from this month on (当月增加，当月计提)."),
    )
    life_months = forms.CharField(label=_("Useful life (months)"), max_length=6)
    expense_account = forms.CharField(
        label=_("Expense account"),
        max_length=12,
        initial="5001",
        help_text=_("5001 业务活动费用 or 5101 单位管理费用"),
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Organisation.objects.visible_to(actor).filter(kind=OrganisationKind.UNIT)
        field: Any = self.fields["organisation"]
        field.choices = [(str(o.pk), f"{o.code} {o.name}") for o in units.order_by("code")]
