"""Lifecycle events of core (ADR 0022's channels): what a higher app learns when a region's
year opens, in the transaction that opens it.

- ``core.year_opened``: ``services.fiscal_years.fiscal_year_open`` — the year exists with its
  code set (copied from the previous year, else the default) and its standards; a subscriber
  copies what it keeps per year (procurement: its 集中采购目录). Core imports none of them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yusuan.common.events import SourceDocument, lifecycle


@dataclass(frozen=True)
class YearOpened:
    event_id: str
    mof_div_code: str
    fiscal_year: int
    business_date: dt.date
    source: SourceDocument  # the fiscal year
    actor_id: int | None


YEAR_OPENED = lifecycle.channel("core.year_opened", YearOpened)
