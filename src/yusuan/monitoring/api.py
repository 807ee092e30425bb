"""Monitoring endpoints of /api/v1: the written explanation a warning asks for, the monitoring
officer's queue and decision on red and orange findings, and the region's levels and thresholds
with their history (R-MO-14). The explanation answers with the payment request as payments' own
endpoints show it (``payments.schemas``)."""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse

from ninja import Field, Router, Schema, Status

from yusuan.audit.idempotency import write_once
from yusuan.common.api import Id, IdempotencyKey, require
from yusuan.monitoring import catalogue
from yusuan.monitoring.models import MonitoringFinding, RuleSettings
from yusuan.monitoring.services import (
    REVIEW_PERMISSION,
    SETTINGS_PERMISSION,
    THRESHOLD_FIELDS,
    finding_decide,
    finding_get,
    request_explain,
    review_queue,
    settings_change,
    settings_history,
    thresholds,
)
from yusuan.payments.schemas import READ, WRITE, RequestDetailOut, request_write

router = Router(tags=["monitoring"])
# Operation ids are published: they keep the module these endpoints were first published from.
OPERATION_ID_PREFIX = "yusuan_payments_api"


class ExplainIn(Schema):
    explanation: str = Field(max_length=2000)


@router.post("/payments/requests/{request_id}/explain", response=RequestDetailOut)
def explain_request(
    request: HttpRequest,
    response: HttpResponse,
    request_id: Id,
    payload: ExplainIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """The unit's written explanation of a monitoring warning (R-MO-14): yellow and blue are
    cleared and the voucher issued; red and orange then wait for the monitoring officer."""
    return request_write(
        request,
        response,
        key=idempotency_key,
        scope=f"api:payments.request.explain:{request_id}",
        body=payload.model_dump(),
        status=200,
        call=lambda actor: request_explain(
            actor=actor, request_id=request_id, explanation=payload.explanation
        ),
    )


class FindingDetailOut(Schema):
    id: int
    request_id: int | None = Field(description="null for a scan's finding about a unit or line")
    request_number: str | None
    organisation: str
    source: str = Field(description="before (the voucher) or scan (after the fact)")
    indicator_line_id: int | None = None
    round: int
    rule: str
    outcome: str
    level: str
    row: int | None
    value: str
    limit: str
    message_zh: str
    message_en: str
    status: str  # generated / explained / normal / rectify / cleared (R-MO-14)
    explanation: str
    explained_by: str | None
    explained_at: dt.datetime | None
    decision_note: str
    decided_by: str | None
    decided_at: dt.datetime | None


def _finding(f: MonitoringFinding) -> dict[str, Any]:
    return {
        **{name: getattr(f, name) for name in FindingDetailOut.model_fields if hasattr(f, name)},
        "request_number": f.request.number if f.request is not None else None,
        "organisation": f.organisation.name if f.organisation is not None else "",
        "explained_by": f.explained_by.username if f.explained_by else None,
        "decided_by": f.decided_by.username if f.decided_by else None,
    }


@router.get("/monitoring/findings", response=list[FindingDetailOut])
def list_findings_awaiting_review(request: HttpRequest) -> list[dict[str, Any]]:
    """R-MO-14: red and orange findings explained by their unit, waiting for a decision."""
    actor = require(request, REVIEW_PERMISSION, READ)
    return [_finding(f) for f in review_queue(actor)[:500]]


@router.get("/monitoring/findings/{finding_id}", response=FindingDetailOut)
def get_finding(request: HttpRequest, finding_id: Id) -> dict[str, Any]:
    actor = require(request, "payments.view_paymentrequest", READ)
    return _finding(finding_get(actor, finding_id))


class DecideIn(Schema):
    decision: Literal["normal", "rectify"]
    note: str = Field(default="", max_length=2000)


@router.post("/monitoring/findings/{finding_id}/decide", response=FindingDetailOut)
def decide_finding(
    request: HttpRequest,
    response: HttpResponse,
    finding_id: Id,
    payload: DecideIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """R-MO-14: 认定正常 (the voucher is issued once none is left) or 整改 (back to the unit)."""

    def call(actor: Any) -> dict[str, Any]:
        decided = finding_decide(
            actor=actor, finding_id=finding_id, decision=payload.decision, note=payload.note
        )
        return _finding(finding_get(actor, decided.pk))

    return write_once(
        request,
        response,
        permission=REVIEW_PERMISSION,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:monitoring.finding.decide:{finding_id}",
        body=payload.model_dump(),
        status=200,
        render=call,
    )


class SettingsVersionOut(Schema):
    version: int
    levels: dict[str, str]
    tuning: dict[str, Any] = Field(
        default_factory=dict,
        description="per rule: enabled, action (remind | warn | block), params (amounts in fen)",
    )
    cash_single_warn_fen: int
    cash_single_block_fen: int
    cash_month_warn_fen: int
    cash_month_block_fen: int
    cash_year_warn_fen: int
    cash_year_block_fen: int
    note: str
    created_by: str | None
    created_at: dt.datetime | None


class RuleInForceOut(Schema):
    code: str
    name: str
    condition: str
    condition_zh: str
    when: list[str] = Field(description="before (the voucher) and/or after (the scan)")
    enabled: bool
    action: str
    level: str
    params: dict[str, Any] = Field(description="amounts in fen, counts, days, percent, words")


class SettingsOut(Schema):
    mof_div_code: str
    current: SettingsVersionOut
    history: list[SettingsVersionOut]
    rules: list[RuleInForceOut] = Field(description="every rule as the region runs it now")


def _version(v: RuleSettings) -> dict[str, Any]:
    return {
        **{f"{name}_fen": getattr(v, name) for name in THRESHOLD_FIELDS},
        **{name: getattr(v, name) for name in ("version", "levels", "tuning", "note")},
        "created_by": v.created_by.username if v.created_by else None,
        "created_at": v.created_at,
    }


def _settings(actor: Any, mof_div_code: str) -> dict[str, Any]:
    history = settings_history(actor, mof_div_code)
    current = thresholds(mof_div_code)
    return {
        "mof_div_code": mof_div_code,
        "current": {
            "version": history[0].version if history else 0,
            "levels": dict(current.levels),
            **{f"{name}_fen": getattr(current, name) for name in THRESHOLD_FIELDS},
            "note": history[0].note if history else "",
            "created_by": None,
            "created_at": None,
        }
        if not history
        else _version(history[0]),
        "history": [_version(v) for v in history],
        "rules": [
            {
                "code": r.spec.code,
                "name": r.spec.name,
                "condition": r.spec.condition,
                "condition_zh": r.spec.condition_zh,
                "when": list(r.spec.when),
                "enabled": r.enabled,
                "action": r.action,
                "level": r.level,
                "params": {p.name: value for p, value in r.params},
            }
            for r in catalogue.in_force(current)
        ],
    }


@router.get("/monitoring/settings", response=SettingsOut)
def get_monitoring_settings(request: HttpRequest, mof_div_code: str) -> dict[str, Any]:
    """R-MO-14: the region's levels, thresholds (fen) and rules' tuning in force, every version,
    and every rule as the region runs it."""
    actor = require(request, "monitoring.view_rulesettings", READ)
    return _settings(actor, mof_div_code)


class SettingsIn(Schema):
    mof_div_code: str = Field(max_length=9)
    levels: dict[str, str] = Field(default_factory=dict)
    tuning: dict[str, Any] = Field(
        default_factory=dict,
        description="per rule to change: enabled, action, params; the others stay in force",
    )
    cash_single_warn_fen: int
    cash_single_block_fen: int
    cash_month_warn_fen: int
    cash_month_block_fen: int
    cash_year_warn_fen: int
    cash_year_block_fen: int
    note: str = Field(default="", max_length=200)


@router.post("/monitoring/settings", response={201: SettingsOut})
def change_monitoring_settings(
    request: HttpRequest,
    response: HttpResponse,
    payload: SettingsIn,
    idempotency_key: IdempotencyKey = None,
) -> Status[Any]:
    """R-MO-14: a new version of the region's levels and thresholds (fen); the old stay."""

    def call(actor: Any) -> dict[str, Any]:
        settings_change(
            actor=actor,
            mof_div_code=payload.mof_div_code,
            levels=payload.levels,
            amounts={name: getattr(payload, f"{name}_fen") for name in THRESHOLD_FIELDS},
            note=payload.note,
            tuning=payload.tuning,
        )
        return _settings(actor, payload.mof_div_code)

    return write_once(
        request,
        response,
        permission=SETTINGS_PERMISSION,
        api_scope=WRITE,
        key=idempotency_key,
        scope=f"api:monitoring.settings:{payload.mof_div_code}",
        body=payload.model_dump(),
        status=201,
        render=call,
    )
