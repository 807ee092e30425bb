"""/api/v1/memos: read one, enter one, submit one; approve through /workflow/instances/…."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import DocumentWrite
from yusuan.common.api import Id, IdempotencyKey, Year, require
from yusuan.workflow.services import document_submit
from yusuan.workflow.tests.memos.services import memo_create
from yusuan.workflow.tests.memos.workflow import DOCUMENT_TYPE, HANDLER

router = Router(tags=["memos"])


class MemoIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    amount_fen: int = Field(ge=1, le=10**15)
    fiscal_year: Year


class MemoOut(Schema):
    id: int
    title: str
    amount_fen: int
    state: str


def _detail(actor: Any, pk: int) -> dict[str, Any]:
    return MemoOut.model_validate(HANDLER.load(actor=actor, object_id=str(pk))).model_dump()


write = DocumentWrite(api_scope="memos:write", read=_detail)


@router.get("/memos/{memo_id}", response=MemoOut)
def get_memo(request: HttpRequest, memo_id: Id) -> Any:
    return _detail(require(request, None, "memos:read"), memo_id)


@router.post("/memos", response={201: MemoOut})
def create_memo(
    request: HttpRequest, response: HttpResponse, payload: MemoIn, key: IdempotencyKey = None
) -> Status[Any]:
    return write(
        request,
        response,
        key=key,
        scope="api:memos.create",
        body=payload.model_dump(),
        status=201,
        call=lambda actor: memo_create(actor=actor, **payload.model_dump()),
    )


@router.post("/memos/{memo_id}/submit", response=MemoOut)
def submit_memo(
    request: HttpRequest, response: HttpResponse, memo_id: Id, key: IdempotencyKey = None
) -> Status[Any]:
    def call(actor: Any) -> Any:
        document_submit(actor=actor, document_type=DOCUMENT_TYPE, object_id=str(memo_id))
        return HANDLER.load(actor=actor, object_id=str(memo_id))

    scope = f"api:memos.submit:{memo_id}"
    return write(request, response, key=key, scope=scope, body={}, call=call)
