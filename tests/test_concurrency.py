"""P11 under real concurrency (PostgreSQL): simultaneous submissions with one key, one effect.

The race bodies return what they observed; ``tests/test_race_mutants.py`` runs them again with
the idempotency record looked up first and stored after the change (check-then-insert) and
asserts that the race is then lost."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.test import Client

import pytest
from stdnum.cn import uscc

from yusuan.core.models import Payee
from yusuan.identity.models import User

pytestmark = pytest.mark.postgres


def _body(organisation_id: int, name: str) -> str:
    code = "913205090000000" + "77"
    return json.dumps(
        {
            "organisation_id": organisation_id,
            "kind": "organisation",
            "name": name,
            "credit_code": code + uscc.calc_check_digit(code),
            "bank_account_no": "6222021234567890777",
            "bank_name": "中国工商银行苏州吴江支行",
        }
    )


def _race(bodies: list[str], key: str) -> list[Any]:
    """Post ``bodies`` at the same moment with one key: each response, or what the request
    raised."""
    clerk = User.objects.get(username="school_clerk")
    barrier = threading.Barrier(len(bodies))
    results: list[Any] = [None] * len(bodies)

    def submit(index: int) -> None:
        try:
            client = Client()
            client.force_login(clerk)
            barrier.wait(timeout=10)
            results[index] = client.post(
                "/api/v1/payees",
                data=bodies[index],
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=key,
            )
        except BaseException as exc:  # observed and asserted on by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@dataclass(frozen=True)
class Observed:
    statuses: list[Any]  # each status code, or the name of the exception a request raised
    bodies: int  # distinct response bodies among the 201s
    replayed: int  # responses marked Idempotent-Replayed
    payees: int  # payees stored under the names posted


def _observe(results: list[Any], names: list[str]) -> Observed:
    answers = [r for r in results if not isinstance(r, BaseException)]
    return Observed(
        statuses=sorted(
            (
                r.status_code if not isinstance(r, BaseException) else type(r).__name__
                for r in results
            ),
            key=str,
        ),
        bodies=len({json.dumps(r.json(), sort_keys=True) for r in answers if r.status_code == 201}),
        replayed=sum(1 for r in answers if r.get("Idempotent-Replayed") == "true"),
        payees=Payee.objects.filter(name__in=names).count(),
    )


def double_click() -> Observed:
    """Four identical submissions with one key."""
    clerk = User.objects.get(username="school_clerk")
    body = _body(clerk.organisation_id, "并发测试公司")
    return _observe(_race([body] * 4, key="double-click"), ["并发测试公司"])


def same_key_different_bodies() -> Observed:
    clerk = User.objects.get(username="school_clerk")
    return _observe(
        _race(
            [_body(clerk.organisation_id, "甲公司"), _body(clerk.organisation_id, "乙公司")],
            key="clash",
        ),
        ["甲公司", "乙公司"],
    )


def test_double_click_has_effect_once(reload_demo_after: None, transactional_db: None) -> None:
    assert double_click() == Observed(statuses=[201, 201, 201, 201], bodies=1, replayed=3, payees=1)


def test_same_key_different_bodies_at_once(reload_demo_after: None, transactional_db: None) -> None:
    observed = same_key_different_bodies()
    assert (observed.statuses, observed.payees) == ([201, 409], 1)
