"""Asset cards and the month's depreciation run (issue 19, E11): the cards in the data grid, a
card form whose problems stand beside their fields, and the run as a button on a book's months.
Another unit's card or book is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yusuan.accounting import selectors
from yusuan.accounting.forms import AssetCardForm
from yusuan.accounting.list_grid import ASSET_GRID
from yusuan.accounting.services.assets import AssetCardInput, asset_card_create, depreciation_run
from yusuan.accounting.services.common import KEEP
from yusuan.accounting.views import VIEW, _book
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.grid import grid_download, grid_page
from yusuan.common.web import add_business_errors, is_htmx, run_action


@login_required
@permission_required(VIEW, raise_exception=True)
def asset_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    rows = selectors.asset_cards(actor=actor)
    if request.GET.get("export") == "xlsx":
        return grid_download(request, ASSET_GRID, rows, "asset-cards.xlsx")
    context = {"g": grid_page(request, ASSET_GRID, rows), "may_keep": actor.has_perm(KEEP)}
    if is_htmx(request):
        return render(request, "accounting/asset_rows.html", context)
    return render(request, "accounting/assets.html", context)


@login_required
@permission_required(KEEP, raise_exception=True)
def asset_new(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    form = AssetCardForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            card = asset_card_create(
                actor=actor,
                data=AssetCardInput(
                    organisation_id=data["organisation"],
                    code=data["code"],
                    name=data["name"],
                    kind=data["kind"],
                    cost=data["cost"],
                    salvage=data["salvage"],
                    in_service=data["in_service"],
                    life_months=data["life_months"],
                    expense_account=data["expense_account"].strip(),
                ),
            )
        except NotFoundError:
            form.add_error("organisation", _("Not a unit whose books you keep."))
        except BusinessRuleError as exc:
            add_business_errors(form, exc)
        else:
            messages.success(request, _("Asset card %(code)s saved.") % {"code": card.code})
            return redirect("accounting:assets")
    return render(
        request, "components/form_page.html", {"form": form, "title": _("New asset card")}
    )


@require_POST
@login_required
@permission_required(KEEP, raise_exception=True)
def depreciation_view(request: HttpRequest, book_pk: int, month: int) -> HttpResponse:
    """The month's depreciation as a draft voucher, then back to the book's months."""
    book = _book(request, book_pk)
    return run_action(
        request,
        lambda actor: depreciation_run(actor=actor, book_id=book.pk, month=month),
        lambda voucher: (
            _("Depreciation of month %(month)s booked as draft voucher %(label)s.")
            % {"month": month, "label": voucher.label}
        ),
        redirect("accounting:periods", book_pk=book.pk),
    )
