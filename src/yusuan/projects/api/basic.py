"""Basic expenditure by quota in /api/v1 (R-PJ-5, R-PJ-8): a unit's 人员经费 and 公用经费 sheets,
the units' totals, computing the region's year and finance's overrides."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, Rendered, paged, require
from yusuan.common.errors import field_amount
from yusuan.core.models import Organisation
from yusuan.projects import basic_selectors
from yusuan.projects.api.common import READ, WRITE
from yusuan.projects.services import basic as basic_service

# The operation ids these endpoints were first published under (``yusuan.api.root``), when they
# were all in ``yusuan.projects.api``: clients generate their method names from them.
OPERATION_ID_PREFIX = "yusuan_projects_api"

router = Router(tags=["projects"])


class BasicLineOut(Schema):
    category: str
    position: int
    economic_code: str
    functional_code: str
    status: str
    label: str
    headcount: int
    standard_fen: int
    multiplier: int
    rate_bp: int
    amount_fen: int
    basis: dict[str, Any]


class BasicFigureOut(Schema):
    category: str
    computed_fen: int
    override_fen: int | None
    override_reason: str
    figure_fen: int
    project_code: str
    project_state: str


class BasicUnitOut(Schema):
    organisation_id: int
    fiscal_year: int
    run_version: int | None
    snapshot_version: int | None
    figures: list[BasicFigureOut]
    lines: list[BasicLineOut]


class BasicSummaryOut(Schema):
    organisation_id: int
    code: str
    name: str
    personnel_fen: int
    public_fen: int
    personnel_override_fen: int | None
    public_override_fen: int | None


class BasicComputeIn(Schema):
    fiscal_year: int = Field(ge=2000, le=2100)


class BasicRunOut(Schema):
    fiscal_year: int
    version: int
    new_version: bool
    snapshot_version: int
    units: int
    personnel_fen: int
    public_fen: int
    projects_created: int
    projects_updated: int
    projects_kept: list[str]
    changes: list[dict[str, Any]]


class BasicOverrideIn(Schema):
    fiscal_year: int = Field(ge=2000, le=2100)
    category: Literal["1", "21"]
    amount: str | None = Field(None, description="元; null withdraws the override", max_length=32)
    reason: str = Field(max_length=2000)


class BasicOverrideOut(Schema):
    id: int
    organisation_id: int
    fiscal_year: int
    category: str
    amount_fen: int | None
    computed_fen: int
    reason: str


@router.get("/projects-basic/{organisation_id}", response=BasicUnitOut)
def get_basic_unit(
    request: HttpRequest, organisation_id: Id, fiscal_year: int | None = None
) -> Any:
    """A unit's 人员经费测算表 and 公用经费测算表 in force, with finance's figures beside the
    computed ones (another unit's: 404)."""
    actor = require(request, "projects.view_project", READ)
    unit = basic_selectors.access_unit(actor=actor, organisation_id=organisation_id)
    fiscal_year = fiscal_year or timezone.localdate().year + 1  # the budget year prepared now
    sheet = basic_selectors.unit_sheet(actor=actor, organisation=unit, fiscal_year=fiscal_year)
    figures = []
    for category in ("1", "21"):
        override = sheet.overrides.get(category)
        project = sheet.projects.get(category)
        figures.append(
            {
                "category": category,
                "computed_fen": sheet.computed.get(category, 0),
                "override_fen": override.amount_fen if override else None,
                "override_reason": override.reason if override else "",
                "figure_fen": sheet.figure(category),
                "project_code": project.code if project else "",
                "project_state": project.state if project else "",
            }
        )
    return {
        "organisation_id": unit.pk,
        "fiscal_year": fiscal_year,
        "run_version": sheet.run.version if sheet.run else None,
        "snapshot_version": sheet.run.snapshot_version if sheet.run else None,
        "figures": figures,
        "lines": sheet.lines,
    }


@router.get("/projects-basic", response=list[BasicSummaryOut])
@paged(100)
def list_basic(request: HttpRequest, fiscal_year: int | None = None) -> Any:
    """Units × computed totals of the year's computation in force (the caller's units only)."""
    actor = require(request, "projects.view_project", READ)
    year = fiscal_year or timezone.localdate().year + 1
    run = basic_selectors.current_run(mof_div_code=actor.mof_div_code, fiscal_year=year)
    if run is None:
        return Rendered(Organisation.objects.none(), lambda unit: {})
    overrides = basic_selectors.overrides_in_force(mof_div_code=run.mof_div_code, fiscal_year=year)
    return Rendered(
        basic_selectors.summary_queryset(actor=actor, run=run).order_by("code"),
        lambda unit: {
            "organisation_id": unit.pk,
            "code": unit.code,
            "name": unit.name,
            "personnel_fen": unit.personnel,
            "public_fen": unit.public,
            "personnel_override_fen": overrides.get((unit.pk, "1")),
            "public_override_fen": overrides.get((unit.pk, "21")),
        },
    )


@router.post("/projects-basic", response=BasicRunOut)
def compute_basic(
    request: HttpRequest,
    response: HttpResponse,
    payload: BasicComputeIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Compute (or recompute) the region's basic expenditure of the year: idempotent (nothing
    changed → the version in force, no new one) and under an idempotency key."""

    def render(actor: Any) -> dict[str, Any]:
        outcome = basic_service.basic_compute(
            actor=actor, mof_div_code=actor.mof_div_code, fiscal_year=payload.fiscal_year
        )
        run = outcome.run
        return {
            "fiscal_year": run.fiscal_year,
            "version": run.version,
            "new_version": outcome.new_version,
            "snapshot_version": run.snapshot_version,
            "units": run.units,
            "personnel_fen": run.personnel_fen,
            "public_fen": run.public_fen,
            "projects_created": outcome.created,
            "projects_updated": outcome.updated,
            "projects_kept": outcome.kept,
            "changes": run.changes,
        }

    return write_once(
        request,
        response,
        permission="projects.compute_basic",
        api_scope=WRITE,
        key=idempotency_key,
        scope="api:projects.basic.compute",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )


@router.post("/projects-basic/{organisation_id}/override", response=BasicOverrideOut)
def override_basic(
    request: HttpRequest,
    response: HttpResponse,
    organisation_id: Id,
    payload: BasicOverrideIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Finance sets a unit's 人员类 or 公用经费 figure with a reason (null: withdraws it); the
    computed figure stays beside it (R-PJ-8)."""

    def render(actor: Any) -> dict[str, Any]:
        unit = basic_selectors.access_unit(actor=actor, organisation_id=organisation_id)
        amount = field_amount(payload.amount, "amount") if payload.amount is not None else None
        override = basic_service.basic_override(
            actor=actor,
            organisation=unit,
            fiscal_year=payload.fiscal_year,
            category=payload.category,
            amount=amount,
            reason=payload.reason,
        )
        return {
            "id": override.pk,
            "organisation_id": unit.pk,
            "fiscal_year": override.fiscal_year,
            "category": override.category,
            "amount_fen": override.amount_fen,
            "computed_fen": override.computed_fen,
            "reason": override.reason,
        }

    return write_once(
        request,
        response,
        permission="projects.override_basic",
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:projects.basic.override:{organisation_id}",
        body=payload.model_dump(mode="json"),
        status=200,
        render=render,
    )
