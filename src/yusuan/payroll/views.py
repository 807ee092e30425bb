"""Salary batch pages (R-PY-4): upload a sheet (every bad row listed, nothing kept), then the
batch with its 工资发放与指标匹配表 — the proposed matching, editable — and the withholding payees,
which generates the one payment request of the batch; and the batch's employer contributions
(单位缴费, R-PY-13) with their agencies, which generates their own requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError
from yusuan.common.ids import parse_id, parse_int
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.tabular import XLSX
from yusuan.common.uploads import upload_bytes
from yusuan.common.web import attachment, paginate, query_without_page
from yusuan.core.choices import PayeeKind
from yusuan.core.rules import mask_account_no, mask_id_number
from yusuan.payments import selectors as payment_selectors
from yusuan.payments.models import PaymentRequest
from yusuan.payments.origins import Origin
from yusuan.payroll import selectors
from yusuan.payroll.choices import PayrollState
from yusuan.payroll.models import PayrollBatch
from yusuan.payroll.services.batches import (
    Match,
    covers,
    matching_report,
    payroll_import,
    payroll_request_create,
    proposal,
    salary_lines,
)
from yusuan.payroll.services.contributions import payroll_contributions_request
from yusuan.payroll.services.personnel import WARN
from yusuan.payroll.services.sheet import template_xlsx

FINDINGS_SHOWN = 200  # R-PS-5 findings listed on the page; the API gives them all


@login_required
@permission_required("payroll.view_payrollbatch", raise_exception=True)
def batch_list(request: HttpRequest) -> HttpResponse:
    actor: Any = request.user
    errors: list[ErrorDetail] | None = None
    today = timezone.localdate()
    month = request.POST.get("month", str(today.month))
    if request.method == "POST":
        if not actor.has_perm("payroll.add_payrollbatch"):
            raise PermissionDenied
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise BusinessRuleError.single(
                    code="import.no_file",
                    field="file",
                    message_zh="请选择工资表文件",
                    message_en="choose the salary sheet",
                )
            file = upload
            batch = payroll_import(
                actor=actor,
                data=upload_bytes(file),
                filename=file.name or "",
                month=parse_int(month) or 0,
                fiscal_year=today.year,
            )
        except BusinessRuleError as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                _("Imported %(number)s: %(count)s employees. Check the matching below.")
                % {"number": batch.number, "count": batch.employees},
            )
            return redirect("payroll:batch_detail", pk=batch.pk)
    batches = selectors.batch_list(actor=actor)
    return render(
        request,
        "payroll/batch_list.html",
        {
            "page": paginate(request, batches),
            "errors": errors,
            "month": month,
            "months": range(1, 13),
            "can_import": actor.has_perm("payroll.add_payrollbatch"),
        },
    )


def _matches_from_post(
    request: HttpRequest, batch: PayrollBatch
) -> tuple[list[Match], list[ErrorDetail]]:
    """The matching table as the clerk left it: one amount per (item, indicator line)."""
    matches: list[Match] = []
    errors: list[ErrorDetail] = []
    for key in request.POST:
        text = request.POST.get(key, "")
        if key.count(":") < 2 or not key.startswith("match:") or not text.strip():
            continue
        _prefix, item, line_id = key.split(":", 2)
        try:
            fen = Money.parse(text).fen
        except MoneyParseError as exc:
            errors.append(
                ErrorDetail(
                    code=exc.code,
                    rule="R-PY-4",
                    field=key,
                    value=text,
                    message_zh=f"项目 {item} 的挂接金额：{exc.message_zh}",
                    message_en=f"matched amount of item {item}: {exc.message_en}",
                )
            )
            continue
        if fen and (indicator_line_id := parse_id(line_id)) and item in batch.items:
            matches.append(Match(item, indicator_line_id, fen))
    return matches, errors


@login_required
@permission_required("payroll.view_payrollbatch", raise_exception=True)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    try:
        batch = selectors.batch_get(actor=actor, batch_id=pk)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    errors: list[ErrorDetail] = []
    editable = batch.state == PayrollState.IMPORTED
    posted: dict[str, str] = {}
    contribution_errors: list[ErrorDetail] = []
    if request.method == "POST" and request.POST.get("action") == "contributions":
        # R-PY-13: the employer contributions, paid from their own lines to the agencies.
        if not actor.has_perm("payments.add_paymentrequest"):
            raise PermissionDenied
        posted = {k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"}
        try:
            pay_date = dt.date.fromisoformat(posted.get("contribution_pay_date", ""))
            created_list = payroll_contributions_request(
                actor=actor,
                batch_id=batch.pk,
                pay_date=pay_date,
                payer_account_id=parse_id(posted.get("contribution_account_id", "")),
                payees={
                    c.item: parse_id(posted.get(f"contribution_payee:{c.item}", ""))
                    for c in batch.contributions.all()
                },
            )
        except ValueError:
            contribution_errors = [
                ErrorDetail(
                    code="payments.bad_date",
                    field="contribution_pay_date",
                    value=posted.get("contribution_pay_date", ""),
                    message_zh="支付日期格式应为 YYYY-MM-DD",
                    message_en="the payment date is YYYY-MM-DD",
                )
            ]
        except BusinessRuleError as exc:
            contribution_errors = exc.errors
        else:
            messages.success(
                request,
                _("Employer contributions requested: %(numbers)s.")
                % {"numbers": "、".join(r.number for r in created_list)},
            )
            return redirect("payroll:batch_detail", pk=batch.pk)
    elif request.method == "POST":
        if not (editable and actor.has_perm("payments.add_paymentrequest")):
            raise PermissionDenied
        posted = {k: request.POST.get(k, "") for k in request.POST if k != "csrfmiddlewaretoken"}
        matches, errors = _matches_from_post(request, batch)
        try:
            pay_date = dt.date.fromisoformat(posted.get("pay_date", ""))
        except ValueError:
            errors.append(
                ErrorDetail(
                    code="payments.bad_date",
                    field="pay_date",
                    value=posted.get("pay_date", ""),
                    message_zh="支付日期格式应为 YYYY-MM-DD",
                    message_en="the payment date is YYYY-MM-DD",
                )
            )
            pay_date = timezone.localdate()
        payees = {
            name: payee_id
            for name in batch.deduction_totals
            if (payee_id := parse_id(posted.get(f"payee:{name}", ""))) is not None
        }
        account = posted.get("payer_account_id", "")
        if not errors:
            try:
                created = payroll_request_create(
                    actor=actor,
                    batch_id=batch.pk,
                    pay_date=pay_date,
                    payer_account_id=parse_id(account),
                    deduction_payees=payees,
                    matches=matches,
                )
            except BusinessRuleError as exc:
                errors = exc.errors
            else:
                messages.success(
                    request,
                    _("Payment request %(number)s generated: %(count)s lines.")
                    % {"number": created.number, "count": created.lines.count()},
                )
                return redirect("payments:request_detail", pk=created.pk)
    lines = salary_lines(batch) if editable else []
    suggested = proposal(batch, lines) if editable else []
    report = matching_report(batch, suggested if editable else None)
    proposed = {(m.item, m.line_id): m.amount for m in suggested}
    for entry in report:
        item = str(entry["item"])
        entry["choices"] = [
            {
                "line": line,
                "key": f"match:{item}:{line.pk}",
                "value": posted.get(
                    f"match:{item}:{line.pk}",
                    Money(proposed[(item, line.pk)]).format(grouping=False)
                    if (item, line.pk) in proposed
                    else "",
                ),
                "errors": [e for e in errors if e.field == f"match:{item}:{line.pk}"],
            }
            for line in lines
            if covers(line, item)
        ]
    text = request.GET.get("q", "").strip()
    page = paginate(request, selectors.batch_rows(batch=batch, text=text), per_page=50)
    personal = actor.has_perm("core.view_personal_data")
    for row in page.object_list:
        row.shown_id = row.id_number if personal else mask_id_number(row.id_number)
        row.shown_account = row.account_no if personal else mask_account_no(row.account_no)
    plan = selectors.contribution_plan(batch)
    owed = [
        {
            "entry": entry,
            "key": f"contribution_payee:{entry.contribution.item}",
            "chosen": posted.get(f"contribution_payee:{entry.contribution.item}", ""),
            "rate": f"{entry.contribution.rate_bp // 100}.{entry.contribution.rate_bp % 100:02d} %",
        }
        for entry in plan
    ]
    return render(
        request,
        "payroll/batch_detail.html",
        {
            "batch": batch,
            "contributions": owed,
            "contribution_errors": contribution_errors,
            "can_contribute": actor.has_perm("payments.add_paymentrequest")
            and batch.state != PayrollState.VOID
            and any(p.contribution.request_id is None for p in plan),
            "contribution_pay_date": posted.get(
                "contribution_pay_date", timezone.localdate().isoformat()
            ),
            "report": report,
            "findings": batch.findings[:FINDINGS_SHOWN],
            "findings_left": max(0, len(batch.findings) - FINDINGS_SHOWN),
            "warnings": sum(1 for f in batch.findings if f.get("outcome") == WARN),
            "errors": errors,
            "deductions": [
                (name, fen, f"payee:{name}", posted.get(f"payee:{name}", ""))
                for name, fen in sorted(batch.deduction_totals.items())
            ],
            "posted": posted,
            "accounts": payment_selectors.payer_accounts(
                actor=actor, organisation_id=batch.organisation_id
            ),
            "withholders": payment_selectors.payees(
                actor=actor, organisation_id=batch.organisation_id, kind=PayeeKind.ORGANISATION
            ),
            "pay_date": posted.get("pay_date", timezone.localdate().isoformat()),
            "can_generate": editable and actor.has_perm("payments.add_paymentrequest"),
            "page": page,
            "q": text,
            "query": query_without_page(request),
        },
    )


@login_required
@permission_required("payroll.view_payrollbatch", raise_exception=True)
def sheet_template(request: HttpRequest) -> HttpResponse:
    """The sheet as the import reads it, with two example rows."""
    return attachment(template_xlsx(), "payroll-template.xlsx", XLSX)


def batch_origin(request: PaymentRequest) -> Origin | None:
    """The salary batch a payment request was generated from (its pay, or its employer
    contributions, R-PY-13), for the request's page."""
    batch = (
        PayrollBatch.objects.filter(Q(request=request) | Q(contributions__request=request))
        .only("pk", "number", "employees", "personnel_check")
        .distinct()
        .first()
    )
    if batch is None:
        return None
    return Origin(
        label=_("Salary batch"),
        text=batch.number,
        url=reverse("payroll:batch_detail", args=[batch.pk]),
        # R-PS-5: whether the approver is looking at a checked sheet (ADR 0045).
        note=f"{batch.employees} {_('employees')} · {batch.get_personnel_check_display()}",
    )
