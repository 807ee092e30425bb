"""Bad input stops at the edge as a 4xx naming the field, never as a 500 further in (P7).

Two things no view should have to think about:

- A NUL character (``\\x00``) in a query parameter, a form field, a JSON string or the path:
  PostgreSQL refuses it in any text value (``DataError``, a 500 from the first filter or insert
  that sees it), SQLite stores it. Nobody types one, so it is refused everywhere, naming where it
  was: a problem body under ``/api/``, the error page elsewhere.
- A rule error that escapes a page view (a page number out of range, a document outside the
  actor's scope raised below a view) is rendered as a 4xx page listing each error. The API
  renders its own errors and is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.utils.translation import get_language

from yusuan.common.errors import BusinessRuleError, ErrorDetail, problem_body
from yusuan.common.web import error_text

NUL = "\x00"


def _paths_with_nul(value: Any, path: str) -> Iterator[str]:
    """Where a NUL sits in a decoded JSON document (``lines[0].summary``; a key: its object)."""
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_with_nul(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in str(key):
                yield path or "body"
            else:
                yield from _paths_with_nul(item, f"{path}.{key}" if path else str(key))


def _field_with_nul(request: HttpRequest) -> str | None:
    if NUL in request.path:
        return "path"
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in v for v in values):
            return name.replace(NUL, "") or "query"
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    is_form = request.content_type == "application/x-www-form-urlencoded"
    # A page's multipart form too (its files are not looked at); the API's multipart operations
    # read their fields typed, and their form parser errors are the API's to answer.
    if is_form or (
        request.content_type == "multipart/form-data" and not request.path.startswith("/api/")
    ):
        for name, values in request.POST.lists():
            if NUL in name or any(NUL in v for v in values):
                return name.replace(NUL, "") or "body"
    elif request.content_type == "application/json":
        try:
            document = json.loads(request.body or b"null")
        except (ValueError, RawPostDataException):
            return None  # the API names what it cannot read
        return next(_paths_with_nul(document, ""), None)
    return None


def _nul_refused(field: str) -> ErrorDetail:
    return ErrorDetail(
        code="input.nul_character",
        field=field,
        message_zh=f"{field}：含有不可见的空字符（NUL, \\x00），请删除后重新输入",
        message_en=f"{field}: contains a NUL character (\\x00); remove it and send again",
    )


class BadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        field = _field_with_nul(request)
        if field is not None:
            return _refusal(request, BusinessRuleError([_nul_refused(field)]))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, BusinessRuleError) or request.path.startswith("/api/"):
            return None
        return _refusal(request, exception)


def _refusal(request: HttpRequest, error: BusinessRuleError) -> HttpResponse:
    if request.path.startswith("/api/"):
        code = error.errors[0].code if error.errors else "business_rule"
        body = problem_body(
            instance=request.path,
            status=error.status,
            title="Invalid input",
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
    errors = [{"field": d.field or "", "text": error_text(d)} for d in error.errors]
    return render(
        request,
        "rule_error.html",
        {
            "status": error.status,
            "errors": errors,
            "back": "/" if NUL in request.path else request.path,
        },
        status=error.status,
    )
