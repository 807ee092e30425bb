"""Small helpers shared by the server-rendered pages of every app (no business logic)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yusuan.common.errors import BusinessRuleError, ErrorDetail, NotFoundError
from yusuan.common.pages import page_number


def parse_date(text: str) -> dt.date | None:
    """An ISO date typed in a form or query string (``2026-06-01``); None when empty or not one."""
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def paginate(
    request: HttpRequest, queryset: QuerySet[Any] | list[Any], per_page: int | None = None
) -> Page[Any]:
    """The page ``?page=`` names; one that is not 1 … the last page is a 422 naming ``page`` and
    the limit, as in the API (``common.pages``, rendered by ``BadInputMiddleware``)."""
    paginator = Paginator(queryset, per_page or settings.YUSUAN_PAGE_SIZE)
    number = page_number(
        request.GET.get("page"), count=paginator.count, per_page=paginator.per_page
    )
    return paginator.page(number)


def error_text(detail: ErrorDetail) -> str:
    """A violation as it stands beside its field: the page's language, then its rule."""
    text = detail.message(get_language())
    return f"{text} [{detail.rule}]" if detail.rule else text


def add_business_errors(form: forms.BaseForm, error: BusinessRuleError) -> None:
    """Put each rule violation beside its field (P7); unknown fields become form-wide errors."""
    for detail in error.errors:
        field = detail.field if detail.field in form.fields else None
        form.add_error(field, error_text(detail))


def flash_business_errors(request: HttpRequest, error: BusinessRuleError, prefix: str = "") -> None:
    """For actions without a form to stand beside (buttons): each violation as a page message,
    after ``prefix`` (which document, when a batch is answered at once)."""
    language = get_language()
    for detail in error.errors:
        messages.error(
            request, f"{prefix}{detail.message(language)} [{detail.rule or detail.code}]"
        )


@dataclass
class PlacedErrors:
    """Rule errors of a form with rows, each where it belongs (DESIGN §6)."""

    rows: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # row sent → field → texts
    header: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)  # row and general errors, in order


def place_errors(errors: list[ErrorDetail], rows_sent: int) -> PlacedErrors:
    """``lines[i].name`` beside field ``name`` of row ``i`` (of the rows sent), header fields by
    name, the rest at the top; every row error is also listed, as wide forms scroll."""
    placed = PlacedErrors()
    for detail in errors:
        text = error_text(detail)
        path = detail.field or ""
        if path.startswith("lines[") and "]" in path:
            index = int(path[6 : path.index("]")])
            name = path[path.index("]") + 2 :] or "amount"
            if 0 <= index < rows_sent:
                placed.rows.setdefault(index, {}).setdefault(name, []).append(text)
                placed.listed.append(text)
                continue
        if path and not path.startswith("lines"):
            placed.header.setdefault(path, []).append(text)
        else:
            placed.general.append(text)
            placed.listed.append(text)
    return placed


def run_action(
    request: HttpRequest,
    run: Callable[[Any], Any],
    done: str | Callable[[Any], str],
    then: HttpResponse,
) -> HttpResponse:
    """A button's service call: success as a message (``done``, or ``done(result)`` when it
    names what the call did), rule errors flashed, another scope's object a 404; then back to
    ``then``."""
    try:
        result = run(request.user)
    except NotFoundError as exc:
        raise Http404 from exc
    except BusinessRuleError as exc:
        flash_business_errors(request, exc)
    else:
        messages.success(request, done(result) if callable(done) else done)
    return then


def attachment(data: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file the browser saves rather than shows (exports, bank files)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
