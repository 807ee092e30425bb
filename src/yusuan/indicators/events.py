"""Money events of the indicator ledger (ADR 0022): what a later module (accounting, reports)
learns when an indicator document is posted.

Higher apps subscribe to :data:`INDICATOR_POSTED` (``INDICATOR_POSTED.subscribe(handler)`` in
their ``AppConfig.ready``); the posting service publishes one event per posted document, in
its transaction. Payments' events reuse :class:`IndicatorRef` for the lines they draw on.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yusuan.common.clock import business_day
from yusuan.common.events import SourceDocument, money
from yusuan.indicators.models import BUCKETS, IndicatorDocument, IndicatorLine

if TYPE_CHECKING:  # the services import this module
    from yusuan.indicators.services.ledger import Posting


@dataclass(frozen=True)
class IndicatorRef:
    """An indicator line and the elements its ledger rows hold (what a budgetary accounting
    line is dimensioned by: functional class, economic class, project, fund nature, …)."""

    id: int
    code: str
    kind: str  # pending / executable
    organisation_id: int | None
    organisation_code: str
    project_id: int | None
    exp_func_code: str
    dep_bgt_eco_code: str
    gov_bgt_eco_code: str
    fund_type_code: str
    source_type_code: str
    pay_type_code: str
    acc_type: str
    thr_exp_code: str
    is_gov_pur: bool
    is_sal: bool
    is_dir: bool

    @classmethod
    def of(cls, line: IndicatorLine) -> IndicatorRef:
        """``line`` with its organisation loaded (``select_related("organisation")``)."""
        return cls(
            id=line.pk,
            organisation_code=line.organisation.code if line.organisation is not None else "",
            **{name: getattr(line, name) for name in _LINE_FIELDS},
        )


# What an IndicatorRef copies from the line as it is.
_LINE_FIELDS = tuple(
    name for name in IndicatorRef.__dataclass_fields__ if name not in ("id", "organisation_code")
)


def indicator_refs(ids: Iterable[int]) -> dict[int, IndicatorRef]:
    """The lines of ``ids`` as :class:`IndicatorRef`, read in one query."""
    lines = IndicatorLine.objects.filter(pk__in=set(ids)).select_related("organisation")
    return {line.pk: IndicatorRef.of(line) for line in lines}


@dataclass(frozen=True)
class IndicatorAmount:
    """Part of a movement borne by one indicator line (a payment's freeze, a refund's restore)."""

    indicator: IndicatorRef
    amount: int  # fen, > 0


@dataclass(frozen=True)
class LegPosted:
    """One leg of a posting: the signed change of each bucket of one line, in fen (ADR 0009)."""

    indicator: IndicatorRef
    movement: str  # MovementKind
    d_total: int
    d_available: int
    d_allocated: int
    d_reserved: int
    d_frozen: int
    d_held: int
    d_paid: int
    d_outside: int  # money entering (−) or leaving (+) the indicator system


@dataclass(frozen=True)
class IndicatorPosted:
    """An indicator document took effect (下达, 分解, 追加/追减, 调剂, 冻结/解冻, 收回): its legs
    as posted, one balanced posting."""

    event_id: str  # "indicators.document:<id>"
    posting_id: uuid.UUID  # the ledger posting (``Movement.posting``)
    mof_div_code: str
    fiscal_year: int
    business_date: dt.date  # the day it took effect (Asia/Shanghai)
    source: SourceDocument  # type "indicators.document"
    document_kind: str  # DocumentKind
    doc_no: str  # the 文号
    organisation_id: int | None
    organisation_code: str
    amount: int  # Σ of the document's rows, fen
    legs: tuple[LegPosted, ...]


INDICATOR_POSTED = money.channel("indicators.posted", IndicatorPosted)


def document_posted(document: IndicatorDocument, posting: Posting) -> IndicatorPosted:
    """The event of ``document``, just posted as ``posting`` (state and time already set)."""
    refs = indicator_refs(leg.line_id for leg in posting.legs)
    organisation = document.organisation
    assert document.posted_at is not None
    return IndicatorPosted(
        event_id=f"indicators.document:{document.pk}",
        posting_id=posting.posting_id,
        mof_div_code=document.mof_div_code,
        fiscal_year=document.fiscal_year,
        business_date=business_day(document.posted_at),
        source=SourceDocument("indicators.document", document.pk, document.number),
        document_kind=document.kind,
        doc_no=document.doc_no,
        organisation_id=document.organisation_id,
        organisation_code=organisation.code if organisation is not None else "",
        amount=sum(document.lines.values_list("amount", flat=True)),
        legs=tuple(
            LegPosted(
                indicator=refs[leg.line_id],
                movement=str(leg.kind),
                **{f"d_{c}": int(leg.deltas.get(c, 0)) for c in ("total", *BUCKETS)},
                d_outside=leg.d_outside,
            )
            for leg in posting.legs
        ),
    )
