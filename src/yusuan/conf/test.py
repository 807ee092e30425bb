"""Test settings: SQLite by default, PostgreSQL when DATABASE_URL is set (the suite runs on both)."""

from __future__ import annotations

from yusuan.conf.base import *  # noqa: F403
from yusuan.conf.base import DATABASE_URL, VAR_DIR, database_from_url

SECRET_KEY = "test-only-not-secret"  # noqa: S105
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
ALLOWED_HOSTS = ["*"]
# Fast hashing in tests; tests/test_security.py checks that the real settings use argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES = {"default": database_from_url(DATABASE_URL, VAR_DIR / "test.sqlite3")}
YUSUAN_AUDIT_SEAL_LAG_SECONDS = 0
# The test-only document type that docs/development/adding-a-document-type.md builds (备忘单):
# its app and its API router (``yusuan.api.root`` adds the routers named here).
INSTALLED_APPS = [*INSTALLED_APPS, "yusuan.workflow.tests.memos"]  # noqa: F405
YUSUAN_API_EXTRA_ROUTERS = ["yusuan.workflow.tests.memos.api.router"]
