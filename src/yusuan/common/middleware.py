"""Rule errors that reach a page's edge become a 4xx page naming field, value and limit (P7).

A view puts the errors it expects beside their fields; this catches the rest (a page number
out of range, a document outside the actor's scope raised below a view) so that bad input is
never a 500. The API answers its own errors as problem bodies and is left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yusuan.common.errors import BusinessRuleError
from yusuan.common.web import error_text


class RuleErrorPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, BusinessRuleError):
            return None
        errors = [{"field": d.field or "", "text": error_text(d)} for d in exception.errors]
        return render(
            request,
            "rule_error.html",
            {"status": exception.status, "errors": errors, "back": request.path},
            status=exception.status,
        )
