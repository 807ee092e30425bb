"""Basic expenditure by quota (基本支出定员定额, R-PJ-5, R-PJ-8; DOMAIN §3.11, DOMAIN-2 §3.3;
ADR 0044): the year's 人员类 and 公用经费 of a unit from its people in the budget snapshot and the
region's standards of the year. Pure: plain values in, plain values out, integer fen throughout.

Per person (in service, 在职), monthly × 12 unless stated:

* 30101 基本工资, 30102 津贴补贴, 30107 绩效工资, 30199 编外人员工资: the person's monthly items of
  that class (``personnel.rules.PAY_ITEMS``) × 12;
* 30103 奖金: the monthly bonus items × 12, plus for 公务员 and 参公 the 年终一次性奖金 =
  ``bonus.year_end_months`` × the monthly 基本工资;
* 30108 pension, 30109 annuity, 30112 unemployment + work injury: ``share(base, rate)`` a month,
  half up per person and component (ADR 0031), × 12, on the pension base held within
  ``base.floor_pct`` – ``base.cap_pct`` of ``base.average_wage`` (a base below the floor — or none
  recorded — contributes on the floor); no annuity for 编外 staff (not in the scheme);
* 30110 medical on the medical base; 30111 公务员医疗补助 for 公务员/参公 on the medical base when its
  rate is above 0; 30113 housing fund on the housing-fund base; each base held under its own cap
  (``base.medical_cap_pct``, ``base.housing_cap_pct`` of ``base.average_wage``) where the region
  sets one;
* retirees (离休, 退休): 30301 离休费 and 30302 退休费 × 12, nothing else.

Per unit (公用经费, category 21): 30299 日常公用经费 = the per-head quota of the unit's type ×
headcount (编制数 or 实有人数 in service on the establishment, ``public.headcount_basis``); 30231
公务用车运行维护费 = per vehicle × the approved vehicles; 30299 离退休人员公用经费 = per retiree ×
retirees; 30208 取暖费 = heating per head × headcount; 30228 工会经费 = ``contribution.union_fund``
of the unit's wage bill (30101 + 30102 + 30103 + 30107, annual), half up. 工会经费 is 302
商品和服务支出, so it sits in the 公用经费 project, not in 人员类 (ADR 0044).

Functional codes (DOMAIN §3.11): contributions to their own (2080505, 2080506, 2101101/2101102 by
unit type, 2101103, 2210201), retirees' pensions and public funds to 2080501/2080502 (行政/事业单位
离退休) by unit type, everything else to the unit's function line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from yusuan.core.choices import EconomicGroup
from yusuan.core.contribution_rules import BY_CODE, MEDICAL_AGENCY, MEDICAL_INSTITUTION, share
from yusuan.core.standard_keys import HEADCOUNT_APPROVED, per_head_key
from yusuan.core.validation import AGENCY_GROUPS
from yusuan.personnel.rules import ACTIVE, CIVIL, CONTRACT, PAID_AS_RETIRED, PAY_ITEM_BY_KEY

RULE = "R-PJ-5"
PERSONNEL, PUBLIC = "1", "21"  # project categories (projects.choices), R-PJ-8
MONTHS = 12
WAGE_BILL = ("30101", "30102", "30103", "30107")  # 工资总额 for the union fund
CIVIL_SERVANT_MEDICAL = "2101103"
RETIREES_AGENCY, RETIREES_INSTITUTION = "2080501", "2080502"
CONTRIBUTION_ITEMS = ("30108", "30109", "30110", "30112", "30113")
CLASS_NAMES = {
    "30101": "基本工资",
    "30102": "津贴补贴",
    "30103": "奖金",
    "30107": "绩效工资",
    "30108": "机关事业单位基本养老保险缴费",
    "30109": "职业年金缴费",
    "30110": "职工基本医疗保险缴费",
    "30111": "公务员医疗补助缴费",
    "30112": "其他社会保障缴费",
    "30113": "住房公积金",
    "30199": "其他工资福利支出",
    "30208": "取暖费",
    "30228": "工会经费",
    "30231": "公务用车运行维护费",
    "30299": "其他商品和服务支出",
    "30301": "离休费",
    "30302": "退休费",
}


@dataclass(frozen=True)
class Person:
    """One person of the snapshot (``personnel.SnapshotRow``)."""

    key: int  # the snapshot row
    name: str
    state: str
    status: str
    establishment: str
    items: Mapping[str, int]  # monthly pay items, fen
    pension_base: int = 0
    medical_base: int = 0
    housing_base: int = 0


@dataclass(frozen=True)
class Unit:
    organisation_id: int
    agency_type: str
    functional_code: str  # the unit's function line ("" when not recorded)
    approved: int = 0  # 编制数 (行政 + 事业 + 工勤)
    vehicles: int = 0  # 公务用车编制


@dataclass(frozen=True)
class Amount:
    """One person's amount on one line: ``monthly`` × ``months`` (or a lump ``amount``)."""

    economic_code: str
    functional_code: str
    label: str  # what the line is (基本工资, 年终一次性奖金, 基本养老保险 …)
    monthly: int
    months: int
    amount: int
    base: int = 0  # the monthly contribution base used
    rate_bp: int = 0


@dataclass
class Line:
    """A row of the 人员经费测算表 / 公用经费测算表: one (category, economic 款, functional 项,
    身份, label) of a unit, with how many it counts, the standard and the multiplier."""

    category: str
    economic_code: str
    functional_code: str
    status: str  # 身份 ("" for a line of the whole unit)
    label: str
    headcount: int = 0
    standard: int = 0  # fen: Σ monthly standard, a quota, or the wage bill
    multiplier: int = 0  # months, heads, vehicles (0 for a rate on a base)
    rate_bp: int = 0
    amount: int = 0
    basis: dict[str, object] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.category, self.economic_code, self.functional_code, self.status, self.label)


@dataclass
class UnitResult:
    unit: Unit
    lines: list[Line]
    people: int  # in service
    retirees: int
    headcount: int  # what the quotas multiply

    def total(self, category: str) -> int:
        return sum(line.amount for line in self.lines if line.category == category)


_GROUPS = dict(AGENCY_GROUPS)


def is_agency(agency_type: str) -> bool:
    """行政单位 (and 参公 bodies funded as such): medical 2101101, retirees 2080501."""
    return _GROUPS.get(agency_type, EconomicGroup.INSTITUTION) == EconomicGroup.AGENCY


def base_limits(rates: Mapping[str, int]) -> tuple[int, int]:
    """(floor, cap) of the monthly pension base, fen: the shares of the average wage, half up."""
    wage = rates["base.average_wage"]
    return (wage * rates["base.floor_pct"] + 50) // 100, (wage * rates["base.cap_pct"] + 50) // 100


def pension_base(person: Person, rates: Mapping[str, int]) -> int:
    floor, cap = base_limits(rates)
    return min(max(person.pension_base, floor), cap)


def capped_base(base: int, key: str, rates: Mapping[str, int]) -> int:
    """A medical or housing-fund base held under the region's cap (``key``), if it sets one."""
    pct = rates.get(key, 0)  # a run computed before the caps existed had none
    return base if pct <= 0 else min(base, (rates["base.average_wage"] * pct + 50) // 100)


def monthly_by_class(items: Mapping[str, int]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for key, fen in items.items():
        code = PAY_ITEM_BY_KEY[key].economic_code
        totals[code] = totals.get(code, 0) + int(fen)
    return totals


def _contribution(
    code: str, label: str, functional: str, base: int, keys: Sequence[str], rates: Mapping[str, int]
) -> Amount | None:
    rate = sum(rates[k] for k in keys)
    monthly = sum(share(base, rates[k]) for k in keys)
    if monthly <= 0:
        return None
    return Amount(code, functional, label, monthly, MONTHS, monthly * MONTHS, base, rate)


def person_amounts(person: Person, unit: Unit, rates: Mapping[str, int]) -> list[Amount]:
    """What one person costs the unit in the year, line by line (the drill-down)."""
    by_class = monthly_by_class(person.items)
    own = unit.functional_code
    agency = is_agency(unit.agency_type)
    if person.state in PAID_AS_RETIRED:
        retirees = RETIREES_AGENCY if agency else RETIREES_INSTITUTION
        return [
            Amount(code, retirees, CLASS_NAMES[code], by_class[code], MONTHS, by_class[code] * 12)
            for code in ("30301", "30302")
            if by_class.get(code, 0) > 0
        ]
    if person.state != ACTIVE:
        return []
    amounts = [
        Amount(code, own, CLASS_NAMES[code], by_class[code], MONTHS, by_class[code] * MONTHS)
        for code in ("30101", "30102", "30103", "30107", "30199")
        if by_class.get(code, 0) > 0
    ]
    if person.status in CIVIL and by_class.get("30101", 0) > 0 and rates["bonus.year_end_months"]:
        months = rates["bonus.year_end_months"]
        basic = by_class["30101"]
        amounts.append(Amount("30103", own, "年终一次性奖金", basic, months, basic * months))
    base = pension_base(person, rates)
    medical_base = capped_base(person.medical_base, "base.medical_cap_pct", rates)
    medical = MEDICAL_AGENCY if agency else MEDICAL_INSTITUTION
    items = BY_CODE
    parts = [
        ("30108", base, items["30108"].functional),
        ("30109", 0 if person.status == CONTRACT else base, items["30109"].functional),
        ("30110", medical_base, medical),
        ("30112", base, own),
        (
            "30113",
            capped_base(person.housing_base, "base.housing_cap_pct", rates),
            items["30113"].functional,
        ),
    ]
    for code, fen, functional in parts:
        keys = [c.key for c in items[code].components]
        found = _contribution(code, items[code].name, functional, fen, keys, rates)
        if found is not None:
            amounts.append(found)
    if person.status in CIVIL and rates["contribution.civil_servant_medical"] > 0:
        found = _contribution(
            "30111",
            CLASS_NAMES["30111"],
            CIVIL_SERVANT_MEDICAL,
            medical_base,
            ["contribution.civil_servant_medical"],
            rates,
        )
        if found is not None:
            amounts.append(found)
    return amounts


def headcount(unit: Unit, people: Sequence[Person], rates: Mapping[str, int]) -> int:
    """The headcount the quotas multiply: 编制数, or the staff in service on the establishment."""
    if rates["public.headcount_basis"] == HEADCOUNT_APPROVED:
        return unit.approved
    return sum(1 for p in people if p.state == ACTIVE and p.establishment != "none")


def compute_unit(unit: Unit, people: Iterable[Person], rates: Mapping[str, int]) -> UnitResult:
    """The unit's 人员类 and 公用经费 lines (DOMAIN-2 §3.3)."""
    people = list(people)
    lines: dict[tuple[str, str, str, str, str], Line] = {}
    wage_bill = 0
    for person in people:
        for amount in person_amounts(person, unit, rates):
            key = (
                PERSONNEL,
                amount.economic_code,
                amount.functional_code,
                person.status,
                amount.label,
            )
            line = lines.get(key)  # a Line only per line, not per person's amount
            if line is None:
                line = lines[key] = Line(*key, rate_bp=amount.rate_bp)
            line.headcount += 1
            line.standard += amount.monthly
            line.multiplier = amount.months
            line.amount += amount.amount
            if amount.rate_bp:
                line.basis["base"] = int(str(line.basis.get("base", 0))) + amount.base
            if amount.economic_code in WAGE_BILL:
                wage_bill += amount.amount
    in_service = sum(1 for p in people if p.state == ACTIVE)
    retirees = sum(1 for p in people if p.state in PAID_AS_RETIRED)
    heads = headcount(unit, people, rates)
    result = sorted(lines.values(), key=lambda x: (x.economic_code, x.status, x.label))
    result += public_lines(unit, heads, retirees, wage_bill, rates)
    return UnitResult(unit, result, in_service, retirees, heads)


def public_lines(
    unit: Unit, heads: int, retirees: int, wage_bill: int, rates: Mapping[str, int]
) -> list[Line]:
    """公用经费 of a unit: quotas × counts, and the union fund on the wage bill."""
    own = unit.functional_code
    retired_code = RETIREES_AGENCY if is_agency(unit.agency_type) else RETIREES_INSTITUTION
    per_head = per_head_key(unit.agency_type)
    quota = rates[per_head] if per_head else 0
    basis = "编制数" if rates["public.headcount_basis"] == HEADCOUNT_APPROVED else "实有人数"
    wanted: list[tuple[str, str, str, int, int, dict[str, object]]] = [
        ("30299", own, "日常公用经费", heads, quota, {"key": per_head or "", "headcount": basis}),
        ("30231", own, "公务用车运行维护费", unit.vehicles, rates["public.per_vehicle"], {}),
        ("30299", retired_code, "离退休人员公用经费", retirees, rates["public.per_retiree"], {}),
        ("30208", own, "取暖费", heads, rates["public.heating_per_head"], {"headcount": basis}),
    ]
    lines = [
        Line(PUBLIC, code, functional, "", label, count, fen, count, 0, fen * count, extra)
        for code, functional, label, count, fen, extra in wanted
        if fen * count > 0
    ]
    union = share(wage_bill, rates["contribution.union_fund"])
    if union > 0:
        lines.append(
            Line(
                PUBLIC,
                "30228",
                own,
                "",
                "工会经费",
                0,
                wage_bill,
                0,
                rates["contribution.union_fund"],
                union,
                {"wage_bill": wage_bill},
            )
        )
    return lines
