"""The contract registry page (合同备案, R-PY-3): filed contracts with what payments took from
them, and filing a new one; a contract's page shows per indicator line what it reserved, what
its payments consumed and what is left, and closes it (R-GP-9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.grid import grid_download, grid_page
from yusuan.common.ids import parse_id
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.web import is_htmx, paginate, parse_date
from yusuan.core.choices import PayeeKind
from yusuan.core.selectors import payees, standards_for
from yusuan.core.standard_keys import BY_KEY, show
from yusuan.procurement import selectors
from yusuan.procurement.choices import (
    CATALOGUE_FORMS,
    AcceptanceResult,
    ContractState,
    InstalmentKind,
    IntentionState,
)
from yusuan.procurement.intentions_grid import INTENTION_GRID, PUBLIC_INTENTION_GRID
from yusuan.procurement.services import (
    ContractInput,
    ContractLineInput,
    IntentionInput,
    catalogue_item_remove,
    catalogue_item_set,
    contract_close,
    contract_file,
    intention_create,
    intention_publish,
    intention_update,
    intention_withdraw,
)
from yusuan.procurement.services.awards import (
    AcceptanceInput,
    acceptance_record,
)
from yusuan.procurement.services.contract_terms import InstalmentInput

# Rows of the filing form's line table (R-GP-9: each line and its share); the API takes any number.
FORM_LINES = 3
# Rows of the filing form's payment schedule (R-GP-10); the API takes any number.
SCHEDULE_ROWS = 4


def money_field(text: str, field: str, errors: list[ErrorDetail]) -> Money:
    try:
        return Money.parse(text)
    except MoneyParseError as exc:
        errors.append(
            ErrorDetail(
                code=exc.code,
                field=field,
                value=text,
                message_zh=exc.message_zh,
                message_en=exc.message_en,
            )
        )
        return Money(0)


def _shares(
    request: HttpRequest, errors: list[ErrorDetail]
) -> tuple[list[int], list[ContractLineInput]]:
    """The form's filled line rows (``line_N`` and ``line_amount_N``), in order: one line with
    no amount is the whole contract's (as ``indicator_line_ids``); otherwise each its share."""
    rows = [
        (parse_id(request.POST.get(f"line_{i}", "")), request.POST.get(f"line_amount_{i}", ""))
        for i in range(FORM_LINES)
    ]
    rows = [(pk, text.strip()) for pk, text in rows if pk is not None or text.strip()]
    if len(rows) == 1 and rows[0][0] is not None and not rows[0][1]:
        return [rows[0][0]], []
    legacy = [pk for x in request.POST.getlist("indicator_lines") if (pk := parse_id(x))]
    return legacy, [
        ContractLineInput(pk, money_field(text, f"lines[{i}].amount", errors))
        for i, (pk, text) in enumerate(rows)
    ]


def _schedule_rows(request: HttpRequest, errors: list[ErrorDetail]) -> list[InstalmentInput]:
    """The filing form's filled schedule rows (``node_name_N``, ``node_kind_N``, …), in order."""
    nodes: list[InstalmentInput] = []
    for i in range(SCHEDULE_ROWS):
        values = {
            name: request.POST.get(f"node_{name}_{i}", "").strip()
            for name in ("name", "kind", "amount", "warranty_ends")
        }
        if not any(values.values()):
            continue
        nodes.append(
            InstalmentInput(
                name=values["name"],
                kind=values["kind"],
                amount=money_field(values["amount"], f"instalments[{len(nodes)}].amount", errors),
                warranty_ends=parse_date(values["warranty_ends"]),
            )
        )
    return nodes


@login_required
@permission_required("procurement.view_contract", raise_exception=True)
def contract_list(request: HttpRequest) -> HttpResponse:
    """合同备案: the filed contracts with what payments took from them; filing a new one."""
    actor: Any = request.user
    errors: list[ErrorDetail] = []
    posted: dict[str, Any] = {}
    if request.method == "POST":
        if not actor.has_perm("procurement.add_contract"):
            raise PermissionDenied
        posted = {k: request.POST.get(k, "") for k in request.POST}
        amount = money_field(posted.get("amount", ""), "amount", errors)
        line_ids, shares = _shares(request, errors)
        filed_on = parse_date(posted.get("filed_on", "")) or timezone.localdate()
        supplier = posted.get("supplier_id", "")
        data = ContractInput(
            number=posted.get("number", ""),
            title=posted.get("title", ""),
            supplier_id=parse_id(supplier),
            amount=amount,
            indicator_line_ids=line_ids,
            filed_on=filed_on,
            lines=shares,
            plan_id=parse_id(posted.get("plan_id", "")),
            award_id=parse_id(posted.get("award_id", "")),
            signed_on=parse_date(posted.get("signed_on", "")),
            published_on=parse_date(posted.get("published_on", "")),
            instalments=_schedule_rows(request, errors),
        )
        if not errors:
            try:
                filed = contract_file(actor=actor, data=data, fiscal_year=filed_on.year)
            except BusinessRuleError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request, _("Contract %(number)s filed.") % {"number": filed.number}
                )
                return redirect("procurement:contract_list")
    organisation_id = actor.organisation_id
    return render(
        request,
        "procurement/contract_list.html",
        {
            "page": paginate(request, selectors.contract_list(actor=actor)),
            "errors": errors,
            "posted": posted,
            "chosen": request.POST.getlist("indicator_lines"),
            "can_file": actor.has_perm("procurement.add_contract"),
            "suppliers": payees(
                actor=actor, organisation_id=organisation_id, kind=PayeeKind.ORGANISATION
            ),
            "lines": selectors.procurement_lines(actor=actor, organisation_id=organisation_id),
            "plans": selectors.open_plans(
                actor=actor,
                organisation_id=organisation_id,
                fiscal_year=timezone.localdate().year,
            )
            if organisation_id
            else [],
            "awards": selectors.open_awards(actor=actor, organisation_id=organisation_id)
            if organisation_id
            else [],
            "kinds": InstalmentKind.choices,
            "schedule_rows": [
                {
                    "i": i,
                    **{
                        name: request.POST.get(f"node_{name}_{i}", "")
                        for name in ("name", "kind", "amount", "warranty_ends")
                    },
                }
                for i in range(SCHEDULE_ROWS)
            ],
            "today": timezone.localdate().isoformat(),
            "form_rows": [
                (i, request.POST.get(f"line_{i}", ""), request.POST.get(f"line_amount_{i}", ""))
                for i in range(FORM_LINES)
            ],
        },
    )


@login_required
@permission_required("procurement.view_contract", raise_exception=True)
def contract_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One contract: per indicator line what it reserved, consumed and has left (R-GP-9); its
    award, legal deadlines (R-GP-3) and payment schedule with each milestone's acceptance
    (R-GP-10). A milestone's acceptance is recorded here, by someone other than the requester;
    a filed contract is closed here (completed or terminated), releasing what is left."""
    actor: Any = request.user
    contract = selectors.contract_get(actor=actor, contract_id=pk)
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        accept = request.POST.get("action") == "accept"
        needed = "procurement.add_contractacceptance" if accept else "procurement.change_contract"
        if not actor.has_perm(needed):
            raise PermissionDenied
        try:
            if accept:
                acceptance_record(
                    actor=actor,
                    contract_id=contract.pk,
                    data=AcceptanceInput(
                        instalment_id=parse_id(request.POST.get("instalment_id", "")),
                        accepted_on=parse_date(request.POST.get("accepted_on", "")),
                        result=request.POST.get("result", ""),
                        members=request.POST.get("members", ""),
                        report=request.POST.get("report", ""),
                    ),
                )
                done = _("Acceptance recorded.")
            else:
                contract_close(
                    actor=actor,
                    contract_id=contract.pk,
                    state=request.POST.get("state", ""),
                    closed_on=parse_date(request.POST.get("closed_on", "")) or timezone.localdate(),
                    reason=request.POST.get("reason", ""),
                )
                done = _("Contract %(number)s closed.") % {"number": contract.number}
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(request, done)
            return redirect("procurement:contract_detail", pk=contract.pk)
    instalments = selectors.contract_instalments(contract)
    filed = contract.state == ContractState.FILED
    # The milestones still waiting for a passed acceptance (a failed one is checked again).
    awaiting = [
        node
        for node in instalments
        if node.requires_acceptance
        and not any(a.result == AcceptanceResult.PASSED for a in node.acceptances.all())
    ]
    return render(
        request,
        "procurement/contract_detail.html",
        {
            "contract": contract,
            "lines": selectors.contract_lines(contract),
            "instalments": instalments,
            "deadlines": selectors.contract_deadlines(contract),
            "errors": errors,
            "posted": request.POST if errors else {},
            "can_close": filed and actor.has_perm("procurement.change_contract"),
            "changes": selectors.changes_of(contract=contract),
            "change_url": f"{reverse('procurement:change_new')}?contract={contract.pk}"
            if filed and actor.has_perm("procurement.change_contract")
            else "",
            "awaiting": awaiting,
            "can_accept": filed
            and bool(awaiting)
            and actor.has_perm("procurement.add_contractacceptance"),
            "results": AcceptanceResult.choices,
            "closing_states": [
                (x.value, x.label) for x in (ContractState.COMPLETED, ContractState.TERMINATED)
            ],
            "today": timezone.localdate().isoformat(),
        },
    )


# --- 采购意向 (R-GP-1, R-GP-7) ---------------------------------------------------------------

INTENTION_FILTERS = ("state", "q")


def _month(text: str) -> dt.date | None:
    """``2026-09`` (an ``<input type=month>``) or a full date; None when neither."""
    text = text.strip()
    for candidate in (f"{text}-01", text):
        try:
            return dt.date.fromisoformat(candidate)
        except ValueError:
            continue
    return None


def _intention_input(request: HttpRequest, errors: list[ErrorDetail]) -> IntentionInput:
    post = request.POST
    return IntentionInput(
        project_name=post.get("project_name", ""),
        need_summary=post.get("need_summary", ""),
        budget=money_field(post.get("budget", ""), "budget", errors),
        expected_month=_month(post.get("expected_month", "")),
        pur_item_code=post.get("pur_item_code", ""),
        is_sme_reserved=post.get("is_sme_reserved") == "on",
        indicator_line_id=parse_id(post.get("indicator_line_id", "")),
        note=post.get("note", ""),
    )


def entry_choices(actor: Any, fiscal_year: int, mof_div_code: str) -> dict[str, Any]:
    return {
        "items": selectors.pur_items(mof_div_code=mof_div_code, fiscal_year=fiscal_year),
        "lines": [
            line
            for line in selectors.procurement_lines(
                actor=actor, organisation_id=actor.organisation_id
            )
            if line.fiscal_year == fiscal_year
        ],
    }


@login_required
@permission_required("procurement.view_procurementintention", raise_exception=True)
def intention_list(request: HttpRequest) -> HttpResponse:
    """采购意向: the units' intentions on the data grid; a clerk enters a new one here."""
    actor: Any = request.user
    params = {name: request.GET.get(name, "").strip()[:100] for name in INTENTION_FILTERS}
    if params["state"] not in IntentionState.values:
        params["state"] = ""
    queryset = selectors.intention_list(actor=actor, state=params["state"], search=params["q"])
    if request.GET.get("export") == "xlsx":
        return grid_download(request, INTENTION_GRID, queryset, "procurement-intentions.xlsx")
    context = {
        "g": grid_page(request, INTENTION_GRID, queryset),
        "params": params,
        "states": IntentionState.choices,
    }
    if is_htmx(request):
        return render(request, "procurement/intention_rows.html", context)
    return render(request, "procurement/intention_list.html", context)


@login_required
@permission_required("procurement.add_procurementintention", raise_exception=True)
def intention_new(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    fiscal_year = timezone.localdate().year
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        data = _intention_input(request, errors)
        if not errors:
            try:
                created = intention_create(actor=actor, data=data, fiscal_year=fiscal_year)
            except BusinessRuleError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request, _("Intention %(number)s saved.") % {"number": created.number}
                )
                return redirect("procurement:intention_detail", pk=created.pk)
    return render(
        request,
        "procurement/intention_form.html",
        {
            "errors": errors,
            "posted": request.POST,
            "fiscal_year": fiscal_year,
            **entry_choices(actor, fiscal_year, actor.mof_div_code),
        },
    )


@login_required
@permission_required("procurement.view_procurementintention", raise_exception=True)
def intention_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One intention: its published fields and history; edit (a change once published),
    publish or withdraw it, as the user's permissions allow."""
    actor: Any = request.user
    intention = selectors.intention_get(actor=actor, intention_id=pk)
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        needed = {
            "publish": "procurement.publish_procurementintention",
            "withdraw": "procurement.publish_procurementintention",
            "save": "procurement.change_procurementintention",
        }.get(action)
        if needed is None or not actor.has_perm(needed):
            raise PermissionDenied
        try:
            if action == "publish":
                intention_publish(
                    actor=actor,
                    intention_id=intention.pk,
                    on=parse_date(request.POST.get("published_on", "")),
                )
                done = _("Intention %(number)s published.")
            elif action == "withdraw":
                intention_withdraw(
                    actor=actor, intention_id=intention.pk, reason=request.POST.get("reason", "")
                )
                done = _("Intention %(number)s withdrawn.")
            else:
                data = _intention_input(request, errors)
                if errors:
                    raise BusinessRuleError(errors)
                intention_update(actor=actor, intention_id=intention.pk, data=data)
                done = _("Intention %(number)s saved.")
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(request, done % {"number": intention.number})
            return redirect("procurement:intention_detail", pk=intention.pk)
    editable = intention.state != IntentionState.WITHDRAWN and actor.has_perm(
        "procurement.change_procurementintention"
    )
    may_publish = actor.has_perm("procurement.publish_procurementintention")
    return render(
        request,
        "procurement/intention_detail.html",
        {
            "intention": intention,
            "today": timezone.localdate().isoformat(),
            "plans": selectors.plan_list(actor=actor).filter(intention=intention),
            "errors": errors,
            "form": request.POST
            if errors and request.POST.get("action") == "save"
            else _initial(intention),
            "editable": editable,
            "can_publish": may_publish and intention.state == IntentionState.DRAFT,
            "can_withdraw": may_publish
            and intention.state in (IntentionState.PUBLISHED, IntentionState.CHANGED),
            "fiscal_year": intention.fiscal_year,
            **(
                entry_choices(actor, intention.fiscal_year, intention.mof_div_code)
                if editable
                else {}
            ),
        },
    )


def _initial(intention: Any) -> dict[str, Any]:
    """The edit form's values from the intention, as the form posts them."""
    return {
        "project_name": intention.project_name,
        "need_summary": intention.need_summary,
        "budget": Money(intention.budget).format(grouping=False),
        "expected_month": intention.expected_month.strftime("%Y-%m"),
        "pur_item_code": intention.pur_item_code,
        "indicator_line_id": str(intention.indicator_line_id or ""),
        "is_sme_reserved": intention.is_sme_reserved,
        "note": intention.note,
    }


def public_intention_list(request: HttpRequest) -> HttpResponse:
    """政府采购意向公开: the published intentions of every region here, for anyone (no sign-in),
    filtered by region, month and text, exported as the page shows them (R-GP-1)."""
    region = request.GET.get("region", "").strip()[:9]
    search = request.GET.get("q", "").strip()[:100]
    month = _month(request.GET.get("month", "")[:10])
    queryset = selectors.public_intentions(mof_div_code=region, search=search, month=month)
    if request.GET.get("export") == "xlsx":
        return grid_download(
            request, PUBLIC_INTENTION_GRID, queryset, "procurement-intentions-public.xlsx"
        )
    context = {
        "g": grid_page(request, PUBLIC_INTENTION_GRID, queryset),
        "params": {
            "region": region,
            "q": search,
            "month": month.strftime("%Y-%m") if month else "",
        },
        "regions": selectors.public_regions(),
    }
    if is_htmx(request):
        return render(request, "procurement/public_intention_rows.html", context)
    return render(request, "procurement/public_intention_list.html", context)


# --- 集中采购目录 and 限额标准 (R-GP-11, ADR 0052) -------------------------------------------------

THRESHOLD_KEYS = (
    "budget.procurement_threshold",
    "procurement.limit_works",
    "procurement.tender_goods_services",
    "procurement.tender_works",
    "procurement.intention_days",
    "procurement.intention_check",
)


@login_required
@permission_required("procurement.view_catalogueitem", raise_exception=True)
def catalogue_view(request: HttpRequest) -> HttpResponse:
    """The region's 集中采购目录 of the year with its thresholds (the standards, edited on the
    standards page); the finance procurement division adds, changes and removes entries."""
    actor: Any = request.user
    region = actor.mof_div_code
    year = timezone.localdate().year
    errors: list[ErrorDetail] = []
    may_edit = actor.has_perm("procurement.change_catalogueitem")
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        try:
            removed = parse_id(request.POST.get("remove", ""))
            if removed is not None:
                catalogue_item_remove(actor=actor, item_id=removed)
            else:
                catalogue_item_set(
                    actor=actor,
                    mof_div_code=region,
                    fiscal_year=year,
                    pur_item_code=request.POST.get("pur_item_code", ""),
                    org_form=request.POST.get("org_form", ""),
                    note=request.POST.get("note", ""),
                )
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("The catalogue is saved."))
            return redirect("procurement:catalogue")
    values = standards_for(mof_div_code=region, fiscal_year=year)
    names = dict(selectors.pur_items(mof_div_code=region, fiscal_year=year))
    return render(
        request,
        "procurement/catalogue.html",
        {
            "year": year,
            "items": [
                (item, names.get(item.pur_item_code, ""))
                for item in selectors.catalogue_items(mof_div_code=region, fiscal_year=year)
            ],
            "thresholds": [
                (BY_KEY[key], show(BY_KEY[key], values[key], get_language()))
                for key in THRESHOLD_KEYS
            ],
            "pur_items": list(names.items()),
            "forms": [(form.value, form.label) for form in CATALOGUE_FORMS],
            "can_edit": may_edit,
            "errors": errors,
        },
    )
