"""Personnel endpoints of /api/v1 (R-PS): people (list masked, detail whole only with
``core.view_personal_data``), a person's history, change documents (create and submit, so a
unit's HR system can push changes; idempotent), 编制 and the budget snapshot (read). Approve,
return and reject go through ``/workflow/instances/{id}/…`` like every document type."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from yusuan.audit.idempotency import DocumentWrite, write_once
from yusuan.common.actor import ensure_permission
from yusuan.common.api import Id, IdempotencyKey, Rendered, Year, paged, require
from yusuan.common.masking import id_number_for, mask_id_number
from yusuan.common.uploads import upload_bytes
from yusuan.personnel import selectors
from yusuan.personnel.models import Person, PersonnelChange, PersonPeriod
from yusuan.personnel.services import (
    ChangeInput,
    change_create,
    change_update,
    people_import,
    snapshot_take,
)
from yusuan.personnel.workflow import DOCUMENT_TYPE
from yusuan.workflow.services import document_submit

router = Router(tags=["personnel"])
READ, WRITE = "personnel:read", "personnel:write"
Kind = Literal["hire", "transfer_out", "grade", "pay", "retire", "resign", "death"]


class PersonOut(Schema):
    id: int
    name: str
    id_number: str = Field(description="Masked in lists; whole on the detail for roles allowed")
    sex: str
    birth_date: dt.date
    organisation_id: int
    organisation_name: str
    state: str
    status: str
    establishment: str


class PeriodOut(Schema):
    id: int
    effective_from: dt.date
    organisation_id: int
    state: str
    status: str
    establishment: str
    office: str
    position: str
    rank: str
    civil_level: int | None
    civil_step: int | None
    post_category: str
    post_level: int | None
    salary_scale: int | None
    items: dict[str, int] = Field(description="Monthly pay items in fen, keyed by item")
    pension_base_fen: int
    medical_base_fen: int
    housing_base_fen: int
    change_number: str


class ChangeIn(Schema):
    kind: Kind
    effective_date: dt.date
    basis_doc_no: str = Field(max_length=80, description="依据文件文号")
    person_id: Id | None = Field(None, description="Every kind but a hire")
    id_number: str = Field("", max_length=18, description="A hire")
    name: str = Field("", max_length=50, description="A hire")
    establishment_doc_no: str = Field("", max_length=80, description="编办文号 for an excess")
    note: str = Field("", max_length=2000)
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="New values the kind sets: status, establishment, grade fields, "
        "items (key → fen a month), pension_base/medical_base/housing_base (fen)",
    )
    organisation_id: Id | None = Field(None, description="The filing unit; default the caller's")


class ChangeOut(Schema):
    id: int
    number: str
    kind: str
    organisation_id: int
    person_id: int | None
    name: str
    id_number: str
    effective_date: dt.date
    basis_doc_no: str
    establishment_doc_no: str
    state: str
    data: dict[str, Any]
    period_id: int | None


class EstablishmentOut(Schema):
    organisation_id: int
    organisation_name: str
    fiscal_year: int
    approved: dict[str, int]
    actual: dict[str, int]
    leader_posts: int
    vehicles: int
    functional_code: str
    document_no: str
    over: list[str]


class SnapshotOut(Schema):
    id: int
    fiscal_year: int
    version: int
    as_of: dt.date
    people: int
    reason: str


class HeadcountOut(Schema):
    organisation_id: int
    status: str
    establishment: str
    state: str
    people: int


class SnapshotPersonOut(Schema):
    person_id: int
    organisation_id: int
    name: str
    id_number: str
    status: str
    establishment: str
    state: str
    monthly_fen_by_class: dict[str, int]
    pension_base_fen: int
    medical_base_fen: int
    housing_base_fen: int


def _person(p: Person, id_number: str) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "id_number": id_number,
        "sex": p.sex,
        "birth_date": p.birth_date,
        "organisation_id": p.organisation_id,
        "organisation_name": p.organisation.name,
        "state": p.state,
        "status": p.status,
        "establishment": p.establishment,
    }


def _period(p: PersonPeriod) -> dict[str, Any]:
    return {
        "id": p.pk,
        "effective_from": p.effective_from,
        "organisation_id": p.organisation_id,
        "state": p.state,
        "status": p.status,
        "establishment": p.establishment,
        "office": p.office,
        "position": p.position,
        "rank": p.rank,
        "civil_level": p.civil_level,
        "civil_step": p.civil_step,
        "post_category": p.post_category,
        "post_level": p.post_level,
        "salary_scale": p.salary_scale,
        "items": {k: int(v) for k, v in p.items.items()},
        "pension_base_fen": p.pension_base,
        "medical_base_fen": p.medical_base,
        "housing_base_fen": p.housing_base,
        "change_number": p.change.number if p.change else "",
    }


def _change(actor: Any, c: PersonnelChange) -> dict[str, Any]:
    number = c.person.id_number if c.person else c.id_number
    return {
        "id": c.pk,
        "number": c.number,
        "kind": c.kind,
        "organisation_id": c.organisation_id,
        "person_id": c.person_id,
        "name": c.name,
        "id_number": id_number_for(actor, number),
        "effective_date": c.effective_date,
        "basis_doc_no": c.basis_doc_no,
        "establishment_doc_no": c.establishment_doc_no,
        "state": c.state,
        "data": c.data,
        "period_id": c.period_id,
    }


@router.get("/personnel/people", response=list[PersonOut])
@paged(200)
def list_people(
    request: HttpRequest,
    organisation_id: Id | None = None,
    state: str = "",
    status: str = "",
    establishment: str = "",
    q: str = "",
) -> Any:
    """People in the caller's scope; ID numbers masked for everyone in a list (R-PS-6)."""
    actor = require(request, "personnel.view_person", READ)
    rows = selectors.person_list(
        actor=actor,
        organisation_id=organisation_id,
        state=state[:20],
        status=status[:20],
        establishment=establishment[:20],
        text=q[:50],
    )
    return Rendered(rows, lambda p: _person(p, mask_id_number(p.id_number)))


@router.get("/personnel/people/{person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: Id) -> Any:
    actor = require(request, "personnel.view_person", READ)
    person = selectors.access_person(actor=actor, pk=person_id)
    return _person(person, id_number_for(actor, person.id_number))


@router.get("/personnel/people/{person_id}/history", response=list[PeriodOut])
def person_history(request: HttpRequest, person_id: Id) -> Any:
    """Every period of the person, newest first: who earned what, in which unit, from when."""
    actor = require(request, "personnel.view_person", READ)
    return [
        _period(p)
        for p in selectors.person_history(selectors.access_person(actor=actor, pk=person_id))
    ]


def _detail(actor: Any, pk: int) -> dict[str, Any]:
    return _change(actor, selectors.access_change(actor=actor, pk=pk))


write = DocumentWrite(api_scope=WRITE, read=_detail)


@router.get("/personnel/changes", response=list[ChangeOut])
@paged(100)
def list_changes(request: HttpRequest, state: str = "", kind: str = "") -> Any:
    actor = require(request, "personnel.view_personnelchange", READ)
    return Rendered(
        selectors.change_list(actor=actor, state=state[:20], kind=kind[:20]),
        lambda c: _change(actor, c),
    )


@router.get("/personnel/changes/{change_id}", response=ChangeOut)
def get_change(request: HttpRequest, change_id: Id) -> Any:
    return _detail(require(request, "personnel.view_personnelchange", READ), change_id)


@router.post("/personnel/changes", response={201: ChangeOut})
def create_change(
    request: HttpRequest,
    response: HttpResponse,
    payload: ChangeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """A change document (a draft), as the HR system of a unit pushes it (R-PS-3)."""
    data = ChangeInput(**payload.model_dump())
    return write(
        request,
        response,
        key=idempotency_key,
        scope="api:personnel.changes.create",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: change_create(actor=actor, data=data),
    )


@router.put("/personnel/changes/{change_id}", response=ChangeOut)
def update_change(
    request: HttpRequest,
    response: HttpResponse,
    change_id: Id,
    payload: ChangeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Correct a draft: the whole document again; its kind and unit stay (R-PS-3)."""
    data = ChangeInput(**payload.model_dump())
    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:personnel.changes.update:{change_id}",
        body=payload.model_dump(mode="json"),
        call=lambda actor: change_update(
            actor=actor, change_id=selectors.access_change(actor=actor, pk=change_id).pk, data=data
        ),
    )


@router.post("/personnel/changes/{change_id}/submit", response=ChangeOut)
def submit_change(
    request: HttpRequest,
    response: HttpResponse,
    change_id: Id,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Send it for approval: unit → department → finance 人员库管理岗 (``personnel.change``)."""

    def call(actor: Any) -> PersonnelChange:
        ensure_permission(actor, "personnel.change_personnelchange")  # as the page's button
        found = selectors.access_change(actor=actor, pk=change_id)
        document_submit(actor=actor, document_type=DOCUMENT_TYPE, object_id=str(found.pk))
        return found

    return write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:personnel.changes.submit:{change_id}",
        body={},
        call=call,
    )


@router.get("/personnel/establishments", response=list[EstablishmentOut])
def list_establishments(request: HttpRequest, fiscal_year: Year | None = None) -> Any:
    """Approved 编制 against the staff in service (today, or the year's end), R-PS-2."""
    actor = require(request, "personnel.view_establishment", READ)
    today = timezone.localdate()
    year = fiscal_year or today.year
    on = today if year == today.year else dt.date(year, 12, 31)
    return [
        {
            "organisation_id": r.organisation.pk,
            "organisation_name": r.organisation.name,
            "fiscal_year": year,
            "approved": {k: r.approved(k) for k in selectors.COUNTED},
            "actual": r.actual,
            "leader_posts": r.record.leader_posts if r.record else 0,
            "vehicles": r.record.vehicles if r.record else 0,
            "functional_code": r.record.functional_code if r.record else "",
            "document_no": r.record.document_no if r.record else "",
            "over": [kind for kind, _approved, _actual in r.over],
        }
        for r in selectors.establishment_rows(actor=actor, fiscal_year=year, on=on)
    ]


@router.get("/personnel/snapshots", response=list[SnapshotOut])
def list_snapshots(request: HttpRequest) -> Any:
    actor = require(request, "personnel.view_budgetsnapshot", READ)
    return [
        {
            "id": s.pk,
            "fiscal_year": s.fiscal_year,
            "version": s.version,
            "as_of": s.as_of,
            "people": s.people,
            "reason": s.reason,
        }
        for s in selectors.snapshot_list(actor=actor)[:100]
    ]


@router.get("/personnel/snapshots/{snapshot_id}/headcount", response=list[HeadcountOut])
def snapshot_headcount(request: HttpRequest, snapshot_id: Id) -> Any:
    """Per unit in scope: people by 身份, 编制类型 and state (R-PS-4)."""
    actor = require(request, "personnel.view_budgetsnapshot", READ)
    snapshot = selectors.access_snapshot(actor=actor, pk=snapshot_id)
    return [h.__dict__ for h in selectors.snapshot_headcount(actor=actor, snapshot=snapshot)]


@router.get("/personnel/snapshots/{snapshot_id}/people", response=list[SnapshotPersonOut])
@paged(500)
def snapshot_people(
    request: HttpRequest, snapshot_id: Id, organisation_id: Id | None = None
) -> Any:
    """Per person of the snapshot: monthly pay by economic class (款) and the bases (fen), what
    the year's 人员类 amounts are computed from. ID numbers masked (a list)."""
    actor = require(request, "personnel.view_budgetsnapshot", READ)
    snapshot = selectors.access_snapshot(actor=actor, pk=snapshot_id)
    rows = selectors.snapshot_rows(actor=actor, snapshot=snapshot, organisation_id=organisation_id)
    return Rendered(
        rows,
        lambda row: {
            "person_id": row.person_id,
            "organisation_id": row.organisation_id,
            "name": row.name,
            "id_number": mask_id_number(row.id_number),
            "status": row.status,
            "establishment": row.establishment,
            "state": row.state,
            "monthly_fen_by_class": selectors.by_class(row.items),
            "pension_base_fen": row.pension_base,
            "medical_base_fen": row.medical_base,
            "housing_base_fen": row.housing_base,
        },
    )


class ImportOut(Schema):
    people: int
    units: int


class SnapshotIn(Schema):
    fiscal_year: Year
    as_of: dt.date
    reason: str = Field("", max_length=2000, description="Needed to take the year's again")


@router.post("/personnel/people-import", response={201: ImportOut})
def import_people(
    request: HttpRequest,
    response: HttpResponse,
    file: File[UploadedFile],
    effective_from: Form[dt.date],
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The initial load (finance 人员库管理岗): a people sheet (.xlsx/.csv, the columns of the
    template); every bad row is listed (row, column, value, rule) and nothing is imported."""
    data = upload_bytes(file)

    def call(actor: Any) -> dict[str, Any]:
        result = people_import(
            actor=actor, data=data, filename=file.name or "", effective_from=effective_from
        )
        return {"people": result.people, "units": result.units}

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:personnel.people.import",
        body={"effective_from": effective_from.isoformat(), "name": file.name, "file": data},
        status=201,
        render=call,
        permission="personnel.import_person",
    )


@router.post("/personnel/snapshots", response={201: SnapshotOut})
def take_snapshot(
    request: HttpRequest,
    response: HttpResponse,
    payload: SnapshotIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Finance takes the budget year's snapshot (R-PS-4); again only with a reason."""

    def call(actor: Any) -> dict[str, Any]:
        s = snapshot_take(
            actor=actor,
            mof_div_code=actor.organisation.mof_div_code,
            fiscal_year=payload.fiscal_year,
            as_of=payload.as_of,
            reason=payload.reason,
        )
        return {
            "id": s.pk,
            "fiscal_year": s.fiscal_year,
            "version": s.version,
            "as_of": s.as_of,
            "people": s.people,
            "reason": s.reason,
        }

    return write_once(
        request,
        response,
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:personnel.snapshots.take",
        body=payload.model_dump(mode="json"),
        status=201,
        render=call,
        permission="personnel.add_budgetsnapshot",
    )
