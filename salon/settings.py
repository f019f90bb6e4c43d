"""Settings for Salon, read from the environment (django-environ); see .env.example."""

from datetime import timedelta
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured

from salon.converters import ID_SCHEMA
from salon.project_apps import PROJECT_APPS

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-development-only")
else:
    SECRET_KEY = env("SECRET_KEY")  # required: ImproperlyConfigured when missing

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "import_export",
    *PROJECT_APPS,
    "django_htmx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "salon.api.middleware.ApiPathMiddleware",  # before CommonMiddleware's APPEND_SLASH (R73)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "salon.urls"
WSGI_APPLICATION = "salon.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default must take several writers (the web server and the task
    # worker): WAL lets readers run beside a writer, IMMEDIATE takes the write lock
    # at BEGIN so two writers queue instead of failing, and the timeout is the queue.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# The hot statements of the close, the rewards box and the Idempotency-Key are prepared once
# per PostgreSQL session (salon/db.py); false behind a transaction-mode pooler (PgBouncer),
# which can't keep them.
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)

if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    server_settings = []
    # A runaway query is cancelled by PostgreSQL (the API answers 503, nothing changed)
    # before gunicorn's timeout kills the worker. 0 = no limit (migrations, the task worker).
    if statement_timeout_ms := env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=0):
        server_settings.append(f"-c statement_timeout={statement_timeout_ms}")
    if DB_PREPARED_STATEMENTS:
        # A prepared statement runs its generic plan from the first run: each one's is
        # checked (salon/db.py). Left to choose, PostgreSQL kept planning the rewards box's
        # statement on every run for one client (about 1 ms each) and not for another
        # (docs/performance.md, "P1, fifth pass"). Only server-side prepared statements have
        # plans cached; the ORM's queries are planned as they come either way.
        server_settings.append("-c plan_cache_mode=force_generic_plan")
    if server_settings:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(server_settings)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# Storage and static (production)
# Static files are served by the app itself through WhiteNoise (its middleware, right after
# SecurityMiddleware): with DEBUG off, `collectstatic` writes hashed, pre-compressed copies
# that are served with far-future cache headers. Client uploads (R27) go to local disk by
# default or, when AWS_STORAGE_BUCKET_NAME is set, to an S3-compatible bucket through
# django-storages: private objects, and any URL the storage hands out is signed and expires.
# The app streams uploads itself to the staff or client allowed to see them.
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {
        "BACKEND": env(
            "DEFAULT_FILE_STORAGE", default="django.core.files.storage.FileSystemStorage"
        )
    },
    "staticfiles": {
        "BACKEND": env("STATICFILES_STORAGE", default="")
        or (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
if env("AWS_STORAGE_BUCKET_NAME", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
            "location": env("AWS_LOCATION", default="media"),
            "default_acl": "private",
            "signature_version": "s3v4",
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "file_overwrite": False,
        },
    }

PHONENUMBER_DEFAULT_REGION = env("PHONENUMBER_DEFAULT_REGION", default="US")
PHONENUMBER_DB_FORMAT = "E164"

# R82: importing clients and exporting clients or the ledger are the Manager's (SPEC §10):
# django-import-export asks for `<app>.import_<model>` / `export_<model>`, which only the
# Manager group holds (clients.Client and loyalty.PointsEntry declare them).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"

# Uploads (R27)
CLIENT_UPLOAD_MAX_FILES = 20
CLIENT_UPLOAD_MAX_BYTES = env.int("CLIENT_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = CLIENT_UPLOAD_MAX_BYTES + 1024 * 1024

# E-mail (receipts, R49): printed on the console unless a real backend is configured
# (docs/deploy.md: SMTP, or a provider through django-anymail).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Salon <receipts@salon.example>")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

# Text messages (R38-R40)
SMS_BACKEND = env("SMS_BACKEND", default="messaging.backends.console.SMSBackend")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
TWILIO_WEBHOOK_URL = env("TWILIO_WEBHOOK_URL", default="")
CONFIRMATION_HOURS_BEFORE = env.int("CONFIRMATION_HOURS_BEFORE", default=48)
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=5)
SMS_RETRY_SECONDS = env.int("SMS_RETRY_SECONDS", default=60)
# A queued text whose send task is this late gets a new one (requeue_texts, R39).
SMS_STRANDED_AFTER_SECONDS = env.int("SMS_STRANDED_AFTER_SECONDS", default=900)

# Background tasks (texts are sent by them, R39): queued in the database and run by
# `manage.py db_worker` (make worker). The test settings run them immediately.
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}

if env.bool("SECURE_PROXY_SSL", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Audit history (django-simple-history): who changed earning rules, loyalty settings,
# Client Connect features and client records, and when. The middleware hands the request
# to the history rows, so admin and API writes (DRF sets the request's user) name their
# user. Reverting from the history page is off: every write goes through a service.
SIMPLE_HISTORY_REVERT_DISABLED = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "salon.api.query.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "salon.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "salon.api.exceptions.exception_handler",
    # R76: one JSON parser with the limits of strict input (depth, duplicate keys, size).
    "DEFAULT_PARSER_CLASSES": [
        "salon.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "COERCE_DECIMAL_TO_STRING": True,
    # Per client IP for anonymous calls; REMOTE_ADDR unless the app runs behind that many
    # proxies (then the matching X-Forwarded-For entry). 0 = never trust the header.
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "auth_token": env("THROTTLE_RATE_AUTH_TOKEN", default="10/min"),
        "signup": env("THROTTLE_RATE_SIGNUP", default="10/hour"),
        "signup_verify": env("THROTTLE_RATE_SIGNUP_VERIFY", default="20/hour"),
    },
}
# Idempotency-Key (SPEC §11; salon/api/idempotency.py): a used key is honoured this long
# (SPEC: at least 24 h), and a claim whose request has not answered within the timeout is
# taken to belong to a dead request (its work rolled back) and may be claimed again.
IDEMPOTENCY_KEY_RETENTION_HOURS = env.int("IDEMPOTENCY_KEY_RETENTION_HOURS", default=48)
if IDEMPOTENCY_KEY_RETENTION_HOURS < 24:
    raise ImproperlyConfigured("IDEMPOTENCY_KEY_RETENTION_HOURS must be at least 24 (SPEC §11).")
IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS = env.int("IDEMPOTENCY_CLAIM_TIMEOUT_SECONDS", default=120)

# API tokens (R75): a token unused for API_TOKEN_TTL_HOURS expires; each use moves its
# expiry forward (knox's AUTO_REFRESH, at most once a minute per token).
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=720)
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 60,
}

# Browsers' cross-origin calls to the API (R75, django-cors-headers): none allowed unless
# listed (https://app.example.com,…). A web client sends Idempotency-Key and may read the
# replay and retry headers.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (*default_cors_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = ["Idempotent-Replayed", "Retry-After"]

SPECTACULAR_SETTINGS = {
    "TITLE": "Salon API",
    "DESCRIPTION": "Clients, tickets and the Rewards & Referrals program, for the salon's apps.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several choice sets share a field name ("kind", "source"): name each after its model.
    "ENUM_NAME_OVERRIDES": {
        "ItemKindEnum": "catalog.models.ItemKind",
        "FileKindEnum": "clients.models.FileKind",
        "PointsEntryKindEnum": "loyalty.models.EntryKind",
        "ClientSourceEnum": "clients.models.ClientSource",
        "FeedbackSourceEnum": "feedback.models.FeedbackSource",
        "PaymentMethodEnum": "tickets.models.PaymentMethod",
        "PaymentAddMethodEnum": "tickets.api.serializers.DESK_PAYMENT_METHODS",
    },
    # A generated client (R72) needs request bodies without the read-only fields, and the
    # whole-schema rules of salon/api/schema.py (ids, tags, parameters, errors, links).
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "salon.api.schema.postprocess",
    ],
}

# Security (axes, caches)
# The cache holds the API throttle counts (SPEC §11) and django-axes' failed sign-in counts:
# several web processes must share it, so production sets CACHE_URL (Redis, e.g.
# redis://127.0.0.1:6379/0); the default is a per-process memory cache for dev and tests.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
SHARED_CACHE = CACHES["default"]["BACKEND"] != "django.core.cache.backends.locmem.LocMemCache"
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as axes asks
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out sign-in (admin and API)
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False  # the cache handler keeps no attempt rows to list
AXES_IPWARE_PROXY_COUNT = env.int("API_NUM_PROXIES", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)
if DEBUG and not SHARED_CACHE:
    # axes warns that a memory cache is not shared between processes: true, and fine on a
    # developer's machine; the deploy check (DEBUG off) keeps the warning.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]
SESSION_COOKIE_HTTPONLY = True
# The admin reads no CSRF cookie from JavaScript (it posts the form's hidden token).
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Ids in URL paths are `<id:...>` (salon/converters.py): integers in the schema.
SPECTACULAR_SETTINGS["PATH_CONVERTER_OVERRIDES"] = {"id": ID_SCHEMA}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# E-mail (R77: the code that confirms a client's new address). The console backend prints
# messages in development; production sets an SMTP server (the EMAIL_* variables).
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="salon@localhost")
