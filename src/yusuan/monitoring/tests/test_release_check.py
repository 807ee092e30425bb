"""Monitoring reaches payments only through the release-check hook payments declares (ADR 0025):
it is registered at start-up, its outcome decides the voucher, what it found shows on the request
page and API, and the explanation is posted at the paths it always had."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.payment_helpers import _approved, _individual, _input, _line

from yusuan.monitoring.models import MonitoringFinding
from yusuan.monitoring.services import MonitoringCheck
from yusuan.payments import hooks
from yusuan.payments.choices import RequestState
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import request_create

pytestmark = pytest.mark.django_db


def _warned(user: Any) -> PaymentRequest:
    """Office money to a person's own account: R-MO-1 warns (DOMAIN §3.9)."""
    data = _input(user, [(_line(user, "30201"), "800")], payee_id=_individual(user).pk)
    request = request_create(actor=user("school_clerk"), data=data, fiscal_year=2026)
    return _approved(user, request)


def test_monitoring_is_registered_as_a_release_check() -> None:
    assert isinstance(hooks.release_checks().get("monitoring"), MonitoringCheck)


def test_without_the_check_an_approved_request_gets_its_voucher(
    user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hooks, "_CHECKS", {})
    request = _warned(user)
    assert request.state == RequestState.VOUCHER_ISSUED
    assert not MonitoringFinding.objects.filter(request=request).exists()


class _Blocks:
    """A second check that blocks everything and found nothing."""

    def run(self, **kwargs: Any) -> hooks.Outcome:
        return hooks.Outcome.BLOCK

    def findings(self, request: PaymentRequest) -> list[hooks.Finding]:
        return []


def test_the_strongest_outcome_decides(user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hooks, "_CHECKS", {**hooks.release_checks(), "blocks": _Blocks()})
    request = _warned(user)  # monitoring warns, the other check blocks
    assert request.state == RequestState.BLOCKED
    assert [f.rule for f in hooks.findings(request)] == ["R-MO-1"]  # monitoring still kept it


def test_the_request_page_shows_the_findings_and_takes_the_explanation(
    user: Any, client_as: Any
) -> None:
    request = _warned(user)
    assert request.state == RequestState.PENDING_EXPLANATION
    clerk = client_as("school_clerk")
    page = clerk.get(f"/payments/{request.pk}/").content.decode()
    assert 'data-testid="findings"' in page and "R-MO-1" in page
    assert f'action="/payments/{request.pk}/explain/"' in page

    assert client_as("hospital_clerk").post(f"/payments/{request.pk}/explain/").status_code == 404
    refused = clerk.post(f"/payments/{request.pk}/explain/", {"explanation": " "}, follow=True)
    assert "R-MO-1" in refused.content.decode()  # the rule's error, flashed
    request.refresh_from_db()
    assert request.state == RequestState.PENDING_EXPLANATION

    done = clerk.post(f"/payments/{request.pk}/explain/", {"explanation": "垫付办公用品，凭票报销"})
    assert done.status_code == 302 and done["Location"] == f"/payments/{request.pk}/"
    request.refresh_from_db()
    # R-MO-14: R-MO-1 is red: explained, it waits for the monitoring officer; no voucher yet.
    assert request.state == RequestState.PENDING_REVIEW
    assert request.explanation == "垫付办公用品，凭票报销"


def test_the_api_shows_the_findings_and_takes_the_explanation(user: Any, client_as: Any) -> None:
    request = _warned(user)
    clerk = client_as("school_clerk")
    path = f"/api/v1/payments/requests/{request.pk}"
    [finding] = clerk.get(path).json()["findings"]
    assert (finding["rule"], finding["outcome"], finding["row"]) == ("R-MO-1", "warn", 0)

    def explain(text: str, key: str) -> Any:
        return clerk.post(
            f"{path}/explain",
            data=json.dumps({"explanation": text}),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
        )

    assert explain("", "explain-0").json()["errors"][0]["field"] == "explanation"
    answered = explain("垫付办公用品，凭票报销", "explain-1")
    assert answered.status_code == 200, answered.content
    assert answered.json()["state"] == "pending_review"  # R-MO-14: red waits for review
    assert answered.json()["findings"][0]["rule"] == "R-MO-1"
    assert answered.json()["findings"][0]["status"] == "explained"
    replayed = explain("垫付办公用品，凭票报销", "explain-1")
    assert replayed["Idempotent-Replayed"] == "true"
