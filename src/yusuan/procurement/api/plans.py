"""Procurement plan endpoints of /api/v1 (采购实施计划, R-GP-2, R-GP-7, R-GP-8; ADR 0052): the
plans of the caller's units with what each line reserves, what contracts took and what is left;
entering and editing a draft, submitting it to the approval engine (which reserves its money)
and closing a filed one — what the plan pages do, with the same selectors and services.
Approve, return and reject are the engine's endpoints (``/workflow/instances/{id}/…``).
Amounts in as text in 元, out as integer fen; indicator lines named by code."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite, write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import field_amount
from yusuan.procurement import reports, selectors
from yusuan.procurement.api import READ, WRITE, _line_ids
from yusuan.procurement.choices import PlanState
from yusuan.procurement.models import ProcurementPlan
from yusuan.procurement.services import (
    PlanInput,
    PlanLineInput,
    plan_close,
    plan_create,
    plan_update,
)
from yusuan.procurement.services.awards import AwardInput, award_record
from yusuan.procurement.workflow import HANDLER, PLAN_TYPE
from yusuan.workflow.services import document_submit

router = Router(tags=["procurement"])


class ProcurementPlanLineIn(Schema):
    indicator: str = Field(max_length=40, description="Procurement indicator code (ZB…)")
    amount: str = Field(description="元 reserved on it, e.g. '300,000.00'", max_length=32)


class ProcurementPlanIn(Schema):
    title: str = Field(max_length=120)
    pur_item_code: str = Field(max_length=16, description="政府采购品目 code, e.g. A02010104")
    method: str = Field(
        max_length=16,
        description="open_tender, invited_tender, negotiation, consultation, single_source, "
        "inquiry or framework",
    )
    amount: str = Field(description="元, the plan budget; Σ lines", max_length=32)
    planned_start: dt.date
    lines: list[ProcurementPlanLineIn] = Field(max_length=100)
    intention_id: Id | None = Field(None, description="A published intention of the unit")
    exemption: str = Field("", max_length=12, description="urgent, agreement or batch")
    exemption_reason: str = Field("", max_length=200)
    ceiling_price: str = Field("", max_length=32, description="元, optional")
    is_imported: bool = False
    imported_reason: str = Field("", max_length=500)
    single_source_reason: str = Field("", max_length=500)
    is_sme_reserved: bool = False
    organisation_id: Id | None = Field(None, description="Default: the caller's unit")


class ProcurementPlanLineOut(Schema):
    indicator: str
    amount_fen: int = Field(description="Reserved on the line while the plan holds money")
    consumed_fen: int = Field(description="Taken by contracts filed under the plan")
    released_fen: int = Field(description="Given back to available when the plan closed")
    remaining_fen: int = Field(description="Still held (reserved) by the plan")


class ProcurementPlanOut(Schema):
    id: int
    number: str
    organisation_id: int
    fiscal_year: int
    title: str
    pur_item_code: str
    category: str
    method: str
    org_form: str
    amount_fen: int
    ceiling_price_fen: int | None
    planned_start: dt.date
    intention_id: int | None
    exemption: str
    exemption_reason: str
    is_imported: bool
    imported_reason: str
    single_source_reason: str
    is_sme_reserved: bool
    method_exception: bool = Field(description="R-GP-8: not 公开招标 above the tender threshold")
    intention_late: bool = Field(description="R-GP-7 in warn mode: intention not in time")
    state: str
    filed_on: dt.date | None
    closed_on: dt.date | None
    close_reason: str
    contracts: list[str]
    lines: list[ProcurementPlanLineOut]


class ProcurementPlanCloseIn(Schema):
    state: str = Field(PlanState.CLOSED, description="closed or cancelled (before any contract)")
    reason: str = Field(max_length=200)


def _plan(plan: ProcurementPlan) -> dict[str, Any]:
    holds = plan.state not in (PlanState.DRAFT, PlanState.REJECTED)
    return {
        **{
            name: getattr(plan, name)
            for name in (
                "number",
                "organisation_id",
                "fiscal_year",
                "title",
                "pur_item_code",
                "category",
                "method",
                "org_form",
                "planned_start",
                "intention_id",
                "exemption",
                "exemption_reason",
                "is_imported",
                "imported_reason",
                "single_source_reason",
                "is_sme_reserved",
                "method_exception",
                "intention_late",
                "state",
                "filed_on",
                "closed_on",
                "close_reason",
            )
        },
        "id": plan.pk,
        "amount_fen": plan.amount,
        "ceiling_price_fen": plan.ceiling_price,
        "contracts": [c.number for c in selectors.plan_contracts(plan)],
        "lines": [
            {
                "indicator": line.indicator_line.code,
                "amount_fen": line.amount,
                "consumed_fen": line.consumed,
                "released_fen": line.released,
                "remaining_fen": line.remaining if holds else 0,
            }
            for line in selectors.plan_lines(plan)
        ],
    }


def _read(actor: Any, pk: int) -> dict[str, Any]:
    return _plan(selectors.plan_get(actor=actor, plan_id=pk))


write = DocumentWrite(api_scope=WRITE, read=_read)


def _input(actor: Any, payload: ProcurementPlanIn) -> PlanInput:
    ids = _line_ids(actor, [x.indicator for x in payload.lines], "lines[{}].indicator")
    return PlanInput(
        title=payload.title,
        pur_item_code=payload.pur_item_code,
        method=payload.method,
        amount=field_amount(payload.amount, "amount"),
        planned_start=payload.planned_start,
        lines=[
            PlanLineInput(pk, field_amount(x.amount, f"lines[{i}].amount"))
            for i, (pk, x) in enumerate(zip(ids, payload.lines, strict=True))
        ],
        intention_id=payload.intention_id,
        exemption=payload.exemption,
        exemption_reason=payload.exemption_reason,
        ceiling_price=field_amount(payload.ceiling_price, "ceiling_price")
        if payload.ceiling_price.strip()
        else None,
        is_imported=payload.is_imported,
        imported_reason=payload.imported_reason,
        single_source_reason=payload.single_source_reason,
        is_sme_reserved=payload.is_sme_reserved,
        organisation_id=payload.organisation_id,
    )


@router.get("/procurement/plans", response=list[ProcurementPlanOut])
@paged(100)
def list_plans(request: HttpRequest, state: str = "", q: str = "") -> Any:
    """The procurement plans of the caller's units, newest first (as the page lists them)."""
    actor = require(request, "procurement.view_procurementplan", READ)
    queryset = selectors.plan_list(actor=actor, state=state[:12], search=q[:100])
    return Rendered(queryset, _plan)


@router.get("/procurement/plans/{plan_id}", response=ProcurementPlanOut)
def get_plan(request: HttpRequest, plan_id: Id) -> Any:
    actor = require(request, "procurement.view_procurementplan", READ)
    return _read(actor, plan_id)


@router.post("/procurement/plans", response={201: ProcurementPlanOut})
def create_plan(
    request: HttpRequest,
    response: HttpResponse,
    payload: ProcurementPlanIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Enter a plan as a draft (its fiscal year is the planned start's); every problem is named
    by field, nothing saved."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope="api:procurement.plan.create",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: plan_create(
            actor=actor, data=_input(actor, payload), fiscal_year=payload.planned_start.year
        ),
    )


@router.put("/procurement/plans/{plan_id}", response=ProcurementPlanOut)
def update_plan(
    request: HttpRequest,
    response: HttpResponse,
    plan_id: Id,
    payload: ProcurementPlanIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Edit a draft (a returned plan is a draft again); its lines are replaced."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:procurement.plan.update:{plan_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: plan_update(actor=actor, plan_id=plan_id, data=_input(actor, payload)),
    )


@router.post("/procurement/plans/{plan_id}/submit", response=ProcurementPlanOut)
def submit_plan(
    request: HttpRequest,
    response: HttpResponse,
    plan_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Submit a draft for approval: checked again, its money reserved (R-GP-2, R-GP-7)."""

    def call(actor: Any) -> ProcurementPlan:
        document_submit(actor=actor, document_type=PLAN_TYPE, object_id=str(plan_id))
        return HANDLER.load(actor=actor, object_id=str(plan_id))

    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:procurement.plan.submit:{plan_id}",
        body={},
        call=call,
    )


@router.post("/procurement/plans/{plan_id}/close", response=ProcurementPlanOut)
def close_plan(
    request: HttpRequest,
    response: HttpResponse,
    plan_id: Id,
    payload: ProcurementPlanCloseIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Close a filed plan (what no contract took is available again) or cancel one no
    contract was filed under."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:procurement.plan.close:{plan_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: plan_close(
            actor=actor, plan_id=plan_id, state=payload.state, reason=payload.reason
        ),
    )


class AwardIn(Schema):
    supplier_id: Id = Field(description="An organisation payee of the unit")
    amount: str = Field(description="元; Σ awards of the plan ≤ its budget", max_length=32)
    noticed_on: dt.date = Field(description="The award notice (中标/成交通知书) date")
    lot: str = Field("", max_length=60)
    supplier_is_sme: bool = False


class AwardOut(Schema):
    id: int
    plan_id: int
    lot: str
    supplier_id: int
    supplier_name: str
    amount_fen: int
    noticed_on: dt.date
    supplier_is_sme: bool


def _award(award: Any) -> dict[str, Any]:
    return {
        "id": award.pk,
        "plan_id": award.plan_id,
        "lot": award.lot,
        "supplier_id": award.supplier_id,
        "supplier_name": award.supplier.name,
        "amount_fen": award.amount,
        "noticed_on": award.noticed_on,
        "supplier_is_sme": award.supplier_is_sme,
    }


@router.get("/procurement/plans/{plan_id}/awards", response=list[AwardOut])
def list_awards(request: HttpRequest, plan_id: Id) -> Any:
    actor = require(request, "procurement.view_procurementplan", READ)
    return [
        _award(a) for a in selectors.plan_awards(selectors.plan_get(actor=actor, plan_id=plan_id))
    ]


@router.post("/procurement/plans/{plan_id}/awards", response={201: AwardOut})
def record_award(
    request: HttpRequest,
    response: HttpResponse,
    plan_id: Id,
    payload: AwardIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Record a filed plan's award (采购结果): supplier, amount, notice date (R-GP-9); a contract
    is then signed on it for its supplier and amount."""

    def call(actor: Any) -> dict[str, Any]:
        award = award_record(
            actor=actor,
            plan_id=plan_id,
            data=AwardInput(
                supplier_id=payload.supplier_id,
                amount=field_amount(payload.amount, "amount"),
                noticed_on=payload.noticed_on,
                lot=payload.lot,
                supplier_is_sme=payload.supplier_is_sme,
            ),
        )
        return _award(award)

    return write_once(
        request,
        response,
        permission="procurement.change_procurementplan",
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:procurement.plan.award:{plan_id}",
        body=payload.model_dump(mode="json"),
        status=201,
        render=call,
    )


class ExecutionRowOut(Schema):
    key: str = Field(description="The unit's code, or the method")
    name: str
    budget_fen: int
    planned_fen: int
    contracted_fen: int
    committed_fen: int
    paid_fen: int
    left_fen: int
    rate: str


class OwedOut(Schema):
    contract_id: int
    contract_number: str
    unit: str
    supplier: str
    milestone: str
    accepted_on: dt.date
    due_on: dt.date
    left_fen: int
    days_late: int


class MissedDeadlineOut(Schema):
    contract_id: int
    contract_number: str
    unit: str
    what_zh: str
    what_en: str
    due_on: dt.date
    done_on: dt.date | None = Field(description="Empty: still not done, past its due date")
    days_late: int


class ExecutionOut(Schema):
    fiscal_year: int
    by_unit: list[ExecutionRowOut]
    by_method: list[ExecutionRowOut]
    total: ExecutionRowOut
    awarded_fen: int
    awarded_to_smes_fen: int
    sme_share: str
    owed_to_smes: list[OwedOut]
    missed_deadlines: list[MissedDeadlineOut] = Field(description="R-GP-3, most late first")


def _row(row: reports.ExecutionRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.name,
        "budget_fen": row.budget,
        "planned_fen": row.planned,
        "contracted_fen": row.contracted,
        "committed_fen": row.committed,
        "paid_fen": row.paid,
        "left_fen": row.left,
        "rate": row.rate,
    }


@router.get("/procurement/execution", response=ExecutionOut)
def execution_report(request: HttpRequest, fiscal_year: Year) -> Any:
    """R-GP-12, R-GP-6 and R-GP-3, the same figures as ``/procurement/report/``: budget → plan
    → contract → paid by unit and method, the SME share of awards, instalments owed to SMEs,
    legal deadlines missed."""
    actor = require(request, "procurement.view_procurementplan", READ)
    report = reports.execution(actor=actor, fiscal_year=fiscal_year)
    share = reports.sme_share(actor=actor, fiscal_year=fiscal_year)
    return {
        "fiscal_year": fiscal_year,
        "by_unit": [_row(r) for r in report.by_unit],
        "by_method": [_row(r) for r in report.by_method],
        "total": _row(report.total),
        "awarded_fen": share.awarded,
        "awarded_to_smes_fen": share.to_smes,
        "sme_share": share.share,
        "owed_to_smes": [
            {**vars(o), "left_fen": o.left}
            for o in reports.owed_to_smes(actor=actor, on=timezone.localdate())
        ],
        "missed_deadlines": [
            vars(m)
            for m in reports.missed_deadlines(
                actor=actor, fiscal_year=fiscal_year, on=timezone.localdate()
            )
        ],
    }
