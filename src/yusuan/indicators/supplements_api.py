"""追加申请 endpoints of /api/v1 (R-AJ-7): the scoped list and detail, enter and edit a draft,
submit it (unit → department → finance through ``indicators.supplement``), and finance's answer
with an 追加 document. Each calls the service its page calls; approve, return, reject and
comments (with attachments, R-WF-7) go through ``/workflow/instances/{id}/…``."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite
from yusuan.common.actor import ensure_permission
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.errors import field_amount
from yusuan.indicators import selectors
from yusuan.indicators.models import SupplementRequest
from yusuan.indicators.services.supplements import (
    SupplementInput,
    supplement_answer,
    supplement_create,
    supplement_update,
)
from yusuan.indicators.workflow import SUPPLEMENT
from yusuan.workflow.services import document_submit

router = Router(tags=["indicators"])
READ, WRITE = "indicators:read", "indicators:write"
StateFilter = Literal["", "draft", "submitted", "approved", "answered", "rejected"]


class SupplementIn(Schema):
    title: str = Field(max_length=200)
    amount: str = Field(description="元, e.g. '120,000.00'", max_length=32)
    reason: str = Field(max_length=4000)
    line_id: Id | None = Field(None, description="The executable line to increase")
    project_id: Id | None = Field(None, description="The project (when no line yet)")
    fiscal_year: Year | None = None
    organisation_id: Id | None = Field(None, description="Requesting unit; default the caller's")


class AnswerIn(Schema):
    document_id: Id = Field(description="The 追加 (increase) indicator document answering it")


class SupplementOut(Schema):
    id: int
    number: str
    fiscal_year: int
    organisation_id: int
    organisation_name: str
    title: str
    amount_fen: int
    line_id: int | None
    line_code: str
    project_id: int | None
    reason: str
    state: str
    answer_id: int | None
    answer_number: str


def _out(request: SupplementRequest) -> dict[str, Any]:
    return {
        "id": request.pk,
        "number": request.number,
        "fiscal_year": request.fiscal_year,
        "organisation_id": request.organisation_id,
        "organisation_name": request.organisation.name,
        "title": request.title,
        "amount_fen": request.amount,
        "line_id": request.line_id,
        "line_code": request.line.code if request.line is not None else "",
        "project_id": request.project_id,
        "reason": request.reason,
        "state": request.state,
        "answer_id": request.answer_id,
        "answer_number": request.answer.number if request.answer is not None else "",
    }


def _detail(actor: Any, pk: int) -> dict[str, Any]:
    return _out(selectors.supplement_get(actor=actor, request_id=pk))


def _input(payload: SupplementIn) -> SupplementInput:
    return SupplementInput(
        title=payload.title,
        amount=field_amount(payload.amount, "amount"),
        reason=payload.reason,
        line_id=payload.line_id,
        project_id=payload.project_id,
        fiscal_year=payload.fiscal_year,
        organisation_id=payload.organisation_id,
    )


write = DocumentWrite(api_scope=WRITE, read=_detail)


@router.get("/supplements", response=list[SupplementOut])
@paged(100)
def list_supplements(request: HttpRequest, state: StateFilter = "", q: str = "") -> Any:
    """追加申请 in the caller's scope, as the list page shows them."""
    actor = require(request, "indicators.view_supplementrequest", READ)
    return Rendered(selectors.supplement_list(actor=actor, state=state, text=q[:100]), _out)


@router.get("/supplements/{request_id}", response=SupplementOut)
def get_supplement(request: HttpRequest, request_id: Id) -> Any:
    return _detail(require(request, "indicators.view_supplementrequest", READ), request_id)


@router.post("/supplements", response={201: SupplementOut})
def create_supplement(
    request: HttpRequest,
    response: HttpResponse,
    payload: SupplementIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A unit asks for more money (a draft)."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope="api:supplements.create",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: supplement_create(actor=actor, data=_input(payload)),
    )


@router.put("/supplements/{request_id}", response=SupplementOut)
def update_supplement(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    payload: SupplementIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Replace a draft's fields (past draft: a 409 naming its state)."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:supplements.update:{request_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: supplement_update(
            actor=actor, request_id=request_id, data=_input(payload)
        ),
    )


@router.post("/supplements/{request_id}/submit", response=SupplementOut)
def submit_supplement(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Send it for approval: unit, department, finance (``indicators.supplement``)."""

    def call(actor: Any) -> SupplementRequest:
        ensure_permission(actor, "indicators.change_supplementrequest")  # as the page's button
        found = selectors.supplement_get(actor=actor, request_id=request_id)
        document_submit(actor=actor, document_type=SUPPLEMENT.code, object_id=str(found.pk))
        return found

    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:supplements.submit:{request_id}",
        body={},
        call=call,
    )


@router.post("/supplements/{request_id}/answer", response=SupplementOut)
def answer_supplement(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    payload: AnswerIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Finance answers an approved request with an 追加 document (R-AJ-7)."""
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:supplements.answer:{request_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: supplement_answer(
            actor=actor, request_id=request_id, document_id=payload.document_id
        ),
    )
