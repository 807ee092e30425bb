"""The document-type kit (``workflow.kit``): the handler base every model-backed document type
uses, and the memo (备忘单) that docs/development/adding-a-document-type.md builds, end to end
through the real engine and /api/v1."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext

import pytest

from yusuan.audit.models import AuditRecord
from yusuan.common.errors import BusinessRuleError, NotFoundError
from yusuan.indicators.workflow import AdjustmentHandler
from yusuan.payments.workflow import PaymentRequestHandler
from yusuan.projects.workflow import DeclarationHandler
from yusuan.workflow.services import (
    definition_create,
    document_submit,
    instance_reject,
    instance_withdraw,
)
from yusuan.workflow.tests.memos.models import Memo, MemoState
from yusuan.workflow.tests.memos.services import memo_create
from yusuan.workflow.tests.memos.workflow import APPROVAL, DOCUMENT_TYPE, HANDLER

JUNK_IDS = ["abc", "²", "٣", "0", "-1", " 1", "1.0", "", "9" * 30, "1e3"]


@pytest.fixture
def memo(user: Callable[[str], Any]) -> Memo:
    return memo_create(
        actor=user("school_clerk"), title="复印纸", amount_fen=12_345, fiscal_year=2026
    )


@pytest.fixture
def approval(db: Any) -> None:
    definition_create(
        actor=None,
        mof_div_code="320509",
        code="memo",
        name="备忘单审批",
        document_type=DOCUMENT_TYPE,
        body=APPROVAL,
    )


# --- load: parse first, then scope, then lock -----------------------------------------------------


@pytest.mark.parametrize(
    "handler", [HANDLER, DeclarationHandler(), AdjustmentHandler(), PaymentRequestHandler()]
)
@pytest.mark.parametrize("object_id", JUNK_IDS)
def test_a_junk_id_is_not_found_without_a_query(
    handler: Any, object_id: str, user: Callable[[str], Any], django_assert_num_queries: Any
) -> None:
    actor = user("school_clerk")
    with django_assert_num_queries(0), pytest.raises(NotFoundError):
        handler.load(actor=actor, object_id=object_id)


def test_another_units_document_is_not_found(memo: Memo, user: Callable[[str], Any]) -> None:
    assert HANDLER.load(actor=user("school_clerk"), object_id=str(memo.pk)) == memo
    assert HANDLER.load(actor=user("edu_clerk"), object_id=str(memo.pk)) == memo  # its department
    for other in ("hospital_clerk", "wj_sector_social"):
        with pytest.raises(NotFoundError):
            HANDLER.load(actor=user(other), object_id=str(memo.pk), for_update=True)


def test_for_update_locks_the_document_row_only(
    memo: Memo, user: Callable[[str], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Any] = []
    original = QuerySet.select_for_update

    def spy(self: QuerySet[Any], *args: Any, **kwargs: Any) -> QuerySet[Any]:
        calls.append(kwargs.get("of"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", spy)
    actor = user("school_clerk")
    HANDLER.load(actor=actor, object_id=str(memo.pk))
    assert calls == []
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        HANDLER.load(actor=actor, object_id=str(memo.pk), for_update=True)
    assert calls == [("self",)]
    if connection.vendor == "postgresql":
        assert "FOR UPDATE OF" in queries.captured_queries[-1]["sql"]


def test_the_not_a_draft_error_names_code_field_and_value(memo: Memo) -> None:
    HANDLER.ensure_draft(memo)  # a draft passes
    memo.state = MemoState.POSTED
    with pytest.raises(BusinessRuleError) as caught:
        HANDLER.ensure_draft(memo)
    assert caught.value.status == 409
    [detail] = caught.value.errors
    assert (detail.code, detail.field, detail.value) == ("memos.not_draft", "state", "已过账")
    assert detail.message_zh == "备忘单处于“已过账”状态，不能送审"
    assert detail.message_en == "the memo is posted; only drafts are submitted"


def test_facts_come_from_the_declared_fields(memo: Memo, user: Callable[[str], Any]) -> None:
    facts = HANDLER.facts(HANDLER.load(actor=user("school_clerk"), object_id=str(memo.pk)))
    assert (facts.title, facts.amount_fen, facts.fiscal_year) == ("复印纸", 12_345, 2026)
    assert (facts.organisation_id, facts.entered_by_id) == (
        memo.organisation_id,
        memo.created_by_id,
    )
    assert facts.mof_div_code == "320509" and facts.flags == frozenset()


# --- the memo end to end: API write helper, engine, hooks -----------------------------------------


def _post(client: Any, path: str, body: Any = None, key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, json.dumps(body or {}), content_type="application/json", **headers)


def test_a_memo_is_submitted_approved_and_posted(
    approval: None, client_as: Callable[[str], Any]
) -> None:
    clerk = client_as("school_clerk")
    body = {"title": "复印纸", "amount_fen": 12_345, "fiscal_year": 2026}
    created = _post(clerk, "/api/v1/memos", body, key="memo-1")
    assert created.status_code == 201, created.content
    again = _post(clerk, "/api/v1/memos", body, key="memo-1")
    assert again.json() == created.json() and again["Idempotent-Replayed"] == "true"
    memo_id = created.json()["id"]
    assert Memo.objects.filter(title="复印纸").count() == 1

    submitted = _post(clerk, f"/api/v1/memos/{memo_id}/submit")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    [round_] = clerk.get(f"/api/v1/workflow/documents/{DOCUMENT_TYPE}/{memo_id}").json()
    assert round_["amount_fen"] == 12_345 and round_["step_key"] == "unit_approval"

    approver = client_as("school_approver")
    approved = _post(
        approver, f"/api/v1/workflow/instances/{round_['id']}/approve", {"expected_step": 0}
    )
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    posted = clerk.get(f"/api/v1/memos/{memo_id}").json()
    assert posted["state"] == "posted"
    assert Memo.objects.get(pk=memo_id).posted_at is not None
    states = AuditRecord.objects.filter(action="memos.memo.state", object_id=str(memo_id))
    assert [r.changes["state"][1] for r in states.order_by("pk")] == ["submitted", "posted"]


def test_another_units_memo_is_a_404_in_the_api(
    approval: None, memo: Memo, client_as: Callable[[str], Any]
) -> None:
    other = client_as("hospital_clerk")
    assert other.get(f"/api/v1/memos/{memo.pk}").status_code == 404
    refused = _post(other, f"/api/v1/memos/{memo.pk}/submit")
    assert refused.status_code == 404
    assert refused["Content-Type"] == "application/problem+json"
    assert Memo.objects.get(pk=memo.pk).state == MemoState.DRAFT


def test_submitting_what_is_not_a_draft_is_a_409_naming_the_state(
    approval: None, memo: Memo, client_as: Callable[[str], Any]
) -> None:
    Memo.objects.filter(pk=memo.pk).update(state=MemoState.REJECTED)
    refused = _post(client_as("school_clerk"), f"/api/v1/memos/{memo.pk}/submit")
    assert refused.status_code == 409
    [error] = refused.json()["errors"]
    assert (error["code"], error["field"], error["value"]) == (
        "memos.not_draft",
        "state",
        "不予批准",
    )
    assert "only drafts are submitted" in error["message_en"]


def test_the_lifecycle_moves_a_withdrawn_memo_back_and_a_rejected_one_out(
    approval: None, user: Callable[[str], Any]
) -> None:
    clerk, approver = user("school_clerk"), user("school_approver")
    memos = [memo_create(actor=clerk, title=t, amount_fen=100, fiscal_year=2026) for t in "ab"]
    rounds = [
        document_submit(actor=clerk, document_type=DOCUMENT_TYPE, object_id=str(m.pk))
        for m in memos
    ]
    instance_withdraw(actor=clerk, instance_id=rounds[0].pk)
    instance_reject(actor=approver, instance_id=rounds[1].pk, reason="不需要")
    assert [Memo.objects.get(pk=m.pk).state for m in memos] == ["draft", "rejected"]
    reasons = AuditRecord.objects.filter(action="memos.memo.state").order_by("pk")
    assert [r.extra["by"] for r in reasons][-2:] == ["withdrawn", "rejected"]
