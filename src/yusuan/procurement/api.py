"""Contract endpoints of /api/v1 (合同备案, R-PY-3): the filed contracts of the caller's units
with what payments took from them, and filing a new one — what the contract registry page does,
with the same selector and service. Amounts in as text in 元, out as integer fen; indicator lines
are named by code; filing accepts an ``Idempotency-Key`` (P11).

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
from yusuan.procurement.services import ContractInput, contract_file

router = Router(tags=["procurement"])
READ, WRITE = "payments:read", "payments:write"


class ContractIn(Schema):
    number: str = Field(max_length=60)
    title: str = Field(max_length=200)
    supplier_id: Id = Field(description="A payee of the unit that is an organisation")
    amount: str = Field(description="元, e.g. '120,000.00'", max_length=32)
    indicator_lines: list[str] = Field(
        min_length=1,
        max_length=100,
        description="Procurement indicator codes (ZB…) it is paid from",
    )
    filed_on: dt.date
    organisation_id: Id | None = Field(None, description="Default: the caller's unit")


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


def _line_ids(actor: Any, codes: list[str]) -> list[int]:
    errors: list[ErrorDetail] = []
    ids: list[int] = []
    for index, code in enumerate(codes):
        line = line_by_code(actor=actor, code=code.strip())
        if line is None:
            errors.append(
                ErrorDetail(
                    code="procurement.indicator_unknown",
                    field=f"indicator_lines[{index}]",
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
        data = ContractInput(
            number=payload.number,
            title=payload.title,
            supplier_id=payload.supplier_id,
            amount=amount,
            indicator_line_ids=_line_ids(actor, payload.indicator_lines),
            filed_on=payload.filed_on,
            organisation_id=payload.organisation_id,
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
