"""Many payment requests race for the last yuan of one indicator line (issue 5, R-PY-1, P2).

Sixteen drafts of 150 yuan each, every one affordable alone, are submitted at the same moment by
sixteen threads with their own PostgreSQL connections against a line with 1,000 yuan: exactly six
freeze, the other ten are refused with the line and the figures, and the buckets reconcile.

The race bodies return what they observed; ``tests/test_race_mutants.py`` runs them again with
the guard removed (the ledger's conditional update turned into a read-modify-write, the payment
line's lock dropped) and asserts that the race is then lost.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any
from unittest import mock

from django.db import connections, transaction

import pytest
from tests.indicator_helpers import issue, project, spec
from tests.payment_helpers import DOCUMENT_TYPE, _approved, _input
from tests.test_indicators_concurrency import _in_threads

from yusuan.common.errors import BusinessRuleError
from yusuan.identity.models import User
from yusuan.indicators.models import IndicatorLine
from yusuan.indicators.selectors import reconcile
from yusuan.payments.choices import RequestState
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import bank, request_create
from yusuan.payments.services.bank import (
    ResultInput,
    bank_file_create,
    bank_result_record,
    bank_results_record,
)
from yusuan.workflow.services import document_submit

THREADS = 16


def _user(name: str) -> Any:
    return User.objects.select_related("organisation").get(username=name)


@dataclass(frozen=True)
class LastYuan:
    frozen: int  # submissions that froze their 150 yuan
    refused: list[tuple[str, str, str]]  # (code, rule, limit) of each refusal
    other: list[str]  # anything else a submission raised
    buckets: tuple[int, int, int]  # the line's available, frozen and paid
    states: dict[str, int]  # the requests' states
    reconciled: bool


def requests_race_for_the_last_yuan() -> LastYuan:
    """Sixteen requests of 150 yuan submitted at once against a line of 1,000 yuan."""
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
        except BaseException as exc:  # observed and asserted on by the test
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
    for exc in refused:
        assert line.code in exc.errors[0].message_zh
    line = IndicatorLine.objects.get(pk=line.pk)
    states = Counter(
        PaymentRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list(
            "state", flat=True
        )
    )
    return LastYuan(
        frozen=results.count(True),
        refused=[(e.errors[0].code, e.errors[0].rule, e.errors[0].limit) for e in refused],
        other=[repr(r) for r in results if r is not True and not isinstance(r, BusinessRuleError)],
        buckets=(line.available, line.frozen, line.paid),
        states=dict(states),
        reconciled=reconcile() == [],
    )


@pytest.mark.postgres
def test_requests_race_for_the_last_yuan(reload_demo_after: None, transactional_db: None) -> None:
    assert requests_race_for_the_last_yuan() == LastYuan(
        frozen=6,
        refused=[("indicators.insufficient", "R-PY-1", "100.00")] * 10,
        other=[],
        buckets=(100_00, 900_00, 0),
        states={RequestState.SUBMITTED: 6, RequestState.DRAFT: 10},
        reconciled=True,
    )


def bank_result_resent_while_the_first_commits() -> tuple[list[Any], str, bool]:
    """The bank resends a result while the first is still committing: both outcomes (or what
    was raised), the request's state, and whether the ledger reconciles."""
    clerk = _user("school_clerk")
    request = _approved(
        _user,
        request_create(
            actor=clerk,
            data=_input(
                _user,
                [
                    (
                        IndicatorLine.objects.get(
                            organisation=clerk.organisation,
                            dep_bgt_eco_code="30201",
                            source_type_code="01",
                        ),
                        "12.00",
                    )
                ],
            ),  # fmt: skip
            fiscal_year=2026,
        ),
    )
    sent = bank_file_create(actor=_user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert sent is not None
    request.refresh_from_db()
    item = ResultInput(sent.message_id, "1", f"{request.voucher.number}-1", True)
    recorded = threading.Event()
    outcomes: list[Any] = [None, None]

    def first() -> None:
        try:
            with transaction.atomic():
                outcomes[0] = bank_result_record(actor=_user("bank_icbc"), item=item)
                recorded.set()
                time.sleep(1.0)  # still committing when the resend arrives
        except BaseException as exc:
            outcomes[0] = exc
        finally:
            recorded.set()
            connections.close_all()

    def resend() -> None:
        try:
            recorded.wait(timeout=30)
            outcomes[1] = bank_result_record(actor=_user("bank_icbc"), item=item)
        except BaseException as exc:
            outcomes[1] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=resend)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    request.refresh_from_db()
    return outcomes, request.state, reconcile() == []


@pytest.mark.postgres
def test_a_bank_result_replayed_while_the_first_commits(
    reload_demo_after: None, transactional_db: None
) -> None:
    """The second waits for the payment line's lock and is then a replay, not a conflict
    (P11)."""
    outcomes, state, reconciled = bank_result_resent_while_the_first_commits()
    assert [type(o).__name__ for o in outcomes] == ["ResultOutcome", "ResultOutcome"], outcomes
    assert outcomes[0].replayed is False and outcomes[1].replayed is True
    assert (state, reconciled) == (RequestState.PAID, True)


def _at_bank(amounts: list[str]) -> tuple[PaymentRequest, list[ResultInput]]:
    """An approved request of ``amounts`` sent to the bank, and the bank's result for each line."""
    clerk = _user("school_clerk")
    office = IndicatorLine.objects.get(
        organisation=clerk.organisation, dep_bgt_eco_code="30201", source_type_code="01"
    )
    request = _approved(
        _user,
        request_create(
            actor=clerk,
            data=_input(_user, [(office, amount) for amount in amounts]),
            fiscal_year=2026,
        ),
    )
    sent = bank_file_create(actor=_user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert sent is not None
    request.refresh_from_db()
    return request, [
        ResultInput(sent.message_id, str(row), f"{request.voucher.number}-{row}", True)
        for row in range(1, len(amounts) + 1)
    ]


def _pausing(step: Any, seconds: float = 3) -> tuple[Any, threading.Event]:
    """``step`` wrapped to pause once per thread after it ran (up to ``seconds``, or until another
    thread pauses too), and an event set when the first pause begins."""
    barrier = threading.Barrier(2, timeout=seconds)
    started = threading.Event()
    done = threading.local()

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        outcome = step(*args, **kwargs)
        if not getattr(done, "set", False):
            done.set = True
            started.set()
            # Broken when the other thread waits for a lock of ours: then this one goes on.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return outcome

    return wrapped, started


def bank_report_resent_in_another_order() -> tuple[list[Any], str, bool]:
    """The bank sends the results of a two-line request twice at once, the second time in the
    other order; each batch pauses after its first result so that both could hold a line before
    either goes on. What each batch returned (or raised), the request's state, and whether the
    ledger reconciles."""
    request, items = _at_bank(["12.00", "13.00"])
    pausing, _started = _pausing(bank.bank_result_record)
    with mock.patch.object(bank, "bank_result_record", pausing):
        outcomes = _in_threads(
            lambda i: bank_results_record(actor=_user("bank_icbc"), items=[items, items[::-1]][i]),
            count=2,
        )
    request.refresh_from_db()
    return outcomes, request.state, reconcile() == []


def bank_result_while_a_batch_settles_its_request() -> tuple[list[Any], str, bool]:
    """A batch has locked two lines of a three-line request (and the request) and pauses; the
    third line's result comes alone meanwhile. What each returned (or raised), the request's
    state, and whether the ledger reconciles."""
    request, items = _at_bank(["12.00", "13.00", "14.00"])
    pausing, locked = _pausing(bank._lock_in_order)

    def batch_or_single(index: int) -> Any:
        if index == 0:
            return bank_results_record(actor=_user("bank_icbc"), items=items[:2])
        assert locked.wait(timeout=30)
        return bank_result_record(actor=_user("bank_icbc"), item=items[2])

    with mock.patch.object(bank, "_lock_in_order", pausing):
        outcomes = _in_threads(batch_or_single, count=2)
    request.refresh_from_db()
    return outcomes, request.state, reconcile() == []


@pytest.mark.postgres
def test_a_bank_report_resent_in_another_order_waits_instead_of_deadlocking(
    reload_demo_after: None, transactional_db: None
) -> None:
    """A batch locks all its payment lines in pk order, then their requests, before it applies a
    result: the resend waits for the first batch and replays it (P11), where locking each line
    as its entry comes would deadlock (PostgreSQL aborts one of the two)."""
    outcomes, state, reconciled = bank_report_resent_in_another_order()
    assert [type(o).__name__ for o in outcomes] == ["list", "list"], outcomes
    replayed = sorted(sum(o.replayed for o in batch) for batch in outcomes)
    assert replayed == [0, 2]
    assert (state, reconciled) == (RequestState.PAID, True)


@pytest.mark.postgres
def test_a_bank_result_waits_for_a_batch_settling_its_request(
    reload_demo_after: None, transactional_db: None
) -> None:
    """One result locks its line, then its request, then the ledger's lines, as a batch does:
    it waits for the batch holding its request instead of holding a ledger line the batch
    needs (a deadlock)."""
    outcomes, state, reconciled = bank_result_while_a_batch_settles_its_request()
    assert [type(o).__name__ for o in outcomes] == ["list", "ResultOutcome"], outcomes
    assert (state, reconciled) == (RequestState.PAID, True)
