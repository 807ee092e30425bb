"""Small helpers shared by the server-rendered pages of every app (no business logic)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language

from yusuan.common.errors import BusinessRuleError


def paginate(
    request: HttpRequest, queryset: QuerySet[Any], per_page: int | None = None
) -> Page[Any]:
    paginator = Paginator(queryset, per_page or settings.YUSUAN_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def add_business_errors(form: forms.BaseForm, error: BusinessRuleError) -> None:
    """Put each rule violation beside its field (P7); unknown fields become form-wide errors."""
    language = get_language()
    for detail in error.errors:
        text = detail.message(language)
        if detail.rule:
            text = f"{text} [{detail.rule}]"
        field = detail.field if detail.field in form.fields else None
        form.add_error(field, text)


def is_htmx(request: HttpRequest) -> bool:
    """Set by django-htmx's middleware: the request wants a fragment, not a page."""
    return bool(getattr(request, "htmx", False))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
