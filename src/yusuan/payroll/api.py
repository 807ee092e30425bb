"""Salary batch endpoints (/api/v1/payments/payroll…, R-PY-4): import a sheet, read the batch
with its 工资发放与指标匹配表 and its employer contributions, generate its payment request and
the contributions' requests to the agencies (R-PY-13). Amounts in as text in 元, out as
integer fen; every mutating call accepts an ``Idempotency-Key`` (P11).

The paths, operation ids, tag and token scopes (``payments:read``/``payments:write``) are the ones
published while salary batches lived in payments: clients keep working."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import field_amount
from yusuan.common.masking import account_no_for, id_number_for
from yusuan.common.tabular import XLSX
from yusuan.common.uploads import upload_bytes
from yusuan.common.web import attachment
from yusuan.payments.rows import indicator_id
from yusuan.payroll import selectors
from yusuan.payroll.models import PayrollBatch
from yusuan.payroll.services.batches import (
    Match,
    matching_report,
    payroll_import,
    payroll_request_create,
)
from yusuan.payroll.services.contributions import payroll_contributions_request
from yusuan.payroll.services.sheet import template_xlsx

router = Router(tags=["payments"])
READ, WRITE = "payments:read", "payments:write"
# Operation ids are published: they keep the module these endpoints were first published from.
OPERATION_ID_PREFIX = "yusuan_payments_api_refunds"


class MatchOut(Schema):
    item: str
    total_fen: int
    matched_fen: int
    unmatched_fen: int
    lines: list[dict[str, Any]]


class PayrollSummaryOut(Schema):
    id: int
    number: str
    month: int
    file_name: str
    file_sha256: str
    employees: int
    gross_fen: int
    deductions_fen: int
    net_fen: int
    items: dict[str, int]
    deductions: dict[str, int]
    state: str
    request_id: int | None
    personnel_check: str = Field(
        description="R-PS-5: enforced (a mismatch blocked the import), trial (mismatches are "
        "warnings) or no_database (the region's personnel database is empty: not checked)"
    )


class ContributionOut(Schema):
    item: str = Field(description="Economic code (30108, 30109, 30110, 30112, 30113)")
    name: str
    base_fen: int = Field(description="Σ of the employees' contribution bases")
    rate_bp: int = Field(description="Rate in basis points (1600 = 16 %)")
    amount_fen: int
    components: list[dict[str, Any]]
    functional_codes: list[str] = Field(description="What the paying line must carry (R-PY-13)")
    available_fen: int = Field(description="Left on the lines that may pay it")
    request_id: int | None
    lines: list[dict[str, Any]] = Field(description="Indicator lines charged, once requested")


class PayrollOut(PayrollSummaryOut):
    matching: list[MatchOut]
    contributions: list[ContributionOut]
    findings: list[dict[str, Any]] = Field(
        description="R-PS-5: what the personnel database check found and did not block (code, "
        "rule, field, row, value, limit, messages; outcome warn — the voucher waits for the "
        "unit's explanation — or explained, with the sheet's reason); ID numbers masked"
    )


def _summary(batch: PayrollBatch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "number": batch.number,
        "month": batch.month,
        "file_name": batch.file_name,
        "file_sha256": batch.file_sha256,
        "employees": batch.employees,
        "gross_fen": batch.gross,
        "deductions_fen": batch.deductions,
        "net_fen": batch.net,
        "items": batch.items,
        "deductions": batch.deduction_totals,
        "state": batch.state,
        "request_id": batch.request_id,
        "personnel_check": batch.personnel_check,
    }


def _batch(batch: PayrollBatch) -> dict[str, Any]:
    return {
        **_summary(batch),
        "matching": [
            {
                "item": r["item"],
                "total_fen": r["total"],
                "matched_fen": r["matched"],
                "unmatched_fen": r["unmatched"],
                "lines": [
                    {"indicator_line": line.code, "amount_fen": fen}
                    for line, fen in r["lines"]  # type: ignore[attr-defined]
                ],
            }
            for r in matching_report(batch)
        ],
        "contributions": [
            {
                "item": p.contribution.item,
                "name": p.contribution.name,
                "base_fen": p.contribution.base,
                "rate_bp": p.contribution.rate_bp,
                "amount_fen": p.contribution.amount,
                "components": p.contribution.components,
                "functional_codes": p.functional_codes,
                "available_fen": p.available,
                "request_id": p.contribution.request_id,
                "lines": [
                    {"indicator_line": line.code, "amount_fen": fen} for line, fen in p.charged
                ],
            }
            for p in selectors.contribution_plan(batch)
        ],
        "findings": batch.findings,
    }


@router.post("/payments/payroll", response={201: PayrollOut})
def import_payroll(
    request: HttpRequest,
    response: HttpResponse,
    file: File[UploadedFile],
    month: Form[Annotated[int, Field(ge=1, le=12)]],
    fiscal_year: Form[Year | None] = None,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Import a salary sheet (.xlsx/.csv). A sheet with problems is refused with every one of
    them (row, column, value, reason) and nothing is kept; the same file twice is a 409."""
    data = upload_bytes(file)

    def call(actor: Any) -> dict[str, Any]:
        return _batch(
            payroll_import(
                actor=actor,
                data=data,
                filename=file.name or "",
                month=month,
                fiscal_year=fiscal_year or timezone.localdate().year,
            )
        )

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:payments.payroll.import",
        # The sheet's bytes, not its name and size: other amounts are another request.
        body={"month": month, "fiscal_year": fiscal_year, "name": file.name, "file": data},
        status=201,
        render=call,
    )


@router.get("/payments/payroll", response=list[PayrollSummaryOut])
@paged(100)
def list_payroll(request: HttpRequest) -> Any:
    """The salary batches of the caller's units, newest first, as the batch list page shows them."""
    actor = require(request, "payroll.view_payrollbatch", READ)
    return Rendered(selectors.batch_list(actor=actor), _summary)


class EmployeeOut(Schema):
    row: int
    name: str
    id_number: str = Field(description="Masked unless the role may see personal data")
    account_no: str = Field(description="Masked unless the role may see personal data")
    bank_name: str
    items: dict[str, int]
    gross_fen: int
    deductions_fen: int
    net_fen: int
    reason: str = Field(description="The sheet's 差异说明 (R-PS-5)")
    standard: dict[str, int] | None = Field(
        description="Monthly standard by economic class in the personnel database at import, "
        "fen (None: not checked)"
    )


@router.get("/payments/payroll/{batch_id}/rows", response=list[EmployeeOut])
@paged(100)
def list_payroll_rows(
    request: HttpRequest,
    batch_id: Id,
    q: Annotated[
        str, Field(max_length=60, description="Part of the name, or the account's last digits")
    ] = "",
) -> Any:
    """The batch's employees in sheet order, searched as its page searches them; 身份证号 and
    account numbers masked unless the role may see personal data (ADR 0019)."""
    actor = require(request, "payroll.view_payrollbatch", READ)
    batch = selectors.batch_get(actor=actor, batch_id=batch_id)
    return Rendered(
        selectors.batch_rows(batch=batch, text=q.strip()),
        lambda row: {
            "row": row.row,
            "name": row.name,
            "id_number": id_number_for(actor, row.id_number),
            "account_no": account_no_for(actor, row.account_no),
            "bank_name": row.bank_name,
            "items": row.items,
            "gross_fen": row.gross,
            "deductions_fen": row.deductions,
            "net_fen": row.net,
            "reason": row.reason,
            "standard": row.standard,
        },
    )


@router.get("/payments/payroll/template.xlsx")
def download_sheet_template(request: HttpRequest) -> HttpResponse:
    """An empty salary sheet as the import reads it, with two example rows (the batch list
    page's download)."""
    require(request, "payroll.view_payrollbatch", READ)
    return attachment(template_xlsx(), "payroll-template.xlsx", XLSX)


@router.get("/payments/payroll/{batch_id}", response=PayrollOut)
def get_payroll(request: HttpRequest, batch_id: Id) -> Any:
    """The batch with its 工资发放与指标匹配表 (the proposal until the request is generated)."""
    actor = require(request, "payroll.view_payrollbatch", READ)
    return _batch(selectors.batch_get(actor=actor, batch_id=batch_id))


class MatchIn(Schema):
    item: str = Field(description="Economic code of the salary item", max_length=5)
    indicator_line: str = Field(description="Indicator code (ZB…)", max_length=32)
    amount: str = Field(description="元", max_length=32)


class PayrollRequestIn(Schema):
    pay_date: dt.date
    payer_account_id: Id
    deduction_payees: dict[str, Id] = Field(default_factory=dict)
    matches: list[MatchIn] | None = Field(None, description="Default: the proposal")


class CreatedOut(Schema):
    id: int
    number: str
    lines: int
    total_fen: int


@router.post("/payments/payroll/{batch_id}/request", response={201: CreatedOut})
def payroll_request(
    request: HttpRequest,
    response: HttpResponse,
    batch_id: Id,
    payload: PayrollRequestIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The batch's payment request (draft), the items matched to salary indicator lines with
    the three checks of R-PY-4; submit it through ``/payments/requests/{id}/submit``."""

    def call(actor: Any) -> dict[str, Any]:
        matches = None
        if payload.matches is not None:
            matches = [
                Match(
                    m.item,
                    indicator_id(actor, m.indicator_line, f"matches[{i}].indicator_line"),
                    field_amount(m.amount, f"matches[{i}].amount").fen,
                )
                for i, m in enumerate(payload.matches)
            ]
        created = payroll_request_create(
            actor=actor,
            batch_id=batch_id,
            pay_date=payload.pay_date,
            payer_account_id=payload.payer_account_id,
            deduction_payees=payload.deduction_payees,
            matches=matches,
        )
        return {
            "id": created.pk,
            "number": created.number,
            "lines": created.lines.count(),
            "total_fen": created.total_fen,
        }

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:payments.payroll.request:{batch_id}",
        body=payload.model_dump(mode="json"),
        status=201,
        render=call,
    )


class ContributionsRequestIn(Schema):
    pay_date: dt.date
    payer_account_id: Id
    payees: dict[str, Id] = Field(
        default_factory=dict, description="Economic code → payee (the agency) id"
    )


@router.post("/payments/payroll/{batch_id}/contributions", response={201: list[CreatedOut]})
def payroll_contributions(
    request: HttpRequest,
    response: HttpResponse,
    batch_id: Id,
    payload: ContributionsRequestIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The batch's employer contributions (单位缴费, R-PY-13) as draft payment requests, one per
    agency: each charged to the unit's personnel lines of its own economic and functional code
    (30108 → 2080505, 30109 → 2080506, 30110 → 2101101/2101102, 30112 → the unit's function
    line, 30113 → 2210201), never to the salary lines."""

    def call(actor: Any) -> list[dict[str, Any]]:
        created = payroll_contributions_request(
            actor=actor,
            batch_id=batch_id,
            pay_date=payload.pay_date,
            payer_account_id=payload.payer_account_id,
            payees=payload.payees,
        )
        return [
            {
                "id": r.pk,
                "number": r.number,
                "lines": r.lines.count(),
                "total_fen": r.total_fen,
            }
            for r in created
        ]

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:payments.payroll.contributions:{batch_id}",
        body=payload.model_dump(mode="json"),
        status=201,
        render=call,
    )
