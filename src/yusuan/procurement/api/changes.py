"""Procurement change endpoints of /api/v1 (ADR 0052): a filed plan's change of method (R-GP-8)
and a filed contract's supplementary contract (补充合同, R-GP-3b), each a document of the
approval engine — entered as a draft, submitted here, decided at ``/workflow/instances/{id}/…``
— as the plan and contract pages do, with the same selectors and services. Amounts in as text
in 元, out as integer fen; indicator lines named by code."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite
from yusuan.common.api import Id, IdempotencyKey, require
from yusuan.common.errors import field_amount
from yusuan.procurement import selectors
from yusuan.procurement.api import READ, WRITE, _line_ids
from yusuan.procurement.models import ProcurementChange
from yusuan.procurement.services.changes import ChangeInput, change_create
from yusuan.procurement.workflow import CHANGE_HANDLER, CHANGE_TYPE
from yusuan.workflow.services import document_submit

router = Router(tags=["procurement"])


class ProcurementChangeIn(Schema):
    kind: str = Field(max_length=12, description="method or supplement")
    reason: str = Field(max_length=500)
    plan_id: Id | None = Field(None, description="method: the filed plan")
    new_method: str = Field("", max_length=16, description="method: the new method")
    single_source_reason: str = Field("", max_length=500)
    contract_id: Id | None = Field(None, description="supplement: the filed contract")
    amount: str = Field("", max_length=32, description="supplement: 元 added to the contract")
    indicator: str = Field("", max_length=40, description="supplement: one of its indicator lines")
    signed_on: dt.date | None = Field(None, description="supplement: the date it was signed")


class ProcurementChangeOut(Schema):
    id: int
    number: str
    organisation_id: int
    fiscal_year: int
    kind: str
    state: str
    reason: str
    plan_id: int | None
    old_method: str
    new_method: str
    single_source_reason: str
    method_exception: bool = Field(description="R-GP-8: routed to the finance procurement division")
    contract_id: int | None
    amount_fen: int | None
    indicator: str
    signed_on: dt.date | None
    approved_on: dt.date | None


def _change(change: ProcurementChange) -> dict[str, Any]:
    return {
        **{
            name: getattr(change, name)
            for name in (
                "number",
                "organisation_id",
                "fiscal_year",
                "kind",
                "state",
                "reason",
                "plan_id",
                "old_method",
                "new_method",
                "single_source_reason",
                "method_exception",
                "contract_id",
                "signed_on",
                "approved_on",
            )
        },
        "id": change.pk,
        "amount_fen": change.amount,
        "indicator": change.indicator_line.code if change.indicator_line else "",
    }


def _read(actor: Any, pk: int) -> dict[str, Any]:
    return _change(selectors.change_get(actor=actor, change_id=pk))


write = DocumentWrite(api_scope=WRITE, read=_read)


@router.get("/procurement/changes/{change_id}", response=ProcurementChangeOut)
def get_change(request: HttpRequest, change_id: Id) -> Any:
    actor = require(request, "procurement.view_procurementchange", READ)
    return _read(actor, change_id)


@router.post("/procurement/changes", response={201: ProcurementChangeOut})
def create_change(
    request: HttpRequest,
    response: HttpResponse,
    payload: ProcurementChangeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Enter a change as a draft: every problem is named by field, nothing saved."""

    def call(actor: Any) -> ProcurementChange:
        line_id = None
        if payload.indicator.strip():
            (line_id,) = _line_ids(actor, [payload.indicator], "indicator")
        data = ChangeInput(
            kind=payload.kind,
            reason=payload.reason,
            plan_id=payload.plan_id,
            new_method=payload.new_method,
            single_source_reason=payload.single_source_reason,
            contract_id=payload.contract_id,
            amount=field_amount(payload.amount, "amount") if payload.amount.strip() else None,
            indicator_line_id=line_id,
            signed_on=payload.signed_on,
        )
        return change_create(actor=actor, data=data)

    return write(
        request,
        response,
        key=idempotency_key,
        scope="api:procurement.change.create",
        body=payload.model_dump(mode="json"),
        status=201,
        call=call,
    )


@router.post("/procurement/changes/{change_id}/submit", response=ProcurementChangeOut)
def submit_change(
    request: HttpRequest,
    response: HttpResponse,
    change_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Submit a draft change for approval (checked again); approved, it applies."""

    def call(actor: Any) -> ProcurementChange:
        document_submit(actor=actor, document_type=CHANGE_TYPE, object_id=str(change_id))
        return CHANGE_HANDLER.load(actor=actor, object_id=str(change_id))

    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:procurement.change.submit:{change_id}",
        body={},
        call=call,
    )
