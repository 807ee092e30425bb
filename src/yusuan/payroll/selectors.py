"""Reads of the payroll module, each scoped to the actor (another unit's batch is a 404)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.payroll import contributions
from yusuan.payroll.models import PayrollBatch, PayrollContribution, PayrollEmployee


def batch_list(*, actor: Actor) -> QuerySet[PayrollBatch]:
    return (
        PayrollBatch.objects.visible_to(actor)
        .select_related("organisation", "request")
        .defer("file")
        .order_by("-created_at", "-pk")
    )


def batch_get(*, actor: Actor, batch_id: int) -> PayrollBatch:
    found = batch_list(actor=actor).filter(pk=batch_id).first()
    if found is None:
        raise NotFoundError("salary batch")
    return found


def batch_rows(*, batch: PayrollBatch, text: str = "") -> QuerySet[PayrollEmployee]:
    """A batch's employees in sheet order; ``text``: a part of the name or the account number's
    last digits (a batch has thousands of rows, P9)."""
    rows = batch.rows.all()
    if text:
        rows = rows.filter(Q(name__contains=text) | Q(account_no__endswith=text))
    return rows.order_by("row")


# --- employer contributions (R-PY-13) ---------------------------------------------------------


@dataclass(frozen=True)
class PlannedContribution:
    contribution: PayrollContribution
    functional_codes: list[str]
    lines: list[IndicatorLine]  # the lines it may be charged to, largest balance first
    charged: list[tuple[IndicatorLine, int]]  # once requested: the lines charged, fen

    @property
    def available(self) -> int:
        return sum(line.available for line in self.lines)


def _personnel_lines(batch: PayrollBatch) -> QuerySet[IndicatorLine]:
    return IndicatorLine.objects.filter(
        organisation_id=batch.organisation_id,
        fiscal_year=batch.fiscal_year,
        kind=LineKind.EXECUTABLE,
        is_sal=True,
    )


def unit_function_codes(batch: PayrollBatch) -> list[str]:
    """The functional codes of the salary lines the batch's pay items are drawn on (the unit's
    function line, where 30112 is budgeted, DOMAIN §3.11)."""
    codes = set(batch.items) | {code[:3] for code in batch.items}
    return sorted(
        set(
            _personnel_lines(batch)
            .filter(dep_bgt_eco_code__in=codes)
            .values_list("exp_func_code", flat=True)
        )
    )


def contribution_plan(batch: PayrollBatch) -> list[PlannedContribution]:
    """Each contribution of the batch with the indicator lines that may pay it (R-PY-13): the
    unit's executable personnel lines of the contribution's own economic code (not a line kept at
    class 301: that is where the pay is drawn) and functional code, with money left, largest
    balance first."""
    unit_codes = unit_function_codes(batch)
    agency_type = batch.organisation.agency_type
    plan: list[PlannedContribution] = []
    for contribution in batch.contributions.order_by("item"):
        item = contribution.item
        functional = contributions.functional_codes(item, agency_type, unit_codes)
        lines = list(
            _personnel_lines(batch)
            .filter(
                dep_bgt_eco_code=item,
                exp_func_code__in=functional,
                available__gt=0,
            )
            .order_by("-available", "pk")
        )
        found = IndicatorLine.objects.in_bulk([m[0] for m in contribution.matches])
        charged = [(found[m[0]], m[1]) for m in contribution.matches if m[0] in found]
        plan.append(PlannedContribution(contribution, functional, lines, charged))
    return plan


def payment_line_role(*, request_id: int, row: int) -> str:
    """What row ``row`` of payment request ``request_id`` pays for a salary batch: ``net`` (an
    employee's pay), the withholding it passes on (个人所得税, 养老保险 …: the request's lines
    after the employees', in the order ``payroll_request_create`` made them), or
    ``contribution`` (the employer's share, R-PY-13); "" when no batch made the request."""
    return payment_line_roles(request_id=request_id)(row)


def payment_line_roles(*, request_id: int) -> Callable[[int], str]:
    """``payment_line_role`` of every row of one request, read once (a bank file settles a
    whole salary batch's lines at once)."""
    batch = PayrollBatch.objects.filter(request_id=request_id).only("employees", "deduction_totals")
    found = batch.first()
    if found is None:
        made = PayrollContribution.objects.filter(request_id=request_id).exists()
        return lambda row: "contribution" if made else ""
    employees = found.employees
    withheld = [name for name, fen in sorted(found.deduction_totals.items()) if fen > 0]

    def role(row: int) -> str:
        if row < employees:
            return "net"
        at = row - employees
        return withheld[at] if at < len(withheld) else ""

    return role
