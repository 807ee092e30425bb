"""Edges of bad input found by a black-box tester after issue 13 items 4 and 5: an oversized
body, thousands of errors at once, Django Ninja's and Django's own English or HTML answers under
``/api/``, and invisible control characters (bidirectional overrides) in free text."""

from __future__ import annotations

import json
import random
import sys
import unicodedata
from typing import Any

from django.conf import settings
from django.test import Client

import pytest

from yusuan.common.errors import MAX_PROBLEM_ERRORS, ErrorDetail, problem_body
from yusuan.common.middleware import INVISIBLE
from yusuan.core.models import Payee
from yusuan.demo.names import credit_code
from yusuan.projects.models import Project

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.content[:2000]
    assert answer["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    return body


def _chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


# --- Request bodies over the limit ----------------------------------------------------------------


def test_ordinary_requests_are_bounded_at_2_5_mb() -> None:
    assert settings.YUSUAN_REQUEST_MAX_BYTES == 2_621_440
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.YUSUAN_REQUEST_MAX_BYTES


def test_a_json_body_over_the_limit_is_a_413_problem(client_as: Any) -> None:
    """The NUL check read the body first: Django's RequestDataTooBig became an HTML 400."""
    body = json.dumps({"organisation_id": 1, "name": "x" * (3 * MB)})
    answer = client_as("school_clerk").post(
        "/api/v1/payees", data=body, content_type="application/json"
    )
    problem = _problem(answer, 413)
    [error] = problem["errors"]
    assert (error["code"], error["field"], error["limit"]) == (
        "upload.too_large",
        "body",
        2_621_440,
    )
    assert "2.5 MB" in error["message_zh"] and "上限" in error["message_zh"]
    assert "2.5 MB" in error["message_en"] and "limit" in error["message_en"]
    assert problem["title"] == "请求内容过大"


def test_a_form_over_the_limit_is_a_413_page_in_the_site_layout(client_as: Any) -> None:
    page = client_as("wj_admin").post("/core/fiscal-years/open/", {"year": "x" * (3 * MB)})
    assert page.status_code == 413
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert 'data-field="body"' in html and "2.5 MB" in html
    assert "请求内容过大" in html and 'class="sidebar"' in html


# --- Many errors at once ------------------------------------------------------------------------


def test_a_body_wrong_on_every_line_lists_the_first_100_errors_and_the_count(
    client_as: Any,
) -> None:
    body = {"kind": "adjust", "title": "x", "lines": [1] * 400}
    answer = client_as("wj_budget").post(
        "/api/v1/indicators/documents", data=json.dumps(body), content_type="application/json"
    )
    problem = _problem(answer, 422)
    assert len(problem["errors"]) == MAX_PROBLEM_ERRORS
    assert problem["errors_total"] >= 400
    assert f"共 {problem['errors_total']} 项" in problem["detail"]
    assert problem["errors"][0]["field"].startswith("lines[0]")
    assert len(answer.content) < 100_000


def test_problem_bodies_cap_rule_errors_too() -> None:
    errors = [
        ErrorDetail(code="x", field=f"lines[{i}].amount", message_zh="错", message_en="wrong")
        for i in range(250)
    ]
    body = problem_body(
        instance="/", status=422, title="Invalid input", errors=errors, code="x", language="en"
    )
    assert len(body["errors"]) == 100 and body["errors_total"] == 250
    assert body["detail"].endswith("and 150 more errors (250 in all; the first 100 are listed)")
    small = problem_body(
        instance="/", status=422, title="Invalid input", errors=errors[:3], code="x", language="zh"
    )
    assert "errors_total" not in small and small["title"] == "输入无效"


# --- The API answers in problem bodies, in both languages ---------------------------------------


def test_an_unparseable_body_is_a_bilingual_problem(client_as: Any) -> None:
    answer = client_as("school_clerk").post(
        "/api/v1/payees", data="{not json", content_type="application/json"
    )
    [error] = _problem(answer, 400)["errors"]
    assert (error["code"], error["field"]) == ("request.unparseable_body", "body")
    assert _chinese(error["message_zh"]) and "Cannot parse" not in error["message_zh"]
    assert "cannot be parsed" in error["message_en"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        pytest.param("delete", "/api/v1/codes", "GET", id="list_case"),
        pytest.param("put", "/api/v1/payees", "GET, POST", id="create_case"),
    ],
)
def test_a_method_an_operation_does_not_take_is_a_405_problem(
    client_as: Any, method: str, path: str, allowed: str
) -> None:
    answer = getattr(client_as("wj_treasury"), method)(path)
    problem = _problem(answer, 405)
    [error] = problem["errors"]
    assert (error["code"], error["field"], error["value"], error["limit"]) == (
        "method_not_allowed",
        "method",
        method.upper(),
        allowed,
    )
    assert f"此接口不接受 {method.upper()} 请求" in error["message_zh"]
    assert f"does not take {method.upper()}" in error["message_en"]
    assert set(answer["Allow"].replace(" ", "").split(",")) == set(
        allowed.replace(" ", "").split(",")
    )


@pytest.mark.parametrize("path", ["/api/", "/api/v2/payees", "/api/v1/no-such-thing"])
def test_every_unknown_api_url_is_a_404_problem(client: Client, path: str) -> None:
    [error] = _problem(client.get(path), 404)["errors"]
    assert error["code"] == "not_found"
    assert _chinese(error["message_zh"]) and error["message_en"]


def test_validation_messages_are_in_chinese_too(client_as: Any) -> None:
    body = {"organisation_id": "x", "kind": "robot", "name": "x" * 201}
    answer = client_as("school_clerk").post(
        "/api/v1/payees", data=json.dumps(body), content_type="application/json"
    )
    errors = {e["field"]: e for e in _problem(answer, 422)["errors"]}
    assert errors["name"]["message_zh"] == "name：最多 200 个字符"
    assert errors["organisation_id"]["message_zh"] == "organisation_id：应为整数"
    assert errors["kind"]["message_zh"] == "kind：应为以下之一：'organisation'、'individual'"
    assert errors["bank_account_no"]["message_zh"] == "bank_account_no：必填"
    assert all(_chinese(e["message_zh"]) for e in errors.values())


# --- Invisible control characters ---------------------------------------------------------------


def test_the_refused_characters_are_every_control_and_format_one_but_tab_and_newlines() -> None:
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        expected = unicodedata.category(char) in ("Cc", "Cf") and char not in "\t\n\r"
        if expected:
            assert INVISIBLE.fullmatch(char), f"U+{point:04X} not refused"
        elif INVISIBLE.fullmatch(char):
            # Only characters of newer Unicode versions than this Python's may be listed extra.
            assert unicodedata.category(char) == "Cn", f"U+{point:04X} refused"


BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", [*BIDI, "\u200b", "\ufeff", "\x07"])
def test_an_api_write_with_a_control_character_is_a_422_naming_the_field(
    client_as: Any, user: Any, char: str
) -> None:
    name = f"张三{char}（退款）"
    body = {
        "organisation_id": user("school_clerk").organisation_id,
        "kind": "individual",
        "name": name,
        "bank_account_no": "6222020000000001",
        "bank_name": "工商银行",
    }
    answer = client_as("school_clerk").post(
        "/api/v1/payees", data=json.dumps(body), content_type="application/json"
    )
    [error] = _problem(answer, 422)["errors"]
    point = f"U+{ord(char):04X}"
    assert (error["code"], error["field"], error["value"]) == (
        "input.control_character",
        "name",
        point,
    )
    assert point in error["message_zh"] and point in error["message_en"]
    assert not Payee.objects.filter(name=name).exists()


def test_tabs_and_newlines_pass(client_as: Any, user: Any) -> None:
    body = {
        "organisation_id": user("school_clerk").organisation_id,
        "kind": "organisation",
        "credit_code": credit_code(random.Random(7), "320509"),
        "name": "吴江\t实验小学",
        "bank_account_no": "6222020000000002",
        "bank_name": "工商银行\r\n吴江支行",
    }
    answer = client_as("school_clerk").post(
        "/api/v1/payees", data=json.dumps(body), content_type="application/json"
    )
    assert answer.status_code == 201, answer.content
    assert Payee.objects.get(pk=answer.json()["id"]).bank_name == "工商银行\r\n吴江支行"


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\x00"])
def test_a_page_form_with_a_control_character_is_refused_naming_the_field(
    client_as: Any, char: str
) -> None:
    """The page says what happened in the site's layout, names the field, and keeps nothing."""
    name = f"教学楼维修{char}工程"
    before = Project.objects.count()  # (PostgreSQL cannot even look a NUL up)
    page = client_as("school_clerk").post("/projects/new/", {"name": name, "code": "x"})
    assert page.status_code == 422
    html = page.content.decode()
    assert 'data-field="name"' in html
    assert ("NUL" if char == "\x00" else f"U+{ord(char):04X}") in html
    assert "输入有误" in html and "未保存任何内容" in html and "返回表单" in html
    assert 'class="sidebar"' in html
    assert Project.objects.count() == before
