"""Basic expenditure by quota: compute, store, make the system projects, override (R-PJ-5, R-PJ-8;
DOMAIN-2 §3.3; ADR 0044).

``basic_compute`` reads the region's budget snapshot in force (R-PS-4) and the year's standards
(ADR 0039), computes every unit (``projects.basic``), stores the rows as a new version of the
computation when anything differs from the last one (otherwise the last one stands: the call is
idempotent), says what changed per unit and project, and makes or updates each unit's 人员类 and
公用经费 project (R-PJ-8: the system's, never declared or edited by hand) at the computed figure —
or at finance's override, which stays beside the computed one (``basic_override``).

A system project is made stored (入库) at once: it enters 一上 as computed. One that is already
budgeted (or further) is not touched: later changes reach the year as 追加/追减 of 人员类
indicators citing their change documents (R-PS-4); the run lists such projects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yusuan.audit.services import AuditEntry, audit_record, audit_records, snapshot
from yusuan.common.actor import Actor, ensure_in_scope, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, raise_if_any
from yusuan.common.money import Money
from yusuan.core.choices import CodeKind
from yusuan.core.models import FiscalYear, Organisation
from yusuan.core.selectors import standards_for
from yusuan.core.services.sequences import next_numbers
from yusuan.core.validation import ElementValue, element_errors
from yusuan.personnel.models import Establishment, SnapshotRow
from yusuan.personnel.selectors import snapshot_current
from yusuan.projects import basic, locks
from yusuan.projects.basic_models import BasicLine, BasicOverride, BasicRun
from yusuan.projects.basic_selectors import (
    CATEGORIES,
    LIVE_STATES,
    current_run,
    overrides_in_force,
)
from yusuan.projects.choices import (
    CATEGORY_NAMES,
    PERSONNEL,
    PUBLIC_FUNDS,
    ProjectKind,
    ProjectState,
)
from yusuan.projects.models import Project, ProjectPlan
from yusuan.projects.services import AUDITED, project_code

RULE = "R-PJ-8"
FUND_TYPE = "111"  # 一般公共预算资金: basic expenditure is funded from the general budget
PROJECT_NAMES = {PERSONNEL: "人员经费", PUBLIC_FUNDS: "日常公用经费"}
# Where a computed project may still move with the computation: once budgeted it may not (R-PS-4).
FOLLOWS = frozenset({ProjectState.DRAFT, ProjectState.STORED})
BATCH = 2000
IN_BATCH = 500


@dataclass
class Outcome:
    """What a compute call did."""

    run: BasicRun
    new_version: bool
    created: int = 0
    updated: int = 0
    kept: list[str] = field(default_factory=list)  # budgeted projects left as they are


def _people(snapshot_id: int) -> dict[int, list[basic.Person]]:
    people: dict[int, list[basic.Person]] = defaultdict(list)
    rows = SnapshotRow.objects.filter(snapshot_id=snapshot_id).values_list(
        "pk",
        "organisation_id",
        "name",
        "state",
        "status",
        "establishment",
        "items",
        "pension_base",
        "medical_base",
        "housing_base",
    )
    for pk, org, name, state, status, establishment, items, pension, medical, housing in rows:
        people[org].append(
            basic.Person(
                pk,
                name,
                state,
                status,
                establishment,
                {str(k): int(v) for k, v in items.items()},
                pension,
                medical,
                housing,
            )
        )
    return people


def _establishments(mof_div_code: str, fiscal_year: int) -> dict[int, Establishment]:
    """Each unit's latest 编制 record up to the budget year."""
    found: dict[int, Establishment] = {}
    for record in Establishment.objects.filter(
        mof_div_code=mof_div_code, fiscal_year__lte=fiscal_year
    ).order_by("organisation_id", "fiscal_year"):
        found[record.organisation_id] = record
    return found


def as_unit(organisation: Organisation, record: Establishment | None) -> basic.Unit:
    if record is None:
        return basic.Unit(organisation.pk, organisation.agency_type, "")
    return basic.Unit(
        organisation.pk,
        organisation.agency_type,
        record.functional_code,
        record.administrative + record.institution + record.worker,
        record.vehicles,
    )


def compute_region(
    *, mof_div_code: str, fiscal_year: int, snapshot_id: int, rates: Mapping[str, int]
) -> list[basic.UnitResult]:
    """Every unit of the region with people in the snapshot or a 编制 record."""
    people = _people(snapshot_id)
    records = _establishments(mof_div_code, fiscal_year)
    wanted = set(people) | set(records)
    units = Organisation.objects.filter(mof_div_code=mof_div_code, pk__in=wanted).agencies()
    results = []
    for organisation in units.order_by("code"):
        unit = as_unit(organisation, records.get(organisation.pk))
        result = basic.compute_unit(unit, people.get(organisation.pk, ()), rates)
        if result.lines:
            results.append(result)
    return results


def _signature(lines: Sequence[BasicLine]) -> list[tuple[Any, ...]]:
    return [
        (
            line.organisation_id,
            line.category,
            line.position,
            line.economic_code,
            line.functional_code,
            line.status,
            line.label,
            line.headcount,
            line.standard_fen,
            line.multiplier,
            line.rate_bp,
            line.amount_fen,
        )
        for line in lines
    ]


def _rows(run: BasicRun, results: Sequence[basic.UnitResult]) -> list[BasicLine]:
    rows = []
    for result in results:
        position: dict[str, int] = defaultdict(int)
        for line in result.lines:
            position[line.category] += 1
            rows.append(
                BasicLine(
                    mof_div_code=run.mof_div_code,
                    fiscal_year=run.fiscal_year,
                    run=run,
                    organisation_id=result.unit.organisation_id,
                    category=line.category,
                    position=position[line.category],
                    economic_code=line.economic_code,
                    functional_code=line.functional_code,
                    status=line.status,
                    label=line.label,
                    headcount=line.headcount,
                    standard_fen=line.standard,
                    multiplier=line.multiplier,
                    rate_bp=line.rate_bp,
                    amount_fen=line.amount,
                    basis=line.basis,
                )
            )
    return rows


def totals_of(lines: Sequence[BasicLine]) -> dict[tuple[int, str], int]:
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for line in lines:
        totals[(line.organisation_id, line.category)] += line.amount_fen
    return dict(totals)


def _changes(
    before: Mapping[tuple[int, str], int], after: Mapping[tuple[int, str], int]
) -> list[dict[str, object]]:
    return [
        {
            "organisation_id": org,
            "category": category,
            "before": before.get((org, category), 0),
            "after": after.get((org, category), 0),
        }
        for org, category in sorted(set(before) | set(after))
        if before.get((org, category), 0) != after.get((org, category), 0)
    ]


def declared_in(mof_div_code: str, budget_year: int) -> int:
    """The year whose code set the system projects are made in: the budget year once it is
    opened, else the latest year opened before it. 一上 for year Y is prepared during Y − 1,
    before Y's code set exists; the projects then carry Y − 1's code year and Y's years, as a
    unit's own declarations for Y do (ADR 0040)."""
    opened = (
        FiscalYear.objects.filter(mof_div_code=mof_div_code, year__lte=budget_year)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return opened or budget_year


def _not_open(mof_div_code: str, fiscal_year: int) -> None:
    raise_if_any(
        element_errors(
            mof_div_code=mof_div_code,
            fiscal_year=declared_in(mof_div_code, fiscal_year),
            elements=[
                ElementValue("category", CodeKind.PROJECT_CATEGORY, PERSONNEL),
                ElementValue("category", CodeKind.PROJECT_CATEGORY, PUBLIC_FUNDS),
                ElementValue("fund_type", CodeKind.FUND_TYPE, FUND_TYPE),
            ],
        )
    )


def basic_compute(*, actor: Actor, mof_div_code: str, fiscal_year: int) -> Outcome:
    """Compute (or recompute) every unit's basic expenditure of the budget year."""
    ensure_permission(actor, "projects.compute_basic")
    ensure_in_scope(actor, mof_div_code=mof_div_code, organisation_id=None)
    with transaction.atomic():
        earlier = list(
            locks.basic_run_qs_select_for_update().filter(
                mof_div_code=mof_div_code, fiscal_year=fiscal_year
            )
        )
        previous = earlier[0] if earlier else None
        taken = snapshot_current(mof_div_code=mof_div_code, fiscal_year=fiscal_year)
        if taken is None:
            raise BusinessRuleError.single(
                code="projects.basic_no_snapshot",
                rule="R-PS-4",
                field="fiscal_year",
                value=fiscal_year,
                message_zh=f"{fiscal_year} 年度尚未生成人员库预算快照，不能测算基本支出",
                message_en=f"no personnel snapshot for {fiscal_year} yet: take it first",
                status=409,
            )
        _not_open(mof_div_code, fiscal_year)
        rates = dict(standards_for(mof_div_code=mof_div_code, fiscal_year=fiscal_year))
        results = compute_region(
            mof_div_code=mof_div_code, fiscal_year=fiscal_year, snapshot_id=taken.pk, rates=rates
        )
        run = BasicRun(
            mof_div_code=mof_div_code,
            fiscal_year=fiscal_year,
            version=(previous.version + 1) if previous else 1,
            snapshot=taken,
            snapshot_version=taken.version,
            standards=rates,
            inputs={
                str(r.unit.organisation_id): [
                    r.unit.agency_type,
                    r.unit.functional_code,
                    r.unit.approved,
                    r.unit.vehicles,
                ]
                for r in results
            },
            units=len(results),
            personnel_fen=sum(r.total(basic.PERSONNEL) for r in results),
            public_fen=sum(r.total(basic.PUBLIC) for r in results),
            computed_by_id=actor.pk,
        )
        rows = _rows(run, results)
        before: dict[tuple[int, str], int] = {}
        if previous is not None:
            old = list(BasicLine.objects.filter(run=previous).order_by("organisation_id", "pk"))
            same = (
                previous.snapshot_id == taken.pk
                and previous.standards == rates
                and previous.inputs == run.inputs
                and sorted(_signature(old)) == sorted(_signature(rows))
            )
            if same:
                outcome = Outcome(previous, False)
                _sync_projects(actor, previous, totals_of(old), outcome)
                return outcome
            before = totals_of(old)
        after = totals_of(rows)
        run.changes = _changes(before, after)
        try:
            with transaction.atomic():
                run.save(force_insert=True)
        except IntegrityError as exc:
            raise BusinessRuleError.single(
                code="projects.basic_computed_meanwhile",
                rule=basic.RULE,
                field="fiscal_year",
                value=fiscal_year,
                message_zh="基本支出刚由他人测算，请刷新后再试",
                message_en="someone computed this year's basic expenditure meanwhile; reload",
                status=409,
            ) from exc
        BasicLine.objects.bulk_create(rows, batch_size=BATCH)
        outcome = Outcome(run, True)
        _sync_projects(actor, run, after, outcome)
        audit_record(
            action="projects.basic.compute",
            actor=actor,
            obj=run,
            changes={"version": [previous.version if previous else None, run.version]},
            extra={
                "snapshot_version": taken.version,
                "units": run.units,
                "personnel": run.personnel_fen,
                "public": run.public_fen,
                "changed": len(run.changes),
                "projects_created": outcome.created,
                "projects_updated": outcome.updated,
                "projects_kept": outcome.kept[:50],
            },
        )
    return outcome


def _system_projects(mof_div_code: str, fiscal_year: int) -> dict[tuple[int, str], Project]:
    found: dict[tuple[int, str], Project] = {}
    for project in locks.project_qs_select_for_update().filter(
        mof_div_code=mof_div_code,
        start_year=fiscal_year,  # the budget year; made in the code year before it (declared_in)
        end_year=fiscal_year,
        category__in=CATEGORIES,
        state__in=LIVE_STATES,
    ):
        found.setdefault((project.organisation_id, project.category), project)
    return found


def _sync_projects(
    actor: Actor, run: BasicRun, totals: Mapping[tuple[int, str], int], outcome: Outcome
) -> None:
    """Make or move each unit's 人员类 and 公用经费 project to its figure (override first)."""
    overrides = overrides_in_force(mof_div_code=run.mof_div_code, fiscal_year=run.fiscal_year)
    existing = _system_projects(run.mof_div_code, run.fiscal_year)
    wanted = {key: overrides.get(key, fen) for key, fen in totals.items()}
    missing = [key for key, fen in sorted(wanted.items()) if fen > 0 and key not in existing]
    if missing:
        outcome.created = _create(actor, run, missing, wanted)
    moves: list[tuple[Project, int, str]] = []
    for key, project in existing.items():
        fen = wanted.get(key, 0)
        if fen <= 0 or fen == project.total_amount_fen:
            continue
        if project.state not in FOLLOWS:
            outcome.kept.append(project.code)
            continue
        moves.append((project, fen, "computed" if key not in overrides else "override"))
    _move(actor, moves, run)
    outcome.updated = len(moves)


def _create(
    actor: Actor, run: BasicRun, missing: Sequence[tuple[int, str]], wanted: Mapping[Any, int]
) -> int:
    units = Organisation.objects.in_bulk({org for org, _ in missing})
    numbers = next_numbers(
        mof_div_code=run.mof_div_code,
        fiscal_year=declared_in(run.mof_div_code, run.fiscal_year),
        series="project",
        count=len(missing),
    )
    today = timezone.localdate()
    code_year = declared_in(run.mof_div_code, run.fiscal_year)
    projects = []
    for (org, category), sequence in zip(missing, numbers, strict=True):
        unit = units[org]
        projects.append(
            Project(
                mof_div_code=run.mof_div_code,
                fiscal_year=code_year,
                code=project_code(run.mof_div_code, code_year, sequence),
                name=f"{unit.short_name or unit.name}{run.fiscal_year}年{PROJECT_NAMES[category]}",
                organisation=unit,
                category=category,
                kind=ProjectKind.CONTINUING,
                start_year=run.fiscal_year,
                end_year=run.fiscal_year,
                total_amount_fen=wanted[(org, category)],
                fund_type=FUND_TYPE,
                basis=f"R-PJ-8：按人员库预算快照第 {run.snapshot_version} 版和定员定额标准测算"
                f"（测算第 {run.version} 版）",
                state=ProjectState.STORED,
                stored_on=today,
                created_by_id=actor.pk,
            )
        )
    Project.objects.bulk_create(projects, batch_size=BATCH)
    ProjectPlan.objects.bulk_create(
        (
            ProjectPlan(
                project=p, year=run.fiscal_year, fund_type=FUND_TYPE, amount_fen=p.total_amount_fen
            )
            for p in projects
        ),
        batch_size=BATCH,
    )
    audit_records(
        action="projects.create",
        actor=actor,
        entries=[
            AuditEntry(
                project,
                changes={k: [None, v] for k, v in snapshot(project, AUDITED).items()},
                extra={"by": RULE, "run": run.version, "system": True},
            )
            for project in projects
        ],
    )
    return len(projects)


def _move(actor: Actor, moves: Sequence[tuple[Project, int, str]], run: BasicRun) -> None:
    """Set each project's total and one-year plan to its new figure (``why``: computed or
    override), in one statement per table, each project with its audit record."""
    if not moves:
        return
    now = timezone.now()
    entries = []
    for project, fen, why in moves:
        entries.append(
            AuditEntry(
                project,
                changes={"total_amount_fen": [project.total_amount_fen, fen]},
                extra={"by": RULE, "run": run.version, "source": why},
            )
        )
        project.total_amount_fen = fen
        project.updated_at = now  # bulk_update does not stamp auto_now fields
    projects = [project for project, _fen, _why in moves]
    Project.objects.bulk_update(projects, ["total_amount_fen", "updated_at"], batch_size=BATCH)
    for start in range(0, len(projects), IN_BATCH):  # SQLite caps a statement's parameters
        ProjectPlan.objects.filter(project__in=projects[start : start + IN_BATCH]).delete()
    ProjectPlan.objects.bulk_create(
        (
            ProjectPlan(
                project=p,
                year=run.fiscal_year,
                fund_type=p.fund_type,
                amount_fen=p.total_amount_fen,
            )
            for p in projects
        ),
        batch_size=BATCH,
    )
    audit_records(action="projects.basic.update", actor=actor, entries=entries)


# --- finance's override ----------------------------------------------------------------------


def basic_override(
    *,
    actor: Actor,
    organisation: Organisation,
    fiscal_year: int,
    category: str,
    amount: Money | None,
    reason: str,
) -> BasicOverride:
    """Finance sets (or, with ``amount=None``, withdraws) the figure of a unit's 人员类 or 公用经费
    project, with a reason; the computed figure stays and is shown beside it (R-PJ-8)."""
    ensure_permission(actor, "projects.override_basic")
    ensure_in_scope(actor, mof_div_code=organisation.mof_div_code, organisation_id=organisation.pk)
    errors: list[ErrorDetail] = []
    if category not in CATEGORIES:
        errors.append(
            ErrorDetail(
                code="projects.basic_override_category",
                rule=RULE,
                field="category",
                value=category,
                limit=list(CATEGORIES),
                message_zh="只能调整人员类（1）和公用经费（21）项目的测算数",
                message_en="only 人员类 (1) and 公用经费 (21) figures are overridden here",
            )
        )
    if not reason.strip():
        errors.append(
            ErrorDetail(
                code="projects.basic_override_reason",
                rule=RULE,
                field="reason",
                message_zh="调整测算数须说明理由",
                message_en="give the reason for overriding the computed figure",
            )
        )
    if amount is not None and amount.fen <= 0:
        errors.append(
            ErrorDetail(
                code="projects.amount_not_positive",
                rule=RULE,
                field="amount",
                value=amount.format(),
                limit="> 0",
                message_zh=f"调整后金额必须大于 0（当前 {amount.format()} 元）",
                message_en=f"the amount must be above 0 (got {amount.format()})",
            )
        )
    raise_if_any(errors)
    with transaction.atomic():
        run = current_run(mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year)
        if run is None:
            raise BusinessRuleError.single(
                code="projects.basic_not_computed",
                rule=basic.RULE,
                field="fiscal_year",
                value=fiscal_year,
                message_zh=f"{fiscal_year} 年度基本支出尚未测算",
                message_en=f"basic expenditure of {fiscal_year} is not computed yet",
                status=409,
            )
        existing = _system_projects(organisation.mof_div_code, fiscal_year)
        computed = sum(
            BasicLine.objects.filter(
                run=run, organisation=organisation, category=category
            ).values_list("amount_fen", flat=True)
        )
        earlier = overrides_in_force(
            mof_div_code=organisation.mof_div_code, fiscal_year=fiscal_year
        )
        before = earlier.get((organisation.pk, category))
        project = existing.get((organisation.pk, category))
        if project is not None and project.state not in FOLLOWS:
            raise BusinessRuleError.single(
                code="projects.basic_already_budgeted",
                rule="R-PS-4",
                field="category",
                value=project.code,
                message_zh=f"项目 {project.code} 已编入预算：此后的变化通过人员类指标追加/追减办理",
                message_en=f"project {project.code} is budgeted: later changes are 追加/追减 of "
                "its indicators",
                status=409,
            )
        override = BasicOverride.objects.create(
            mof_div_code=organisation.mof_div_code,
            fiscal_year=fiscal_year,
            organisation=organisation,
            category=category,
            amount_fen=amount.fen if amount is not None else None,
            computed_fen=computed,
            run=run,
            reason=reason.strip(),
            created_by_id=actor.pk,
        )
        figure = amount.fen if amount is not None else computed
        if project is not None and figure > 0 and figure != project.total_amount_fen:
            _move(actor, [(project, figure, "override")], run)
        elif project is None and figure > 0:
            _create(
                actor, run, [(organisation.pk, category)], {(organisation.pk, category): figure}
            )
        audit_record(
            action="projects.basic.override",
            actor=actor,
            obj=override,
            changes={"amount_fen": [before, override.amount_fen]},
            extra={
                "computed": computed,
                "category": CATEGORY_NAMES.get(category, category),
                "reason": override.reason,
                "run": run.version,
            },
        )
    return override
