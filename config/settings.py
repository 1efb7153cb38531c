"""SalesCore settings. Everything that differs between installs comes from the environment.

Variables: DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, TIME_ZONE,
LANGUAGE_CODE, DEFAULT_CURRENCY, REDIS_URL, HTTPS, EMAIL_URL-style settings (EMAIL_HOST ...).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_str,
    env_timezone,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SALESCORE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
HTTPS = env_bool("HTTPS", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        if len(key) < 50 or len(set(key)) < 5:
            raise ImproperlyConfigured(
                "SECRET_KEY is too weak: use at least 50 random characters "
                "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
            )
        return key
    if HTTPS:
        raise ImproperlyConfigured("SECRET_KEY must be set in the environment when HTTPS=1.")
    # The embedded install keeps a key generated once on this machine, never in the repo.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "salescore.core",
    "salescore.accounts",
    "salescore.org",
    "salescore.customers",
    "salescore.catalog",
    "salescore.pipeline",
    "salescore.leads",
    "salescore.campaigns",
    "salescore.imports",
    "salescore.orders",
    "salescore.service",
    "salescore.planning",
    "salescore.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "salescore.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "salescore.core.middleware.AuditContextMiddleware",
    "salescore.core.middleware.ApplicationErrorMiddleware",
    "salescore.core.middleware.HtmxLoginRedirectMiddleware",
    "salescore.core.middleware.ApiErrorShapeMiddleware",
    "salescore.core.middleware.ApiNulCharacterMiddleware",
]
# make bench: each response carries its SQL query count and time (salescore/core/querycount.py),
# first in the chain so the other middlewares' queries count too. Off everywhere else.
SALESCORE_BENCH = env_bool("SALESCORE_BENCH", False)
if SALESCORE_BENCH:
    MIDDLEWARE.insert(0, "salescore.core.querycount.QueryCountMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "salescore.core.context_processors.navigation",
            ],
        },
    },
]

# Django's form templates, with select boxes written in Python (a list's filter bar renders
# hundreds of options per request): salescore/core/forms_renderer.py.
FORM_RENDERER = "salescore.core.forms_renderer.Renderer"

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'salescore.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["salescore.accounts.backends.LockoutModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "salescore.accounts.validators.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "salescore.accounts.validators.CharacterClassValidator"},
]
# Lockout: this many failed logins in a row lock the account for LOGIN_LOCKOUT_MINUTES.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)

# Internationalisation: Simplified Chinese first, English beside it.
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "zh-hans", ["zh-hans", "en"])
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_timezone("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# planning.DailyFigure's indexes carry the summed value for index-only reads on PostgreSQL; SQLite
# has no such indexes and builds them without it, which is all this warning says.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
LANGUAGE_COOKIE_NAME = "salescore_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
DEFAULT_CURRENCY = env_str("DEFAULT_CURRENCY", "CNY") or "CNY"
if len(DEFAULT_CURRENCY) != 3 or not DEFAULT_CURRENCY.isalpha() or not DEFAULT_CURRENCY.isupper():
    raise ImproperlyConfigured(f"DEFAULT_CURRENCY={DEFAULT_CURRENCY!r} is not an ISO-4217 code such as CNY.")

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = BASE_DIR / "node_modules"
# Front-end libraries come from npm (package.json); only the files the pages load are published.
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    # echarts.min.js only, published by scripts/vendor_assets.py (dist/ is 51 MB of other builds).
    ("vendor/echarts", NODE_MODULES / ".salescore" / "echarts"),
    # Noto Sans SC, regular and bold woff2 only, published by scripts/vendor_assets.py.
    ("vendor/fonts", NODE_MODULES / ".salescore" / "fonts"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security. HTTPS=1 is the production switch: secure cookies, HSTS and redirect.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12, minimum=300)
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Background work: Celery on Redis when REDIS_URL is set, otherwise tasks run in-process.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE = {
    "people-deactivate-departed": {
        "task": "salescore.org.tasks.people_deactivate_departed",
        "schedule": 60 * 60 * 24,
    },
    "leads-flag-overdue": {
        "task": "salescore.leads.tasks.leads_flag_overdue",
        "schedule": 60 * 15,
    },
    "followups-remind": {
        "task": "salescore.pipeline.tasks.followups_remind",
        "schedule": crontab(hour=8, minute=0),
    },
    "customers-pool-sweep": {
        "task": "salescore.customers.tasks.pool_sweep",
        "schedule": crontab(hour=2, minute=30),
    },
    "orders-deliveries-flag": {
        "task": "salescore.orders.tasks.deliveries_flag",
        "schedule": crontab(hour=7, minute=30),
    },
    "orders-payments-remind": {
        "task": "salescore.orders.tasks.payments_remind",
        "schedule": crontab(hour=8, minute=15),
    },
    "orders-receivables-refresh": {
        "task": "salescore.orders.tasks.receivables_refresh",
        "schedule": 60,
    },
    "pipeline-board-counts-refresh": {
        "task": "salescore.pipeline.tasks.board_counts_refresh",
        "schedule": 60,
    },
    "planning-figures-refresh": {
        "task": "salescore.planning.tasks.figures_refresh",
        "schedule": 60,
    },
    "planning-targets-warn": {
        "task": "salescore.planning.tasks.targets_warn",
        "schedule": crontab(hour=7, minute=0),
    },
    "service-sla-watch": {
        "task": "salescore.service.tasks.sla_watch",
        "schedule": 60 * 10,
    },
    "service-return-visits-schedule": {
        "task": "salescore.service.tasks.return_visits_schedule",
        "schedule": 60 * 60,
    },
}

# Mail: console by default; set EMAIL_HOST to send through SMTP.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "salescore@localhost")
# The address people reach SalesCore at, for links in e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000") or "http://127.0.0.1:8000"

NINJA_PAGINATION_MAX_LIMIT = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice("LOG_LEVEL", "info", ["debug", "info", "warning", "error"]).upper(),
    },
}
