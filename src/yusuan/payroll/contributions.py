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

from yusuan.core.choices import EconomicGroup
from yusuan.core.selectors import standards_for
from yusuan.core.standard_keys import DEFAULTS
from yusuan.core.validation import AGENCY_GROUPS

RULE = "R-PY-13"

# 30110: 行政单位医疗 for 机关 (and 参公), 事业单位医疗 for institutions.
MEDICAL_AGENCY, MEDICAL_INSTITUTION = "2101101", "2101102"


@dataclass(frozen=True)
class Component:
    name: str  # as on the agency's bill
    column: str  # the optional sheet column that brings the unit's own figure
    key: str  # the standard holding its rate (core.standard_keys), in basis points of the base

    @property
    def rate_bp(self) -> int:
        """The registry's default rate (a region's own is in ``rates(...)``)."""
        return DEFAULTS[self.key]

    def rate_in(self, rates: Mapping[str, int] | None) -> int:
        return (rates if rates is not None else DEFAULTS).get(self.key, DEFAULTS[self.key])


@dataclass(frozen=True)
class Item:
    code: str  # department economic code (301xx)
    name: str
    components: tuple[Component, ...]
    # the functional code the indicator line must carry; "" = the unit's own function line
    # (the functional codes of the salary lines the batch's pay is drawn on)
    functional: str

    @property
    def rate_bp(self) -> int:
        return sum(c.rate_bp for c in self.components)

    def rate_in(self, rates: Mapping[str, int] | None) -> int:
        """The item's rate (Σ of its components') at ``rates`` (``None``: the defaults)."""
        return sum(c.rate_in(rates) for c in self.components)


ITEMS: tuple[Item, ...] = (
    Item(
        "30108",
        "机关事业单位基本养老保险缴费",
        (Component("基本养老保险", "单位养老保险", "contribution.pension"),),  # 国办发〔2019〕13号
        "2080505",
    ),
    Item(
        "30109",
        "职业年金缴费",
        (Component("职业年金", "单位职业年金", "contribution.annuity"),),
        "2080506",
    ),
    Item(
        "30110",
        "职工基本医疗保险缴费",
        (Component("基本医疗保险", "单位医疗保险", "contribution.medical"),),  # local: 6–10 %
        "210110x",
    ),
    Item(
        "30112",
        "其他社会保障缴费",
        (
            Component("失业保险", "单位失业保险", "contribution.unemployment"),  # local; ~0.5 %
            Component("工伤保险", "单位工伤保险", "contribution.injury"),  # class 1; ~0.2 %
        ),
        "",
    ),
    Item(
        "30113",
        "住房公积金",
        (Component("住房公积金", "单位住房公积金", "contribution.housing_fund"),),  # 5–12 %
        "2210201",
    ),
)
BY_CODE = {item.code: item for item in ITEMS}
# Sheet column → (item, component); the column of the employee's contribution base.
COLUMNS = {c.column: (item.code, c.name) for item in ITEMS for c in item.components}
BASE_COLUMN = "缴费基数"


def rates(*, mof_div_code: str, fiscal_year: int, month: int) -> Mapping[str, int]:
    """The region's standards in force on the first day of the salary month (ADR 0039)."""
    return standards_for(
        mof_div_code=mof_div_code, fiscal_year=fiscal_year, on=dt.date(fiscal_year, month, 1)
    )


def share(base: int, rate_bp: int) -> int:
    """``base`` fen × ``rate_bp`` / 10 000, rounded half up to the fen (integers only)."""
    if base < 0 or rate_bp < 0:
        raise ValueError("a contribution base and rate are not negative")
    return (base * rate_bp + 5_000) // 10_000


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


def functional_codes(item: str, agency_type: str, unit_codes: Iterable[str]) -> list[str]:
    """The functional codes an indicator line paying ``item`` may carry (DOMAIN §3.11)."""
    wanted = BY_CODE[item].functional
    if wanted == "210110x":
        group = dict(AGENCY_GROUPS).get(agency_type, EconomicGroup.INSTITUTION)
        return [MEDICAL_AGENCY if group == EconomicGroup.AGENCY else MEDICAL_INSTITUTION]
    if wanted:
        return [wanted]
    return sorted(set(unit_codes))
