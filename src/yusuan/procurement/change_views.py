"""Procurement change pages (ADR 0052): a filed plan's change of method (R-GP-8) and a filed
contract's supplementary contract (补充合同, R-GP-3b) — entered from the plan's or contract's
page, submitted and followed on the change's own page with its approval timeline."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError
from yusuan.common.ids import parse_id
from yusuan.common.web import parse_date
from yusuan.procurement import selectors
from yusuan.procurement.choices import ChangeKind, ChangeState, PurMethod
from yusuan.procurement.services.changes import ChangeInput, change_create
from yusuan.procurement.views import money_field
from yusuan.procurement.workflow import CHANGE_TYPE
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.services import document_submit


@login_required
@permission_required("procurement.view_procurementchange", raise_exception=True)
def change_new(request: HttpRequest) -> HttpResponse:
    """``?plan=<id>``: change a filed plan's method; ``?contract=<id>``: a supplementary
    contract. Saved as a draft, then submitted from the change's page."""
    actor: Any = request.user
    plan_id = parse_id(request.GET.get("plan", ""))
    contract_id = parse_id(request.GET.get("contract", ""))
    plan = selectors.plan_get(actor=actor, plan_id=plan_id) if plan_id else None
    contract = (
        selectors.contract_get(actor=actor, contract_id=contract_id)
        if contract_id and plan is None
        else None
    )
    if plan is None and contract is None:
        raise NotFoundError("procurement plan or contract")
    kind = ChangeKind.METHOD if plan is not None else ChangeKind.SUPPLEMENT
    if not actor.has_perm(selectors.change_permission(kind)):
        raise PermissionDenied
    errors: list[ErrorDetail] = []
    if request.method == "POST":
        post = request.POST
        amount = (
            money_field(post.get("amount", ""), "amount", errors)
            if kind == ChangeKind.SUPPLEMENT
            else None
        )
        data = ChangeInput(
            kind=kind,
            reason=post.get("reason", ""),
            plan_id=plan.pk if plan is not None else None,
            new_method=post.get("new_method", ""),
            single_source_reason=post.get("single_source_reason", ""),
            contract_id=contract.pk if contract is not None else None,
            amount=amount,
            indicator_line_id=parse_id(post.get("indicator_line_id", "")),
            signed_on=parse_date(post.get("signed_on", "")),
        )
        try:
            if errors:
                raise BusinessRuleError(errors)
            change = change_create(actor=actor, data=data)
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(
                request, _("Change %(number)s saved as a draft.") % {"number": change.number}
            )
            return redirect("procurement:change_detail", pk=change.pk)
    context: dict[str, Any] = {
        "kind": kind,
        "plan": plan,
        "contract": contract,
        "errors": errors,
        "form": request.POST,
        "methods": [(m.value, m.label) for m in PurMethod if plan is None or m != plan.method],
    }
    if contract is not None:
        original, approved, cap = selectors.supplement_room(contract)
        context.update(
            lines=selectors.contract_lines(contract),
            original=original,
            approved=approved,
            cap=cap,
            room=cap - approved,
        )
    return render(request, "procurement/change_form.html", context)


@login_required
@permission_required("procurement.view_procurementchange", raise_exception=True)
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One change: what it changes, submit a draft, its approval timeline."""
    actor: Any = request.user
    change = selectors.change_get(actor=actor, change_id=pk)
    errors: list[ErrorDetail] = []
    may_submit = (
        actor.has_perm(selectors.change_permission(change.kind))
        and change.state == ChangeState.DRAFT
    )
    if request.method == "POST":
        if not may_submit or request.POST.get("action") != "submit":
            raise PermissionDenied
        try:
            instance = document_submit(
                actor=actor, document_type=CHANGE_TYPE, object_id=str(change.pk)
            )
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            step = instance.current_step or {}
            messages.success(
                request,
                _("Change %(number)s submitted. Waiting at: %(where)s")
                % {
                    "number": change.number,
                    "where": f"{step.get('organisation_name', '')} · {step.get('name', '')}",
                },
            )
            return redirect("procurement:change_detail", pk=change.pk)
    context: dict[str, Any] = {
        "change": change,
        "errors": errors,
        "may_submit": may_submit,
        "approval": workflow_selectors.document_approval(
            actor=actor, document_type=CHANGE_TYPE, document=change
        ),
    }
    if change.contract is not None:
        original, approved, cap = selectors.supplement_room(change.contract)
        context.update(original=original, approved=approved, cap=cap)
    return render(request, "procurement/change_detail.html", context)
