"""Shared fixtures: the tiny demo district is loaded once per test database and every test runs
inside a transaction that is rolled back, so tests see the same deterministic data."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from django.test import Client

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from yusuan.core.models import Region
    from yusuan.demo.generator import generate

    with django_db_blocker.unblock():
        if not Region.objects.filter(mof_div_code="320509").exists():
            generate(scale="tiny")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``postgres`` tests skip on SQLite; under CI with a PostgreSQL URL they must run, not skip."""
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
    yield
    from yusuan.core.models import Region
    from yusuan.demo.generator import generate

    with django_db_blocker.unblock():
        if not Region.objects.filter(mof_div_code="320509").exists():
            generate(scale="tiny")


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
