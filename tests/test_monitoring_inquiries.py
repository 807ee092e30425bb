"""Inquiries (问询单, issue 22 item 3): finance asks a unit about the scan's findings, the unit
verifies through the approval engine, finance decides — normal (closed) or a breach the unit
rectifies by a date — and closes it (销号); each step moves the findings with it. Scope, SoD and
bad input are refused by name."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

import pytest

from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.monitoring.models import FindingStatus, InquiryState, MonitoringFinding
from yusuan.monitoring.services import settings_change, thresholds
from yusuan.monitoring.services.inquiries import (
    inquiry_decide,
    inquiry_issue,
    inquiry_reply,
    overdue,
)
from yusuan.monitoring.services.scans import scan
from yusuan.workflow.models import WorkflowInstance
from yusuan.workflow.services import instance_approve, instance_reject, instance_return

pytestmark = pytest.mark.django_db

REGION = "320509"
VERIFIED = "本单位年末集中支付系教学设备按合同分期付款，附合同及验收单。"
RECTIFIED = "已调整支付计划，后续按月均衡支付，并完善内部审批流程。"


def _school_finding(user: Any) -> MonitoringFinding:
    """A year-end surge of the school, found by the scan (R-MO-15 tuned to fire)."""
    in_force = thresholds(REGION)
    settings_change(
        actor=user("wj_monitor"),
        mof_div_code=REGION,
        levels={},
        amounts={
            n: getattr(in_force, n)
            for n in ("cash_single_warn", "cash_single_block", "cash_month_warn")
            + ("cash_month_block", "cash_year_warn", "cash_year_block")
        },
        tuning={"R-MO-15": {"params": {"from_day": "01-01", "share": 1, "min_paid": 0}}},
    )
    scan(actor=None, region=REGION, year=2026, as_of=dt.date(2026, 12, 31))
    school = user("school_clerk").organisation
    return MonitoringFinding.objects.get(rule="R-MO-15", organisation=school)


def _instance(inquiry: Any) -> WorkflowInstance:
    return WorkflowInstance.objects.filter(
        document_type="monitoring.inquiry", object_id=str(inquiry.pk)
    ).latest("round")


def _issue(user: Any, finding: MonitoringFinding) -> Any:
    return inquiry_issue(
        actor=user("wj_monitor"),
        finding_ids=[finding.pk],
        question="年末支付占全年比例过高，请核实原因并提供依据。",
        answer_due=timezone.localdate() + dt.timedelta(days=10),
    )


def test_an_inquiry_from_finding_to_closing(user: Any) -> None:
    finding = _school_finding(user)
    inquiry = _issue(user, finding)
    assert inquiry.state == InquiryState.ISSUED and inquiry.number.startswith("WX2026")
    finding.refresh_from_db()
    assert finding.inquiry_id == inquiry.pk
    # The unit verifies; finance finds a breach (reject = 认定违规): rectify by a date.
    inquiry = inquiry_reply(actor=user("school_clerk"), inquiry_id=inquiry.pk, text=VERIFIED)
    assert inquiry.state == InquiryState.VERIFYING
    finding.refresh_from_db()
    assert (finding.status, finding.explanation) == (FindingStatus.EXPLAINED, VERIFIED)
    inquiry = inquiry_decide(
        actor=user("wj_monitor"),
        inquiry_id=inquiry.pk,
        decision="rectify",
        note="依据不足，年末集中支付须整改",
    )
    finding.refresh_from_db()
    assert inquiry.state == InquiryState.RECTIFYING and inquiry.rectify_due is not None
    assert finding.status == FindingStatus.RECTIFY
    # The rectification report; returned once (退回), reported again, then closed (销号).
    inquiry = inquiry_reply(actor=user("school_clerk"), inquiry_id=inquiry.pk, text=RECTIFIED)
    assert inquiry.state == InquiryState.RECTIFY_REVIEW
    instance_return(
        actor=user("wj_monitor"), instance_id=_instance(inquiry).pk, reason="请附整改后的支付计划"
    )
    inquiry.refresh_from_db()
    assert inquiry.state == InquiryState.RECTIFYING
    inquiry = inquiry_reply(
        actor=user("school_clerk"), inquiry_id=inquiry.pk, text=RECTIFIED + "附件：支付计划表。"
    )
    with pytest.raises(BusinessRuleError) as caught:  # not a decision on a rectification report
        inquiry_decide(actor=user("wj_monitor"), inquiry_id=inquiry.pk, decision="normal")
    assert caught.value.errors[0].field == "decision"
    inquiry = inquiry_decide(actor=user("wj_monitor"), inquiry_id=inquiry.pk, decision="close")
    finding.refresh_from_db()
    assert inquiry.state == InquiryState.CLOSED and inquiry.closed_at is not None
    assert finding.status == FindingStatus.CLOSED and finding.decided_by == user("wj_monitor")


def test_a_verification_accepted_closes_it_as_normal(user: Any) -> None:
    finding = _school_finding(user)
    inquiry = inquiry_reply(
        actor=user("school_clerk"), inquiry_id=_issue(user, finding).pk, text=VERIFIED
    )
    instance_approve(actor=user("wj_monitor"), instance_id=_instance(inquiry).pk)
    inquiry.refresh_from_db()
    finding.refresh_from_db()
    assert (inquiry.state, finding.status) == (InquiryState.NORMAL, FindingStatus.NORMAL)


def test_a_rejection_confirms_the_breach_and_closes_it(user: Any) -> None:
    finding = _school_finding(user)
    inquiry = inquiry_reply(
        actor=user("school_clerk"), inquiry_id=_issue(user, finding).pk, text=VERIFIED
    )
    instance_reject(actor=user("wj_monitor"), instance_id=_instance(inquiry).pk, reason="违规属实")
    inquiry.refresh_from_db()
    finding.refresh_from_db()
    assert (inquiry.state, finding.status) == (InquiryState.BREACH, FindingStatus.RECTIFY)


def test_what_is_refused_and_by_whom(user: Any) -> None:
    finding = _school_finding(user)
    # The unit does not issue; a due date in the past and a blank question are named.
    with pytest.raises(BusinessRuleError) as caught:
        inquiry_issue(
            actor=user("school_clerk"),
            finding_ids=[finding.pk],
            question="x" * 20,
            answer_due=dt.date(2030, 1, 1),
        )
    assert caught.value.errors[0].code == "permission_denied"
    with pytest.raises(BusinessRuleError) as caught:
        inquiry_issue(
            actor=user("wj_monitor"),
            finding_ids=[finding.pk],
            question="请核实",
            answer_due=timezone.localdate(),
        )
    assert {e.field for e in caught.value.errors} == {"question", "answer_due"}
    inquiry = _issue(user, finding)
    with pytest.raises(BusinessRuleError) as caught:  # asked about already
        _issue(user, finding)
    assert caught.value.errors[0].code == "monitoring.finding_not_open"
    # Another unit does not see it; a reply of a few characters is refused by name.
    with pytest.raises(NotFoundError):
        inquiry_reply(actor=user("hospital_clerk"), inquiry_id=inquiry.pk, text=VERIFIED)
    with pytest.raises(BusinessRuleError) as caught:
        inquiry_reply(actor=user("school_clerk"), inquiry_id=inquiry.pk, text="已核实")
    assert (caught.value.errors[0].field, caught.value.errors[0].rule) == ("answer", "R-MO-14")
    # Once with finance, the unit cannot reply again (409, not a draft).
    inquiry_reply(actor=user("school_clerk"), inquiry_id=inquiry.pk, text=VERIFIED)
    with pytest.raises(BusinessRuleError) as caught:
        inquiry_reply(actor=user("school_clerk"), inquiry_id=inquiry.pk, text=VERIFIED)
    assert caught.value.status == 409 and caught.value.errors[0].field == "state"
    # The unit's own people cannot decide (the step is the finance monitoring officer's).
    with pytest.raises(BusinessRuleError):
        instance_approve(actor=user("school_approver"), instance_id=_instance(inquiry).pk)


def test_an_unanswered_inquiry_is_overdue_after_its_date(user: Any) -> None:
    inquiry = _issue(user, _school_finding(user))
    monitor = user("wj_monitor")
    assert inquiry not in overdue(actor=monitor)
    late = inquiry.answer_due + dt.timedelta(days=1)
    assert inquiry in overdue(actor=monitor, today=late)
    assert inquiry in overdue(actor=user("school_clerk"), today=late)
    assert inquiry not in overdue(actor=user("hospital_clerk"), today=late)


def test_the_api_refuses_absurd_ids_by_name(client_as: Any) -> None:
    import json

    answer = client_as("wj_monitor").post(
        "/api/v1/monitoring/inquiries",
        data=json.dumps(
            {
                "finding_ids": [10**20],
                "question": "请核实相关支付情况。",
                "answer_due": "2099-01-01",
            }
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="absurd-ids",
    )
    assert answer.status_code == 422, answer.content
    assert "finding_ids" in answer.content.decode()
