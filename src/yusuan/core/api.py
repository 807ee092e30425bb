"""Master-data endpoints of /api/v1. Every read goes through a scoped selector (another scope: 404)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.masking import account_no_for, mask_account_no, mask_id_number
from yusuan.common.uploads import upload_bytes
from yusuan.core import selectors
from yusuan.core.choices import (
    AccountType,
    AgencyType,
    BudgetLevel,
    DivisionType,
    OrganisationKind,
)
from yusuan.core.exchange import code_set_import_file, units_import_file
from yusuan.core.models import BankAccount, ClassificationCode, FiscalYear, Organisation, Payee
from yusuan.core.services.accounts import (
    BankAccountData,
    PayeeData,
    bank_account_create,
    bank_account_update,
    payee_create,
    payee_update,
)
from yusuan.core.services.classification import code_update
from yusuan.core.services.fiscal_years import fiscal_year_close, fiscal_year_open
from yusuan.core.services.organisations import (
    OrganisationData,
    organisation_create,
    organisation_update,
)
from yusuan.core.standards_api import router as standards_router

router = Router(tags=["master data"])
router.add_router("", standards_router)  # /core/standards (ADR 0039)


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
    agent_bank_id: int | None = Field(
        description="R-PY-9: the agent bank (a bank organisation) holding the account"
    )
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


class PayeeFieldsIn(Schema):
    """A payee's own fields (its organisation is chosen once, at registration)."""

    kind: Literal["organisation", "individual"]
    name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field("", max_length=18)
    id_number: str = Field("", max_length=18)
    bank_account_no: str = Field(min_length=1, max_length=32)
    bank_name: str = Field(min_length=1, max_length=120)
    bank_code: str = Field("", max_length=12)

    def data(self, is_enabled: bool = True) -> PayeeData:
        """As the page's form hands it over (trimmed; the account number without spaces)."""
        return PayeeData(
            kind=self.kind,
            name=self.name.strip(),
            credit_code=self.credit_code.strip(),
            id_number=self.id_number.strip(),
            bank_account_no=self.bank_account_no.replace(" ", ""),
            bank_name=self.bank_name.strip(),
            bank_code=self.bank_code.strip(),
            is_enabled=is_enabled,
        )


class PayeeIn(PayeeFieldsIn):
    organisation_id: Id


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


# --- Imports from a sheet (.xlsx or .csv), as the import pages take them. Declared before the
# ``/{id}`` paths of the same collection, which would otherwise take ``import`` for an id. ------


class UnitsImportedOut(Schema):
    created: int


class CodesImportedOut(Schema):
    created: int
    updated: int
    unchanged: int


@router.post("/organisations/import", response={201: UnitsImportedOut})
def import_units(
    request: HttpRequest,
    response: HttpResponse,
    file: File[UploadedFile],
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Departments and units from a sheet, parents before children. A sheet with problems is
    refused with every one of them (row, column, value, reason) and nothing is kept."""
    data = upload_bytes(file)
    return write_once(
        request,
        response,
        permission="core.add_organisation",
        api_scope="core:write",
        key=idempotency_key,
        scope="api:core.units.import",
        body={"name": file.name, "file": data},  # the bytes: another sheet is another request
        status=201,
        render=lambda actor: {
            "created": units_import_file(
                actor=actor, mof_div_code=actor.mof_div_code, data=data, filename=file.name or ""
            ).created
        },
    )


@router.post("/codes/import", response={201: CodesImportedOut})
def import_codes(
    request: HttpRequest,
    response: HttpResponse,
    file: File[UploadedFile],
    year: Form[Year],
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A year's code set from a sheet: new codes added, changed names and states updated."""
    data = upload_bytes(file)

    def render(actor: Any) -> dict[str, Any]:
        result = code_set_import_file(
            actor=actor,
            mof_div_code=actor.mof_div_code,
            fiscal_year=year,
            data=data,
            filename=file.name or "",
        )
        return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}

    return write_once(
        request,
        response,
        permission="core.add_classificationcode",
        api_scope="core:write",
        key=idempotency_key,
        scope="api:core.codes.import",
        body={"year": year, "name": file.name, "file": data},
        status=201,
        render=render,
    )


class MappingTargetOut(Schema):
    code: str
    name: str


class MappingRowOut(Schema):
    code: str = Field(description="department economic 款")
    name: str
    for_administrative_units: MappingTargetOut | None = Field(
        description="government economic 款 for administrative units (行政单位)"
    )
    for_institutions: MappingTargetOut | None = Field(
        description="… for public institutions (事业单位)"
    )


@router.get("/codes/mapping", response=list[MappingRowOut])
def economic_mapping(request: HttpRequest, year: Year, q: str = "") -> list[dict[str, Any]]:
    """R-MD-3 as a table: every enabled department economic 款 and the government economic 款 it
    maps to for each unit group (``null``: a gap), as the mapping page shows it."""
    actor = require(request, "core.view_classificationcode", "core:read")
    rows = selectors.economic_mapping_table(actor=actor, fiscal_year=year, text=q.strip())

    def target(pair: tuple[str, str] | None) -> dict[str, str] | None:
        return {"code": pair[0], "name": pair[1]} if pair else None

    return [
        {
            "code": row.code,
            "name": row.name,
            "for_administrative_units": target(row.agency),
            "for_institutions": target(row.institution),
        }
        for row in rows
    ]


class RegionOut(Schema):
    id: int
    mof_div_code: str
    name: str
    level: int
    parent_id: int | None


@router.get("/regions", response=list[RegionOut])
def list_regions(request: HttpRequest) -> Any:
    """财政区划 the caller sees."""
    actor = require(request, "core.view_region", "core:read")
    return list(selectors.region_list(actor=actor))


@router.get("/organisations", response=list[OrganisationOut])
@paged(50)
def list_organisations(
    request: HttpRequest, q: str = "", kind: str = "", agency_type: str = ""
) -> Any:
    actor = require(request, "core.view_organisation", "core:read")
    return selectors.organisation_list(actor=actor, text=q, kind=kind, agency_type=agency_type)


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
        "agent_bank_id": account.agent_bank_id,
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
        payee = payee_create(
            actor=actor, organisation_id=payload.organisation_id, data=payload.data()
        )
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
def list_codes(
    request: HttpRequest,
    year: Year,
    kind: str = "",
    q: str = "",
    enabled: Literal["", "1", "0"] = "",
) -> Any:
    actor = require(request, "core.view_classificationcode", "core:read")
    return selectors.code_list(actor=actor, fiscal_year=year, kind=kind, text=q, enabled=enabled)


# --- writes the pages make (issue 14 item 6: the same service, the page's permission) ----------


class OrganisationIn(Schema):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field("", max_length=60)
    kind: OrganisationKind
    parent_id: Id | None = None
    division_type: DivisionType | Literal[""] = ""
    agency_type: AgencyType | Literal[""] = ""
    budget_level: BudgetLevel | None = None
    supervising_division_id: Id | None = None
    credit_code: str = Field("", max_length=18)
    is_enabled: bool = True

    def data(self) -> OrganisationData:
        """As the page's form hands it over (trimmed; the credit code in capitals)."""
        return OrganisationData(
            code=self.code.strip(),
            name=self.name.strip(),
            short_name=self.short_name.strip(),
            kind=str(self.kind),
            parent_id=self.parent_id,
            division_type=str(self.division_type),
            agency_type=str(self.agency_type),
            budget_level=None if self.budget_level is None else int(self.budget_level),
            supervising_division_id=self.supervising_division_id,
            credit_code=self.credit_code.strip().upper(),
            is_enabled=self.is_enabled,
        )


@router.post("/organisations", response={201: OrganisationOut})
def create_organisation(
    request: HttpRequest,
    response: HttpResponse,
    payload: OrganisationIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A new organisation in the caller's region, under a parent in their scope."""
    return write_once(
        request,
        response,
        permission="core.add_organisation",
        api_scope="core:write",
        key=idempotency_key,
        scope="api:core.organisation.create",
        body=payload.model_dump(mode="json"),
        status=201,
        render=lambda actor: OrganisationOut.model_validate(
            organisation_create(actor=actor, mof_div_code=actor.mof_div_code, data=payload.data())
        ).model_dump(),
    )


@router.put("/organisations/{organisation_id}", response=OrganisationOut)
def update_organisation(
    request: HttpRequest,
    response: HttpResponse,
    organisation_id: Id,
    payload: OrganisationIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Every field, as the edit page sends them."""

    def render(actor: Any) -> dict[str, Any]:
        organisation = selectors.access_organisation(actor=actor, pk=organisation_id)
        changed = organisation_update(actor=actor, organisation=organisation, data=payload.data())
        return OrganisationOut.model_validate(changed).model_dump()

    return write_once(
        request,
        response,
        permission="core.change_organisation",
        api_scope="core:write",
        key=idempotency_key,
        scope=f"api:core.organisation.update:{organisation_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )


class BankAccountIn(Schema):
    organisation_id: Id
    account_type: AccountType
    account_no: str = Field(min_length=1, max_length=32)
    account_name: str = Field(min_length=1, max_length=200)
    bank_name: str = Field(min_length=1, max_length=120)
    bank_code: str = Field("", max_length=12)
    is_enabled: bool = True
    agent_bank_id: Id | None = Field(
        None,
        description="R-PY-9: the agent bank (a bank organisation of the region) holding the "
        "account; by default the one whose name is bank_name",
    )

    def data(self) -> BankAccountData:
        return BankAccountData(
            organisation_id=self.organisation_id,
            account_type=str(self.account_type),
            account_no=self.account_no.replace(" ", ""),
            account_name=self.account_name.strip(),
            bank_name=self.bank_name.strip(),
            bank_code=self.bank_code.strip(),
            is_enabled=self.is_enabled,
            agent_bank_id=self.agent_bank_id,
        )


@router.post("/bank-accounts", response={201: BankAccountOut})
def create_bank_account(
    request: HttpRequest,
    response: HttpResponse,
    payload: BankAccountIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    def render(actor: Any) -> dict[str, Any]:
        account = bank_account_create(actor=actor, data=payload.data())
        return _bank_account_out(account, account_no_for(actor, account.account_no))

    return write_once(
        request,
        response,
        permission="core.add_bankaccount",
        api_scope="core:write",
        key=idempotency_key,
        scope="api:core.bank_account.create",
        body=payload.model_dump(mode="json"),
        status=201,
        render=render,
    )


@router.put("/bank-accounts/{account_id}", response=BankAccountOut)
def update_bank_account(
    request: HttpRequest,
    response: HttpResponse,
    account_id: Id,
    payload: BankAccountIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    def render(actor: Any) -> dict[str, Any]:
        account = selectors.access_bank_account(actor=actor, pk=account_id)
        changed = bank_account_update(actor=actor, account=account, data=payload.data())
        return _bank_account_out(changed, account_no_for(actor, changed.account_no))

    return write_once(
        request,
        response,
        permission="core.change_bankaccount",
        api_scope="core:write",
        key=idempotency_key,
        scope=f"api:core.bank_account.update:{account_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )


class PayeeUpdateIn(PayeeFieldsIn):
    """The payee's own fields; its organisation does not change (the page shows it disabled)."""

    is_enabled: bool = True


@router.put("/payees/{payee_id}", response=PayeeOut)
def update_payee(
    request: HttpRequest,
    response: HttpResponse,
    payee_id: Id,
    payload: PayeeUpdateIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Only for roles that may view personal data (editing shows the whole identity number);
    for others the payee is a 404, as on the edit page."""

    def render(actor: Any) -> dict[str, Any]:
        payee = selectors.access_payee(actor=actor, pk=payee_id)
        if not actor.has_perm("core.view_personal_data"):
            raise Http404
        data = payload.data(is_enabled=payload.is_enabled)
        return _payee_out(payee_update(actor=actor, payee=payee, data=data), True)

    return write_once(
        request,
        response,
        permission="core.change_payee",
        api_scope="core:write",
        key=idempotency_key,
        scope=f"api:core.payee.update:{payee_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )


class FiscalYearIn(Schema):
    year: Year


def _fiscal_year_out(fiscal_year: FiscalYear) -> dict[str, Any]:
    return FiscalYearOut.model_validate(fiscal_year).model_dump()


@router.post("/fiscal-years", response={201: FiscalYearOut})
def open_fiscal_year(
    request: HttpRequest,
    response: HttpResponse,
    payload: FiscalYearIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Open a year in the caller's region; its code set starts as a copy of the year before."""
    return write_once(
        request,
        response,
        permission="core.add_fiscalyear",
        api_scope="core:write",
        key=idempotency_key,
        scope="api:core.fiscal_year.open",
        body=payload.model_dump(),
        status=201,
        render=lambda actor: _fiscal_year_out(
            fiscal_year_open(actor=actor, mof_div_code=actor.mof_div_code, year=payload.year)
        ),
    )


@router.post("/fiscal-years/{fiscal_year_id}/close", response=FiscalYearOut)
def close_fiscal_year(
    request: HttpRequest,
    response: HttpResponse,
    fiscal_year_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    def render(actor: Any) -> dict[str, Any]:
        fiscal_year = selectors.access_fiscal_year(actor=actor, pk=fiscal_year_id)
        return _fiscal_year_out(fiscal_year_close(actor=actor, fiscal_year=fiscal_year))

    return write_once(
        request,
        response,
        permission="core.change_fiscalyear",
        api_scope="core:write",
        key=idempotency_key,
        scope=f"api:core.fiscal_year.close:{fiscal_year_id}",
        body={},
        status=200,
        render=render,
    )


class CodeIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    is_enabled: bool


def _code_out(code: ClassificationCode) -> dict[str, Any]:
    return CodeOut.model_validate(code).model_dump()


@router.put("/codes/{code_id}", response=CodeOut)
def update_code(
    request: HttpRequest,
    response: HttpResponse,
    code_id: Id,
    payload: CodeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A code's name and whether it may be chosen, in an open year (R-MD-4)."""

    def render(actor: Any) -> dict[str, Any]:
        code = selectors.access_code(actor=actor, pk=code_id)
        return _code_out(
            code_update(actor=actor, code=code, name=payload.name, is_enabled=payload.is_enabled)
        )

    return write_once(
        request,
        response,
        permission="core.change_classificationcode",
        api_scope="core:write",
        key=idempotency_key,
        scope=f"api:core.code.update:{code_id}",
        body=payload.model_dump(),
        status=200,
        render=render,
    )
