"""Daily clearing of zero-balance accounts (清算, R-PY-8, DOMAIN §2.10).

The bank reports, per account and day, what it paid; the system's figure is the sum of payment
lines whose success it recorded that day for that payer account. Equal figures are matched; a
difference opens an item naming both figures, which someone other than the recorder resolves
with a written note (the bank's report is kept as sent; a corrected report replaces an open one).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Sum

from yusuan.audit.services import audit_record, state_change
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.common.money import Money
from yusuan.core.choices import AccountType
from yusuan.core.models import BankAccount
from yusuan.payments import locks
from yusuan.payments.models import BankResult, ClearingDay


def system_total(account: BankAccount, day: dt.date) -> int:
    """Lines paid from ``account`` whose success was recorded on ``day`` (Asia/Shanghai)."""
    total = BankResult.objects.filter(
        accepted=True,
        line__request__payer_account=account,
        recorded_at__date=day,
    ).aggregate(s=Sum("line__amount"))["s"]
    return int(total or 0)


@transaction.atomic
def clearing_record(
    *, actor: Actor, account_no: str, day: dt.date, bank_total: Money
) -> ClearingDay:
    ensure_permission(actor, "payments.record_bank_result")
    account = BankAccount.objects.filter(
        account_no=account_no,
        mof_div_code__in=actor.scope.mof_div_codes,
        account_type=AccountType.UNIT_ZERO_BALANCE,
    ).first()
    if account is None:
        raise BusinessRuleError.single(
            code="payments.clearing_account",
            rule="R-PY-8",
            field="account_no",
            value=account_no,
            message_zh=f"零余额账户 {account_no} 不存在",
            message_en=f"no zero-balance account {account_no}",
        )
    ours = system_total(account, day)
    state = ClearingDay.MATCHED if ours == bank_total.fen else ClearingDay.OPEN
    existing = locks.clearing_day_qs_select_for_update().filter(account=account, day=day).first()
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
        defaults={
            "mof_div_code": account.mof_div_code,
            "bank_total": bank_total.fen,
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
        extra={"bank": bank_total.format(), "system": Money(ours).format()},
    )
    return item


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
    return item
