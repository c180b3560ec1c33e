"""Settings for seccoop, read from the environment.

Every setting comes from a ``SECCOOP_*`` variable (or ``DATABASE_URL``) with a safe default for the
embedded single-machine mode. ``SECCOOP_DEBUG=1`` is *development mode*: relaxed transport security,
a generated secret key, demo personas and a skippable second factor. Without it the platform runs
in *production mode* and refuses to start while a required setting is missing.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from seccoop.core.static import add_headers as add_static_headers

BASE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# --- modes -------------------------------------------------------------------------------------
DEV_MODE = env_bool("SECCOOP_DEBUG")
PRODUCTION = not DEV_MODE
DEBUG = env_bool("SECCOOP_DJANGO_DEBUG") and DEV_MODE
# Demo personas and a skippable second factor exist only in development mode.
DEMO_MODE = DEV_MODE
DEMO_PASSWORD = os.environ.get("SECCOOP_DEMO_PASSWORD") or "caribbean-security-2010"

DATA_DIR = Path(os.environ.get("SECCOOP_DATA_DIR") or Path.cwd() / "var").resolve()

_missing: list[str] = []
SECRET_KEY = os.environ.get("SECCOOP_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        _missing.append("SECCOOP_SECRET_KEY")
    else:
        SECRET_KEY = "development-only-" + "x" * 50  # noqa: S105 - development mode only, refused in production
# Secrets kept in the database (TOTP keys) are encrypted with Fernet keys from SECCOOP_FIELD_KEY:
# one key, or several separated by commas during a rotation (the first encrypts, all decrypt).
FIELD_KEYS = env_list("SECCOOP_FIELD_KEY", [])
if not FIELD_KEYS:
    if PRODUCTION:
        _missing.append("SECCOOP_FIELD_KEY")
    else:
        FIELD_KEYS = [  # development mode only: derived from the (development) secret key
            base64.urlsafe_b64encode(
                hashlib.sha256(b"seccoop-field-key:" + SECRET_KEY.encode()).digest()
            ).decode()
        ]
for _key in FIELD_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "SECCOOP_FIELD_KEY must be Fernet keys (32 url-safe base64-encoded bytes), separated "
            "by commas; make one with: python3 -c 'import base64, os; "
            "print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
        ) from None
ALLOWED_HOSTS = env_list(
    "SECCOOP_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    _missing.append("SECCOOP_ALLOWED_HOSTS")
if _missing:
    raise ImproperlyConfigured(
        "seccoop is in production mode (SECCOOP_DEBUG is off) and cannot start: set "
        + ", ".join(_missing)
        + ". For a local trial, set SECCOOP_DEBUG=1."
    )
#: Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR ranges). Requests from any
#: other peer are keyed on their own address, whatever header they send.
SECCOOP_TRUSTED_PROXIES = env_list("SECCOOP_TRUSTED_PROXIES", [])
for _proxy in SECCOOP_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"SECCOOP_TRUSTED_PROXIES: {_proxy!r} is not an IP address or CIDR range."
        ) from None
CSRF_TRUSTED_ORIGINS = env_list("SECCOOP_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SECCOOP_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
#: The IATI organisation identifier the platform publishes under (its reporting-org ref; the
#: prefix of its activities' iati-identifiers). Set it to the identifier the IATI registry assigns.
IATI_ORG_REF = os.environ.get("SECCOOP_IATI_ORG_REF", "XI-IATI-SECCOOP")

# --- applications --------------------------------------------------------------------------------
INSTALLED_APPS = [
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "django_htmx",
    "simple_history",
    "django_otp",
    "django_zxcvbn_password_validator",
    "axes",
    "csp",
    # django-ninja's own static files: the API reference viewer, served from this platform.
    "ninja",
    "seccoop.core",
    "seccoop.framework",
    "seccoop.accounts",
    "seccoop.needs",
    "seccoop.plan",
    "seccoop.prioritization",
    "seccoop.monitoring",
    "seccoop.funding",
    "seccoop.meetings",
]

MIDDLEWARE = [
    "seccoop.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "seccoop.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "seccoop.core.middleware.ApiLanguageMiddleware",
    "seccoop.core.middleware.InputGuardMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "seccoop.accounts.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "seccoop.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "seccoop.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "seccoop.urls"
WSGI_APPLICATION = "seccoop.wsgi.application"
ASGI_APPLICATION = "seccoop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "seccoop.core.context_processors.platform",
            ],
        },
    }
]

# --- database ------------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
#: What every SQLite database gets, the default file or one named by ``DATABASE_URL=sqlite:///…``:
#: write-ahead logging, writers that take the lock when they begin, and a wait instead of a
#: "database is locked" error.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        DATABASES["default"]["OPTIONS"] = {
            **SQLITE_OPTIONS,
            **DATABASES["default"].get("OPTIONS", {}),
        }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "seccoop.sqlite3",
            "OPTIONS": dict(SQLITE_OPTIONS),
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- authentication ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "seccoop.accounts.backends.AccountBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "seccoop.accounts.validators.PassphraseValidator"},
]
# zxcvbn (django-zxcvbn-password-validator): 4 is its top score, about 10^10 guesses.
PASSWORD_MINIMAL_STRENGTH = 4
#: Words a password must not lean on: the programme, its bodies and agencies, and the States.
PASSWORD_EXTRA_DICTIONARY = [
    "seccoop",
    "caribbean",
    "security",
    "cooperation",
    "framework",
    "engagement",
    "caricom",
    "cbsi",
    "impacs",
    "rss",
    "commission",
    "dialogue",
    "secretariat",
    "password",
    "antigua",
    "barbuda",
    "bahamas",
    "barbados",
    "belize",
    "dominica",
    "dominican",
    "republic",
    "grenada",
    "guyana",
    "haiti",
    "jamaica",
    "montserrat",
    "kitts",
    "nevis",
    "lucia",
    "vincent",
    "grenadines",
    "suriname",
    "trinidad",
    "tobago",
    "united",
    "states",
    "america",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Throttling (ASVS 6.3.1; 4.0.3 2.2.1: at most 100 failures an hour per account). Locking the
# (username, address) pair stops guessing without letting a stranger lock a colleague out; the
# address is the real client's (seccoop.core.clientip), not the reverse proxy's.
AXES_FAILURE_LIMIT = int(os.environ.get("SECCOOP_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a pause are not counted and do not extend it: every pause is bounded.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "seccoop.core.clientip.client_address"
AXES_HANDLER = "seccoop.accounts.throttle.SignInHandler"
# The slower pause per user name across all addresses (see docs/security.md): after this many
# failures for one name within an hour, from anywhere, each further failure pauses the name for
# SECCOOP_NAME_BACKOFF, except from an address where the name signed in successfully.
SECCOOP_NAME_FAILURE_LIMIT = int(os.environ.get("SECCOOP_NAME_FAILURE_LIMIT", "30"))
SECCOOP_NAME_FAILURE_WINDOW = timedelta(hours=1)
SECCOOP_NAME_BACKOFF = timedelta(minutes=5)
SECCOOP_KNOWN_ADDRESS_DAYS = 90
AXES_LOCKOUT_CALLABLE = "seccoop.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

OTP_TOTP_ISSUER = "seccoop"
# Every account needs a second factor in production; development mode lets it be skipped.
SECCOOP_REQUIRE_2FA = env_bool("SECCOOP_REQUIRE_2FA", PRODUCTION)

# --- sessions (ASVS 4.0.3 V3.3.2: 12 h absolute, 30 min idle) -------------------------------------
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 12 * 3600
SESSION_IDLE_SECONDS = int(os.environ.get("SECCOOP_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_ABSOLUTE_SECONDS = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "seccoop.core.views.csrf_failure"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS is sent on every response; browsers ignore it over plain HTTP, so development is unaffected.
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECCOOP_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if env_bool("SECCOOP_BEHIND_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# An uploaded file is dropped the moment it passes the limit of the page it is sent to.
FILE_UPLOAD_HANDLERS = [
    "seccoop.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- static files --------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Static files carry the same Content-Security-Policy as the pages (whitenoise answers them
# before the CSP middleware runs).
WHITENOISE_ADD_HEADERS_FUNCTION = add_static_headers
MEDIA_ROOT = DATA_DIR / "media"

# --- lists and the API ---------------------------------------------------------------------------
PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
#: Public figures below this count are suppressed (an indicator may set its own threshold).
SUPPRESSION_THRESHOLD = int(os.environ.get("SECCOOP_SUPPRESSION_THRESHOLD", "5"))
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 100
API_TOKEN_DEFAULT_DAYS = 90
API_TOKEN_MAX_DAYS = 365

EMAIL_BACKEND = os.environ.get(
    "SECCOOP_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("SECCOOP_FROM_EMAIL", "seccoop@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "seccoop.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SECCOOP_LOG_LEVEL", "WARNING")},
    "loggers": {
        "seccoop": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

SILENCED_SYSTEM_CHECKS: list[str] = []
