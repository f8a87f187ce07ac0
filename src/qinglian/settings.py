"""Qinglian settings: one file, driven by environment variables with working defaults.

See the README's "Configuration" table for every variable. A malformed value stops start-up with a
message that names it (qinglian.core.env).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

from qinglian.core.env import (
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
    redis_url,
)

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(env_str("QINGLIAN_DATA_DIR") or BASE_DIR / "data").resolve()
TESTING = env_bool("QINGLIAN_TESTING", False)

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_secret("SECRET_KEY", keep_in=DATA_DIR / "secret_key" if DEBUG else None, required=not DEBUG)
# Separate keys for the audit chain's MAC and for field encryption: neither is derived from
# SECRET_KEY, so rotating session signing never breaks the chain or the encrypted columns.
AUDIT_KEY = env_secret("QINGLIAN_AUDIT_KEY", keep_in=DATA_DIR / "audit_key" if DEBUG else None, required=not DEBUG)
DATA_KEY = env_secret("QINGLIAN_DATA_KEY", keep_in=DATA_DIR / "data_key" if DEBUG else None, required=not DEBUG)
# The key that wraps each sealed record's own key (a reporter's identity): envelope encryption, with this key kept
# outside the database and apart from the data key, so that neither a copy of the database nor the data key opens it.
SEALED_KEY = env_secret("QINGLIAN_SEALED_KEY", keep_in=DATA_DIR / "sealed_key" if DEBUG else None, required=not DEBUG)
CRYPTO_SUITE = env_choice("QINGLIAN_CRYPTO", "intl", ("intl", "gm"))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "qinglian.core",
    "qinglian.accounts",
    "qinglian.reports",
    "qinglian.orgs",
    "qinglian.rectification",
    "qinglian.orglife",
    "qinglian.duties",
    "qinglian.study",
    "qinglian.risks",
    "qinglian.discipline",
    "qinglian.evaluation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "qinglian.accounts.middleware.SessionExpiryMiddleware",
    "qinglian.accounts.middleware.TwoFactorRequiredMiddleware",
    "qinglian.orgs.middleware.ScopeMiddleware",
    "axes.middleware.AxesMiddleware",
    # Late, so that its refusal is a full page in the reader's language; before any view reads the body.
    "qinglian.core.uploads.UploadLimitMiddleware",
    "qinglian.core.middleware_db.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "qinglian.urls"
WSGI_APPLICATION = "qinglian.wsgi.application"

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
                "csp.context_processors.nonce",
                "qinglian.core.context_processors.shell",
                "qinglian.orgs.context_processors.scope",
            ],
        },
    }
]

# Database: SQLite in the data folder unless DATABASE_URL names another.
DATABASES = {"default": database_from_url(env_str("DATABASE_URL"), sqlite_default=DATA_DIR / "qinglian.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and queue: local memory and the database unless REDIS_URL is set.
REDIS_URL = redis_url("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    INSTALLED_APPS += ["django_rq"]
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "qinglian"}}
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
if env_bool("QINGLIAN_TASKS_IMMEDIATE", False):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Accounts and security policy. Each number is a setting so that an agency's 等保 policy can be
# met without touching code.
AUTH_USER_MODEL = "auth.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LDAP_SERVER_URI = env_str("LDAP_SERVER_URI")
if LDAP_SERVER_URI:
    try:
        import ldap  # noqa: F401
        from django_auth_ldap.config import LDAPSearch
    except ImportError:
        raise ImproperlyConfigured(
            "LDAP_SERVER_URI is set but LDAP support is not installed: pip install 'qinglian[ldap]'."
        ) from None
    import ldap as _ldap

    AUTH_LDAP_SERVER_URI = LDAP_SERVER_URI
    AUTH_LDAP_BIND_DN = env_str("LDAP_BIND_DN")
    AUTH_LDAP_BIND_PASSWORD = env_str("LDAP_BIND_PASSWORD")
    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        env_str("LDAP_USER_BASE", "ou=people,dc=example,dc=org"),
        _ldap.SCOPE_SUBTREE,
        env_str("LDAP_USER_FILTER", "(uid=%(user)s)"),
    )
    AUTH_LDAP_USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
    AUTHENTICATION_BACKENDS.insert(1, "django_auth_ldap.backend.LDAPBackend")

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 8, minimum=6)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
# Lock the login name, not the address: a whole agency often sits behind one NAT address, and
# locking it would shut out every colleague because of one person's typos.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_CALLABLE = "qinglian.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False

TWO_FACTOR_REQUIRED = env_bool("QINGLIAN_2FA_REQUIRED", True)
OTP_TOTP_ISSUER = "Qinglian"

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
# The age above is an idle timeout: SessionExpiryMiddleware renews it (a write at most once a
# minute, not on every request, which cost a database write per page).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "qinglian.core.views.csrf_failure"
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 365, minimum=1)

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: scripts only from this server, inline ones only with the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        # htmx and ECharts set element styles from script; attribute styles need this.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Mail: printed to the console in development; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "qinglian@localhost")

# Language: Chinese first, English complete.
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "zh-hans", ("zh-hans", "en"))
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "django_language"
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("QINGLIAN_STATIC_DIR") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it even before collectstatic
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
# Uploads are kept by a storage that turns a full disk into a clear refusal and leaves no half-written file.
STORAGES = {
    "default": {"BACKEND": "qinglian.core.uploads.MediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not DEBUG:
    # Hashed, compressed copies made by collectstatic (run by `qinglian serve`), cached forever.
    STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("QINGLIAN_MEDIA_DIR") or DATA_DIR / "media")
EXPORT_DIR = DATA_DIR / "exports"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("UPLOAD_MAX_MB", 25, minimum=1) * 1024 * 1024
# A request carrying files is refused (413) once it is larger than this, before its body is read.
FILE_UPLOAD_MAX_SIZE = env_int("UPLOAD_FILE_MAX_MB", 50, minimum=1) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "qinglian.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# A spreadsheet to import may unpack to at most this much (see reports.xlsx.package_check).
XLSX_MAX_UNPACKED = env_int("XLSX_MAX_UNPACKED_MB", 600, minimum=1) * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"django_tasks": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

MESSAGE_TAGS = {40: "danger"}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
