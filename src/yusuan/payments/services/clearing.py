"""Daily clearing of zero-balance accounts (清算, R-PY-8, R-PY-10, R-PY-11; DOMAIN §2.10,
DOMAIN-2 §1 C5; ADR 0029).

Clearing is per (agent bank, account, bank value date, clearing source). The bank reports what it
paid from the account and what came back to it that value date; the system's figure is its paid
lines whose bank result carries that value date minus the refunds of that date, counting only the
lines of the source (R-PY-11: fund nature 4xx → 财政专户, 5xx unit funds → not cleared, the rest →
国库单一账户). Only the bank holding the account reports its clearing (R-PY-9). Equal figures are
matched; a difference opens an item naming both figures, which blocks nothing and which someone
other than the recorder resolves with a written note. A paid request moves to ``cleared`` once
every day its paid lines belong to is matched or resolved.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, Sum

from yusuan.audit.services import audit_record, state_change
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money
from yusuan.core.choices import AccountType
from yusuan.core.models import BankAccount
from yusuan.payments import locks
from yusuan.payments.agent_banks import (
    SOURCE_NAMES,
    SPECIAL,
    TREASURY,
    clearing_source,
    refuse_other_bank,
)
from yusuan.payments.choices import RequestState
from yusuan.payments.models import BankResult, ClearingDay, PaymentRequest, Refund
from yusuan.payments.services.requests import set_state

DONE = (ClearingDay.MATCHED, ClearingDay.RESOLVED)


def _of_source(source: str, prefix: str = "") -> Q:
    """R-PY-11: the lines (through ``prefix``) whose fund nature clears against ``source``."""
    field = f"{prefix}fund_type_code__startswith"
    if source == SPECIAL:
        return Q(**{field: "4"})
    return ~Q(**{field: "4"}) & ~Q(**{field: "5"})


def system_figures(account: BankAccount, day: dt.date, source: str = TREASURY) -> tuple[int, int]:
    """R-PY-10: the system's paid lines of ``account`` whose bank value date is ``day``, and the
    refunds of those lines dated ``day``, both of the clearing ``source``."""
    paid = BankResult.objects.filter(
        _of_source(source, "line__"),
        accepted=True,
        line__request__payer_account=account,
        value_date=day,
    ).aggregate(s=Sum("line__amount"))["s"]
    refunded = Refund.objects.filter(
        _of_source(source, "line__"),
        line__request__payer_account=account,
        refund_date=day,
    ).aggregate(s=Sum("amount"))["s"]
    return int(paid or 0), int(refunded or 0)


def system_total(account: BankAccount, day: dt.date, source: str = TREASURY) -> int:
    """Paid minus refunded (``system_figures``): what the bank's figure must equal."""
    paid, refunded = system_figures(account, day, source)
    return paid - refunded


def _bad_source(source: str) -> BusinessRuleError:
    return BusinessRuleError.single(
        code="payments.clearing_source",
        rule="R-PY-11",
        field="source",
        value=source[:20],
        limit=[TREASURY, SPECIAL],
        message_zh=f"清算来源“{source[:20]}”无效：财政资金按资金性质与国库单一账户（treasury）或"
        "财政专户（special）清算，单位资金不清算",
        message_en=f"clearing source '{source[:20]}' is not one: fiscal money clears against the "
        "treasury single account (treasury) or the special account (special) by fund nature; "
        "unit funds are not cleared",
        status=422,
    )


@transaction.atomic
def clearing_record(
    *,
    actor: Actor,
    account_no: str,
    day: dt.date,
    bank_total: Money,
    bank_returned: Money | None = None,
    source: str = TREASURY,
) -> ClearingDay:
    """The bank's figures for one account, value date and source: ``bank_total`` paid out,
    ``bank_returned`` come back (R-PY-10)."""
    ensure_permission(actor, "payments.record_bank_result")
    if source not in SOURCE_NAMES:
        raise _bad_source(source)
    account = (
        BankAccount.objects.filter(
            account_no=account_no,
            mof_div_code__in=actor.scope.mof_div_codes,
            account_type=AccountType.UNIT_ZERO_BALANCE,
        )
        .select_related("agent_bank")
        .first()
    )
    if account is None:
        raise BusinessRuleError.single(
            code="payments.clearing_account",
            rule="R-PY-8",
            field="account_no",
            value=account_no,
            message_zh=f"零余额账户 {account_no} 不存在",
            message_en=f"no zero-balance account {account_no}",
        )
    refuse_other_bank(
        actor,
        account,
        field="account_no",
        what_zh=f"{day} 的清算数",
        what_en=f"clearing for {day}",
    )
    returned = bank_returned.fen if bank_returned is not None else 0
    bank_net = bank_total.fen - returned
    ours = system_total(account, day, source)
    state = ClearingDay.MATCHED if ours == bank_net else ClearingDay.OPEN
    existing = (
        locks.clearing_day_qs_select_for_update()
        .filter(account=account, day=day, source=source)
        .first()
    )
    if existing is not None and existing.state != ClearingDay.OPEN:
        raise BusinessRuleError.single(
            code="payments.clearing_done",
            rule="R-PY-8",
            field="day",
            value=str(day),
            message_zh=f"账户 {account_no} {day} 已清算（{existing.get_state_display()}）",
            message_en=f"account {account_no} was cleared for {day} ({existing.state})",
            status=409,
        )
    item, _created = ClearingDay.objects.update_or_create(
        account=account,
        day=day,
        source=source,
        defaults={
            "mof_div_code": account.mof_div_code,
            "bank_id": account.agent_bank_id,
            "bank_paid": bank_total.fen,
            "bank_returned": returned,
            "bank_total": bank_net,
            "system_total": ours,
            "state": state,
            "recorded_by_id": actor.pk,
        },
    )
    audit_record(
        action="payments.clearing",
        actor=actor,
        obj=item,
        changes={"state": [existing.state if existing else None, state]},
        extra={
            "bank": bank_total.format(),
            "returned": Money(returned).format(),
            "system": Money(ours).format(),
            "source": source,
        },
    )
    if state == ClearingDay.MATCHED:
        clear_requests(actor=actor, account=account, day=day)
    return item


def clear_requests(*, actor: Actor, account: BankAccount, day: dt.date) -> list[str]:
    """R-PY-10: the paid requests of ``account`` with a line of value date ``day`` move to
    ``cleared`` when every paid line's (value date, source) day is matched or resolved; unit
    funds (5xx) need none (R-PY-11). Returns the numbers cleared."""
    candidates = (
        PaymentRequest.objects.filter(
            payer_account=account,
            state__in=(RequestState.PAID, RequestState.PARTLY_FAILED),
            lines__bank_results__accepted=True,
            lines__bank_results__value_date=day,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    requests = list(locks.request_qs_select_for_update().filter(pk__in=list(candidates)))
    if not requests:
        return []
    done = {
        (d, s)
        for d, s in ClearingDay.objects.filter(account=account, state__in=DONE).values_list(
            "day", "source"
        )
    }
    cleared = []
    for request in requests:
        needed = {
            (value_date, source)
            for value_date, fund_type in BankResult.objects.filter(
                line__request=request, accepted=True
            ).values_list("value_date", "line__fund_type_code")
            if (source := clearing_source(fund_type)) is not None
        }
        if needed and needed <= done:
            set_state(actor=actor, request=request, state=RequestState.CLEARED, why="cleared")
            cleared.append(request.number)
    return cleared


@transaction.atomic
def clearing_resolve(*, actor: Actor, item_id: int, note: str) -> ClearingDay:
    ensure_permission(actor, "payments.send_to_bank")
    item = (
        locks.clearing_day_qs_select_for_update()
        .filter(pk=item_id, mof_div_code__in=actor.scope.mof_div_codes)
        .first()
    )
    if item is None:
        raise NotFoundError("clearing day")
    if item.state != ClearingDay.OPEN:
        raise BusinessRuleError.single(
            code="payments.clearing_not_open",
            field="state",
            value=item.state,
            message_zh="该清算差异已处理",
            message_en="this clearing difference is already settled",
            status=409,
        )
    if item.recorded_by_id == actor.pk:
        raise BusinessRuleError.single(
            code="payments.clearing_same_person",
            rule="R-WF-1",
            field="resolved_by",
            value=getattr(actor, "username", ""),
            message_zh="清算差异须由登记人以外的人员处理",
            message_en="someone other than the recorder resolves the difference",
            status=403,
        )
    if len(note.strip()) < 4:
        raise BusinessRuleError.single(
            code="payments.clearing_note",
            rule="R-PY-8",
            field="note",
            value=note.strip(),
            limit="≥ 4",
            message_zh="请写明差异原因和处理结果（至少 4 个字）",
            message_en="write what caused the difference and how it was settled",
        )
    item.note = note.strip()
    item.resolved_by_id = actor.pk
    item.save(update_fields=["note", "resolved_by", "updated_at"])
    state_change(
        action="payments.clearing_state",
        actor=actor,
        obj=item,
        state=ClearingDay.RESOLVED,
        why="resolved",
    )
    clear_requests(actor=actor, account=item.account, day=item.day)
    return item
