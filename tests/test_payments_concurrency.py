"""Many payment requests race for the last yuan of one indicator line (issue 5, R-PY-1, P2).

Sixteen drafts of 150 yuan each, every one affordable alone, are submitted at the same moment by
sixteen threads with their own PostgreSQL connections against a line with 1,000 yuan: exactly six
freeze, the other ten are refused with the line and the figures, and the buckets reconcile.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import connections

import pytest
from tests.indicator_helpers import issue, project, spec
from tests.payment_helpers import DOCUMENT_TYPE, _input

from yusuan.common.errors import BusinessRuleError
from yusuan.identity.models import User
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.selectors import reconcile
from yusuan.payments.choices import RequestState
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import request_create
from yusuan.workflow.services import document_submit

THREADS = 16


def _user(name: str) -> Any:
    return User.objects.select_related("organisation").get(username=name)


@pytest.mark.postgres
def test_requests_race_for_the_last_yuan(reload_demo_after: None, transactional_db: None) -> None:
    clerk = _user("school_clerk")
    proj = project(clerk.organisation, clerk)
    (line,) = issue(
        _user("wj_budget"), _user("wj_budget_chief"), [(spec(clerk.organisation, proj), 1000_00)]
    )
    requests = [
        request_create(actor=clerk, data=_input(_user, [(line, "150")]), fiscal_year=2026)
        for _ in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def submit(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            document_submit(
                actor=_user("school_clerk"),
                document_type=DOCUMENT_TYPE,
                object_id=str(requests[index].pk),
            )
            results[index] = True
        except BusinessRuleError as exc:
            results[index] = exc
        except BaseException as exc:  # anything else fails the test below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a submission hung"

    refused = [r for r in results if isinstance(r, BusinessRuleError)]
    assert [r for r in results if r is not True and not isinstance(r, BusinessRuleError)] == []
    assert results.count(True) == 6 and len(refused) == 10
    for exc in refused:
        error = exc.errors[0]
        assert (error.code, error.rule) == ("indicators.insufficient", "R-PY-1")
        assert line.code in error.message_zh and error.limit == "100.00"
    line = IndicatorLine.objects.get(pk=line.pk)
    assert (line.available, line.frozen, line.paid) == (100_00, 900_00, 0)
    states = list(
        PaymentRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list(
            "state", flat=True
        )
    )
    assert states.count(RequestState.SUBMITTED) == 6 and states.count(RequestState.DRAFT) == 10
    assert reconcile() == []
