"""Settings shared by every environment, with safe defaults (DEBUG off, secure cookies, strict CSP).

``dev.py``, ``test.py`` and ``prod.py`` override only what differs; nothing is defined only in
``prod.py``. Every environment variable goes through :mod:`yusuan.conf.env` so it is documented.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url

from yusuan.conf.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(
    env_str("YUSUAN_VAR_DIR", "var", "Folder for the SQLite database, secret key and exports.")
).resolve()

DEBUG = env_bool("YUSUAN_DEBUG", False, "Django debug pages. Never on in production.")
SECRET_KEY = env_str("YUSUAN_SECRET_KEY", "", "Django secret key. Required in production.")
ALLOWED_HOSTS = env_list(
    "YUSUAN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]", "Comma-separated host names served."
)
CSRF_TRUSTED_ORIGINS = env_list(
    "YUSUAN_CSRF_TRUSTED_ORIGINS", "", "Origins allowed to post forms (behind a proxy)."
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "ninja",
    "yusuan.common",
    "yusuan.audit",
    "yusuan.core",
    "yusuan.identity",
    "yusuan.workflow",
    "yusuan.projects",
    "yusuan.personnel",
    "yusuan.indicators",
    "yusuan.budgeting",
    "yusuan.procurement",
    "yusuan.payments",
    "yusuan.monitoring",
    "yusuan.payroll",
    "yusuan.accounting",
    "yusuan.reports",
    "yusuan.portal",
    "yusuan.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yusuan.portal.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yusuan.identity.middleware.SessionRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "yusuan.common.middleware.BadInputMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "yusuan.audit.middleware.AuditContextMiddleware",
    "yusuan.audit.middleware.SecurityEventMiddleware",
    "yusuan.identity.middleware.AccountStateMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yusuan.urls"
WSGI_APPLICATION = "yusuan.wsgi.application"
AUTH_USER_MODEL = "identity.User"
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "identity:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yusuan.portal.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# SQLite is the embedded default (demo, training, a small county); PostgreSQL through DATABASE_URL.
SQLITE_OPTIONS = {
    # Writers queue for the lock instead of failing with "database is locked" (STYLE §9 rule 14).
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA busy_timeout=20000;"
    ),
}
DATABASE_URL = env_str(
    "DATABASE_URL",
    "",
    "Database URL, e.g. postgres://user@host:5432/yusuan. Empty: SQLite file var/yusuan.sqlite3.",
)


DATABASE_PREPARED = env_bool(
    "YUSUAN_DB_PREPARED",
    True,
    "PostgreSQL: bind parameters on the server and prepare statements run 5 times (fewer bytes "
    "and planning per ledger posting, ADR 0010). Turn off behind a transaction-mode pooler "
    "that cannot keep prepared statements (PgBouncer before 1.21).",
)


def database_from_url(url: str, sqlite_path: Path) -> dict[str, object]:
    if url:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config["OPTIONS"] = dict(SQLITE_OPTIONS)
        elif DATABASE_PREPARED and "postgresql" in str(config["ENGINE"]):
            options = dict(config.get("OPTIONS") or {})  # type: ignore[call-overload]
            options.update(server_side_binding=True, prepare_threshold=5)
            config["OPTIONS"] = options
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(sqlite_path),
        "OPTIONS": dict(SQLITE_OPTIONS),
    }


DATABASES = {"default": database_from_url(DATABASE_URL, VAR_DIR / "yusuan.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ATOMIC_REQUESTS = False

# --- Authentication and sessions (DESIGN §7) -----------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "yusuan.identity.backends.RoleBackend",
]
# Sign-in throttling (ADR 0016): a name is locked at the address its failures come from, an
# address is locked after failures under many names, and a name tried from everywhere waits a
# growing delay. The real user's own address is never locked by failures from elsewhere.
AXES_FAILURE_LIMIT = env_int(
    "YUSUAN_LOGIN_FAILURE_LIMIT",
    5,
    "Failed sign-ins of one user name from one address before that name is locked there.",
)
AXES_COOLOFF_TIME = timedelta(
    minutes=env_int(
        "YUSUAN_LOGIN_LOCKOUT_MINUTES", 15, "Minutes a lock lasts; failures are counted over it."
    )
)
YUSUAN_LOGIN_ADDRESS_FAILURE_LIMIT = env_int(
    "YUSUAN_LOGIN_ADDRESS_FAILURE_LIMIT",
    30,
    "Failed sign-ins from one address, under any names, before the address is locked "
    "(an office behind one NAT address shares it).",
)
YUSUAN_LOGIN_DELAY_FREE_FAILURES = 3
YUSUAN_LOGIN_DELAY_MAX_SECONDS = env_int(
    "YUSUAN_LOGIN_DELAY_MAX_SECONDS",
    60,
    "Longest wait imposed on a user name after failures from several addresses.",
)
YUSUAN_LOGIN_KNOWN_ADDRESS_DAYS = 90
AXES_HANDLER = "yusuan.identity.login_throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "yusuan.identity.login_throttle.client_address"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "yusuan.identity.views.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 60 * env_int(
    "YUSUAN_SESSION_MINUTES", 30, "Minutes of inactivity after which a session expires."
)
# Sliding expiry without a write per page: a session is saved again once its last save is this
# old (identity.middleware.SessionRefreshMiddleware, ADR 0051).
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool(
    "YUSUAN_SECURE_COOKIES", True, "Send cookies only over HTTPS (turn off only for localhost)."
)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "yusuan.portal.views.csrf_failure"

SECURE_HSTS_SECONDS = env_int(
    "YUSUAN_HSTS_SECONDS", 0, "Strict-Transport-Security max-age; set when served over HTTPS."
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_SSL_REDIRECT = env_bool("YUSUAN_SSL_REDIRECT", False, "Redirect HTTP to HTTPS.")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy without inline scripts or styles: every asset ships with the install.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files: served by WhiteNoise from the installed packages, never from a CDN -------------
STATIC_URL = "/static/"
# STATIC_ROOT is set in prod.py only (collectstatic); elsewhere WhiteNoise serves from the finders.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
# Uploaded attachments: under the var directory, served only through scope-checked views.
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_PERMISSIONS = 0o640
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Yusuan ---------------------------------------------------------------------------------------
YUSUAN_AUDIT_SEAL_LAG_SECONDS = env_int(
    "YUSUAN_AUDIT_SEAL_LAG_SECONDS",
    60,
    "Audit records younger than this are left for the next seal (longer than any transaction).",
)
YUSUAN_AUDIT_SEAL_BATCH_SIZE = 1000
# Security events naming no account (unknown user names, anonymous CSRF failures and bad tokens)
# are recorded one by one up to this many per action and address in each window, then counted
# and summed up in one record (ADR 0016): an anonymous flood cannot grow the audit trail freely.
YUSUAN_AUDIT_ANONYMOUS_EVENTS_PER_WINDOW = env_int(
    "YUSUAN_AUDIT_ANONYMOUS_EVENTS_PER_WINDOW",
    20,
    "Anonymous security events recorded one by one per action, address and window.",
)
YUSUAN_AUDIT_ANONYMOUS_WINDOW_SECONDS = env_int(
    "YUSUAN_AUDIT_ANONYMOUS_WINDOW_SECONDS",
    600,
    "Length of the window over which anonymous security events are counted.",
)
YUSUAN_EXPORT_MAX_ROWS = env_int(
    "YUSUAN_EXPORT_MAX_ROWS",
    200_000,
    "Most rows a list's Excel export writes; more is refused with the count, to be filtered.",
)
YUSUAN_API_TOKEN_DAYS = env_int("YUSUAN_API_TOKEN_DAYS", 365, "Default lifetime of API tokens.")
YUSUAN_API_TOKEN_MAX_DAYS = env_int(
    "YUSUAN_API_TOKEN_MAX_DAYS", 365, "Longest lifetime an API token may be issued for."
)
YUSUAN_PAGE_SIZE = 50
YUSUAN_WORKFLOW_EMAIL = env_bool(
    "YUSUAN_WORKFLOW_EMAIL",
    False,
    "Also e-mail approval notifications (needs Django's EMAIL_* settings); off by default.",
)

# --- Uploads: every file a user or the bank sends is bounded before and while it is read -------
# (common.tabular, common.uploads). A 10,000-employee salary sheet with 30 columns is about 2 MB and
# unpacks to about 13 MB; openpyxl reads it in 3–5 s on a small server.
YUSUAN_UPLOAD_MAX_BYTES = env_int(
    "YUSUAN_UPLOAD_MAX_BYTES",
    20 * 1024 * 1024,
    "Largest uploaded file, and largest request body (a bank's pain.002 report), in bytes; "
    "larger uploads are not stored past this size. Also the limit of approval attachments.",
)
YUSUAN_UPLOAD_MAX_INFLATED_BYTES = env_int(
    "YUSUAN_UPLOAD_MAX_INFLATED_BYTES",
    40 * 1024 * 1024,
    "Largest total size the parts of an uploaded .xlsx may unpack to, in bytes (checked before "
    "the sheet is opened).",
)
YUSUAN_UPLOAD_MAX_RATIO = env_int(
    "YUSUAN_UPLOAD_MAX_RATIO",
    100,
    "Highest compression ratio of a part (over 1 MB) of an uploaded .xlsx: ordinary sheets pack "
    "about 6:1, zip bombs hundreds to one.",
)
YUSUAN_UPLOAD_MAX_ROWS = env_int(
    "YUSUAN_UPLOAD_MAX_ROWS", 50_000, "Most rows below the header in an imported sheet or CSV."
)
YUSUAN_UPLOAD_MAX_COLUMNS = env_int(
    "YUSUAN_UPLOAD_MAX_COLUMNS", 200, "Most columns in an imported sheet or CSV."
)
YUSUAN_UPLOAD_PARSE_SECONDS = env_int(
    "YUSUAN_UPLOAD_PARSE_SECONDS",
    20,
    "Longest time spent reading one imported sheet, in seconds; a longer one is stopped and "
    "refused.",
)
# Request bodies other than files (JSON, form fields): a bound for ordinary requests, so that a
# 20 MB JSON body is a 413 before it is parsed (common.middleware). Operations that take a file
# as their body (a bank's pain.002) read it under YUSUAN_UPLOAD_MAX_BYTES instead.
YUSUAN_REQUEST_MAX_BYTES = env_int(
    "YUSUAN_REQUEST_MAX_BYTES",
    2_621_440,
    "Largest request body other than an uploaded file (JSON, form fields), in bytes (Django's "
    "DATA_UPLOAD_MAX_MEMORY_SIZE; 2.5 MB, Django's default). A larger one is a 413 naming it.",
)
DATA_UPLOAD_MAX_MEMORY_SIZE = YUSUAN_REQUEST_MAX_BYTES
# Files over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, Django's default) go to a temporary file; the
# capped handler first stops storing any file past YUSUAN_UPLOAD_MAX_BYTES.
FILE_UPLOAD_HANDLERS = [
    "yusuan.common.uploads.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"quiet_forbidden": {"()": "yusuan.common.logging.QuietForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["quiet_forbidden"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"yusuan.security": {"level": "INFO"}},
}
