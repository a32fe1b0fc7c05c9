"""Tandem settings, read from the environment.

Every value has a safe default for the one-machine install; see docs/configuration.md for the reference.
Secrets that are absent are generated once into the data directory, so a restart keeps sessions and
encrypted tokens valid.
"""

from pathlib import Path

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from tandem.core.bootstrap import build_huey, data_dir_secret, mailer_from_url

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DATA_DIR = Path(env.str("TANDEM_DATA_DIR", default=str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("TANDEM_DEBUG", default=False)
SECRET_KEY = env.str("TANDEM_SECRET_KEY", default="") or data_dir_secret(DATA_DIR / "secret_key", "django")
# Fernet keys, newest first; older keys still decrypt so a rotation never loses a stored token.
ENCRYPTION_KEYS_FROM_ENV = bool(env.list("TANDEM_ENCRYPTION_KEYS", default=[]))
ENCRYPTION_KEYS = (
    env.list("TANDEM_ENCRYPTION_KEYS", default=[])
    or data_dir_secret(DATA_DIR / "encryption_keys", "fernet").split()
)

BASE_URL = env.str("TANDEM_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",
    "tandem.core",
    "tandem.accounts",
    "tandem.workspaces",
    "tandem.hiring",
    "tandem.notifications",
    "tandem.channels",
    "tandem.platforms.sandbox",
    "tandem.content",
    "tandem.moderation",
    "tandem.community",
    "tandem.analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tandem.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "tandem" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tandem.workspaces.context_processors.navigation",
                "tandem.notifications.context_processors.unread_notifications",
            ],
        },
    }
]

# Databases: SQLite in the data dir (WAL, busy timeout, immediate transactions so concurrent writers queue
# instead of failing) unless DATABASE_URL names another database.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'tandem.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
HUEY = build_huey(
    redis_url=REDIS_URL,
    sqlite_path=DATA_DIR / "queue.sqlite3",
    immediate=env.bool("TANDEM_HUEY_IMMEDIATE", default=False),
)

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspaces:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Password guessing: five wrong passwords for one e-mail from one address lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = env.int("TANDEM_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind N reverse proxies, the client's address is taken from X-Forwarded-For (set TANDEM_PROXY_COUNT=N).
TANDEM_PROXY_COUNT = env.int("TANDEM_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "tandem.accounts.client_ip.client_ip"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "tandem" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "tandem" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
MEDIA_ROOT = DATA_DIR / "media"

MAILERS = {"default": mailer_from_url(env.str("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tandem <tandem@localhost>")

# Security headers. Cookies are marked secure whenever the public URL is HTTPS.
HTTPS = BASE_URL.startswith("https://")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("TANDEM_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("TANDEM_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("TANDEM_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env.bool("TANDEM_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("TANDEM_LOG_LEVEL", default="INFO")},
    # The Huey consumer adds its own handler to "huey"; not propagating keeps each line printed once.
    # httpx logs every request URL at INFO, and Telegram's URLs contain the bot token: never log them.
    "loggers": {
        "huey": {"level": "INFO", "propagate": False},
        "axes": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        # WeasyPrint reports each rendering step and fontTools each font it subsets, at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Platform API addresses (changed only to point connectors at a test server or a local Bot API server).
TANDEM_TELEGRAM_API_URL = env.str("TANDEM_TELEGRAM_API_URL", default="https://api.telegram.org")
# How many worker processes may send one burst of due posts together (match the workers you run).
TANDEM_PUBLISH_WORKERS = env.int("TANDEM_PUBLISH_WORKERS", default=4)
# The sandbox's simulated audience comments on published sandbox posts every few minutes (for demos).
TANDEM_SANDBOX_AUDIENCE = env.bool("TANDEM_SANDBOX_AUDIENCE", default=True)
# How long the worker trusts its cached moderation engine before checking for rule or setting changes.
TANDEM_MODERATION_RECHECK_SECONDS = env.float("TANDEM_MODERATION_RECHECK_SECONDS", default=1.0)
# The largest Telegram export the web upload accepts (the command line reads files of any size).
TANDEM_IMPORT_MAX_BYTES = env.int("TANDEM_IMPORT_MAX_BYTES", default=2 * 1024**3)
# A send still running after this many seconds is presumed dead (its worker was killed) and is reconciled.
TANDEM_DELIVERY_LEASE_SECONDS = env.int("TANDEM_DELIVERY_LEASE_SECONDS", default=600)
