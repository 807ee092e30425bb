"""批量审核 from the inbox: the reviewer ticks several payment requests and approves them with one
comment. Each is decided exactly as alone — who may act, a page gone stale, another unit's
document — and one refusal leaves the others approved; the page names each refusal."""

from __future__ import annotations

from typing import Any

from django.contrib.messages import get_messages

import pytest
from tests.payment_helpers import _buckets, _input, _line

from yusuan.common.errors import BusinessRuleError
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import request_create
from yusuan.payments.workflow import DOCUMENT_TYPE
from yusuan.workflow.models import WorkflowAction, WorkflowInstance
from yusuan.workflow.services import MAX_BATCH, document_submit, instances_approve

pytestmark = pytest.mark.django_db


def _submitted(user: Any, amount: str, purpose: str) -> WorkflowInstance:
    office = _line(user, "30201")
    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(office, amount)], purpose=purpose),
        fiscal_year=2026,
    )
    return document_submit(
        actor=user("school_clerk"), document_type=DOCUMENT_TYPE, object_id=str(request.pk)
    )


def _messages(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_reviewer_approves_ticked_requests_and_a_stale_one_is_named(
    user: Any, client_as: Any
) -> None:
    rounds = [_submitted(user, f"{10 + i}", f"批量审核测试 {i}") for i in range(3)]
    office = _line(user, "30201")
    frozen_before = _buckets(office)[1]
    reviewer = client_as("school_reviewer")
    inbox = reviewer.get("/workflow/inbox/").content.decode()
    for r in rounds:
        assert f'value="{r.pk}:0"' in inbox  # ticked with the step the page showed
    stale = rounds[2]
    picks = [f"{r.pk}:0" for r in rounds[:2]] + [f"{stale.pk}:1"]  # as if the page were old
    response = reviewer.post(
        "/workflow/inbox/approve/", {"pick": picks, "comment": "同意，批量。"}, follow=True
    )
    shown = _messages(response)
    assert "已审核通过 2 件。" in shown, shown
    assert any(stale.title in m and "R-WF-6" in m for m in shown), shown
    for r in rounds[:2]:
        r.refresh_from_db()
        assert r.step_index == 1  # on to the approver
        action = WorkflowAction.objects.filter(instance=r, kind="approve").get()
        assert (action.actor.username, action.comment) == ("school_reviewer", "同意，批量。")
    stale.refresh_from_db()
    assert stale.step_index == 0 and not stale.actions.filter(kind="approve").exists()
    assert _buckets(office)[1] == frozen_before  # approving a step moves no money


def test_the_clerk_cannot_approve_her_own_and_another_units_document_is_not_named(
    user: Any,
) -> None:
    own = _submitted(user, "20", "自己的申请")
    outcomes = instances_approve(actor=user("school_clerk"), picks=[(own.pk, 0)])
    assert outcomes[0].error is not None and outcomes[0].error.status == 403
    own.refresh_from_db()
    assert own.step_index == 0
    elsewhere = WorkflowInstance.objects.exclude(organisation=own.organisation).first()
    assert elsewhere is not None  # the education bureau's own declaration in the demo
    (outcome,) = instances_approve(actor=user("school_reviewer"), picks=[(elsewhere.pk, None)])
    assert outcome.error is not None and outcome.error.status == 404


def test_a_final_approval_in_a_batch_issues_the_voucher_and_the_batch_is_capped(
    user: Any,
) -> None:
    r = _submitted(user, "30", "批量终审")
    instances_approve(actor=user("school_reviewer"), picks=[(r.pk, 0)])
    (outcome,) = instances_approve(actor=user("school_approver"), picks=[(r.pk, 1), (r.pk, 1)])
    assert outcome.error is None  # listed twice, decided once
    request = PaymentRequest.objects.get(pk=int(r.object_id))
    assert request.state == "voucher_issued" and request.voucher.number
    with pytest.raises(BusinessRuleError) as caught:
        instances_approve(
            actor=user("school_approver"), picks=[(i, None) for i in range(MAX_BATCH + 1)]
        )
    assert caught.value.errors[0].limit == MAX_BATCH
