"""Yishi settings: one module, configured by environment variables (see README and docs/deploy.md).

YISHI_ENV        development (default) | production
YISHI_SECRET_KEY required in production
YISHI_ALLOWED_HOSTS  comma-separated, required in production
DATABASE_URL     default: SQLite file var/yishi.sqlite3
REDIS_URL        optional: cache (and rate limits) in Redis instead of local memory
YISHI_*          the rest, documented where they are read below
"""

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("YISHI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


YISHI_ENV = os.environ.get("YISHI_ENV", "development")
PRODUCTION = YISHI_ENV == "production"
TESTING = "pytest" in sys.modules or os.environ.get("YISHI_TESTING") == "1"

DEBUG = env_bool("YISHI_DEBUG", default=not PRODUCTION and not TESTING)

if PRODUCTION:
    SECRET_KEY = os.environ["YISHI_SECRET_KEY"]
    ALLOWED_HOSTS = env_list("YISHI_ALLOWED_HOSTS")
else:
    SECRET_KEY = os.environ.get(
        "YISHI_SECRET_KEY", "development-only-secret-key-never-use-in-production-0123456789"
    )
    ALLOWED_HOSTS = env_list("YISHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "yishi.core.apps.YishiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "csp",
    "ninja",
    "yishi.core",
    # After core, whose db_worker command (one that survives a database restart) replaces it.
    "django_tasks_db",
    "yishi.voting",
    "yishi.opinions",
    "yishi.deputies",
    "yishi.councils",
    "yishi.projects",
    "yishi.finance",
    "yishi.oversight",
    # After the apps that publish residents' texts: its demo moderates what theirs created.
    "yishi.moderation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yishi.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "yishi.core.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "yishi.urls"
WSGI_APPLICATION = "yishi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "yishi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yishi.core.context_processors.site",
            ],
        },
    },
]

# Database: SQLite by default (WAL, immediate transactions so writers queue instead of failing
# with "database is locked"); PostgreSQL through DATABASE_URL.
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'yishi.sqlite3'}"),
        conn_max_age=int(os.environ.get("YISHI_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, for tests too: concurrency tests open one connection per thread.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-yishi.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # secure_delete: deleted rows (personal data erased on request, sessions, tasks) are
        # overwritten, not left readable in the file's free pages.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA secure_delete=ON;"
        ),
    }
elif TESTING:
    # Test databases only: a commit does not wait for the WAL to reach the disk (nothing outlives
    # the run), which speeds up the many committing browser, concurrency and demo-restoring tests.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["yishi.core.auth_backends.MobileBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:workspace"
LOGOUT_REDIRECT_URL = "core:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests that check hashing set it back explicitly.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Chinese first, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "yishi" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
# Our locale format overrides (a date field's value in ISO form on the Chinese pages too).
FORMAT_MODULE_PATH = ["yishi.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("YISHI_MEDIA_ROOT", VAR_DIR / "media"))
# Uploaded files go out through yishi.core.media, which checks who may see them; with this set
# (the prefix of nginx's `internal` location for MEDIA_ROOT) nginx sends the bytes.
YISHI_MEDIA_ACCEL_REDIRECT = os.environ.get("YISHI_MEDIA_ACCEL_REDIRECT", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Two installations sharing one Redis (a district's training copy beside its production, a
# benchmark beside a test run) keep apart by their prefixes.
CACHES["default"]["KEY_PREFIX"] = os.environ.get("YISHI_CACHE_PREFIX", "")

# Background work: django-tasks with the database backend (worker: `manage.py db_worker`).
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "YISHI_TASK_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
        "QUEUES": ["default"],
    }
}

# Mail: console in development, SMTP in production (YISHI_EMAIL_HOST etc.).
DEFAULT_FROM_EMAIL = os.environ.get("YISHI_DEFAULT_FROM_EMAIL", "yishi@localhost")
if os.environ.get("YISHI_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["YISHI_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("YISHI_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("YISHI_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("YISHI_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("YISHI_EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# SMS: console backend prints codes in the server's terminal; a real gateway is configured with
# YISHI_SMS_BACKEND=yishi.core.sms.HttpGatewayBackend and the YISHI_SMS_GATEWAY_* settings.
YISHI_SMS_BACKEND = os.environ.get(
    "YISHI_SMS_BACKEND",
    "yishi.core.sms.LocmemBackend" if TESTING else "yishi.core.sms.ConsoleBackend",
)
YISHI_SMS_GATEWAY_URL = os.environ.get("YISHI_SMS_GATEWAY_URL", "")
YISHI_SMS_GATEWAY_TOKEN = os.environ.get("YISHI_SMS_GATEWAY_TOKEN", "")
YISHI_SMS_SIGNATURE = os.environ.get("YISHI_SMS_SIGNATURE", "议事")
# Notices by text message (yishi/core/notifications.py): at most this many a person a day (the
# inbox still gets all), none between the quiet hours' start and end (hours, Asia/Shanghai):
# those are held back and sent at the end of quiet hours.
YISHI_SMS_DAILY_LIMIT = int(os.environ.get("YISHI_SMS_DAILY_LIMIT", "5"))
YISHI_QUIET_HOURS_START = int(os.environ.get("YISHI_QUIET_HOURS_START", "22"))
YISHI_QUIET_HOURS_END = int(os.environ.get("YISHI_QUIET_HOURS_END", "8"))

# Moderation (docs/moderation.md): with YISHI_MODERATION_AUTO_APPROVE=1 the district lets a
# resident's text with no listed sensitive word through at once (personal data still masked);
# by default every text waits for a moderator of its street.
YISHI_MODERATION_AUTO_APPROVE = env_bool("YISHI_MODERATION_AUTO_APPROVE", False)
# An e-mail address is added by following a signed link mailed to it, valid this long.
YISHI_EMAIL_CONFIRM_DAYS = int(os.environ.get("YISHI_EMAIL_CONFIRM_DAYS", "3"))

# Online receptions (云接待): "local" is a text conversation in the platform; "external" sends the
# resident and the deputy to a video provider's meeting at YISHI_RECEPTION_ROOM_URL, a template
# with {session} and {booking} (see yishi/deputies/rooms.py).
YISHI_RECEPTION_ROOM = os.environ.get("YISHI_RECEPTION_ROOM", "local")
YISHI_RECEPTION_ROOM_URL = os.environ.get("YISHI_RECEPTION_ROOM_URL", "")

# Council meetings' live streams and recordings (智汇人大) are embedded from these hosts and shown
# as a plain link from any other; the meeting page adds them to its own CSP frame-src.
YISHI_VIDEO_EMBED_HOSTS = [h.strip() for h in os.environ.get(
    "YISHI_VIDEO_EMBED_HOSTS", "player.bilibili.com,live.xihu.gov.cn,video.xihu.gov.cn"
).split(",") if h.strip()]

# Sign-in protection (yishi/core/signin.py): failures within the lockout time, counted per number
# from one source address, per number from anywhere (higher), and per source across numbers.
YISHI_LOGIN_MAX_FAILURES = int(os.environ.get("YISHI_LOGIN_MAX_FAILURES", "5"))
YISHI_LOGIN_MAX_FAILURES_PER_NUMBER = int(
    os.environ.get("YISHI_LOGIN_MAX_FAILURES_PER_NUMBER", "20"))
YISHI_LOGIN_MAX_FAILURES_PER_SOURCE = int(
    os.environ.get("YISHI_LOGIN_MAX_FAILURES_PER_SOURCE", "50"))
# Proxies in front of the app that append to X-Forwarded-For (1 behind one nginx).
YISHI_TRUSTED_PROXY_COUNT = int(os.environ.get("YISHI_TRUSTED_PROXY_COUNT", "0"))
# Audit checkpoints (yishi/core/checkpoints.py): every YISHI_AUDIT_CHECKPOINT_MINUTES the periodic
# worker signs the chain head with YISHI_AUDIT_SIGNING_KEY (Ed25519, base64 of the 32-byte private
# key; `manage.py audit_signing_key` makes one) and appends it to YISHI_AUDIT_CHECKPOINT_FILE.
# Without a key, development derives one from SECRET_KEY; production publishes nothing without one
# (the job fails loudly in the worker log).
YISHI_AUDIT_SIGNING_KEY = os.environ.get("YISHI_AUDIT_SIGNING_KEY", "")
YISHI_AUDIT_CHECKPOINT_FILE = os.environ.get(
    "YISHI_AUDIT_CHECKPOINT_FILE",
    # Tests publish checkpoints of their own databases: never into the development file.
    str(VAR_DIR / ("test-audit-checkpoints.jsonl" if TESTING else "audit-checkpoints.jsonl")))
YISHI_AUDIT_CHECKPOINT_MINUTES = int(os.environ.get("YISHI_AUDIT_CHECKPOINT_MINUTES", "60"))
# Finished background tasks (their arguments name people) are deleted after this long.
YISHI_TASK_RESULTS_KEEP_MINUTES = int(os.environ.get("YISHI_TASK_RESULTS_KEEP_MINUTES", "60"))
# A task claimed by a worker and still running after this long is taken to be abandoned (the
# worker was killed) and put back in the queue; every task must finish well within it.
YISHI_TASK_LEASE_SECONDS = int(os.environ.get("YISHI_TASK_LEASE_SECONDS", "600"))
YISHI_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("YISHI_LOGIN_LOCKOUT_MINUTES", "15"))
YISHI_CODE_VALID_MINUTES = int(os.environ.get("YISHI_CODE_VALID_MINUTES", "5"))
YISHI_CODE_RESEND_SECONDS = int(os.environ.get("YISHI_CODE_RESEND_SECONDS", "60"))

# Uploads.
YISHI_UPLOAD_MAX_BYTES = int(os.environ.get("YISHI_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
YISHI_IMAGE_MAX_PIXELS = int(os.environ.get("YISHI_IMAGE_MAX_PIXELS", str(40_000_000)))
DATA_UPLOAD_MAX_MEMORY_SIZE = YISHI_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

YISHI_DISTRICT_CODE = os.environ.get("YISHI_DISTRICT_CODE", "330106")

OTP_TOTP_ISSUER = os.environ.get("YISHI_TOTP_ISSUER", "Yishi 议事")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Our own lockout (yishi.core.signin) counts TOTP failures; django-otp's extra back-off would
# refuse a correct code typed right after a typo.
OTP_TOTP_THROTTLE_FACTOR = 0

SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "yishi.core.error_views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy: everything from our own origin; nothing from the internet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "img-src": [SELF, "data:"],
        "script-src": [SELF],
        "style-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("YISHI_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("YISHI_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("YISHI_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env_list("YISHI_CSRF_TRUSTED_ORIGINS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("YISHI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

YISHI_SITE_NAME = _("Yishi")

# The address people use to reach the site, for links in texts, mails and QR codes. The default
# is where `make run` serves (it passes its own HOST and PORT).
YISHI_PUBLIC_URL = os.environ.get("YISHI_PUBLIC_URL", "http://127.0.0.1:8000")
# The address outside case systems send their reports back to (docs/opinions.md, hand-off):
# the public address unless they reach the platform another way (a government intranet).
YISHI_SITE_URL = os.environ.get("YISHI_SITE_URL", YISHI_PUBLIC_URL)

# The home page's "open now": each section is read from an app's queries.py by its dotted path
# (core imports no app), `(user) -> [{"title", "url", "meta"}]`. Personal sections depend on who
# is signed in; the rest, and the headline figures, are the same for every visitor and cached
# for YISHI_HOME_CACHE_SECONDS (a short time rather than invalidation: a new ballot or meeting
# shows within a minute, and no app has to know about the home page's cache).
YISHI_HOME_SECTIONS = [
    {"key": "ballots", "title": _("Ballots open now"), "personal_title": _("Ballots you may vote in"),
     "query": "yishi.voting.queries.home_open_ballots", "more": "voting:list", "personal": True},
    {"key": "projects", "title": _("Projects open for proposals or objections"),
     "query": "yishi.projects.queries.home_open_cycles", "more": "projects:overview"},
    {"key": "meetings", "title": _("Upcoming council meetings"),
     "query": "yishi.councils.queries.home_upcoming_meetings", "more": "councils:calendar"},
    {"key": "receptions", "title": _("Receptions with free places"),
     "query": "yishi.deputies.queries.home_open_receptions", "more": "deputies:stations"},
    {"key": "ratings", "title": _("Your opinions awaiting your rating"), "signed_in_only": True,
     "query": "yishi.opinions.queries.home_awaiting_rating", "more": "opinions:mine",
     "personal": True},
]
YISHI_HOME_FIGURES = [
    "yishi.opinions.queries.home_figures", "yishi.projects.queries.home_figures",
    "yishi.voting.queries.home_figures", "yishi.deputies.queries.home_figures",
]
# A street's page links to what the apps hold for it: `(street) -> {"label", "detail", "url"}`
# or None when the street has none (no dead ends).
YISHI_STREET_LINKS = [
    "yishi.councils.queries.street_link", "yishi.deputies.queries.street_link",
    "yishi.projects.queries.street_link", "yishi.opinions.queries.street_link",
]
YISHI_HOME_CACHE_SECONDS = int(os.environ.get("YISHI_HOME_CACHE_SECONDS", "60"))

# The footer of a Chinese government site: who runs it (主办单位), how to reach them, and the
# filing numbers (ICP备案 with MIIT, 公安备案 with the police); an empty number is not shown.
YISHI_ORGANIZER = os.environ.get("YISHI_ORGANIZER", "") or _(
    "Standing Committee of the Xihu District People's Congress, Hangzhou")
YISHI_CONTACT_PHONE = os.environ.get("YISHI_CONTACT_PHONE", "")
YISHI_CONTACT_EMAIL = os.environ.get("YISHI_CONTACT_EMAIL", "")
YISHI_CONTACT_ADDRESS = os.environ.get("YISHI_CONTACT_ADDRESS", "")
YISHI_ICP_NUMBER = os.environ.get("YISHI_ICP_NUMBER", "")
YISHI_PSB_NUMBER = os.environ.get("YISHI_PSB_NUMBER", "")
