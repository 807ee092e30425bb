"""Bad input stops at the edge as a 4xx naming the field, never as a 500 further in (P7).

Three things no view should have to think about:

- An invisible control or format character (Unicode Cc and Cf, tab, line feed and carriage return
  excepted) in a query parameter, a form field, a JSON string or the path. A NUL (``\\x00``):
  PostgreSQL refuses it in any text value (``DataError``, a 500 from the first filter or insert
  that sees it), SQLite stores it. A bidirectional override (U+202E) makes a payee's name or a
  purpose read differently from what is stored. Nobody types one, so each is refused everywhere,
  naming where it was and which character: a problem body under ``/api/``, the error page
  elsewhere.
- A request body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (``YUSUAN_REQUEST_MAX_BYTES``) is a 413
  naming the limit (Django's own answer is a bare HTML 400), before any of it is parsed.
- A rule error that escapes a page view (a page number out of range, a document outside the
  actor's scope raised below a view) is rendered as a 4xx page listing each error. The API
  renders its own errors and is left alone.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.utils.translation import get_language

from yusuan.common.errors import BusinessRuleError, ErrorDetail, problem_body
from yusuan.common.uploads import megabytes
from yusuan.common.web import error_text

NUL = "\x00"
# Every character of Unicode categories Cc (controls) and Cf (format: bidirectional embeddings,
# overrides and isolates U+202A–U+202E and U+2066–U+2069, zero-width spaces and joiners, the
# byte-order mark, soft hyphen, tags …) except tab, line feed and carriage return, which typed
# text (a textarea) holds. tests check the class against ``unicodedata`` character by character.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def invisible_character(text: str) -> str | None:
    """The first character of ``text`` nobody types (see ``INVISIBLE``), or None."""
    found = INVISIBLE.search(text)
    return found.group() if found else None


def _paths_with_invisible(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Where such a character sits in a decoded JSON document (``lines[0].summary``; a key: its
    object), with the character."""
    if isinstance(value, str):
        if (char := invisible_character(value)) is not None:
            yield path or "body", char
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_with_invisible(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if (char := invisible_character(str(key))) is not None:
                yield path or "body", char
            else:
                yield from _paths_with_invisible(item, f"{path}.{key}" if path else str(key))


def _named(name: str, fallback: str) -> str:
    return INVISIBLE.sub("", name) or fallback


def _field_with_invisible(request: HttpRequest) -> tuple[str, str] | None:
    """(field, character) of the first invisible character the request carries, or None."""
    if (char := invisible_character(request.path)) is not None:
        return "path", char
    for name, values in request.GET.lists():
        for text in (name, *values):
            if (char := invisible_character(text)) is not None:
                return _named(name, "query"), char
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    is_form = request.content_type == "application/x-www-form-urlencoded"
    # A page's multipart form too (its files are not looked at); the API's multipart operations
    # read their fields typed, and their form parser errors are the API's to answer.
    if is_form or (
        request.content_type == "multipart/form-data" and not request.path.startswith("/api/")
    ):
        for name, values in request.POST.lists():
            for text in (name, *values):
                if (char := invisible_character(text)) is not None:
                    return _named(name, "body"), char
    elif request.content_type == "application/json":
        try:
            document = json.loads(request.body or b"null")
        except (ValueError, RawPostDataException):
            return None  # the API names what it cannot read
        return next(_paths_with_invisible(document, ""), None)
    return None


def _refused_character(field: str, char: str) -> ErrorDetail:
    point = f"U+{ord(char):04X}"
    if char == NUL:
        return ErrorDetail(
            code="input.nul_character",
            field=field,
            value=point,
            message_zh=f"{field}：含有不可见的空字符（NUL, \\x00），请删除后重新输入",
            message_en=f"{field}: contains a NUL character (\\x00); remove it and send again",
        )
    name = unicodedata.name(char, "")
    shown = f"{point} {name}" if name else point
    return ErrorDetail(
        code="input.control_character",
        field=field,
        value=point,
        message_zh=f"{field}：含有不可见的控制字符（{shown}），请删除后重新输入",
        message_en=f"{field}: contains an invisible control character ({shown}); remove it and "
        "send again",
    )


def body_too_large(limit: int) -> BusinessRuleError:
    """413: the request body (other than uploaded files) is over ``limit`` bytes."""
    return BusinessRuleError.single(
        status=413,
        code="upload.too_large",
        field="body",
        limit=limit,
        message_zh=f"请求内容超过大小上限 {megabytes(limit)}（{limit} 字节）",
        message_en=f"the request body is larger than the limit of {megabytes(limit)} "
        f"({limit} bytes)",
    )


def too_many_fields(limit: int | None) -> BusinessRuleError:
    return BusinessRuleError.single(
        status=400,
        code="request.too_many_fields",
        field="body",
        limit=limit,
        message_zh=f"请求中的字段或文件过多（上限 {limit} 个）",
        message_en=f"the request has too many fields or files (the limit is {limit})",
    )


class BadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            found = _field_with_invisible(request)
        except RequestDataTooBig:
            return _refusal(request, body_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
        except TooManyFieldsSent:
            return _refusal(request, too_many_fields(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS))
        except TooManyFilesSent:
            return _refusal(request, too_many_fields(settings.DATA_UPLOAD_MAX_NUMBER_FILES))
        if found is not None:
            return _refusal(request, BusinessRuleError([_refused_character(*found)]))
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code in (404, 405)
            and not response.get("Content-Type", "").startswith("application/problem+json")
        ):
            return _api_status_problem(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, BusinessRuleError) or request.path.startswith("/api/"):
            return None
        return _refusal(request, exception)


def _api_problem(request: HttpRequest, title: str, error: BusinessRuleError) -> HttpResponse:
    code = error.errors[0].code if error.errors else "business_rule"
    body = problem_body(
        instance=request.path,
        status=error.status,
        title=title,
        errors=error.errors,
        code=code,
        language=get_language(),
    )
    return JsonResponse(
        body,
        status=error.status,
        content_type="application/problem+json",
        json_dumps_params={"ensure_ascii": False},
    )


def _api_status_problem(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Django's (or Django Ninja's) own 404 and 405 under ``/api/`` (an HTML page, a bare
    ``Method not allowed``) as a problem body like every other API error."""
    if response.status_code == 404:
        error = BusinessRuleError.single(
            status=404,
            code="not_found",
            message_zh="接口或对象不存在",
            message_en="No such endpoint or object",
        )
        return _api_problem(request, "Not found", error)
    allowed = ", ".join(sorted(m.strip() for m in response.get("Allow", "").split(",") if m))
    method = request.method or ""
    error = BusinessRuleError.single(
        status=405,
        code="method_not_allowed",
        field="method",
        value=method[:20],
        limit=allowed,
        message_zh=f"此接口不接受 {method[:20]} 请求，可用的方法：{allowed}",
        message_en=f"This endpoint does not take {method[:20]} requests; it takes {allowed}",
    )
    answer = _api_problem(request, "Method not allowed", error)
    answer["Allow"] = response.get("Allow", "")
    return answer


_TITLES = {400: "Bad request", 404: "Not found", 413: "Content too large"}


def _refusal(request: HttpRequest, error: BusinessRuleError) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_problem(request, _TITLES.get(error.status, "Invalid input"), error)
    errors = [{"field": d.field or "", "text": error_text(d)} for d in error.errors]
    return render(
        request,
        "rule_error.html",
        {
            "status": error.status,
            "errors": errors,
            "back": "/" if invisible_character(request.path) else request.path,
            "posted": request.method == "POST",
        },
        status=error.status,
    )
