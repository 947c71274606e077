"""Settings, read from the environment.

Three ways to run:
- development (`make dev`): nothing set; DEBUG is on and a SQLite file is used.
- the demo (`make run`): DEMO=1 with DEBUG off: the app as its users see it (the Thai error
  pages, static files through WhiteNoise, gunicorn), on the SQLite file, with demo logins.
- production: DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and a PostgreSQL DATABASE_URL; a missing
  SECRET_KEY stops start-up rather than running with a guessable key, and DEMO is refused.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
import fontpkg_sarabun
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
# The demo: demo logins with a published password (seed_demo), a demo secret key, plain http on
# this machine. Only with the embedded SQLite file and on loopback, so that production, which
# runs PostgreSQL behind a public host name, cannot be started as a demo by mistake.
DEMO = env_bool("DEMO", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEMO:
    SECRET_KEY = "demo-only-key-the-demo-is-refused-anywhere-but-on-this-machine"
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off the app refuses to start without a secret key: "
            "set the SECRET_KEY environment variable to a long random string, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    SECRET_KEY = "development-only-key-never-used-in-production-songkhla-network"

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if (DEBUG or DEMO) and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = LOOPBACK_HOSTS

INSTALLED_APPS = [
    "songkhla_network.apps.SongkhlaNetworkConfig",
    "groups.apps.GroupsConfig",
    "enterprise.apps.EnterpriseConfig",
    "housing.apps.HousingConfig",
    "rent_collection.apps.RentCollectionConfig",
    "works.apps.WorksConfig",
    "network.apps.NetworkConfig",
    "songkhla_network.apps.ThaiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "simple_history",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, which answers for static files itself; above the rest, to compress the
    # page they made.
    "songkhla_network.middleware.PageGZipMiddleware",
    "songkhla_network.middleware.NoStoreMiddleware",
    "songkhla_network.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Inside the session, the language, the user and the page's CSP, which its page uses.
    "songkhla_network.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "songkhla_network.middleware.IdleSessionMiddleware",
    "songkhla_network.two_factor.SecondFactorMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the Thai lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "songkhla_network.roles.context_processor",
            ],
            "builtins": ["songkhla_network.templatetags.thai"],
        },
    },
    # The treasurer's busiest pages (songkhla_network/jinja.py): files named .jinja, in jinja2/.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "songkhla_network.jinja.environment",
            "context_processors": [
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "songkhla_network.roles.context_processor",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several people at once on the SQLite file (`make run`): readers never wait for a writer
    # (WAL), a write transaction takes the lock when it begins rather than failing half-way when
    # it first writes (IMMEDIATE), and a second writer waits up to 20 s for it (busy timeout)
    # instead of answering "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
if DEMO:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        raise ImproperlyConfigured(
            "DEMO is on with a database other than the embedded SQLite file. The demo creates logins "
            "whose password is published in the README: it is refused on a real database. Unset DEMO."
        )
    if set(ALLOWED_HOSTS) - set(LOOPBACK_HOSTS):
        raise ImproperlyConfigured(
            "DEMO is on with ALLOWED_HOSTS naming another host than this machine. The demo's logins and "
            "secret key are published: it serves only 127.0.0.1. Unset DEMO."
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "songkhla_network.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a sign-in from a username and address that failed too often of late.
    "axes.backends.AxesStandaloneBackend",
    "songkhla_network.roles.RoleBackend",
]
# Sign-in throttling: after 5 failures for a username from one address, 15 minutes' wait.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Lockouts end by themselves; `manage.py axes_reset_username NAME` ends one at once. Its admin
# pages (in English only) stay out of the Thai admin.
AXES_ENABLE_ADMIN = False
AXES_LOCKOUT_CALLABLE = "songkhla_network.views.locked_out"
AXES_USERNAME_CALLABLE = "songkhla_network.views.axes_username"
# The client's address, as the web server in front writes it: nginx sets X-Forwarded-For to the
# client's address alone (docs/DEPLOY.md), so no client can choose its own. PROXY_COUNT counts
# further proxies listed in that header (a load balancer in front of nginx, say).
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
# Leaders' second factor (django-otp, songkhla_network/two_factor.py): the name the authenticator
# app shows beside the code. A wrong code doubles the wait before the next try (1, 2, 4... s).
OTP_TOTP_ISSUER = "เครือข่ายพัฒนาเมืองสงขลา"
OTP_TOTP_THROTTLE_FACTOR = 1
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Thai first: the interface, dates (shown in the Buddhist Era) and the time of day in Songkhla.
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai"))]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True
# The project's own strings, then the Thai messages Django's own catalog lacks.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_django"]

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("fonts/sarabun", str(fontpkg_sarabun.ROOT / "files")),
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
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

CSRF_FAILURE_VIEW = "songkhla_network.views.csrf_failure"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# A sheet has one field per member; a big group must still fit.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, each request's read by a statement written out (issue 16).
SESSION_ENGINE = "songkhla_network.sessions"
# Phones are shared: a session ends after half an hour without use, and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style anywhere: every script and stylesheet is a file the app serves.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # The service worker that keeps the month's sheets for a meeting without a signal (/sw.js).
        "worker-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

if not DEBUG and not DEMO:
    # Behind a TLS-terminating web server (see README): trust its X-Forwarded-Proto header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The health check answers a load balancer or monitor over plain HTTP too.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
