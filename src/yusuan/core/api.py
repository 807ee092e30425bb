"""Master-data endpoints of /api/v1. Every read goes through a scoped selector (another scope: 404)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.masking import account_no_for, mask_account_no, mask_id_number
from yusuan.core import selectors
from yusuan.core.models import BankAccount, Organisation, Payee
from yusuan.core.services.accounts import PayeeData, payee_create

router = Router(tags=["master data"])


class OrganisationOut(Schema):
    id: int
    mof_div_code: str
    code: str
    name: str
    kind: str
    parent_id: int | None
    agency_type: str
    budget_level: int | None
    division_type: str
    supervising_division_id: int | None
    state: str
    is_enabled: bool


class BankAccountOut(Schema):
    id: int
    organisation_id: int
    account_type: str
    account_no: str = Field(
        description="Masked in lists; whole in one account's answer for roles that may view "
        "personal data."
    )
    account_name: str
    bank_name: str
    bank_code: str
    is_enabled: bool


class PayeeOut(Schema):
    id: int
    organisation_id: int
    kind: str
    name: str
    credit_code: str
    id_number: str = Field(description="Masked unless the role may view personal data.")
    bank_account_no: str = Field(description="Masked unless the role may view personal data.")
    bank_name: str
    bank_code: str
    is_enabled: bool


class PayeeIn(Schema):
    organisation_id: Id
    kind: Literal["organisation", "individual"]
    name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field("", max_length=18)
    id_number: str = Field("", max_length=18)
    bank_account_no: str = Field(min_length=1, max_length=32)
    bank_name: str = Field(min_length=1, max_length=120)
    bank_code: str = Field("", max_length=12)


class CodeOut(Schema):
    id: int
    fiscal_year: int
    kind: str
    code: str
    name: str
    level: int
    parent_code: str
    is_enabled: bool


class FiscalYearOut(Schema):
    id: int
    mof_div_code: str
    year: int
    status: str


def _payee_out(payee: Payee, unmasked: bool) -> dict[str, Any]:
    return {
        "id": payee.pk,
        "organisation_id": payee.organisation_id,
        "kind": payee.kind,
        "name": payee.name,
        "credit_code": payee.credit_code,
        "id_number": payee.id_number
        if unmasked
        else mask_id_number(payee.id_number)
        if payee.id_number
        else "",
        "bank_account_no": payee.bank_account_no
        if unmasked
        else mask_account_no(payee.bank_account_no),
        "bank_name": payee.bank_name,
        "bank_code": payee.bank_code,
        "is_enabled": payee.is_enabled,
    }


@router.get("/organisations", response=list[OrganisationOut])
@paged(50)
def list_organisations(request: HttpRequest, q: str = "", kind: str = "") -> Any:
    actor = require(request, "core.view_organisation", "core:read")
    return selectors.organisation_list(actor=actor, text=q, kind=kind)


@router.get("/organisations/{organisation_id}", response=OrganisationOut)
def get_organisation(request: HttpRequest, organisation_id: Id) -> Organisation:
    actor = require(request, "core.view_organisation", "core:read")
    return selectors.access_organisation(actor=actor, pk=organisation_id)


def _bank_account_out(account: BankAccount, account_no: str) -> dict[str, Any]:
    return {
        "id": account.pk,
        "organisation_id": account.organisation_id,
        "account_type": account.account_type,
        "account_no": account_no,
        "account_name": account.account_name,
        "bank_name": account.bank_name,
        "bank_code": account.bank_code,
        "is_enabled": account.is_enabled,
    }


@router.get("/bank-accounts", response=list[BankAccountOut])
@paged(50)
def list_bank_accounts(request: HttpRequest, q: str = "", account_type: str = "") -> Any:
    actor = require(request, "core.view_bankaccount", "core:read")
    # Lists are always masked, as on the list page (ADR 0019).
    return Rendered(
        selectors.bank_account_list(actor=actor, text=q, account_type=account_type),
        lambda a: _bank_account_out(a, mask_account_no(a.account_no)),
    )


@router.get("/bank-accounts/{account_id}", response=BankAccountOut)
def get_bank_account(request: HttpRequest, account_id: Id) -> dict[str, Any]:
    actor = require(request, "core.view_bankaccount", "core:read")
    account = selectors.access_bank_account(actor=actor, pk=account_id)
    return _bank_account_out(account, account_no_for(actor, account.account_no))


def _masked_payee(payee: Payee) -> dict[str, Any]:
    return _payee_out(payee, False)


@router.get("/payees", response=list[PayeeOut])
@paged(50)
def list_payees(request: HttpRequest, q: str = "", kind: str = "") -> Any:
    actor = require(request, "core.view_payee", "core:read")
    # Lists are always masked (DESIGN §7).
    return Rendered(selectors.payee_list(actor=actor, text=q, kind=kind), _masked_payee)


@router.get("/payees/{payee_id}", response=PayeeOut)
def get_payee(request: HttpRequest, payee_id: Id) -> dict[str, Any]:
    actor = require(request, "core.view_payee", "core:read")
    payee = selectors.access_payee(actor=actor, pk=payee_id)
    return _payee_out(payee, actor.has_perm("core.view_personal_data"))


@router.post("/payees", response={201: PayeeOut})
def create_payee(
    request: HttpRequest,
    response: HttpResponse,
    payload: PayeeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Register a payee. Send an ``Idempotency-Key`` so a retry cannot register it twice."""
    body = payload.model_dump()

    def render(actor: Any) -> dict[str, Any]:
        data = PayeeData(**{k: v for k, v in body.items() if k != "organisation_id"})
        payee = payee_create(actor=actor, organisation_id=payload.organisation_id, data=data)
        return _payee_out(payee, actor.has_perm("core.view_personal_data"))

    return write_once(
        request,
        response,
        permission="core.add_payee",
        api_scope="core:write",
        key=idempotency_key,
        scope="api:core.payee.create",
        body=body,
        status=201,
        render=render,
    )


@router.get("/fiscal-years", response=list[FiscalYearOut])
def list_fiscal_years(request: HttpRequest) -> Any:
    actor = require(request, "core.view_fiscalyear", "core:read")
    return list(selectors.fiscal_year_list(actor=actor))


@router.get("/codes", response=list[CodeOut])
@paged(200)
def list_codes(request: HttpRequest, year: Year, kind: str = "", q: str = "") -> Any:
    actor = require(request, "core.view_classificationcode", "core:read")
    return selectors.code_list(actor=actor, fiscal_year=year, kind=kind, text=q)
