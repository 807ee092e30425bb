"""Approvals under real concurrency (PostgreSQL): simultaneous submits of one document open one
round; two people deciding one step at the same moment produce one decision, and the other is
told it moved on (409), never a half-applied state.

The race bodies return what they observed; ``tests/test_race_mutants.py`` runs them again with
the guards removed (row locks dropped, the one-open-round constraints dropped) and asserts that
the race is then lost."""

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


def simultaneous_submits() -> tuple[int, list[str], int]:
    """Four submits of one draft at the same moment: how many succeeded, the refusals' codes,
    and how many rounds the document has."""
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
    rounds = WorkflowInstance.objects.filter(
        document_type="projects.declaration", object_id=str(draft.pk)
    ).count()
    return (
        sum(isinstance(r, WorkflowInstance) for r in results),
        sorted(r.errors[0].code for r in results if isinstance(r, BusinessRuleError)),
        rounds,
    )


def test_simultaneous_submits_open_one_round(
    reload_demo_after: None, transactional_db: None
) -> None:
    submitted, refusals, rounds = simultaneous_submits()
    assert (submitted, len(refusals), rounds) == (1, 3, 1)
    # Whichever check the losers reach first: the open round (R-WF-6) or the project's state.
    assert set(refusals) <= {"workflow.already_submitted", "projects.not_draft"}


def two_approvers() -> tuple[int, list[tuple[str, int]], int, str]:
    """Two unit approvers approve step 0 of one round at the same moment: how many succeeded,
    the losers' (code, status), the round's approvals and the step it is at."""
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
    instance.refresh_from_db()
    return (
        sum(isinstance(r, WorkflowInstance) for r in results),
        [(r.errors[0].code, r.status) for r in results if isinstance(r, BusinessRuleError)],
        WorkflowAction.objects.filter(instance=instance, kind="approve").count(),
        instance.step_key,
    )


def test_two_approvers_one_step_one_decision(
    reload_demo_after: None, transactional_db: None
) -> None:
    assert two_approvers() == (1, [("workflow.stale", 409)], 1, "department_review")
