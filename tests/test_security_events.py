"""Security events in the audit trail (issue #13 item 7): sign-ins (good, bad, unknown names),
lockouts, sign-outs, permission refusals, out-of-scope requests, CSRF failures and downloads are
recorded in transactions of their own, sealed into the hash chain like every record, never with a
password or a token, and listed in Chinese on the audit page with a filter."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.test import Client

import pytest
import time_machine

from yusuan.audit.chain import seal, verify
from yusuan.audit.models import AuditRecord
from yusuan.audit.tests.test_chain import _disable_append_only_triggers
from yusuan.identity.tests.helpers import (
    DEMO_PASSWORD,
    MOMENT,
    WRONG_PASSWORD,
    fail_sign_ins,
    sign_in,
)
from yusuan.payments.models import PaymentRequest
from yusuan.workflow.models import WorkflowInstance

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def _records(action: str, **lookup: Any) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action, **lookup).order_by("id"))


def _text(record: AuditRecord) -> str:
    return json.dumps(
        {f.name: str(getattr(record, f.attname)) for f in record._meta.fields},
        ensure_ascii=False,
    )


def _school_paid() -> PaymentRequest:
    paid = PaymentRequest.objects.filter(
        organisation__name="吴江区松陵实验小学", state="paid"
    ).first()
    assert paid is not None
    return paid


# --- Sign-ins -----------------------------------------------------------------------------------


def test_a_failed_sign_in_is_recorded_with_the_name_and_never_the_password(
    user: Callable[[str], Any],
) -> None:
    sign_in("school_clerk", WRONG_PASSWORD, address=ADDRESS)
    [record] = _records("security.login.failed")
    clerk = user("school_clerk")
    assert record.actor_id is None and record.actor_username == "school_clerk"
    assert record.object_id == str(clerk.pk) and record.ip_address == ADDRESS
    assert record.mof_div_code == clerk.mof_div_code
    assert record.subject_organisation_id == clerk.organisation_id
    assert record.extra["known_user"] is True
    assert WRONG_PASSWORD not in _text(record)


def test_a_sign_in_under_an_unknown_name_is_recorded_as_typed() -> None:
    typed = "admin' OR 1=1 --" + "x" * 200
    sign_in(typed, WRONG_PASSWORD, address=ADDRESS)
    [record] = _records("security.login.failed")
    assert record.actor_username == typed[:150] and record.object_id == ""
    assert record.extra["known_user"] is False and record.mof_div_code == ""
    assert WRONG_PASSWORD not in _text(record)


def test_a_lockout_is_recorded_once_when_it_starts_and_refusals_after_it() -> None:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        fail_sign_ins(traveller, "school_clerk", settings.AXES_FAILURE_LIMIT, address=ADDRESS)
        sign_in("school_clerk", DEMO_PASSWORD, address=ADDRESS)
    assert len(_records("security.login.failed")) == settings.AXES_FAILURE_LIMIT
    [lockout] = _records("security.login.lockout")
    assert lockout.extra["locked"] == "pair" and lockout.extra["failures"] == 5
    # 15 minutes after the 5th failure (4 gaps of 61 s after MOMENT), in Beijing time
    assert lockout.extra["until"] == "2026-06-01T09:19:04+08:00"
    [refused] = _records("security.login.refused")
    assert refused.extra["reason"] == "pair" and refused.extra["retry_after_seconds"] > 0
    assert DEMO_PASSWORD not in _text(refused)


def test_a_sign_in_and_a_sign_out_are_recorded_with_the_new_session(
    user: Callable[[str], Any],
) -> None:
    person = Client()
    assert sign_in("school_clerk", DEMO_PASSWORD, address=ADDRESS, client=person).status_code == 302
    [signed_in] = _records("security.login.succeeded")
    assert signed_in.actor_id == user("school_clerk").pk and signed_in.ip_address == ADDRESS
    person.post("/payments/new/", {})  # an action in the new session carries the same hash
    person.post("/accounts/logout/", REMOTE_ADDR=ADDRESS)
    [signed_out] = _records("security.logout")
    assert signed_out.session_hash == signed_in.session_hash != ""


# --- Refusals, downloads ------------------------------------------------------------------------


def test_a_permission_refusal_is_recorded(client_as: Callable[[str], Client]) -> None:
    assert client_as("school_clerk").get("/audit/").status_code == 403
    [record] = _records("security.permission_denied")
    assert record.actor_username == "school_clerk"
    assert record.extra["path"] == "/audit/" and record.extra["status"] == 403


def test_another_units_object_is_a_recorded_scope_refusal_and_a_typo_is_not(
    client_as: Callable[[str], Client],
) -> None:
    paid = _school_paid()
    hospital = client_as("hospital_clerk")
    assert hospital.get(f"/payments/{paid.pk}/").status_code == 404
    assert hospital.get(f"/api/v1/payments/requests/{paid.pk}").status_code == 404
    page, api = _records("security.scope_refused")
    assert page.actor_username == api.actor_username == "hospital_clerk"
    assert page.extra["path"] == f"/payments/{paid.pk}/"
    assert page.extra["view"] == "payments:request_detail"
    assert api.extra["path"] == f"/api/v1/payments/requests/{paid.pk}"
    assert hospital.get("/payments/no-such-page/").status_code == 404
    [typo] = _records("security.not_found")
    assert typo.extra["path"] == "/payments/no-such-page/"
    assert len(_records("security.scope_refused")) == 2


def test_the_record_outlives_the_refused_requests_rolled_back_transaction(
    client_as: Callable[[str], Client],
) -> None:
    # The approval runs in a transaction (with its idempotency record) that the 404 rolls back.
    instance = WorkflowInstance.objects.filter(
        organisation__name="吴江区松陵实验小学", state="in_progress"
    ).first()
    assert instance is not None
    answer = client_as("hospital_clerk").post(
        f"/api/v1/workflow/instances/{instance.pk}/approve",
        {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert answer.status_code == 404
    assert _records("security.scope_refused")
    assert not _records("security.permission_denied")


def test_csrf_failures_are_recorded_for_pages_and_the_api(user: Callable[[str], Any]) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user("wj_admin"))
    assert browser.post("/core/fiscal-years/open/", {"year": "2027"}).status_code == 403
    assert browser.post("/api/v1/payees", {}, content_type="application/json").status_code == 403
    page, api = _records("security.csrf_failure")
    assert page.actor_username == api.actor_username == "wj_admin"
    assert page.extra["path"] == "/core/fiscal-years/open/" and page.extra["reason"]
    assert api.extra["path"] == "/api/v1/payees"
    assert not _records("security.permission_denied")


def test_every_export_and_pdf_is_recorded(client_as: Callable[[str], Client]) -> None:
    paid = _school_paid()
    clerk = client_as("school_clerk")
    assert clerk.get("/core/organisations/export/?format=csv").status_code == 200
    assert clerk.get(f"/payments/{paid.pk}/voucher.pdf").status_code == 200
    assert clerk.get("/payments/").status_code == 200  # a page is not a download
    export, pdf = _records("security.download")
    assert export.object_repr == "units.csv"
    assert export.extra["path"] == "/core/organisations/export/?format=csv"
    assert export.extra["content_type"].startswith("text/csv")
    assert pdf.object_repr == f"{paid.voucher.number}.pdf"
    assert pdf.actor_username == "school_clerk"


# --- The chain, and the audit page --------------------------------------------------------------


def test_security_events_are_sealed_into_the_chain_and_an_edit_is_named(
    client_as: Callable[[str], Client],
) -> None:
    sign_in("nobody", WRONG_PASSWORD, address=ADDRESS)
    client_as("school_clerk").get("/core/organisations/export/?format=csv")
    seal(lag_seconds=0)
    result = verify()
    assert result.ok and result.records_unsealed == 0
    download = _records("security.download")[0]
    _disable_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditrecord SET object_repr = %s WHERE id = %s",
            ["innocent.csv", download.pk],
        )
    broken = verify()
    assert not broken.ok and broken.failed_record_id == download.pk


def test_the_audit_page_lists_security_events_in_chinese_with_a_filter(
    client_as: Callable[[str], Client],
) -> None:
    with time_machine.travel(MOMENT, tick=False) as traveller:
        fail_sign_ins(traveller, "school_clerk", settings.AXES_FAILURE_LIMIT, address=ADDRESS)
    sign_in("nobody_at_all", WRONG_PASSWORD, address=ADDRESS)
    client_as("hospital_clerk").get(f"/payments/{_school_paid().pk}/")
    client_as("school_clerk").get("/core/organisations/export/?format=csv")
    auditor = client_as("wj_auditor")
    page = auditor.get("/audit/?kind=security").content.decode()
    for label in (
        "登录失败",
        "登录失败次数过多，已锁定",
        "拒绝：对象在数据范围外或不存在（404）",
        "导出或下载文件",
    ):
        assert label in page, label
    assert "nobody_at_all" in page  # a name nobody holds is shown to a region-wide auditor
    assert 'data-action="payments.' not in page and 'data-action="core.' not in page
    only = auditor.get("/audit/?action=security.login.lockout").content.decode()
    assert only.count('data-action="security.login.lockout"') == 1
    assert 'data-action="security.login.failed"' not in only
    changes = auditor.get("/audit/?kind=change").content.decode()
    assert 'data-action="security.' not in changes
    assert changes.count('data-action="') == settings.YUSUAN_PAGE_SIZE  # the demo's changes
