"""Money events of treasury payments (ADR 0022): what a later module (accounting, reports,
monitoring) learns when a payment's money moves.

One channel per event type, declared here, in the lower layer; a higher app subscribes in its
``AppConfig.ready`` (``PAYMENT_SETTLED.subscribe(handler)``). The payment services publish,
inside their transaction, once per movement:

- ``payments.frozen``: ``services.requests.freeze`` — submission froze the money (R-PY-1);
  on a contract, its ``reservation`` part came from the contract's reservation (R-GP-9), and the
  release, failure and refund events say likewise what went back to it;
- ``payments.released``: ``services.requests.release`` — returned, withdrawn, rejected or
  blocked by monitoring (payroll and monitoring reach the ledger through these two);
- ``payments.settled`` / ``payments.failed``: ``services.bank.bank_result_record`` — the bank
  paid or failed one payment line;
- ``payments.refund_registered``: ``services.refunds._register`` — a payee's refund or a bank
  return (退票) came back;
- ``payments.refund_confirmed``: ``services.refunds.refund_confirm`` — same year: the indicator
  is restored; later year: to the treasury;
- ``payments.correction_posted``: ``services.corrections.correction_post`` — 更正.

Clearing moves no money (it compares the bank's figure with ours) and publishes nothing.

The builders below read what an event needs only when the channel has a handler
(``Channel.publish_built``), so a deployment without consumers pays no query for them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypedDict

from yusuan.common.clock import business_day
from yusuan.common.events import SourceDocument, money
from yusuan.indicators.events import IndicatorAmount, IndicatorRef, indicator_refs
from yusuan.payments.models import Correction, PaymentLine, PaymentRequest, Refund


@dataclass(frozen=True)
class PaymentLineRef:
    """A payment line: what it paid for (the indicator's elements, copied at entry, R-PY-2) and
    to whom (the counterparty of a 23xx accounting line)."""

    id: int
    row: int
    voucher_number: str  # "" before the voucher is issued
    end_to_end_id: str  # the bank's reference of the transfer: "<voucher>-<row + 1>"
    amount: int  # fen
    project_id: int | None
    exp_func_code: str
    dep_bgt_eco_code: str
    gov_bgt_eco_code: str
    fund_type_code: str
    thr_exp_code: str
    is_gov_pur: bool
    is_sal: bool
    is_dir: bool
    payee_id: int | None
    payee_kind: str
    payee_name: str

    @classmethod
    def of(cls, line: PaymentLine) -> PaymentLineRef:
        voucher = getattr(line.request, "voucher", None)
        number = voucher.number if voucher is not None else ""
        return cls(
            id=line.pk,
            voucher_number=number,
            end_to_end_id=f"{number}-{line.row + 1}" if number else "",
            **{name: getattr(line, name) for name in _LINE_FIELDS},
        )


# What a PaymentLineRef copies from the payment line as it is.
_LINE_FIELDS = tuple(
    name
    for name in PaymentLineRef.__dataclass_fields__
    if name not in ("id", "voucher_number", "end_to_end_id")
)


@dataclass(frozen=True)
class PaymentEvent:
    """What every payments money event carries."""

    event_id: str  # stable: the ledger key of the movement, or the document's own key
    mof_div_code: str
    fiscal_year: int  # the year whose budget the money belongs to
    business_date: dt.date  # Asia/Shanghai
    source: SourceDocument
    organisation_id: int  # the paying unit
    organisation_code: str
    business_type: str  # BusinessType: ordinary / salary / card repayment / procurement
    amount: int  # fen, > 0


@dataclass(frozen=True)
class PaymentFrozen(PaymentEvent):
    """A request was submitted: its amount moved from available to frozen (R-PY-1)."""

    charges: tuple[IndicatorAmount, ...]  # per indicator line; Σ = amount
    # R-GP-9: the part of ``charges`` frozen from the contract's reservation, not from available.
    reservation: tuple[IndicatorAmount, ...] = ()


@dataclass(frozen=True)
class PaymentReleased(PaymentEvent):
    """Frozen money became available again (the request returned, withdrawn, rejected or
    blocked by monitoring); ``why`` says which."""

    charges: tuple[IndicatorAmount, ...]
    why: str
    # R-GP-9: the part of ``charges`` that went back to the contract's reservation.
    reservation: tuple[IndicatorAmount, ...] = ()


@dataclass(frozen=True)
class PaymentSettled(PaymentEvent):
    """The bank paid one payment line (frozen → paid): 国库集中支付, E3/E6 of DOMAIN-2 §5.2."""

    line: PaymentLineRef
    charges: tuple[IndicatorAmount, ...]  # the indicator lines bearing it; Σ = amount
    payer_account_id: int
    bank_message_id: str
    bank_entry_id: str


@dataclass(frozen=True)
class PaymentFailed(PaymentEvent):
    """The bank did not pay one payment line (frozen → available)."""

    line: PaymentLineRef
    charges: tuple[IndicatorAmount, ...]
    payer_account_id: int
    bank_message_id: str
    bank_entry_id: str
    reason: str
    # R-GP-9: the part of ``charges`` that went back to the contract's reservation.
    reservation: tuple[IndicatorAmount, ...] = ()


@dataclass(frozen=True)
class RefundRegistered(PaymentEvent):
    """Money paid came back to the payer account: a payee's refund (退款) or a bank return
    (退票, ``refund_kind == "bank_return"``). The indicator is untouched until confirmed."""

    refund_kind: str  # RefundKind
    reason: str  # RefundReason
    line: PaymentLineRef
    payment: SourceDocument  # the original request
    payment_fiscal_year: int
    same_year: bool
    bank_receipt_no: str


@dataclass(frozen=True)
class RefundConfirmed(PaymentEvent):
    """A second person confirmed a refund: same year, the indicator lines in ``restored`` have
    it available again (paid → available, R-RF-2); a later year, ``restored`` is empty and the
    money goes to the treasury (R-RF-3)."""

    refund_kind: str
    line: PaymentLineRef
    payment: SourceDocument
    payment_fiscal_year: int
    same_year: bool
    restored: tuple[IndicatorAmount, ...]  # Σ = amount when same_year, else empty
    # R-GP-9: the part of ``restored`` that went back to an open contract's reservation
    # (paid → reserved) rather than to available.
    reservation: tuple[IndicatorAmount, ...] = ()


@dataclass(frozen=True)
class CorrectionPosted(PaymentEvent):
    """更正 (R-RF-5): ``amount`` of a paid line moved from one indicator line to another
    (from: paid → available; to: available → paid), without leaving the bank."""

    line: PaymentLineRef
    payment: SourceDocument
    from_indicator: IndicatorRef
    to_indicator: IndicatorRef
    reason: str


PAYMENT_FROZEN = money.channel("payments.frozen", PaymentFrozen)
PAYMENT_RELEASED = money.channel("payments.released", PaymentReleased)
PAYMENT_SETTLED = money.channel("payments.settled", PaymentSettled)
PAYMENT_FAILED = money.channel("payments.failed", PaymentFailed)
REFUND_REGISTERED = money.channel("payments.refund_registered", RefundRegistered)
REFUND_CONFIRMED = money.channel("payments.refund_confirmed", RefundConfirmed)
CORRECTION_POSTED = money.channel("payments.correction_posted", CorrectionPosted)


# --- Builders: one per publish site, called only when the channel has a handler.


def _amounts(
    parts: Iterable[tuple[int, int]], refs: Mapping[int, IndicatorRef] | None = None
) -> tuple[IndicatorAmount, ...]:
    """``(indicator line id, fen)`` pairs as :class:`IndicatorAmount`, in the given order;
    ``refs``: the indicator lines, when the caller read them for many events at once."""
    pairs = [(line_id, fen) for line_id, fen in parts if fen]
    if refs is None:
        refs = indicator_refs(line_id for line_id, _ in pairs)
    return tuple(IndicatorAmount(refs[line_id], fen) for line_id, fen in pairs)


class _RequestFields(TypedDict):
    mof_div_code: str
    fiscal_year: int
    organisation_id: int
    organisation_code: str
    business_type: str


def _request(request: PaymentRequest) -> _RequestFields:
    organisation = request.organisation
    return {
        "mof_div_code": request.mof_div_code,
        "fiscal_year": request.fiscal_year,
        "organisation_id": organisation.pk,
        "organisation_code": organisation.code,
        "business_type": request.business_type,
    }


def _document(request: PaymentRequest) -> SourceDocument:
    return SourceDocument("payments.request", request.pk, request.number)


class _MovedFields(_RequestFields):
    event_id: str
    business_date: dt.date
    source: SourceDocument
    amount: int
    charges: tuple[IndicatorAmount, ...]


def _moved(
    request: PaymentRequest, parts: Iterable[tuple[int, int]], event_id: str
) -> _MovedFields:
    """``parts``: the ledger operations of a freeze or release, ``(indicator line id, fen)``."""
    charges = _amounts(parts)
    return {
        "event_id": event_id,
        "business_date": business_day(),
        "source": _document(request),
        "amount": sum(c.amount for c in charges),
        "charges": charges,
        **_request(request),
    }


def request_frozen(
    request: PaymentRequest,
    parts: Iterable[tuple[int, int]],
    *,
    event_id: str,
    reserved: Iterable[tuple[int, int]] = (),
) -> PaymentFrozen:
    """``reserved``: the parts frozen from a contract's reservation (R-GP-9)."""
    return PaymentFrozen(**_moved(request, parts, event_id), reservation=_amounts(reserved))


def request_released(
    request: PaymentRequest,
    parts: Iterable[tuple[int, int]],
    *,
    event_id: str,
    why: str,
    reserved: Iterable[tuple[int, int]] = (),
) -> PaymentReleased:
    return PaymentReleased(
        **_moved(request, parts, event_id), why=why, reservation=_amounts(reserved)
    )


def line_settled(
    line: PaymentLine,
    *,
    event_id: str,
    message_id: str,
    entry_id: str,
    value_date: dt.date | None = None,
    charges: Iterable[tuple[int, int]] | None = None,
    refs: Mapping[int, IndicatorRef] | None = None,
) -> PaymentSettled:
    """The bank paid ``line``: on its value date (R-PY-10: the bank's day, which the books
    follow), or today when the bank named none. ``charges`` (indicator line id, fen) and
    ``refs`` when the caller read them for a whole bank file at once."""
    request = line.request
    if charges is None:
        charges = line.charges.values_list("indicator_line_id", "amount")
    return PaymentSettled(
        event_id=event_id,
        business_date=value_date or business_day(),
        source=_document(request),
        amount=line.amount,
        line=PaymentLineRef.of(line),
        charges=_amounts(charges, refs),
        payer_account_id=request.payer_account_id,
        bank_message_id=message_id,
        bank_entry_id=entry_id,
        **_request(request),
    )


def line_failed(
    line: PaymentLine,
    *,
    event_id: str,
    message_id: str,
    entry_id: str,
    reason: str,
    reserved: Iterable[tuple[int, int]] = (),
    charges: Iterable[tuple[int, int]] | None = None,
    refs: Mapping[int, IndicatorRef] | None = None,
) -> PaymentFailed:
    settled = line_settled(
        line,
        event_id=event_id,
        message_id=message_id,
        entry_id=entry_id,
        charges=charges,
        refs=refs,
    )
    return PaymentFailed(**vars(settled), reason=reason, reservation=_amounts(reserved, refs))


class _RefundFields(_RequestFields):
    business_date: dt.date
    source: SourceDocument
    amount: int
    refund_kind: str
    line: PaymentLineRef
    payment: SourceDocument
    payment_fiscal_year: int
    same_year: bool


def _refund(refund: Refund) -> _RefundFields:
    line = refund.line
    request = line.request
    return {
        **_request(request),
        # The year the money came back in: a later year's refund goes to the treasury.
        "fiscal_year": refund.refund_date.year,
        "business_date": refund.refund_date,
        "source": SourceDocument("payments.refund", refund.pk, refund.number),
        "amount": refund.amount,
        "refund_kind": refund.kind,
        "line": PaymentLineRef.of(line),
        "payment": _document(request),
        "payment_fiscal_year": request.fiscal_year,
        "same_year": refund.same_year,
    }


def refund_registered(refund: Refund) -> RefundRegistered:
    return RefundRegistered(
        event_id=f"payments.refund:{refund.pk}:registered",
        reason=refund.reason,
        bank_receipt_no=refund.bank_receipt_no,
        **_refund(refund),
    )


def refund_confirmed(
    refund: Refund,
    restored: Iterable[tuple[int, int]],
    reserved: Iterable[tuple[int, int]] = (),
) -> RefundConfirmed:
    """``restored``: the ledger operations of a same-year refund (none for a later year);
    ``reserved``: those of them that went back to a contract's reservation (R-GP-9)."""
    return RefundConfirmed(
        # The ledger key of the restore (ADR 0009), also for a refund to the treasury.
        event_id=f"payments.refund:{refund.pk}",
        restored=_amounts(restored),
        reservation=_amounts(reserved),
        **_refund(refund),
    )


def correction_posted(correction: Correction) -> CorrectionPosted:
    line = correction.line
    request = line.request
    refs = indicator_refs([correction.from_line_id, correction.to_line_id])
    return CorrectionPosted(
        event_id=f"payments.correction:{correction.pk}",
        business_date=business_day(),
        source=SourceDocument("payments.correction", correction.pk, correction.number),
        amount=correction.amount,
        line=PaymentLineRef.of(line),
        payment=_document(request),
        from_indicator=refs[correction.from_line_id],
        to_indicator=refs[correction.to_line_id],
        reason=correction.reason,
        **_request(request),
    )
