"""All settings, read from environment variables (one file, healthchecks style).

Everything the instance stores lives under MINGJING_HOME: the SQLite database, the Parquet
lake, uploaded originals, rejects and logs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "False") -> bool:
    return os.getenv(name, default).lower() in ("1", "true", "yes", "on")


HOME = Path(os.getenv("MINGJING_HOME", Path.cwd() / "mingjing-home")).resolve()
LAKE_DIR = HOME / "lake"
ORIGINALS_DIR = HOME / "originals"
REJECTS_DIR = HOME / "rejects"
STAGING_DIR = HOME / "staging"
LOG_DIR = HOME / "logs"
for _d in (HOME, LAKE_DIR, ORIGINALS_DIR, REJECTS_DIR, STAGING_DIR, LOG_DIR):
    _d.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the home."""
    if key := os.getenv("SECRET_KEY"):
        return key
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG")
ALLOWED_HOSTS = [h for h in os.getenv("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    # Third-party apps under configs that name them in Chinese (accounts/vendor_apps.py).
    "mingjing.accounts.vendor_apps.TasksDbConfig",
    "mingjing.accounts.vendor_apps.AxesConfig",  # sign-in throttling and lockout (accounts/signals.py records lockouts)
    "django_otp",
    "mingjing.accounts.vendor_apps.TotpConfig",
    "mingjing.accounts",
    "mingjing.datahub",
    "mingjing.analysis",
    "mingjing.audit",
    "mingjing.alerts",
    "mingjing.api",
    "mingjing.console",
    "mingjing.portal",  # the villager portal (码上监督): public pages, disclosures, subscriptions
    "mingjing.complaints",  # 监督一点通: complaints, tip-offs and public questions from villagers
    "mingjing.demo",  # the `demo` command (the generator itself needs no Django)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mingjing.accounts.middleware.SignInMiddleware",  # session expiry, second factor, password change
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into its page
]

ROOT_URLCONF = "mingjing.urls"
WSGI_APPLICATION = "mingjing.wsgi.application"

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

# SQLite (WAL, immediate transactions so the web process and the worker never deadlock on a
# lock upgrade) unless DATABASE_URL points elsewhere, e.g. postgres://127.0.0.1/mingjing.
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{HOME / 'mingjing.sqlite3'}"),
        # Each server thread keeps its connection this long (seconds) instead of one per request.
        conn_max_age=int(os.getenv("MINGJING_DB_CONN_MAX_AGE", "60")), conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out account or address before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "console:data"
LOGOUT_REDIRECT_URL = "login"

# Sign-in hardening (mingjing/accounts/). Failed sign-ins lock the account name (from any
# address) and the client address (for any account name) for a while; the lockout ends when the
# page says it does, further attempts do not extend it.
LOGIN_FAILURES = int(os.getenv("MINGJING_LOGIN_FAILURES", "5"))
LOCKOUT_MINUTES = int(os.getenv("MINGJING_LOCKOUT_MINUTES", "15"))
AXES_FAILURE_LIMIT = LOGIN_FAILURES
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "mingjing.accounts.signin_views.lockout"
AXES_VERBOSE = False
# Behind N reverse proxies the client's address is taken from X-Forwarded-For (never otherwise:
# a client could forge it to dodge the per-address lockout).
if PROXY_COUNT := int(os.getenv("MINGJING_PROXY_COUNT", "0")):
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# Sessions end after SESSION_COOKIE_AGE whatever happens, and after SESSION_IDLE_SECONDS without
# a request (accounts/middleware.py).
SESSION_COOKIE_AGE = int(float(os.getenv("MINGJING_SESSION_HOURS", "8")) * 3600)
SESSION_IDLE_SECONDS = int(float(os.getenv("MINGJING_SESSION_IDLE_MINUTES", "30")) * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Second factor (TOTP, django-otp): optional for everyone; required of county roles when set.
REQUIRE_TOTP_FOR_COUNTY = envbool("MINGJING_REQUIRE_TOTP_FOR_COUNTY")
OTP_TOTP_ISSUER = "明镜 Mingjing"
# API tokens expire after this many days unless created with another lifetime.
API_TOKEN_DAYS = int(os.getenv("MINGJING_API_TOKEN_DAYS", "90"))

LANGUAGE_CODE = os.getenv("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "mingjing" / "locale"]
TIME_ZONE = os.getenv("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = HOME / "static"
MEDIA_ROOT = HOME / "media"  # alert attachments
MEDIA_URL = "/media/"

# Uploads go to disk, never to memory: payment rolls are hundreds of megabytes.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_TEMP_DIR = str(STAGING_DIR)
# A staff sheet with more rows than this is refused before any row is judged.
STAFF_MAX_ROWS = int(os.getenv("MINGJING_STAFF_MAX_ROWS", "5000"))

TASKS = {
    "default": {
        "BACKEND": os.getenv("MINGJING_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.getenv("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.getenv("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "mingjing@localhost")
# Group robots (DingTalk / WeCom) that receive alert notifications, comma separated URLs.
WEBHOOK_URLS = [u for u in os.getenv("MINGJING_WEBHOOK_URLS", "").split(",") if u]
BASE_URL = os.getenv("MINGJING_BASE_URL", "http://127.0.0.1:8000")
# A witness outside this server keeps a copy of the audit trail's daily checkpoint (mingjing/audit):
# a URL that receives it as a JSON POST, and/or e-mail addresses (comma separated).
AUDIT_WITNESS_URL = os.getenv("MINGJING_AUDIT_WITNESS_URL", "")
AUDIT_WITNESS_EMAILS = [a.strip() for a in os.getenv("MINGJING_AUDIT_WITNESS_EMAIL", "").split(",") if a.strip()]

# DuckDB, used to sort a batch into its final Parquet file (and later to run problem models).
DUCKDB_MEMORY_LIMIT = os.getenv("MINGJING_DUCKDB_MEMORY_LIMIT", "1GB")
DUCKDB_THREADS = int(os.getenv("MINGJING_DUCKDB_THREADS", "2"))
# Detection runs: DuckDB's memory for one model, and the Spark master for `--engine spark`.
ENGINE_MEMORY_LIMIT = os.getenv("MINGJING_ENGINE_MEMORY_LIMIT", "4GB")
SPARK_MASTER = os.getenv("MINGJING_SPARK_MASTER", "local[2]")
# Problem models: the built-in rule files, or a county's own folder of them.
RULES_DIR = Path(os.getenv("MINGJING_RULES_DIR", BASE_DIR / "engine" / "rules"))

# The villager portal (mingjing/portal/). Self-lookup: failures per ID number before it is locked,
# for how long, and lookups per client (a hashed address, kept in the cache only) per minute.
PORTAL_FILES_DIR = HOME / "portal"
PORTAL_LOOKUP_FAILURES = int(os.getenv("MINGJING_PORTAL_LOOKUP_FAILURES", "5"))
PORTAL_LOOKUP_LOCK_MINUTES = int(os.getenv("MINGJING_PORTAL_LOOKUP_LOCK_MINUTES", "30"))
# The first period ("YYYY-MM") the disclosure sweep holds villages to; empty: the earliest published.
PORTAL_DISCLOSURE_START = os.getenv("MINGJING_PORTAL_DISCLOSURE_START", "")
PORTAL_LOOKUPS_PER_MINUTE = int(os.getenv("MINGJING_PORTAL_LOOKUPS_PER_MINUTE", "10"))
# Subscribers' messages: an SMS gateway (JSON POST) and/or WeChat's subscribe-message API; with
# neither, messages stay in the outbox staff can read (/console/portal/outbox/).
PORTAL_SMS_URL = os.getenv("MINGJING_SMS_URL", "")
PORTAL_SMS_TOKEN = os.getenv("MINGJING_SMS_TOKEN", "")
PORTAL_WECHAT_URL = os.getenv("MINGJING_WECHAT_URL", "")  # e.g. https://api.weixin.qq.com/cgi-bin/message/subscribe/send
PORTAL_WECHAT_TOKEN = os.getenv("MINGJING_WECHAT_ACCESS_TOKEN", "")
PORTAL_WECHAT_TEMPLATE = os.getenv("MINGJING_WECHAT_TEMPLATE_ID", "")
# Posters: a font with Chinese glyphs to embed in the PDF (default: Debian's fonts-noto-cjk).
PORTAL_PDF_FONT = os.getenv("MINGJING_PDF_FONT", "")

# 监督一点通 (mingjing/complaints): matters outside discipline work are transferred to another body
# through its webhook: MINGJING_TRANSFER_WEBHOOKS='{"12345": "https://…", "网格平台": "https://…"}'.
COMPLAINT_TRANSFER_WEBHOOKS: dict[str, str] = json.loads(os.getenv("MINGJING_TRANSFER_WEBHOOKS", "{}") or "{}")
COMPLAINT_FILINGS_PER_HOUR = int(os.getenv("MINGJING_COMPLAINT_FILINGS_PER_HOUR", "5"))  # per client
COMPLAINT_LOOKUPS_PER_MINUTE = int(os.getenv("MINGJING_COMPLAINT_LOOKUPS_PER_MINUTE", "10"))  # per client
COMPLAINT_LOOKUP_FREE_FAILURES = int(os.getenv("MINGJING_COMPLAINT_LOOKUP_FREE_FAILURES", "3"))  # per reference
# Where public rate limits keep their counts and rendered public pages are kept: Redis shared by
# every server process when MINGJING_REDIS_URL is set (production: several workers), else each
# process's own memory.
CACHES: dict[str, dict[str, object]]
if REDIS_URL := os.getenv("MINGJING_REDIS_URL", ""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "mingjing"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "mingjing",
                          "OPTIONS": {"MAX_ENTRIES": 10_000}}}  # the public pages of a county fit

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "file": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(LOG_DIR / "mingjing.log"),
            "formatter": "plain",
        },
    },
    "loggers": {
        "mingjing": {"handlers": ["file"], "level": "INFO"},
        "django_tasks": {"handlers": ["file"], "level": "INFO"},
    },
}
