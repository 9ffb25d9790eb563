"""Settings for the digitalization portfolio, configured by environment variables.

DATABASE_URL picks the database (a SQLite file by default); DEBUG, SECRET_KEY and ALLOWED_HOSTS are
read from the environment so one file serves a laptop, CI and production.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-local-development-only-key-never-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "simple_history",
    "organisation",
    "portfolio",
    "initiatives",
    "benefits",
    "api",
    "notifications",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portfolio.security.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portfolio.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portfolio.middleware.SessionRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "portfolio.middleware.LoginRequiredMiddleware",
    "portfolio.setup.SetupMiddleware",
    # Axes must come last: it turns a lockout into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portfolio.urls"
WSGI_APPLICATION = "portfolio.wsgi.application"

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
                "django.template.context_processors.i18n",
                "portfolio.context_processors.navigation",
            ],
        },
    },
]

FORM_RENDERER = "portfolio.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A transaction that reads, then writes fails at once with "database is locked" when another
    # writer holds the file; beginning every transaction as a writer makes it wait its turn
    # instead (select_for_update is a plain read on SQLite). A longer wait than the default 5 s
    # rides out a large import.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after eight idle hours (a working day) and when the browser closes. The expiry is
# pushed forward at most once a minute (portfolio.middleware.SessionRefreshMiddleware), not by a
# write on every request.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0) or None
AXES_VERBOSE = False
AXES_USERNAME_CALLABLE = "portfolio.security.axes_username"

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("fi", _("Finnish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "portfolio.staticfinders.PlotlyFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security headers. HTTPS settings default to on outside DEBUG; behind a TLS-terminating load
# balancer set SECURE_PROXY_SSL_HEADER=true.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# No inline script anywhere: htmx comes from django-htmx as a static file, and our own scripts are
# static files too. plotly.js sets inline styles on the charts it draws, hence 'unsafe-inline' for
# styles only, and draws its download images from data: and blob: URLs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The dashboard and the ranking's candidate matrix are cached, keyed on the versions of the data
# areas they read, kept in the database (portfolio/cache.py): every app server stops reading an
# entry as soon as its data changes. FIGURES_CACHE_SECONDS=0 turns it off.
LOCAL_CACHE_MAX_ENTRIES = 50


def cache_settings(redis_url: str = "", key_prefix: str = "portfolio") -> dict:
    """CACHES for the environment: Redis when a URL is given, else a bounded per-process cache.

    Production runs several stateless app servers (DESIGN.md): with Redis they share one copy of
    each entry, computed once, instead of one per worker; the key prefix keeps apart several
    installations (or test runs) on one Redis. Without Redis (one machine, development) each
    process keeps at most LOCAL_CACHE_MAX_ENTRIES entries: the dashboard bodies and candidate
    matrices of the filters in use, in two languages, fit with room to spare, while entries
    orphaned by a write (never read again) are the least recently used and go first, a third at
    a time (CULL_FREQUENCY 3), instead of piling up to Django's default of 300, which at 100,000
    initiatives (14 MB a candidate matrix) let a worker grow by half a gigabyte.
    """
    if redis_url:
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": key_prefix,
                # A Redis that is down or stuck costs a request two seconds at most, after which
                # the figures are computed as if nothing were cached (portfolio/cache.py).
                "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
            }
        }
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": LOCAL_CACHE_MAX_ENTRIES, "CULL_FREQUENCY": 3},
        }
    }


CACHES = cache_settings(
    os.environ.get("REDIS_URL", "").strip(),
    os.environ.get("CACHE_KEY_PREFIX", "").strip() or "portfolio",
)
FIGURES_CACHE_SECONDS = env_int("FIGURES_CACHE_SECONDS", 600)
# When a read finds the dashboard's sums stale (portfolio.figures), enqueue their rebuild.
FIGURES_REBUILD_ON_READ = True
# How long the budget selection's solver may search before it answers with the best set found
# and its proven gap (portfolio.prioritisation.select_optimal).
BUDGET_SOLVER_SECONDS = env_int("BUDGET_SOLVER_SECONDS", 5)
# A budget selection over more candidates than this runs as a background task the page polls,
# so no request waits for the solver's whole time (smaller cases are proven in well under 1 s).
BUDGET_BACKGROUND_CANDIDATES = env_int("BUDGET_BACKGROUND_CANDIDATES", 2_000)
# A sensitivity analysis of more candidates × draws than this runs as a background task the page
# polls (the frontier always does); smaller ones are computed in the request.
SENSITIVITY_BACKGROUND_SIZE = env_int("SENSITIVITY_BACKGROUND_SIZE", 2_000_000)

# How long without a progress update before an initiative is overdue on the check-in page.
PROGRESS_UPDATE_OVERDUE_DAYS = 30
INITIATIVES_PER_PAGE = 25

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# E-mail carries the password reset link (Django's PasswordResetView). With DEBUG on, messages are
# printed to the console; in production set EMAIL_HOST and friends for the city's SMTP relay.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portfolio@localhost")
# The app's own address, for links in e-mails sent outside a request (reminders, digests).
PORTFOLIO_URL = os.environ.get("PORTFOLIO_URL", "http://127.0.0.1:8000")

# Background tasks (django-tasks). Default: run at once in the process that enqueues (make run
# needs no other service). Production: TASKS_BACKEND=database stores them in the database and
# `python manage.py db_worker` runs them beside gunicorn.
TASKS = {
    "default": {
        "BACKEND": {
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "database": "django_tasks_db.DatabaseBackend",
        }[os.environ.get("TASKS_BACKEND", "immediate")]
    }
}
# A reset link works once, and for at most this many seconds (Django's default is three days).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 24 * 60 * 60)
# An invitation link (a new user choosing their first password) works once, for this long.
INVITATION_TIMEOUT = env_int("INVITATION_TIMEOUT", 7 * 24 * 60 * 60)

# --- Single sign-on with OpenID Connect (sso/, mozilla-django-oidc) ------------------------------
# On when OIDC_ISSUER and OIDC_CLIENT_ID are set; the login page then offers "Log in with
# <OIDC_PROVIDER_NAME>". The endpoints come from <issuer>/.well-known/openid-configuration (or
# OIDC_DISCOVERY_URL), read at the first login, not here. The authorization code flow always uses
# PKCE, state and nonce; the ID token's signature is checked against the provider's JWKS.
INSTALLED_APPS.append("sso")
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").strip()
OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL", "").strip()
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "").strip()
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
# The claim that names a user for good: sub (default), oid (Entra ID) or preferred_username.
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "sub")
# Roles from a claim, e.g. OIDC_ROLE_CLAIM=groups and OIDC_ROLE_MAP='{"<group id>": {"role":
# "department_head", "departments": ["UTB"]}}', applied at every login (sso.services). With
# OIDC_ROLES_AUTHORITATIVE (default on) a claim that maps to nothing takes the role away; off, a
# role given by hand is kept. Without OIDC_ROLE_CLAIM new users start with no role.
OIDC_ROLE_CLAIM = os.environ.get("OIDC_ROLE_CLAIM", "").strip()
try:
    OIDC_ROLE_MAP = json.loads(os.environ.get("OIDC_ROLE_MAP") or "{}")
except json.JSONDecodeError as error:
    raise ImproperlyConfigured(f"OIDC_ROLE_MAP is not valid JSON: {error}") from error
if not isinstance(OIDC_ROLE_MAP, dict):
    raise ImproperlyConfigured("OIDC_ROLE_MAP must be a JSON object.")
OIDC_ROLES_AUTHORITATIVE = env_bool("OIDC_ROLES_AUTHORITATIVE", True)
OIDC_TOKEN_USE_BASIC_AUTH = env_bool("OIDC_TOKEN_USE_BASIC_AUTH", False)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the provider's logout
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
# Local password login, for the demo and small installations; PASSWORD_LOGIN=false hides and
# refuses the password form and the password reset (then single sign-on must be configured).
PASSWORD_LOGIN = env_bool("PASSWORD_LOGIN", True)
if OIDC_ISSUER and OIDC_RP_CLIENT_ID:
    AUTHENTICATION_BACKENDS.append("sso.backend.Backend")
if not PASSWORD_LOGIN:
    if "sso.backend.Backend" not in AUTHENTICATION_BACKENDS:
        raise ImproperlyConfigured("PASSWORD_LOGIN=false needs OIDC_ISSUER and OIDC_CLIENT_ID.")
    AUTHENTICATION_BACKENDS.remove("django.contrib.auth.backends.ModelBackend")
MIDDLEWARE.insert(
    MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "sso.middleware.SingleSignOnMiddleware"
)
# --- end of single sign-on ------------------------------------------------------------------------

# Formats (issue 16): English with ISO dates and 24-hour times (portfolio/formats/en/formats.py).
FORMAT_MODULE_PATH = "portfolio.formats"
