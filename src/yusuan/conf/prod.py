"""Production: everything in base.py, plus refusing to start without a secret key."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from yusuan.conf.base import *  # noqa: F403
from yusuan.conf.base import SECRET_KEY, VAR_DIR

STATIC_ROOT = VAR_DIR / "static"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False

if not SECRET_KEY:
    raise ImproperlyConfigured("YUSUAN_SECRET_KEY must be set in production.")
