"""Helpers for API routers of every app: who is calling, with which token scopes; the bounded
number types and the paginator every endpoint uses (no 500 on a huge or absurd number)."""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest

from ninja import Field, Header
from ninja.pagination import PageNumberPagination, paginate

from yusuan.common.actor import PermissionDeniedError
from yusuan.common.ids import MAX_ID
from yusuan.common.pages import page_number

T = TypeVar("T")

# A row id in a path, query or body: beyond the database's BigInteger it is a 422, not a 500.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A fiscal year as the pages accept it (projects, approval definitions).
Year = Annotated[int, Field(ge=2000, le=2100)]


class Pages(PageNumberPagination):
    """Ninja's page-number pagination, with the house's page rule (``common.pages``): a page past
    the last one is a 422 naming ``page`` and the last page, not an empty list or an SQL
    ``OFFSET`` overflow."""

    class Input(PageNumberPagination.Input):
        # The ceiling only says what can ever be a page; the last page is checked on each call.
        page: int = Field(1, ge=1, le=MAX_ID)

    def paginate_queryset(
        self,
        queryset: QuerySet[Any],
        pagination: PageNumberPagination.Input,
        request: HttpRequest,
        **params: Any,
    ) -> Any:
        if not isinstance(queryset, QuerySet | Rendered):
            # A list (a comprehension over the whole scope) would be read and rendered in full
            # for one page: hand over the queryset, or ``Rendered(queryset, render)``.
            raise TypeError(
                f"paged() lists a QuerySet or common.api.Rendered, not {type(queryset).__name__}"
            )
        page_size = self._get_page_size(pagination.page_size)
        count = self._items_count(queryset)
        page = page_number(pagination.page, count=count, per_page=page_size)
        offset = (page - 1) * page_size
        return {self.items_attribute: queryset[offset : offset + page_size], "count": count}


class Rendered(Generic[T]):
    """A queryset shown through ``render``, one page at a time. The paginator counts it and
    slices it, so only the page's rows are read and rendered; a list comprehension handed to the
    paginator would read and render the whole list (every payment request of a district) first."""

    def __init__(
        self,
        queryset: QuerySet[Any],
        render: Callable[[Any], T],
        *,
        prepare: Callable[[list[Any]], object] | None = None,
    ) -> None:
        self.queryset = queryset
        self.render = render
        # Called once with the page's rows before any is rendered: what the rows need from other
        # tables is read for the whole page in a constant number of queries, never row by row.
        self.prepare = prepare

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, index: slice) -> list[T]:
        rows = list(self.queryset[index])
        if self.prepare is not None:
            self.prepare(rows)
        return [self.render(row) for row in rows]

    def __iter__(self) -> Iterator[T]:
        # Only ``@paged`` may show it: iterated whole, it would be the list it replaces (and
        # Python's fallback iteration through ``__getitem__(0)`` would hand out bare rows).
        raise TypeError("a Rendered list is shown through @paged, one page at a time")


# The header every mutating endpoint declares and hands to ``audit.idempotency.write_once``
# (P11); tests/test_api_integrator.py walks the OpenAPI document for it.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="1–128 printable characters; a retry with the same key, body and query "
        "parameters replays the first answer (Idempotent-Replayed: true); another body or "
        "query is a 409",
    ),
]


def idempotency_inputs(request: HttpRequest, body: Mapping[str, Any]) -> dict[str, Any]:
    """What an ``Idempotency-Key`` is bound to: the operation's body and its query parameters
    (``?mof_div_code=…`` is as much an input as a body field), so that the same key with another
    query is a 409 ``idempotency.key_reused``, not a replay of the first answer. A request without
    a query string keeps the body alone (the digests stored before queries counted still match)."""
    query = getattr(request, "GET", None)
    if not query:
        return dict(body)
    return {**body, "?": {name: query.getlist(name) for name in sorted(query)}}


# Set on a request whose bearer token lacked the scope an operation requires.
REFUSED_TOKEN_SCOPE = "yusuan_refused_token_scope"  # noqa: S105 - an attribute name


def api_actor(request: HttpRequest) -> Any:
    """The authenticated user (session or token); set by the API's auth classes."""
    return request.auth  # type: ignore[attr-defined]


def require(request: HttpRequest, permission: str | None, api_scope: str) -> Any:
    """Role permission for everyone; for token callers also the token's scope (e.g. ``core:read``)."""
    actor = api_actor(request)
    token_scopes: list[str] | None = getattr(request, "api_token_scopes", None)
    if token_scopes is not None and api_scope not in token_scopes:
        setattr(request, REFUSED_TOKEN_SCOPE, api_scope)  # recorded as such (audit middleware)
        raise PermissionDeniedError(f"token scope {api_scope}")
    if permission is not None and not actor.has_perm(permission):
        raise PermissionDeniedError(permission)
    return actor


def paged(page_size: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``@paginate(Pages, page_size=…)``. Ninja reads the view's annotations in the pagination
    wrapper's module, where this module's ``Id`` and ``Year`` are unknown (the API modules use
    ``from __future__ import annotations``), so they are resolved here first."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        view.__annotations__ = typing.get_type_hints(view, include_extras=True)
        return paginate(Pages, page_size=page_size)(view)

    return decorate
