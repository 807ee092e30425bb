"""Government procurement rules that need no database (DOMAIN §3.8, DOMAIN-2 §6.3): whether a
purchase is government procurement (R-GP-11) and whether its intention was published early
enough (R-GP-1, R-GP-7). The services read the region's thresholds (``core.standard_keys``,
ADR 0052) and hand them in; these functions only compare."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from yusuan.common.errors import ErrorDetail
from yusuan.procurement.choices import ProcurementCategory, PurMethod


def category_of(pur_item_code: str) -> str:
    """A 品目 code's category: its first letter (A goods, B works, C services); "" if none."""
    first = pur_item_code[:1].upper()
    return first if first in ProcurementCategory.values else ""


@dataclass(frozen=True)
class Limits:
    """The region's 限额标准 in fen on a date: goods and services share one figure (R-BP-5's)."""

    goods_services: int
    works: int

    def for_category(self, category: str) -> int:
        return self.works if category == ProcurementCategory.WORKS else self.goods_services


def is_government_procurement(
    *, category: str, amount_fen: int, limits: Limits, in_catalogue: bool = False
) -> bool:
    """R-GP-11: inside the 集中采购目录, or at or above the 限额标准 of its category."""
    return in_catalogue or amount_fen >= limits.for_category(category)


@dataclass(frozen=True)
class Lead:
    """R-GP-7: what the intention check found for a procurement starting on ``starts_on``."""

    published_on: dt.date | None
    starts_on: dt.date
    days: int  # procurement.intention_days

    @property
    def earliest_start(self) -> dt.date | None:
        return self.published_on + dt.timedelta(days=self.days) if self.published_on else None

    @property
    def in_time(self) -> bool:
        earliest = self.earliest_start
        return earliest is not None and self.starts_on >= earliest


def intention_lead_error(
    lead: Lead, *, number: str = "", field: str = "planned_start"
) -> ErrorDetail | None:
    """R-GP-1/R-GP-7: the procurement may start ``days`` after its intention was published; the
    error names both dates and the earliest allowed start (None when in time)."""
    if lead.in_time:
        return None
    if lead.published_on is None:
        return ErrorDetail(
            code="procurement.intention_missing",
            rule="R-GP-7",
            field=field,
            value=str(lead.starts_on),
            limit=f"{lead.days}",
            message_zh=(
                f"采购意向{number}尚未公开：须在采购开始（{lead.starts_on}）前至少 {lead.days} 天公开，"
                "或注明紧急采购理由"
            ),
            message_en=(
                f"the procurement intention {number} is not published: it must be published at "
                f"least {lead.days} days before the start ({lead.starts_on}), or the need shown urgent"
            ),
        )
    earliest = lead.earliest_start
    return ErrorDetail(
        code="procurement.intention_too_late",
        rule="R-GP-7",
        field=field,
        value=str(lead.starts_on),
        limit=str(earliest),
        message_zh=(
            f"采购意向{number}于 {lead.published_on} 公开，采购最早可于 {earliest} 开始"
            f"（公开后满 {lead.days} 天），计划开始日 {lead.starts_on} 过早"
        ),
        message_en=(
            f"intention {number} was published on {lead.published_on}; the procurement may start "
            f"on {earliest} at the earliest ({lead.days} days later), not on {lead.starts_on}"
        ),
    )


def catalogue_form(catalogue: Mapping[str, str], pur_item_code: str) -> str | None:
    """The organisation form the 集中采购目录 gives a 品目: its own entry, else the longest entry
    that is a prefix of it (an entry covers the 品目 under it); None outside the catalogue."""
    for length in range(len(pur_item_code), 0, -1):
        found = catalogue.get(pur_item_code[:length])
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class Scope:
    """R-GP-11 for one purchase: whether it is government procurement, and why."""

    is_government_procurement: bool
    org_form: str | None  # the catalogue's form, None outside it
    limit_fen: int  # the 限额标准 of its category

    @property
    def in_catalogue(self) -> bool:
        return self.org_form is not None


def procurement_scope(
    *, catalogue: Mapping[str, str], pur_item_code: str, amount_fen: int, limits: Limits
) -> Scope:
    """R-GP-11: inside the catalogue, or at or above the limit of its category."""
    form = catalogue_form(catalogue, pur_item_code)
    category = category_of(pur_item_code)
    return Scope(
        is_government_procurement(
            category=category, amount_fen=amount_fen, limits=limits, in_catalogue=form is not None
        ),
        form,
        limits.for_category(category),
    )


@dataclass(frozen=True)
class TenderThresholds:
    """The region's 公开招标数额标准 in fen on a date (R-GP-8)."""

    goods_services: int
    works: int

    def for_category(self, category: str) -> int:
        return self.works if category == ProcurementCategory.WORKS else self.goods_services


def needs_method_approval(
    *, method: str, category: str, amount_fen: int, thresholds: TenderThresholds
) -> bool:
    """R-GP-8: at or above the 公开招标数额标准 of its category, a method other than 公开招标
    needs finance's approval before the procurement starts."""
    return amount_fen >= thresholds.for_category(category) and method != PurMethod.OPEN_TENDER


def method_category_error(method: str, category: str) -> ErrorDetail | None:
    """询价 buys goods only: standard, off-the-shelf goods of stable price (政府采购法 art. 32
    [K]); the other methods serve every category."""
    if method != PurMethod.INQUIRY or category == ProcurementCategory.GOODS:
        return None
    return ErrorDetail(
        code="procurement.method_category",
        rule="R-GP-8",
        field="method",
        value=method,
        limit=ProcurementCategory.GOODS.value,
        message_zh="询价方式只适用于货物（品目以 A 开头）",
        message_en="request for quotations buys goods only (items starting with A)",
    )


def items_related(a: str, b: str) -> bool:
    """Two 品目 codes of the same branch: one is the other or under it (R-GP-2: a plan buys
    what its procurement budget line was approved for)."""
    return bool(a) and bool(b) and (a.startswith(b) or b.startswith(a))
