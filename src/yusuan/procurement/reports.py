"""Procurement reports (R-GP-12, R-GP-6; DOMAIN-2 §6.3): what the procurement budget became,
by unit and by method; the SME share of what was awarded; instalments owed to SMEs past (or
near) their 30-day term. Reads only, each scoped to the actor; figures in fen.

Where the figures come from (ADR 0052):
- budget: the procurement lines' total (executable, 政府采购, of the year);
- planned: what plans hold or held (submitted to closed: amount − released);
- contracted: what contracts hold or held (amount − released);
- committed: what contracts' payments took (frozen in flight or paid);
- paid: the procurement lines' ``paid`` bucket (the ledger; every payment on such a line cites a
  contract, R-PY-3).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Sum

from yusuan.common.actor import Actor
from yusuan.common.report_tables import ReportTable, Row, Section
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.procurement.choices import AcceptanceResult, PlanState, PurMethod
from yusuan.procurement.models import (
    Contract,
    ContractAcceptance,
    ContractLine,
    ProcurementAward,
    ProcurementPlan,
    ProcurementPlanLine,
)
from yusuan.procurement.selectors import contract_deadlines
from yusuan.workflow.routing import calendar_overrides

# Plans that hold or held money; drafts, rejected and cancelled ones never bought anything.
COUNTED_PLANS = (PlanState.SUBMITTED, PlanState.FILED, PlanState.EXECUTING, PlanState.CLOSED)
PAYMENT_TERM_DAYS = (
    30  # R-GP-6: 《保障中小企业款项支付条例》, from acceptance where it is the condition
)
WARN_DAYS = 5  # R-GP-6: warn this many days before the term ends


@dataclass
class ExecutionRow:
    key: str  # organisation code, or method
    name: str
    budget: int = 0
    planned: int = 0
    contracted: int = 0
    committed: int = 0
    paid: int = 0

    @property
    def left(self) -> int:
        return self.budget - self.paid

    @property
    def rate(self) -> str:
        """Paid ÷ budget, one decimal (DOMAIN §6.1's execution rate), "—" without a budget."""
        if self.budget <= 0:
            return "—"
        return f"{self.paid * 1000 // self.budget / 10:.1f}%"


@dataclass
class Execution:
    fiscal_year: int
    by_unit: list[ExecutionRow] = field(default_factory=list)
    by_method: list[ExecutionRow] = field(default_factory=list)
    total: ExecutionRow = field(default_factory=lambda: ExecutionRow("", ""))


def execution(*, actor: Actor, fiscal_year: int) -> Execution:
    """R-GP-12's 政府采购执行表: budget → plan → contract → paid per unit, and plan → contract →
    committed per method (a budget has no method)."""
    units: dict[str, ExecutionRow] = {}

    def unit(code: str, name: str) -> ExecutionRow:
        return units.setdefault(code, ExecutionRow(code, name))

    lines = IndicatorLine.objects.visible_to(actor).filter(
        fiscal_year=fiscal_year, is_gov_pur=True, kind=LineKind.EXECUTABLE
    )
    for code, name, total, paid in (
        lines.values("organisation__code", "organisation__name")
        .annotate(t=Sum("total"), p=Sum("paid"))
        .values_list("organisation__code", "organisation__name", "t", "p")
    ):
        row = unit(code, name)
        row.budget, row.paid = int(total or 0), int(paid or 0)
    plans = ProcurementPlanLine.objects.filter(
        plan__in=ProcurementPlan.objects.visible_to(actor).filter(fiscal_year=fiscal_year),
        plan__state__in=COUNTED_PLANS,
    )
    for code, name, fen in (
        plans.values("plan__organisation__code", "plan__organisation__name")
        .annotate(n=Sum(F("amount") - F("released")))
        .values_list("plan__organisation__code", "plan__organisation__name", "n")
    ):
        unit(code, name).planned = int(fen or 0)
    contracts = ContractLine.objects.filter(
        contract__in=Contract.objects.visible_to(actor).filter(fiscal_year=fiscal_year)
    )
    for code, name, held, used in (
        contracts.values("contract__organisation__code", "contract__organisation__name")
        .annotate(n=Sum(F("amount") - F("released")), c=Sum("consumed"))
        .values_list("contract__organisation__code", "contract__organisation__name", "n", "c")
    ):
        row = unit(code, name)
        row.contracted, row.committed = int(held or 0), int(used or 0)
    report = Execution(fiscal_year, by_unit=[units[k] for k in sorted(units)])
    methods = {m.value: ExecutionRow(m.value, str(m.label)) for m in PurMethod}
    for method, fen in (
        plans.values("plan__method")
        .annotate(n=Sum(F("amount") - F("released")))
        .values_list("plan__method", "n")
    ):
        methods[method].planned = int(fen or 0)
    for method, held, used in (
        contracts.filter(contract__plan__isnull=False)
        .values("contract__plan__method")
        .annotate(n=Sum(F("amount") - F("released")), c=Sum("consumed"))
        .values_list("contract__plan__method", "n", "c")
    ):
        methods[method].contracted, methods[method].committed = int(held or 0), int(used or 0)
    report.by_method = [r for r in methods.values() if r.planned or r.contracted]
    total = report.total
    for row in report.by_unit:
        for name in ("budget", "planned", "contracted", "committed", "paid"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return report


@dataclass(frozen=True)
class SmeShare:
    awarded: int
    to_smes: int

    @property
    def share(self) -> str:
        if self.awarded <= 0:
            return "—"
        return f"{self.to_smes * 1000 // self.awarded / 10:.1f}%"


def sme_share(*, actor: Actor, fiscal_year: int) -> SmeShare:
    """R-GP-12: the share of awarded value that went to SMEs (中小企业)."""
    awards = ProcurementAward.objects.visible_to(actor).filter(fiscal_year=fiscal_year)
    totals: dict[bool, int] = defaultdict(int)
    for is_sme, fen in (
        awards.values("supplier_is_sme")
        .annotate(n=Sum("amount"))
        .values_list("supplier_is_sme", "n")
    ):
        totals[bool(is_sme)] += int(fen or 0)
    return SmeShare(awarded=totals[True] + totals[False], to_smes=totals[True])


@dataclass(frozen=True)
class Owed:
    """An instalment owed to an SME after its milestone's acceptance (R-GP-6)."""

    contract_id: int
    contract_number: str
    unit: str
    supplier: str
    milestone: str
    accepted_on: dt.date
    due_on: dt.date
    left: int  # fen not yet taken by payments
    days_late: int  # > 0 overdue; ≤ 0: due in that many days

    @property
    def overdue(self) -> bool:
        return self.days_late > 0


def owed_to_smes(*, actor: Actor, on: dt.date) -> list[Owed]:
    """R-GP-6: SME suppliers are paid within 30 days of the passed acceptance that conditions
    the payment. Every accepted node still unpaid whose term ends within ``WARN_DAYS`` of
    ``on`` or has ended, most late first."""
    found: list[Owed] = []
    accepted = (
        ContractAcceptance.objects.visible_to(actor)
        .filter(
            result=AcceptanceResult.PASSED,
            contract__award__supplier_is_sme=True,
            instalment__committed__lt=F("instalment__amount"),
        )
        .select_related("contract__organisation", "contract__supplier", "instalment")
    )
    for acceptance in accepted:
        due = acceptance.accepted_on + dt.timedelta(days=PAYMENT_TERM_DAYS)
        late = (on - due).days
        if late < -WARN_DAYS:
            continue
        contract, node = acceptance.contract, acceptance.instalment
        found.append(
            Owed(
                contract.pk,
                contract.number,
                contract.organisation.name,
                contract.supplier.name,
                node.name,
                acceptance.accepted_on,
                due,
                node.remaining,
                late,
            )
        )
    return sorted(found, key=lambda owed: (-owed.days_late, owed.contract_number))


@dataclass(frozen=True)
class Missed:
    """A contract's legal deadline (R-GP-3) met late, or still open past its due date."""

    contract_id: int
    contract_number: str
    unit: str
    what_zh: str
    what_en: str
    due_on: dt.date
    done_on: dt.date | None
    days_late: int


def missed_deadlines(*, actor: Actor, fiscal_year: int, on: dt.date) -> list[Missed]:
    """R-GP-3 (signing, publication, filing) for the year's contracts in the actor's scope:
    every deadline met after its due date, or not met and already past it on ``on``; most
    late first. The working-day calendar is read once."""
    days_off = calendar_overrides()
    found: list[Missed] = []
    contracts = (
        Contract.objects.visible_to(actor)
        .filter(fiscal_year=fiscal_year)
        .select_related("award", "organisation")
        .order_by("number")
    )
    for contract in contracts:
        for deadline in contract_deadlines(contract, days_off):
            done = deadline.done
            late = ((done or on) - deadline.due).days
            if late <= 0:
                continue
            found.append(
                Missed(
                    contract.pk,
                    contract.number,
                    contract.organisation.name,
                    deadline.what_zh,
                    deadline.what_en,
                    deadline.due,
                    done,
                    late,
                )
            )
    return sorted(found, key=lambda m: (-m.days_late, m.contract_number))


def execution_table(report: Execution, share: SmeShare) -> ReportTable:
    """The 政府采购执行表 as a printed table (page, Excel, PDF: ``common.report_tables``)."""

    def amounts(row: ExecutionRow, *, budget: bool) -> tuple[int, ...]:
        if budget:
            return (row.budget, row.planned, row.contracted, row.committed, row.paid, row.left)
        return (row.planned, row.contracted, row.committed)

    units = tuple(
        Row(r.key, r.name, amounts(r, budget=True), extra=(r.rate,), key=f"unit:{r.key}")
        for r in report.by_unit
    ) + (
        Row(
            "",
            "合计",
            amounts(report.total, budget=True),
            extra=(report.total.rate,),
            key="total",
            strong=True,
        ),
    )
    methods = tuple(
        Row("", r.name, amounts(r, budget=False), key=f"method:{r.key}") for r in report.by_method
    )
    return ReportTable(
        key="procurement-execution",
        number="",
        title=f"{report.fiscal_year} 年政府采购执行表",
        sections=(
            Section(
                "按单位",
                ("单位编码", "单位", "支付进度"),
                ("政府采购预算", "采购计划", "合同", "支付占用", "已支付", "预算结余"),
                units,
            ),
            Section(
                "按采购方式",
                ("采购方式",),
                ("采购计划", "合同", "支付占用"),
                methods,
            ),
            Section(
                f"中小企业份额：{share.share}",
                ("", "项目"),
                ("金额",),
                (
                    Row("", "采购结果合计", (share.awarded,), key="awarded"),
                    Row("", "其中：授予中小企业", (share.to_smes,), level=1, key="to_smes"),
                ),
            ),
        ),
        empty_note="本年度尚无政府采购预算、计划或合同。",
    )
