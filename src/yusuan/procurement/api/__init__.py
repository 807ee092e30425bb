"""Contract endpoints of /api/v1 (合同备案, R-PY-3): the filed contracts of the caller's units
with what payments took from them, and filing a new one — what the contract registry page does,
with the same selector and service. Amounts in as text in 元, out as integer fen; indicator lines
are named by code; filing accepts an ``Idempotency-Key`` (P11). R-GP-9: filing reserves each
line's share (``lines``), the answer shows per line what is reserved, consumed and left, and
``POST …/close`` (completed or terminated) releases what is left — as the contract page does.

The token scopes are the payments family's (``payments:read``/``payments:write``), as salary
batches' are: a bank's or a unit's client holds one token for the payments it drives."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, paged, require
from yusuan.common.errors import ErrorDetail, field_amount, raise_if_any
from yusuan.indicators.selectors import line_by_code
from yusuan.procurement import selectors
from yusuan.procurement.choices import AcceptanceResult
from yusuan.procurement.models import Contract
from yusuan.procurement.services import (
    ContractInput,
    ContractLineInput,
    IntentionInput,
    catalogue_item_remove,
    catalogue_item_set,
    contract_close,
    contract_file,
    intention_create,
    intention_publish,
    intention_update,
    intention_withdraw,
)
from yusuan.procurement.services.awards import AcceptanceInput, acceptance_record
from yusuan.procurement.services.contract_terms import InstalmentInput
from yusuan.workflow.routing import calendar_overrides

router = Router(tags=["procurement"])
READ, WRITE = "payments:read", "payments:write"


class ContractLineIn(Schema):
    indicator: str = Field(max_length=40, description="Procurement indicator code (ZB…)")
    amount: str = Field(description="元 reserved on it, e.g. '60,000.00'", max_length=32)


class InstalmentIn(Schema):
    name: str = Field(max_length=60, description="The milestone, e.g. 验收款")
    kind: str = Field(max_length=12, description="advance, delivery, acceptance or retention")
    amount: str = Field(description="元", max_length=32)
    warranty_ends: dt.date | None = Field(None, description="A retention's warranty end")


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
    plan_id: Id | None = Field(
        None, description="A filed plan of the unit: the contract takes its shares from it"
    )
    award_id: Id | None = Field(
        None, description="R-GP-9: the award it is signed on (its supplier, amount and plan)"
    )
    signed_on: dt.date | None = None
    published_on: dt.date | None = None
    instalments: list[InstalmentIn] = Field(
        default_factory=list, max_length=50, description="R-GP-10: Σ = amount"
    )


class ContractLineOut(Schema):
    indicator: str
    amount_fen: int = Field(description="Reserved at filing")
    consumed_fen: int = Field(description="Frozen or paid by the contract's payments")
    released_fen: int = Field(description="Given back to available when the contract closed")
    remaining_fen: int = Field(description="Still reserved for the contract")


class InstalmentOut(Schema):
    id: int
    row: int
    name: str
    kind: str
    amount_fen: int
    committed_fen: int
    requires_acceptance: bool
    accepted: bool = Field(description="A passed acceptance exists (R-GP-10)")
    warranty_ends: dt.date | None


class DeadlineOut(Schema):
    what: str
    due: dt.date
    done: dt.date | None
    late: bool


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
    plan_id: int | None
    award_id: int | None
    signed_on: dt.date | None
    published_on: dt.date | None
    lines: list[ContractLineOut]
    instalments: list[InstalmentOut]
    deadlines: list[DeadlineOut] = Field(description="R-GP-3: tracked, not refused")


class ContractCloseIn(Schema):
    state: str = Field(description="completed (履约完毕) or terminated (终止)")
    closed_on: dt.date
    reason: str = Field("", max_length=200)


def _contract(
    contract: Contract, overrides: Mapping[dt.date, bool] | None = None
) -> dict[str, Any]:
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
        "plan_id": contract.plan_id,
        "award_id": contract.award_id,
        "signed_on": contract.signed_on,
        "published_on": contract.published_on,
        "instalments": [
            {
                "id": n.pk,
                "row": n.row,
                "name": n.name,
                "kind": n.kind,
                "amount_fen": n.amount,
                "committed_fen": n.committed,
                "requires_acceptance": n.requires_acceptance,
                "accepted": any(a.result == AcceptanceResult.PASSED for a in n.acceptances.all()),
                "warranty_ends": n.warranty_ends,
            }
            for n in selectors.contract_instalments(contract)
        ],
        "deadlines": [
            {"what": d.what_en, "due": d.due, "done": d.done, "late": d.late}
            for d in selectors.contract_deadlines(contract, overrides)
        ],
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
    overrides = calendar_overrides()  # R-GP-3's working days, read once for the page
    return Rendered(selectors.contract_list(actor=actor), lambda c: _contract(c, overrides))


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
            plan_id=payload.plan_id,
            award_id=payload.award_id,
            signed_on=payload.signed_on,
            published_on=payload.published_on,
            instalments=[
                InstalmentInput(
                    name=x.name,
                    kind=x.kind,
                    amount=field_amount(x.amount, f"instalments[{i}].amount"),
                    warranty_ends=x.warranty_ends,
                )
                for i, x in enumerate(payload.instalments)
            ],
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


class AcceptanceIn(Schema):
    instalment_id: Id = Field(description="The milestone (a node of the contract's schedule)")
    accepted_on: dt.date
    result: str = Field(max_length=8, description="passed or failed")
    members: str = Field(max_length=300)
    report: str = Field(max_length=2000)


@router.post("/procurement/contracts/{contract_id}/acceptances", response={201: ContractOut})
def record_acceptance(
    request: HttpRequest,
    response: HttpResponse,
    contract_id: Id,
    payload: AcceptanceIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """履约验收 of a milestone (R-GP-10), as the contract page records it: by someone other than
    who filed the contract or entered its plan; a passed one lets its instalment be paid."""

    def call(actor: Any) -> dict[str, Any]:
        acceptance_record(
            actor=actor,
            contract_id=contract_id,
            data=AcceptanceInput(
                instalment_id=payload.instalment_id,
                accepted_on=payload.accepted_on,
                result=payload.result,
                members=payload.members,
                report=payload.report,
            ),
        )
        return _contract(selectors.contract_get(actor=actor, contract_id=contract_id))

    return write_once(
        request,
        response,
        permission="procurement.add_contractacceptance",
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:procurement.contract.accept:{contract_id}",
        body=payload.model_dump(mode="json"),
        status=201,
        render=call,
    )


# --- 采购意向 (R-GP-1, R-GP-7) ---------------------------------------------------------------


class IntentionIn(Schema):
    project_name: str = Field(max_length=120)
    need_summary: str = Field(max_length=2000)
    budget: str = Field(description="元, e.g. '480,000.00'", max_length=32)
    expected_month: dt.date = Field(description="Any day of the expected month")
    pur_item_code: str = Field(max_length=16, description="政府采购品目 code, e.g. A02010104")
    is_sme_reserved: bool = False
    indicator: str = Field("", max_length=40, description="Procurement indicator code, optional")
    note: str = Field("", max_length=200)
    organisation_id: Id | None = Field(None, description="Default: the caller's unit")


class IntentionOut(Schema):
    id: int
    number: str
    organisation_id: int
    fiscal_year: int
    project_name: str
    need_summary: str
    budget_fen: int
    expected_month: dt.date
    pur_item_code: str
    category: str
    is_sme_reserved: bool
    indicator: str | None
    note: str
    state: str
    published_on: dt.date | None
    changed_on: dt.date | None
    withdrawn_on: dt.date | None
    withdraw_reason: str


class WithdrawIn(Schema):
    reason: str = Field(max_length=200)


def _intention(intention: Any) -> dict[str, Any]:
    return {
        "id": intention.pk,
        "number": intention.number,
        "organisation_id": intention.organisation_id,
        "fiscal_year": intention.fiscal_year,
        "project_name": intention.project_name,
        "need_summary": intention.need_summary,
        "budget_fen": intention.budget,
        "expected_month": intention.expected_month,
        "pur_item_code": intention.pur_item_code,
        "category": intention.category,
        "is_sme_reserved": intention.is_sme_reserved,
        "indicator": intention.indicator_line.code if intention.indicator_line_id else None,
        "note": intention.note,
        "state": intention.state,
        "published_on": intention.published_on,
        "changed_on": intention.changed_on,
        "withdrawn_on": intention.withdrawn_on,
        "withdraw_reason": intention.withdraw_reason,
    }


def _intention_read(actor: Any, pk: int) -> dict[str, Any]:
    return _intention(selectors.intention_get(actor=actor, intention_id=pk))


def _intention_input(actor: Any, payload: IntentionIn) -> IntentionInput:
    budget = field_amount(payload.budget, "budget")
    line_ids = _line_ids(actor, [payload.indicator], "indicator") if payload.indicator else []
    return IntentionInput(
        project_name=payload.project_name,
        need_summary=payload.need_summary,
        budget=budget,
        expected_month=payload.expected_month,
        pur_item_code=payload.pur_item_code,
        is_sme_reserved=payload.is_sme_reserved,
        indicator_line_id=line_ids[0] if line_ids else None,
        note=payload.note,
        organisation_id=payload.organisation_id,
    )


@router.get("/procurement/intentions", response=list[IntentionOut])
@paged(100)
def list_intentions(request: HttpRequest, state: str = "", q: str = "") -> Any:
    """The procurement intentions of the caller's units, newest first (as the page lists them)."""
    actor = require(request, "procurement.view_procurementintention", READ)
    queryset = selectors.intention_list(actor=actor, state=state[:12], search=q[:100])
    return Rendered(queryset.select_related("indicator_line"), _intention)


@router.get("/procurement/intentions/{intention_id}", response=IntentionOut)
def get_intention(request: HttpRequest, intention_id: Id) -> Any:
    actor = require(request, "procurement.view_procurementintention", READ)
    return _intention_read(actor, intention_id)


@router.post("/procurement/intentions", response={201: IntentionOut})
def create_intention(
    request: HttpRequest,
    response: HttpResponse,
    payload: IntentionIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Enter an intention as a draft (its fiscal year is the expected month's); every problem
    is named by field, nothing saved."""

    def call(actor: Any) -> dict[str, Any]:
        data = _intention_input(actor, payload)
        created = intention_create(actor=actor, data=data, fiscal_year=payload.expected_month.year)
        return _intention_read(actor, created.pk)

    return write_once(
        request,
        response,
        permission="procurement.add_procurementintention",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:procurement.intention.create",
        body=payload.model_dump(mode="json"),
        status=201,
        render=call,
    )


@router.put("/procurement/intentions/{intention_id}", response=IntentionOut)
def update_intention(
    request: HttpRequest,
    response: HttpResponse,
    intention_id: Id,
    payload: IntentionIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Edit a draft, or change a published intention (it becomes ``changed``; the first
    publication date stands)."""

    def call(actor: Any) -> dict[str, Any]:
        intention_update(
            actor=actor, intention_id=intention_id, data=_intention_input(actor, payload)
        )
        return _intention_read(actor, intention_id)

    return write_once(
        request,
        response,
        permission="procurement.change_procurementintention",
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:procurement.intention.update:{intention_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=call,
    )


class PublishIn(Schema):
    published_on: dt.date | None = Field(
        None, description="The day it appeared on the designated site; default today"
    )


@router.post("/procurement/intentions/{intention_id}/publish", response=IntentionOut)
def publish_intention(
    request: HttpRequest,
    response: HttpResponse,
    intention_id: Id,
    payload: PublishIn | None = None,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Publish a draft (R-GP-1) on the day it appeared on the designated site (default today;
    never later, within its year)."""
    on = payload.published_on if payload is not None else None

    def call(actor: Any) -> dict[str, Any]:
        intention_publish(actor=actor, intention_id=intention_id, on=on)
        return _intention_read(actor, intention_id)

    return write_once(
        request,
        response,
        permission="procurement.publish_procurementintention",
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:procurement.intention.publish:{intention_id}",
        body={"published_on": str(on or "")},
        status=200,
        render=call,
    )


@router.post("/procurement/intentions/{intention_id}/withdraw", response=IntentionOut)
def withdraw_intention(
    request: HttpRequest,
    response: HttpResponse,
    intention_id: Id,
    payload: WithdrawIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Withdraw a published intention, naming why; it stays on the public listing, marked."""

    def call(actor: Any) -> dict[str, Any]:
        intention_withdraw(actor=actor, intention_id=intention_id, reason=payload.reason)
        return _intention_read(actor, intention_id)

    return write_once(
        request,
        response,
        permission="procurement.publish_procurementintention",
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:procurement.intention.withdraw:{intention_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=call,
    )


# --- 集中采购目录 (R-GP-11, ADR 0052) -----------------------------------------------------------


class CatalogueItemIn(Schema):
    fiscal_year: int = Field(ge=2000, le=2100)
    pur_item_code: str = Field(max_length=16, description="政府采购品目; covers the 品目 under it")
    org_form: str = Field(description="central (集中采购机构采购) or department (部门集中采购)")
    note: str = Field("", max_length=200)


class CatalogueItemOut(Schema):
    id: int
    mof_div_code: str
    fiscal_year: int
    pur_item_code: str
    org_form: str
    note: str


def _catalogue_item(item: Any) -> dict[str, Any]:
    return {
        "id": item.pk,
        "mof_div_code": item.mof_div_code,
        "fiscal_year": item.fiscal_year,
        "pur_item_code": item.pur_item_code,
        "org_form": item.org_form,
        "note": item.note,
    }


@router.get("/procurement/catalogue", response=list[CatalogueItemOut])
def list_catalogue(request: HttpRequest, fiscal_year: int) -> Any:
    """The caller's region's 集中采购目录 of the year, as its page shows it."""
    actor = require(request, "procurement.view_catalogueitem", READ)
    items = selectors.catalogue_items(mof_div_code=actor.mof_div_code, fiscal_year=fiscal_year)
    return [_catalogue_item(item) for item in items]


@router.post("/procurement/catalogue", response=CatalogueItemOut)
def set_catalogue_item(
    request: HttpRequest,
    response: HttpResponse,
    payload: CatalogueItemIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Put a 品目 in the caller's region's catalogue of the year, or change its form."""

    def call(actor: Any) -> dict[str, Any]:
        item = catalogue_item_set(
            actor=actor,
            mof_div_code=actor.mof_div_code,
            fiscal_year=payload.fiscal_year,
            pur_item_code=payload.pur_item_code,
            org_form=payload.org_form,
            note=payload.note,
        )
        return _catalogue_item(item)

    return write_once(
        request,
        response,
        permission="procurement.change_catalogueitem",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:procurement.catalogue.set",
        body=payload.model_dump(mode="json"),
        status=200,
        render=call,
    )


@router.delete("/procurement/catalogue/{item_id}", response={204: None})
def remove_catalogue_item(
    request: HttpRequest,
    response: HttpResponse,
    item_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Take a 品目 out of the catalogue (its audit record keeps what it was)."""

    def call(actor: Any) -> None:
        catalogue_item_remove(actor=actor, item_id=item_id)

    return write_once(
        request,
        response,
        permission="procurement.change_catalogueitem",
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:procurement.catalogue.remove:{item_id}",
        body={},
        status=204,
        render=call,
    )
