"""What payroll announces to the money stream (ADR 0022): a salary batch's month recognised
(计提, DOMAIN-2 §5.2 E1/E2) when its payment request is made, and its employer contributions
(E5) when theirs are. Accounting books them; payroll never imports accounting.

- ``payroll.accrued``: ``services.batches.payroll_request_create`` (kind ``salary``: the gross
  pay by item and what is withheld from which item) and
  ``services.contributions.payroll_contributions_request`` (kind ``contributions``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from yusuan.common.events import SourceDocument, money
from yusuan.payroll.models import PayrollBatch

SOURCE_TYPE = "payroll.batch"


@dataclass(frozen=True)
class AccrualPart:
    """One amount of an accrual: ``gross`` pay of salary item ``eco``, the part of it
    ``withheld`` for ``kind`` (个人所得税, 养老保险 …), or an employer ``contribution``."""

    part: str
    eco: str
    amount: int  # fen, > 0
    kind: str = ""


@dataclass(frozen=True)
class PayrollAccrued:
    event_id: str
    mof_div_code: str
    fiscal_year: int
    business_date: dt.date
    source: SourceDocument
    organisation_id: int
    kind: str  # "salary" or "contributions"
    amount: int  # fen: the gross pay, or the contributions (withholdings are part of the gross)
    parts: tuple[AccrualPart, ...]
    event_by_id: int | None  # who made the batch's request (takes no part in its voucher)


PAYROLL_ACCRUED = money.channel("payroll.accrued", PayrollAccrued)


def accrued(
    batch: PayrollBatch,
    *,
    kind: str,
    parts: Sequence[AccrualPart],
    business_date: dt.date,
    event_by_id: int | None,
) -> PayrollAccrued:
    return PayrollAccrued(
        event_id=f"{SOURCE_TYPE}:{batch.pk}:{kind}",
        mof_div_code=batch.mof_div_code,
        fiscal_year=batch.fiscal_year,
        business_date=business_date,
        source=SourceDocument(SOURCE_TYPE, batch.pk, batch.number),
        organisation_id=batch.organisation_id,
        kind=kind,
        amount=sum(p.amount for p in parts if p.part != "withheld"),
        parts=tuple(p for p in parts if p.amount > 0),
        event_by_id=event_by_id,
    )
