"""Employer contribution items (单位缴费, DOMAIN §3.11; ADR 0031, ADR 0039): the items, their
components, the standards holding their rates and their functional codes, and the per-person
half-up share. Pure data and integer arithmetic shared by a salary batch (``payroll``, R-PY-13)
and the year's 人员类 computation (``projects.basic``, R-PJ-5): they sit here, below both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from yusuan.core.choices import EconomicGroup
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


def share(base: int, rate_bp: int) -> int:
    """``base`` fen × ``rate_bp`` / 10 000, rounded half up to the fen (integers only)."""
    if base < 0 or rate_bp < 0:
        raise ValueError("a contribution base and rate are not negative")
    return (base * rate_bp + 5_000) // 10_000


def functional_codes(item: str, agency_type: str, unit_codes: Iterable[str]) -> list[str]:
    """The functional codes an indicator line paying ``item`` may carry (DOMAIN §3.11)."""
    wanted = BY_CODE[item].functional
    if wanted == "210110x":
        group = dict(AGENCY_GROUPS).get(agency_type, EconomicGroup.INSTITUTION)
        return [MEDICAL_AGENCY if group == EconomicGroup.AGENCY else MEDICAL_INSTITUTION]
    if wanted:
        return [wanted]
    return sorted(set(unit_codes))
