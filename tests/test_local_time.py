"""Times a person reads are Beijing time (DESIGN §5: stored in UTC, shown in Asia/Shanghai).

23:30 UTC on 10 March is 07:30 on 11 March in Beijing: anything printed from that moment must
say the 11th — the audit trail's changes, the bank file's creation time (the voucher PDF's date
is in ``test_voucher_pdf.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from tests.test_voucher_pdf import ISSUED_UTC, _issued

from yusuan.audit.models import AuditRecord
from yusuan.audit.services import jsonable
from yusuan.payments.services.bank import bank_file_create
from yusuan.workflow.services import delegation_create, delegation_revoke

pytestmark = pytest.mark.django_db


def test_audit_values_are_written_in_beijing_time() -> None:
    assert jsonable(ISSUED_UTC) == "2026-03-11T07:30:00+08:00"
    assert jsonable(dt.date(2026, 3, 10)) == "2026-03-10"  # a business date is a date


def test_a_revoked_delegation_shows_the_local_time_on_the_audit_page(
    user: Any, client_as: Any
) -> None:
    approver = user("school_approver")
    with time_machine.travel(ISSUED_UTC, tick=False):
        day = dt.date(2026, 3, 11)
        delegation = delegation_create(
            actor=approver,
            delegate=user("school_reviewer"),
            starts_on=day,
            ends_on=day,
            reason="病假",
        )
        delegation_revoke(actor=approver, delegation=delegation)
    record = AuditRecord.objects.get(action="workflow.delegation_revoke")
    assert record.changes == {"revoked_at": [None, "2026-03-11T07:30:00+08:00"]}
    page = client_as("wj_auditor").get("/audit/?action=workflow.delegation_revoke")
    assert "2026-03-11T07:30:00+08:00" in page.content.decode()


def test_the_bank_file_is_stamped_in_beijing_time(user: Any) -> None:
    with time_machine.travel(ISSUED_UTC, tick=False):
        _issued(user, "凌晨送银行", ("吴江凌晨印务有限公司",))
        sent = bank_file_create(actor=user("wj_treasury"), mof_div_code="320509")
    assert sent is not None
    assert "<CreDtTm>2026-03-11T07:30:00+08:00</CreDtTm>" in sent.xml
    assert sent.message_id.startswith("YS32050920260311")
