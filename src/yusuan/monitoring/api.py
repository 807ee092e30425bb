"""Monitoring endpoints of /api/v1: the written explanation a warning asks for (R-MO-1). The
answer is the payment request as payments' own endpoints show it (``payments.schemas``)."""

from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.common.api import Id, IdempotencyKey
from yusuan.monitoring.services import request_explain
from yusuan.payments.schemas import RequestDetailOut, request_write

router = Router(tags=["monitoring"])
# Operation ids are published: they keep the module these endpoints were first published from.
OPERATION_ID_PREFIX = "yusuan_payments_api"


class ExplainIn(Schema):
    explanation: str = Field(max_length=2000)


@router.post("/payments/requests/{request_id}/explain", response=RequestDetailOut)
def explain_request(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    payload: ExplainIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The written explanation a monitoring warning asks for; then the voucher is issued."""
    return request_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.request.explain:{request_id}",
        body=payload.model_dump(),
        status=200,
        call=lambda actor: request_explain(
            actor=actor, request_id=request_id, explanation=payload.explanation
        ),
    )
