"""schemathesis over the whole OpenAPI document (DESIGN §9, issue 13 item 4): data generated from
the document, valid and invalid, sent in-process through Django's WSGI handler (CSRF enforced, as
a browser meets it) by three kinds of caller — anonymous, a unit clerk's session with its CSRF
token, the bank's system-account token. Any 5xx fails, and so does any answer the document does
not declare: an undeclared status code, another content type, a body that does not match.

Bounded in time: ``YUSUAN_FUZZ_SECONDS`` per caller (default 8, so the ordinary suite stays fast;
CI runs 60). The seeds are fixed: a longer budget runs further along the same sequence. Everything
runs inside the test's transaction, so the writes it manages are rolled back.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import CoverageScenario
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

BUDGET_SECONDS = float(os.environ.get("YUSUAN_FUZZ_SECONDS", "8"))
# A regular expression over operation labels ("POST /api/v1/users") to fuzz only those, for a
# change's own operations with the whole budget; unset: the whole document.
ONLY = os.environ.get("YUSUAN_FUZZ_OPERATIONS", "")
EXAMPLES_PER_ROUND = 2  # random cases per operation and mode; rounds repeat with new seeds
SEED = 20261113
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


class _OutOfTimeError(Exception):
    pass


@pytest.fixture
def in_process_app(db: Any) -> Iterator[WSGIHandler]:
    """Django's own WSGI handler, kept from closing the test's connection between requests
    (``close_old_connections`` would drop it: the test transaction is not in autocommit),
    as the test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


Credentials = tuple[dict[str, str], dict[str, str]]  # headers, cookies


def _session_of(username: str, user: Any) -> Credentials:
    """A logged-in browser: its session cookie, and the CSRF cookie with the same token in
    ``X-CSRFToken``, as the pages' htmx sends it."""
    from django.middleware.csrf import _get_new_csrf_string

    client = Client()
    client.force_login(user(username))
    token = _get_new_csrf_string()
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    return {"X-CSRFToken": token}, cookies


def _token_of(username: str, user: Any) -> Credentials:
    from yusuan.identity.services import api_token_issue

    issued = api_token_issue(
        actor=None,
        user=user(username),
        name="schemathesis",
        scopes=("core:read", "payments:read", "payments:write"),
    )
    return {"Authorization": f"Bearer {issued.key}"}, {}


CALLERS = {
    "anonymous": lambda user: ({}, {}),
    "session_unit_clerk": lambda user: _session_of("school_clerk", user),
    # The region's administrator: master data, users, definitions and the audit log get past
    # the permission checks, so their writes are exercised, not only refused.
    "session_region_admin": lambda user: _session_of("wj_admin", user),
    # Writes without any CSRF token: a bearer request is the token's alone (ADR 0018).
    "token_bank": lambda user: _token_of("bank_icbc", user),
}


# Where bad input breaks things first: the boundaries of numbers and texts, wrong types, bodies
# the server is not ready for. These go first in each operation's coverage cases.
FIRST = [
    CoverageScenario.DEFAULT_POSITIVE_TEST,
    CoverageScenario.MAXIMUM_VALUE,
    CoverageScenario.VALUE_ABOVE_MAXIMUM,
    CoverageScenario.MINIMUM_VALUE,
    CoverageScenario.VALUE_BELOW_MINIMUM,
    CoverageScenario.MALFORMED_CONTENT_TYPE,
    CoverageScenario.UNSUPPORTED_CONTENT_TYPE,
    CoverageScenario.MAXIMUM_LENGTH_STRING,
    CoverageScenario.STRING_ABOVE_MAX_LENGTH,
    CoverageScenario.INCORRECT_TYPE,
]


def _coverage_cases(schema: Any, operation: Any, modes: list[GenerationMode]) -> list[Any]:
    cases = [
        case
        for case in schema.iter_coverage_cases(
            operation,
            generation_modes=modes,
            generation_config=schema.config.generation_for(operation=operation),
        )
        if case.method.upper() == operation.method.upper()  # no probes of other methods
    ]

    def rank(case: Any) -> int:
        scenario = case.meta.phase.data.scenario if case.meta is not None else None
        return FIRST.index(scenario) if scenario in FIRST else len(FIRST)

    return sorted(cases, key=rank)  # stable: schemathesis's order within a rank


def _describe(case: Any, error: Exception) -> str:
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return f"{case.operation.label}: {' | '.join(lines[:8])[:600]}"


@pytest.mark.parametrize("caller", list(CALLERS), ids=[f"{c}_case" for c in CALLERS])
def test_the_api_answers_as_its_openapi_document_says(
    caller: str, in_process_app: WSGIHandler, user: Any
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", in_process_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40  # the whole document, not a corner of it
    if ONLY:
        operations = [o for o in operations if re.search(ONLY, o.label)]
        assert operations, f"no operation matches YUSUAN_FUZZ_OPERATIONS={ONLY!r}"
    by_label = {operation.label: operation for operation in operations}
    headers, cookies = CALLERS[caller](user)
    failures: dict[str, str] = {}
    sent = {"coverage": 0, "fuzzing": 0}
    statuses: Counter[int] = Counter()
    began = time.monotonic()
    deadline = began + BUDGET_SECONDS

    def send(case: Any, phase: str) -> None:
        if case.headers and "Authorization" not in headers:
            # schemathesis fills the document's bearer scheme with made-up tokens; a request
            # with a bearer header is the token's alone, so the session would never be used.
            case.headers.pop("Authorization", None)
        response = case.call(headers=headers, cookies=cookies)
        sent[phase] += 1
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
            assert response.status_code < 500, response.status_code
        except (Exception, BaseExceptionGroup) as error:  # report each, go on generating
            key = f"{case.operation.label} → {response.status_code}"
            failures.setdefault(key, _describe(case, error) + f"\n    {case.as_curl_command()}")

    # 1. schemathesis's coverage phase: for every parameter and property the boundary values
    #    (minimum, maximum, one past them), wrong types, missing and unexpected properties —
    #    deterministic, for the first half of the budget; boundaries first, one case of each
    #    operation in turn, so that a short budget still reaches every operation.
    coverage_deadline = began + BUDGET_SECONDS / 2
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    pending: dict[str, Iterator[Any] | None] = dict.fromkeys(by_label, None)
    total = 0
    while pending and time.monotonic() < coverage_deadline:
        for label in list(pending):
            cases = pending[label]
            if cases is None:
                listed = _coverage_cases(schema, by_label[label], modes)
                total += len(listed)
                cases = pending[label] = iter(listed)
            case = next(cases, None)
            if case is None:
                del pending[label]
            else:
                send(case, "coverage")
            if time.monotonic() > coverage_deadline:
                break

    # 2. Random data for the rest of the budget, valid and invalid, round after round with
    #    fixed seeds.
    def exercise(operation: Any, mode: GenerationMode, round_seed: int) -> None:
        @seed(round_seed)
        @settings(
            max_examples=EXAMPLES_PER_ROUND,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def one(case: Any) -> None:
            if time.monotonic() > deadline:
                raise _OutOfTimeError
            send(case, "fuzzing")

        one()

    round_number = 0
    try:
        while True:
            for index, operation in enumerate(operations):
                for offset, mode in enumerate(modes):
                    exercise(operation, mode, SEED + round_number * 1000 + index * 2 + offset)
            round_number += 1
    except _OutOfTimeError:
        pass

    print(  # noqa: T201  (the figures CI shows)
        f"schemathesis {caller}: {sent['coverage']} coverage requests of {total} generated "
        f"({len(operations) - len(pending)} operations complete), "
        f"{sent['fuzzing']} random ({round_number} full rounds) over {len(operations)} "
        f"operations in {BUDGET_SECONDS:.0f} s"
    )
    print(f"  statuses: {dict(sorted(statuses.items()))}")  # noqa: T201
    assert not failures, "\n".join(f"- {key}\n  {text}" for key, text in sorted(failures.items()))
    served = sum(n for status, n in statuses.items() if status < 300)
    if caller == "anonymous":
        assert served == 0, "an operation answered without authentication"
    else:
        assert served > 0, "the caller never got through: its credentials are not taken"
