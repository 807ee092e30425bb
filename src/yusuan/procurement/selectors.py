"""Reads of the procurement module, each scoped to the actor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet, Sum

from yusuan.budgeting.models import GeneratedIndicator
from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.core.choices import CodeKind
from yusuan.core.models import ClassificationCode, Region
from yusuan.core.selectors import standards_for
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.procurement.choices import (
    PLAN_HOLDING_STATES,
    PLAN_OPEN_STATES,
    PUBLIC_INTENTION_STATES,
    ChangeKind,
    ChangeState,
    ContractState,
    IntentionState,
)
from yusuan.procurement.models import (
    CatalogueItem,
    Contract,
    ContractInstalment,
    ContractLine,
    ProcurementAward,
    ProcurementChange,
    ProcurementIntention,
    ProcurementPlan,
    ProcurementPlanLine,
)
from yusuan.procurement.rules import Limits, Scope, TenderThresholds, procurement_scope
from yusuan.workflow.calendar import LOCAL, due_after
from yusuan.workflow.routing import calendar_overrides


def contracts(*, actor: Actor, organisation_id: int) -> list[Contract]:
    return list(
        Contract.objects.visible_to(actor)
        .filter(organisation_id=organisation_id)
        .select_related("supplier")
        .order_by("-filed_on")
    )


def open_instalments(*, actor: Actor, organisation_id: int) -> list[ContractInstalment]:
    """The payment-schedule nodes of the unit's filed contracts a request may pay (R-GP-10)."""
    return list(
        ContractInstalment.objects.filter(
            contract__in=Contract.objects.visible_to(actor).filter(
                organisation_id=organisation_id, state=ContractState.FILED
            )
        )
        .select_related("contract")
        .order_by("contract__number", "row")
    )


def contract_instalments(contract: Contract) -> list[ContractInstalment]:
    """R-GP-10: a contract's schedule with each node's acceptances (the contract was read
    scoped)."""
    return list(contract.instalments.prefetch_related("acceptances__recorded_by").order_by("row"))


def contract_list(*, actor: Actor) -> QuerySet[Contract]:
    return (
        Contract.objects.visible_to(actor)
        .select_related("organisation", "supplier", "plan", "award")
        .prefetch_related(
            "indicator_lines", "lines__indicator_line", "instalments__acceptances__recorded_by"
        )
        .order_by("-filed_on", "-pk")
    )


def contract_get(*, actor: Actor, contract_id: int) -> Contract:
    found = contract_list(actor=actor).filter(pk=contract_id).first()
    if found is None:
        raise NotFoundError("contract")
    return found


def procurement_lines(*, actor: Actor, organisation_id: int) -> list[IndicatorLine]:
    """The unit's executable procurement lines a contract may be paid from."""
    return list(
        IndicatorLine.objects.visible_to(actor)
        .filter(
            organisation_id=organisation_id,
            is_gov_pur=True,
            kind=LineKind.EXECUTABLE,
        )
        .order_by("-fiscal_year", "code")
    )


def contract_lines(contract: Contract) -> list[ContractLine]:
    """R-GP-9: a contract's lines with what each reserved, what payments consumed and what is
    left (as the contract detail page and the API show them); the contract was read scoped."""
    return sorted(contract.lines.all(), key=lambda line: line.row)


@dataclass(frozen=True)
class ReservationDifference:
    line_code: str
    reserved: int  # the ledger's bucket
    held: int  # Σ what the open contracts and plans on the line still hold


def _held(rows: QuerySet[Any]) -> dict[int, int]:
    return {
        pk: int(n or 0)
        for pk, n in rows.values("indicator_line_id")
        .annotate(n=Sum(F("amount") - F("consumed") - F("released")))
        .values_list("indicator_line_id", "n")
    }


def reservation_differences(*, mof_div_code: str | None = None) -> list[ReservationDifference]:
    """R-GP-9, ADR 0052 reconciled: every indicator line's ``reserved`` bucket equals what the
    contracts on it still hold (amount − consumed − released; a closed one holds nothing) plus
    what the plans holding money on it still hold (the same, for submitted, filed and executing
    plans; a contract under a plan took its share from the plan's ``consumed``). Empty when
    consistent."""
    contracts_held = _held(ContractLine.objects.all())
    open_contracts = _held(ContractLine.objects.filter(contract__state=ContractState.FILED))
    plans_held = _held(ProcurementPlanLine.objects.filter(plan__state__in=PLAN_HOLDING_STATES))
    lines = IndicatorLine.objects.filter(kind=LineKind.EXECUTABLE)
    if mof_div_code:
        lines = lines.filter(mof_div_code=mof_div_code)
    differences = []
    for pk, code, reserved in lines.values_list("pk", "code", "reserved"):
        expected = open_contracts.get(pk, 0) + plans_held.get(pk, 0)
        if reserved != expected or contracts_held.get(pk, 0) != open_contracts.get(pk, 0):
            differences.append(ReservationDifference(code, reserved, expected))
    return differences


# --- 采购意向 (R-GP-1, R-GP-7) ---------------------------------------------------------------


def _listed(
    found: QuerySet[Any], *, state: str, search: str, fiscal_year: int | None, title: str
) -> QuerySet[Any]:
    """A unit document list filtered by state, year and by number, ``title``, unit name or code;
    newest first."""
    if state:
        found = found.filter(state=state)
    if fiscal_year:
        found = found.filter(fiscal_year=fiscal_year)
    if search:
        found = found.filter(
            Q(number__icontains=search)
            | Q(**{f"{title}__icontains": search})
            | Q(organisation__name__icontains=search)
            | Q(organisation__code__startswith=search)
        )
    return found.order_by("-created_at", "-pk")


def intention_list(
    *, actor: Actor, state: str = "", search: str = "", fiscal_year: int | None = None
) -> QuerySet[ProcurementIntention]:
    """The intentions of the actor's units, filtered by state and by number, project or unit."""
    return _listed(
        ProcurementIntention.objects.visible_to(actor).select_related("organisation"),
        state=state,
        search=search,
        fiscal_year=fiscal_year,
        title="project_name",
    )


def intention_get(*, actor: Actor, intention_id: int) -> ProcurementIntention:
    found = (
        ProcurementIntention.objects.visible_to(actor)
        .select_related("organisation", "indicator_line", "created_by")
        .filter(pk=intention_id)
        .first()
    )
    if found is None:
        raise NotFoundError("procurement intention")
    return found


def public_intentions(
    *, mof_div_code: str = "", search: str = "", month: dt.date | None = None
) -> QuerySet[ProcurementIntention]:
    """意向公开: what anyone may read, without signing in — published intentions (changed or
    withdrawn ones too, marked so), never drafts; only the published fields."""
    found = ProcurementIntention.objects.filter(state__in=PUBLIC_INTENTION_STATES).select_related(
        "organisation"
    )
    if mof_div_code:
        found = found.filter(mof_div_code=mof_div_code)
    if month:
        found = found.filter(expected_month=month.replace(day=1))
    if search:
        found = found.filter(
            Q(project_name__icontains=search) | Q(organisation__name__icontains=search)
        )
    return found.order_by("expected_month", "organisation__code", "pk")


def pur_item_known(
    *, mof_div_code: str, fiscal_year: int, code: str, enabled_only: bool = False
) -> bool:
    """Whether the region's 政府采购品目 of the year has ``code`` (enabled, if asked)."""
    found = ClassificationCode.objects.filter(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year, kind=CodeKind.PUR_ITEM, code=code
    )
    return (found.filter(is_enabled=True) if enabled_only else found).exists()


def pur_items(*, mof_div_code: str, fiscal_year: int) -> list[tuple[str, str]]:
    """The region's 政府采购品目 of the year, (code, name), for the entry form."""
    return list(
        ClassificationCode.objects.filter(
            mof_div_code=mof_div_code,
            fiscal_year=fiscal_year,
            kind=CodeKind.PUR_ITEM,
            is_enabled=True,
        )
        .order_by("code")
        .values_list("code", "name")
    )


def public_regions() -> list[tuple[str, str]]:
    """(code, name) of the regions with something published, for the public page's filter."""
    codes = (
        ProcurementIntention.objects.filter(state__in=PUBLIC_INTENTION_STATES)
        .order_by()
        .values("mof_div_code")
        .distinct()
    )
    return list(
        Region.objects.filter(mof_div_code__in=codes)
        .order_by("mof_div_code")
        .values_list("mof_div_code", "name")
    )


# --- 集中采购目录 and 限额标准 (R-GP-11) ----------------------------------------------------------


def catalogue_items(*, mof_div_code: str, fiscal_year: int) -> QuerySet[CatalogueItem]:
    return CatalogueItem.objects.filter(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year
    ).order_by("pur_item_code")


def catalogue(*, mof_div_code: str, fiscal_year: int) -> dict[str, str]:
    """The region's 集中采购目录 of the year: 品目 (prefix) → organisation form."""
    return dict(
        catalogue_items(mof_div_code=mof_div_code, fiscal_year=fiscal_year).values_list(
            "pur_item_code", "org_form"
        )
    )


def limits(*, mof_div_code: str, fiscal_year: int, on: dt.date | None = None) -> Limits:
    """The region's 限额标准 in force on ``on`` (ADR 0052: the goods-and-services figure is
    R-BP-5's ``budget.procurement_threshold``)."""
    values = standards_for(mof_div_code=mof_div_code, fiscal_year=fiscal_year, on=on)
    return Limits(
        goods_services=values["budget.procurement_threshold"],
        works=values["procurement.limit_works"],
    )


def scope_of(
    *,
    mof_div_code: str,
    fiscal_year: int,
    pur_item_code: str,
    amount_fen: int,
    on: dt.date | None = None,
) -> Scope:
    """R-GP-11 for one purchase of the region's year."""
    return procurement_scope(
        catalogue=catalogue(mof_div_code=mof_div_code, fiscal_year=fiscal_year),
        pur_item_code=pur_item_code,
        amount_fen=amount_fen,
        limits=limits(mof_div_code=mof_div_code, fiscal_year=fiscal_year, on=on),
    )


def tender_thresholds(
    *, mof_div_code: str, fiscal_year: int, on: dt.date | None = None
) -> TenderThresholds:
    """The region's 公开招标数额标准 in force on ``on`` (R-GP-8)."""
    values = standards_for(mof_div_code=mof_div_code, fiscal_year=fiscal_year, on=on)
    return TenderThresholds(
        goods_services=values["procurement.tender_goods_services"],
        works=values["procurement.tender_works"],
    )


# --- 采购实施计划 (R-GP-2, R-GP-7, R-GP-8) -------------------------------------------------------


def budget_pur_items(line_ids: list[int]) -> dict[int, str]:
    """R-GP-2: the 品目 each indicator line's procurement budget was approved for — that of the
    budget line the 批复 generated it from (R-BP-5, R-BP-12), or of its nearest source line
    (a line allocated from a department's line). Lines issued otherwise have none."""
    found: dict[int, str] = {}
    at = {pk: pk for pk in line_ids}  # asked line → the line looked at (it, then its sources)
    for _depth in range(6):  # regions allocate a few levels down at most
        if not at:
            break
        looked = set(at.values())
        items = dict(
            GeneratedIndicator.objects.filter(indicator_id__in=looked)
            .exclude(line__pur_item="")
            .values_list("indicator_id", "line__pur_item")
        )
        parents = dict(IndicatorLine.objects.filter(pk__in=looked).values_list("pk", "parent_id"))
        up: dict[int, int] = {}
        for asked, pk in at.items():
            if pk in items:
                found[asked] = items[pk].strip().upper()
            elif parents.get(pk):
                up[asked] = parents[pk]
        at = up
    return found


def plan_list(
    *, actor: Actor, state: str = "", search: str = "", fiscal_year: int | None = None
) -> QuerySet[ProcurementPlan]:
    """The plans of the actor's units, filtered by state and by number, project or unit."""
    return _listed(
        ProcurementPlan.objects.visible_to(actor)
        .select_related("organisation")
        .prefetch_related("lines__indicator_line", "contracts"),
        state=state,
        search=search,
        fiscal_year=fiscal_year,
        title="title",
    )


def plan_get(*, actor: Actor, plan_id: int) -> ProcurementPlan:
    found = (
        ProcurementPlan.objects.visible_to(actor)
        .select_related("organisation", "intention", "created_by")
        .prefetch_related("lines__indicator_line", "contracts__supplier")
        .filter(pk=plan_id)
        .first()
    )
    if found is None:
        raise NotFoundError("procurement plan")
    return found


def plan_lines(plan: ProcurementPlan) -> list[ProcurementPlanLine]:
    """A plan's lines with what each reserves, what its contracts took and what is left (the
    plan was read scoped)."""
    if "lines" in getattr(plan, "_prefetched_objects_cache", {}):  # plan_list, plan_get
        return sorted(plan.lines.all(), key=lambda line: line.row)
    return list(plan.lines.select_related("indicator_line").order_by("row"))


def plan_contracts(plan: ProcurementPlan) -> list[Contract]:
    if "contracts" in getattr(plan, "_prefetched_objects_cache", {}):
        return sorted(plan.contracts.all(), key=lambda c: (c.filed_on, c.pk))
    return list(plan.contracts.select_related("supplier").order_by("filed_on", "pk"))


def open_plans(*, actor: Actor, organisation_id: int, fiscal_year: int) -> list[ProcurementPlan]:
    """The unit's filed or executing plans a contract may be filed under."""
    return list(
        ProcurementPlan.objects.visible_to(actor)
        .filter(
            organisation_id=organisation_id,
            fiscal_year=fiscal_year,
            state__in=PLAN_OPEN_STATES,
        )
        .order_by("number")
    )


def citable_intentions(
    *, actor: Actor, organisation_id: int, fiscal_year: int
) -> list[ProcurementIntention]:
    """The unit's published (or changed) intentions of the year a plan may cite (R-GP-7)."""
    return list(
        ProcurementIntention.objects.visible_to(actor)
        .filter(
            organisation_id=organisation_id,
            fiscal_year=fiscal_year,
            state__in=[IntentionState.PUBLISHED, IntentionState.CHANGED],
        )
        .order_by("number")
    )


def changes_of(
    *, plan: ProcurementPlan | None = None, contract: Contract | None = None
) -> list[ProcurementChange]:
    """The method changes of a plan or the supplementary contracts of a contract, oldest first
    (a document page's list; the viewer already sees the plan or contract)."""
    found = ProcurementChange.objects.select_related("indicator_line")
    found = found.filter(plan=plan) if plan is not None else found.filter(contract=contract)
    return list(found.order_by("pk"))


# R-GP-3b: Σ supplementary contracts ≤ 10 % of the original contract (政府采购法 art. 49).
SUPPLEMENT_PERCENT = 10


def supplement_room(contract: Contract) -> tuple[int, int, int]:
    """(original amount, Σ approved supplements, the cap) of a contract: the cap is 10 % of the
    original (R-GP-3b), the original what the contract was filed for."""
    approved = (
        ProcurementChange.objects.filter(
            contract=contract, kind=ChangeKind.SUPPLEMENT, state=ChangeState.APPROVED
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )
    original = contract.amount - approved
    return original, approved, original * SUPPLEMENT_PERCENT // 100


def change_permission(kind: str) -> str:
    """Who may enter and submit a change of ``kind``: whoever edits plans (a method) or
    contracts (a supplement)."""
    if kind == ChangeKind.METHOD:
        return "procurement.change_procurementplan"
    return "procurement.change_contract"


def change_get(*, actor: Actor, change_id: int) -> ProcurementChange:
    found = (
        ProcurementChange.objects.visible_to(actor)
        .select_related("organisation", "plan", "contract", "indicator_line", "created_by")
        .filter(pk=change_id)
        .first()
    )
    if found is None:
        raise NotFoundError("procurement change")
    return found


def plan_awards(plan: ProcurementPlan) -> list[ProcurementAward]:
    return list(plan.awards.select_related("supplier").order_by("noticed_on", "pk"))


def open_awards(*, actor: Actor, organisation_id: int) -> list[ProcurementAward]:
    """The unit's awards no contract was signed on yet (the contract form's choices)."""
    return list(
        ProcurementAward.objects.visible_to(actor)
        .filter(organisation_id=organisation_id, contracts__isnull=True)
        .select_related("plan", "supplier")
        .order_by("plan__number", "pk")
    )


@dataclass(frozen=True)
class Deadline:
    """R-GP-3: one of a contract's legal deadlines, when it fell due and when it was met."""

    what_zh: str
    what_en: str
    due: dt.date
    done: dt.date | None

    @property
    def late(self) -> bool:
        return self.done is None or self.done > self.due


def contract_deadlines(
    contract: Contract, overrides: Mapping[dt.date, bool] | None = None
) -> list[Deadline]:
    """R-GP-3 [S]: signed within 30 days of the award notice (法 art. 46), published within 2
    working days of signing (条例 art. 50), filed within 7 working days of signing (法 art. 47).
    Tracked and shown, not refused (DOMAIN §3.8: warn on breach)."""
    found: list[Deadline] = []
    if contract.award is not None:
        found.append(
            Deadline(
                "中标（成交）通知书发出后 30 日内签订合同",
                "signed within 30 days of the award notice",
                contract.award.noticed_on + dt.timedelta(days=30),
                contract.signed_on,
            )
        )
    signed = contract.signed_on
    if signed is not None:
        days_off = calendar_overrides() if overrides is None else overrides
        start = dt.datetime.combine(signed, dt.time(12), tzinfo=LOCAL)
        for days, zh, en, done in (
            (
                2,
                "签订后 2 个工作日内公告",
                "published within 2 working days",
                contract.published_on,
            ),
            (7, "签订后 7 个工作日内备案", "filed within 7 working days", contract.filed_on),
        ):
            due = due_after(start, days, days_off)[0].astimezone(LOCAL).date()
            found.append(Deadline(zh, en, due, done))
    return found
