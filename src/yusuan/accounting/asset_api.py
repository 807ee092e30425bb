"""Asset cards and the monthly depreciation run through the API (issue 19, E11). Amounts in as
text in 元, out as integer fen; writes accept an ``Idempotency-Key``. Scopes ``accounting:read``
/ ``accounting:write``; another unit's card or book is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.accounting import selectors
from yusuan.accounting.api import READ, VIEW, WRITE, Month
from yusuan.accounting.models import AssetCard
from yusuan.accounting.services.assets import AssetCardInput, asset_card_create, depreciation_run
from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, paged, require

router = Router(tags=["accounting"])


class AssetCardOut(Schema):
    id: int
    organisation_id: int
    code: str
    name: str
    kind: str = Field(description="The asset account: 1601, 1701, 1801 or 1831")
    expense_account: str
    cost_fen: int
    salvage_fen: int
    in_service: dt.date
    life_months: int
    disposed_on: dt.date | None


class AssetCardIn(Schema):
    organisation_id: Id
    code: str = Field(max_length=30)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=4, description="1601, 1701, 1801 or 1831")
    cost: str = Field(max_length=30, description="Original cost in 元, as text")
    salvage: str = Field("", max_length=30, description="Salvage value in 元, as text")
    in_service: str = Field(max_length=20, description="YYYY-MM-DD")
    life_months: int = Field(ge=0, le=100_000)
    expense_account: str = Field("5001", max_length=12)


class DepreciationOut(Schema):
    voucher_id: int
    label: str
    total_fen: int
    problem: str


def _card(card: AssetCard) -> dict[str, Any]:
    return {
        "id": card.pk,
        "organisation_id": card.organisation_id,
        "code": card.code,
        "name": card.name,
        "kind": card.kind,
        "expense_account": card.expense_account,
        "cost_fen": card.cost_fen,
        "salvage_fen": card.salvage_fen,
        "in_service": card.in_service,
        "life_months": card.life_months,
        "disposed_on": card.disposed_on,
    }


@router.get("/accounting/assets", response=list[AssetCardOut])
@paged(100)
def list_assets(request: HttpRequest, organisation_id: Id | None = None) -> Any:
    """The asset cards the caller sees, by unit and number."""
    actor = require(request, VIEW, READ)
    return Rendered(selectors.asset_cards(actor=actor, organisation_id=organisation_id), _card)


@router.post("/accounting/assets", response={201: AssetCardOut})
def create_asset(
    request: HttpRequest,
    response: HttpResponse,
    payload: AssetCardIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A unit's asset card; every field that is wrong is named at once."""

    def call(actor: Any) -> dict[str, Any]:
        return _card(asset_card_create(actor=actor, data=AssetCardInput(**payload.model_dump())))

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:accounting.asset.create",
        body=payload.model_dump(mode="json"),
        status=201,
        render=call,
    )


@router.post("/accounting/books/{book_id}/depreciation/{month}", response={201: DepreciationOut})
def run_depreciation(
    request: HttpRequest,
    response: HttpResponse,
    book_id: Id,
    month: Month,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The month's depreciation and amortisation of the book's unit as one draft voucher (E11);
    a month already run is refused, naming its voucher."""

    def call(actor: Any) -> dict[str, Any]:
        voucher = depreciation_run(actor=actor, book_id=book_id, month=month)
        return {
            "voucher_id": voucher.pk,
            "label": voucher.label,
            "total_fen": voucher.total_fen,
            "problem": voucher.problem,
        }

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:accounting.depreciation:{book_id}:{month}",
        body={},
        status=201,
        render=call,
    )
