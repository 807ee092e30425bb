"""Inquiry endpoints of /api/v1 (问询单, issue 22 item 3): the same services as the pages —
issue an inquiry about the scan's findings, the unit's reply (verification or rectification
report), the monitoring officer's decision — and the inquiries in the caller's scope. Sending a
reply back or rejecting it are the engine's own ``/workflow/instances/{id}/…``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse

from ninja import Field, Query, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, require
from yusuan.monitoring.models import Inquiry
from yusuan.monitoring.services.inquiries import (
    DECIDE_PERMISSION,
    ISSUE_PERMISSION,
    REPLY_PERMISSION,
    inquiry_decide,
    inquiry_get,
    inquiry_issue,
    inquiry_list,
    inquiry_reply,
)
from yusuan.monitoring.services.scans import RUN_PERMISSION, scan_now
from yusuan.payments.schemas import READ, WRITE

router = Router(tags=["monitoring"])
VIEW = "monitoring.view_inquiry"


class InquiryOut(Schema):
    id: int
    number: str
    organisation: str
    state: str = Field(
        description="issued, verifying, rectifying, rectify_review, normal, closed or breach"
    )
    question: str
    answer_due: dt.date
    answer: str
    decision: str
    rectify_due: dt.date | None
    rectification: str
    closed_at: dt.datetime | None
    finding_ids: list[int]


class InquiryQuery(Schema):
    state: str = Field("", max_length=16, description="a state, open or overdue")


class InquiryIn(Schema):
    finding_ids: list[Id] = Field(min_length=1, max_length=200)
    question: str = Field(max_length=2000)
    answer_due: dt.date


class InquiryReplyIn(Schema):
    text: str = Field(max_length=4000)


class InquiryDecisionIn(Schema):
    decision: str = Field(max_length=10, description="normal or rectify; close on a report")
    note: str = Field("", max_length=2000)


def _out(inquiry: Inquiry) -> dict[str, Any]:
    return {
        **{
            name: getattr(inquiry, name)
            for name in InquiryOut.model_fields
            if hasattr(inquiry, name)
        },
        "organisation": inquiry.organisation.name,
        "finding_ids": list(inquiry.findings.order_by("pk").values_list("pk", flat=True)),
    }


@router.get("/monitoring/inquiries", response=list[InquiryOut])
def list_inquiries(request: HttpRequest, query: Query[InquiryQuery]) -> list[dict[str, Any]]:
    """Inquiries in the caller's scope (a unit sees its own), newest first."""
    actor = require(request, VIEW, READ)
    return [_out(q) for q in inquiry_list(actor=actor, state=query.state)[:500]]


@router.get("/monitoring/inquiries/{inquiry_id}", response=InquiryOut)
def get_inquiry(request: HttpRequest, inquiry_id: Id) -> dict[str, Any]:
    actor = require(request, VIEW, READ)
    return _out(inquiry_get(actor=actor, inquiry_id=inquiry_id))


def _write(
    request: HttpRequest,
    response: HttpResponse,
    *,
    permission: str,
    key: str | None,
    scope: str,
    body: dict[str, Any],
    call: Any,
    status: int = 200,
) -> Status[Any]:
    return write_once(
        request,
        response,
        permission=permission,
        api_scope=WRITE,
        key=key,
        scope=scope,
        body=body,
        status=status,
        render=lambda actor: _out(call(actor)),
    )


@router.post("/monitoring/inquiries", response={201: InquiryOut})
def issue_inquiry(
    request: HttpRequest,
    response: HttpResponse,
    payload: InquiryIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Ask the unit of the findings (the scan's open findings of one unit) to verify them."""
    return _write(
        request,
        response,
        permission=ISSUE_PERMISSION,
        key=idempotency_key,
        scope="api:monitoring.inquiry.issue",
        body=payload.model_dump(mode="json"),
        status=201,
        call=lambda actor: inquiry_issue(
            actor=actor,
            finding_ids=payload.finding_ids,
            question=payload.question,
            answer_due=payload.answer_due,
        ),
    )


@router.post("/monitoring/inquiries/{inquiry_id}/reply", response=InquiryOut)
def reply_inquiry(
    request: HttpRequest,
    response: HttpResponse,
    inquiry_id: Id,
    payload: InquiryReplyIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The unit's verification (while issued) or rectification report (while rectifying),
    submitted to the finance monitoring officer."""
    return _write(
        request,
        response,
        permission=REPLY_PERMISSION,
        key=idempotency_key,
        scope=f"api:monitoring.inquiry.reply:{inquiry_id}",
        body=payload.model_dump(),
        call=lambda actor: inquiry_reply(actor=actor, inquiry_id=inquiry_id, text=payload.text),
    )


@router.post("/monitoring/inquiries/{inquiry_id}/decide", response=InquiryOut)
def decide_inquiry(
    request: HttpRequest,
    response: HttpResponse,
    inquiry_id: Id,
    payload: InquiryDecisionIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The monitoring officer's decision: normal or rectify on a verification, close on a
    rectification report."""
    return _write(
        request,
        response,
        permission=DECIDE_PERMISSION,
        key=idempotency_key,
        scope=f"api:monitoring.inquiry.decide:{inquiry_id}",
        body=payload.model_dump(),
        call=lambda actor: inquiry_decide(
            actor=actor, inquiry_id=inquiry_id, decision=payload.decision, note=payload.note
        ),
    )


class ScanOut(Schema):
    region: str
    fiscal_year: int
    as_of: dt.date
    found: dict[str, int] = Field(description="per rule: what this run found")
    created: dict[str, int] = Field(description="per rule: findings new this run")


class ScanIn(Schema):
    mof_div_code: str = Field(max_length=9)


@router.post("/monitoring/scans", response=ScanOut)
def run_scan(
    request: HttpRequest,
    response: HttpResponse,
    payload: ScanIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """Run the after-the-fact scan (事后监控) of the region now, over the year so far."""

    def call(actor: Any) -> dict[str, Any]:
        result = scan_now(actor=actor, region=payload.mof_div_code)
        return {
            "region": result.region,
            "fiscal_year": result.year,
            "as_of": result.as_of,
            "found": result.found,
            "created": result.created,
        }

    return write_once(
        request,
        response,
        permission=RUN_PERMISSION,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:monitoring.scan:{payload.mof_div_code}",
        body=payload.model_dump(),
        status=200,
        render=call,
    )
