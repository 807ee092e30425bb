"""The /api/v1 instance: authentication, routers and the problem-details error body."""

from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.http.request import RawPostDataException
from django.utils.module_loading import import_string
from django.utils.translation import get_language

from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from yusuan.accounting.api import router as accounting_router
from yusuan.accounting.asset_api import router as assets_router
from yusuan.accounting.statement_api import router as statements_router
from yusuan.audit import context as audit_context
from yusuan.audit.api import router as audit_router
from yusuan.audit.middleware import TOKEN_HOLDER_CLAIMED
from yusuan.budgeting.api import ROUTERS as BUDGETING_ROUTERS
from yusuan.common.errors import MAX_PROBLEM_ERRORS, BusinessRuleError, ErrorDetail, problem_body
from yusuan.common.middleware import body_too_large
from yusuan.core.api import router as core_router
from yusuan.identity.api import router as identity_router
from yusuan.identity.services import (
    api_token_authenticate,
    api_token_claimed_holder,
    ensure_token_holder_may_act,
)
from yusuan.indicators.api import ROUTERS as INDICATORS_ROUTERS
from yusuan.indicators.supplements_api import router as supplements_router
from yusuan.monitoring.api import router as monitoring_router
from yusuan.monitoring.inquiry_api import router as inquiries_router
from yusuan.payments.api import ROUTERS as PAYMENTS_ROUTERS
from yusuan.payroll.api import router as payroll_router
from yusuan.personnel.api import router as personnel_router
from yusuan.procurement.api import router as procurement_router
from yusuan.procurement.api.changes import router as procurement_changes_router
from yusuan.procurement.api.plans import router as procurement_plans_router
from yusuan.projects.api import ROUTERS as PROJECTS_ROUTERS
from yusuan.reports.api import router as reports_router
from yusuan.workflow.api import ROUTERS as WORKFLOW_ROUTERS


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>`` for system accounts; the token's scopes narrow the roles."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_authenticate(token)
        if api_token is None:
            # The audit record of the 401 names whose token the key claims to be, if anyone's.
            setattr(request, TOKEN_HOLDER_CLAIMED, api_token_claimed_holder(token))
            return None
        request.api_token_scopes = list(api_token.scopes)  # type: ignore[attr-defined]
        audit_context.with_api_token(str(api_token))
        request.user = api_token.user
        ensure_token_holder_may_act(api_token.user)  # a 403 problem body naming why
        return api_token.user


def bearer_request(request: HttpRequest) -> bool:
    scheme, _, _ = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer"


class CsrfError(Exception):
    """A session request without a valid CSRF token (Django Ninja checks it while authenticating)."""


class ActiveSessionAuth(SessionAuth):
    """The browser's session cookie, with Django's CSRF check on unsafe methods. A request that
    carries ``Authorization: Bearer`` is the token's alone: its cookie is never looked at, so a
    bad token is a 401 and not a fall-back to whoever is logged in in that browser."""

    def __call__(self, request: HttpRequest) -> Any:
        if bearer_request(request):
            return None
        try:
            return super().__call__(request)
        except HttpError as exc:  # the only refusal SessionAuth raises is the CSRF one
            raise CsrfError from exc

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class ProblemErrorOut(Schema):
    code: str
    rule: str | None
    field: str | None
    row: int | None
    message: str
    message_zh: str
    message_en: str
    value: Any = None
    limit: Any = None


class ProblemOut(Schema):
    """RFC 9457 problem details, as ``problem()`` writes them."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemErrorOut]
    errors_total: int | None = Field(
        None, description="How many errors there were, when more than the 100 listed"
    )


class YusuanAPI(NinjaAPI):
    """Declares what every operation may answer besides its success: any 4xx is a problem body
    (``problem()``), so a client and schemathesis can check errors against the document too."""

    def get_openapi_operation_id(self, operation: Any) -> str:
        """``<module>_<function>`` as Django Ninja makes them, except that a module holding
        endpoints first published from another names that one's prefix (``OPERATION_ID_PREFIX``):
        clients generate their method names from these ids, and moving code must not rename them."""
        view = operation.view_func
        module = view.__module__.replace(".", "_")
        return f"{getattr(sys.modules[view.__module__], 'OPERATION_ID_PREFIX', module)}_{view.__name__}"

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Built once per prefix: the routes are fixed when the URLconf is imported, and building
        the document costs about a second of CPU, which an anonymous caller could otherwise
        spend at will (and every scope test spent once)."""
        key = (kwargs.get("path_prefix"), tuple(sorted((kwargs.get("path_params") or {}).items())))
        cache: dict[Any, Any] = self.__dict__.setdefault("_openapi_schemas", {})
        if key not in cache:
            cache[key] = self._build_openapi_schema(**kwargs)
        return cache[key]

    def _build_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        definitions = ProblemOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(definitions.pop("$defs", {}))
        components["ProblemOut"] = definitions
        problem_response = {
            "description": "Problem details (RFC 9457) naming the rule, field, value and limit",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemOut"}}
            },
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault("4XX", problem_response)
        return schema


api = YusuanAPI(
    title="Yusuan API",
    version="1.0.0",
    description=(
        "预算管理一体化系统 Yusuan. Session (with CSRF) or bearer-token authentication. Every error "
        "is an RFC 9457 problem-details body with `errors: [{code, rule, field, message, value, limit}]`. "
        "Mutating endpoints accept an `Idempotency-Key` header (P11)."
    ),
    # The token first: it answers only when a bearer header is present, and the session (which
    # refuses a missing CSRF token outright) never sees a bearer request.
    auth=[TokenAuth(), ActiveSessionAuth()],
    urls_namespace="api-1.0.0",
)
api.add_router("/", identity_router)
api.add_router("/", core_router)
for workflow_router in WORKFLOW_ROUTERS:
    api.add_router("/", workflow_router)
api.add_router("/", audit_router)
for projects_router in PROJECTS_ROUTERS:
    api.add_router("/", projects_router)
api.add_router("/", personnel_router)
for indicators_router in INDICATORS_ROUTERS:
    api.add_router("/", indicators_router)
api.add_router("/", supplements_router)
for budgeting_router in BUDGETING_ROUTERS:
    api.add_router("/", budgeting_router)
for payments_router in PAYMENTS_ROUTERS:
    api.add_router("/", payments_router)
api.add_router("/", procurement_router)
api.add_router("/", procurement_plans_router)
api.add_router("/", procurement_changes_router)
api.add_router("/", payroll_router)
api.add_router("/", monitoring_router)
api.add_router("/", inquiries_router)
api.add_router("/", accounting_router)
api.add_router("/", statements_router)
api.add_router("/", assets_router)
api.add_router("/", reports_router)
# Test settings add the routers of test-only apps (the memo of adding-a-document-type.md).
for _extra in getattr(settings, "YUSUAN_API_EXTRA_ROUTERS", ()):
    api.add_router("/", import_string(_extra))


def problem(
    request: HttpRequest,
    status: int,
    title: str,
    errors: list[ErrorDetail],
    code: str,
    total: int | None = None,
) -> HttpResponse:
    body = problem_body(
        instance=request.path,
        status=status,
        title=title,
        errors=errors,
        code=code,
        language=get_language(),
        total=total,
    )
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


def _field_path(loc: list[Any]) -> str:
    """``["body", "payload", "lines", 2, "amount"]`` → ``lines[2].amount``."""
    if len(loc) > 1 and loc[0] in ("form", "file", "cookie"):  # where a parameter came from
        loc = loc[1:]
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "payload", "data")]
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


_LIMIT_KEYS = ("limit_value", "max_length", "min_length", "le", "ge", "lt", "gt")

# pydantic's error types in Chinese (``{limit}``: the bound from its context, ``{expected}``: the
# values a choice takes); a type not listed is shown with pydantic's English text.
_VALIDATION_ZH = {
    "missing": "必填",
    "extra_forbidden": "不接受此字段",
    "string_type": "应为文本",
    "string_too_long": "最多 {limit} 个字符",
    "string_too_short": "至少 {limit} 个字符",
    "string_pattern_mismatch": "格式不符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "less_than_equal": "不能大于 {limit}",
    "less_than": "应小于 {limit}",
    "greater_than_equal": "不能小于 {limit}",
    "greater_than": "应大于 {limit}",
    "too_long": "最多 {limit} 项",
    "too_short": "至少 {limit} 项",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期（YYYY-MM-DD），不带时间",
    "datetime_type": "应为日期时间（ISO 8601）",
    "datetime_parsing": "应为日期时间（ISO 8601）",
    "datetime_from_date_parsing": "应为日期时间（ISO 8601）",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "json_invalid": "不是有效的 JSON",
    "json_type": "应为 JSON",
    "union_tag_invalid": "类型标记无效",
    "union_tag_not_found": "缺少类型标记",
    "url_parsing": "应为网址",
    "value_error": "取值无效",
}


def _validation_detail(error: dict[str, Any]) -> ErrorDetail:
    field = _field_path(list(error.get("loc", [])))
    context = error.get("ctx") or {}
    kind = str(error.get("type", "invalid"))
    message = str(error.get("msg", "invalid"))
    limit = next((context[k] for k in _LIMIT_KEYS if k in context), None)
    template = _VALIDATION_ZH.get(kind)
    if template is None:
        zh = f"输入无效（{message}）"
    else:
        expected = str(context.get("expected", "")).replace("' or '", "'、'")
        zh = template.format(limit=limit, expected=expected.replace("', '", "'、'"))
        if kind == "value_error" and context.get("error"):
            zh = f"{zh}（{context['error']}）"
    value = error.get("input")
    return ErrorDetail(
        code=f"validation.{kind}",
        field=field,
        value=value if not isinstance(value, dict | list) else None,
        limit=limit,
        message_zh=f"{field or '请求'}：{zh}",
        message_en=f"{field or 'request'}: {message}",
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Only the listed errors are made into details (MAX_PROBLEM_ERRORS): a 20,000-line body
    # wrong on every line is answered at once, with the count.
    errors = [_validation_detail(error) for error in exc.errors[:MAX_PROBLEM_ERRORS]]
    return problem(request, 422, "Validation failed", errors, "validation", len(exc.errors))


@api.exception_handler(BusinessRuleError)
def on_business_error(request: HttpRequest, exc: BusinessRuleError) -> HttpResponse:
    code = exc.errors[0].code if exc.errors else "business_rule"
    titles = {403: "Forbidden", 404: "Not found", 409: "Conflict"}
    return problem(
        request, exc.status, titles.get(exc.status, "Business rule violated"), exc.errors, code
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = ErrorDetail(
        code="not_found", message_zh="对象不存在或无权访问", message_en="Not found"
    )
    return problem(request, 404, "Not found", [detail], "not_found")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = ErrorDetail(
        code="unauthenticated",
        message_zh="未登录或令牌无效",
        message_en="Authentication required or token invalid",
    )
    return problem(request, 401, "Unauthorized", [detail], "unauthenticated")


@api.exception_handler(CsrfError)
def on_csrf_refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = ErrorDetail(
        code="csrf",
        field="X-CSRFToken",
        message_zh="CSRF 校验失败：浏览器会话须带 X-CSRFToken 请求头（页面中的令牌）；"
        "系统对接请使用 Authorization: Bearer 令牌",
        message_en="CSRF check failed: a browser session must send the page's token in the "
        "X-CSRFToken header; systems authenticate with Authorization: Bearer <token>",
    )
    return problem(request, 403, "CSRF check failed", [detail], "csrf")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = ErrorDetail(
        code="permission_denied", message_zh="无权执行此操作", message_en="Permission denied"
    )
    return problem(request, 403, "Forbidden", [detail], "permission_denied")


@api.exception_handler(MultiPartParserError)
def on_unreadable_body(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = ErrorDetail(
        code="request.unreadable_body",
        field="body",
        value=request.content_type,
        message_zh="请求正文无法读取（Content-Type 与正文不符）",
        message_en="The request body cannot be read (its Content-Type does not match it)",
    )
    return problem(request, 400, "Bad request", [detail], "request.unreadable_body")


@api.exception_handler(RawPostDataException)
def on_form_body(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A form (multipart) sent where the operation reads its body as JSON or XML: the form
    parser took the stream (for the CSRF check) and nothing is left to read."""
    detail = ErrorDetail(
        code="request.unsupported_media_type",
        field="body",
        value=request.content_type,
        limit="application/json, application/xml",
        message_zh=f"此接口不接受 {request.content_type} 正文：请按接口文档发送 JSON 或 XML",
        message_en=f"This operation does not take a {request.content_type} body: send JSON or "
        "XML as documented",
    )
    return problem(
        request, 415, "Unsupported media type", [detail], "request.unsupported_media_type"
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Django Ninja's own refusals; the one it raises for a body it cannot parse (``Cannot parse
    request body``) names the body, the rest say the status in both languages."""
    status = exc.status_code
    if status == 400 and str(exc).startswith("Cannot parse request body"):
        detail = ErrorDetail(
            code="request.unparseable_body",
            field="body",
            value=request.content_type,
            message_zh=f"请求正文无法解析：应为与 Content-Type（{request.content_type}）相符的"
            "有效内容，如 JSON",
            message_en=f"The request body cannot be parsed: it must be valid for its "
            f"Content-Type ({request.content_type}), e.g. JSON",
        )
        return problem(request, 400, "Bad request", [detail], "request.unparseable_body")
    detail = ErrorDetail(
        code=f"http_{status}",
        message_zh=f"请求无法处理（HTTP {status}）",
        message_en=f"The request cannot be handled (HTTP {status}: {exc})",
    )
    return problem(request, status, "Bad request", [detail], f"http_{status}")


@api.exception_handler(RequestDataTooBig)
def on_body_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    error = body_too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return problem(request, 413, "Content too large", error.errors, "upload.too_large")


def not_found_view(request: HttpRequest) -> HttpResponse:
    """Any URL under /api/v1/ that no operation matches (``/bank-files/abc``): a problem body like
    every other API error, not the HTML 404 page."""
    detail = ErrorDetail(
        code="not_found", message_zh="接口或对象不存在", message_en="No such endpoint or object"
    )
    return problem(request, 404, "Not found", [detail], "not_found")
