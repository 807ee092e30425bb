"""Shared fixtures: the tiny demo district is loaded once per test database and every test runs
inside a transaction that is rolled back, so tests see the same deterministic data.

The suite runs under a fixed clock (issue 13): ``YUSUAN_TEST_CLOCK`` (ISO 8601, default
:data:`DEFAULT_CLOCK`) is "now" when the session starts, and the clock ticks on from there. The
demo is loaded "as of" that day, so a test sees the same demo year whatever the real date is. CI
runs the suite again with the clock on 1 January, 30 June and 31 December of the demo year."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from django.test import Client

import pytest
import time_machine

DEFAULT_CLOCK = "2026-06-30T10:00:00+08:00"  # a Tuesday, a working day, mid-year


def test_clock() -> dt.datetime:
    """The moment the suite starts at (aware); a bare date means 10:00 Beijing time."""
    raw = os.environ.get("YUSUAN_TEST_CLOCK") or DEFAULT_CLOCK
    moment = dt.datetime.fromisoformat(raw if "T" in raw else f"{raw}T10:00:00+08:00")
    if moment.tzinfo is None:
        raise pytest.UsageError(f"YUSUAN_TEST_CLOCK needs a UTC offset: {raw!r}")
    return moment


test_clock.__test__ = False  # type: ignore[attr-defined]  # not a test, despite its name


def pytest_configure(config: pytest.Config) -> None:
    # A database kept by --reuse-db was loaded as of another day: build it again.
    if os.environ.get("YUSUAN_TEST_CLOCK"):
        config.option.create_db = True
    _hypothesis_draws_no_local_literals()


def _hypothesis_draws_no_local_literals() -> None:
    """Hypothesis mixes the literals of every loaded local module into what it draws, so a fixed
    (derandomized) example depended on which of our modules some earlier test had imported: a
    test that loaded the accounting services made the indicator machine stop drawing replays
    (stop 35). Fixed examples must be fixed, so that pool stays empty. A private hook: if
    Hypothesis renames it, this fails loudly instead of the machines drifting quietly."""
    from hypothesis.internal.conjecture import providers

    empty = providers.Constants()
    assert callable(providers._get_local_constants)
    providers._get_local_constants = lambda: empty


def pytest_report_header(config: pytest.Config) -> str:
    return f"clock: {test_clock().isoformat()} (YUSUAN_TEST_CLOCK)"


@pytest.fixture(scope="session", autouse=True)
def fixed_clock() -> Iterator[dt.datetime]:
    moment = test_clock()
    with time_machine.travel(moment, tick=True):
        yield moment


@pytest.fixture(scope="session")
def django_db_setup(fixed_clock: dt.datetime, django_db_setup: Any, django_db_blocker: Any) -> None:
    from yusuan.core.models import Region
    from yusuan.demo.generator import generate

    with django_db_blocker.unblock():
        if not Region.objects.filter(mof_div_code="320509").exists():
            generate(scale="tiny", as_of=_shanghai_date(fixed_clock))


# PostgreSQL: the loaded demo, table by table (COPY, binary), taken before the first transactional
# test of the session (a run without one takes none), so that a transactional test's flush is
# undone by copying it back (about 1 s) instead of generating the demo again (about 20 s each; the
# race tests and their mutants are 20 of them).
_SNAPSHOT: dict[str, bytes] = {}


def _snapshot_tables() -> list[str]:
    from django.db import connection

    return sorted(connection.introspection.django_table_names(only_existing=True))


def _take_snapshot() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in _snapshot_tables():
            with cursor.cursor.copy(f'COPY "{table}" TO STDOUT (FORMAT BINARY)') as copy:
                _SNAPSHOT[table] = b"".join(bytes(chunk) for chunk in copy)


def _restore_snapshot() -> bool:
    """Put the snapshot back (after a flush); False where there is none (SQLite)."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection, transaction

    if connection.vendor != "postgresql" or not _SNAPSHOT:
        return False
    with transaction.atomic(), connection.cursor() as cursor:
        # The rows go back as they were: no trigger fires on them (a posted voucher's lines are
        # frozen against INSERT, and foreign keys hold in a snapshot taken whole).
        cursor.execute("SET LOCAL session_replication_role = replica")
        # The flush's post_migrate put content types and permissions back under new ids.
        names = ", ".join(f'"{table}"' for table in _SNAPSHOT)
        cursor.execute(f"TRUNCATE {names} CASCADE")
        for table, data in _SNAPSHOT.items():  # foreign keys are deferred to the commit
            with cursor.cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT BINARY)') as copy:
                copy.write(data)
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)
    return True


def _shanghai_date(moment: dt.datetime) -> dt.date:
    from django.utils import timezone

    return timezone.localdate(moment)


def _longest_first(items: list[pytest.Item]) -> None:
    """The order the workers take files in (``scripts/test.sh`` turns xdist's own reordering off,
    ADR 0050): the browser module that loads the district demo (~100 s) first, then the other
    browser modules (each worker starts a demo server), then the rest with the most tests first,
    as xdist orders them. xdist put the browser modules last (they have the fewest tests), so the
    district demo loaded while the other worker sat idle at the end of the pass."""

    def module(item: pytest.Item) -> str:
        return item.nodeid.partition("::")[0]

    counts = Counter(module(item) for item in items)
    district = {
        module(item) for item in items if "district_server" in getattr(item, "fixturenames", ())
    }

    def key(item: pytest.Item) -> tuple[int, int]:
        if module(item) in district:
            return (0, 0)
        return (1, 0) if "browser" in item.keywords else (2, -counts[module(item)])

    items.sort(key=key)  # stable: a module's tests keep their order


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``postgres`` tests skip on SQLite; under CI with a PostgreSQL URL they must run, not skip.
    Modules are ordered for the workers first (``_longest_first``)."""
    _longest_first(items)
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    on_postgres = engine.endswith("postgresql")
    ci_wants_postgres = os.environ.get("CI") == "true" and os.environ.get(
        "DATABASE_URL", ""
    ).startswith("postgres")
    if ci_wants_postgres:
        assert on_postgres, "CI asked for PostgreSQL but the settings use " + engine
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def reload_demo_after(django_db_blocker: Any) -> Any:
    """For transactional tests: request it *before* ``transactional_db`` so that it tears down
    after Django's flush and puts the tiny demo back for the tests that follow."""
    if not _SNAPSHOT:
        with django_db_blocker.unblock():
            _take_snapshot()  # the demo as every test before has left it: untouched
    yield
    from yusuan.core.models import Region
    from yusuan.demo.generator import generate

    with django_db_blocker.unblock():
        if not Region.objects.filter(mof_div_code="320509").exists() and not _restore_snapshot():
            generate(scale="tiny", as_of=_shanghai_date(test_clock()))


@pytest.fixture
def user(db: Any) -> Callable[[str], Any]:
    from yusuan.identity.models import User

    def get(username: str) -> Any:
        return User.objects.select_related("organisation").get(username=username)

    return get


@pytest.fixture
def client_as(db: Any, user: Callable[[str], Any]) -> Callable[[str], Client]:
    def make(username: str) -> Client:
        client = Client()
        client.force_login(user(username))
        return client

    return make


@pytest.fixture
def org(db: Any) -> Callable[[str], Any]:
    from yusuan.core.models import Organisation

    def get(name: str) -> Any:
        return Organisation.objects.get(name=name)

    return get
