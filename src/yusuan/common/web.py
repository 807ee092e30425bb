"""Small helpers shared by the server-rendered pages of every app (no business logic)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yusuan.common.errors import BusinessRuleError


def paginate(
    request: HttpRequest, queryset: QuerySet[Any] | list[Any], per_page: int | None = None
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


def flash_business_errors(request: HttpRequest, error: BusinessRuleError) -> None:
    """For actions without a form to stand beside (buttons): each violation as a page message."""
    language = get_language()
    for detail in error.errors:
        messages.error(request, f"{detail.message(language)} [{detail.rule or detail.code}]")


def is_htmx(request: HttpRequest) -> bool:
    """Set by django-htmx's middleware: the request wants a fragment, not a page."""
    return bool(getattr(request, "htmx", False))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def form_page(
    request: HttpRequest,
    form: Any,
    *,
    save: Callable[[], Any],
    success_url_name: str,
    title: Any,
    obj: Any = None,
    template: str = "components/form_page.html",
) -> HttpResponse:
    """Validate the form and call the service; rule violations land beside their fields (P7)."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save()
        except BusinessRuleError as exc:
            add_business_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(success_url_name, pk=saved.pk)
    return render(request, template, {"form": form, "title": title, "object": obj})
