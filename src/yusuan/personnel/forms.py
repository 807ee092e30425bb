"""Forms of the personnel pages: parsing and types only; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yusuan.common.fields import MoneyField, date_input
from yusuan.common.masking import id_number_for
from yusuan.common.money import Money
from yusuan.personnel import rules
from yusuan.personnel.choices import ChangeKind, EstablishmentType, PersonStatus, PostCategory
from yusuan.personnel.models import Person, PersonnelChange
from yusuan.personnel.services import ChangeInput

DATE = date_input()
STATE_FIELDS = (
    "status",
    "establishment",
    "office",
    "work_start_date",
    "unit_join_date",
    "position",
    "rank",
    "civil_level",
    "civil_step",
    "post_category",
    "post_level",
    "salary_scale",
)


BASE_LABELS = {
    "pension_base": _("pension and annuity base (yuan)"),
    "medical_base": _("medical insurance base (yuan)"),
    "housing_base": _("housing fund base (yuan)"),
}


class ChangeForm(forms.Form):
    """One change document: what it is, whom, when, on which document, and the new values
    (blank fields keep the person's current ones; the kind decides which may change)."""

    kind = forms.ChoiceField(label=_("change kind"), choices=ChangeKind.choices)
    person_id = forms.TypedChoiceField(
        label=_("person"), coerce=int, required=False, empty_value=None
    )
    id_number = forms.CharField(label=_("ID number (hire)"), max_length=18, required=False)
    name = forms.CharField(label=_("name (hire)"), max_length=50, required=False)
    effective_date = forms.DateField(label=_("effective date"), widget=DATE)
    basis_doc_no = forms.CharField(label=_("supporting document number"), max_length=80)
    establishment_doc_no = forms.CharField(
        label=_("establishment office approval number"), max_length=80, required=False
    )
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea({"rows": 2}))
    status = forms.ChoiceField(
        label=_("status"), choices=[("", "—"), *PersonStatus.choices], required=False
    )
    establishment = forms.ChoiceField(
        label=_("establishment type"),
        choices=[("", "—"), *EstablishmentType.choices],
        required=False,
    )
    office = forms.CharField(label=_("office"), max_length=60, required=False)
    work_start_date = forms.DateField(label=_("started work"), required=False, widget=DATE)
    unit_join_date = forms.DateField(label=_("joined the unit"), required=False, widget=DATE)
    position = forms.CharField(label=_("post (职务)"), max_length=40, required=False)
    rank = forms.CharField(label=_("rank (职级)"), max_length=40, required=False)
    civil_level = forms.IntegerField(
        label=_("grade (级别)"), required=False, min_value=1, max_value=99
    )
    civil_step = forms.IntegerField(
        label=_("grade step (档次)"), required=False, min_value=1, max_value=99
    )
    post_category = forms.ChoiceField(
        label=_("post category"), choices=PostCategory.choices, required=False
    )
    post_level = forms.IntegerField(
        label=_("post level"), required=False, min_value=1, max_value=99
    )
    salary_scale = forms.IntegerField(
        label=_("salary scale (薪级)"), required=False, min_value=1, max_value=999
    )

    def __init__(self, *args: Any, people: Any, current: Person | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        person_field = self.fields["person_id"]
        assert isinstance(person_field, forms.ChoiceField)
        listed = list(people[:2000])
        if current is not None and current not in listed:  # a draft's person is always offered
            listed.insert(0, current)
        person_field.choices = [("", "—"), *((p.pk, str(p)) for p in listed)]
        for item in rules.PAY_ITEMS:
            self.fields[f"item_{item.key}"] = MoneyField(
                label=f"{item.economic_code} {item.zh}（元/月）", required=False
            )
        for name, label in BASE_LABELS.items():
            self.fields[name] = MoneyField(label=label, required=False)

    @staticmethod
    def initial_of(change: PersonnelChange, actor: Any) -> dict[str, Any]:
        """The form's values for a saved draft: its fields, then what it sets (fen → Money).
        The ID number is masked for whoever may not see it (R-PS-6); sent back masked, it is kept."""
        data = dict(change.data)
        initial: dict[str, Any] = {
            "kind": change.kind,
            "person_id": change.person_id,
            "id_number": id_number_for(actor, change.id_number) if change.id_number else "",
            "name": change.name,
            "effective_date": change.effective_date,
            "basis_doc_no": change.basis_doc_no,
            "establishment_doc_no": change.establishment_doc_no,
            "note": change.note,
        }
        initial.update({name: data[name] for name in STATE_FIELDS if name in data})
        for key, fen in (data.get("items") or {}).items():
            initial[f"item_{key}"] = Money(int(fen))
        for name in rules.BASES:
            if data.get(name) is not None:
                initial[name] = Money(int(data[name]))
        return initial

    def input(self) -> ChangeInput:
        data = self.cleaned_data
        kind = data["kind"]
        allowed = rules.FIELDS_OF_KIND.get(kind, frozenset())
        values: dict[str, Any] = {}
        for name in STATE_FIELDS:
            value = data.get(name)
            if name in allowed and value not in (None, ""):
                values[name] = value
        if kind == ChangeKind.HIRE and "post_category" not in values:
            values["post_category"] = ""
        items = {
            item.key: data[f"item_{item.key}"].fen
            for item in rules.PAY_ITEMS
            if data.get(f"item_{item.key}") is not None
        }
        if items and "items" in allowed:
            values["items"] = items
        for name in rules.BASES:
            if data.get(name) is not None and name in allowed:
                values[name] = data[name].fen
        return ChangeInput(
            kind=kind,
            effective_date=data["effective_date"],
            basis_doc_no=data["basis_doc_no"],
            person_id=data.get("person_id"),
            id_number=data.get("id_number") or "",
            name=data.get("name") or "",
            establishment_doc_no=data.get("establishment_doc_no") or "",
            note=data.get("note") or "",
            data=values,
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("people sheet (.xlsx or .csv)"))
    effective_from = forms.DateField(label=_("effective from"), widget=DATE)


class SnapshotForm(forms.Form):
    fiscal_year = forms.IntegerField(label=_("budget year"), min_value=2000, max_value=2100)
    as_of = forms.DateField(label=_("as of"), widget=DATE)
    reason = forms.CharField(
        label=_("reason for retaking"), required=False, widget=forms.Textarea({"rows": 2})
    )


def unit_people(actor: Any) -> Any:
    return Person.objects.visible_to(actor).order_by("name", "pk")
