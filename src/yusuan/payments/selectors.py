"""Reads of the payments module, each scoped to the actor (another unit's request is a 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Count, Q, QuerySet, Sum

from yusuan.common.actor import Actor
from yusuan.common.errors import NotFoundError
from yusuan.core.choices import AccountType
from yusuan.core.models import BankAccount, Organisation
from yusuan.core.selectors import payees as payees  # the unit's payees, shared with procurement
from yusuan.indicators.choices import LineKind
from yusuan.indicators.models import IndicatorLine
from yusuan.payments.agent_banks import actor_bank
from yusuan.payments.choices import CorrectionState, RefundState, RequestState, VoucherKind
from yusuan.payments.models import (
    BankFile,
    BankResult,
    ClearingDay,
    Correction,
    PaymentLine,
    PaymentRequest,
    PaymentVoucher,
    Refund,
)

R = TypeVar("R", Refund, Correction)


# What a request may be waiting for (the home page's work list links to each): a refund or
# correction to confirm, a voucher to send to its agent bank, a 实拨 voucher's treasury receipt.
WAITING_FOR: dict[str, Callable[[], Q]] = {
    "confirmation": lambda: (
        Q(pk__in=Refund.objects.filter(state=RefundState.REGISTERED).values("line__request_id"))
        | Q(
            pk__in=Correction.objects.filter(state=CorrectionState.REGISTERED).values(
                "line__request_id"
            )
        )
    ),
    "sending": lambda: Q(
        state=RequestState.VOUCHER_ISSUED,
        voucher__kind=VoucherKind.PAYMENT,
        voucher__bank_file__isnull=True,
    ),
    "receipt": lambda: Q(state=RequestState.VOUCHER_ISSUED, voucher__kind=VoucherKind.ALLOCATION),
}


def request_list(
    *,
    actor: Actor,
    state: str = "",
    organisation_id: int | None = None,
    pay_date_from: dt.date | None = None,
    pay_date_to: dt.date | None = None,
    total_min: int | None = None,
    total_max: int | None = None,
    payee_id: int | None = None,
    payee: str = "",
    indicator_line: str = "",
    text: str = "",
    waiting: str = "",
    paid_on: dt.date | None = None,
) -> QuerySet[PaymentRequest]:
    """The actor's requests, newest first, narrowed by what is given: state, unit, payment date
    range, total range (fen, both ends included), a payee of any line (by id, or a part of its
    name), an indicator line of any line (its code), a part of the number or purpose, a bank value
    date on which the bank paid any of its lines (the home page's last payment day). The caller
    reads what was typed and refuses what is no value (a 422 naming the filter)."""
    queryset = PaymentRequest.objects.visible_to(actor).select_related(
        "organisation", "created_by", "voucher"
    )
    if state:
        queryset = queryset.filter(state=state)
    if organisation_id is not None:
        queryset = queryset.filter(organisation_id=organisation_id)
    if pay_date_from is not None:
        queryset = queryset.filter(pay_date__gte=pay_date_from)
    if pay_date_to is not None:
        queryset = queryset.filter(pay_date__lte=pay_date_to)
    lines = PaymentLine.objects.all()
    if payee_id is not None:
        lines = lines.filter(payee_id=payee_id)
    if payee:
        lines = lines.filter(payee_name__contains=payee)
    if indicator_line:
        lines = lines.filter(indicator_line__code=indicator_line)
    if paid_on is not None:  # as ``latest_payment_day`` counts them: accepted on that value date
        lines = lines.filter(bank_results__accepted=True, bank_results__value_date=paid_on)
    if lines.query.where:
        queryset = queryset.filter(pk__in=lines.values("request_id"))
    if text:
        queryset = queryset.filter(Q(number__icontains=text) | Q(purpose__contains=text))
    if waiting:
        queryset = queryset.filter(WAITING_FOR[waiting]())
    if total_min is not None or total_max is not None:
        totals = PaymentLine.objects.values("request_id").annotate(total=Sum("amount"))
        if total_min is not None:
            totals = totals.filter(total__gte=total_min)
        if total_max is not None:
            totals = totals.filter(total__lte=total_max)
        queryset = queryset.filter(pk__in=totals.values("request_id"))
    return queryset.order_by("-created_at", "-pk")


def request_units(*, actor: Actor) -> list[Organisation]:
    """The units whose requests the actor sees: what the list page's unit filter offers."""
    return list(
        Organisation.objects.filter(
            pk__in=PaymentRequest.objects.visible_to(actor).values("organisation_id")
        ).order_by("code")
    )


def request_get(*, actor: Actor, request_id: int) -> PaymentRequest:
    found = (
        PaymentRequest.objects.visible_to(actor)
        .select_related("organisation", "created_by", "payer_account", "contract", "voucher")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise NotFoundError("payment request")
    return found


def payer_accounts(*, actor: Actor, organisation_id: int) -> list[BankAccount]:
    return list(
        BankAccount.objects.visible_to(actor).filter(
            organisation_id=organisation_id,
            account_type=AccountType.UNIT_ZERO_BALANCE,
            is_enabled=True,
        )
    )


def _files(actor: Actor) -> QuerySet[BankFile]:
    """The files of the actor's regions; an agent bank's system account sees only its own
    (R-PY-9): another bank's file is a 404."""
    files = BankFile.objects.filter(mof_div_code__in=actor.scope.mof_div_codes)
    bank = actor_bank(actor)
    return files if bank is None else files.filter(bank=bank)


def bank_file_get(*, actor: Actor, file_id: int) -> BankFile:
    found = _files(actor).filter(pk=file_id).first()
    if found is None:
        raise NotFoundError("bank file")
    return found


def vouchers_without_agent_bank(*, actor: Actor, mof_div_code: str) -> int:
    """Issued vouchers of the region that no bank file can take: their payer account is held at
    no agent bank (R-PY-9)."""
    if mof_div_code not in actor.scope.mof_div_codes:
        return 0
    return PaymentVoucher.objects.filter(
        mof_div_code=mof_div_code,
        bank_file__isnull=True,
        request__state=RequestState.VOUCHER_ISSUED,
        request__payer_account__agent_bank__isnull=True,
    ).count()


def bank_file_list(*, actor: Actor, after_id: int = 0) -> QuerySet[BankFile]:
    """The files of the actor's regions, oldest first; ``after_id``: only those after it (a
    bank's system polls with the last id it has)."""
    return _files(actor).filter(pk__gt=after_id).defer("xml").order_by("pk")


def line_search(
    *,
    actor: Actor,
    payee: str = "",
    account: str = "",
    amount: int | None = None,
    voucher: str = "",
    pay_date: dt.date | None = None,
    state: str = "",
) -> QuerySet[PaymentLine]:
    """Payment lines of the actor's scope by payee name, the account's last digits, the amount
    (in fen: the caller reads what was typed, and refuses what is no amount), the voucher number
    or the payment date — what a refund starts from (P9)."""
    lines = PaymentLine.objects.filter(
        request__in=PaymentRequest.objects.visible_to(actor).values("pk")
    ).select_related("request", "request__voucher")
    if state:
        lines = lines.filter(state=state)
    if payee:
        lines = lines.filter(payee_name__contains=payee)
    if account:
        lines = lines.filter(payee_account_no__endswith=account)
    if voucher:
        lines = lines.filter(request__voucher__number=voucher)
    if pay_date:
        lines = lines.filter(request__pay_date=pay_date)
    if amount is not None:
        lines = lines.filter(amount=amount)
    return lines.order_by("-request__pay_date", "request", "row")


def correction_targets(*, actor: Actor, line: PaymentLine) -> list[IndicatorLine]:
    """Where a paid line may be corrected to (R-RF-5): the unit's executable lines of the year,
    salary lines for salary payments only, never into a procurement line."""
    lines = IndicatorLine.objects.visible_to(actor).filter(
        organisation_id=line.request.organisation_id,
        fiscal_year=line.request.fiscal_year,
        kind=LineKind.EXECUTABLE,
        is_sal=line.is_sal,
        available__gt=0,
    )
    if not line.is_gov_pur:
        lines = lines.filter(is_gov_pur=False)
    return list(lines.exclude(pk__in=line.charges.values("indicator_line_id")).order_by("code"))


def _of_lines(records: QuerySet[R], state: str, request_id: int | None) -> QuerySet[R]:
    """Refunds or corrections, newest first; of one state, of one request's lines."""
    if state:
        records = records.filter(state=state)
    if request_id is not None:
        records = records.filter(line__request_id=request_id)
    return records.select_related("line").order_by("-created_at", "-pk")


def refund_list(
    *, actor: Actor, state: str = "", request_id: int | None = None
) -> QuerySet[Refund]:
    """The refunds of the actor's units, newest first; of one state, of one request's lines."""
    return _of_lines(Refund.objects.visible_to(actor), state, request_id)


def refund_get(*, actor: Actor, refund_id: int) -> Refund:
    found = Refund.objects.visible_to(actor).filter(pk=refund_id).first()
    if found is None:
        raise NotFoundError("refund")
    return found


def correction_list(
    *, actor: Actor, state: str = "", request_id: int | None = None
) -> QuerySet[Correction]:
    """The corrections of the actor's units, newest first; of one state, of one request's lines."""
    return _of_lines(Correction.objects.visible_to(actor), state, request_id)


def correction_get(*, actor: Actor, correction_id: int) -> Correction:
    found = Correction.objects.visible_to(actor).filter(pk=correction_id).first()
    if found is None:
        raise NotFoundError("correction")
    return found


def clearing_days(*, actor: Actor, state: str = "") -> QuerySet[ClearingDay]:
    """The daily clearing of the actor's regions (R-PY-8), newest day first, then by unit and
    account; of one state (``open``: the differences waiting to be resolved)."""
    days = ClearingDay.objects.filter(mof_div_code__in=actor.scope.mof_div_codes).select_related(
        "account", "bank"
    )
    if state:
        days = days.filter(state=state)
    return days.order_by("-day", "account__organisation__code", "account__account_type", "pk")


def latest_payment_day(*, actor: Actor, on_or_before: dt.date) -> tuple[dt.date | None, int, int]:
    """The last bank value date on or before ``on_or_before`` with money paid in the actor's
    scope, with how many requests and how much (fen) was paid that day: the home page's "today's
    payments" (on a quiet day, the last day there were any)."""
    paid = BankResult.objects.filter(
        accepted=True,
        value_date__lte=on_or_before,
        line__request__in=PaymentRequest.objects.visible_to(actor),
    )
    day = paid.order_by("-value_date").values_list("value_date", flat=True).first()
    if day is None:
        return None, 0, 0
    figures = paid.filter(value_date=day).aggregate(
        n=Count("line__request", distinct=True), s=Sum("line__amount")
    )
    return day, int(figures["n"] or 0), int(figures["s"] or 0)


@dataclass(frozen=True)
class PaymentDay:
    """One bank value date's money paid in a scope: how many requests, how much (fen)."""

    day: dt.date
    requests: int
    amount_fen: int


def payments_by_day(*, actor: Actor, through: dt.date, days: int = 30) -> list[PaymentDay]:
    """Every day of the ``days`` days ending ``through`` (quiet days at 0), oldest first, with
    the requests and the money (fen) the banks paid on it in the actor's scope: the home page's
    payments chart. Counted as ``latest_payment_day`` counts one day."""
    first = through - dt.timedelta(days=days - 1)
    rows = (
        BankResult.objects.filter(
            accepted=True,
            value_date__gte=first,
            value_date__lte=through,
            line__request__in=PaymentRequest.objects.visible_to(actor),
        )
        .values("value_date")
        .annotate(n=Count("line__request", distinct=True), s=Sum("line__amount"))
    )
    paid = {row["value_date"]: (int(row["n"] or 0), int(row["s"] or 0)) for row in rows}
    return [
        PaymentDay(day, *paid.get(day, (0, 0)))
        for day in (first + dt.timedelta(days=n) for n in range(days))
    ]
