"""The contract registry page (合同备案, R-PY-3): filed contracts with what payments took from
them, and filing a new one."""

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
from yusuan.procurement.services import ContractInput, contract_file


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
        amount = Money(0)
        try:
            amount = Money.parse(posted.get("amount", ""))
        except MoneyParseError as exc:
            errors.append(
                ErrorDetail(
                    code=exc.code,
                    field="amount",
                    value=posted.get("amount"),
                    message_zh=exc.message_zh,
                    message_en=exc.message_en,
                )
            )
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
            indicator_line_ids=[
                pk for x in request.POST.getlist("indicator_lines") if (pk := parse_id(x))
            ],
            filed_on=filed_on,
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
        },
    )
