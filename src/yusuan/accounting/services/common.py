"""What the accounting services share: permissions, the chart of a region as rule checks see it."""

from __future__ import annotations

from dataclasses import dataclass

from yusuan.accounting.models import Account

KEEP = "accounting.keep_books"  # 会计: prepare and post
REVIEW = "accounting.review_vouchers"  # 会计主管: review, close periods
CHART = "accounting.manage_chart"  # the region's chart and posting rules


@dataclass(frozen=True)
class ChartAccount:
    """A chart row as the rule checks read it."""

    id: int
    code: str
    name: str
    half: str
    legacy_only: bool
    is_leaf: bool
    is_active: bool
    # Under the unified model (R-AC-6) an account whose sub-accounts are all legacy-only (1201,
    # 800103) is booked to itself.
    is_leaf_unified: bool


def chart_of(mof_div_code: str) -> dict[str, ChartAccount]:
    """The region's chart by code, in one query."""
    rows = list(
        Account.objects.filter(mof_div_code=mof_div_code).values(
            "id", "code", "name", "half", "legacy_only", "is_active", "parent_id"
        )
    )
    parents = {row["parent_id"] for row in rows if row["parent_id"]}
    unified_parents = {
        row["parent_id"] for row in rows if row["parent_id"] and not row["legacy_only"]
    }
    return {
        row["code"]: ChartAccount(
            id=row["id"],
            code=row["code"],
            name=row["name"],
            half=row["half"],
            legacy_only=row["legacy_only"],
            is_leaf=row["id"] not in parents,
            is_active=row["is_active"],
            is_leaf_unified=row["id"] not in unified_parents,
        )
        for row in rows
    }
