"""Generated bad input against POST /api/v1/indicators/documents (DESIGN §9: the API refuses
junk with a problem body naming the field, never a 500, and a refusal writes nothing)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yusuan.indicators.models import IndicatorDocument, IndicatorLine, Movement

pytestmark = pytest.mark.django_db

KINDS = ["issue", "allocate", "increase", "decrease", "adjust", "hold", "release", "reclaim"]
# Text, as the schema wants (a JSON number is refused by the schema: test_indicators_api).
AMOUNTS = st.one_of(
    st.sampled_from(["1", "0", "-5", "1.234", "1e5", "１，０００元", "", " ", "9" * 30, "NaN"]),
    st.sampled_from(["100", "2,000.50", "99999999", "0.01"]),
    st.text(max_size=12),
)


def _rows(codes: list[str]) -> Any:
    code = st.one_of(st.sampled_from(["", *codes]), st.text(max_size=20))
    return st.fixed_dictionaries(
        {"amount": AMOUNTS},
        optional={
            "source": code,
            "target": code,
            "to_parent": st.booleans(),
            "line_kind": st.sampled_from(["", "pending", "executable"]),
            "organisation": st.sampled_from(["", "001", "NOPE"]),
            "exp_func_code": st.sampled_from(["", "2050202", "999", "20502"]),
            "dep_bgt_eco_code": st.sampled_from(["", "30201", "30213", "302", "x"]),
            "fund_type_code": st.sampled_from(["", "111", "zz"]),
            "thr_exp_code": st.sampled_from(["", "1", "9"]),
            "acc_type": st.sampled_from(["", "unit_zero_balance", "nope"]),
        },
    )


@pytest.mark.parametrize("username", ["school_clerk", "wj_budget"])
def test_generated_documents_never_crash_and_refusals_write_nothing(
    client_as: Any, user: Any, username: str
) -> None:
    client: Client = client_as(username)
    codes = list(
        IndicatorLine.objects.filter(organisation=user("school_clerk").organisation).values_list(
            "code", flat=True
        )[:6]
    )
    bodies = st.fixed_dictionaries(
        {
            "kind": st.sampled_from(KINDS),
            "title": st.one_of(st.just("生成的单据"), st.text(max_size=30)),
            "lines": st.lists(_rows(codes), min_size=1, max_size=4),
        },
        optional={
            "subtype": st.sampled_from(["", "economic_class", "across_units", "x"]),
            "doc_no": st.sampled_from(["", "吴财预〔2026〕7号"]),
            "fiscal_year": st.sampled_from([2026, 1999, -1]),
            "organisation_id": st.sampled_from([None, 0, 10**12]),
        },
    )

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=bodies)
    def attempt(body: dict[str, Any]) -> None:
        documents, movements = IndicatorDocument.objects.count(), Movement.objects.count()
        response = client.post(
            "/api/v1/indicators/documents",
            data=json.dumps(body),
            content_type="application/json",
        )
        # Random input: each of these answers is right for some draw; a 5xx never is.
        assert response.status_code in (201, 403, 404, 409, 422), response.content
        assert Movement.objects.count() == movements  # entering never moves money
        if response.status_code == 201:
            assert IndicatorDocument.objects.count() == documents + 1
            return
        assert response["Content-Type"] == "application/problem+json"
        errors = response.json()["errors"]
        assert errors and all(e["message"] for e in errors)
        assert IndicatorDocument.objects.count() == documents

    attempt()
