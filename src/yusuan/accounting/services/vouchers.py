"""Vouchers (记账凭证): prepare, review, post, reverse (R-AC-2, R-AC-7, R-AC-8; ADR 0047).

制单 ≠ 审核 ≠ 记账: a voucher is prepared by an accountant (or by the system from a money event,
then the person whose act made the event counts as its maker), reviewed by a 会计主管 who did not
prepare it, and posted by a third person. Posting numbers it (记-MM-NNNN, from a locked counter
per book and month: no gaps) and adds its lines to the month's totals. A posted voucher is
frozen by the database; it is corrected by a red-ink reversal (红字冲销) and a new voucher.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from yusuan.accounting import locks
from yusuan.accounting.choices import (
    PeriodState,
    VoucherOrigin,
    VoucherState,
)
from yusuan.accounting.models import OPENING_MONTH, Book, Voucher, VoucherLine
from yusuan.accounting.rules import Line
from yusuan.accounting.services.books import access_book
from yusuan.accounting.services.common import KEEP, REVIEW, ChartAccount, chart_of
from yusuan.accounting.services.lines import (
    LineInput,
    check_lines,
    lines_from_inputs,
    reference_errors,
    stored_lines,
    write_lines,
)
from yusuan.accounting.services.totals import add_to_totals
from yusuan.audit.services import AuditEntry, audit_record, audit_records
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, err, refuse
from yusuan.common.ids import as_pk
from yusuan.core.services.sequences import next_number

# --- Reading and checking ------------------------------------------------------------------


def access_voucher(actor: Actor, voucher_id: object, *, for_update: bool = False) -> Voucher:
    pk = as_pk(voucher_id)
    rows = locks.voucher_qs_select_for_update() if for_update else Voucher.objects.all()
    found = (
        rows.visible_to(actor).select_related("book").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if found is None:
        raise NotFoundError("voucher")
    return found


def _month_of(book: Book, voucher_date: dt.date, *, opening: bool) -> int:
    if voucher_date.year != book.fiscal_year:
        raise refuse(
            "accounting.date_outside_year",
            "voucher_date",
            f"凭证日期 {voucher_date.isoformat()} 不在 {book.fiscal_year} 会计年度内",
            f"the date {voucher_date.isoformat()} is outside the fiscal year {book.fiscal_year}",
            value=voucher_date.isoformat(),
            limit=str(book.fiscal_year),
        )
    return OPENING_MONTH if opening else voucher_date.month


def _ensure_open(book: Book, month: int) -> None:
    period = locks.period_qs_select_for_update().get(book=book, month=month)
    if period.state != PeriodState.OPEN:
        raise refuse(
            "accounting.period_closed",
            "voucher_date",
            f"{_month_name(month)}已结账，不能在其中记账",
            f"period {month} is closed; nothing is posted into it",
            rule="R-AC-8",
            value=month,
        )


def _month_name(month: int) -> str:
    return "期初" if month == OPENING_MONTH else f"{month} 月"


# --- Writing -------------------------------------------------------------------------------


def _summary(text: str) -> str:
    summary = text.strip()
    if not summary or len(summary) > 200:
        raise refuse(
            "accounting.summary",
            "summary",
            "摘要必填，最多 200 字",
            "a summary of up to 200 characters is required",
            value=summary[:220],
            limit=200,
        )
    return summary


def _attachments(count: int) -> int:
    if not 0 <= count <= 9999:
        raise refuse(
            "accounting.attachments",
            "attachments",
            f"附件张数应为 0–9999，收到 {count}",
            f"attachments are 0–9999, got {count}",
            value=count,
            limit=9999,
        )
    return count


@transaction.atomic
def voucher_create(
    *,
    actor: Actor,
    book_id: object,
    voucher_date: dt.date,
    summary: str,
    lines: Sequence[LineInput],
    attachments: int = 0,
    opening: bool = False,
) -> Voucher:
    """A manual voucher (or the opening balances, month 0), as a draft."""
    ensure_permission(actor, KEEP)
    book = access_book(actor, book_id)
    text = _summary(summary)
    count = _attachments(attachments)
    month = _month_of(book, voucher_date, opening=opening)
    typed, errors = lines_from_inputs(lines)
    chart = chart_of(book.mof_div_code)
    errors += check_lines(book, typed, chart) if not errors else []
    errors += reference_errors(book, typed)
    if errors:
        raise BusinessRuleError(errors)
    voucher = Voucher.objects.create(
        mof_div_code=book.mof_div_code,
        fiscal_year=book.fiscal_year,
        book=book,
        month=month,
        voucher_date=voucher_date,
        summary=text,
        origin=VoucherOrigin.OPENING if opening else VoucherOrigin.MANUAL,
        attachments=count,
        prepared_by_id=actor.pk,
    )
    write_lines(voucher, typed, chart)
    voucher.save(update_fields=["total_fen"])
    audit_record(
        action="accounting.voucher.create",
        actor=actor,
        obj=voucher,
        mof_div_code=book.mof_div_code,
        fiscal_year=book.fiscal_year,
        extra={"lines": len(typed), "total_fen": voucher.total_fen, "month": month},
    )
    return voucher


def _ensure_draft(voucher: Voucher) -> None:
    if voucher.state != VoucherState.DRAFT:
        raise refuse(
            "accounting.not_draft",
            "state",
            f"凭证 {voucher.label} 已{voucher.get_state_display()}，不能修改",
            f"voucher {voucher.label} is {voucher.state}; it cannot be changed",
            value=voucher.state,
            status=409,
        )


@transaction.atomic
def voucher_update(
    *,
    actor: Actor,
    voucher_id: object,
    voucher_date: dt.date,
    summary: str,
    lines: Sequence[LineInput],
    attachments: int = 0,
) -> Voucher:
    """Change a draft (one's own, or a generated one: whoever completes it becomes its
    preparer and may then neither review nor post it)."""
    ensure_permission(actor, KEEP)
    voucher = access_voucher(actor, voucher_id, for_update=True)
    _ensure_draft(voucher)
    if voucher.origin == VoucherOrigin.REVERSAL:
        raise refuse(
            "accounting.reversal_fixed",
            "lines",
            "红字冲销凭证的分录不能修改",
            "a reversal's lines cannot be changed",
            status=409,
        )
    if voucher.prepared_by_id not in (None, actor.pk):
        raise NotFoundError("voucher")  # another accountant's draft is theirs to change
    book = voucher.book
    text = _summary(summary)
    count = _attachments(attachments)
    month = _month_of(book, voucher_date, opening=voucher.origin == VoucherOrigin.OPENING)
    typed, errors = lines_from_inputs(lines)
    chart = chart_of(book.mof_div_code)
    errors += check_lines(book, typed, chart) if not errors else []
    errors += reference_errors(book, typed)
    if errors:
        raise BusinessRuleError(errors)
    before = {"summary": voucher.summary, "total_fen": voucher.total_fen, "month": voucher.month}
    voucher.voucher_date, voucher.month, voucher.summary = voucher_date, month, text
    voucher.attachments = count
    voucher.prepared_by = actor  # type: ignore[assignment]
    voucher.problem = ""
    write_lines(voucher, typed, chart)
    voucher.save()
    audit_record(
        action="accounting.voucher.update",
        actor=actor,
        obj=voucher,
        mof_div_code=book.mof_div_code,
        fiscal_year=book.fiscal_year,
        changes={
            key: [value, getattr(voucher, key)]
            for key, value in before.items()
            if getattr(voucher, key) != value
        },
    )
    return voucher


@transaction.atomic
def voucher_delete(*, actor: Actor, voucher_id: object) -> None:
    """Discard one's own manual draft (it has no number yet, so no gap). A generated voucher
    stays: its event has exactly one (R-AC-7)."""
    ensure_permission(actor, KEEP)
    voucher = access_voucher(actor, voucher_id, for_update=True)
    _ensure_draft(voucher)
    if voucher.origin == VoucherOrigin.GENERATED or voucher.prepared_by_id != actor.pk:
        raise refuse(
            "accounting.keep_generated",
            "voucher",
            "由业务生成的凭证或他人制单的凭证不能删除",
            "a generated voucher, or another person's, cannot be deleted",
            rule="R-AC-7",
            status=409,
        )
    audit_record(
        action="accounting.voucher.delete",
        actor=actor,
        obj=voucher,
        mof_div_code=voucher.mof_div_code,
        fiscal_year=voucher.fiscal_year,
        extra={"summary": voucher.summary, "total_fen": voucher.total_fen},
    )
    VoucherLine.objects.filter(voucher=voucher).delete()
    voucher.delete()


def _locked(actor: Actor, voucher_ids: Iterable[object]) -> list[Voucher]:
    ids = sorted({pk for pk in (as_pk(v) for v in voucher_ids) if pk is not None})
    if not ids:
        raise refuse("accounting.none_chosen", "ids", "请选择凭证", "choose vouchers")
    found = list(
        locks.voucher_qs_select_for_update()
        .visible_to(actor)
        .select_related("book")
        .filter(pk__in=ids)
    )
    if len(found) != len(ids):
        raise NotFoundError("voucher")
    return found


def _same_person(voucher: Voucher, actor: Actor, *, as_what: str) -> ErrorDetail | None:
    """制单 ≠ 审核 ≠ 记账, and the event's maker takes no part (R-AC-7, R-WF-1)."""
    roles = (
        ("prepared_by_id", "制单", "prepared"),
        ("event_by_id", "经办该笔业务", "made the event of"),
        ("reviewed_by_id", "审核", "reviewed"),
    )
    for attribute, zh, en in roles:
        if getattr(voucher, attribute) == actor.pk and actor.pk is not None:
            return err(
                "accounting.same_person",
                "actor",
                f"凭证 {voucher.label}：您已{zh}，不能再{as_what}",
                f"voucher {voucher.label}: you {en} it, so you may not {as_what} it",
                rule="R-AC-7",
            )
    return None


@transaction.atomic
def voucher_review(*, actor: Actor, voucher_ids: Iterable[object]) -> list[Voucher]:
    """审核 one or many drafts: each balanced and complete, none prepared by the reviewer."""
    ensure_permission(actor, REVIEW)
    vouchers = _locked(actor, voucher_ids)
    errors: list[ErrorDetail] = []
    charts: dict[str, dict[str, ChartAccount]] = {}
    for voucher in vouchers:
        if voucher.state != VoucherState.DRAFT:
            errors.append(
                err(
                    "accounting.not_draft",
                    "state",
                    f"凭证 {voucher.label} 不是待审核状态",
                    f"voucher {voucher.label} is not waiting for review",
                    value=voucher.state,
                )
            )
            continue
        if voucher.problem:
            errors.append(
                err(
                    "accounting.incomplete",
                    "lines",
                    f"凭证 {voucher.label} 尚待补充分录：{voucher.problem}",
                    f"voucher {voucher.label} needs its lines: {voucher.problem}",
                    rule="R-AC-7",
                )
            )
            continue
        same = _same_person(voucher, actor, as_what="审核")
        if same is not None:
            errors.append(same)
            continue
        chart = charts.setdefault(voucher.mof_div_code, chart_of(voucher.mof_div_code))
        errors += [
            ErrorDetail(**{**e.__dict__, "message_zh": f"凭证 {voucher.label}：{e.message_zh}"})
            for e in check_lines(voucher.book, stored_lines(voucher), chart)
        ]
    if errors:
        raise BusinessRuleError(errors, status=409)
    now = timezone.now()
    for voucher in vouchers:
        voucher.state = VoucherState.REVIEWED
        voucher.reviewed_by = actor  # type: ignore[assignment]
        voucher.reviewed_at = now
    Voucher.objects.bulk_update(vouchers, ["state", "reviewed_by", "reviewed_at", "updated_at"])
    audit_records(
        action="accounting.voucher.review",
        actor=actor,
        entries=[
            AuditEntry(v, changes={"state": [VoucherState.DRAFT, VoucherState.REVIEWED]})
            for v in vouchers
        ],
    )
    return vouchers


@transaction.atomic
def voucher_unreview(*, actor: Actor, voucher_ids: Iterable[object]) -> list[Voucher]:
    """取消审核: a reviewed, unposted voucher goes back to draft (its reviewer or another 会计主管)."""
    ensure_permission(actor, REVIEW)
    vouchers = _locked(actor, voucher_ids)
    wrong = [v.label for v in vouchers if v.state != VoucherState.REVIEWED]
    if wrong:
        raise refuse(
            "accounting.not_reviewed",
            "state",
            f"凭证 {'、'.join(wrong)} 不是已审核未记账状态",
            f"vouchers {', '.join(wrong)} are not reviewed and unposted",
            status=409,
        )
    for voucher in vouchers:
        voucher.state = VoucherState.DRAFT
        voucher.reviewed_by = None
        voucher.reviewed_at = None
    Voucher.objects.bulk_update(vouchers, ["state", "reviewed_by", "reviewed_at", "updated_at"])
    audit_records(
        action="accounting.voucher.unreview",
        actor=actor,
        entries=[
            AuditEntry(v, changes={"state": [VoucherState.REVIEWED, VoucherState.DRAFT]})
            for v in vouchers
        ],
    )
    return vouchers


@transaction.atomic
def voucher_post(*, actor: Actor, voucher_ids: Iterable[object]) -> list[Voucher]:
    """记账: reviewed vouchers, in an open month, by someone who neither prepared nor reviewed
    them; each gets the next number of its book and month and adds to the month's totals."""
    ensure_permission(actor, KEEP)
    vouchers = _locked(actor, voucher_ids)
    errors: list[ErrorDetail] = []
    for voucher in vouchers:
        if voucher.state != VoucherState.REVIEWED:
            errors.append(
                err(
                    "accounting.not_reviewed",
                    "state",
                    f"凭证 {voucher.label} 未审核，不能记账",
                    f"voucher {voucher.label} is not reviewed",
                    value=voucher.state,
                )
            )
            continue
        same = _same_person(voucher, actor, as_what="记账")
        if same is not None:
            errors.append(same)
    if errors:
        raise BusinessRuleError(errors, status=409)
    opened: set[tuple[int, int]] = set()
    now = timezone.now()
    # Number in date order within each book and month, whatever order they were chosen in.
    for voucher in sorted(vouchers, key=lambda v: (v.book_id, v.month, v.voucher_date, v.pk)):
        key = (voucher.book_id, voucher.month)
        if key not in opened:
            _ensure_open(voucher.book, voucher.month)
            opened.add(key)
        voucher.number = next_number(
            mof_div_code=voucher.mof_div_code,
            fiscal_year=voucher.fiscal_year,
            series=f"voucher:{voucher.book_id}:{voucher.month:02d}",
        )
        voucher.state = VoucherState.POSTED
        voucher.posted_by = actor  # type: ignore[assignment]
        voucher.posted_at = now
    Voucher.objects.bulk_update(
        vouchers, ["number", "state", "posted_by", "posted_at", "updated_at"]
    )
    add_to_totals([v.pk for v in vouchers])
    audit_records(
        action="accounting.voucher.post",
        actor=actor,
        entries=[
            AuditEntry(
                v,
                changes={"state": [VoucherState.REVIEWED, VoucherState.POSTED]},
                extra={"number": v.label, "total_fen": v.total_fen},
            )
            for v in vouchers
        ],
    )
    return vouchers


@transaction.atomic
def voucher_reverse(
    *, actor: Actor, voucher_id: object, voucher_date: dt.date, reason: str
) -> Voucher:
    """红字冲销: a draft with the posted voucher's lines in red (negative), dated in an open
    month; it then goes through review and posting like any voucher."""
    ensure_permission(actor, KEEP)
    original = access_voucher(actor, voucher_id, for_update=True)
    if original.state != VoucherState.POSTED:
        raise refuse(
            "accounting.not_posted",
            "state",
            f"凭证 {original.label} 未记账，直接修改即可，无须冲销",
            f"voucher {original.label} is not posted: change it instead",
            status=409,
        )
    if Voucher.objects.filter(reverses=original).exists():
        raise refuse(
            "accounting.already_reversed",
            "voucher",
            f"凭证 {original.label} 已被冲销",
            f"voucher {original.label} is already reversed",
            status=409,
        )
    book = original.book
    month = _month_of(book, voucher_date, opening=original.origin == VoucherOrigin.OPENING)
    why = _summary(reason)
    red = [
        Line(
            half=line.half,
            side=line.side,
            account_code=line.account_code,
            amount=-line.amount,
            dims=line.dims,
            summary=line.summary,
        )
        for line in stored_lines(original)
    ]
    voucher = Voucher.objects.create(
        mof_div_code=book.mof_div_code,
        fiscal_year=book.fiscal_year,
        book=book,
        month=month,
        voucher_date=voucher_date,
        summary=f"冲销 {original.label}：{why}"[:200],
        origin=VoucherOrigin.REVERSAL,
        source_type=original.source_type,
        source_id=original.source_id,
        source_number=original.source_number,
        rule_code=original.rule_code,
        prepared_by_id=actor.pk,
        event_by=original.event_by,
        reverses=original,
    )
    write_lines(voucher, red, chart_of(book.mof_div_code))
    voucher.save(update_fields=["total_fen"])
    audit_record(
        action="accounting.voucher.reverse",
        actor=actor,
        obj=voucher,
        mof_div_code=book.mof_div_code,
        fiscal_year=book.fiscal_year,
        extra={"reverses": original.label, "reason": why},
    )
    return voucher


__all__ = [
    "LineInput",
    "access_voucher",
    "add_to_totals",
    "voucher_create",
    "voucher_delete",
    "voucher_post",
    "voucher_reverse",
    "voucher_review",
    "voucher_unreview",
    "voucher_update",
]
