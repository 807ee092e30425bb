"""API parity (issue 14, item 6): whatever a page can write, an /api/v1 operation can write, with
the same service call.

The pages are found by walking ``get_resolver()``; a page writes when its view takes a POST
(``require_POST``, ``require_http_methods``, a class with ``post``/``form_valid``, or a body that
reads ``request.POST`` or checks ``request.method``). What it writes is read from its source: every
function of a ``services`` or ``exchange`` module its code (and the same module's helpers it calls)
names. The API operations are read the same way from the routers of ``yusuan.api.root.api``. Nothing
is declared by hand, so the map cannot go stale: a new page that writes through a service no
operation calls fails here, and so does a page that takes a POST without calling any service.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import textwrap
import types
from collections.abc import Callable, Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

# A service, or an import entry point that validates and calls one (core.exchange).
SERVICE_MODULE = re.compile(r"yusuan\.\w+\.(services|exchange)(\.\w+)?")

# Pages that take a POST but are no API operation by nature: signing in, and changing one's own
# password in the browser (a token holder neither knows nor changes a password, ADR 0018); and a
# form the page posts to show, not to write (the adjustment's route, redrawn as the clerk types:
# ``GET /workflow/preview`` answers the same question).
SESSION_ONLY = {
    "yusuan.identity.views.LoginView": "signing in is the session's own act",
    "yusuan.identity.views.PasswordChangeView": "one's own password, changed in the browser",
    "yusuan.indicators.views.route_preview": "a read: GET /api/v1/workflow/preview",
    "yusuan.portal.views.grid_columns_view": "which columns a page's grid shows: the browser's",
}

# Functions of a services module that a page names but that write nothing: what a form offers,
# a proposal or a reader the page shows before (or instead of) the write.
NOT_A_WRITE = {
    "yusuan.identity.services.api_scopes_allowed": "the token scopes a form offers",
    "yusuan.identity.services.password_changed": "the browser's own password change (above)",
    "yusuan.identity.services.grid_columns_remember": "one's own choice of a grid's columns",
    "yusuan.projects.services.as_input": "a project as the form's input",
    "yusuan.payroll.services.batches.covers": "whether an indicator line covers a salary item",
    "yusuan.payroll.services.batches.proposal": "the proposed salary-to-indicator matching",
    "yusuan.payroll.services.batches.salary_lines": "the indicator lines a batch may draw on",
    "yusuan.payments.services.bank.report_message": "a bank report's outcome as a message",
}


def _unwrap(view: Any) -> Any:
    view = getattr(view, "view_class", view)  # a class-based view's as_view()
    return inspect.unwrap(view) if callable(view) and not inspect.isclass(view) else view


def _pages() -> Iterator[tuple[str, Any]]:
    """(route, view) of every page URL pattern (the API's own patterns left out)."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[tuple[str, Any]]:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry, route)
            elif isinstance(entry, URLPattern):
                yield route, entry.callback

    for route, view in walk(get_resolver(), "/"):
        if not route.startswith("/api/"):
            yield route, view


def _functions_of(target: Any) -> list[Callable[..., Any]]:
    """A view function, or the methods a class-based view defines in Yusuan's own code."""
    if inspect.isclass(target):
        return [
            member
            for klass in target.__mro__
            if klass.__module__.startswith("yusuan.")
            for member in vars(klass).values()
            if inspect.isfunction(member)
        ]
    return [target]


def _resolve(node: ast.AST, namespace: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _resolve(node.value, namespace)
        if isinstance(base, types.ModuleType):
            return getattr(base, node.attr, None)
    return None


@functools.cache
def _scan(function: Callable[..., Any]) -> tuple[frozenset[str], bool]:
    """The service functions the code of ``function`` names, and whether it reads a POST,
    following the helpers of its own module it calls (``_form(request)``, ``_issue_token``)."""
    found: set[str] = set()
    seen: set[Any] = set()
    posts = False

    def visit(func: Any) -> None:
        nonlocal posts
        if func in seen:
            return
        seen.add(func)
        namespace = vars(inspect.getmodule(func))
        source = textwrap.dedent(inspect.getsource(func))
        posts = posts or bool(re.search(r"request\.(POST|method)", source))
        for node in ast.walk(ast.parse(source)):
            obj = _resolve(node, namespace)
            if not inspect.isfunction(obj):
                continue
            obj = inspect.unwrap(obj)
            name = f"{obj.__module__}.{obj.__qualname__}"
            if SERVICE_MODULE.fullmatch(obj.__module__):
                if name not in NOT_A_WRITE:
                    found.add(name)
            elif obj.__module__ == func.__module__:
                visit(obj)  # a helper of the same module

    visit(function)
    return frozenset(found), posts


def _services_named(function: Callable[..., Any]) -> frozenset[str]:
    return _scan(function)[0]


def _takes_post(target: Any) -> bool:
    if inspect.isclass(target):
        return any(hasattr(target, name) for name in ("post", "form_valid"))
    module_source = inspect.getsource(inspect.getmodule(target) or target)
    decorated = rf"@require_(POST|http_methods)[^\n]*\n(@[^\n]*\n)*def {target.__name__}\b"
    return _scan(target)[1] or bool(re.search(decorated, module_source))


def _qualname(target: Any) -> str:
    return f"{target.__module__}.{target.__qualname__}"


def page_writes() -> dict[str, tuple[str, frozenset[str]]]:
    """View → (route, services it calls) for every page that takes a POST."""
    writes: dict[str, tuple[str, frozenset[str]]] = {}
    for route, callback in _pages():
        target = _unwrap(callback)
        if not target.__module__.startswith("yusuan.") or not _takes_post(target):
            continue
        services = frozenset().union(*(_services_named(f) for f in _functions_of(target)))
        name = _qualname(target)
        previous = writes.get(name, (route, frozenset()))
        writes[name] = (previous[0], previous[1] | services)
    return writes


def api_calls() -> dict[str, set[str]]:
    """Service → the API operations (``METHOD /path``) that call it."""
    from yusuan.api.root import api

    # Nested routers (core's standards) join ``api._routers`` when the URLs are first built: a
    # test run alone would otherwise miss their operations.
    get_resolver().url_patterns  # noqa: B018
    calls: dict[str, set[str]] = {}
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                view = inspect.unwrap(operation.view_func)
                label = f"{'/'.join(operation.methods)} /api/v1{prefix.rstrip('/')}{path}"
                for service in _services_named(view):
                    calls.setdefault(service, set()).add(label)
    return calls


def test_the_walk_finds_the_pages_and_operations_it_should() -> None:
    """The analysis itself: known pages are found writing through the services they call."""
    writes = page_writes()
    assert "yusuan.core.services.accounts.payee_update" in writes["yusuan.core.views.payee_edit"][1]
    assert (
        "yusuan.workflow.services.decisions.instances_approve"
        in writes["yusuan.workflow.views.inbox_approve"][1]
    )
    # A helper of the view's module is followed (the user page issues tokens through one).
    assert (
        "yusuan.identity.services.api_token_issue" in writes["yusuan.identity.views.user_detail"][1]
    )
    assert "yusuan.core.views.payee_list" not in writes  # reads only
    calls = api_calls()
    assert "POST /api/v1/payees" in calls["yusuan.core.services.accounts.payee_create"]
    assert len(writes) >= 40


def test_every_page_write_has_an_api_operation_calling_the_same_service() -> None:
    calls = api_calls()
    missing = sorted(
        f"{route} ({view}) → {service}"
        for view, (route, services) in page_writes().items()
        for service in services
        if service not in calls
    )
    assert missing == [], "pages that write through a service no API operation calls"


def test_every_page_that_takes_a_post_writes_through_a_service() -> None:
    """A page that takes a POST and calls no service writes around the services (or the walk
    cannot see what it calls): either is to be fixed, not listed."""
    silent = sorted(
        f"{route} ({view})"
        for view, (route, services) in page_writes().items()
        if not services and view not in SESSION_ONLY
    )
    assert silent == []


def test_the_lists_name_what_exists() -> None:
    """Every exemption names a function that still exists and a page that still takes a POST."""
    import importlib

    for name in NOT_A_WRITE:
        module, _, function = name.rpartition(".")
        assert inspect.isfunction(getattr(importlib.import_module(module), function, None)), name
    writes = page_writes()
    assert sorted(set(SESSION_ONLY) - set(writes)) == []
