"""Django settings for FixTracker, read from the environment.

The knobs are the environment variables in `.env.example` (and the README's table);
everything else is fixed here. A malformed value stops start-up rather than being guessed
at. With DEBUG off the defaults are the production ones: HTTPS only, HSTS, secure cookies.
"""

import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Only ever used on a developer's machine: DEBUG is on and no key was given.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    # Background work (the webhook deliveries): Django's tasks framework, backported, with
    # its database backend. docs/webhooks.md says why.
    "django_tasks",
    "django_tasks_db",
    "plans",
]

MIDDLEWARE = [
    "fixtracker.middleware.HealthCheckMiddleware",
    "fixtracker.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "fixtracker.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fixtracker.middleware.DatabaseUnavailableMiddleware",
    "fixtracker.middleware.NulRefusedMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fixtracker.middleware.MethodNotAllowedPageMiddleware",
    "fixtracker.htmx.HtmxLoginRedirectMiddleware",
    # Last, as django-axes asks: it turns a login refused by its backend into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fixtracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "fixtracker.wsgi.application"

DEFAULT_DATABASE_URL = f"sqlite:///{BASE_DIR / 'var' / 'fixtracker.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Several gunicorn workers share one file: WAL lets readers run beside the writer, a
    # transaction takes the write lock when it starts (IMMEDIATE) instead of failing to
    # upgrade halfway, and a busy writer is waited for rather than reported as an error.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
    }
else:
    # A stopped database must turn into a 503 within seconds, not a hung worker.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 3))
    # gunicorn serves each process's requests and live streams from many threads
    # (gunicorn.conf.py); a connection of its own per thread would soon pass PostgreSQL's
    # limit. The threads share a small pool instead; with the health checks on, Django has
    # each connection checked before it is lent, so one broken by a database restart is
    # replaced, not handed to a request.
    if env_bool("DATABASE_POOL", True):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        options["pool"] = {
            "min_size": 1,
            "max_size": env_int("DATABASE_POOL_SIZE", 8),
            "timeout": env_int("DATABASE_CONNECT_TIMEOUT", 3),
        }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The one cache: the markup of each checklist's rows, keyed by everything it shows (see
# templates/plans/partials/_checklist.html), so no write can leave it stale and every worker
# draws the same. In each process's memory. docs/performance.md has the measurement that
# keeps it.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": env_int("FIXTRACKER_FRAGMENTS_CACHED", 500)},
    },
}

# A form post carries its field and the values it was opened with (`base`, as JSON): the
# longest field the limits allow (plans/limits.py), in four-byte characters and URL-encoded,
# is past Django's default of 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024

# django-axes first: it refuses a locked-out client and username before the next backend
# hashes the password (docs/security.md). Then Django's ModelBackend, which logs users in.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# How often an open stakeholder page asks whether the plan changed (a 304 when it did not).
FIXTRACKER_POLL_SECONDS = int(os.environ.get("FIXTRACKER_POLL_SECONDS", "15"))
# An engineer's open plan page holds a stream on which it is told when the plan moves
# (plans/watch.py); each process reads the watched plans' versions once per check. A stream
# holds one server thread, so a process keeps some threads for everything else: it serves
# at most FIXTRACKER_LIVE_STREAMS streams and a page beyond them asks every
# FIXTRACKER_LIVE_SECONDS instead, as it does when the stream cannot be opened at all.
FIXTRACKER_LIVE_SECONDS = env_int("FIXTRACKER_LIVE_SECONDS", 4)
FIXTRACKER_LIVE_CHECK_SECONDS = float(os.environ.get("FIXTRACKER_LIVE_CHECK_SECONDS") or 1)
FIXTRACKER_LIVE_STREAMS = env_int(
    "FIXTRACKER_LIVE_STREAMS", max(0, env_int("GUNICORN_THREADS", 128) - 16)
)
# One account's share of a process's streams: a page closed holds its place until the
# next heartbeat finds it gone, so one user opening and closing pages fast could take all.
FIXTRACKER_LIVE_STREAMS_PER_USER = env_int("FIXTRACKER_LIVE_STREAMS_PER_USER", 12)
FIXTRACKER_LIVE_HEARTBEAT_SECONDS = env_int("FIXTRACKER_LIVE_HEARTBEAT_SECONDS", 20)
FIXTRACKER_LIVE_STREAM_SECONDS = env_int("FIXTRACKER_LIVE_STREAM_SECONDS", 300)

# Where links in outgoing messages point: this deployment's address, as people open it.
FIXTRACKER_BASE_URL = os.environ.get("FIXTRACKER_BASE_URL", "").rstrip("/") or (
    "http://127.0.0.1:8000" if DEBUG else ""
)

# Outgoing webhooks (docs/webhooks.md). Deliveries are tasks on the database, queued in the
# transaction of the change they tell of, and made by `manage.py deliver_webhooks`.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["webhooks"],
    }
}
# Every attempt ends within this many seconds, whatever the receiver does.
FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS = env_int("FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS", 10)
# The most of a receiver's answer read; its start is kept to show on the Webhooks page.
FIXTRACKER_WEBHOOK_RESPONSE_BYTES = env_int("FIXTRACKER_WEBHOOK_RESPONSE_BYTES", 16384)
# A failed attempt is tried again after this, then three times longer each time (at most
# six hours), give or take a fifth, until an attempt is made past the retry window.
FIXTRACKER_WEBHOOK_FIRST_RETRY_SECONDS = float(
    os.environ.get("FIXTRACKER_WEBHOOK_FIRST_RETRY_SECONDS") or 10
)
FIXTRACKER_WEBHOOK_RETRY_HOURS = env_int("FIXTRACKER_WEBHOOK_RETRY_HOURS", 24)
# An endpoint whose attempts have all failed for this long is disabled.
FIXTRACKER_WEBHOOK_DISABLE_AFTER_DAYS = env_int("FIXTRACKER_WEBHOOK_DISABLE_AFTER_DAYS", 3)
# Finished deliveries are kept this long to show, then deleted by the worker.
FIXTRACKER_WEBHOOK_KEEP_DAYS = env_int("FIXTRACKER_WEBHOOK_KEEP_DAYS", 30)
# Addresses in private, loopback, link-local and other non-public ranges are refused, so a
# webhook cannot reach inside the network; networks listed here (CIDR) are let through. A
# developer's machine (DEBUG on) lets its own loopback through, to try a local receiver.
FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS = env_list(
    "FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"] if DEBUG else []
)
for _network in FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"FIXTRACKER_WEBHOOK_ALLOWED_NETWORKS holds {_network!r}, not a network like "
            "10.0.0.0/8."
        ) from None
if FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS < 1 or FIXTRACKER_WEBHOOK_RETRY_HOURS < 1:
    raise ImproperlyConfigured(
        "FIXTRACKER_WEBHOOK_TIMEOUT_SECONDS and FIXTRACKER_WEBHOOK_RETRY_HOURS must be at least 1."
    )

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "var" / "staticfiles")
# WhiteNoise reads this folder at start-up and warns when it is missing (before collectstatic).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves collected files with hashed names, compressed, through WhiteNoise;
    # development serves them straight from the app folders.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "login"
# An HTMX post of someone logged out (in another tab) goes to the login page, not a 403.
CSRF_FAILURE_VIEW = "fixtracker.htmx.csrf_failure"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Headers every response carries, in development too.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline script and no eval: htmx is configured (base.html) not to need either.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# HTTPS: on by default when DEBUG is off. `make serve` turns it off to serve plain HTTP on
# this machine; a deployment behind a TLS proxy leaves it on.
HTTPS = env_bool("FIXTRACKER_HTTPS", not DEBUG)
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# The TLS proxy in front (a load balancer, Caddy, nginx) says which scheme the client used.
BEHIND_PROXY = env_bool("FIXTRACKER_BEHIND_PROXY", not DEBUG)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Failed logins (django-axes; docs/security.md). A client that fails this many times for
# one username is refused for that username, with a 429, until the cool-off has passed
# since its last counted failure; the same username from elsewhere, and other usernames
# from that client, are not affected. Attempts while refused are not counted, so the
# cool-off does not grow and the page can say when to come back.
AXES_FAILURE_LIMIT = env_int("FIXTRACKER_LOGIN_FAILURE_LIMIT", 10)
_cooloff_minutes = env_int("FIXTRACKER_LOGIN_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "fixtracker.login_throttle.locked_out"
AXES_CLIENT_IP_CALLABLE = "fixtracker.login_throttle.client_ip"
# How many proxies of ours stand in front and append to X-Forwarded-For: the client is the
# address the outermost of them saw, counted from the right. Entries further left were
# written by the client and are ignored. 0 reads REMOTE_ADDR only.
FIXTRACKER_PROXY_COUNT = env_int("FIXTRACKER_PROXY_COUNT", 1 if BEHIND_PROXY else 0)
# The operator needs the username and address to unlock one (manage.py axes_reset_*).
AXES_SENSITIVE_PARAMETERS = []
# Log lines name the username and address only, and no banner goes to stdout at start-up,
# where `manage.py export_plan` writes its Markdown.
AXES_VERBOSE = False
# No row per successful login: the request log has them, and the table would only grow.
AXES_DISABLE_ACCESS_LOG = True
if AXES_FAILURE_LIMIT < 1 or _cooloff_minutes < 1 or FIXTRACKER_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        "FIXTRACKER_LOGIN_FAILURE_LIMIT and FIXTRACKER_LOGIN_COOLOFF_MINUTES must be at "
        "least 1, FIXTRACKER_PROXY_COUNT at least 0."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "fixtracker.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "fixtracker.logs.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["stdout"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # The request log below says the same, once, with the request id and duration.
        "django.server": {"level": "WARNING"},
        # The task worker logs every task started and finished; deliver_webhooks says more.
        "django_tasks_db": {"level": "WARNING"},
    },
}
