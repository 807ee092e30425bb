"""Vouchers to the agent bank and its results, with the indicator buckets after each step:
a pain.001 file valid against the ISO schema; success pays, failure releases; the same result
twice has effect once; a result for a settled or unknown line is refused, naming it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from tests.payment_helpers import _approved, _buckets, _input, _line

from yusuan.common.errors import BusinessRuleError
from yusuan.indicators.selectors import reconcile
from yusuan.payments import iso20022 as iso
from yusuan.payments.choices import RequestState
from yusuan.payments.models import PaymentRequest
from yusuan.payments.services import request_create
from yusuan.payments.services.bank import ResultInput, bank_file_create, bank_result_record

pytestmark = pytest.mark.django_db


def _sent(user: Any, *amounts: str) -> PaymentRequest:
    office = _line(user, "30201")
    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(office, a) for a in amounts]),
        fiscal_year=2026,
    )
    request = _approved(user, request)
    assert request.state == RequestState.VOUCHER_ISSUED
    bank_file = bank_file_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert bank_file is not None
    assert iso.schema_errors(bank_file.xml.encode(), "pain.001.001.03") == []
    request.refresh_from_db()
    assert request.state == RequestState.AT_BANK
    return request


def _result(request: PaymentRequest, row: int, accepted: bool, *, entry: str = "") -> Any:
    """The bank's result for a row, answering the file the request's voucher went out in."""
    return ResultInput(
        message_id=request.voucher.bank_file.message_id,
        entry_id=entry or f"E{row}",
        end_to_end_id=f"{request.voucher.number}-{row}",
        accepted=accepted,
        reason="" if accepted else "AC01 收款账号不存在",
    )


def test_success_pays_and_a_resent_result_has_effect_once(user: Any) -> None:
    office = _line(user, "30201")
    start = _buckets(office)
    request = _sent(user, "1,000", "234.56")
    assert request.voucher.bank_file.transfers == 2
    assert f"{request.voucher.number}-2" in request.voucher.bank_file.xml
    assert _buckets(office) == (start[0] - 123456, start[1] + 123456, start[2])
    bank = user("bank_icbc")
    first = bank_result_record(actor=bank, item=_result(request, 1, True))
    assert not first.replayed
    again = bank_result_record(actor=bank, item=_result(request, 1, True))
    assert again.replayed
    assert _buckets(office) == (start[0] - 123456, start[1] + 23456, start[2] + 100000)
    request.refresh_from_db()
    assert request.state == RequestState.AT_BANK  # one line still open
    bank_result_record(actor=bank, item=_result(request, 2, True))
    request.refresh_from_db()
    assert request.state == RequestState.PAID
    assert _buckets(office) == (start[0] - 123456, start[1], start[2] + 123456)
    assert reconcile() == []


def test_failure_releases_and_a_second_result_is_refused(user: Any) -> None:
    office = _line(user, "30201")
    start = _buckets(office)
    request = _sent(user, "500")
    bank = user("bank_icbc")
    bank_result_record(actor=bank, item=_result(request, 1, False))
    request.refresh_from_db()
    assert request.state == RequestState.FAILED
    assert _buckets(office) == start
    assert request.lines.get().bank_results.get().reason == "AC01 收款账号不存在"
    with pytest.raises(BusinessRuleError) as caught:
        bank_result_record(actor=bank, item=_result(request, 1, True, entry="E2"))
    error = caught.value.errors[0]
    assert (error.code, error.field, error.value) == (
        "payments.result_settled",
        "end_to_end_id",
        f"{request.voucher.number}-1",
    )
    assert _buckets(office) == start
    assert reconcile() == []


def test_result_for_an_unknown_line_is_refused(user: Any) -> None:
    request = _sent(user, "10")
    bank = user("bank_icbc")
    for wrong in (f"{request.voucher.number}-9", "PZ2026999999-1", "nonsense"):
        with pytest.raises(BusinessRuleError) as caught:
            bank_result_record(
                actor=bank,
                item=ResultInput(request.voucher.bank_file.message_id, wrong, wrong, True),
            )
        assert (caught.value.status, caught.value.errors[0].code) == (
            422,
            "payments.result_unknown_line",
        )
        assert wrong in caught.value.errors[0].message_zh


def test_a_bank_entry_reused_for_another_line_is_refused_and_changes_nothing(user: Any) -> None:
    office = _line(user, "30201")
    request = _sent(user, "30", "40")
    bank = user("bank_icbc")
    bank_result_record(actor=bank, item=_result(request, 1, True))
    after_first = _buckets(office)
    sent = request.voucher.bank_file.message_id
    reused = ResultInput(sent, "E1", f"{request.voucher.number}-2", True)  # E1 was row 1's
    with pytest.raises(BusinessRuleError) as caught:
        bank_result_record(actor=bank, item=reused)
    error = caught.value.errors[0]
    assert (error.code, error.value) == ("payments.result_entry_reused", reused.end_to_end_id)
    assert sent in error.message_zh and "E1" in error.message_zh
    assert _buckets(office) == after_first
    line = request.lines.get(row=1)
    assert line.state == "open" and not line.bank_results.exists()
    bank_result_record(actor=bank, item=_result(request, 2, True))  # its own entry still works
    request.refresh_from_db()
    assert request.state == RequestState.PAID
    assert reconcile() == []


def test_the_bank_file_is_named_by_the_local_date(user: Any) -> None:
    """01:00 in Beijing is still the previous day in UTC: the file carries the clerk's date."""
    with time_machine.travel(dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC), tick=False):
        request = _sent(user, "12")
    message_id = request.voucher.bank_file.message_id
    assert message_id.startswith(f"YS{request.mof_div_code}20261124"), message_id
    assert "<ReqdExctnDt>2026-11-24</ReqdExctnDt>" in request.voucher.bank_file.xml
    # The number is taken after the file is built (issue 20) and put in its one place.
    assert request.voucher.bank_file.xml.count(f"<MsgId>{message_id}</MsgId>") == 1
    assert "XXXXXX" not in request.voucher.bank_file.xml
    assert message_id[-6:].isdigit()


def test_nothing_to_send_and_a_clerk_cannot_send(user: Any) -> None:
    region = user("school_clerk").organisation.mof_div_code
    assert bank_file_create(actor=user("wj_treasury"), mof_div_code=region) is None
    with pytest.raises(BusinessRuleError):
        bank_file_create(actor=user("school_clerk"), mof_div_code=region)
