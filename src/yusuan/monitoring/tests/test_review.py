"""R-MO-14 (DOMAIN-2 C6): red and orange warnings are decided outside the entering unit, by the
finance monitoring officer (监控岗) or the supervising division, after the unit explains; yellow and
blue are cleared by the explanation; levels and thresholds are per-region data with history. And C7:
经办–出纳 is no longer an incompatible pair, the cashier still cannot approve what they entered."""

from __future__ import annotations

import importlib
import json
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Permission

import pytest
from tests.payment_helpers import _approved, _buckets, _individual, _input, _line

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.identity.models import IncompatibleRolePair, Role
from yusuan.identity.roles import INCOMPATIBLE_PAIRS
from yusuan.monitoring import catalogue
from yusuan.monitoring.models import FindingStatus, RuleSettings
from yusuan.monitoring.services import (
    THRESHOLD_FIELDS,
    finding_decide,
    request_explain,
    settings_change,
    thresholds,
)
from yusuan.payments.choices import RequestState
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import request_create
from yusuan.workflow.services import document_submit, instance_approve

pytestmark = pytest.mark.django_db
REGION = "320509"
EXPLANATION = "教师垫付购买实验耗材，凭发票报销，已附发票和验收单"
DEFAULT_AMOUNTS = {name: getattr(thresholds(), name) for name in THRESHOLD_FIELDS}
API_AMOUNTS = {f"{name}_fen": fen for name, fen in DEFAULT_AMOUNTS.items()}


def _red(user: Any) -> PaymentRequest:
    """Office money to a person's own account: R-MO-1, red by default."""
    data = _input(user, [(_line(user, "30201"), "800")], payee_id=_individual(user).pk)
    return _approved(user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026))


def _orange(user: Any) -> PaymentRequest:
    """25,000 yuan in cash: over R-MO-2's single soft limit (20,000), below the hard (50,000);
    委托业务费 is not on the official-card list (R-MO-12 stays quiet)."""
    data = _input(user, [(_line(user, "30227"), "25,000")], settlement_mode="cash")
    return _approved(user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026))


def _explain(user: Any, request: PaymentRequest, who: str = "school_clerk") -> PaymentRequest:
    request_explain(actor=user(who), request_id=request.pk, explanation=EXPLANATION)
    request.refresh_from_db()
    return request


def _errors(caught: pytest.ExceptionInfo[BusinessRuleError]) -> list[tuple[str, str, str]]:
    return [(e.code, e.rule, e.field) for e in caught.value.errors]


def test_a_red_finding_is_held_after_the_explanation_until_the_officer_confirms(user: Any) -> None:
    request = _red(user)
    office = request.lines.get().indicator_line
    frozen = _buckets(office)[1]
    assert request.state == RequestState.PENDING_EXPLANATION
    request = _explain(user, request)
    finding = request.findings.get()
    # 生成 → 核实: the entering unit's explanation does not clear red; the voucher stays held.
    assert (finding.rule, finding.level, finding.status) == ("R-MO-1", "red", "explained")
    assert finding.explanation == EXPLANATION and finding.explained_by == user("school_clerk")
    assert request.state == RequestState.PENDING_REVIEW
    assert not hasattr(request, "voucher") or request.voucher is None
    assert _buckets(office)[1] == frozen  # still frozen

    decided = finding_decide(actor=user("wj_monitor"), finding_id=finding.pk, decision="normal")
    request.refresh_from_db()
    assert decided.status == FindingStatus.NORMAL and decided.decided_by == user("wj_monitor")
    assert request.state == RequestState.VOUCHER_ISSUED and request.voucher.number
    actions = set(
        AuditRecord.objects.filter(object_id=str(finding.pk)).values_list("action", flat=True)
    )
    assert {"monitoring.finding_explained", "monitoring.finding_normal"} <= actions


def test_the_entering_unit_can_never_clear_red(user: Any) -> None:
    finding = _explain(user, _red(user)).findings.get()
    # Without the permission: refused before anything else.
    with pytest.raises(BusinessRuleError) as caught:
        finding_decide(actor=user("school_approver"), finding_id=finding.pk, decision="normal")
    assert caught.value.errors[0].code == "permission_denied"
    # Even holding it (a misconfigured role), someone of the entering unit is refused (SoD).
    Role.objects.get(code="unit_approver").permissions.add(
        Permission.objects.get(codename="review_finding")
    )
    with pytest.raises(BusinessRuleError) as caught:
        finding_decide(actor=user("school_approver"), finding_id=finding.pk, decision="normal")
    assert _errors(caught) == [("monitoring.reviewer_in_unit", "R-MO-14", "decided_by")]
    assert caught.value.errors[0].value == "school_approver"
    assert PaymentRequest.objects.get(pk=finding.request_id).state == RequestState.PENDING_REVIEW
    # Another unit does not see the finding at all.
    assert user("hospital_clerk").has_perm("monitoring.review_finding") is False


def test_an_orange_finding_sent_back_for_rectification_releases_the_money(user: Any) -> None:
    request = _orange(user)
    office = request.lines.get().indicator_line
    assert request.state == RequestState.PENDING_EXPLANATION
    [finding] = request.findings.filter(outcome="warn")
    assert (finding.rule, finding.level, finding.limit) == ("R-MO-2", "orange", "20,000.00")
    request = _explain(user, request)
    assert request.state == RequestState.PENDING_REVIEW
    before = _buckets(office)
    with pytest.raises(BusinessRuleError) as caught:  # 整改 says why
        finding_decide(actor=user("wj_monitor"), finding_id=finding.pk, decision="rectify")
    assert _errors(caught) == [("monitoring.explanation_required", "R-MO-14", "note")]
    finding_decide(
        actor=user("wj_monitor"),
        finding_id=finding.pk,
        decision="rectify",
        note="现金支付超出单笔限额，请改为转账或公务卡结算",
    )
    request.refresh_from_db()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.RECTIFY and "公务卡" in finding.decision_note
    assert request.state == RequestState.BLOCKED  # back to the unit, to be revised
    assert _buckets(office)[0] == before[0] + 25_000_00  # the frozen money is available again
    with pytest.raises(BusinessRuleError) as caught:  # decided once
        finding_decide(actor=user("wj_monitor"), finding_id=finding.pk, decision="normal")
    assert _errors(caught) == [("monitoring.not_awaiting_review", "R-MO-14", "status")]


def test_yellow_and_blue_are_cleared_by_the_explanation(user: Any) -> None:
    settings_change(
        actor=user("wj_monitor"),
        mof_div_code=REGION,
        levels={"R-MO-1": "yellow", "R-MO-2": "orange"},
        amounts=DEFAULT_AMOUNTS,
        note="试行",
    )
    request = _red(user)
    assert request.findings.get().level == "yellow"
    request = _explain(user, request)
    assert request.findings.get().status == FindingStatus.CLEARED
    assert request.state == RequestState.VOUCHER_ISSUED


@pytest.mark.parametrize("text", ["", "同意", "说明说明说明说明说明", "好" * 12])
def test_an_explanation_must_say_something(user: Any, text: str) -> None:
    request = _red(user)
    with pytest.raises(BusinessRuleError) as caught:
        request_explain(actor=user("school_clerk"), request_id=request.pk, explanation=text)
    [error] = caught.value.errors
    assert (error.code, error.rule, error.field, error.limit) == (
        "monitoring.explanation_required",
        "R-MO-14",
        "explanation",
        "≥ 10",
    )


def test_thresholds_are_region_data_with_history(user: Any) -> None:
    monitor = user("wj_monitor")
    assert thresholds(REGION).cash_single_block == 50_000_00  # no version yet: the defaults
    first = settings_change(
        actor=monitor, mof_div_code=REGION, levels={}, amounts=DEFAULT_AMOUNTS, note="初始"
    )
    second = settings_change(
        actor=monitor,
        mof_div_code=REGION,
        levels={"R-MO-2": "red"},
        amounts={**DEFAULT_AMOUNTS, "cash_single_warn": 5_000_00, "cash_single_block": 10_000_00},
        note="收紧现金限额",
    )
    assert (first.version, second.version) == (1, 2)
    assert RuleSettings.objects.filter(mof_div_code=REGION).count() == 2  # append-only
    assert thresholds(REGION).cash_single_block == 10_000_00
    assert thresholds("320506").cash_single_block == 50_000_00  # another region keeps its own
    record = AuditRecord.objects.get(action="monitoring.settings_change", object_id=str(second.pk))
    assert record.changes["cash_single_block"] == [50_000_00, 10_000_00]
    # The new limit is what monitoring applies: 15,000 yuan in cash is now blocked.
    data = _input(user, [(_line(user, "30201"), "15,000")], settlement_mode="cash")
    blocked = _approved(
        user, request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    )
    assert blocked.state == RequestState.BLOCKED
    assert ("R-MO-2", "block", "10,000.00") in {
        (f.rule, f.outcome, f.limit) for f in blocked.findings.all()
    }


def test_bad_settings_are_refused_naming_the_field(user: Any) -> None:
    with pytest.raises(BusinessRuleError) as caught:
        settings_change(
            actor=user("wj_monitor"),
            mof_div_code=REGION,
            levels={"R-MO-1": "purple"},
            amounts={**DEFAULT_AMOUNTS, "cash_year_block": 1_00},
        )
    assert _errors(caught) == [
        ("monitoring.bad_level", "R-MO-14", "levels.R-MO-1"),
        ("monitoring.block_below_warning", "R-MO-2", "cash_year_block"),
    ]
    with pytest.raises(BusinessRuleError) as caught:
        settings_change(
            actor=user("school_clerk"), mof_div_code=REGION, levels={}, amounts=DEFAULT_AMOUNTS
        )
    assert caught.value.errors[0].code == "permission_denied"
    assert not RuleSettings.objects.filter(mof_div_code=REGION).exists()


def test_the_migration_seeds_each_region_with_todays_values(user: Any) -> None:
    migration = importlib.import_module("yusuan.monitoring.migrations.0003_seed_rule_settings")
    migration.seed(apps, None)
    seeded = RuleSettings.objects.get(mof_div_code=REGION)
    assert seeded.version == 1 and seeded.levels == {"R-MO-1": "red", "R-MO-2": "orange"}
    assert {name: getattr(seeded, name) for name in THRESHOLD_FIELDS} == DEFAULT_AMOUNTS


def test_pages_queue_finding_and_decision(user: Any, client_as: Any) -> None:
    finding = _explain(user, _red(user)).findings.get()
    monitor = client_as("wj_monitor")
    queue = monitor.get("/payments/monitoring/").content.decode()
    assert 'data-testid="review-queue"' in queue
    assert f"/payments/monitoring/findings/{finding.pk}/" in queue
    assert client_as("school_clerk").get("/payments/monitoring/").status_code == 403
    page = client_as("school_clerk").get(f"/payments/monitoring/findings/{finding.pk}/")
    assert EXPLANATION in page.content.decode() and b"decide-normal" not in page.content
    assert (
        client_as("hospital_clerk").get(f"/payments/monitoring/findings/{finding.pk}/").status_code
        == 404
    )
    done = monitor.post(
        f"/payments/monitoring/findings/{finding.pk}/decide/", {"decision": "normal", "note": ""}
    )
    assert done.status_code == 302
    assert PaymentRequest.objects.get(pk=finding.request_id).state == RequestState.VOUCHER_ISSUED
    shown = monitor.get(f"/payments/monitoring/findings/{finding.pk}/").content.decode()
    assert 'data-status="normal"' in shown


def test_the_supervising_division_may_decide(user: Any) -> None:
    """wj_sector_edu supervises the education bureau and its school; the social division does not
    see the school's finding (a 404)."""
    finding = _explain(user, _red(user)).findings.get()
    with pytest.raises(NotFoundError):
        finding_decide(actor=user("wj_sector_social"), finding_id=finding.pk, decision="normal")
    finding_decide(actor=user("wj_sector_edu"), finding_id=finding.pk, decision="normal")
    assert PaymentRequest.objects.get(pk=finding.request_id).state == RequestState.VOUCHER_ISSUED


def test_settings_page_and_api(user: Any, client_as: Any) -> None:
    monitor = client_as("wj_monitor")
    posted = monitor.post(
        "/payments/monitoring/settings/",
        {
            "region": REGION,
            "level_R-MO-1": "red",
            "level_R-MO-2": "yellow",
            "cash_single_warn": "20,000",
            "cash_single_block": "40,000",
            "cash_month_warn": "50,000",
            "cash_month_block": "100,000",
            "cash_year_warn": "300,000",
            "cash_year_block": "500,000",
            "note": "按区财政局通知调整",
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    assert thresholds(REGION).cash_single_block == 40_000_00
    assert thresholds(REGION).level("R-MO-2") == "yellow"
    page = monitor.get("/payments/monitoring/settings/").content.decode()
    assert 'data-testid="settings-history"' in page and "按区财政局通知调整" in page
    assert client_as("school_clerk").get("/payments/monitoring/settings/").status_code == 403

    answer = monitor.post(
        "/api/v1/monitoring/settings",
        data=json.dumps({"mof_div_code": REGION, **API_AMOUNTS, "note": "恢复默认"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="settings-1",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["current"]["version"] == 2 and body["current"]["cash_single_block_fen"] == 50_000_00
    assert [v["version"] for v in body["history"]] == [2, 1]
    read = monitor.get(f"/api/v1/monitoring/settings?mof_div_code={REGION}").json()
    # Levels the API call did not give stay as they were: R-MO-2 yellow from the page's version.
    assert read["current"]["levels"]["R-MO-2"] == "yellow"
    assert set(read["current"]["levels"]) == set(catalogue.CATALOGUE)
    assert [r["code"] for r in read["rules"]] == list(catalogue.CATALOGUE)
    # Region scope: another region's settings are a 404, on the page and in the API.
    assert monitor.get("/api/v1/monitoring/settings?mof_div_code=320506").status_code == 404
    assert monitor.get("/payments/monitoring/settings/?region=320506").status_code == 404
    other = monitor.post(
        "/api/v1/monitoring/settings",
        data=json.dumps({"mof_div_code": "320506", **API_AMOUNTS}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="settings-2",
    )
    assert other.status_code == 404
    assert not RuleSettings.objects.filter(mof_div_code="320506").exists()


def test_the_api_queue_and_decision(user: Any, client_as: Any) -> None:
    finding = _explain(user, _orange(user)).findings.get(outcome="warn")
    monitor = client_as("wj_monitor")
    [row] = monitor.get("/api/v1/monitoring/findings").json()
    assert (row["id"], row["rule"], row["level"], row["status"]) == (
        finding.pk,
        "R-MO-2",
        "orange",
        "explained",
    )
    assert row["explanation"] == EXPLANATION
    refused = monitor.post(
        f"/api/v1/monitoring/findings/{finding.pk}/decide",
        data=json.dumps({"decision": "rectify", "note": "太短"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="decide-0",
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "note"
    done = monitor.post(
        f"/api/v1/monitoring/findings/{finding.pk}/decide",
        data=json.dumps({"decision": "rectify", "note": "现金支付超出单笔限额，请改为转账结算"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="decide-1",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "rectify" and done.json()["decided_by"] == "wj_monitor"
    assert PaymentRequest.objects.get(pk=finding.request_id).state == RequestState.BLOCKED
    assert client_as("hospital_clerk").get(
        f"/api/v1/monitoring/findings/{finding.pk}"
    ).status_code in (403, 404)


# --- C7 --------------------------------------------------------------------------------------------


def test_clerk_and_cashier_are_no_longer_an_incompatible_pair() -> None:
    pairs = {(a, b) for a, b, _ in INCOMPATIBLE_PAIRS}
    assert ("unit_clerk", "cashier") not in pairs
    assert ("cashier", "accountant") in pairs  # 钱账分管 stays
    assert not IncompatibleRolePair.objects.filter(
        first__code="unit_clerk", second__code="cashier"
    ).exists()
    assert IncompatibleRolePair.objects.filter(
        first__code="cashier", second__code="accountant"
    ).exists()


def test_the_migration_drops_the_existing_pair_rows() -> None:
    IncompatibleRolePair.objects.create(
        first=Role.objects.get(code="unit_clerk"),
        second=Role.objects.get(code="cashier"),
        reason="经办与出纳不相容 / entry and payment",
    )
    migration = importlib.import_module(
        "yusuan.identity.migrations.0004_clerk_and_cashier_are_compatible"
    )
    migration.drop_pair(apps, None)
    assert not IncompatibleRolePair.objects.filter(
        first__code="unit_clerk", second__code="cashier"
    ).exists()


def test_a_cashier_enters_a_request_but_cannot_approve_it(user: Any) -> None:
    cashier = user("school_cashier")
    data = _input(user, [(_line(user, "30201"), "300")])
    request = request_create(actor=cashier, data=data, fiscal_year=2026)  # C7: the 出纳 enters
    instance = document_submit(
        actor=cashier, document_type="payments.request", object_id=str(request.pk)
    )
    cashier.roles.add(Role.objects.get(code="unit_reviewer"))  # even holding the reviewer role
    with pytest.raises(BusinessRuleError) as caught:
        instance_approve(actor=user("school_cashier"), instance_id=instance.pk)
    [error] = caught.value.errors
    assert (error.code, error.rule, error.value) == (
        "workflow.own_document",
        "R-WF-1",
        error.value,
    )
    assert error.value  # names the cashier
