"""The audit log through /api/v1 (issue 14 item 6): the audit page's records, filters and
permission; another region's record is a 404; account numbers masked as the page masks them."""

from __future__ import annotations

from typing import Any

from django.test import Client

import pytest

from yusuan.audit.actions import SECURITY_PREFIXES
from yusuan.audit.models import AuditRecord
from yusuan.audit.services import audit_record
from yusuan.common.masking import mask_account_no
from yusuan.core.models import Payee
from yusuan.core.services.accounts import PayeeData, payee_update
from yusuan.identity.services import api_token_issue

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = "6222020200112233445"


def _changed_payee(user: Any) -> AuditRecord:
    payee = Payee.objects.filter(organisation__name="吴江区松陵实验小学").first()
    assert payee is not None
    fields = ("kind", "name", "credit_code", "id_number", "bank_name", "bank_code", "is_enabled")
    data = PayeeData(**{f: getattr(payee, f) for f in fields}, bank_account_no=NEW_ACCOUNT)
    payee_update(actor=user("school_cashier"), payee=payee, data=data)
    return AuditRecord.objects.filter(action="core.payee.update", object_id=str(payee.pk)).latest(
        "id"
    )


def test_the_log_is_filtered_and_masked_as_the_page(client_as: Any, user: Any) -> None:
    record = _changed_payee(user)
    admin = client_as("wj_admin")  # sees the whole log, not personal numbers
    listed = admin.get("/api/v1/audit/records?object_type=core.payee&user=school_cashier").json()
    assert listed["count"] >= 1 and listed["items"][0]["id"] == record.pk
    assert {row["action"] for row in listed["items"]} == {"core.payee.update"}
    shown = admin.get(f"/api/v1/audit/records/{record.pk}").json()
    assert shown["changes"]["bank_account_no"][1] == mask_account_no(NEW_ACCOUNT) != NEW_ACCOUNT
    assert NEW_ACCOUNT not in str(admin.get("/api/v1/audit/records?kind=change").json())
    auditor = client_as("wj_auditor")  # may view personal data
    assert (
        auditor.get(f"/api/v1/audit/records/{record.pk}").json()["changes"]["bank_account_no"][1]
        == NEW_ACCOUNT
    )
    security = auditor.get("/api/v1/audit/records?kind=security").json()["items"]
    assert security and all(row["action"].startswith(SECURITY_PREFIXES) for row in security)
    later = auditor.get("/api/v1/audit/records?date_from=2099-01-01").json()
    assert later["count"] == 0
    bad = auditor.get("/api/v1/audit/records?date_from=yesterday")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "date_from"
    wrong_kind = auditor.get("/api/v1/audit/records?kind=everything")
    assert wrong_kind.status_code == 422 and wrong_kind.json()["errors"][0]["field"] == "kind"


def test_another_regions_record_is_a_404_and_the_page_permission_applies(
    client_as: Any, user: Any
) -> None:
    other = audit_record(
        action="core.payee.update", actor=None, obj=user("wj_admin"), mof_div_code="320506"
    )
    auditor = client_as("wj_auditor")
    assert auditor.get(f"/api/v1/audit/records/{other.pk}").status_code == 404
    assert other.pk not in [r["id"] for r in auditor.get("/api/v1/audit/records").json()["items"]]
    clerk = client_as("school_clerk")  # sees an object's history, not the log (as the page)
    assert clerk.get("/api/v1/audit/records").status_code == 403
    assert clerk.get("/audit/").status_code == 403


def test_an_auditors_token_reads_the_log(user: Any) -> None:
    token = api_token_issue(actor=None, user=user("wj_auditor"), name="t", scopes=("audit:read",))
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}
    assert Client().get("/api/v1/audit/records", **bearer).status_code == 200
    narrow = api_token_issue(actor=None, user=user("wj_auditor"), name="n", scopes=("core:read",))
    assert (
        Client().get("/api/v1/audit/records", HTTP_AUTHORIZATION=f"Bearer {narrow.key}").status_code
        == 403
    )
