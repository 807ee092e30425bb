"""No 500 on bad input (issue 13 item 4): each reproduction is a 4xx naming the field — absurd page
numbers, ids that are not ids or do not fit the database, a pain.002 with a DTD — in the API as
a problem body and on the pages as a page; and the OpenAPI document declares what each list
really returns (the ``LineOut`` name clash). Amount fields are in ``test_money_fields``."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import pytest

from yusuan.payments.models import BankResult

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775808"  # 2**63: one past the database's BigInteger

LISTS = [
    "/api/v1/organisations",
    "/api/v1/indicators/lines",
    "/api/v1/bank-accounts",
    "/api/v1/codes?year=2026",
]


def _problem(answer: Any, status: int, field: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    body = answer.json()
    assert [e["field"] for e in body["errors"]] == [field], body
    error: dict[str, Any] = body["errors"][0]
    return error


def _with(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


@pytest.mark.parametrize("path", LISTS, ids=[f"{p.split('/')[3]}_case" for p in LISTS])
def test_an_absurd_page_is_a_422_naming_page_and_the_last_page(client_as: Any, path: str) -> None:
    clerk = client_as("wj_budget")
    first = clerk.get(path)
    assert first.status_code == 200
    count = first.json()["count"]
    size = len(first.json()["items"]) or 1
    last = max(1, -(-count // size)) if count > size else 1
    # The issue's page: beyond any page there can be, the document's own ceiling answers.
    error = _problem(clerk.get(_with(path, f"page={HUGE}")), 422, "page")
    assert error["limit"] == 2**63 - 1
    error = _problem(clerk.get(_with(path, "page=99999")), 422, "page")
    assert (error["code"], error["value"], error["limit"]) == (
        "pagination.page_out_of_range",
        "99999",
        last,
    )
    assert f"1 至 {last}" in error["message_zh"]
    # Just past the end is the same refusal; the last page itself answers.
    assert _problem(clerk.get(_with(path, f"page={last + 1}")), 422, "page")["limit"] == last
    assert clerk.get(_with(path, f"page={last}")).status_code == 200
    for junk in ("0", "-1", "abc", "1.5"):
        _problem(clerk.get(_with(path, f"page={junk}")), 422, "page")


def test_a_page_past_the_end_is_refused_on_the_pages_the_same_way(client_as: Any) -> None:
    admin = client_as("wj_admin")
    listed = admin.get("/core/organisations/")
    assert listed.status_code == 200
    for page in (HUGE, "99999", "0", "abc", "²"):
        refused = admin.get("/core/organisations/", {"page": page})
        assert refused.status_code == 422, page
        html = refused.content.decode()
        assert 'data-field="page"' in html and "页码" in html
    assert admin.get("/core/organisations/", {"page": "1"}).status_code == 200


@pytest.mark.parametrize("object_id", ["abc", "²", "٣", "9" * 30, "0", "-1"])
@pytest.mark.parametrize(
    "document_type", ["projects.declaration", "indicators.adjustment", "payments.request"]
)
def test_a_document_id_that_is_not_an_id_is_a_404(
    client_as: Any, document_type: str, object_id: str
) -> None:
    answer = client_as("school_clerk").post(
        f"/api/v1/workflow/documents/{document_type}/{object_id}/submit",
        data="{}",
        content_type="application/json",
    )
    assert answer.status_code == 404, answer.content
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/organisations/{HUGE}",
        f"/api/v1/payees/{'9' * 30}",
        f"/api/v1/indicators/lines/{HUGE}/movements",
        f"/api/v1/payments/requests/{HUGE}",
        f"/api/v1/workflow/instances/{HUGE}",
        f"/api/v1/payments/bank-files?after_id={HUGE}",
        "/api/v1/codes?year=99999999999999999999",
        "/api/v1/indicators/lines?year=70000",
    ],
)
def test_a_number_beyond_the_database_is_a_422_naming_it(client_as: Any, path: str) -> None:
    answer = client_as("wj_treasury").get(path)
    field = path.rsplit("?", 1)[1].split("=")[0] if "?" in path else None
    assert answer.status_code == 422, answer.content
    errors = answer.json()["errors"]
    assert len(errors) == 1 and errors[0]["field"], errors
    if field:
        assert errors[0]["field"] == field
    assert errors[0]["limit"] is not None


def test_an_id_in_a_body_beyond_the_database_is_a_422_naming_it(client_as: Any) -> None:
    answer = client_as("school_clerk").post(
        "/api/v1/payees",
        data=json.dumps(
            {
                "organisation_id": 10**20,
                "kind": "organisation",
                "name": "x",
                "bank_account_no": "6222020000000001",
                "bank_name": "x",
            }
        ),
        content_type="application/json",
    )
    error = _problem(answer, 422, "organisation_id")
    assert error["limit"] == 2**63 - 1


@pytest.mark.parametrize(
    "path",
    [
        f"/payments/{HUGE}/",
        f"/payments/{'9' * 30}/lines/1/refund/",
        f"/projects/{HUGE}/",
        f"/core/organisations/{HUGE}/",
        f"/workflow/instances/{HUGE}/",
    ],
)
def test_a_page_url_with_an_id_beyond_the_database_is_a_404(client_as: Any, path: str) -> None:
    assert client_as("wj_admin").get(path).status_code == 404


def test_numbers_posted_by_forms_are_never_a_500(client_as: Any, user: Any) -> None:
    """Counts, ids and years typed or tampered with in a form: ignored or refused, no 500."""
    from tests.payment_helpers import _line
    from tests.test_payments_pages import _form

    clerk = client_as("school_clerk")
    office = _line(user, "30201")
    for junk in ("abc", "²", "9" * 30):
        entry = clerk.post(
            "/payments/new/", {**_form(user, [(office.code, "1")]), "row_count": junk}
        )
        # The row count only sizes the form again: junk is ignored and the request is saved.
        assert entry.status_code == 302, junk
        adjust = clerk.post("/indicators/documents/new/adjust/", {"row_count": junk, "title": "x"})
        assert adjust.status_code == 200, junk
        treasury = client_as("wj_treasury")
        assert treasury.post("/payments/bank/", {"resolve": junk}).status_code == 302, junk
        admin = client_as("wj_admin")
        assert admin.get("/workflow/shared-devices/", {"minutes": junk}).status_code == 200
        assert admin.get("/workflow/calendar/", {"year": junk}).status_code == 200
        opened = admin.post("/core/fiscal-years/open/", {"year": junk})
        assert opened.status_code == 302, junk
    assert (
        client_as("school_approver")
        .post("/workflow/inbox/approve/", {"pick": ["²:1", f"{'9' * 30}:²"]})
        .status_code
        == 302
    )


# --- NUL characters (PostgreSQL refuses them in text: a 500 there, found by schemathesis) -------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        pytest.param("/api/v1/bank-accounts?account_type=%00", "account_type", id="api_query_case"),
        pytest.param("/api/v1/payees?q=a%00b", "q", id="api_search_case"),
        pytest.param("/api/v1/workflow/documents/x%00/1", "path", id="api_path_case"),
    ],
)
def test_a_nul_in_a_query_is_a_422_naming_it(client_as: Any, path: str, field: str) -> None:
    error = _problem(client_as("wj_treasury").get(path), 422, field)
    assert error["code"] == "input.nul_character"


def test_a_nul_in_a_json_string_is_a_422_naming_its_path(client_as: Any, user: Any) -> None:
    from tests.payment_helpers import _line, _payee

    from yusuan.core.models import BankAccount
    from yusuan.payments.models import PaymentRequest

    school = user("school_clerk").organisation
    body = {
        "business_type": "ordinary",
        "settlement_mode": "transfer",
        "purpose": "空字符",
        "pay_date": "2026-11-23",
        "payer_account_id": BankAccount.objects.get(
            organisation=school, account_type="unit_zero_balance"
        ).pk,
        "payee_id": _payee(user).pk,
        "lines": [{"indicator_line": _line(user, "30201").code, "amount": "1", "summary": "a\x00"}],
    }
    answer = client_as("school_clerk").post(
        "/api/v1/payments/requests", data=json.dumps(body), content_type="application/json"
    )
    assert _problem(answer, 422, "lines[0].summary")["code"] == "input.nul_character"
    assert not PaymentRequest.objects.filter(purpose="空字符").exists()


def test_a_nul_on_the_pages_is_a_422_naming_it(client_as: Any) -> None:
    admin = client_as("wj_admin")
    listed = admin.get("/core/organisations/", {"q": "吴江\x00"})
    assert listed.status_code == 422
    assert 'data-field="q"' in listed.content.decode()
    posted = admin.post("/core/fiscal-years/open/", {"year": "2030\x00"})
    assert posted.status_code == 422
    assert 'data-field="year"' in posted.content.decode()


# --- pain.002 with a DTD ----------------------------------------------------------------------------

XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>
<GrpHdr><MsgId>&secret;</MsgId><CreDtTm>2026-11-23T16:00:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>YS-1</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.03</OrgnlMsgNmId></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>PZ1</OrgnlPmtInfId>
<TxInfAndSts><StsId>&secret;</StsId><OrgnlEndToEndId>PZ1-1</OrgnlEndToEndId><TxSts>ACSC</TxSts></TxInfAndSts>
</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">&lol3;</Document>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE Document SYSTEM "http://attacker.invalid/pain.dtd">
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"/>"""


@pytest.mark.parametrize(
    "report", [XXE, LAUGHS, EXTERNAL], ids=["xxe_case", "billion_laughs_case", "external_case"]
)
def test_a_pain002_with_a_dtd_is_refused_by_the_api(user: Any, report: str) -> None:
    from yusuan.identity.services import api_token_issue

    token = api_token_issue(actor=None, user=user("bank_icbc"), name="x", scopes=["payments:write"])
    bank = Client(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    answer = bank.post(
        "/api/v1/payments/bank-results/pain002", data=report, content_type="application/xml"
    )
    error = _problem(answer, 422, "report")
    assert error["code"] == "payments.pain002_doctype"
    assert "DOCTYPE" in error["message_zh"] and "DOCTYPE" in error["message_en"]
    assert "pain.002" in error["message_en"]  # the file: the request body
    assert "root:" not in answer.content.decode()
    assert not BankResult.objects.filter(message_id__contains="root").exists()


def test_a_pain002_with_a_dtd_is_refused_on_the_upload_page(client_as: Any) -> None:
    treasury = client_as("wj_treasury")
    before = BankResult.objects.count()
    answer = treasury.post(
        "/payments/bank/",
        {"report": SimpleUploadedFile("回单-0001.xml", XXE.encode(), "application/xml")},
        follow=True,
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "回单-0001.xml" in html and "DOCTYPE" in html and "payments.pain002_doctype" in html
    assert "root:" not in html
    assert BankResult.objects.count() == before


PAIN002_PATH = "/api/v1/payments/bank-results/pain002"


@pytest.mark.parametrize(
    ("path", "boundary", "status", "code", "field"),
    [
        pytest.param(PAIN002_PATH, "", 400, "request.unreadable_body", "body", id="pain002-bad"),
        # The status report may come as a form (its file in ``report``): one without it is
        # named as such.
        pytest.param(
            PAIN002_PATH, "; boundary=x", 422, "payments.pain002_missing", "report", id="pain002"
        ),
        pytest.param(
            "/api/v1/payments/lines/1/refunds",
            "",
            400,
            "request.unreadable_body",
            "body",
            id="refund-bad",
        ),
        pytest.param(
            "/api/v1/payments/lines/1/refunds",
            "; boundary=x",
            415,
            "request.unsupported_media_type",
            "body",
            id="refund-form",
        ),
    ],
)
def test_a_body_sent_as_a_form_is_a_problem_not_a_500(
    user: Any, path: str, boundary: str, status: int, code: str, field: str
) -> None:
    """Found by schemathesis: with a session the CSRF check reads a multipart body as a form; the
    operation then could not read it (``RawPostDataException``, a 500) or the form parser failed
    (``MultiPartParserError``, Django's HTML 400)."""
    from django.middleware.csrf import _get_new_csrf_string

    treasury = Client(enforce_csrf_checks=True)
    treasury.force_login(user("wj_treasury"))
    token = _get_new_csrf_string()
    treasury.cookies["csrftoken"] = token
    answer = treasury.generic(
        "POST",
        path,
        b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\nb\r\n--x--\r\n",
        content_type=f"multipart/form-data{boundary}",
        HTTP_X_CSRFTOKEN=token,
    )
    assert _problem(answer, status, field)["code"] == code


# --- The OpenAPI document -------------------------------------------------------------------------


def test_indicator_lines_declare_the_indicator_schema_not_the_payment_one(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    listed = document["paths"]["/api/v1/indicators/lines"]["get"]["responses"]["200"]
    page = listed["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    item = schemas[page]["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]
    assert {"code", "available_fen", "exp_func_code"} <= set(schemas[item]["properties"])
    request = schemas["RequestDetailOut"]["properties"]["lines"]["items"]["$ref"]
    assert request.rsplit("/", 1)[1] != item


def test_no_two_api_schemas_share_a_name() -> None:
    """Ninja names a component after its class: two classes of one name overwrite each other in
    the document, and one endpoint declares the other's body."""
    from ninja import Schema

    import yusuan.api.root  # noqa: F401  (imports every router)

    seen: dict[str, str] = {}
    pending = list(Schema.__subclasses__())
    clashes = []
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("yusuan.") or ".tests" in cls.__module__:
            continue
        where = f"{cls.__module__}.{cls.__qualname__}"
        if seen.setdefault(cls.__name__, where) != where:
            clashes.append((seen[cls.__name__], where))
    assert clashes == []


def test_every_operation_declares_its_problem_answers(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"].get("4XX", {}).get("content", {})
            assert "application/problem+json" in declared, (method, path)
