"""Huifang settings, read from the environment (12-factor) with safe embedded-mode defaults."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HUIFANG_VAR_DIR", BASE_DIR / "var"))
for _sub in ("", "static", "media", "cache"):
    (VAR_DIR / _sub).mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
# The development key is only good for the embedded mode; production sets DJANGO_SECRET_KEY.
DEV_SECRET_KEY = "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    # Production must never sign survey links, sessions and erased-customer digests with a public key.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_DEBUG=0 needs DJANGO_SECRET_KEY (50+ random characters); see docs/operations.md")
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "csp",
    # Serves the API docs' Swagger UI from our static files (the CDN page has an inline script).
    "ninja",
    "django_tasks",
    # Before django_tasks_db: its `db_worker` command is replaced by the leased worker (issue 16 §4).
    "huifang.background",
    "django_tasks_db",
    "huifang.core",
    "huifang.accounts",
    "huifang.audit",
    "huifang.archive",
    "huifang.followups",
    "huifang.messaging",
    "huifang.notifications",
    "huifang.calendars",
    "huifang.complaints",
    "huifang.workbench",
    "huifang.operations",
    "huifang.reports",
    "huifang.surveys",
    "huifang.privacy",
    "huifang.appointments",
    "huifang.board",
    "huifang.robots",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "huifang.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "huifang.core.session_user.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "huifang.core.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "huifang.core.csp_header.CSPMiddleware",  # django-csp's, the header kept per process
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "huifang.urls"
WSGI_APPLICATION = "huifang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "huifang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "huifang.navigation.main_menu",
                "huifang.notifications.context_processors.notification_bell",
                "csp.context_processors.nonce",
                "huifang.accounts.context_processors.demo_mode",
                "huifang.core.csrf_token.csrf",  # after Django's built-in csrf processor: this token wins
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'huifang.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        # A kept connection is checked before a request reuses it (a restarted database costs one error less).
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while an import or the worker writes; IMMEDIATE avoids
    # lock-upgrade deadlocks between the web process and the worker.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
elif (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and os.environ.get("DB_SERVER_SIDE_BINDING", "1") == "1"
):
    # Server-side binding with prepared statements: a statement run DB_PREPARE_THRESHOLD times on a
    # connection is planned once and its plan kept; planning was most of the database's CPU per workbench
    # request (bench/README.md "PostgreSQL planning"). Prepared statements live on one connection: they
    # pay with DB_CONN_MAX_AGE > 0; PgBouncer in transaction mode needs >= 1.21 with
    # max_prepared_statements, else DB_SERVER_SIDE_BINDING=0 (docs/operations.md "Prepared statements").
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=int(os.environ.get("DB_PREPARE_THRESHOLD", "2"))
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("HUIFANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "huifang" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024

# The file cache is shared by the web server and the worker processes (import progress lives here).
CACHES = {
    "default": {
        "BACKEND": os.environ.get("CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"),
        "LOCATION": os.environ.get("CACHE_LOCATION", str(VAR_DIR / "cache")),
    }
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Login throttling: 5 failures lock the username+IP pair for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = os.environ.get("AXES_ENABLED", "1") == "1"
AXES_RESET_ON_SUCCESS = True
# A locked-out user sees a page that says why and for how long (HTTP 429), not a bare text line.
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"

# Sessions (issue 8 §8): signed out after SESSION_IDLE_SECONDS without a request of the user's own
# (default 30 min; IdleTimeoutMiddleware, background polls do not count), at the latest after
# SESSION_COOKIE_AGE (default one 10-hour shift), and when the browser closes.
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(10 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The database sessions, loaded with hand-written SQL (every request reads one; issue 18).
SESSION_ENGINE = "huifang.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content security policy, active in every mode (tests and browser tests run under it): scripts only
# from our own static files (or carrying the request's nonce), never inline handlers or eval. Styles
# allow inline attributes, which the templates and ECharts use.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

if not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto; DJANGO_SECURE_SSL_REDIRECT=0 when the
    # proxy redirects to HTTPS itself.
    SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Monitoring asks /health over plain HTTP on the machine itself, without the proxy.
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        # Compressing (gzip + brotli) at collectstatic costs about a minute of CPU; HUIFANG_STATIC_COMPRESS=0
        # skips it (the CI start test does), files are then served uncompressed.
        "staticfiles": {
            "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if os.environ.get("HUIFANG_STATIC_COMPRESS", "1") == "1"
            else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        },
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Start-up chatter of the login throttle and the Chinese tokenizer.
        "axes": {"level": "WARNING"},
        "jieba": {"level": "WARNING"},
    },
}

# Password given to the demo users that `seed_demo` creates (embedded/demo mode only).
DEMO_PASSWORD = os.environ.get("HUIFANG_DEMO_PASSWORD", "huifang-demo-2026")
# Set by `make run` only: every page shows that this is the demo, and the login page names the demo password.
DEMO_MODE = os.environ.get("HUIFANG_DEMO", "0") == "1"

# /health (monitoring): a due task waiting longer than this means no worker; the scheduler silent longer
# than this means it is down (defaults in huifang/core/health.py).
HEALTH_WORKER_MAX_WAIT_SECONDS = int(os.environ.get("HEALTH_WORKER_MAX_WAIT_SECONDS", "300"))
HEALTH_SCHEDULER_MAX_SILENCE_SECONDS = int(os.environ.get("HEALTH_SCHEDULER_MAX_SILENCE_SECONDS", "180"))
# Invitations to join a store are valid this long (days).
INVITATION_VALID_DAYS = int(os.environ.get("HUIFANG_INVITATION_VALID_DAYS", "7"))
# How often a paired team-board screen fetches fresh figures (seconds; board/defaults.py REFRESH_SECONDS).
BOARD_REFRESH_SECONDS = int(os.environ.get("HUIFANG_BOARD_REFRESH_SECONDS", "30"))

# Messaging (issue 3 §6): e-mail over SMTP (printed to the console in development); SMS through an HTTP
# gateway (SMS_PROVIDER=http) or the console/log provider (SMS_PROVIDER=console, the default).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_USE_SSL = os.environ.get("EMAIL_USE_SSL", "0") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "huifang@localhost")
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "console")
SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = os.environ.get("SMS_GATEWAY_KEY", "")
SMS_GATEWAY_TIMEOUT = float(os.environ.get("SMS_GATEWAY_TIMEOUT", "10"))
SMS_SENDER = os.environ.get("SMS_SENDER", "")
# Work-group robots (docs/robots.md): the platforms' webhook bases (an egress proxy may stand in), the call
# timeout, and the key sealing webhooks and secrets at rest (derived from SECRET_KEY when empty).
ROBOT_DINGTALK_BASE = os.environ.get("ROBOT_DINGTALK_BASE", "https://oapi.dingtalk.com")
ROBOT_WECOM_BASE = os.environ.get("ROBOT_WECOM_BASE", "https://qyapi.weixin.qq.com")
ROBOT_TIMEOUT = float(os.environ.get("ROBOT_TIMEOUT", "10"))
ROBOT_SEAL_KEY = os.environ.get("ROBOT_SEAL_KEY", "")

# Absolute base of links sent to customers (survey link, unsubscribe, event sign-up) and in e-mails.
SITE_URL = os.environ.get("HUIFANG_SITE_URL", "http://localhost:8000")

# Background work (issue 16 §4, huifang/background/defaults.py): heartbeat, lease, retries, graceful stop.
for _name in (
    "HEARTBEAT_SECONDS",
    "LEASE_SECONDS",
    "MAX_ATTEMPTS",
    "RETRY_BACKOFF_SECONDS",
    "SHUTDOWN_GRACE_SECONDS",
    "RECOVER_EVERY_SECONDS",
):
    if os.environ.get(f"HUIFANG_TASK_{_name}"):
        globals()[f"HUIFANG_TASK_{_name}"] = int(os.environ[f"HUIFANG_TASK_{_name}"])
