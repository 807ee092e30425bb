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
from django.utils import timezone
from django.utils.translation import gettext as _

from yusuan.common.errors import BusinessRuleError, ErrorDetail
from yusuan.common.ids import parse_id
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.web import paginate
from yusuan.core.choices import PayeeKind
from yusuan.core.selectors import payees
from yusuan.procurement import selectors
from yusuan.procurement.choices import ContractState
from yusuan.procurement.services import (
    ContractInput,
    ContractLineInput,
    contract_close,
    contract_file,
)

# Rows of the filing form's line table (R-GP-9: each line and its share); the API takes any number.
FORM_LINES = 3


def _amount(text: str, field: str, errors: list[ErrorDetail]) -> Money:
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
        ContractLineInput(pk, _amount(text, f"lines[{i}].amount", errors))
        for i, (pk, text) in enumerate(rows)
    ]


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
        amount = _amount(posted.get("amount", ""), "amount", errors)
        line_ids, shares = _shares(request, errors)
        try:
            filed_on = dt.date.fromisoformat(posted.get("filed_on", ""))
        except ValueError:
            filed_on = timezone.localdate()
        supplier = posted.get("supplier_id", "")
        data = ContractInput(
            number=posted.get("number", ""),
            title=posted.get("title", ""),
            supplier_id=parse_id(supplier),
            amount=amount,
            indicator_line_ids=line_ids,
            filed_on=filed_on,
            lines=shares,
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
    """One contract: per indicator line what it reserved, consumed and has left (R-GP-9); a
    filed contract is closed here (completed or terminated), releasing what is left."""
    actor: Any = request.user
    contract = selectors.contract_get(actor=actor, contract_id=pk)
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        if not actor.has_perm("procurement.change_contract"):
            raise PermissionDenied
        try:
            closed_on = dt.date.fromisoformat(request.POST.get("closed_on", ""))
        except ValueError:
            closed_on = timezone.localdate()
        try:
            contract_close(
                actor=actor,
                contract_id=contract.pk,
                state=request.POST.get("state", ""),
                closed_on=closed_on,
                reason=request.POST.get("reason", ""),
            )
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(
                request, _("Contract %(number)s closed.") % {"number": contract.number}
            )
            return redirect("procurement:contract_detail", pk=contract.pk)
    return render(
        request,
        "procurement/contract_detail.html",
        {
            "contract": contract,
            "lines": selectors.contract_lines(contract),
            "errors": errors,
            "can_close": contract.state == ContractState.FILED
            and actor.has_perm("procurement.change_contract"),
            "closing_states": [
                (x.value, x.label) for x in (ContractState.COMPLETED, ContractState.TERMINATED)
            ],
            "today": timezone.localdate().isoformat(),
        },
    )
