"""Payment pages: my requests, entry with the available amount live beside each indicator line
and errors in place, the request with its approval, monitoring findings and voucher, and the
voucher as printed."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yusuan.common.errors import (
    BusinessRuleError,
    ErrorDetail,
    NotFoundError,
    field_amount,
)
from yusuan.common.grid import grid_download, grid_page
from yusuan.common.ids import parse_id, parse_int
from yusuan.common.money import Money, MoneyParseError
from yusuan.common.uploads import upload_bytes
from yusuan.common.web import (
    attachment,
    error_text,
    flash_business_errors,
    is_htmx,
    paginate,
    place_errors,
    query_without_page,
    run_action,
)
from yusuan.payments import hooks, selectors
from yusuan.payments.choices import (
    BusinessType,
    RefundKind,
    RefundReason,
    RequestState,
    SettlementMode,
    VoucherKind,
)
from yusuan.payments.list_grid import PAYMENT_GRID, with_totals
from yusuan.payments.models import BankFile, BankResult, Correction, PaymentRequest, Refund
from yusuan.payments.origins import origins_of, records_of
from yusuan.payments.rows import WAITING, request_filters, request_input, request_values
from yusuan.payments.services import request_create, request_update, request_void
from yusuan.payments.services.allocation import AllocationReceipt, allocation_settle
from yusuan.payments.services.bank import (
    bank_file_create,
    bank_report_record,
    read_report,
    report_message,
)
from yusuan.payments.services.clearing import clearing_resolve
from yusuan.payments.services.corrections import correction_post, correction_register
from yusuan.payments.services.refunds import refund_confirm, refund_register
from yusuan.payments.voucher_pdf import voucher_pdf
from yusuan.payments.workflow import DOCUMENT_TYPE
from yusuan.procurement import selectors as procurement_selectors
from yusuan.workflow import selectors as workflow_selectors
from yusuan.workflow.services import document_submit

XML = "application/xml; charset=utf-8"
ROW_FIELDS = ("indicator_line", "amount", "payee_id", "summary")
HEADER_FIELDS = (
    "business_type",
    "settlement_mode",
    "purpose",
    "pay_date",
    "payer_account_id",
    "payee_id",
    "contract_id",
    "instalment_id",
)


@login_required
@permission_required("payments.view_paymentrequest", raise_exception=True)
def request_list(request: HttpRequest) -> HttpResponse:
    """My requests, narrowed as ``GET /api/v1/payments/requests`` narrows them (state, unit,
    payment dates, total in 元, payee, indicator, text: ``rows.request_filters``). A filter that
    is no value (``?state=lost``, a date or amount that is none, a range upside down) is not an
    empty list: the page answers 422, like a page number out of range (ADR 0015), with each
    filter's error beside it, and no rows."""
    actor: Any = request.user
    params = {name: request.GET.get(name, "").strip()[:200] for name in LIST_FILTERS}
    # A state is a code: "paid " is none (a 422 naming it), not "paid" quietly.
    state = params["state"] = request.GET.get("state", "")[:200]
    units = selectors.request_units(actor=actor)
    context: dict[str, Any] = {
        "query": query_without_page(request),
        "states": RequestState.choices,
        "state": state,
        "filters": params,
        "units": units if len(units) > 1 else [],
        "waiting": WAITING.get(params["waiting"]),
        "can_enter": actor.has_perm("payments.add_paymentrequest"),
    }
    errors: dict[str, str] = {}
    if state and state not in RequestState.values:
        allowed = ", ".join(f"{value} ({label})" for value, label in RequestState.choices)
        errors["state"] = _(
            "State filter (state) “%(value)s” is not a state of a payment request: "
            "choose one of %(allowed)s, or none for all."
        ) % {"value": state[:40], "allowed": allowed}
    if params["organisation"] and parse_id(params["organisation"]) is None:
        errors["organisation"] = _("Unit filter (organisation) “%(value)s” is not a unit id.") % {
            "value": params["organisation"][:40]
        }
    filters: dict[str, Any] = {}
    try:
        filters = request_filters(
            state=state,
            organisation=parse_id(params["organisation"]),
            pay_date_from=params["pay_date_from"],
            pay_date_to=params["pay_date_to"],
            paid_on=params["paid_on"],
            amount_min=params["amount_min"],
            amount_max=params["amount_max"],
            payee=params["payee"],
            indicator_line=params["indicator_line"],
            q=params["q"],
            waiting=params["waiting"],
        )
    except BusinessRuleError as exc:
        for error in exc.errors:
            errors.setdefault(error.field or "q", error.message(get_language()))
    context["filter_errors"] = errors
    context["filter_fields"] = [
        {
            "name": name,
            "label": label,
            "kind": kind,
            "value": params[name],
            "error": errors.get(name),
        }
        for name, label, kind in (
            ("q", _("Number or purpose"), "text"),
            ("payee", _("Payee"), "text"),
            ("indicator_line", _("Indicator"), "text"),
            ("pay_date_from", _("Paid from"), "date"),
            ("pay_date_to", _("to"), "date"),
            ("paid_on", _("Paid by the bank on"), "date"),
            ("amount_min", _("Amount from (yuan)"), "amount"),
            ("amount_max", _("to"), "amount"),
        )
    ]
    if errors:
        return render(request, "payments/request_list.html", context, status=422)
    requests = with_totals(selectors.request_list(actor=actor, **filters))
    if request.GET.get("export") == "xlsx":
        return grid_download(request, PAYMENT_GRID, requests, "payment-requests.xlsx")
    context["g"] = grid_page(request, PAYMENT_GRID, requests)
    if is_htmx(request):
        return render(request, "payments/request_rows.html", context)
    return render(request, "payments/request_list.html", context)


LIST_FILTERS = (
    "state",
    "organisation",
    "pay_date_from",
    "pay_date_to",
    "paid_on",
    "amount_min",
    "amount_max",
    "payee",
    "indicator_line",
    "q",
    "waiting",
)


def _rows(request: HttpRequest, count: int) -> list[dict[str, Any]]:
    return [
        {name: request.POST.get(f"lines-{i}-{name}", "").strip() for name in ROW_FIELDS}
        for i in range(count)
    ]


def _blank(row: dict[str, Any]) -> bool:
    return not any(row.get(name) for name in ("indicator_line", "amount"))


def _place(
    rows: list[dict[str, Any]], errors: list[ErrorDetail]
) -> tuple[dict[str, list[str]], list[str]]:
    """Errors beside their fields on the rows sent, header fields by name; every row error is
    also listed above the table."""
    used = [row for row in rows if not _blank(row)]
    placed = place_errors(errors, len(used))
    for index, fields in placed.rows.items():
        used[index]["errors"] = fields
    return placed.header, placed.listed


def _editor(request: HttpRequest, document: PaymentRequest | None) -> HttpResponse:
    actor: Any = request.user
    if not actor.has_perm("payments.add_paymentrequest"):
        raise PermissionDenied
    organisation_id = document.organisation_id if document else actor.organisation_id
    if request.method == "POST":
        count = max(1, min(parse_int(request.POST.get("row_count", "3")) or 1, 500))
        count += 1 if "add_row" in request.POST else 0
        rows = _rows(request, count)
        header = {name: request.POST.get(name, "") for name in HEADER_FIELDS}
    elif document is not None:
        header, shown = request_values(document)
        rows = [*shown, *({} for _ in range(max(0, 3 - len(shown))))]
    else:
        rows = [{} for _ in range(3)]
        header = {
            "business_type": BusinessType.ORDINARY,
            "settlement_mode": SettlementMode.TRANSFER,
            "pay_date": timezone.localdate().isoformat(),
        }
    header_errors: dict[str, list[str]] = {}
    row_errors: list[str] = []
    if request.method == "POST" and "add_row" not in request.POST:
        used = [row for row in rows if not _blank(row)]
        data, unreadable = request_input(actor=actor, header=header, rows=used)
        try:
            if unreadable:
                raise BusinessRuleError(unreadable)
            saved = (
                request_update(actor=actor, request_id=document.pk, data=data)
                if document is not None
                else request_create(actor=actor, data=data, fiscal_year=data.pay_date.year)
            )
        except BusinessRuleError as exc:
            header_errors, row_errors = _place(rows, exc.errors)
        else:
            messages.success(request, _("Saved as draft %(number)s.") % {"number": saved.number})
            return redirect("payments:request_detail", pk=saved.pk)
    accounts = list(selectors.payer_accounts(actor=actor, organisation_id=organisation_id))
    if len(accounts) == 1 and not header.get("payer_account_id"):
        # The unit's only account: chosen already (the clerk still sees which it is).
        header["payer_account_id"] = str(accounts[0].pk)
    return render(
        request,
        "payments/request_form.html",
        {
            "document": document,
            "rows": rows,
            "header": header,
            "header_errors": header_errors,
            "row_errors": row_errors,
            "business_types": BusinessType.choices,
            "settlement_modes": SettlementMode.choices,
            "accounts": accounts,
            "payees": selectors.payees(actor=actor, organisation_id=organisation_id),
            "contracts": procurement_selectors.contracts(
                actor=actor, organisation_id=organisation_id
            ),
            "instalments": procurement_selectors.open_instalments(
                actor=actor, organisation_id=organisation_id
            ),
            "year": (document.fiscal_year if document else timezone.localdate().year),
        },
    )


@login_required
def request_new(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


def _get(request: HttpRequest, pk: int) -> PaymentRequest:
    try:
        return selectors.request_get(actor=request.user, request_id=pk)  # type: ignore[arg-type]
    except NotFoundError as exc:
        raise Http404 from exc


@login_required
def request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _get(request, pk)
    if document.state not in (RequestState.DRAFT, RequestState.BLOCKED):
        return redirect("payments:request_detail", pk=pk)
    return _editor(request, document)


@login_required
@permission_required("payments.view_paymentrequest", raise_exception=True)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: Any = request.user
    document = _get(request, pk)
    approval = workflow_selectors.document_approval(
        actor=actor, document_type=DOCUMENT_TYPE, document=document
    )
    editable = document.state in (RequestState.DRAFT, RequestState.BLOCKED)
    may_enter = actor.has_perm("payments.change_paymentrequest")
    # A salary batch has thousands of lines: searched by payee, account tail or amount (P9).
    text = request.GET.get("q", "").strip()
    rows = document.lines.select_related("indicator_line").order_by("row")
    if text:
        found = Q(payee_name__contains=text) | Q(payee_account_no__endswith=text)
        with contextlib.suppress(MoneyParseError):
            found |= Q(amount=Money.parse(text).fen)
        rows = rows.filter(found)
    lines = paginate(request, rows, per_page=100)
    return render(
        request,
        "payments/request_detail.html",
        {
            "document": document,
            "lines": lines,
            "line_count": document.lines.count(),
            "q": text,
            "query": query_without_page(request),
            "origins": origins_of(document),
            "records": records_of(document, actor),
            "findings": hooks.findings(document),
            "refunds": Refund.objects.filter(line__request=document).select_related("line"),
            "corrections": Correction.objects.filter(line__request=document).select_related(
                "line", "from_line", "to_line"
            ),
            "can_correct": actor.has_perm("payments.add_correction"),
            "can_post_correction": actor.has_perm("payments.change_correction"),
            "can_refund": actor.has_perm("payments.add_refund"),
            "can_confirm_refund": actor.has_perm("payments.change_refund"),
            "voucher": getattr(document, "voucher", None),
            "latest": approval.latest,
            "approval": approval,
            "can_edit": editable and may_enter,
            "can_submit": document.state == RequestState.DRAFT and may_enter,
            "can_explain": document.state == RequestState.PENDING_EXPLANATION and may_enter,
            # R-PY-12: a 实拨 voucher waits for the treasury's receipt, not a bank's result.
            "can_record_allocation": document.state == RequestState.VOUCHER_ISSUED
            and getattr(document, "voucher", None) is not None
            and document.voucher.kind == VoucherKind.ALLOCATION
            and actor.has_perm("payments.confirm_allocation"),
            "today": timezone.localdate(),
            "receipt": BankResult.objects.filter(line__request=document).order_by("pk").first()
            if getattr(getattr(document, "voucher", None), "kind", "") == VoucherKind.ALLOCATION
            else None,
        },
    )


def _action(request: HttpRequest, pk: int, run: Any, done: str) -> HttpResponse:
    _get(request, pk)  # another unit's request: 404 before anything runs
    return run_action(request, run, done, redirect("payments:request_detail", pk=pk))


@require_POST
@login_required
def request_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda actor: document_submit(actor=actor, document_type=DOCUMENT_TYPE, object_id=str(pk)),
        _("Submitted for approval: the amounts are frozen on their indicators."),
    )


@require_POST
@login_required
def request_void_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request, pk, lambda actor: request_void(actor=actor, request_id=pk), _("Voided.")
    )


def _receipt(post: Any) -> AllocationReceipt:
    """The treasury's receipt as the request page's form sends it (R-PY-12)."""
    text = post.get("value_date", "").strip()
    try:
        value_date = dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise BusinessRuleError.single(
            code="payments.bad_date",
            field="value_date",
            value=text[:20],
            limit="YYYY-MM-DD",
            message_zh=f"划款日期“{text[:20]}”格式应为 YYYY-MM-DD",
            message_en=f"the value date '{text[:20]}' must be YYYY-MM-DD",
        ) from None
    return AllocationReceipt(
        paid=post.get("outcome", "paid") != "returned",
        reference=post.get("reference", ""),
        value_date=value_date,
        reason=post.get("reason", ""),
    )


@require_POST
@login_required
def allocation_receipt_view(request: HttpRequest, pk: int) -> HttpResponse:
    """R-PY-12: the treasury records the 人民银行国库's receipt for a 实拨 voucher."""
    return _action(
        request,
        pk,
        lambda actor: allocation_settle(actor=actor, request_id=pk, data=_receipt(request.POST)),
        _("The treasury's receipt is recorded."),
    )


def _voucher(request: HttpRequest, pk: int) -> tuple[PaymentRequest, Any]:
    document = _get(request, pk)
    voucher = getattr(document, "voucher", None)
    if voucher is None:
        raise Http404
    return document, voucher


@login_required
@permission_required("payments.view_paymentrequest", raise_exception=True)
def voucher_print(request: HttpRequest, pk: int) -> HttpResponse:
    document, voucher = _voucher(request, pk)
    return render(
        request,
        "payments/voucher_print.html",
        {
            "document": document,
            "voucher": voucher,
            "lines": document.lines.select_related("indicator_line").order_by("row"),
            "can_refund": request.user.has_perm("payments.add_refund"),
        },
    )


@login_required
@permission_required("payments.view_paymentrequest", raise_exception=True)
def voucher_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    document, voucher = _voucher(request, pk)
    lines = document.lines.select_related("indicator_line").order_by("row")
    data = voucher_pdf(document, voucher, lines)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{voucher.number}.pdf"'
    return response


@login_required
@permission_required("payments.send_to_bank", raise_exception=True)
def bank_exchange(request: HttpRequest) -> HttpResponse:
    """The treasury's exchange with the agent bank: send issued vouchers as a pain.001 file,
    download what was sent, upload the bank's pain.002 status report."""
    actor: Any = request.user
    region = actor.organisation.mof_div_code
    if request.method == "POST":
        try:
            if "send" in request.POST:
                # R-PY-9: one file per agent bank, each holding only that bank's accounts.
                # (bank by bank, as POST /payments/bank-files is called until 204)
                sent_files = []
                while (sent := bank_file_create(actor=actor, mof_div_code=region)) is not None:
                    sent_files.append(sent)
                stranded = selectors.vouchers_without_agent_bank(actor=actor, mof_div_code=region)
                if stranded:
                    messages.error(
                        request,
                        _(
                            "%(count)s issued vouchers were not sent: their payer account is "
                            "held at no agent bank (R-PY-9). Set the account's bank first."
                        )
                        % {"count": stranded},
                    )
                elif not sent_files:
                    messages.info(request, _("No issued voucher is waiting to be sent."))
                for sent in sent_files:
                    messages.success(
                        request,
                        _("Sent %(file)s to %(bank)s: %(count)s transfers.")
                        % {
                            "file": sent.message_id,
                            "bank": sent.bank.name if sent.bank else "—",
                            "count": sent.transfers,
                        },
                    )
            elif "resolve" in request.POST:
                clearing_resolve(
                    actor=actor,
                    item_id=parse_id(request.POST.get("resolve", "")) or 0,
                    note=request.POST.get("note", ""),
                )
                messages.success(request, _("Clearing difference resolved."))
            elif "report" in request.FILES:
                upload = cast("UploadedFile[Any]", request.FILES["report"])
                report = read_report(
                    upload_bytes(upload, field="report"), filename=upload.name or ""
                )
                answer = bank_report_record(actor=actor, report=report)
                # A report that settles nothing is no success: the clerk reads why.
                told = messages.success if answer.outcomes else messages.info
                told(request, report_message(answer))
            else:  # the upload button pressed with no file chosen
                messages.error(
                    request,
                    _("Choose the bank's result file (status report, pain.002) to upload first."),
                )
        except BusinessRuleError as exc:
            flash_business_errors(request, exc)
        return redirect("payments:bank_exchange")
    return render(
        request,
        "payments/bank_exchange.html",
        {
            "files": BankFile.objects.filter(mof_div_code=region).select_related("bank")[:50],
            "clearing": selectors.clearing_days(actor=actor)[:60],
            "waiting": PaymentRequest.objects.filter(
                mof_div_code=region, state=RequestState.VOUCHER_ISSUED
            ).count(),
        },
    )


@login_required
@permission_required("payments.send_to_bank", raise_exception=True)
def bank_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        found = selectors.bank_file_get(actor=request.user, file_id=pk)  # type: ignore[arg-type]
    except NotFoundError as exc:
        raise Http404 from exc
    return attachment(found.xml.encode(), f"{found.message_id}.xml", XML)


@login_required
@permission_required("payments.add_refund", raise_exception=True)
def refund_new(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    """“Refund this line” from the request page: part or all of one paid line (P9)."""
    actor: Any = request.user
    document = _get(request, pk)
    line = document.lines.filter(row=row).first()
    if line is None:
        raise Http404
    values = {
        "amount": request.POST.get("amount", Money(line.amount - line.refunded).format()),
        "kind": request.POST.get("kind", RefundKind.PAYEE_REFUND),
        "reason": request.POST.get("reason", RefundReason.RETURNED),
        "refund_date": request.POST.get("refund_date", timezone.localdate().isoformat()),
        "bank_receipt_no": request.POST.get("bank_receipt_no", ""),
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            refund_date = dt.date.fromisoformat(values["refund_date"])
        except ValueError:
            refund_date = None
        try:
            amount = field_amount(values["amount"], "amount")
            if refund_date is None:
                raise BusinessRuleError.single(
                    code="payments.bad_date",
                    field="refund_date",
                    value=values["refund_date"],
                    message_zh="退回日期格式应为 YYYY-MM-DD",
                    message_en="the refund date must be YYYY-MM-DD",
                )
            refund = refund_register(
                actor=actor,
                line_id=line.pk,
                amount=amount,
                kind=values["kind"],
                reason=values["reason"],
                refund_date=refund_date,
                bank_receipt_no=values["bank_receipt_no"],
            )
        except BusinessRuleError as exc:
            errors = _by_field(exc)
        else:
            messages.success(
                request,
                _("Refund %(number)s registered; another person confirms it.")
                % {"number": refund.number},
            )
            return redirect("payments:request_detail", pk=pk)
    return render(
        request,
        "payments/refund_form.html",
        {
            "document": document,
            "line": line,
            "values": values,
            "errors": errors,
            "kinds": RefundKind.choices,
            "reasons": RefundReason.choices,
        },
    )


@require_POST
@login_required
def refund_confirm_view(request: HttpRequest, pk: int, refund_id: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda actor: refund_confirm(actor=actor, refund_id=refund_id),
        _("Refund confirmed."),
    )


def _by_field(exc: BusinessRuleError) -> dict[str, list[str]]:
    """A one-line form's errors by field, each with its rule."""
    errors: dict[str, list[str]] = {}
    for detail in exc.errors:
        name = "amount" if (detail.field or "").endswith("amount") else detail.field
        errors.setdefault(name or "", []).append(error_text(detail))
    return errors


@login_required
@permission_required("payments.add_correction", raise_exception=True)
def correction_new(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    """“Correct this line” (更正, R-RF-5): part of a paid line to another indicator line."""
    actor: Any = request.user
    document = _get(request, pk)
    line = document.lines.filter(row=row).first()
    if line is None:
        raise Http404
    charges = list(line.charges.select_related("indicator_line"))
    values = {
        "from_line": request.POST.get("from_line", str(charges[0].indicator_line_id)),
        "to_line": request.POST.get("to_line", ""),
        "amount": request.POST.get("amount", ""),
        "reason": request.POST.get("reason", ""),
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            amount = field_amount(values["amount"], "amount")
            correction = correction_register(
                actor=actor,
                line_id=line.pk,
                from_line_id=parse_id(values["from_line"]),
                to_line_id=parse_id(values["to_line"]) or 0,
                amount=amount,
                reason=values["reason"],
            )
        except BusinessRuleError as exc:
            errors = _by_field(exc)
        else:
            messages.success(
                request,
                _("Correction %(number)s registered; another person posts it.")
                % {"number": correction.number},
            )
            return redirect("payments:request_detail", pk=pk)
    return render(
        request,
        "payments/correction_form.html",
        {
            "document": document,
            "line": line,
            "charges": charges,
            "values": values,
            "errors": errors,
            "targets": selectors.correction_targets(actor=actor, line=line),
        },
    )


@require_POST
@login_required
def correction_post_view(request: HttpRequest, pk: int, correction_id: int) -> HttpResponse:
    return _action(
        request,
        pk,
        lambda actor: correction_post(actor=actor, correction_id=correction_id),
        _("Correction posted."),
    )
