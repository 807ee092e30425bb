"""Contract endpoints of /api/v1 (合同备案, R-PY-3): the filed contracts of the caller's units
with what payments took from them, and filing a new one — what the contract registry page does,
with the same selector and service. Amounts in as text in 元, out as integer fen; indicator lines
are named by code; filing accepts an ``Idempotency-Key`` (P11). R-GP-9: filing reserves each
line's share (``lines``), the answer shows per line what is reserved, consumed and left, and
``POST …/close`` (completed or terminated) releases what is left — as the contract page does.

The token scopes are the payments family's (``payments:read``/``payments:write``), as salary
batches' are: a bank's or a unit's client holds one token for the payments it drives."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, paged, require
from yusuan.common.errors import ErrorDetail, field_amount, raise_if_any
from yusuan.indicators.selectors import line_by_code
from yusuan.procurement import selectors
from yusuan.procurement.models import Contract
from yusuan.procurement.services import (
    ContractInput,
    ContractLineInput,
    contract_close,
    contract_file,
)

router = Router(tags=["procurement"])
READ, WRITE = "payments:read", "payments:write"


class ContractLineIn(Schema):
    indicator: str = Field(max_length=40, description="Procurement indicator code (ZB…)")
    amount: str = Field(description="元 reserved on it, e.g. '60,000.00'", max_length=32)


class ContractIn(Schema):
    number: str = Field(max_length=60)
    title: str = Field(max_length=200)
    supplier_id: Id = Field(description="A payee of the unit that is an organisation")
    amount: str = Field(description="元, e.g. '120,000.00'", max_length=32)
    indicator_lines: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Procurement indicator code (ZB…) it is paid from, when it is one line "
        "(its whole amount is reserved there); several lines go in ``lines``",
    )
    lines: list[ContractLineIn] = Field(
        default_factory=list,
        max_length=100,
        description="R-GP-9: each line and the share reserved on it; Σ = amount",
    )
    filed_on: dt.date
    organisation_id: Id | None = Field(None, description="Default: the caller's unit")


class ContractLineOut(Schema):
    indicator: str
    amount_fen: int = Field(description="Reserved at filing")
    consumed_fen: int = Field(description="Frozen or paid by the contract's payments")
    released_fen: int = Field(description="Given back to available when the contract closed")
    remaining_fen: int = Field(description="Still reserved for the contract")


class ContractOut(Schema):
    id: int
    number: str
    title: str
    organisation_id: int
    fiscal_year: int
    supplier_id: int
    supplier_name: str
    amount_fen: int
    committed_fen: int
    remaining_fen: int
    filed_on: dt.date
    indicator_lines: list[str]
    state: str
    closed_on: dt.date | None
    lines: list[ContractLineOut]


class ContractCloseIn(Schema):
    state: str = Field(description="completed (履约完毕) or terminated (终止)")
    closed_on: dt.date
    reason: str = Field("", max_length=200)


def _contract(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.pk,
        "number": contract.number,
        "title": contract.title,
        "organisation_id": contract.organisation_id,
        "fiscal_year": contract.fiscal_year,
        "supplier_id": contract.supplier_id,
        "supplier_name": contract.supplier.name,
        "amount_fen": contract.amount,
        "committed_fen": contract.committed,
        "remaining_fen": contract.remaining,
        "filed_on": contract.filed_on,
        "indicator_lines": sorted(line.code for line in contract.indicator_lines.all()),
        "state": contract.state,
        "closed_on": contract.closed_on,
        "lines": [
            {
                "indicator": line.indicator_line.code,
                "amount_fen": line.amount,
                "consumed_fen": line.consumed,
                "released_fen": line.released,
                "remaining_fen": line.remaining,
            }
            for line in selectors.contract_lines(contract)
        ],
    }


@router.get("/procurement/contracts", response=list[ContractOut])
@paged(100)
def list_contracts(request: HttpRequest) -> Any:
    """The filed contracts of the caller's units, newest first, as the registry page lists them."""
    actor = require(request, "procurement.view_contract", READ)
    return Rendered(selectors.contract_list(actor=actor), _contract)


@router.get("/procurement/contracts/{contract_id}", response=ContractOut)
def get_contract(request: HttpRequest, contract_id: Id) -> Any:
    actor = require(request, "procurement.view_contract", READ)
    return _contract(selectors.contract_get(actor=actor, contract_id=contract_id))


def _line_ids(actor: Any, codes: list[str], field: str = "indicator_lines[{}]") -> list[int]:
    errors: list[ErrorDetail] = []
    ids: list[int] = []
    for index, code in enumerate(codes):
        line = line_by_code(actor=actor, code=code.strip())
        if line is None:
            errors.append(
                ErrorDetail(
                    code="procurement.indicator_unknown",
                    field=field.format(index),
                    value=code,
                    message_zh=f"指标 {code} 不存在",
                    message_en=f"no indicator {code}",
                )
            )
        else:
            ids.append(line.pk)
    raise_if_any(errors)
    return ids


@router.post("/procurement/contracts", response={201: ContractOut})
def file_contract(
    request: HttpRequest,
    response: HttpResponse,
    payload: ContractIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """File a procurement contract (合同备案) as the registry page does: its supplier, amount and
    the procurement indicator lines of the unit it is paid from; its fiscal year is the filing
    date's. Every problem is named by field, none filed."""

    def call(actor: Any) -> dict[str, Any]:
        amount = field_amount(payload.amount, "amount")
        shares = [
            ContractLineInput(pk, field_amount(x.amount, f"lines[{i}].amount"))
            for i, (pk, x) in enumerate(
                zip(
                    _line_ids(actor, [x.indicator for x in payload.lines], "lines[{}].indicator"),
                    payload.lines,
                    strict=True,
                )
            )
        ]
        data = ContractInput(
            number=payload.number,
            title=payload.title,
            supplier_id=payload.supplier_id,
            amount=amount,
            indicator_line_ids=_line_ids(actor, payload.indicator_lines),
            filed_on=payload.filed_on,
            organisation_id=payload.organisation_id,
            lines=shares,
        )
        filed = contract_file(actor=actor, data=data, fiscal_year=payload.filed_on.year)
        return _contract(selectors.contract_get(actor=actor, contract_id=filed.pk))

    return write_once(
        request,
        response,
        permission="procurement.add_contract",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:procurement.contract.file",
        body=payload.model_dump(mode="json"),
        status=201,
        render=call,
    )


@router.post("/procurement/contracts/{contract_id}/close", response=ContractOut)
def close_contract(
    request: HttpRequest,
    response: HttpResponse,
    contract_id: Id,
    payload: ContractCloseIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Close a filed contract as completed or terminated, as its page does: what it still
    reserves on its lines is available again (R-GP-9)."""

    def call(actor: Any) -> dict[str, Any]:
        contract_close(
            actor=actor,
            contract_id=contract_id,
            state=payload.state,
            closed_on=payload.closed_on,
            reason=payload.reason,
        )
        return _contract(selectors.contract_get(actor=actor, contract_id=contract_id))

    return write_once(
        request,
        response,
        permission="procurement.change_contract",
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:procurement.contract.close:{contract_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=call,
    )
