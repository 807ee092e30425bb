"""Pages of the personnel database: people on the data grid (IDs masked, R-PS-6), a person's
history, change documents (entry, detail with the approval panel, submit), 编制 (approved
against actual, R-PS-2), the sheet import and export, the budget snapshot (R-PS-4). Every write
is a service the API calls too."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yusuan.common.errors import BusinessRuleError
from yusuan.common.grid import grid_export, grid_page
from yusuan.common.masking import id_number_for
from yusuan.common.money import Money
from yusuan.common.tabular import XLSX
from yusuan.common.uploads import upload_bytes
from yusuan.common.web import (
    add_business_errors,
    attachment,
    flash_business_errors,
    form_page,
    is_htmx,
    paginate,
    query_without_page,
)
from yusuan.core.models import Organisation
from yusuan.personnel import selectors
from yusuan.personnel.choices import (
    ChangeState,
    EstablishmentType,
    PersonState,
    PersonStatus,
    PostCategory,
)
from yusuan.personnel.forms import (
    BASE_LABELS,
    ChangeForm,
    ImportForm,
    SnapshotForm,
    unit_people,
)
from yusuan.personnel.grids import PEOPLE_GRID
from yusuan.personnel.rules import PAY_ITEMS
from yusuan.personnel.services import (
    change_create,
    change_update,
    people_import,
    people_sheet,
    snapshot_take,
)
from yusuan.personnel.workflow import DOCUMENT_TYPE
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.services import document_submit

ITEM_NAMES = {item.key: f"{item.economic_code} {item.zh}" for item in PAY_ITEMS}


def _choice(value: str, allowed: Any) -> str:
    return value if value in allowed else ""


def _people(request: HttpRequest) -> Any:
    actor: Any = request.user
    unit = request.GET.get("unit", "")
    return selectors.person_list(
        actor=actor,
        organisation_id=int(unit) if unit.isdigit() and len(unit) < 12 else None,
        state=_choice(request.GET.get("state", ""), PersonState.values),
        status=_choice(request.GET.get("status", ""), PersonStatus.values),
        establishment=_choice(request.GET.get("establishment", ""), EstablishmentType.values),
        text=request.GET.get("q", "").strip()[:50],
    )


@login_required
@permission_required("personnel.view_person", raise_exception=True)
def person_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    queryset = _people(request)
    if request.GET.get("export") == "xlsx":
        return attachment(grid_export(request, PEOPLE_GRID, queryset), "people.xlsx", XLSX)
    context = {
        "g": grid_page(request, PEOPLE_GRID, queryset),
        "q": request.GET.get("q", ""),
        "units": Organisation.objects.visible_to(actor).agencies().order_by("code"),
        "unit": request.GET.get("unit", ""),
        "states": PersonState.choices,
        "state": request.GET.get("state", ""),
        "statuses": PersonStatus.choices,
        "status": request.GET.get("status", ""),
        "establishments": EstablishmentType.choices,
        "establishment": request.GET.get("establishment", ""),
    }
    if is_htmx(request):
        return render(request, "personnel/person_list_rows.html", context)
    return render(request, "personnel/person_list.html", context)


@login_required
@permission_required("personnel.view_person", raise_exception=True)
def person_export(request: HttpRequest) -> HttpResponse:
    """The people sheet (same columns as the import), each person's current state, ID masked."""
    actor: Any = request.user
    people = _people(request)
    periods = (
        selectors.states_on(timezone.localdate())
        .filter(person__in=people)
        .select_related("person", "organisation")
        .order_by("organisation__code", "person__name")
    )
    return attachment(people_sheet(periods, actor=actor), "people.xlsx", XLSX)


@login_required
@permission_required("personnel.import_person", raise_exception=True)
def person_template(request: HttpRequest) -> HttpResponse:
    return attachment(people_sheet([], actor=None), "people-template.xlsx", XLSX)


@login_required
@permission_required("personnel.import_person", raise_exception=True)
def person_import(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[Any] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = people_import(
                actor=actor,
                data=upload_bytes(upload),
                filename=upload.name,
                effective_from=form.cleaned_data["effective_from"],
            )
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                _("Imported %(people)s people in %(units)s units.")
                % {"people": result.people, "units": result.units},
            )
            return redirect("personnel:person_list")
    return render(
        request,
        "personnel/import.html",
        {"form": form, "errors": errors[:500], "error_count": len(errors)},
    )


@login_required
@permission_required("personnel.view_person", raise_exception=True)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    person = selectors.access_person(actor=actor, pk=pk)
    history = selectors.person_history(person)
    return render(
        request,
        "personnel/person_detail.html",
        {
            "object": person,
            "id_number": id_number_for(actor, person.id_number),
            "history": [
                {
                    "period": p,
                    "items": [(ITEM_NAMES.get(k, k), v) for k, v in p.items.items()],
                }
                for p in history
            ],
            "changes": person.changes.visible_to(actor).order_by("-created_at")[:50],
            "can_change": actor.has_perm("personnel.add_personnelchange"),
        },
    )


@login_required
@permission_required("personnel.view_personnelchange", raise_exception=True)
def change_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    state = _choice(request.GET.get("state", ""), ChangeState.values)
    return render(
        request,
        "personnel/change_list.html",
        {
            "page": paginate(request, selectors.change_list(actor=actor, state=state)),
            "query": query_without_page(request),
            "state": state,
            "states": ChangeState.choices,
        },
    )


@login_required
@permission_required("personnel.add_personnelchange", raise_exception=True)
def change_create_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    initial = {"kind": request.GET.get("kind", "hire")}
    person = request.GET.get("person", "")
    if person.isdigit() and len(person) < 12:
        initial["person_id"] = person
    form = ChangeForm(request.POST or None, initial=initial, people=unit_people(actor))
    return form_page(
        request,
        form,
        save=lambda: change_create(actor=actor, data=form.input()),
        success_url_name="personnel:change_detail",
        title=_("New personnel change"),
    )


@login_required
@permission_required("personnel.change_personnelchange", raise_exception=True)
def change_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a draft before it is sent (its kind stays; the service refuses any other state)."""
    actor: Any = request.user
    change = selectors.access_change(actor=actor, pk=pk)
    if change.state != ChangeState.DRAFT:
        messages.error(request, _("Only a draft can be edited."))
        return redirect("personnel:change_detail", pk=change.pk)
    form = ChangeForm(
        request.POST or None,
        initial=ChangeForm.initial_of(change, actor),
        people=unit_people(actor),
        current=change.person,
    )
    form.fields["kind"].disabled = True
    return form_page(
        request,
        form,
        save=lambda: change_update(actor=actor, change_id=change.pk, data=form.input()),
        success_url_name="personnel:change_detail",
        title=_("Edit personnel change %(number)s") % {"number": change.number},
        obj=change,
    )


# What a change sets, as the clerk entered it: the form's labels and the choices' names.
CHOICE_NAMES = {
    "status": dict(PersonStatus.choices),
    "establishment": dict(EstablishmentType.choices),
    "post_category": dict(PostCategory.choices),
    "state": dict(PersonState.choices),
}


def _readable(data: dict[str, Any]) -> list[tuple[str, Any]]:
    fields = ChangeForm.base_fields
    order = {name: i for i, name in enumerate(fields)}
    shown = []
    for key in sorted(data, key=lambda k: (order.get(k, len(order)), k)):
        value = data[key]
        if key in BASE_LABELS and value is not None:
            value = Money(int(value)).format()
        elif key in CHOICE_NAMES:
            value = CHOICE_NAMES[key].get(value, value)
        label = fields[key].label if key in fields else BASE_LABELS.get(key, key)
        shown.append((str(label), value))
    return shown


@login_required
@permission_required("personnel.view_personnelchange", raise_exception=True)
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    change = selectors.access_change(actor=actor, pk=pk)
    approval = workflow_selectors.document_approval(
        actor=actor, document_type=DOCUMENT_TYPE, document=change
    )
    data = dict(change.data)
    items = data.pop("items", {})
    person = change.person
    return render(
        request,
        "personnel/change_detail.html",
        {
            "object": change,
            "id_number": id_number_for(actor, person.id_number if person else change.id_number),
            "values": _readable(data),
            "items": [(ITEM_NAMES.get(k, k), v) for k, v in items.items()],
            "latest": approval.latest,
            "approval": approval,
            "can_submit": change.state == ChangeState.DRAFT
            and actor.has_perm("personnel.change_personnelchange"),
            "can_edit": change.state == ChangeState.DRAFT
            and actor.has_perm("personnel.change_personnelchange"),
        },
    )


@require_POST
@login_required
@permission_required("personnel.change_personnelchange", raise_exception=True)
def change_submit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    change = selectors.access_change(actor=actor, pk=pk)
    try:
        document_submit(actor=actor, document_type=DOCUMENT_TYPE, object_id=str(change.pk))
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        messages.success(request, _("Submitted for approval."))
    return redirect("personnel:change_detail", pk=change.pk)


@login_required
@permission_required("personnel.view_establishment", raise_exception=True)
def establishment_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    today = timezone.localdate()
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2100 else today.year
    on = today if year == today.year else dt.date(year, 12, 31)
    rows = selectors.establishment_rows(actor=actor, fiscal_year=year, on=on)
    kinds = [(k, label) for k, label in EstablishmentType.choices if k != "none"]
    labels = dict(EstablishmentType.choices)
    table = [
        {
            "row": r,
            "cells": [
                (r.approved(k), r.actual.get(k, 0), r.actual.get(k, 0) > r.approved(k))
                for k, _label in kinds
            ],
            "over": [(labels[k], approved, actual) for k, approved, actual in r.over],
        }
        for r in rows
    ]
    return render(
        request,
        "personnel/establishment_list.html",
        {
            "rows": table,
            "year": year,
            "on": on,
            "over": sum(1 for r in rows if r.over),
            "kinds": kinds,
        },
    )


@login_required
@permission_required("personnel.view_budgetsnapshot", raise_exception=True)
def snapshot_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    today = timezone.localdate()
    # The usual case: next year's 一上, as the database stands today.
    form = SnapshotForm(
        request.POST or None, initial={"fiscal_year": today.year + 1, "as_of": today}
    )
    can_take = actor.has_perm("personnel.add_budgetsnapshot")
    if request.method == "POST" and can_take and form.is_valid():
        try:
            snapshot = snapshot_take(
                actor=actor,
                mof_div_code=actor.organisation.mof_div_code,
                fiscal_year=form.cleaned_data["fiscal_year"],
                as_of=form.cleaned_data["as_of"],
                reason=form.cleaned_data["reason"],
            )
        except BusinessRuleError as exc:
            add_business_errors(form, exc)
        else:
            messages.success(request, _("Snapshot taken."))
            return redirect("personnel:snapshot_detail", pk=snapshot.pk)
    return render(
        request,
        "personnel/snapshot_list.html",
        {
            "snapshots": selectors.snapshot_list(actor=actor)[:100],
            "form": form,
            "can_take": can_take,
        },
    )


@login_required
@permission_required("personnel.view_budgetsnapshot", raise_exception=True)
def snapshot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    snapshot = selectors.access_snapshot(actor=actor, pk=pk)
    counts = selectors.snapshot_headcount(actor=actor, snapshot=snapshot)
    names = dict(
        Organisation.objects.filter(pk__in={c.organisation_id for c in counts}).values_list(
            "pk", "name"
        )
    )
    statuses, establishments = dict(PersonStatus.choices), dict(EstablishmentType.choices)
    states = dict(PersonState.choices)
    units: dict[int, dict[str, Any]] = {}
    for c in counts:
        unit = units.setdefault(
            c.organisation_id, {"name": names.get(c.organisation_id, ""), "rows": [], "total": 0}
        )
        unit["rows"].append(
            (
                statuses.get(c.status, c.status),
                establishments.get(c.establishment, ""),
                states.get(c.state, ""),
                c.people,
            )
        )
        unit["total"] += c.people
    return render(
        request,
        "personnel/snapshot_detail.html",
        {
            "object": snapshot,
            "units": list(units.values()),
        },
    )
