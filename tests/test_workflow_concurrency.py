"""Approvals under real concurrency (PostgreSQL): simultaneous submits of one document open one
round; two people deciding one step at the same moment produce one decision, and the other is
told it moved on (409), never a half-applied state."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

import pytest

from yusuan.common.errors import BusinessRuleError
from yusuan.identity.models import Role, User
from yusuan.projects.models import Project
from yusuan.workflow import services
from yusuan.workflow.models import WorkflowAction, WorkflowInstance

pytestmark = pytest.mark.postgres


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = calls[index]()
        except BusinessRuleError as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_simultaneous_submits_open_one_round(
    reload_demo_after: None, transactional_db: None
) -> None:
    clerk = User.objects.get(username="school_clerk")
    draft = Project.objects.get(name__startswith="智慧教室建设")
    results = _race(
        [
            lambda: services.document_submit(
                actor=clerk, document_type="projects.declaration", object_id=str(draft.pk)
            )
        ]
        * 4
    )
    assert sum(isinstance(r, WorkflowInstance) for r in results) == 1
    refusals = [r for r in results if isinstance(r, BusinessRuleError)]
    assert len(refusals) == 3
    assert {r.errors[0].code for r in refusals} <= {
        "workflow.already_submitted",
        "projects.not_draft",
    }
    assert (
        WorkflowInstance.objects.filter(
            document_type="projects.declaration", object_id=str(draft.pk)
        ).count()
        == 1
    )


def test_two_approvers_one_step_one_decision(
    reload_demo_after: None, transactional_db: None
) -> None:
    school = User.objects.get(username="school_clerk").organisation
    second, _ = User.objects.get_or_create(
        username="second_approver", defaults={"organisation": school}
    )
    second.roles.set([Role.objects.get(code="unit_approver")])
    first = User.objects.get(username="school_approver")
    instance = WorkflowInstance.objects.get(
        title__endswith="校园安防监控系统升级", state="in_progress"
    )
    results = _race(
        [
            lambda who=who: services.instance_approve(
                actor=who, instance_id=instance.pk, expected_step=0
            )
            for who in (first, second)
        ]
    )
    assert sum(isinstance(r, WorkflowInstance) for r in results) == 1
    loser = next(r for r in results if isinstance(r, BusinessRuleError))
    assert (loser.errors[0].code, loser.status) == ("workflow.stale", 409)
    assert WorkflowAction.objects.filter(instance=instance, kind="approve").count() == 1
    instance.refresh_from_db()
    assert instance.step_key == "department_review"
