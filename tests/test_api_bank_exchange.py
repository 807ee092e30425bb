"""The agent-bank exchange as a black-box tester found it after issue 13 (follow-ups), each through
the API with a client that enforces CSRF: the treasury's browser session with its CSRF header, or
the bank's system-account token.

- sending a region outside the caller's scope was a 500 (an error without its message);
- an Idempotency-Key reused with another query string was not refused;
- results naming a message we never sent, or a line that is not in that message, were applied;
- an amount filter that is no amount answered an empty list;
- the pain.002 upload declared no request body, and explained an unreadable file in English only.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import pytest
from tests.payment_helpers import _approved, _input, _line
from tests.test_api_csrf import BANK_SCOPES, csrf_session

from yusuan.identity.services import api_token_issue
from yusuan.payments.choices import LineState
from yusuan.payments.models import BankFile, BankResult, PaymentRequest
from yusuan.payments.services import request_create
from yusuan.payments.services.bank import bank_file_create

pytestmark = pytest.mark.django_db

BANK_FILES = "/api/v1/payments/bank-files"
RESULTS = "/api/v1/payments/bank-results"
PAIN002 = "/api/v1/payments/bank-results/pain002"

REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>ICBC-STS-88</MsgId><CreDtTm>2026-06-30T16:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{file}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>
</OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>{voucher}</OrgnlPmtInfId>
<TxInfAndSts><StsId>A</StsId><OrgnlEndToEndId>{voucher}-1</OrgnlEndToEndId><TxSts>ACSC</TxSts>
</TxInfAndSts></OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"""


def _issued(user: Any, amount: str) -> PaymentRequest:
    request = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(_line(user, "30201"), amount)]),
        fiscal_year=2026,
    )
    return _approved(user, request)


def _sent(user: Any, amount: str) -> tuple[PaymentRequest, BankFile]:
    """A request whose voucher went out in a bank file of its own."""
    request = _issued(user, amount)
    sent = bank_file_create(actor=user("wj_treasury"), mof_div_code=request.mof_div_code)
    assert sent is not None
    request.refresh_from_db()
    assert request.voucher.bank_file_id == sent.pk
    return request, sent


def _bank(user: Any) -> tuple[Client, dict[str, str]]:
    token = api_token_issue(actor=None, user=user("bank_icbc"), name="t", scopes=BANK_SCOPES)
    return Client(enforce_csrf_checks=True), {"HTTP_AUTHORIZATION": f"Bearer {token.key}"}


def _treasury(user: Any) -> tuple[Client, dict[str, str]]:
    client, token = csrf_session(user("wj_treasury"))
    return client, {"HTTP_X_CSRFTOKEN": token}


def _post(client: Client, path: str, body: Any = None, key: str = "", **kw: Any) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        path, data=json.dumps(body or {}), content_type="application/json", **headers, **kw
    )


def _error(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    errors = answer.json()["errors"]
    assert len(errors) == 1, errors
    error: dict[str, Any] = errors[0]
    return error


def _results(message_id: str, *entries: tuple[str, str]) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "entries": [{"entry_id": e, "end_to_end_id": e2e, "paid": True} for e, e2e in entries],
    }


# --- 1. A region outside the caller's scope --------------------------------------------------------


def test_sending_a_region_outside_the_scope_is_a_404_naming_it(user: Any) -> None:
    treasury, csrf = _treasury(user)
    answer = _post(treasury, f"{BANK_FILES}?mof_div_code=999999", key="far-1", **csrf)
    error = _error(answer, 404)
    assert (error["code"], error["field"], error["value"]) == (
        "payments.region",
        "mof_div_code",
        "999999",
    )
    assert error["limit"] == [user("wj_treasury").organisation.mof_div_code]
    assert "999999" in error["message_zh"] and "管辖范围" in error["message_zh"]
    assert "999999" in error["message_en"] and "outside your scope" in error["message_en"]


# --- 2. The query string is part of what an Idempotency-Key is bound to ----------------------------


def test_a_key_reused_with_another_query_is_refused_not_replayed(user: Any) -> None:
    request = _issued(user, "321.00")
    treasury, csrf = _treasury(user)
    region = request.mof_div_code
    made = _post(treasury, f"{BANK_FILES}?mof_div_code={region}", key="send-q", **csrf)
    assert made.status_code == 200, made.content
    for other in (
        f"{BANK_FILES}?mof_div_code=999999",  # another region
        f"{BANK_FILES}?mof_div_code={region}&mof_div_code=999999",  # one more value
        f"{BANK_FILES}?mof_div_code={region}&note=x",  # one more parameter
    ):
        refused = _post(treasury, other, key="send-q", **csrf)
        error = _error(refused, 409)
        assert (error["code"], error["field"]) == ("idempotency.key_reused", "Idempotency-Key")
        assert "Idempotent-Replayed" not in refused
    # The same query is a retry: the first answer again.
    again = _post(treasury, f"{BANK_FILES}?mof_div_code={region}", key="send-q", **csrf)
    assert (again.status_code, again.json(), again["Idempotent-Replayed"]) == (
        200,
        made.json(),
        "true",
    )
    assert BankFile.objects.filter(message_id=made.json()["message_id"]).count() == 1


# --- 3. Results answer a message we sent, entry by entry ---------------------------------------------


def test_a_result_for_an_invented_message_is_refused_naming_it(user: Any) -> None:
    request, _sent_file = _sent(user, "12.00")
    bank, token = _bank(user)
    e2e = f"{request.voucher.number}-1"
    answer = _post(bank, RESULTS, _results("INVENTED-1", ("1", e2e)), **token)
    error = _error(answer, 422)
    assert (error["code"], error["field"], error["value"]) == (
        "payments.result_unknown_message",
        "message_id",
        "INVENTED-1",
    )
    assert "INVENTED-1" in error["message_zh"] and "INVENTED-1" in error["message_en"]
    assert request.lines.get().state == LineState.OPEN
    assert not BankResult.objects.filter(message_id="INVENTED-1").exists()


def test_a_result_for_another_regions_file_is_refused_like_an_invented_one(user: Any) -> None:
    request, sent = _sent(user, "13.00")
    BankFile.objects.filter(pk=sent.pk).update(mof_div_code="320500")  # not the bank's region
    bank, token = _bank(user)
    body = _results(sent.message_id, ("1", f"{request.voucher.number}-1"))
    error = _error(_post(bank, RESULTS, body, **token), 422)
    assert (error["code"], error["field"], error["value"]) == (
        "payments.result_unknown_message",
        "message_id",
        sent.message_id,
    )
    assert request.lines.get().state == LineState.OPEN


def test_a_result_for_a_line_of_another_message_is_refused_naming_the_entry(user: Any) -> None:
    first, first_file = _sent(user, "14.00")
    second, second_file = _sent(user, "15.00")
    assert first_file.message_id != second_file.message_id
    bank, token = _bank(user)
    body = _results(
        first_file.message_id,
        ("1", f"{first.voucher.number}-1"),
        ("2", f"{second.voucher.number}-1"),  # sent in the second file, not this one
    )
    error = _error(_post(bank, RESULTS, body, **token), 422)
    assert (error["code"], error["field"], error["value"], error["limit"]) == (
        "payments.result_unknown_line",
        "entries[1].end_to_end_id",
        f"{second.voucher.number}-1",
        first_file.message_id,
    )
    assert first_file.message_id in error["message_zh"]
    # All or nothing: the good entry of the batch was not applied either.
    assert first.lines.get().state == second.lines.get().state == LineState.OPEN
    # Each answered under its own message: both paid.
    for request, sent in ((first, first_file), (second, second_file)):
        body = _results(sent.message_id, ("1", f"{request.voucher.number}-1"))
        assert _post(bank, RESULTS, body, **token).status_code == 200
        assert request.lines.get().state == LineState.PAID


def test_a_pain002_answering_a_message_we_never_sent_is_refused(user: Any) -> None:
    request, sent = _sent(user, "16.00")
    bank, token = _bank(user)
    report = REPORT.format(file="YS-NEVER-SENT", voucher=request.voucher.number)
    answer = bank.post(PAIN002, data=report, content_type="application/xml", **token)
    error = _error(answer, 422)
    assert (error["code"], error["field"], error["value"]) == (
        "payments.result_unknown_message",
        "OrgnlMsgId",
        "YS-NEVER-SENT",
    )
    assert request.lines.get().state == LineState.OPEN

    other, _other_file = _sent(user, "17.00")  # a real line, but not in the file named
    report = REPORT.format(file=sent.message_id, voucher=other.voucher.number)
    answer = bank.post(PAIN002, data=report, content_type="application/xml", **token)
    error = _error(answer, 422)
    assert (error["code"], error["field"]) == (
        "payments.result_unknown_line",
        "entries[0].end_to_end_id",
    )
    assert other.lines.get().state == LineState.OPEN

    report = REPORT.format(file=sent.message_id, voucher=request.voucher.number)
    answer = bank.post(PAIN002, data=report, content_type="application/xml", **token)
    assert answer.status_code == 200, answer.content
    assert request.lines.get().state == LineState.PAID


# --- 4. Filters no line could match ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code", "field", "value"),
    [
        ("lines?amount=abc", "money.invalid", "amount", "abc"),
        ("lines?amount=1,2,3", "money.grouping", "amount", "1,2,3"),
        ("lines?account=12ab", "payments.filter_account", "account", "12ab"),
        # The schema's own checks (the value is not echoed by the framework's validation).
        ("lines?voucher=" + "9" * 21, "validation.string_too_long", "voucher", None),
        ("lines?state=lost", "validation.literal_error", "state", None),
        ("requests?state=lost", "validation.literal_error", "state", None),
        ("bank-files?after_id=x", "validation.int_parsing", "after_id", None),
    ],
)
def test_a_list_filter_that_is_no_value_is_a_422_naming_it(
    user: Any, query: str, code: str, field: str, value: str | None
) -> None:
    treasury, _csrf = _treasury(user)
    error = _error(treasury.get(f"/api/v1/payments/{query}"), 422)
    assert (error["code"], error["field"], error["value"]) == (code, field, value)
    assert error["message_zh"] and error["message_en"]


def test_the_request_state_filter_offers_exactly_the_states() -> None:
    from typing import get_args

    from yusuan.payments.api.requests import StateFilter
    from yusuan.payments.choices import RequestState

    assert set(get_args(StateFilter)) == {"", *RequestState.values}


def test_the_line_filters_still_find_what_they_name(user: Any) -> None:
    request, sent = _sent(user, "1,234.50")
    bank, token = _bank(user)
    body = _results(sent.message_id, ("1", f"{request.voucher.number}-1"))
    assert _post(bank, RESULTS, body, **token).status_code == 200
    line = request.lines.get()
    treasury, _csrf = _treasury(user)
    for query in (
        "amount=1234.50",
        "amount=1,234.50",
        f"account={line.payee_account_no[-4:]}",
        f"voucher={request.voucher.number}",
    ):
        found = treasury.get(f"/api/v1/payments/lines?{query}&voucher={request.voucher.number}")
        assert found.status_code == 200, (query, found.content)
        assert [x["amount_fen"] for x in found.json()["items"]] == [123450], query
    nothing = treasury.get(f"/api/v1/payments/lines?amount=0.01&voucher={request.voucher.number}")
    assert nothing.json()["items"] == []  # an amount, just not this one: an empty list
    listed = treasury.get("/api/v1/payments/requests?state=paid").json()["items"]
    assert request.pk in [x["id"] for x in listed]


# --- 5. The pain.002 upload: its body declared, its refusals in both languages -----------------------


def test_the_pain002_operation_declares_its_request_body(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    body = document["paths"][PAIN002]["post"]["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"application/xml", "text/xml", "multipart/form-data"}
    form = body["content"]["multipart/form-data"]["schema"]
    assert form["required"] == ["report"] and form["properties"]["report"]["format"] == "binary"


def test_a_pain002_form_upload_is_read_like_a_body(user: Any) -> None:
    request, sent = _sent(user, "18.00")
    bank, token = _bank(user)
    report = REPORT.format(file=sent.message_id, voucher=request.voucher.number).encode()
    answer = bank.post(PAIN002, {"report": SimpleUploadedFile("回单.xml", report)}, **token)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["message_id"], body["answers"], body["group_status"]) == (
        "ICBC-STS-88",
        sent.message_id,
        "",
    )
    assert body["outcomes"] == [
        {"end_to_end_id": f"{request.voucher.number}-1", "replayed": False, "line_state": "paid"}
    ]
    assert body["message_zh"] == "已登记 1 条结果（0 条此前已登记）。"
    assert body["message_en"] == "Recorded 1 results (0 already known)."


@pytest.mark.parametrize(
    ("report", "line", "zh", "en", "detail"),
    [
        ("<a>", 1, "不是格式正确的 XML", "not well-formed XML", "Premature end of data"),
        (
            "<?xml version='1.0'?>\n\n<a>\n<b></a>",
            4,
            "不是格式正确的 XML",
            "not well-formed XML",
            "Opening and ending tag mismatch",
        ),
        (
            "<?xml version='1.0'?>\n<x/>",
            2,
            "不符合 ISO 20022 pain.002.001.03",
            "not a valid ISO 20022 pain.002.001.03",
            "No matching global declaration",
        ),
    ],
    ids=["cut_short", "tags_crossed", "not_pain002"],
)
def test_an_unreadable_pain002_is_explained_in_both_languages(
    user: Any, report: str, line: int, zh: str, en: str, detail: str
) -> None:
    bank, token = _bank(user)
    answer = bank.post(PAIN002, data=report, content_type="application/xml", **token)
    error = _error(answer, 422)
    assert (error["code"], error["field"], error["row"]) == (
        "payments.pain002_invalid",
        "report",
        line,
    )
    # The reason in the reader's language; libxml's own words kept as the detail, with the line.
    assert f"第 {line} 行{zh}" in error["message_zh"] and "未予处理" in error["message_zh"]
    assert f"line {line}: {en}" in error["message_en"]
    assert detail in error["message_zh"] and detail in error["message_en"]
    assert error["value"].startswith(f"line {line}: ") and detail in error["value"]


# --- 6. A report that gives a status for the whole file, or for a payment block ------------------

GROUP_REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>{report}</MsgId><CreDtTm>2026-06-30T16:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{file}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId>
<GrpSts>{status}</GrpSts>{reason}</OrgnlGrpInfAndSts>{blocks}</CstmrPmtStsRpt></Document>"""
CLOSED = "<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>付款账户已销户</AddtlInf></StsRsnInf>"


def _group_report(file: str, status: str, report: str = "ICBC-GRP-1", **kw: str) -> str:
    return GROUP_REPORT.format(
        report=report, file=file, status=status, reason=kw.get("reason", ""), blocks=""
    ).replace("</OrgnlGrpInfAndSts>", "</OrgnlGrpInfAndSts>" + kw.get("blocks", ""))


def _two_vouchers_one_file(user: Any) -> tuple[PaymentRequest, PaymentRequest, BankFile]:
    """Two issued requests (the first of two lines) sent in one bank file."""
    first = request_create(
        actor=user("school_clerk"),
        data=_input(user, [(_line(user, "30201"), "21.00"), (_line(user, "30201"), "22.00")]),
        fiscal_year=2026,
    )
    first = _approved(user, first)
    second = _issued(user, "23.00")
    sent = bank_file_create(actor=user("wj_treasury"), mof_div_code=first.mof_div_code)
    assert sent is not None and sent.transfers == 3
    return first, second, sent


def _e2e(request: PaymentRequest) -> list[str]:
    request.refresh_from_db()
    return [f"{request.voucher.number}-{line.row + 1}" for line in request.lines.order_by("row")]


def test_a_file_rejected_as_a_whole_fails_every_transfer_of_it(user: Any) -> None:
    """GrpSts RJCT and no TxInfAndSts: the bank refused the whole file, so each of its transfers
    is failed (its amount released), as a TxSts RJCT for each would; another file is untouched."""
    first, second, sent = _two_vouchers_one_file(user)
    elsewhere, _other_file = _sent(user, "24.00")
    office = _line(user, "30201")
    office.refresh_from_db()
    frozen_before = office.frozen
    bank, token = _bank(user)
    report = _group_report(sent.message_id, "RJCT", reason=CLOSED)
    answer = bank.post(PAIN002, data=report, content_type="application/xml", **token)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    transfers = _e2e(first) + _e2e(second)
    assert (body["answers"], body["group_status"]) == (sent.message_id, "RJCT")
    assert body["outcomes"] == [
        {"end_to_end_id": e2e, "replayed": False, "line_state": "failed"} for e2e in transfers
    ]
    assert body["message_zh"].startswith("已登记 3 条结果（0 条此前已登记）。")
    assert "3 笔" in body["message_zh"] and sent.message_id in body["message_zh"]
    assert "rejected 3 transfers" in body["message_en"] and "whole file" in body["message_en"]
    for request in (first, second):
        request.refresh_from_db()
        assert request.state == "failed"
        assert set(request.lines.values_list("state", flat=True)) == {LineState.FAILED}
    office.refresh_from_db()
    assert office.frozen == frozen_before - 6600  # 21 + 22 + 23 元 released
    reasons = set(BankResult.objects.filter(message_id="ICBC-GRP-1").values_list("reason"))
    assert reasons == {("GrpSts RJCT: AC04 付款账户已销户",)}
    assert elsewhere.lines.get().state == LineState.OPEN

    # The same report again is a replay, not a conflict.
    again = bank.post(PAIN002, data=report, content_type="application/xml", **token)
    assert again.status_code == 200, again.content
    assert [o["replayed"] for o in again.json()["outcomes"]] == [True, True, True]
    assert BankResult.objects.filter(message_id="ICBC-GRP-1").count() == 3


def test_a_payment_block_rejected_as_a_whole_fails_its_transfers_only(user: Any) -> None:
    first, second, sent = _two_vouchers_one_file(user)
    first.refresh_from_db()
    block = (
        f"<OrgnlPmtInfAndSts><OrgnlPmtInfId>{first.voucher.number}</OrgnlPmtInfId>"
        f"<PmtInfSts>RJCT</PmtInfSts>{CLOSED}</OrgnlPmtInfAndSts>"
    )
    bank, token = _bank(user)
    report = _group_report(sent.message_id, "PART", blocks=block)
    answer = bank.post(PAIN002, data=report, content_type="application/xml", **token)
    assert answer.status_code == 200, answer.content
    assert [o["end_to_end_id"] for o in answer.json()["outcomes"]] == _e2e(first)
    assert set(first.lines.values_list("state", flat=True)) == {LineState.FAILED}
    assert second.lines.get().state == LineState.OPEN  # its block has no status: still at bank
    assert set(
        BankResult.objects.filter(message_id="ICBC-GRP-1").values_list("reason", flat=True)
    ) == {"PmtInfSts RJCT: AC04 付款账户已销户"}


@pytest.mark.parametrize("status", ["ACCP", "ACSC", "ACTC"])
def test_a_file_confirmed_as_a_whole_records_nothing_and_says_so(user: Any, status: str) -> None:
    """A file status that accepts it settles no transfer (payment is confirmed transfer by
    transfer): 200 with no outcome, and a message saying the report carried no transfer result."""
    first, second, sent = _two_vouchers_one_file(user)
    bank, token = _bank(user)
    report = _group_report(sent.message_id, status)
    answer = bank.post(PAIN002, data=report, content_type="application/xml", **token)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["group_status"], body["outcomes"]) == (status, [])
    assert body["message_en"] == (
        f"Status report ICBC-GRP-1 confirms bank file {sent.message_id} (file status {status}) "
        "but carries no result for any transfer: nothing was recorded, and the transfers stay "
        "at the bank until their own results are reported."
    )
    assert "确认" in body["message_zh"] and "未登记任何结果" in body["message_zh"]
    assert sent.message_id in body["message_zh"] and status in body["message_zh"]
    assert not BankResult.objects.filter(message_id="ICBC-GRP-1").exists()
    for request in (first, second):
        request.refresh_from_db()
        assert request.state == "at_bank"


def test_a_report_with_no_transfer_for_a_file_we_never_sent_is_refused(user: Any) -> None:
    """With no transaction to check, the file it answers is checked all the same."""
    _sent(user, "25.00")
    bank, token = _bank(user)
    for status in ("ACCP", "RJCT"):
        report = _group_report("YS-NEVER-SENT", status)
        answer = bank.post(PAIN002, data=report, content_type="application/xml", **token)
        error = _error(answer, 422)
        assert (error["code"], error["field"], error["value"]) == (
            "payments.result_unknown_message",
            "OrgnlMsgId",
            "YS-NEVER-SENT",
        )
    assert not BankResult.objects.filter(message_id="ICBC-GRP-1").exists()


def test_the_treasury_page_applies_a_whole_file_status_and_tells_what_it_did(
    client_as: Any, user: Any
) -> None:
    first, second, sent = _two_vouchers_one_file(user)
    treasury = client_as("wj_treasury")

    def upload(report: str) -> str:
        file = SimpleUploadedFile("回单.xml", report.encode(), "application/xml")
        page = treasury.post("/payments/bank/", {"report": file}, follow=True)
        assert page.status_code == 200
        return str(page.content.decode())

    confirmed = upload(_group_report(sent.message_id, "ACCP", report="ICBC-GRP-0"))
    assert 'class="msg-info"' in confirmed
    assert f"状态报告 ICBC-GRP-0 确认了银行文件 {sent.message_id}" in confirmed
    assert "未登记任何结果" in confirmed and "msg-success" not in confirmed
    assert not BankResult.objects.filter(message_id="ICBC-GRP-0").exists()

    rejected = upload(_group_report(sent.message_id, "RJCT"))
    assert 'class="msg-success"' in rejected and "已登记 3 条结果" in rejected
    assert f"银行拒绝了文件 {sent.message_id} 中的 3 笔支付" in rejected
    for request in (first, second):
        request.refresh_from_db()
        assert request.state == "failed"
