"""P11 under real concurrency (PostgreSQL): two simultaneous submissions with one key, one effect."""

from __future__ import annotations

import json
import threading
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
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_double_click_has_effect_once(reload_demo_after: None, transactional_db: None) -> None:
    clerk = User.objects.get(username="school_clerk")
    body = _body(clerk.organisation_id, "并发测试公司")
    results = _race([body] * 4, key="double-click")
    assert sorted(r.status_code for r in results) == [201, 201, 201, 201]
    assert len({json.dumps(r.json(), sort_keys=True) for r in results}) == 1
    assert sum(1 for r in results if r.get("Idempotent-Replayed") == "true") == 3
    assert Payee.objects.filter(name="并发测试公司").count() == 1


def test_same_key_different_bodies_at_once(reload_demo_after: None, transactional_db: None) -> None:
    clerk = User.objects.get(username="school_clerk")
    results = _race(
        [_body(clerk.organisation_id, "甲公司"), _body(clerk.organisation_id, "乙公司")],
        key="clash",
    )
    assert sorted(r.status_code for r in results) == [201, 409]
    assert Payee.objects.filter(name__in=["甲公司", "乙公司"]).count() == 1
