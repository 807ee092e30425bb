"""Inquiries (问询单, DOMAIN §2.12; issue 22 item 3): the finance monitoring officer asks a unit
about findings of the monitoring rules, with a date to answer by; the unit's verification and,
when finance finds a breach, its rectification report go through the approval engine
(``monitoring.workflow``). Scope: another unit's inquiry is a 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from yusuan.audit.services import audit_record
from yusuan.common.actor import Actor, ensure_permission
from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError, raise_if_any
from yusuan.core.services.sequences import next_number
from yusuan.monitoring.models import FindingSource, FindingStatus, Inquiry, InquiryState
from yusuan.monitoring.services import EXPLANATION_MIN, findings_visible
from yusuan.monitoring.workflow import CLOSE, DOCUMENT_TYPE, HANDLER, NORMAL, RECTIFY
from yusuan.workflow.choices import InstanceState
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services import document_submit, instance_approve

ISSUE_PERMISSION = "monitoring.add_inquiry"
REPLY_PERMISSION = "monitoring.change_inquiry"
SERIES = "monitoring-inquiry"
OPEN = (InquiryState.ISSUED, InquiryState.VERIFYING, InquiryState.RECTIFYING)


def inquiry_list(*, actor: Actor, state: str = "") -> QuerySet[Inquiry]:
    rows = Inquiry.objects.visible_to(actor).select_related("organisation", "issued_by")
    if state == "open":
        return rows.exclude(state__in=(InquiryState.NORMAL, InquiryState.CLOSED))
    if state == "overdue":
        return overdue(actor=actor)
    return rows.filter(state=state) if state else rows


def awaiting_reply(*, actor: Actor) -> QuerySet[Inquiry]:
    """Inquiries waiting for the unit: its verification or its rectification report."""
    return Inquiry.objects.visible_to(actor).filter(
        state__in=(InquiryState.ISSUED, InquiryState.RECTIFYING)
    )


def overdue(*, actor: Actor, today: dt.date | None = None) -> QuerySet[Inquiry]:
    """Inquiries whose unit has not replied by the date it was given."""
    today = today or timezone.localdate()
    rows = Inquiry.objects.visible_to(actor).select_related("organisation")
    return rows.filter(state=InquiryState.ISSUED, answer_due__lt=today) | rows.filter(
        state=InquiryState.RECTIFYING, rectify_due__lt=today
    )


def inquiry_get(*, actor: Actor, inquiry_id: object) -> Inquiry:
    return HANDLER.load(actor=actor, object_id=str(inquiry_id))


def _error(field: str, value: str, zh: str, en: str, **kw: Any) -> ErrorDetail:
    return ErrorDetail(
        code=kw.pop("code", "monitoring.bad_inquiry"),
        rule="R-MO-14",
        field=field,
        value=value[:80],
        message_zh=zh,
        message_en=en,
        **kw,
    )


@transaction.atomic
def inquiry_issue(
    *, actor: Actor, finding_ids: Sequence[int], question: str, answer_due: dt.date
) -> Inquiry:
    """Ask the unit of ``finding_ids`` (the scan's open findings of one unit, not already asked
    about) to verify them by ``answer_due``."""
    ensure_permission(actor, ISSUE_PERMISSION)
    ids = sorted({int(i) for i in finding_ids})
    findings = list(findings_visible(actor).filter(pk__in=ids))
    if len(findings) != len(ids) or not ids:
        raise NotFoundError("finding")
    errors: list[ErrorDetail] = []
    text = question.strip()
    if len(text) < EXPLANATION_MIN:
        errors.append(
            _error(
                "question",
                text,
                f"请写明疑似违规的情况（至少 {EXPLANATION_MIN} 个字）",
                f"describe the suspected irregularity ({EXPLANATION_MIN} characters at least)",
            )
        )
    today = timezone.localdate()
    if answer_due <= today:
        errors.append(
            _error(
                "answer_due",
                answer_due.isoformat(),
                f"核实期限 {answer_due} 须晚于今天 {today}",
                f"the verification date {answer_due} must be after today {today}",
                limit=f"> {today}",
            )
        )
    units = {f.organisation_id for f in findings}
    if len(units) != 1:
        errors.append(
            _error(
                "finding_ids",
                ",".join(map(str, ids)),
                "一张问询单只问一个单位",
                "one inquiry asks one unit",
            )
        )
    for f in findings:
        if f.source != FindingSource.SCAN or f.inquiry_id or f.status != FindingStatus.GENERATED:
            errors.append(
                _error(
                    "finding_ids",
                    str(f.pk),
                    f"预警 {f.rule}（{f.pk}）不是待问询的事后预警",
                    f"finding {f.rule} ({f.pk}) is not an open after-the-fact finding",
                    code="monitoring.finding_not_open",
                )
            )
    raise_if_any(errors)
    first = findings[0]
    year = first.found_on.year if first.found_on else today.year
    number = next_number(mof_div_code=first.mof_div_code, fiscal_year=year, series=SERIES)
    inquiry = Inquiry.objects.create(
        mof_div_code=first.mof_div_code,
        fiscal_year=year,
        number=f"WX{year}{number:06d}",
        organisation_id=first.organisation_id,
        question=text,
        answer_due=answer_due,
        issued_by_id=actor.pk,
    )
    # A conditional update: a finding asked about meanwhile by another inquiry is not taken twice.
    taken = (
        findings_visible(actor)
        .filter(pk__in=ids, inquiry__isnull=True, status=FindingStatus.GENERATED)
        .update(inquiry=inquiry)
    )
    if taken != len(ids):
        raise BusinessRuleError.single(
            code="monitoring.finding_asked_meanwhile",
            rule="R-MO-14",
            field="finding_ids",
            value=",".join(map(str, ids)),
            message_zh="所选预警刚被另一张问询单问询，请刷新后重试",
            message_en="a chosen finding was just asked about by another inquiry; reload",
            status=409,
        )
    audit_record(
        action="monitoring.inquiry_issue",
        actor=actor,
        obj=inquiry,
        changes={"state": [None, inquiry.state]},
        extra={"findings": [f"{f.rule}:{f.pk}" for f in findings], "due": answer_due.isoformat()},
    )
    return inquiry


@transaction.atomic
def inquiry_reply(*, actor: Actor, inquiry_id: object, text: str) -> Inquiry:
    """The unit's reply — its verification (核实) while issued, its rectification report (整改)
    while rectifying — submitted to finance through the approval engine."""
    ensure_permission(actor, REPLY_PERMISSION)
    inquiry = HANDLER.load(actor=actor, object_id=str(inquiry_id), for_update=True)
    HANDLER.ensure_draft(inquiry)
    reply = text.strip()
    field = "answer" if inquiry.state == InquiryState.ISSUED else "rectification"
    if len(reply) < EXPLANATION_MIN or len(set(reply)) <= 2:
        raise BusinessRuleError.single(
            code="monitoring.reply_required",
            rule="R-MO-14",
            field=field,
            value=reply[:80],
            limit=f"≥ {EXPLANATION_MIN}",
            message_zh=f"请写明核实或整改情况（至少 {EXPLANATION_MIN} 个字）",
            message_en=f"write what was verified or rectified ({EXPLANATION_MIN} characters at least)",
        )
    before = getattr(inquiry, field)
    setattr(inquiry, field, reply)
    inquiry.answered_by_id = actor.pk
    inquiry.save(update_fields=[field, "answered_by", "updated_at"])
    audit_record(
        action="monitoring.inquiry_reply",
        actor=actor,
        obj=inquiry,
        changes={field: [before, reply]},
    )
    document_submit(actor=actor, document_type=DOCUMENT_TYPE, object_id=str(inquiry.pk))
    inquiry.refresh_from_db()
    return inquiry


DECIDE_PERMISSION = "monitoring.review_finding"
DECISIONS = {
    InquiryState.VERIFYING: (NORMAL, RECTIFY),  # 认定正常, 认定违规须整改
    InquiryState.RECTIFY_REVIEW: (CLOSE,),  # 销号
}


@transaction.atomic
def inquiry_decide(*, actor: Actor, inquiry_id: object, decision: str, note: str = "") -> Inquiry:
    """The finance monitoring officer's decision, taken as the approval of the unit's reply:
    on a verification 认定正常 (``normal``, closed) or 认定违规须整改 (``rectify``: the unit
    rectifies by a date, in a new round); on a rectification report 销号 (``close``). Sending a
    reply back (退回) or confirming a breach without rectification (驳回) are the engine's own
    return and reject."""
    ensure_permission(actor, DECIDE_PERMISSION)
    inquiry = HANDLER.load(actor=actor, object_id=str(inquiry_id), for_update=True)
    allowed = DECISIONS.get(InquiryState(inquiry.state), ())
    if decision not in allowed:
        raise BusinessRuleError.single(
            code="monitoring.bad_inquiry_decision",
            rule="R-MO-14",
            field="decision",
            value=decision[:20],
            limit=" | ".join(allowed) or "—",
            message_zh=f"问询单 {inquiry.number} 当前（{inquiry.get_state_display()}）不能作此认定",
            message_en=f"inquiry {inquiry.number} ({inquiry.state}) cannot be decided {decision!r}",
            status=409 if not allowed else 422,
        )
    text = note.strip()
    if decision == RECTIFY and len(text) < EXPLANATION_MIN:
        raise BusinessRuleError.single(
            code="monitoring.explanation_required",
            rule="R-MO-14",
            field="note",
            value=text,
            limit=f"≥ {EXPLANATION_MIN}",
            message_zh=f"认定违规须写明整改要求（至少 {EXPLANATION_MIN} 个字）",
            message_en=f"say what must be rectified ({EXPLANATION_MIN} characters at least)",
        )
    instance = (
        WorkflowInstance.objects.filter(
            document_type=DOCUMENT_TYPE, object_id=str(inquiry.pk), state=InstanceState.IN_PROGRESS
        )
        .order_by("-round")
        .first()
    )
    if instance is None:  # a verifying inquiry always has its round open
        raise NotFoundError("inquiry")
    inquiry.decision = decision
    inquiry.save(update_fields=["decision", "updated_at"])
    instance_approve(actor=actor, instance_id=instance.pk, comment=text)
    inquiry.refresh_from_db()
    return inquiry
