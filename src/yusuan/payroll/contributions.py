"""Employer contributions of a salary batch (单位缴费, R-PY-13; DOMAIN-2 C8, DOMAIN §3.11; ADR 0031).

The unit's own contributions are not pay: they are paid from their own indicator lines
(30108 / 30109 / 30110 / 30112 / 30113), under their own functional codes, to the social-insurance
agency and the housing-fund centre — never from the salary lines, and never on the employees'
cards. (What is *withheld* from pay — tax, the employee's pension, annuity, medical and fund
shares — stays on the salary lines, R-PY-4/R-PY-5.)

Rates are the region's standards of the batch's year (ADR 0039, ``core.standard_keys``
``contribution.*``), as in force on the first day of the salary month; the registry's defaults
(pension 16 %, annuity 8 %, local medical, unemployment, work-injury and housing-fund rates) where
a region has none. A unit may still bring its own figures in the sheet's ``单位…`` columns (the HR
system computes them anyway), which are then taken as they are (ADR 0031). Rates are in basis
points (1600 = 16 %); each batch keeps the rates it was computed with, so a later edit of a
standard never changes a past batch. Each employee's contribution is ``base × rate`` rounded half up to the fen, per
employee and per component, as the agencies bill them; an item's total is the sum of those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# The items, rates' keys and the per-person share moved below projects (R-PJ-5 reuses them).
from yusuan.core.contribution_rules import (
    BASE_COLUMN as BASE_COLUMN,
)
from yusuan.core.contribution_rules import (
    BY_CODE as BY_CODE,
)
from yusuan.core.contribution_rules import (
    COLUMNS as COLUMNS,
)
from yusuan.core.contribution_rules import (
    ITEMS as ITEMS,
)
from yusuan.core.contribution_rules import (
    MEDICAL_AGENCY as MEDICAL_AGENCY,
)
from yusuan.core.contribution_rules import (
    MEDICAL_INSTITUTION as MEDICAL_INSTITUTION,
)
from yusuan.core.contribution_rules import (
    RULE as RULE,
)
from yusuan.core.contribution_rules import (
    Component as Component,
)
from yusuan.core.contribution_rules import (
    Item as Item,
)
from yusuan.core.contribution_rules import (
    functional_codes as functional_codes,
)
from yusuan.core.contribution_rules import (
    share as share,
)
from yusuan.core.selectors import standards_for


def rates(*, mof_div_code: str, fiscal_year: int, month: int) -> Mapping[str, int]:
    """The region's standards in force on the first day of the salary month (ADR 0039)."""
    return standards_for(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year, on=dt.date(fiscal_year, month, 1)
    )


@dataclass(frozen=True)
class Computed:
    item: str
    name: str
    base: int  # Σ of the employees' bases, fen
    rate_bp: int  # Σ of the components' rates (informative when a component came from the sheet)
    amount: int  # fen
    components: list[dict[str, object]]


def compute(
    rows: Iterable[tuple[int, Mapping[str, int]]],
    read: Sequence[str] = (),
    rates: Mapping[str, int] | None = None,
) -> list[Computed]:
    """The batch's contributions per item from ``(base, figures from the sheet)`` per employee:
    a component whose column is in ``read`` is taken from the sheet, the others computed at
    ``rates`` (the region's standards, ``rates(...)``; ``None``: the registry's defaults)."""
    rows = list(rows)
    result: list[Computed] = []
    for item in ITEMS:
        parts: list[dict[str, object]] = []
        for component in item.components:
            from_sheet = component.column in read
            rate_bp = component.rate_in(rates)
            if from_sheet:
                amount = sum(figures.get(component.column, 0) for _, figures in rows)
            else:
                amount = sum(share(base, rate_bp) for base, _ in rows)
            parts.append(
                {
                    "name": component.name,
                    "rate_bp": None if from_sheet else rate_bp,
                    "amount": amount,
                    "from_sheet": from_sheet,
                }
            )
        total = sum(int(str(p["amount"])) for p in parts)
        if total > 0:
            result.append(
                Computed(
                    item=item.code,
                    name=item.name,
                    base=sum(base for base, _ in rows),
                    rate_bp=item.rate_in(rates),
                    amount=total,
                    components=parts,
                )
            )
    return result
