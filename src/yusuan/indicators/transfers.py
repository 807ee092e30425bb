"""Upper-level transfers: the tracking chain from the received line down (R-IN-9) and the
30-day allocation deadline with its breaches (R-IN-5). Reads, scoped to the actor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from yusuan.common.actor import Actor
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine, Movement

# 指标来源 04: 上级转移支付.
TRANSFER_SOURCE_CODE = "04"

# R-IN-5: money received from the upper level is allocated into executable lines within 30 days
# of receipt (DOMAIN §3.4; the monitoring screen's ``timeout_time = rec_time + 30 days``).
TRANSFER_ALLOCATION_DAYS = 30


def tracking_chain(*, actor: Actor, line: IndicatorLine) -> list[IndicatorLine]:
    """The line and its ancestors, the received line first (R-IN-9): each with its holder,
    kind and tracking code, so the chain 上级→本级→部门→单位 can be read. An ancestor outside
    the viewer's scope is shown too (a unit sees where its money came from), nothing more."""
    chain = [line]
    seen = {line.pk}
    current = line
    while current.parent_id is not None and current.parent_id not in seen:
        parent = (
            IndicatorLine.objects.select_related("organisation")
            .filter(pk=current.parent_id, mof_div_code=line.mof_div_code)
            .first()
        )
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent.pk)
        current = parent
    return chain[::-1]


@dataclass(frozen=True)
class TransferDeadline:
    """A pending line of upper-level transfer money past its allocation deadline (R-IN-5):
    money still pending after the deadline, or allocated after it (``late_fen``)."""

    line: IndicatorLine
    received: dt.date  # 接收日期, else the day the line was posted
    deadline: dt.date
    pending_fen: int  # still on the pending line (available and frozen by finance)
    late_fen: int  # allocated out after the deadline (timeout amount)
    days_overdue: int


def transfer_clock(line: IndicatorLine) -> tuple[dt.date, dt.date]:
    """R-IN-5: the day the clock starts — the 接收日期 when there is one (R-IN-9), else the day
    the line was posted — and the last day to allocate."""
    posted = line.origin_document.posted_at or line.created_at
    received = line.rec_date or timezone.localdate(posted)
    return received, received + dt.timedelta(days=TRANSFER_ALLOCATION_DAYS)


def transfer_breaches(
    *, actor: Actor, as_of: dt.date | None = None, fiscal_year: int | None = None
) -> list[TransferDeadline]:
    """R-IN-5: every pending line of upper-level transfer money (指标来源 04, or carrying a
    接收日期) in the caller's scope that broke the 30-day deadline, the longest overdue first."""
    today = as_of or timezone.localdate()
    lines = (
        IndicatorLine.objects.visible_to(actor)
        .filter(kind=LineKind.PENDING)
        .filter(Q(source_type_code=TRANSFER_SOURCE_CODE) | Q(rec_date__isnull=False))
        .select_related("organisation", "origin_document")
    )
    if fiscal_year:
        lines = lines.filter(fiscal_year=fiscal_year)
    found = list(lines)
    allocations: dict[int, list[tuple[dt.date, int]]] = {}
    for line_id, created_at, amount in Movement.objects.filter(
        line__in=[line.pk for line in found], kind="ALLOCATE_OUT"
    ).values_list("line_id", "created_at", "d_allocated"):
        allocations.setdefault(line_id, []).append((timezone.localdate(created_at), amount))
    breaches = []
    for line in found:
        received, deadline = transfer_clock(line)
        pending = line.available + line.held
        late = [(day, amount) for day, amount in allocations.get(line.pk, []) if day > deadline]
        if pending > 0 and today > deadline:
            days = (today - deadline).days
        elif late:
            days = (max(day for day, _a in late) - deadline).days
        else:
            continue
        breaches.append(
            TransferDeadline(
                line=line,
                received=received,
                deadline=deadline,
                pending_fen=pending if today > deadline else 0,
                late_fen=sum(amount for _d, amount in late),
                days_overdue=days,
            )
        )
    breaches.sort(key=lambda b: (-b.days_overdue, b.line.code))
    return breaches
