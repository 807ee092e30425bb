from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yusuan.common.fields import MoneyField
from yusuan.projects.choices import ProjectKind


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("project name"), max_length=200)
    category = forms.ChoiceField(label=_("project category"))
    kind = forms.ChoiceField(label=_("project kind"), choices=ProjectKind.choices)
    start_year = forms.IntegerField(label=_("first year"), min_value=2000, max_value=2100)
    end_year = forms.IntegerField(label=_("last year"), min_value=2000, max_value=2100)
    total_amount = MoneyField(label=_("total amount (yuan)"))
    fund_type = forms.ChoiceField(label=_("fund nature"))
    basis = forms.CharField(
        label=_("basis for the project"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    content = forms.CharField(
        label=_("content"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    is_procurement = forms.BooleanField(label=_("includes government procurement"), required=False)
    is_three_public = forms.BooleanField(label=_("三公 expenses"), required=False)
    is_research = forms.BooleanField(label=_("research project"), required=False)
    is_gov_service = forms.BooleanField(label=_("government purchase of services"), required=False)
    is_infrastructure = forms.BooleanField(
        label=_("capital construction (基本建设)"), required=False
    )
    infrastructure_doc_no = forms.CharField(
        label=_("development and reform approval number"), max_length=100, required=False
    )
    track_code = forms.CharField(
        label=_("upper-level project code"),
        max_length=24,
        required=False,
        help_text=_("For transfer-payment projects: the upper level's project code (R-PJ-13)."),
    )

    def __init__(
        self,
        *args: Any,
        categories: list[tuple[str, str]],
        fund_types: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [("", "—"), *categories]
        fund_type = self.fields["fund_type"]
        assert isinstance(fund_type, forms.ChoiceField)
        fund_type.choices = [("", "—"), *fund_types]
