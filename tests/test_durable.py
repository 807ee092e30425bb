"""Outermost service entry points open their own durable transaction: called inside another
one (a service that should have been composed differently) they refuse instead of silently
committing as part of the caller's work. A test's own transaction (pytest-django wraps each
``django_db`` test in TestCase atomics) does not count, so the services run as usual in tests."""

from collections.abc import Callable
from typing import Any

from django.db import transaction

import pytest

from yusuan.audit.chain import seal
from yusuan.audit.idempotency import run_once
from yusuan.common.actor import PermissionDeniedError
from yusuan.core import exchange
from yusuan.core.services import accounts, classification, organisations
from yusuan.identity import services as identity_services
from yusuan.identity.services import password_changed
from yusuan.monitoring import services as monitoring
from yusuan.payments.services import bank, clearing, corrections, refunds, requests
from yusuan.payroll.services import batches
from yusuan.procurement.services import contracts
from yusuan.projects import services as project_services
from yusuan.workflow import services as workflow_services
from yusuan.workflow.services import escalate_overdue

pytestmark = pytest.mark.django_db

NESTED = "A durable atomic block cannot be nested within another atomic block."


def test_an_entry_point_runs_inside_the_test_transaction() -> None:
    # Given only pytest-django's test transaction, when the entry point runs, then it works.
    assert escalate_overdue() == 0


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda user: escalate_overdue(), id="escalate_overdue_case"),
        pytest.param(
            lambda user: password_changed(user=user("wj_admin")),
            id="password_changed_case",
        ),
        pytest.param(lambda user: seal(lag_seconds=0), id="audit_seal_case"),
        pytest.param(
            lambda user: run_once(
                key="k-1",
                actor_id=user("wj_admin").pk,
                scope="test",
                body={},
                execute=lambda: (200, {}),
            ),
            id="api_write_with_idempotency_key_case",
        ),
    ],
)
def test_an_entry_point_refuses_to_run_inside_another_transaction(
    call: Callable[[Any], Any], user: Callable[[str], Any]
) -> None:
    # Given a caller's own transaction, when an outermost entry point is called inside it,
    # then it refuses.
    with pytest.raises(RuntimeError, match=NESTED), transaction.atomic():
        call(user)


# The payments family's entry points, each with what it needs to be called: every one is called
# by the API inside ``run_once``'s durable transaction (or will be, as the parity of issue 14
# item 6 closes: contract_file, request_update, request_void, clearing_resolve), by another
# service, or by the demo loader inside its own transaction, so none of them may be durable.
PLAIN_ENTRY_POINTS: list[tuple[Callable[..., Any], dict[str, Any]]] = [
    (bank.bank_file_create, {"mof_div_code": "000000"}),
    (bank.bank_result_record, {"item": None}),
    (bank.bank_report_record, {"report": None}),
    (clearing.clearing_record, {"account_no": "", "day": None, "bank_total": None}),
    (clearing.clearing_resolve, {"item_id": 0, "note": ""}),
    (requests.request_create, {"data": None, "fiscal_year": 0}),
    (requests.request_update, {"request_id": 0, "data": None}),
    (requests.request_void, {"request_id": 0}),
    (
        refunds.refund_register,
        dict.fromkeys(("line_id", "amount", "kind", "reason", "refund_date")),
    ),
    (
        refunds.bank_return_register,
        dict.fromkeys(
            ("voucher_number", "payee_account_no", "amount", "refund_date", "bank_receipt_no")
        ),
    ),
    (refunds.refund_confirm, {"refund_id": 0}),
    (corrections.correction_register, dict.fromkeys(("line_id", "to_line_id", "amount", "reason"))),
    (corrections.correction_post, {"correction_id": 0}),
    (batches.payroll_import, dict.fromkeys(("data", "filename", "month", "fiscal_year"))),
    (
        batches.payroll_request_create,
        dict.fromkeys(("batch_id", "pay_date", "payer_account_id", "deduction_payees")),
    ),
    (contracts.contract_file, {"data": None, "fiscal_year": 0}),
    (monitoring.request_explain, {"request_id": 0, "explanation": ""}),
]


@pytest.mark.parametrize(
    ("service", "arguments"),
    [pytest.param(s, a, id=f"{s.__name__}_case") for s, a in PLAIN_ENTRY_POINTS],
)
def test_a_payments_entry_point_runs_inside_its_callers_transaction(
    service: Callable[..., Any], arguments: dict[str, Any], user: Callable[[str], Any]
) -> None:
    # Given the API's (or the demo loader's) transaction, when the service is called inside it
    # by a read-only auditor, then it gets as far as its own permission check: it does not
    # refuse to nest.
    with transaction.atomic(), pytest.raises(PermissionDeniedError):
        service(actor=user("wj_auditor"), **arguments)


@pytest.mark.parametrize(
    "service", [bank.bank_results_record, refunds.bank_returns_register], ids=lambda s: s.__name__
)
def test_a_bank_batch_runs_inside_the_api_transaction(
    service: Callable[..., Any], user: Callable[[str], Any]
) -> None:
    # Given the API's transaction, when an empty batch is recorded inside it, then nothing is.
    with transaction.atomic():
        assert service(actor=user("wj_treasury"), items=[]) == []


# The platform's and data centre's entry points that /api/v1 now calls inside ``run_once`` (issue
# 14 item 6, API parity): plain too, for the same reason.
API_CALLED: list[tuple[Callable[..., Any], dict[str, Any]]] = [
    (identity_services.user_set_roles, {"user": None, "role_codes": []}),
    (identity_services.user_set_active, {"user": None, "is_active": False}),
    (identity_services.user_unlock, {"user": None}),
    (identity_services.user_set_password, {"user": None, "password": ""}),
    (organisations.organisation_update, {"organisation": None, "data": None}),
    (accounts.bank_account_update, {"account": None, "data": None}),
    (accounts.payee_update, {"payee": None, "data": None}),
    (classification.code_update, {"code": None, "name": "", "is_enabled": True}),
    (exchange.units_import_file, {"mof_div_code": "", "data": b"", "filename": ""}),
    (workflow_services.definition_publish, {"definition": None, "body": None, "note": ""}),
    (
        workflow_services.calendar_days_set,
        {"start": None, "end": None, "is_workday": False, "name": ""},
    ),
    (workflow_services.calendar_day_remove, {"day": None}),
    (project_services.project_update, {"project": None, "data": None}),
]


@pytest.mark.parametrize(
    ("service", "arguments"), [pytest.param(s, a, id=f"{s.__name__}_case") for s, a in API_CALLED]
)
def test_an_entry_point_the_api_calls_runs_inside_its_transaction(
    service: Callable[..., Any], arguments: dict[str, Any], user: Callable[[str], Any]
) -> None:
    # Given the API's transaction, when the service is called inside it by a read-only auditor,
    # then it gets as far as its permission check: it does not refuse to nest.
    with transaction.atomic(), pytest.raises(PermissionDeniedError):
        service(actor=user("wj_auditor"), **arguments)


def test_marking_notifications_read_runs_inside_the_api_transaction(user: Any) -> None:
    with transaction.atomic():
        assert workflow_services.notifications_mark_read(actor=user("school_clerk")) >= 0
