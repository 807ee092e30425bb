"""Data scope (DESIGN §2): another scope's object is a 404 in pages, fragments and the API alike.

The generated suite at the end walks every URL pattern and every API operation; each must be
registered in ``tests/scope_registry.py`` (or exempted there with a reason), so a new page or
endpoint fails here until its scope is checked (issue 14 item 7, NetBox style)."""

import itertools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import pytest
from tests.scope_registry import API, API_EXEMPT, PAGE_EXEMPT, PAGES, Entry
from tests.test_api_csrf import csrf_session

from yusuan.core.models import Organisation, Payee

SCHOOL = "吴江区松陵实验小学"
OTHER_SCHOOL = "吴江区同里实验小学"
HOSPITAL = "吴江区第一人民医院"
EDU = "苏州市吴江区教育局"
HEALTH = "苏州市吴江区卫生健康委员会"


def _visible_names(username: str, user: Callable[[str], Any]) -> set[str]:
    return set(Organisation.objects.visible_to(user(username)).values_list("name", flat=True))


def test_unit_sees_only_itself(user: Callable[[str], Any]) -> None:
    assert _visible_names("school_clerk", user) == {SCHOOL}


def test_department_sees_its_subtree(user: Callable[[str], Any]) -> None:
    names = _visible_names("edu_clerk", user)
    assert {EDU, SCHOOL, OTHER_SCHOOL} <= names
    assert HOSPITAL not in names and HEALTH not in names
    expected = Organisation.objects.get(name=EDU).children.count() + 1
    assert len(names) == expected


def test_sector_division_sees_supervised_departments(user: Callable[[str], Any]) -> None:
    names = _visible_names("wj_sector_social", user)
    assert {HEALTH, HOSPITAL} <= names
    assert EDU not in names and SCHOOL not in names


def test_supervised_scope_is_one_query_and_the_supervised_subtrees(
    user: Callable[[str], Any], django_assert_num_queries: Any
) -> None:
    """Issue 20: one query however many departments the division supervises (was one each)."""
    from yusuan.identity.scopes import scope_for_organisation

    division = user("wj_sector_edu").organisation
    expected = {division.pk}
    roots = Organisation.objects.filter(supervising_division=division)
    assert roots.count() > 1
    for root in roots:
        expected |= set(Organisation.objects.subtree_of(root).values_list("pk", flat=True))
    with django_assert_num_queries(1):
        scope = scope_for_organisation(division)
    assert scope.organisation_ids == frozenset(expected)
    assert Organisation.objects.get(name=SCHOOL).pk in expected


def test_region_wide_roles_see_everything_in_their_region(user: Callable[[str], Any]) -> None:
    total = Organisation.objects.filter(mof_div_code="320509").count()
    for username in ("wj_budget", "wj_treasury", "wj_auditor"):
        assert len(_visible_names(username, user)) == total


def test_bank_sees_only_itself(user: Callable[[str], Any]) -> None:
    assert _visible_names("bank_icbc", user) == {"中国工商银行苏州吴江支行"}


def test_lists_and_fragments_are_scoped(client_as: Callable[[str], Client]) -> None:
    client = client_as("school_clerk")
    page = client.get("/core/organisations/").content.decode()
    fragment = client.get("/core/organisations/?q=医院", HTTP_HX_REQUEST="true").content.decode()
    api = client.get("/api/v1/organisations?q=医院").json()
    assert HOSPITAL not in page and HOSPITAL not in fragment
    assert api["count"] == 0
    payees = client.get("/api/v1/payees").json()
    school = Organisation.objects.get(name=SCHOOL)
    assert payees["count"] == Payee.objects.filter(organisation=school).count() > 0


def test_other_region_is_invisible(user: Callable[[str], Any]) -> None:
    from yusuan.core.services.regions import region_bootstrap

    other = region_bootstrap(mof_div_code="320506", name="吴中区", bureau_name="苏州市吴中区财政局")
    assert other.bureau.pk not in set(
        Organisation.objects.visible_to(user("wj_budget")).values_list("pk", flat=True)
    )


# --- the generated suite: every page and API operation ---------------------------------------------

API_PREFIX = "/api/v1/"
WRITE_METHODS = ("post", "put", "patch", "delete")


def _walk(patterns: list[Any], route: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    """(key, route) of every URL pattern: the key is ``namespace:name``, or the route if unnamed.
    The API's own patterns (Ninja's ``api-…`` namespace) are its operations, walked below."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner.startswith("api-"):
                continue
            joined = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _walk(pattern.url_patterns, route + str(pattern.pattern), joined)
        elif isinstance(pattern, URLPattern):
            full = route + str(pattern.pattern)
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name or full, full


def page_routes() -> dict[str, str]:
    return dict(_walk(get_resolver().url_patterns))


def _takes_id(route: str) -> bool:
    return "<id:" in route


def api_operations() -> dict[str, tuple[str, str]]:
    """operationId → (method, path template) of every operation in the OpenAPI document."""
    document = Client().get(API_PREFIX + "openapi.json").json()
    return {
        operation["operationId"]: (method, template)
        for template, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def _how_to_register(key: str, where: str, method: str = "get") -> str:
    """The line to paste into the registry, with the route's own parameter names."""
    names = re.findall(r"<(?:\w+:)?(\w+)>|\{(\w+)\}", where)
    params = ", ".join(f'"{a or b}": obj.pk' for a, b in names)
    verb = f', method="{method}"' if method != "get" else ""
    if names:
        shape = f"Entry(<another unit's object>, lambda obj: {{{params}}}{verb})"
    else:
        shape = "Entry(<another unit's object>, marker=<text naming it>, query=<narrowing it>)"
    return f'    "{key}": {shape},  # {where}'


def _unregistered_message(kind: str, missing: list[str], registry: str, exempt: str) -> str:
    return (
        f"{len(missing)} {kind} not in tests/scope_registry.py. Register each in {registry} "
        "(another scope's object, who must get 404 and who 200), or exempt it in "
        f"{exempt} with the reason:\n" + "\n".join(missing)
    )


def test_every_page_is_registered() -> None:
    routes = page_routes()
    missing = [
        _how_to_register(key, "/" + route)
        for key, route in sorted(routes.items())
        if key not in PAGES and key not in PAGE_EXEMPT
    ]
    assert not missing, _unregistered_message("pages", missing, "PAGES", "PAGE_EXEMPT")
    stale = sorted((set(PAGES) | set(PAGE_EXEMPT)) - set(routes))
    assert not stale, f"no URL pattern has these names any more; rename or drop them: {stale}"
    assert not set(PAGES) & set(PAGE_EXEMPT), "a page is both registered and exempt"


def test_every_api_operation_is_registered() -> None:
    operations = api_operations()
    missing = [
        _how_to_register(key, f"{method.upper()} {template}", method)
        for key, (method, template) in sorted(operations.items())
        if key not in API and key not in API_EXEMPT
    ]
    assert not missing, _unregistered_message("API operations", missing, "API", "API_EXEMPT")
    stale = sorted((set(API) | set(API_EXEMPT)) - set(operations))
    assert not stale, f"no API operation has these ids any more; rename or drop them: {stale}"
    assert not set(API) & set(API_EXEMPT), "an operation is both registered and exempt"


def test_every_entry_has_the_shape_its_route_needs() -> None:
    """An id-taking route is checked by id (404 / 200), a list by its marker; a 403 says why."""
    routes, operations = page_routes(), api_operations()
    wrong = [
        key
        for key, entry in PAGES.items()
        if key in routes and (entry.params is not None) != _takes_id(routes[key])
    ]
    wrong += [
        key
        for key, entry in API.items()
        if key in operations and (entry.params is not None) != ("{" in operations[key][1])
    ]
    wrong += [
        key
        for key, entry in itertools.chain(PAGES.items(), API.items())
        if (entry.params is None and entry.marker is None)
        or (entry.refused != 404 and not entry.why)
        or (key in operations and entry.method != operations[key][0])
    ]
    reasons = itertools.chain(PAGE_EXEMPT.items(), API_EXEMPT.items())
    wrong += [key for key, reason in reasons if len(reason) < 10]
    assert wrong == []


def _fingerprint(target: Model) -> tuple[Any, ...]:
    """What a refused write must leave alone: the object's row and every table a write touches."""
    from yusuan.audit.models import AuditRecord
    from yusuan.indicators.models import Movement
    from yusuan.workflow.models import WorkflowAction

    row = type(target)._default_manager.filter(pk=target.pk).values().first()
    # A refusal is itself recorded (``security.*``, in a transaction of its own): not a change.
    changes = AuditRecord.objects.exclude(action__startswith="security.").count()
    return row, changes, Movement.objects.count(), WorkflowAction.objects.count()


def _send(session: tuple[Client, str], method: str, url: str, body: Any, *, api: bool) -> Any:
    """A write as a browser sends it: a session, with the CSRF token a page gave it
    (``csrf_session``; its sign-in and page are made before the fingerprint is taken)."""
    client, token = session
    body = body() if callable(body) else body
    if api and any(hasattr(value, "read") for value in body.values()):  # a file: multipart
        return client.post(url, body, HTTP_X_CSRFTOKEN=token, HTTP_IDEMPOTENCY_KEY=f"scope-{url}")
    if api:
        return getattr(client, method)(
            url,
            data=json.dumps(body),
            content_type="application/json",
            HTTP_X_CSRFTOKEN=token,
            HTTP_IDEMPOTENCY_KEY=f"scope-{url}",
        )
    return client.post(url, body, HTTP_X_CSRFTOKEN=token)


def _target(entry: Entry) -> Model:
    target = entry.target()
    assert target is not None, "the tiny demo has no such object any more: pick another"
    return target


def _check_list(client_as: Callable[[str], Client], entry: Entry, url: str) -> None:
    target = _target(entry)
    assert entry.marker is not None
    marker = entry.marker(target)
    if entry.query is not None:
        url = f"{url}?{entry.query(target)}"
    outside = client_as(entry.outsider).get(url)
    inside = client_as(entry.insider).get(url)
    assert outside.status_code == 200, outside.status_code
    assert inside.status_code == 200, inside.status_code
    assert marker in _text(inside), f"positive control: {entry.insider} must see {marker}"
    assert marker not in _text(outside), f"{entry.outsider} sees {marker}"


def _text(response: Any) -> str:
    """A page as served; a JSON answer with its Chinese unescaped."""
    if response["Content-Type"].startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return str(response.content.decode())


def _is_refused(entry: Entry, response: Any) -> bool:
    """The API's refusal: a problem body, ``not_found`` (or the entry's explained status)."""
    if response.status_code != entry.refused:
        return False
    if response["Content-Type"] != "application/problem+json":
        return False
    return entry.refused != 404 or response.json()["errors"][0]["code"] == "not_found"


@pytest.mark.parametrize("key", sorted(PAGES))
def test_page_scope(
    key: str, client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    entry = PAGES[key]
    if entry.setup is not None:
        entry.setup()
    if entry.params is None:
        _check_list(client_as, entry, reverse(key))
        return
    target = _target(entry)
    url = reverse(key, kwargs=entry.params(target))
    if entry.method == "get":
        assert client_as(entry.outsider).get(url).status_code == entry.refused, entry.why
        assert client_as(entry.insider).get(url).status_code == 200, "positive control"
        return
    session = csrf_session(user(entry.outsider))
    before = _fingerprint(target)
    outside = _send(session, entry.method, url, entry.body, api=False)
    assert outside.status_code == entry.refused, outside.status_code
    assert _fingerprint(target) == before, "a refused write changed something"
    inside = _send(csrf_session(user(entry.insider)), entry.method, url, entry.body, api=False)
    assert inside.status_code != 404 and inside.status_code < 500, inside.status_code


@pytest.mark.parametrize("key", sorted(API))
def test_api_scope(
    key: str, client_as: Callable[[str], Client], user: Callable[[str], Any]
) -> None:
    entry = API[key]
    if entry.setup is not None:
        entry.setup()
    method, template = api_operations()[key]
    if entry.params is None:
        _check_list(client_as, entry, template)
        return
    target = _target(entry)
    url = template.format(**entry.params(target))
    if method == "get":
        outside = client_as(entry.outsider).get(url)
        assert _is_refused(entry, outside), (outside.status_code, outside.content[:200])
        assert client_as(entry.insider).get(url).status_code == 200, "positive control"
        return
    session = csrf_session(user(entry.outsider))
    before = _fingerprint(target)
    outside = _send(session, method, url, entry.body, api=True)
    assert _is_refused(entry, outside), (outside.status_code, outside.content[:200])
    assert _fingerprint(target) == before, "a refused write changed something"
    inside = _send(csrf_session(user(entry.insider)), method, url, entry.body, api=True)
    assert inside.status_code != 404 and inside.status_code < 500, (
        inside.status_code,
        inside.content[:300],
    )
