"""Local demo and development: the embedded SQLite database on http://127.0.0.1.

DEBUG stays off so the demo behaves like production; only the cookies drop the HTTPS-only flag,
because the demo is served over plain HTTP on the loopback interface.
"""

from __future__ import annotations

import secrets

from yusuan.conf.base import *  # noqa: F403
from yusuan.conf.base import SECRET_KEY, VAR_DIR

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False


def _local_secret_key() -> str:
    """A per-installation key kept under var/, so sessions survive restarts of the demo."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if not SECRET_KEY:
    SECRET_KEY = _local_secret_key()
