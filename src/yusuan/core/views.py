"""Master-data pages: parse, authorise, call a selector or service, render. No rules here."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yusuan.common.errors import BusinessRuleError
from yusuan.common.grid import Grid, grid_export, grid_page
from yusuan.common.ids import parse_int
from yusuan.common.tabular import XLSX
from yusuan.common.uploads import upload_bytes
from yusuan.common.web import (
    add_business_errors,
    attachment,
    form_page,
    is_htmx,
    paginate,
    query_without_page,
)
from yusuan.core import selectors
from yusuan.core.choices import AccountType, AgencyType, CodeKind, OrganisationKind, PayeeKind
from yusuan.core.exchange import (
    code_set_export,
    code_set_import_file,
    units_export,
    units_import_file,
)
from yusuan.core.forms import BankAccountForm, CodeEditForm, ImportForm, OrganisationForm, PayeeForm
from yusuan.core.list_grids import ORGANISATION_GRID, PAYEE_GRID
from yusuan.core.models import Organisation
from yusuan.core.rules import mask_account_no, mask_id_number
from yusuan.core.services.accounts import (
    BankAccountData,
    PayeeData,
    bank_account_create,
    bank_account_update,
    payee_create,
    payee_update,
)
from yusuan.core.services.classification import code_update
from yusuan.core.services.fiscal_years import fiscal_year_close, fiscal_year_open
from yusuan.core.services.organisations import (
    OrganisationData,
    organisation_create,
    organisation_update,
)


def _actor(request: HttpRequest) -> Any:
    """The signed-in user (``login_required`` guarantees it) as the actor services expect."""
    return request.user


def _list_page(request: HttpRequest, template: str, queryset: Any, **context: Any) -> HttpResponse:
    page = paginate(request, queryset)
    context.update(page=page, query=query_without_page(request), q=request.GET.get("q", ""))
    if is_htmx(request):
        return render(request, f"{template.removesuffix('.html')}_rows.html", context)
    return render(request, template, context)


def _grid_page(
    request: HttpRequest, template: str, grid: Grid, queryset: Any, filename: str, **context: Any
) -> HttpResponse:
    """A list on the data grid (``common.grid``): its page, its htmx fragment, its export."""
    if request.GET.get("export") == "xlsx":
        return _download(
            grid_export(request, grid, queryset), filename.removesuffix(".xlsx"), "xlsx"
        )
    context.update(g=grid_page(request, grid, queryset), q=request.GET.get("q", ""))
    if is_htmx(request):
        return render(request, f"{template.removesuffix('.html')}_rows.html", context)
    return render(request, template, context)


def _download(data: bytes, filename: str, file_format: str) -> HttpResponse:
    content_type = "text/csv; charset=utf-8" if file_format == "csv" else XLSX
    return attachment(data, f"{filename}.{file_format}", content_type)


# --- organisations -----------------------------------------------------------------------------


@login_required
@permission_required("core.view_organisation", raise_exception=True)
def organisation_list(request: HttpRequest) -> HttpResponse:
    queryset = selectors.organisation_list(
        actor=_actor(request),
        text=request.GET.get("q", "").strip(),
        kind=request.GET.get("kind", ""),
        agency_type=request.GET.get("agency_type", ""),
    ).select_related("parent", "supervising_division")
    return _grid_page(
        request,
        "core/organisation_list.html",
        ORGANISATION_GRID,
        queryset,
        "organisations.xlsx",
        kinds=OrganisationKind.choices,
        agency_types=AgencyType.choices,
        kind=request.GET.get("kind", ""),
        agency_type=request.GET.get("agency_type", ""),
    )


@login_required
@permission_required("core.view_organisation", raise_exception=True)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    organisation = selectors.access_organisation(actor=actor, pk=pk)
    return render(
        request,
        "core/organisation_detail.html",
        {
            "object": organisation,
            "children": selectors.organisation_children(actor=actor, organisation=organisation)[
                :200
            ],
            "accounts": organisation.bank_accounts.all(),
            "can_edit": actor.has_perm("core.change_organisation"),
        },
    )


def _organisation_data(form: OrganisationForm) -> OrganisationData:
    data = form.cleaned_data
    return OrganisationData(
        code=data["code"].strip(),
        name=data["name"].strip(),
        short_name=data["short_name"].strip(),
        kind=data["kind"],
        parent_id=data["parent"].pk if data["parent"] else None,
        division_type=data["division_type"],
        agency_type=data["agency_type"],
        budget_level=data["budget_level"],
        supervising_division_id=data["supervising_division"].pk
        if data["supervising_division"]
        else None,
        credit_code=data["credit_code"].strip().upper(),
        is_enabled=data["is_enabled"],
    )


@login_required
@permission_required("core.add_organisation", raise_exception=True)
def organisation_create_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    visible = Organisation.objects.visible_to(actor)
    form = OrganisationForm(request.POST or None, visible=visible, initial={"is_enabled": True})
    return form_page(
        request,
        form,
        save=lambda: organisation_create(
            actor=actor, mof_div_code=actor.mof_div_code, data=_organisation_data(form)
        ),
        success_url_name="core:organisation_detail",
        title=_("New organisation"),
    )


@login_required
@permission_required("core.change_organisation", raise_exception=True)
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    organisation = selectors.access_organisation(actor=actor, pk=pk)
    visible = Organisation.objects.visible_to(actor)
    initial = {
        "code": organisation.code,
        "name": organisation.name,
        "short_name": organisation.short_name,
        "kind": organisation.kind,
        "parent": organisation.parent_id,
        "division_type": organisation.division_type,
        "agency_type": organisation.agency_type,
        "budget_level": organisation.budget_level,
        "supervising_division": organisation.supervising_division_id,
        "credit_code": organisation.credit_code,
        "is_enabled": organisation.is_enabled,
    }
    form = OrganisationForm(request.POST or None, visible=visible, initial=initial)
    return form_page(
        request,
        form,
        save=lambda: organisation_update(
            actor=actor, organisation=organisation, data=_organisation_data(form)
        ),
        success_url_name="core:organisation_detail",
        title=str(organisation),
        obj=organisation,
    )


@login_required
@permission_required("core.view_organisation", raise_exception=True)
def units_export_view(request: HttpRequest) -> HttpResponse:
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    actor: Any = request.user
    return _download(units_export(actor=actor, file_format=file_format), "units", file_format)


@login_required
@permission_required("core.add_organisation", raise_exception=True)
def units_import_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = units_import_file(
                actor=actor,
                mof_div_code=actor.mof_div_code,
                data=upload_bytes(upload),
                filename=upload.name,
            )
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Imported %(n)d units.") % {"n": result.created})
            return redirect("core:organisation_list")
    return render(
        request, "core/import.html", {"form": form, "errors": errors, "title": _("Import units")}
    )


# --- bank accounts -----------------------------------------------------------------------------


@login_required
@permission_required("core.view_bankaccount", raise_exception=True)
def bank_account_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    queryset = selectors.bank_account_list(
        actor=actor,
        text=request.GET.get("q", "").strip(),
        account_type=request.GET.get("account_type", ""),
    )
    return _list_page(
        request,
        "core/bank_account_list.html",
        queryset,
        account_types=AccountType.choices,
        account_type=request.GET.get("account_type", ""),
    )


@login_required
@permission_required("core.view_bankaccount", raise_exception=True)
def bank_account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    account = selectors.access_bank_account(actor=actor, pk=pk)
    return render(
        request,
        "core/bank_account_detail.html",
        {"object": account, "can_edit": actor.has_perm("core.change_bankaccount")},
    )


def _account_data(form: BankAccountForm) -> BankAccountData:
    data = form.cleaned_data
    return BankAccountData(
        organisation_id=data["organisation"].pk,
        account_type=data["account_type"],
        account_no=data["account_no"].replace(" ", ""),
        account_name=data["account_name"].strip(),
        bank_name=data["bank_name"].strip(),
        bank_code=data["bank_code"].strip(),
        is_enabled=data["is_enabled"],
    )


@login_required
@permission_required("core.add_bankaccount", raise_exception=True)
def bank_account_create_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    form = BankAccountForm(
        request.POST or None,
        visible=Organisation.objects.visible_to(actor),
        initial={"is_enabled": True},
    )
    return form_page(
        request,
        form,
        save=lambda: bank_account_create(actor=actor, data=_account_data(form)),
        success_url_name="core:bank_account_detail",
        title=_("New bank account"),
    )


@login_required
@permission_required("core.change_bankaccount", raise_exception=True)
def bank_account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    account = selectors.access_bank_account(actor=actor, pk=pk)
    initial = {
        f: getattr(account, f)
        for f in (
            "account_type",
            "account_no",
            "account_name",
            "bank_name",
            "bank_code",
            "is_enabled",
        )
    }
    initial["organisation"] = account.organisation_id
    form = BankAccountForm(
        request.POST or None, visible=Organisation.objects.visible_to(actor), initial=initial
    )
    return form_page(
        request,
        form,
        save=lambda: bank_account_update(actor=actor, account=account, data=_account_data(form)),
        success_url_name="core:bank_account_detail",
        title=str(account),
        obj=account,
    )


# --- payees ------------------------------------------------------------------------------------


def _masked_payee(payee: Any, unmasked: bool) -> Any:
    payee.id_number_display = payee.id_number if unmasked else mask_id_number(payee.id_number)
    payee.account_display = (
        payee.bank_account_no if unmasked else mask_account_no(payee.bank_account_no)
    )
    return payee


@login_required
@permission_required("core.view_payee", raise_exception=True)
def payee_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    queryset = selectors.payee_list(
        actor=actor, text=request.GET.get("q", "").strip(), kind=request.GET.get("kind", "")
    ).select_related("organisation")
    # Lists always mask personal data (DESIGN §7, ``core.list_grids``); the detail page unmasks
    # for roles that need it.
    return _grid_page(
        request,
        "core/payee_list.html",
        PAYEE_GRID,
        queryset,
        "payees.xlsx",
        kinds=PayeeKind.choices,
        kind=request.GET.get("kind", ""),
    )


@login_required
@permission_required("core.view_payee", raise_exception=True)
def payee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    payee = selectors.access_payee(actor=actor, pk=pk)
    unmasked = actor.has_perm("core.view_personal_data")
    return render(
        request,
        "core/payee_detail.html",
        {"object": _masked_payee(payee, unmasked), "can_edit": actor.has_perm("core.change_payee")},
    )


def _payee_data(form: PayeeForm) -> PayeeData:
    data = form.cleaned_data
    return PayeeData(
        kind=data["kind"],
        name=data["name"].strip(),
        credit_code=data["credit_code"].strip(),
        id_number=data["id_number"].strip(),
        bank_account_no=data["bank_account_no"].replace(" ", ""),
        bank_name=data["bank_name"].strip(),
        bank_code=data["bank_code"].strip(),
        is_enabled=data["is_enabled"],
    )


@login_required
@permission_required("core.add_payee", raise_exception=True)
def payee_create_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    form = PayeeForm(
        request.POST or None,
        visible=Organisation.objects.visible_to(actor),
        initial={"is_enabled": True, "organisation": actor.organisation_id},
    )
    return form_page(
        request,
        form,
        save=lambda: payee_create(
            actor=actor,
            organisation_id=form.cleaned_data["organisation"].pk,
            data=_payee_data(form),
        ),
        success_url_name="core:payee_detail",
        title=_("New payee"),
    )


@login_required
@permission_required("core.change_payee", raise_exception=True)
def payee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    payee = selectors.access_payee(actor=actor, pk=pk)
    if not actor.has_perm("core.view_personal_data"):
        raise Http404  # editing would reveal the unmasked identity number
    initial = {
        f: getattr(payee, f)
        for f in (
            "kind",
            "name",
            "credit_code",
            "id_number",
            "bank_account_no",
            "bank_name",
            "bank_code",
            "is_enabled",
        )
    }
    initial["organisation"] = payee.organisation_id
    form = PayeeForm(
        request.POST or None, visible=Organisation.objects.visible_to(actor), initial=initial
    )
    form.fields["organisation"].disabled = True
    return form_page(
        request,
        form,
        save=lambda: payee_update(actor=actor, payee=payee, data=_payee_data(form)),
        success_url_name="core:payee_detail",
        title=str(payee),
        obj=payee,
    )


# --- fiscal years and code sets ------------------------------------------------------------------


@login_required
@permission_required("core.view_fiscalyear", raise_exception=True)
def fiscal_year_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    years = selectors.fiscal_year_list(actor=actor)
    return render(
        request,
        "core/fiscal_year_list.html",
        {
            "years": years,
            "can_edit": actor.has_perm("core.change_fiscalyear"),
            "next_year": (years[0].year + 1) if years else None,
        },
    )


@login_required
@require_POST
@permission_required("core.add_fiscalyear", raise_exception=True)
def fiscal_year_open_view(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    year = parse_int(request.POST.get("year", ""))
    if year is None or not 2000 <= year <= 2100:  # the column is a small integer
        messages.error(request, _("Enter a year from 2000 to 2100."))
        return redirect("core:fiscal_year_list")
    try:
        fiscal_year_open(actor=actor, mof_div_code=actor.mof_div_code, year=year)
    except BusinessRuleError as exc:
        for detail in exc.errors:
            messages.error(request, detail.message(request.LANGUAGE_CODE))
    else:
        messages.success(
            request, _("Fiscal year %(year)s opened with its code set.") % {"year": year}
        )
    return redirect("core:fiscal_year_list")


@login_required
@require_POST
@permission_required("core.change_fiscalyear", raise_exception=True)
def fiscal_year_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    fiscal_year = selectors.access_fiscal_year(actor=actor, pk=pk)
    try:
        fiscal_year_close(actor=actor, fiscal_year=fiscal_year)
    except BusinessRuleError as exc:
        for detail in exc.errors:
            messages.error(request, detail.message(request.LANGUAGE_CODE))
    else:
        messages.success(request, _("Fiscal year %(year)s closed.") % {"year": fiscal_year.year})
    return redirect("core:fiscal_year_list")


def _selected_year(request: HttpRequest, actor: Any) -> int | None:
    raw = request.GET.get("year", "")
    if (year := parse_int(raw)) is not None:
        return year
    current = selectors.current_fiscal_year(actor=actor)
    return current.year if current else None


@login_required
@permission_required("core.view_classificationcode", raise_exception=True)
def code_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    year = _selected_year(request, actor)
    kind = request.GET.get("kind", "")
    counts = selectors.code_counts(actor=actor, fiscal_year=year or 0)
    queryset = selectors.code_list(
        actor=actor,
        fiscal_year=year or 0,
        kind=kind,
        text=request.GET.get("q", "").strip(),
        enabled=request.GET.get("enabled", ""),
    )
    return _list_page(
        request,
        "core/code_list.html",
        queryset,
        year=year,
        kind=kind,
        years=selectors.fiscal_year_list(actor=actor),
        kinds=[(value, label, counts.get(value, 0)) for value, label in CodeKind.choices],
        can_edit=actor.has_perm("core.change_classificationcode"),
    )


@login_required
@permission_required("core.view_classificationcode", raise_exception=True)
def economic_mapping(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    year = _selected_year(request, actor)
    rows = selectors.economic_mapping_table(
        actor=actor, fiscal_year=year or 0, text=request.GET.get("q", "").strip()
    )
    return render(
        request,
        "core/economic_mapping.html",
        {
            "year": year,
            "years": selectors.fiscal_year_list(actor=actor),
            "rows": rows,
            "gaps": sum(1 for row in rows if row.agency is None or row.institution is None),
            "q": request.GET.get("q", ""),
        },
    )


@login_required
@permission_required("core.change_classificationcode", raise_exception=True)
def code_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    code = selectors.access_code(actor=actor, pk=pk)
    form = CodeEditForm(
        request.POST or None, initial={"name": code.name, "is_enabled": code.is_enabled}
    )
    if request.method == "POST" and form.is_valid():
        try:
            code_update(
                actor=actor,
                code=code,
                name=form.cleaned_data["name"],
                is_enabled=form.cleaned_data["is_enabled"],
            )
        except BusinessRuleError as exc:
            add_business_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"{reverse('core:code_list')}?year={code.fiscal_year}&kind={code.kind}")
    return render(
        request,
        "components/form_page.html",
        {
            "form": form,
            "title": f"{code.fiscal_year} · {code.get_kind_display()} · {code.code}",
            "object": code,
        },
    )


@login_required
@permission_required("core.view_classificationcode", raise_exception=True)
def code_export(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    year = _selected_year(request, actor) or 0
    file_format = "csv" if request.GET.get("format") == "csv" else "xlsx"
    data = code_set_export(
        mof_div_code=actor.mof_div_code,
        fiscal_year=year,
        kind=request.GET.get("kind", ""),
        file_format=file_format,
    )
    return _download(data, f"codes-{year}", file_format)


@login_required
@permission_required("core.add_classificationcode", raise_exception=True)
def code_import(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    year = _selected_year(request, actor) or 0
    form = ImportForm(request.POST or None, request.FILES or None)
    errors = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = code_set_import_file(
                actor=actor,
                mof_div_code=actor.mof_div_code,
                fiscal_year=year,
                data=upload_bytes(upload),
                filename=upload.name,
            )
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                _("Imported: %(created)d new, %(updated)d changed, %(unchanged)d unchanged.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                },
            )
            return redirect(f"{reverse('core:code_list')}?year={year}")
    return render(
        request,
        "core/import.html",
        {
            "form": form,
            "errors": errors,
            "title": _("Import code set for %(year)s") % {"year": year},
        },
    )


@login_required
@permission_required("core.view_region", raise_exception=True)
def region_list(request: HttpRequest) -> HttpResponse:
    regions = selectors.region_list(actor=_actor(request))
    return render(request, "core/region_list.html", {"regions": regions})
