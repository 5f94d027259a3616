"""ABM Hub settings, read from environment variables (see .env.example).

With nothing set, the hub runs on the embedded defaults: a SQLite file and Celery
tasks executed in-process. ``DATABASE_URL`` and ``REDIS_URL`` switch it to
PostgreSQL and a real Celery broker.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(str(env_file))

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not DEBUG:
    missing = [
        name
        for name, value in (("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS))
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            f"DEBUG is off, so {' and '.join(missing)} must be set (see .env.example)."
        )
else:
    # No key is built in, not even for development: `make` writes a random one into the
    # local .env, so every process of one checkout (web, worker, beat) signs alike.
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set: run `make install` (it writes a random one into .env) "
            "or set it in the environment."
        )
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "abm.views.csrf_failure"  # the styled 403 page (JSON under /api/)
# How many reverse proxies in front of the hub append to X-Forwarded-For. 0 (default): the
# client is REMOTE_ADDR and the header is ignored, so a client cannot choose its own
# address. Login throttling, API throttling and tracking all read it through abm.security.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Unset, SITE_URL follows the address `make run` serves on (RUN_HOST/RUN_PORT, set by the
# Makefile), so links in mail and the seed's output name the right port.
_RUN_HOST = env("RUN_HOST", default="127.0.0.1")
_RUN_HOST = "127.0.0.1" if _RUN_HOST in ("0.0.0.0", "::", "") else _RUN_HOST
SITE_URL = (
    env("SITE_URL", default="") or f"http://{_RUN_HOST}:{env('RUN_PORT', default='') or 8000}"
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "abm",
    "accounts",
    "buying_groups",
    "sales_actions",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "abm.security.RequestSizeLimitMiddleware",
    "abm.middleware.UnstorableInputMiddleware",  # NUL / lone surrogate in input: a 400
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the view into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "abm.urls"
WSGI_APPLICATION = "abm.wsgi.application"

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
                "abm.context_processors.navigation",
                "sales_actions.feed.context_processors.live_feed",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL lets the dev server read while an in-process import writes.
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
IS_POSTGRES = DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes watches every authenticate() call (login page, admin, API token) and refuses
# a locked-out username or client address before the password is even checked.
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

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "media/"

# --- Redis, cache and Celery -------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Seconds a Redis call may take before it counts as an outage (cache and broker alike):
# a Redis that went away must cost a request a moment, not the gunicorn timeout.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
if REDIS_URL:
    # The cache holds hints only (debounce keys, throttles, the worker heartbeat), so while
    # Redis is down it misses and drops writes instead of raising (abm/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "abm.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
# Time limits stay below the visibility timeout so a late-acked task is not redelivered
# while it is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
}
# A publish while the broker is down gives up within about a second (abm.tasks.enqueue logs
# it; the work is marked in the database and beat's catch-up queues it once Redis is back).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Beat sends abm.worker_heartbeat_task this often; /healthz calls the worker "stale" when
# none ran for HEALTH_WORKER_STALE_SECONDS.
HEALTH_HEARTBEAT_SECONDS = env.float("HEALTH_HEARTBEAT_SECONDS", default=15.0)
HEALTH_WORKER_STALE_SECONDS = env.int("HEALTH_WORKER_STALE_SECONDS", default=90)
# The hub event stream (accounts.HubEvent): dispatched events older than this are pruned.
HUB_EVENTS_KEEP_DAYS = env.int("HUB_EVENTS_KEEP_DAYS", default=400)
# Webhooks (accounts/webhooks): deliveries never go to private, loopback, link-local or
# reserved addresses unless this is true (local receivers in development and tests).
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=5.0)
# Failed deliveries: retried after uniform(0, min(CAP, BASE * 2^(attempts-1))) seconds
# for RETRY_HOURS; a subscription failing for DISABLE_AFTER_HOURS with at least
# DISABLE_MIN_FAILURES attempts in a row is switched off and its owner told.
WEBHOOKS_RETRY_BASE_SECONDS = env.float("WEBHOOKS_RETRY_BASE_SECONDS", default=15.0)
WEBHOOKS_RETRY_CAP_SECONDS = env.float("WEBHOOKS_RETRY_CAP_SECONDS", default=3600.0)
WEBHOOKS_RETRY_HOURS = env.float("WEBHOOKS_RETRY_HOURS", default=24.0)
WEBHOOKS_DISABLE_AFTER_HOURS = env.float("WEBHOOKS_DISABLE_AFTER_HOURS", default=24.0)
WEBHOOKS_DISABLE_MIN_FAILURES = env.int("WEBHOOKS_DISABLE_MIN_FAILURES", default=10)
WEBHOOKS_ROTATION_GRACE_HOURS = env.float("WEBHOOKS_ROTATION_GRACE_HOURS", default=24.0)
WEBHOOKS_SEND_CONCURRENCY = env.int("WEBHOOKS_SEND_CONCURRENCY", default=16)
# Hosted forms (accounts/webforms): a submission sent sooner than this after the form was
# shown is spam; one client address may send RATE_LIMIT submissions per RATE_WINDOW seconds.
WEBFORM_MIN_FILL_SECONDS = env.float("WEBFORM_MIN_FILL_SECONDS", default=3.0)
WEBFORM_RATE_LIMIT = env.int("WEBFORM_RATE_LIMIT", default=10)
WEBFORM_RATE_WINDOW = env.int("WEBFORM_RATE_WINDOW", default=600)

# --- Email ---------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://var/outbox")
if EMAIL_CONFIG["EMAIL_BACKEND"].endswith(".filebased.EmailBackend"):
    # django-environ reads filemail://var/outbox as host "var" + path "outbox" and drops the
    # "/" of filemail:///abs/path: take the path as written, relative to the checkout.
    _mail_dir = env("EMAIL_URL", default="filemail://var/outbox").split("://", 1)[1]
    EMAIL_CONFIG["EMAIL_FILE_PATH"] = str(BASE_DIR / (_mail_dir.split("?", 1)[0] or "var/outbox"))
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="ABM Hub <hub@localhost>")

# Sales emails (sales_actions): Message-IDs, reply and unsubscribe addresses, tracking.
_SITE_HOST = SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"
SALES_EMAIL_MESSAGE_ID_DOMAIN = env("SALES_EMAIL_MESSAGE_ID_DOMAIN", default=_SITE_HOST)
# Replies to reply+<token>@<domain> are matched even without In-Reply-To; "" turns it off.
SALES_EMAIL_REPLY_DOMAIN = env("SALES_EMAIL_REPLY_DOMAIN", default="")
SALES_EMAIL_UNSUBSCRIBE_ADDRESS = env(
    "SALES_EMAIL_UNSUBSCRIBE_ADDRESS", default=f"unsubscribe@{SALES_EMAIL_MESSAGE_ID_DOMAIN}"
)
# Shared secret of POST /api/v1/inbound-email/ (header X-Inbound-Secret); "" disables it.
SALES_EMAIL_INBOUND_SECRET = env("SALES_EMAIL_INBOUND_SECRET", default="")
SALES_EMAIL_CHUNK_SIZE = env.int("SALES_EMAIL_CHUNK_SIZE", default=50)
# Reps may write a personal email (no template) from a person, account or deal page; it is
# sent, tracked and logged like a template send (never as marketing email).
SALES_EMAIL_ALLOW_PERSONAL = env.bool("SALES_EMAIL_ALLOW_PERSONAL", default=True)
# Rows claimed per commit before sending: a crash leaves at most this many "unknown".
SALES_EMAIL_CLAIM_GROUP = env.int("SALES_EMAIL_CLAIM_GROUP", default=10)
SALES_EMAIL_SENDING_LEASE_SECONDS = env.int("SALES_EMAIL_SENDING_LEASE_SECONDS", default=300)
SALES_EMAIL_REQUEUE_SECONDS = env.int("SALES_EMAIL_REQUEUE_SECONDS", default=120)
# Opens/clicks sooner than this after sending are scanners, not people.
SALES_EMAIL_BOT_SECONDS = env.int("SALES_EMAIL_BOT_SECONDS", default=10)
# Cadences: enrolments a worker advances per transaction, and parallel advance tasks per tick.
CADENCE_ADVANCE_BATCH = env.int("CADENCE_ADVANCE_BATCH", default=500)
CADENCE_ADVANCE_TASKS = env.int("CADENCE_ADVANCE_TASKS", default=4)
# Mail privacy proxies (Apple Mail Privacy Protection fetches from Apple's 17.0.0.0/8).
SALES_EMAIL_PROXY_NETWORKS = env.list("SALES_EMAIL_PROXY_NETWORKS", default=["17.0.0.0/8"])
# Approving an email template you wrote yourself is refused (403) when true.
EMAIL_APPROVAL_REQUIRES_SECOND_PERSON = env.bool(
    "EMAIL_APPROVAL_REQUIRES_SECOND_PERSON", default=False
)

# --- Dialer (sales_actions/dialer) ----------------------------------------------------
# "manual": the rep's own phone opens a tel: link and the rep logs the call; "rest": a
# Twilio-style REST telephony API places calls and reports them by signed callbacks.
DIALER_PROVIDER = env("DIALER_PROVIDER", default="manual")
DIALER_API_URL = env("DIALER_API_URL", default="https://api.twilio.com/2010-04-01")
DIALER_ACCOUNT_SID = env("DIALER_ACCOUNT_SID", default="")
DIALER_AUTH_TOKEN = env("DIALER_AUTH_TOKEN", default="")
# Local presence: the caller number is the one of this pool closest to the callee's.
DIALER_CALLER_NUMBERS = env.list("DIALER_CALLER_NUMBERS", default=[])
# Pre-recorded voicemail messages, "Label=https://…/message.mp3" entries.
DIALER_VOICEMAIL_URLS = env.list("DIALER_VOICEMAIL_URLS", default=[])
# The public status-callback URL given to the provider (default SITE_URL + the API path).
DIALER_CALLBACK_URL = env("DIALER_CALLBACK_URL", default="")
DIALER_TIMEOUT = env.float("DIALER_TIMEOUT", default=10.0)
# Where an answered call goes: the TwiML at DIALER_ANSWER_URL, else a bridge to the reps'
# line DIALER_AGENT_NUMBER (a phone number, sip: or client: address). One is required.
DIALER_ANSWER_URL = env("DIALER_ANSWER_URL", default="")
DIALER_AGENT_NUMBER = env("DIALER_AGENT_NUMBER", default="")

# --- REST framework --------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "abm.filters.HubFilterBackend",  # an invalid filter value is a 400
        "rest_framework.filters.SearchFilter",
        "abm.filters.HubOrderingFilter",  # an unknown ?ordering= field is a 400
    ],
    # JSON bodies only (NUL characters, lone surrogates and deep nesting refused); an
    # upload view names its multipart parser itself, so the schema offers each body in
    # the one encoding the view reads.
    "DEFAULT_PARSER_CLASSES": ["abm.parsers.SafeJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",  # APIClient sends what the API reads
    "DEFAULT_METADATA_CLASS": "abm.metadata.HubMetadata",  # OPTIONS on extra actions
    "DEFAULT_PAGINATION_CLASS": "abm.paging.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "abm.schema.HubAutoSchema",  # error statuses, paging, filters
    "EXCEPTION_HANDLER": "abm.exceptions.api_exception_handler",
    # Throttles identify clients as abm.security.client_ip does (X-Forwarded-For only
    # through TRUSTED_PROXY_COUNT proxies).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

# Request limits of the API (answered with a 400 naming the field).
ACTIVITY_METADATA_MAX_BYTES = 16 * 1024  # an activity's metadata, as compact JSON
JSON_MAX_DEPTH = 64  # nesting of a JSON request body
IDEMPOTENCY_KEY_TTL_HOURS = 24  # how long a retried POST answers as the first did

SPECTACULAR_SETTINGS = {
    "TITLE": "ABM Hub API",
    "DESCRIPTION": "REST API of ABM Hub, the open-source account-based-marketing hub. "
    "Authenticate with `POST /api/v1/auth/token/` and send `Authorization: Token <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Tag and name operations by resource ("accounts"), not by the version segment.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # Choice sets that share a field name across models get explicit component names.
    "ENUM_NAME_OVERRIDES": {
        "ActivityTypeEnum": "accounts.models.Activity.Type",
        "ActivityChannelEnum": "accounts.models.Activity.Channel",
        "CampaignChannelEnum": "accounts.models.Campaign.Channel",
        "BuyingRoleEnum": "accounts.models.BuyingRole",
        "UserRoleEnum": "accounts.models.User.Role",
        "LeadStatusEnum": "accounts.models.Lead.Status",
        "TaskTypeEnum": "accounts.models.Task.Type",
        "TaskStatusEnum": "accounts.models.Task.Status",
        "EmailTemplateKindEnum": "sales_actions.models.EmailTemplate.Kind",
        "CallStatusEnum": "sales_actions.models.Call.Status",
        "CallDirectionEnum": "sales_actions.models.Call.Direction",
        "ImportJobKindEnum": "accounts.models.ImportJob.Kind",
        "OpportunityStageEnum": "accounts.models.Opportunity.Stage",
        "AnalysisKindEnum": "analytics.models.SavedAnalysis.Kind",
        "AnalyticsEventKindEnum": "analytics.validation.KIND_CHOICES",
        "AnalyticsContainerEnum": "analytics.models.Container",
        "CohortContainerEnum": "analytics.validation.COHORT_CONTAINERS",
        "FlowContainerEnum": "analytics.validation.FLOW_CONTAINERS",
    },
}

# --- Product settings ------------------------------------------------------------
# GDPR mode: contacts whose legal basis is "none" are left out of engagement columns.
GDPR_MODE = env.bool("GDPR_MODE", default=False)
# Target accounts: seconds a burst of changes is gathered before one rollup refresh.
ROLLUP_DEBOUNCE_SECONDS = env.int("ROLLUP_DEBOUNCE_SECONDS", default=2)
# Open deal value is converted to this currency with the rates an admin keeps
# (accounts.CurrencyRate); after changing it run `manage.py rebuild_rollups`.
BASE_CURRENCY = env.str("BASE_CURRENCY", default="USD").strip().upper()
CSV_IMPORT_INLINE_MAX_ROWS = env.int("CSV_IMPORT_INLINE_MAX_ROWS", default=500)
CSV_IMPORT_MAX_BYTES = env.int("CSV_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=20 * 1024 * 1024)

# --- Buying groups -----------------------------------------------------------------
# Engagement = sum over activities in the window of weight(type) x 0.5^(age / half-life),
# mapped to 0-100 by 100 x (1 - e^(-points / scale)). Bot-flagged events never count.
BUYING_GROUP_ENGAGEMENT = {
    "weights": {
        "email_replied": 10,
        "meeting": 8,
        "event_attended": 7,
        "form_submitted": 6,
        "call": 5,
        "document_viewed": 4,
        "email_clicked": 3,
        "event_registered": 3,
        "web_visit": 2,
        "email_opened": 1,
    },
    "half_life_days": env.float("BUYING_GROUP_HALF_LIFE_DAYS", default=7.0),
    "window_days": env.int("BUYING_GROUP_WINDOW_DAYS", default=30),
    "person_scale": env.float("BUYING_GROUP_PERSON_SCALE", default=20.0),
    "group_scale": env.float("BUYING_GROUP_GROUP_SCALE", default=60.0),
}
# A group whose engagement rises by at least this many points in one refresh is announced
# on the hub event stream (the live feed tells the account's owner); 0 turns it off.
BUYING_GROUP_JUMP_POINTS = env.int("BUYING_GROUP_JUMP_POINTS", default=15)
# Intent: product mentions in the group's visits, forms, documents and clicks.
BUYING_GROUP_INTENT = {
    "window_days": env.int("BUYING_GROUP_INTENT_WINDOW_DAYS", default=90),
    "half_life_days": env.float("BUYING_GROUP_INTENT_HALF_LIFE_DAYS", default=14.0),
    "signal_weights": {"solution": 3.0, "product": 2.0, "keyword": 1.0},
    # Levels: at least `low` points to show at all (the confidence threshold).
    "thresholds": {"low": 2.0, "medium": 5.0, "high": 10.0},
}
BUYING_GROUP_BULK_MAX = 50
# Seconds a burst of activity is gathered before the scores worker runs.
BUYING_GROUP_DEBOUNCE_SECONDS = env.float("BUYING_GROUP_DEBOUNCE_SECONDS", default=0.3)
BUYING_GROUP_RECOMPUTE_CHUNK = env.int("BUYING_GROUP_RECOMPUTE_CHUNK", default=50000)
# AI summaries: any OpenAI-compatible chat-completions endpoint; unset = built-in summaries.
LLM_API_URL = env("LLM_API_URL", default="")
# Best bets (sales_actions/bestbets): the ranking's formula, explained in its README section.
# Moments are the activities that make a person worth a call now: an activity type, and
# optionally words one of its URL or subject must contain (case-insensitive).
BEST_BETS = {
    "window_days": 30,
    "half_life_days": 7.0,
    "engagement_weights": {
        "email_replied": 10,
        "meeting": 8,
        "event_attended": 7,
        "form_submitted": 6,
        "call": 5,
        "document_viewed": 4,
        "email_clicked": 3,
        "event_registered": 3,
        "web_visit": 2,
        "email_opened": 1,
    },
    "moment_days": 14,
    "moment_half_life_days": 3.0,
    "moments": [
        {"key": "replied", "type": "email_replied", "points": 15},
        {"key": "pricing", "type": "web_visit", "contains": ["pricing"], "points": 12},
        {"key": "event", "type": "event_attended", "points": 10},
        {"key": "form", "type": "form_submitted", "points": 10},
    ],
    "role_points": {
        "decision_maker": 6,
        "budget_holder": 5,
        "champion": 5,
        "influencer": 3,
        "end_user": 1,
    },
    "intent_points": {"open_lead": 4, "open_deal": 3, "target_account": 3},
    "acted_factor": 0.4,
    "scale": 30.0,
    "debounce_seconds": 1.0,
}
LLM_API_KEY = env("LLM_API_KEY", default="")
LLM_MODEL = env("LLM_MODEL", default="gpt-4o-mini")
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=20.0)

# --- Security ----------------------------------------------------------------------

# Sign-in throttling (django-axes): a username, or a client address, is locked for
# AXES_COOLOFF_MINUTES after AXES_FAILURE_LIMIT failed attempts, whichever trips first.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "abm.security.client_ip"
AXES_LOCKOUT_CALLABLE = "abm.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False

# Request bodies are refused before they are read into memory when larger than this
# (uploads included; CSV imports have their own, smaller cap).
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=60 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)

# Content-Security-Policy (django-csp), on in every mode so tests and the crawl see what
# production sees: our own scripts only, no inline script, no third-party origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Templates and ECharts set style attributes; styles cannot run code.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Health checks come over plain HTTP from inside the container network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # The header alone changes nothing until the domain is submitted to the preload list.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
