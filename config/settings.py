"""Settings, all read from the environment.

The defaults run as-is on a laptop: SQLite in the project folder, Celery tasks run eagerly
in-process, e-mail printed to the console. Production differs only by environment variables
(see README.md, "Production").
"""

import datetime
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core ---
DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env(
    "SECRET_KEY", default="django-insecure-local-development-key-do-not-use-in-production"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "django_celery_beat",
    "django_ratelimit",
    "import_export",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The project's apps, floor by floor from the ground up (see README, "The house").
    "villages",
    "audit",
    "ops",
    "pledges",
    "suggestions",
    "residents",
    "reviews",
    "notices",
    "imports",
    "figures",
    "board",
    "dashboards",
    "demo",
]

MIDDLEWARE = [
    # The public board's pages and open data from the cache, before everything below, for
    # visitors without a session (board/middleware.py).
    "board.middleware.EarlyBoardAnswerMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session timeouts, forced password change, one-time code (audit/).
    "audit.middleware.LoginPolicyMiddleware",
    "audit.middleware.AnonymousPostLimitMiddleware",
    "audit.middleware.RefusalLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a refused anonymous post into RATELIMIT_VIEW's 429 page.
    "django_ratelimit.middleware.RatelimitMiddleware",
    # Turns a locked-out log-in into AXES_LOCKOUT_CALLABLE's page; last, as axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notices.context_processors.notice_badge",
                "dashboards.context_processors.work_badge",
            ],
        },
    },
]

# --- Database ---
# SQLite file in the project by default; DATABASE_URL=postgres://... for PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# An optional read replica (a PostgreSQL hot standby of the same database): the board's and
# the open data's reads for visitors without a session go there when it has replayed what
# the page's data stamp saw (board/replica.py, config/routers.py). In tests it is the test
# database under the same name on the replica's server (MIRROR), which streams it there.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
# How long a cold board page waits for the replica to replay what its stamp saw, then reads
# on the primary instead.
DATABASE_REPLICA_WAIT_MS = env.int("DATABASE_REPLICA_WAIT_MS", default=50)
for _database in DATABASES.values():
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    _database["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    # A database that does not answer fails a request (and /healthz/) after this, not minutes.
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
        )
    # Server-side binding lets psycopg prepare hot statements (the board's data stamp runs on
    # every request) so PostgreSQL plans them once per connection instead of every time.
    if _database["ENGINE"] == "django.db.backends.postgresql" and env.bool(
        "DATABASE_SERVER_SIDE_BINDING", default=True
    ):
        _database.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)

# --- Cache ---
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails soft: with Redis down a read is a miss and a write is dropped (ops/cache.py).
            "BACKEND": "ops.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="pledges"),
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# After a failed call the cache is skipped for this long (per process).
CACHE_RETRY_SECONDS = env.int("CACHE_RETRY_SECONDS", default=5)
# Values a process keeps of the Redis cache while Redis reports no change (ops/near.py) are
# kept at most this long; and how many whole board answers each process keeps beside them.
NEAR_CACHE_SECONDS = env.int("NEAR_CACHE_SECONDS", default=60)
BOARD_NEAR_ANSWERS = env.int("BOARD_NEAR_ANSWERS", default=500)

# --- Celery ---
# Without a broker, tasks run eagerly in the calling process so the app needs nothing else.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
# With acks_late alone, a task whose pool process dies (SIGKILL, the OOM killer) is acked as
# failed and lost; rejected instead, it goes back to the queue. Every task is safe to run twice.
CELERY_TASK_REJECT_ON_WORKER_LOST = env.bool("CELERY_TASK_REJECT_ON_WORKER_LOST", default=True)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A Redis that accepts connections but does not answer must not hang a page for long.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 1,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- E-mail ---
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth ---
# The password policy (audit/passwords.py), MLPS 2.0 level 2 by default: at least 8
# characters of at least 3 of 4 kinds (lower, capital, digit, symbol), a change every 90 days
# (forced at log-in; 0 turns it off), none of the last 5 again.
PASSWORD_MIN_LENGTH = env.int("PASSWORD_MIN_LENGTH", default=8)
PASSWORD_MIN_KINDS = env.int("PASSWORD_MIN_KINDS", default=3)
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
PASSWORD_HISTORY_COUNT = env.int("PASSWORD_HISTORY_COUNT", default=5)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "audit.passwords.ComplexityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "audit.passwords.HistoryValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account + address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
# A session ends after this long without a request (sliding), and this long after log-in
# whatever happens (audit.middleware.LoginPolicyMiddleware).
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_ABSOLUTE_HOURS", default=12) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
# Log-in lockout (django-axes) on account + client address together: village offices share
# one address, so the address alone would lock out a whole office.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "audit.views.lockout"
# The same client address as the rate limits (RATELIMIT_IP_META_KEY behind a proxy).
AXES_CLIENT_IP_CALLABLE = "audit.services.axes_client_ip"
AXES_DISABLE_ACCESS_LOG = True  # successful log-ins are in the security event log
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged
# A second factor (TOTP app) for district administrators, set up at their next log-in.
OTP_FOR_DISTRICT_ADMINS = env.bool("OTP_FOR_DISTRICT_ADMINS", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="十要五不准")

# --- Internationalisation ---
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploads are answered by their app's view after a permission check (ops/media.py). True
# behind nginx: the view answers with X-Accel-Redirect to MEDIA_ACCEL_PREFIX + the file's name,
# an `internal;` location that nginx serves from MEDIA_ROOT (deploy/nginx/pledges.conf).
MEDIA_ACCEL_REDIRECT = env.bool("MEDIA_ACCEL_REDIRECT", default=False)
MEDIA_ACCEL_PREFIX = env("MEDIA_ACCEL_PREFIX", default="/protected-media/")
# Uploaded files (photos, imports) go through Django's storage API: object storage is a
# backend class and its options, e.g. MEDIA_STORAGE_BACKEND=storages.backends.s3.S3Storage
# MEDIA_STORAGE_OPTIONS='{"bucket_name": "pledges", "endpoint_url": "https://..."}'.
STORAGES = {
    "default": {
        "BACKEND": env(
            "MEDIA_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": env.json("MEDIA_STORAGE_OPTIONS", default={}),
    },
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}

# --- Security ---
# On by default whenever DEBUG is off; each can be turned off from the environment (for a
# deployment behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER_ENABLED=True).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz/"]
# Content Security Policy (django-csp): no inline scripts or styles anywhere, Django's admin
# included. CSP_REPORT_ONLY=True only reports (to CSP_REPORT_URI) instead of enforcing;
# CSP_EXTRA_SOURCES adds hosts, e.g. an object-storage address serving MEDIA_URL.
_csp_extra = env.list("CSP_EXTRA_SOURCES", default=[])
_csp = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_csp_extra],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env("CSP_REPORT_URI", default=""):
    _csp["DIRECTIVES"]["report-uri"] = [env("CSP_REPORT_URI")]
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp
else:
    CONTENT_SECURITY_POLICY = _csp
if env.bool("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
if not REDIS_URL:
    # Without Redis the rate limits count per process: right for one dev server, not for a
    # deployment with several workers (set REDIS_URL there).
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]
else:
    # django-ratelimit 4.1's list of supported caches predates Django's own RedisCache, whose
    # incr() is atomic in Redis: the warning does not apply.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"]
# Every POST from a visitor who is not logged in, per client address, valid or not: a flood
# backstop above the per-address limits of the forms. Log-in posts have their own.
ANONYMOUS_POST_RATE = env("ANONYMOUS_POST_RATE", default="600/h")
# Paths that only read (the open data API answers any POST with a JSON 405 and writes
# nothing): not counted, so their answer stays the API's own.
READ_ONLY_PATH_PREFIXES = ("/api/",)
LOGIN_RATE = env("LOGIN_RATE", default="30/h")
# The public forms count only what they store (audit.ratelimits.FormLimits): per client
# address high enough for a village office or a mobile network (many residents behind one
# address), per browser (a signed cookie) and per phone or e-mail given tight, for one person.
SUGGESTION_ADDRESS_RATE = env("SUGGESTION_ADDRESS_RATE", default="120/h")
SUGGESTION_BROWSER_RATE = env("SUGGESTION_BROWSER_RATE", default="5/h")
SUGGESTION_CONTACT_RATE = env("SUGGESTION_CONTACT_RATE", default="10/d")
# /track/: every well-formed receipt code looked up, found or not.
TRACK_RATE = env("TRACK_RATE", default="300/h")
TRACK_BROWSER_RATE = env("TRACK_BROWSER_RATE", default="60/h")
# Challenges, reports of broken prohibitions and follows (residents/), the same way.
RESIDENT_ADDRESS_RATE = env("RESIDENT_ADDRESS_RATE", default="120/h")
RESIDENT_BROWSER_RATE = env("RESIDENT_BROWSER_RATE", default="5/h")
RESIDENT_CONTACT_RATE = env("RESIDENT_CONTACT_RATE", default="10/d")
# With the cache (Redis) down, rate limits let requests through rather than refuse every
# resident; log-ins stay guarded by django-axes, whose lockouts are in the database.
RATELIMIT_FAIL_OPEN = env.bool("RATELIMIT_FAIL_OPEN", default=True)
# The security event log (audit/) keeps events this many days (MLPS: at least 180).
SECURITY_EVENT_RETENTION_DAYS = env.int("SECURITY_EVENT_RETENTION_DAYS", default=180)
SECURITY_EVENT_EXPORT_MAX = env.int("SECURITY_EVENT_EXPORT_MAX", default=50_000)

# --- Logging ---
# LOG_FORMAT=json writes one JSON object per line (python-json-logger) for a log collector.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if env("LOG_FORMAT", default="text") == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # django-axes logs every log-in at INFO; its lockouts are warnings.
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Pledges ---
PLEDGE_PROJECT_COUNT = env.int("PLEDGE_PROJECT_COUNT", default=10)
PLEDGE_PROHIBITION_COUNT = env.int("PLEDGE_PROHIBITION_COUNT", default=5)
# The 4+2 deciding meeting (Organic Law of Villagers' Committees), each rule
# ("at_least" | "more_than", numerator, denominator), checked in integers: who must attend,
# by kind of meeting (representatives' members, adult villagers, households' representatives),
# and the votes for that a decision needs among those present.
PLEDGE_DECISION_QUORUM = {
    "representatives": ("at_least", 2, 3),
    "adults": ("more_than", 1, 2),
    "households": ("at_least", 2, 3),
}
PLEDGE_DECISION_MAJORITY = ("more_than", 1, 2)
# A suggestion unanswered for longer than this many days is overdue.
SUGGESTION_REPLY_DAYS = env.int("SUGGESTION_REPLY_DAYS", default=15)
# The township's pace in the work queue: a submitted list reviewed, a completion verified, a
# change request decided, a problem passed up answered within this many days.
TOWNSHIP_ANSWER_DAYS = env.int("TOWNSHIP_ANSWER_DAYS", default=10)
# Behind a proxy, the header that carries the client address (e.g. HTTP_X_REAL_IP).
RATELIMIT_IP_META_KEY = env("RATELIMIT_IP_META_KEY", default=None)
RATELIMIT_VIEW = "audit.views.rate_limited"
# The address in messages to followers (their links must work outside the site).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Text messages: a class with send(phone, text); the default writes them to the log.
SMS_BACKEND = env("SMS_BACKEND", default="residents.sms.ConsoleBackend")
SMS_SIGNATURE = env("SMS_SIGNATURE", default="十要五不准")
# Board pages are cached under a data stamp that every write through the models forgets at
# once; this bounds how long a write that bypasses them (raw SQL, a bulk update) goes unseen.
BOARD_STAMP_SECONDS = env.int("BOARD_STAMP_SECONDS", default=30)

# --- Excel imports (imports/) ---
# Uploads larger than this are refused before they are opened.
PLEDGE_IMPORT_MAX_BYTES = env.int("PLEDGE_IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
PLEDGE_IMPORT_MAX_ROWS = env.int("PLEDGE_IMPORT_MAX_ROWS", default=50_000)
# An .xlsx is a zip file: refused when its parts unpack to more than this (the zip
# directory says so before anything is unpacked; a 500 KB file can unpack to 200 MB).
PLEDGE_IMPORT_MAX_UNZIPPED_BYTES = env.int(
    "PLEDGE_IMPORT_MAX_UNZIPPED_BYTES", default=50 * 1024 * 1024
)
# Files with more data rows than this are checked and imported by a Celery worker, with a
# progress bar; smaller ones in the request. So are files unpacking to more than
# PLEDGE_IMPORT_SYNC_UNZIPPED_BYTES, whatever their rows (a sheet need not state its size).
PLEDGE_IMPORT_SYNC_ROWS = env.int("PLEDGE_IMPORT_SYNC_ROWS", default=1000)
PLEDGE_IMPORT_SYNC_UNZIPPED_BYTES = env.int(
    "PLEDGE_IMPORT_SYNC_UNZIPPED_BYTES", default=4 * 1024 * 1024
)
# The admin's import (for the district administrator) runs in one transaction and rolls
# back on any error; its confirm step keeps the upload in MEDIA_ROOT, shared by the web
# processes.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

# --- Year-end reviews ---
# Fewer ballots than this: the results are shown, but no grade is given.
REVIEW_QUORUM = env.int("REVIEW_QUORUM", default=10)
# Lowest overall score (0-100) for each grade, e.g. "excellent=90,good=80,pass=60"; below the
# last one the grade is "fail".
REVIEW_GRADE_THRESHOLDS = env.dict(
    "REVIEW_GRADE_THRESHOLDS",
    cast={"value": float},
    default={"excellent": 90.0, "good": 80.0, "pass": 60.0},
)

# --- Rankings (lib/rates.py) ---
# A place with fewer results (ballots, projects) than this is listed, not ranked.
RANKING_MIN_RESULTS = env.int("RANKING_MIN_RESULTS", default=5)
# Percent: the places under it are shown first, before the ranking.
RANKING_THRESHOLD = env.int("RANKING_THRESHOLD", default=70)

# --- Schedules (Celery beat) ---
# The periodic tasks of every installation, created after `migrate` when no task of the same
# name exists (ops/schedules.py); from then on they live in the database, where an
# administrator changes them (admin → Periodic tasks). Times are Asia/Shanghai.
PERIODIC_TASKS = [
    {
        "name": "Monthly progress notices (一月一通报)",
        "task": "notices.tasks.fire_monthly_notices",
        "crontab": {"minute": "0", "hour": "9", "day_of_month": "1", "timezone": "Asia/Shanghai"},
        "kwargs": {"move_to_working_day": True},
        "description": (
            "Writes and sends this month's notice to every village. "
            'kwargs "move_to_working_day": true moves a weekend or holiday to the next '
            "working day (chinese-calendar, then the holidays table, then Monday–Friday)."
        ),
    },
    {
        "name": "Notices sweeper: finish runs and deliveries left pending",
        "task": "notices.tasks.sweep_notices",
        "every_minutes": 5,
        "description": (
            "Starts runs that are due, finishes batches a lost task or a killed worker "
            "left, and sends deliveries that are still pending."
        ),
    },
    {
        "name": "residents: send messages left pending",
        "task": "residents.tasks.sweep_messages",
        "every_minutes": 5,
        "description": "Messages to followers that a lost task or a broker outage left.",
    },
    {
        "name": "ops: queue work kept while the broker was down",
        "task": "ops.tasks.send_outbox",
        "every_minutes": 1,
    },
    {
        "name": "audit: remove security events past their retention",
        "task": "audit.tasks.purge_security_events",
        "crontab": {"minute": "30", "hour": "3", "timezone": "Asia/Shanghai"},
    },
    {
        "name": "figures: recount overdue projects for the new day",
        "task": "figures.tasks.recount_overdue",
        "crontab": {"minute": "1", "hour": "0", "timezone": "Asia/Shanghai"},
        "description": (
            "The board's per-village figures whose overdue count changed with the date "
            "(a project passed its planned finish); until then the pages count them live."
        ),
    },
]

# --- Monthly notices (notices/) ---
# The schedule itself is in the database (PERIODIC_TASKS above; admin: Periodic tasks).
# A notice due on a weekend or public holiday goes out on the next working day.
NOTICE_MOVE_TO_WORKING_DAY = env.bool("NOTICE_MOVE_TO_WORKING_DAY", default=True)
# Attempts per channel before a delivery is failed (shown to the township); the wait between
# attempts doubles from NOTICE_RETRY_BASE_SECONDS.
NOTICE_MAX_ATTEMPTS = env.int("NOTICE_MAX_ATTEMPTS", default=5)
NOTICE_RETRY_BASE_SECONDS = env.float("NOTICE_RETRY_BASE_SECONDS", default=60)
NOTICE_WEBHOOK_TIMEOUT = env.float("NOTICE_WEBHOOK_TIMEOUT", default=5)
NOTICE_EMAIL_TIMEOUT = env.float("NOTICE_EMAIL_TIMEOUT", default=10)
# Group robots accept about 20 messages a minute each.
NOTICE_ROBOT_PER_MINUTE = env.int("NOTICE_ROBOT_PER_MINUTE", default=18)
NOTICE_ROBOT_HOSTS = env.list(
    "NOTICE_ROBOT_HOSTS", default=["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
)
# A worker's claim on a delivery lapses after this (a worker killed mid-send holds nothing).
NOTICE_CLAIM_SECONDS = env.int("NOTICE_CLAIM_SECONDS", default=300)
# The sweeper finishes runs and deliveries that have not moved for this long.
NOTICE_STALE_SECONDS = env.int("NOTICE_STALE_SECONDS", default=600)
NOTICE_SWEEP_LIMIT = env.int("NOTICE_SWEEP_LIMIT", default=2000)
NOTICE_RUN_DAYS = env.int("NOTICE_RUN_DAYS", default=7)
