"""Posedeck settings. Everything that differs between machines comes from the environment.

Embedded default (no env vars): SQLite under var/, media under var/media, Celery on kombu's
filesystem transport under var/broker (a real worker process, no server needed).
"""
import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config import security as _security
from config.secret_key import InsecureSecretKey
from config.secret_key import secret_key as _secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DEBUG", default=False)
# config.secret_key: SECRET_KEY from the environment, else (DEBUG off) one generated once into var/secret_key;
# the public development key is refused without DEBUG.
try:
    SECRET_KEY = _secret_key(from_env=env("SECRET_KEY", default=""), debug=DEBUG, path=VAR_DIR / "secret_key")
except InsecureSecretKey as _exc:
    raise ImproperlyConfigured(str(_exc)) from None
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    # Swagger UI and Redoc bundles served from our own static files: /api/docs/ works offline.
    "drf_spectacular_sidecar",
    "accounts",
    "datasets",
    "labeling",
    "training",
    "deploy",
    "autolabel",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "config.errors.ApiErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.faults.FaultMiddleware",  # the database away, the disk full: 503 / 507, not a 500 page
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.slashes.ApiAwareCommonMiddleware",  # CommonMiddleware without APPEND_SLASH redirects under /api/
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "accounts.context_processors.shell",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web server and worker share the file: wait for locks instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 30, "transaction_mode": "IMMEDIATE"})
# Persistent connections are optional (CONN_MAX_AGE seconds, 0: one per request); a reused one is tested first,
# so a connection the server dropped (a PostgreSQL restart) is replaced instead of failing the next request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: files go through owner-checked views

# Uploads: one image may be 25 MB; a request (a zip, many files) may be larger and is streamed
# to temporary files by Django, so only the in-memory threshold is kept small.
MAX_IMAGE_BYTES = env.int("MAX_IMAGE_BYTES", default=25 * 1024 * 1024)
MAX_ZIP_BYTES = env.int("MAX_ZIP_BYTES", default=4 * 1024 * 1024 * 1024)
# Training: a running session whose heartbeat is older is marked failed; a gpu worker is listed while its
# heartbeat is newer; the largest initial-weights upload.
TRAINING_STALE_AFTER_S = env.int("TRAINING_STALE_AFTER_S", default=120)
TRAINING_WORKER_STALE_AFTER_S = env.int("TRAINING_WORKER_STALE_AFTER_S", default=40)
TRAINING_MAX_WEIGHTS_BYTES = env.int("TRAINING_MAX_WEIGHTS_BYTES", default=2 * 1024**3)
# Where a gpu worker builds a session's YOLO folder and lets Ultralytics write its run (local to the worker;
# everything kept goes to the storage).
TRAINING_WORK_DIR = Path(env("TRAINING_WORK_DIR", default=str(VAR_DIR / "work" / "training")))
# Local copies of deployed weights (.pt, .onnx) the web processes load; the storage holds the originals.
DEPLOY_WORK_DIR = Path(env("DEPLOY_WORK_DIR", default=str(VAR_DIR / "work" / "deploy")))
# Ultralytics' COCO-pretrained pose checkpoints (yolo11n-pose.pt ... yolo26x-pose.pt) that the training form offers;
# `manage.py fetch_weights <name>` fills it on a machine that is online (docs/training.md).
WEIGHTS_DIR = Path(env("WEIGHTS_DIR", default=str(VAR_DIR / "weights")))
# COCO keypoint AP on the val split every N epochs (the last epoch and best.pt's final validation always).
TRAINING_COCO_EVERY = env.int("TRAINING_COCO_EVERY", default=1)
# The largest COCO results file POST /api/v1/datasets/<id>/evaluate/ takes.
EVALUATE_MAX_PREDICTIONS_BYTES = env.int("EVALUATE_MAX_PREDICTIONS_BYTES", default=200 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 2000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # `Authorization: Token <t>` first, so an API call without credentials answers 401 (not 403).
        "accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.errors.exception_handler",
    # JSON bodies go through a depth-limited parser (config.parsers): deep nesting is a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser", "rest_framework.parsers.FormParser",
                               "rest_framework.parsers.MultiPartParser"],
    # Proxies in front that append to X-Forwarded-For; 0: throttles use REMOTE_ADDR (a client cannot pick it).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "URL_FORMAT_OVERRIDE": None,  # ?format= is ours (export format), not DRF's renderer switch
}
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)

# Abuse (docs/operations.md). Log-in attempts (the page and POST /api/v1/auth/token/) are counted per
# address and per account name in the cache; past the rate the answer is 429 with Retry-After.
LOGIN_THROTTLE_RATES = {
    "address": env("LOGIN_RATE_PER_ADDRESS", default="30/min"),
    "account": env("LOGIN_RATE_PER_ACCOUNT", default="10/min"),
}
# Sign-up: off closes the sign-up page to everyone but holders of a valid invitation link.
SIGNUP_OPEN = env.bool("SIGNUP_OPEN", default=True)
# The cache holds the throttle counters: per process in memory by default; set CACHE_URL (e.g.
# redis://127.0.0.1:6379/1) so that several server processes count together.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://posedeck")}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    CACHES["default"].setdefault("KEY_PREFIX", "posedeck")

# Security headers (config.security adds the Content-Security-Policy; SecurityMiddleware the rest).
CONTENT_SECURITY_POLICY = env("CONTENT_SECURITY_POLICY", default=_security.DEFAULT_POLICY)
PERMISSIONS_POLICY = env("PERMISSIONS_POLICY", default=_security.DEFAULT_PERMISSIONS)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Behind HTTPS in production (all documented in docs/operations.md; off by default so `make run` works over
# plain http://127.0.0.1).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):  # a proxy in front terminates TLS and says so
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# API tokens (accounts.tokens, on django-rest-knox): only a SHA-512 digest is stored; every token expires.
# A token from POST /api/v1/auth/token/ lasts API_TOKEN_DAYS; a user keeps at most API_TOKEN_LOGIN_LIMIT of
# those (the oldest is revoked first). Named tokens from the "API tokens" page last 1-365 days, as chosen.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
API_TOKEN_LOGIN_LIMIT = env.int("API_TOKEN_LOGIN_LIMIT", default=20)
KNOX_TOKEN_MODEL = "accounts.ApiToken"
# knox's own AuthToken is swapped out for accounts.ApiToken, but knox's migrations create its table anyway,
# with a foreign key to auth_user that makes PostgreSQL refuse to TRUNCATE users (the test runner's flush).
# Without migrations a swapped model gets no table; accounts 0005 drops the one older installs have.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",  # the contract: `Authorization: Token <t>`
    "TOKEN_PREFIX": "pdk_",  # lets secret scanners recognise a leaked Posedeck key
}

# Workspace backup (config.backup): one exporter per app, in dependency order. The deploy app adds
# "deploy.backup.DeployExporter" keeps deployments (settings, versions, files; not keys or counts).
BACKUP_EXPORTERS = [
    "accounts.backup.WorkspaceExporter",
    "datasets.backup.DatasetsExporter",
    "training.backup.TrainingExporter",
    "deploy.backup.DeployExporter",
]

SPECTACULAR_SETTINGS = {
    "TITLE": "Posedeck API",
    "DESCRIPTION": "Datasets, skeleton classes, keypoint annotations, training sessions and deployments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set: several serializers share a `format` field with different choices.
    "ENUM_NAME_OVERRIDES": {"DatasetFormatEnum": ["coco", "yolo"],
                            "DeploymentKindEnum": ["custom", "sapiens2"]},  # issue 11
    # Swagger UI's JavaScript, CSS and favicon from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport (no server needed).
REDIS_URL = env("REDIS_URL", default="")
# Under pytest the default folder is the run's own, so a test never hands its tasks to the worker of
# `make run` (or of another test run), which sees another database.
_TESTING = "pytest" in sys.modules
BROKER_DIR = Path(env("BROKER_DIR", default=str(VAR_DIR / (f"broker-test-{os.getpid()}" if _TESTING else "broker"))))
# Every Redis key of the broker starts with this prefix. Under pytest it is the run's own, so two test runs on
# one Redis database never see each other's messages and the run can check it left none (tests/conftest.py).
BROKER_KEY_PREFIX = env("BROKER_KEY_PREFIX", default=f"posedeck-test-{os.getpid()}:" if _TESTING else "")
# Deployments' quota and burst counters (deploy.usage) in REDIS_URL's database start with this. Under pytest they
# sit in the run's own key space, which the run removes at its end: no later run inherits a deployment id's counts.
DEPLOY_REDIS_PREFIX = env("DEPLOY_REDIS_PREFIX", default=f"{BROKER_KEY_PREFIX}deploy")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
    if BROKER_KEY_PREFIX:
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = BROKER_KEY_PREFIX
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
# The requeue sweep (config/requeue.py): every worker, every QUEUE_SWEEP_S seconds, sends again a queued job or
# training session older than QUEUE_REQUEUE_AFTER_S whose message the broker lost.
QUEUE_SWEEP_S = env.float("QUEUE_SWEEP_S", default=30.0)
QUEUE_REQUEUE_AFTER_S = env.float("QUEUE_REQUEUE_AFTER_S", default=120.0)
CELERY_RESULT_BACKEND = None  # state lives in our own tables
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Ultralytics reads these at import: keep it offline and its files inside var/.

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "0")
os.environ.setdefault("YOLO_CONFIG_DIR", str(VAR_DIR / "ultralytics"))
os.environ.setdefault("MPLCONFIGDIR", str(VAR_DIR / "matplotlib"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

# Static files are served by WhiteNoise straight from the app folders: no collectstatic step for make run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so a Celery worker process in the tests can share the test database.
    # One file per test run, so two runs on one checkout never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
