"""The agent bank's endpoints of /api/v1: bank files for the agent bank, the bank's results (JSON
or a pain.002 report), and the daily clearing of a zero-balance account (R-PY-8).

Amounts go out as integer fen (``*_fen``). Every mutating call accepts an ``Idempotency-Key``
(P11); bank results are idempotent on the bank's own message and entry ids as well, and a batch is
all or nothing.
"""

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.common.api import Id, IdempotencyKey, Rendered, paged, require
from yusuan.common.errors import BusinessRuleError, field_amount
from yusuan.common.ids import MAX_ID, parse_int
from yusuan.common.masking import account_no_for
from yusuan.common.money import Money
from yusuan.common.uploads import check_upload_size, upload_bytes
from yusuan.common.web import attachment
from yusuan.core.rules import mask_account_no
from yusuan.payments import iso20022 as iso
from yusuan.payments import selectors
from yusuan.payments.models import BankFile, ClearingDay
from yusuan.payments.schemas import READ, once
from yusuan.payments.services.bank import (
    ResultInput,
    bank_file_create,
    bank_report_record,
    bank_results_record,
    read_report,
    report_messages,
)
from yusuan.payments.services.clearing import clearing_record, clearing_resolve

router = Router(tags=["payments"])
# Operation ids are published: they keep the module these endpoints were first published from.
OPERATION_ID_PREFIX = "yusuan_payments_api"


class EntryIn(Schema):
    entry_id: str = Field(
        max_length=64,
        description="The bank's own id of this result, unique within the message: the same "
        "message_id and entry_id again is a replay",
    )
    end_to_end_id: str = Field(
        max_length=64, description="The transfer's EndToEndId, as sent in that bank file"
    )
    paid: bool
    reason: str = Field("", max_length=300)
    value_date: dt.date | None = Field(
        None,
        description="R-PY-10: the bank's value date of the payment (清算 uses it); the day "
        "it is recorded when not given",
    )


class ResultsIn(Schema):
    message_id: str = Field(
        max_length=64,
        description="The message_id of the bank file (pain.001, GET /payments/bank-files) these "
        "results answer; any other id is a 422",
    )
    entries: list[EntryIn] = Field(min_length=1, max_length=20000)


class OutcomeOut(Schema):
    end_to_end_id: str
    replayed: bool
    line_state: str


class ReportOut(Schema):
    message_id: str = Field(description="The status report's own MsgId")
    answers: str = Field(description="OrgnlMsgId: the bank file (pain.001) the report answers")
    group_status: str = Field(description="GrpSts, the whole file's status ('' when not given)")
    outcomes: list[OutcomeOut] = Field(
        description="One per transfer settled or replayed; empty when the report carries no "
        "transfer result (see the message)"
    )
    message_zh: str
    message_en: str


class BankFileOut(Schema):
    id: int
    bank_id: int | None = Field(description="R-PY-9: the agent bank the file is for")
    message_id: str
    transfers: int
    total_fen: int
    created_at: dt.datetime


class PartyOut(Schema):
    name: str
    account_no: str
    bank_name: str
    bank_code: str = Field(description="CNAPS 行号; may be empty")


class TransferOut(Schema):
    end_to_end_id: str = Field(description="voucher number - row; the id a result names")
    amount_fen: int
    amount: str = Field(description="元, as text (never a JSON number)")
    creditor: PartyOut
    remittance: str


class PaymentBlockOut(Schema):
    payment_id: str = Field(description="the voucher number")
    execution_date: dt.date
    debtor: PartyOut
    transfers: list[TransferOut]


class BankFileDetailOut(BankFileOut):
    initiating_party: str
    payments: list[PaymentBlockOut]


def _party(account: iso.Account) -> dict[str, str]:
    return {
        "name": account.name,
        "account_no": account.number,
        "bank_name": account.bank_name,
        "bank_code": account.bank_code,
    }


def _bank_file(bank_file: BankFile) -> dict[str, Any]:
    return {
        "id": bank_file.pk,
        "bank_id": bank_file.bank_id,
        "message_id": bank_file.message_id,
        "transfers": bank_file.transfers,
        "total_fen": bank_file.total,
        "created_at": bank_file.created_at,
    }


@router.post("/payments/bank-files", response={200: BankFileOut, 204: None})
def send_to_bank(
    request: HttpRequest,
    response: HttpResponse,
    mof_div_code: str,
    bank_id: Annotated[int | None, Field(ge=1, le=MAX_ID)] = None,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The issued vouchers of the region not yet sent whose payer account one agent bank holds
    (R-PY-9: ``bank_id``, else the bank of the oldest voucher waiting), as one pain.001 file for
    that bank (204: none); call again until 204 to send to every bank. A retry with the same
    ``Idempotency-Key`` answers with the file the first call made."""

    def call(actor: Any) -> Status[Any]:
        bank_file = bank_file_create(actor=actor, mof_div_code=mof_div_code, bank_id=bank_id)
        if bank_file is None:
            return Status(204, None)
        return Status(200, _bank_file(bank_file))

    return once(
        request,
        response,
        permission="payments.send_to_bank",
        key=idempotency_key,
        # The region is the query's: the key's fingerprint has it (common.api.idempotency_inputs),
        # so the same key for another region is refused, not replayed nor run again.
        scope="api:payments.bank_file",
        body={},
        status=200,
        call=call,
    )


@router.get("/payments/bank-files", response=list[BankFileOut])
@paged(100)
def list_bank_files(
    request: HttpRequest, after_id: Annotated[int, Field(ge=0, le=MAX_ID)] = 0
) -> Any:
    """The files sent for the caller's regions, oldest first; a bank's system polls with
    ``after_id`` = the last id it fetched."""
    actor = require(request, "payments.record_bank_result", READ)
    return Rendered(selectors.bank_file_list(actor=actor, after_id=after_id), _bank_file)


@router.get("/payments/bank-files/{int:file_id}", response=BankFileDetailOut)
def get_bank_file(request: HttpRequest, file_id: Id) -> Any:
    """The same file as JSON, read back from the pain.001 as sent (so both forms agree)."""
    actor = require(request, "payments.record_bank_result", READ)
    found = selectors.bank_file_get(actor=actor, file_id=file_id)
    content = iso.read_pain001(found.xml.encode())
    return {
        **_bank_file(found),
        "initiating_party": content.initiating_party,
        "payments": [
            {
                "payment_id": block.payment_id,
                "execution_date": block.execution_date,
                "debtor": _party(block.debtor),
                "transfers": [
                    {
                        "end_to_end_id": t.end_to_end_id,
                        "amount_fen": t.amount_fen,
                        "amount": Money(t.amount_fen).format(),
                        "creditor": _party(t.creditor),
                        "remittance": t.remittance,
                    }
                    for t in block.transfers
                ],
            }
            for block in content.blocks
        ],
    }


@router.get("/payments/bank-files/{file_id}.xml")
def download_bank_file(request: HttpRequest, file_id: Id) -> HttpResponse:
    """The pain.001 file as sent (ISO 20022 pain.001.001.03, UTF-8)."""
    actor = require(request, "payments.record_bank_result", READ)
    found = selectors.bank_file_get(actor=actor, file_id=file_id)
    return attachment(
        found.xml.encode(), f"{found.message_id}.xml", "application/xml; charset=utf-8"
    )


def _record(
    request: HttpRequest, response: HttpResponse, key: str | None, items: list[ResultInput]
) -> Status[Any]:
    return once(
        request,
        response,
        permission="payments.record_bank_result",
        key=key,
        scope="api:payments.bank_results",
        body={"entries": [i.__dict__ for i in items]},
        status=200,
        call=lambda actor: [o.__dict__ for o in bank_results_record(actor=actor, items=items)],
    )


@router.post("/payments/bank-results", response=list[OutcomeOut])
def record_results(
    request: HttpRequest,
    response: HttpResponse,
    payload: ResultsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The bank's results, one entry per payment line (``end_to_end_id`` as sent in the file):
    paid turns frozen into paid, not paid releases it. All or nothing; the same message and
    entry ids again are replays."""
    items = [
        ResultInput(
            payload.message_id,
            e.entry_id,
            e.end_to_end_id,
            e.paid,
            e.reason,
            value_date=e.value_date,
        )
        for e in payload.entries
    ]
    return _record(request, response, idempotency_key, items)


PAIN002_BODY = {
    "required": True,
    "description": "An ISO 20022 pain.002.001.03 status report (UTF-8, no DOCTYPE): the XML "
    "itself as the body, or a form with the file in `report`. At most YUSUAN_UPLOAD_MAX_BYTES "
    "(20 MB by default); a larger one is a 413 naming the limit.",
    "content": {
        "application/xml": {"schema": {"type": "string", "format": "binary"}},
        "text/xml": {"schema": {"type": "string", "format": "binary"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["report"],
                "properties": {"report": {"type": "string", "format": "binary"}},
            }
        },
    },
}


def _report(request: HttpRequest) -> tuple[bytes, str]:
    """The status report's bytes and name, bounded by ``YUSUAN_UPLOAD_MAX_BYTES`` alone: a form's
    file through the capped upload handlers, a raw body read from the stream up to the limit —
    never through ``request.body``, whose limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``) is for the
    ordinary requests' JSON and forms."""
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("report")
        if upload is None:
            raise BusinessRuleError.single(
                code="payments.pain002_missing",
                field="report",
                message_zh="表单中没有状态报告文件（字段 report）",
                message_en="the form carries no status report file (field 'report')",
            )
        return upload_bytes(upload, field="report"), upload.name or "pain.002"
    name = "pain.002 (request body)"
    limit: int = settings.YUSUAN_UPLOAD_MAX_BYTES
    # The declared length first (nothing read), then what actually arrives, one byte past it.
    check_upload_size(parse_int(request.META.get("CONTENT_LENGTH", "")) or 0, name, field="body")
    content = request.read(limit + 1)
    check_upload_size(len(content), name, field="body")
    return content, name


@router.post(
    "/payments/bank-results/pain002",
    response=ReportOut,
    openapi_extra={"requestBody": PAIN002_BODY},
)
def record_pain002(
    request: HttpRequest, response: HttpResponse, idempotency_key: IdempotencyKey = None
) -> Status[Any]:
    """The same from an ISO 20022 pain.002.001.03 status report (the XML as the body, or a form
    with the file in ``report``); its ``OrgnlMsgId`` must name a bank file we sent, and each
    transaction a transfer of that file. A rejection of the whole file (``GrpSts`` RJCT) or of a
    payment block (``PmtInfSts`` RJCT) fails every transfer of it with no status of its own; any
    other file status records nothing, and the answer's message says so."""
    content, name = _report(request)
    report = read_report(content, filename=name)

    def call(actor: Any) -> dict[str, Any]:
        answer = bank_report_record(actor=actor, report=report)
        return {
            "message_id": answer.report_id,
            "answers": answer.answers,
            "group_status": answer.group_status,
            "outcomes": [o.__dict__ for o in answer.outcomes],
            **report_messages(answer),
        }

    return once(
        request,
        response,
        permission="payments.record_bank_result",
        key=idempotency_key,
        scope="api:payments.bank_results",
        body={"report": dataclasses.asdict(report)},
        status=200,
        call=call,
    )


class ClearingIn(Schema):
    account_no: str = Field(max_length=32)
    day: dt.date = Field(description="R-PY-10: the bank value date")
    bank_total: str = Field(description="元, what the bank paid from the account that value date")
    bank_returned: str = Field(
        "0", description="元, what came back into the account that value date (退票, 退款)"
    )
    source: Literal["treasury", "special"] = Field(
        "treasury",
        description="R-PY-11: 国库单一账户 (treasury) or 财政专户 (special, fund nature 4xx)",
    )


class ClearingOut(Schema):
    id: int
    account_no: str
    day: dt.date
    source: str
    bank_id: int | None
    bank_paid_fen: int
    bank_returned_fen: int
    bank_total_fen: int = Field(description="paid minus returned")
    system_total_fen: int = Field(description="the system's paid lines minus refunds")
    difference_fen: int
    state: str


@router.post("/payments/clearing", response=ClearingOut)
def record_clearing(
    request: HttpRequest,
    response: HttpResponse,
    payload: ClearingIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """R-PY-8: the bank's paid total of a zero-balance account for a day, against the system's;
    a difference opens an item for the treasury to resolve."""

    def call(actor: Any) -> dict[str, Any]:
        amount = field_amount(payload.bank_total, "bank_total")
        returned = field_amount(payload.bank_returned, "bank_returned")
        item = clearing_record(
            actor=actor,
            account_no=payload.account_no,
            day=payload.day,
            bank_total=amount,
            bank_returned=returned,
            source=payload.source,
        )
        return {
            "id": item.pk,
            "account_no": payload.account_no,
            "day": item.day,
            "source": item.source,
            "bank_id": item.bank_id,
            "bank_paid_fen": item.bank_paid,
            "bank_returned_fen": item.bank_returned,
            "bank_total_fen": item.bank_total,
            "system_total_fen": item.system_total,
            "difference_fen": item.difference,
            "state": item.state,
        }

    return once(
        request,
        response,
        permission="payments.record_bank_result",
        key=idempotency_key,
        scope="api:payments.clearing",
        body=payload.model_dump(mode="json"),
        status=200,
        call=call,
    )


class ClearingDayOut(ClearingOut):
    organisation_id: int
    account_name: str
    note: str


def _clearing_day(item: ClearingDay, account_no: str) -> dict[str, Any]:
    return {
        "id": item.pk,
        "account_no": account_no,
        "account_name": item.account.account_name,
        "organisation_id": item.account.organisation_id,
        "day": item.day,
        "source": item.source,
        "bank_id": item.bank_id,
        "bank_paid_fen": item.bank_paid,
        "bank_returned_fen": item.bank_returned,
        "bank_total_fen": item.bank_total,
        "system_total_fen": item.system_total,
        "difference_fen": item.difference,
        "state": item.state,
        "note": item.note,
    }


@router.get("/payments/clearing", response=list[ClearingDayOut])
@paged(100)
def list_clearing(
    request: HttpRequest, state: Literal["", "open", "matched", "resolved"] = ""
) -> Any:
    """The daily clearing of the caller's regions as the bank exchange page lists it, newest day
    first: the bank's paid total of each zero-balance account against the system's (R-PY-8).
    Account numbers masked (a list, ADR 0019)."""
    actor = require(request, "payments.send_to_bank", READ)
    days = selectors.clearing_days(actor=actor, state=state)
    return Rendered(days, lambda x: _clearing_day(x, mask_account_no(x.account.account_no)))


class ResolveIn(Schema):
    note: str = Field(max_length=2000, description="What caused the difference, how it was settled")


@router.post("/payments/clearing/{item_id}/resolve", response=ClearingDayOut)
def resolve_clearing(
    request: HttpRequest,
    response: HttpResponse,
    item_id: Id,
    payload: ResolveIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Resolve an open clearing difference, as the bank exchange page does: by someone other
    than who recorded it (R-WF-1), with what caused it and how it was settled."""

    def call(actor: Any) -> dict[str, Any]:
        item = clearing_resolve(actor=actor, item_id=item_id, note=payload.note)
        return _clearing_day(item, account_no_for(actor, item.account.account_no))

    return once(
        request,
        response,
        permission="payments.send_to_bank",
        key=idempotency_key,
        scope=f"api:payments.clearing.resolve:{item_id}",
        body=payload.model_dump(),
        status=200,
        call=call,
    )
