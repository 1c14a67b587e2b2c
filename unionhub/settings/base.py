"""Settings shared by every environment. Everything that differs between machines comes from the environment."""

import json
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files (CSP, offline)
    "django_fsm",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    # The project's apps, bottom layer first (see README, Architecture).
    "unionhub",
    "notifications",
    "members",
    "casework",
    "formation",
    "dues",
    "applications",
    "transfers",
    "datawork",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "unionhub.middleware.RefuseUnsafeTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "unionhub.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # after django-csp's: inside WeChat it widens form-action to WeChat's authorisation page on the way out
    "security.wechat_middleware.WeChatOfficialMiddleware",
    "unionhub.middleware.NoStoreForPersonalPagesMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "unionhub.urls"
WSGI_APPLICATION = "unionhub.wsgi.application"

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
                "unionhub.context_processors.business_date",
                "unionhub.context_processors.training_banner",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"), conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})
    if env_bool("DATABASE_POOL", False):
        DATABASES["default"]["OPTIONS"]["pool"] = True
# Behind PgBouncer in transaction pooling a server-side cursor outside a transaction breaks: UNIONHUB_PGBOUNCER=true
# (or DATABASE_POOL_MODE=transaction) turns them off. Large reads chunk by key anyway (unionhub.lib.chunks).
UNIONHUB_PGBOUNCER = (
    env_bool("UNIONHUB_PGBOUNCER", False)
    or env_bool("DATABASE_TRANSACTION_POOLING", False)
    or env("DATABASE_POOL_MODE", "") == "transaction"
)
if UNIONHUB_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Optional read replica (streaming replication) for the statistics and exports (unionhub.dbrouters); writes and
# every other read stay on the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=0)
    DATABASES["replica"].setdefault("OPTIONS", {})
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = UNIONHUB_PGBOUNCER
UNIONHUB_READ_REPLICA = bool(DATABASE_REPLICA_URL)
DATABASE_ROUTERS = ["unionhub.dbrouters.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "security.backends.AddressLimitBackend",
    "members.backends.PhoneIdOrUsernameBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "member-login"
LOGIN_REDIRECT_URL = "member-home"
LOGOUT_REDIRECT_URL = "member-login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded proofs and generated documents live outside the web root and are served by views that check scope.
PRIVATE_MEDIA_ROOT = Path(env("UNIONHUB_PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
# The same files in an S3-compatible bucket (MinIO, Ceph, a cloud's object storage) when UNIONHUB_S3_BUCKET is
# set: the named storage "private" (unionhub.lib.storage) is then django-storages' S3Storage. The bucket stays
# private (no public ACL, no served URL); proofs and uploads are encrypted before they are written.
UNIONHUB_S3_BUCKET = env("UNIONHUB_S3_BUCKET", "")
PRIVATE_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": UNIONHUB_S3_BUCKET,
            "endpoint_url": env("UNIONHUB_S3_ENDPOINT_URL") or None,
            "access_key": env("UNIONHUB_S3_ACCESS_KEY_ID") or None,
            "secret_key": env("UNIONHUB_S3_SECRET_ACCESS_KEY") or None,
            "region_name": env("UNIONHUB_S3_REGION", "us-east-1"),
            "location": env("UNIONHUB_S3_PREFIX", ""),
            # MinIO and most self-hosted stores want path-style addresses (http://minio:9000/bucket/key).
            "addressing_style": env("UNIONHUB_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": True,  # names are random; no existence round trip before each write
        },
    }
    if UNIONHUB_S3_BUCKET
    else {"BACKEND": "unionhub.lib.storage.PrivateFileSystemStorage"}
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": PRIVATE_STORAGE,
}

# Business date (SPEC §7): an ISO date for demos and training, else today in Asia/Shanghai.
UNIONHUB_TODAY = env("UNIONHUB_TODAY")

# Personal data encryption: comma-separated Fernet keys, newest first (older keys only decrypt).
UNIONHUB_FIELD_KEYS = env_list("UNIONHUB_FIELD_KEYS")
# Keyed hash (HMAC-SHA256) for looking up ID numbers and phones without storing them in clear.
UNIONHUB_HASH_KEY = env("UNIONHUB_HASH_KEY")

PAYMENT_SANDBOX_SECRET = env("PAYMENT_SANDBOX_SECRET")
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", "sandbox")
# The sandbox provider credits orders without money: production refuses it unless this is set (training only).
UNIONHUB_ALLOW_SANDBOX_PAYMENTS = env_bool("UNIONHUB_ALLOW_SANDBOX_PAYMENTS", False)
# A banner on every page, member and admin: "training system, no real payments" (production turns it on with the
# sandbox).
UNIONHUB_TRAINING_BANNER = env_bool("UNIONHUB_TRAINING_BANNER", False)
PAYMENT_ORDER_TTL_MINUTES = int(env("PAYMENT_ORDER_TTL_MINUTES", "30"))
# Empty: absolute links are built from the host of the request (behind a proxy, set it or USE_X_FORWARDED_HOST).
SITE_URL = env("UNIONHUB_SITE_URL", "")

WECHATPAY = {
    "MCHID": env("WECHATPAY_MCHID"),
    "APPID": env("WECHATPAY_APPID"),
    "API_V3_KEY": env("WECHATPAY_API_V3_KEY"),
    "CERT_SERIAL_NO": env("WECHATPAY_CERT_SERIAL_NO"),
    "PRIVATE_KEY_PATH": env("WECHATPAY_PRIVATE_KEY_PATH"),
    "PLATFORM_CERT_DIR": env("WECHATPAY_PLATFORM_CERT_DIR"),
    "NOTIFY_URL": env("WECHATPAY_NOTIFY_URL"),
}

# WeChat (unionhub.lib.wechat, SPEC §9): mini-program login, Official Account web OAuth, subscribe messages.
UNIONHUB_WECHAT_API_BASE = env("UNIONHUB_WECHAT_API_BASE", "https://api.weixin.qq.com")
UNIONHUB_WECHAT_OPEN_BASE = env("UNIONHUB_WECHAT_OPEN_BASE", "https://open.weixin.qq.com")
UNIONHUB_WECHAT_MINIPROGRAM_APPID = env("UNIONHUB_WECHAT_MINIPROGRAM_APPID", "")
UNIONHUB_WECHAT_MINIPROGRAM_SECRET = env("UNIONHUB_WECHAT_MINIPROGRAM_SECRET", "")
UNIONHUB_WECHAT_OFFICIAL_APPID = env("UNIONHUB_WECHAT_OFFICIAL_APPID", "")
UNIONHUB_WECHAT_OFFICIAL_SECRET = env("UNIONHUB_WECHAT_OFFICIAL_SECRET", "")
UNIONHUB_WECHAT_TIMEOUT_SECONDS = int(env("UNIONHUB_WECHAT_TIMEOUT_SECONDS", "5"))
# Access tokens: the stable-token API (one token shared by every caller) or the classic /cgi-bin/token; cached
# in this cache alias until this many seconds before they expire.
UNIONHUB_WECHAT_STABLE_TOKEN = env_bool("UNIONHUB_WECHAT_STABLE_TOKEN", True)
UNIONHUB_WECHAT_CACHE = env("UNIONHUB_WECHAT_CACHE", "default")
UNIONHUB_WECHAT_TOKEN_MARGIN_SECONDS = int(env("UNIONHUB_WECHAT_TOKEN_MARGIN_SECONDS", "300"))
# How long a mini-program bind ticket (an unknown openid waiting for a phone code or password) is valid.
UNIONHUB_WECHAT_BIND_TICKET_SECONDS = int(env("UNIONHUB_WECHAT_BIND_TICKET_SECONDS", "600"))
# Subscribe messages: JSON {message kind: template id, or {"template_id", "data": {key: field}, "page"}}; empty: off.
UNIONHUB_WECHAT_SUBSCRIBE_TEMPLATES = json.loads(env("UNIONHUB_WECHAT_SUBSCRIBE_TEMPLATES", "{}") or "{}")
UNIONHUB_WECHAT_MINIPROGRAM_STATE = env("UNIONHUB_WECHAT_MINIPROGRAM_STATE", "")  # formal, trial or developer

# SMS (notifications.sms): console, locmem, aliyun or tencent; template codes per kind: notifications.sms_templates
NOTIFY_SMS_BACKEND = env("UNIONHUB_SMS_BACKEND", "console")
UNIONHUB_SMS_SIGN_NAME = env("UNIONHUB_SMS_SIGN_NAME", "")
UNIONHUB_SMS_RATE_PER_SECOND = int(env("UNIONHUB_SMS_RATE_PER_SECOND", "20"))  # per provider, across workers
UNIONHUB_SMS_ALIYUN_ACCESS_KEY_ID = env("UNIONHUB_SMS_ALIYUN_ACCESS_KEY_ID", "")
UNIONHUB_SMS_ALIYUN_ACCESS_KEY_SECRET = env("UNIONHUB_SMS_ALIYUN_ACCESS_KEY_SECRET", "")
UNIONHUB_SMS_ALIYUN_ENDPOINT = env("UNIONHUB_SMS_ALIYUN_ENDPOINT", "dysmsapi.aliyuncs.com")
UNIONHUB_SMS_ALIYUN_PROTOCOL = env("UNIONHUB_SMS_ALIYUN_PROTOCOL", "https")
UNIONHUB_SMS_ALIYUN_REGION = env("UNIONHUB_SMS_ALIYUN_REGION", "cn-hangzhou")
UNIONHUB_SMS_TENCENT_SECRET_ID = env("UNIONHUB_SMS_TENCENT_SECRET_ID", "")
UNIONHUB_SMS_TENCENT_SECRET_KEY = env("UNIONHUB_SMS_TENCENT_SECRET_KEY", "")
UNIONHUB_SMS_TENCENT_APP_ID = env("UNIONHUB_SMS_TENCENT_APP_ID", "")
UNIONHUB_SMS_TENCENT_REGION = env("UNIONHUB_SMS_TENCENT_REGION", "ap-guangzhou")
UNIONHUB_SMS_TENCENT_ENDPOINT = env("UNIONHUB_SMS_TENCENT_ENDPOINT", "sms.tencentcloudapi.com")
UNIONHUB_SMS_TENCENT_PROTOCOL = env("UNIONHUB_SMS_TENCENT_PROTOCOL", "https")
# One-time SMS codes (security.sms_codes, SPEC §9)
UNIONHUB_SMS_CODE_TTL_SECONDS = 300
UNIONHUB_SMS_CODE_MAX_TRIES = 5
UNIONHUB_SMS_CODE_RESEND_SECONDS = 60
UNIONHUB_SMS_CODES_PER_PHONE_DAY = 10
UNIONHUB_SMS_CODES_PER_ADDRESS_DAY = int(env("UNIONHUB_SMS_CODES_PER_ADDRESS_DAY", "30"))
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "unionhub@localhost")

REDIS_URL = env("REDIS_URL")
# One Redis, separate databases: broker, cache and sessions each default to REDIS_URL and can be given their own
# (e.g. redis://redis:6379/0, /1 and /2, or separate servers), so a flushed cache never drops queued tasks.
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or REDIS_URL or "memory://"
CACHE_REDIS_URL = env("CACHE_REDIS_URL") or REDIS_URL
SESSION_REDIS_URL = env("SESSION_REDIS_URL") or REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Acknowledged on receipt unless a task is idempotent (CELERY_TASK_ANNOTATIONS below sets acks_late on those).
CELERY_TASK_ACKS_LATE = False
# One task at a time per process (the heavy worker must keep it; the messages worker may raise it with
# --prefetch-multiplier).
CELERY_WORKER_PREFETCH_MULTIPLIER = int(env("CELERY_WORKER_PREFETCH_MULTIPLIER", "1"))
# Static schedule (no beat tables): each entry names a thin task that calls one service.
CELERY_BEAT_SCHEDULE = {
    "dues-sweep-daily": {"task": "dues.tasks.dues_sweep", "schedule": crontab(hour=2, minute=0)},
    "applications-overdue-daily": {
        "task": "applications.tasks.application_overdue_remind",
        "schedule": crontab(hour=8, minute=30),
    },
    "payments-reconcile": {"task": "dues.tasks.payment_reconcile", "schedule": crontab(minute="*/10")},
    "outbox-deliver": {"task": "unionhub.tasks.outbox_deliver_pending", "schedule": crontab(minute="*")},
    "outbox-requeue-stale": {
        "task": "notifications.tasks.outbox_requeue_stale",
        "schedule": crontab(minute="*/5"),
    },
}
# Three queues, one worker pool each (README § Queues): messages (SMS and e-mail sends), heavy (imports, exports,
# sweeps, statistics), default (everything else: beats that only mark and enqueue, reminders, purges).
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_CREATE_MISSING_QUEUES = True
CELERY_TASK_ROUTES = {
    "unionhub.tasks.outbox_deliver": {"queue": "messages"},
    "notifications.tasks.outbox_deliver_batch": {"queue": "messages"},
    "members.tasks.member_import_run": {"queue": "heavy"},
    "datawork.tasks.export_job_run": {"queue": "heavy"},
    "datawork.tasks.prune_expired": {"queue": "heavy"},
    "dues.tasks.dues_sweep": {"queue": "heavy"},
    "dues.tasks.payment_reconcile": {"queue": "heavy"},
    "security.tasks.person_anonymise_expired": {"queue": "heavy"},
}
# Time limits per kind of task (soft: SoftTimeLimitExceeded is raised inside the task; hard: the worker process is
# killed). acks_late (+ reject_on_worker_lost) only where running twice is harmless: a send claims its row by a
# conditional update, an import or export job claims its row by state, the sweep resumes from its record.
_SEND = {"soft_time_limit": 30, "time_limit": 60}
_BEAT = {"soft_time_limit": 120, "time_limit": 180}
_HEAVY = {
    "soft_time_limit": int(env("UNIONHUB_HEAVY_SOFT_TIME_LIMIT_SECONDS", "3300")),
    "time_limit": int(env("UNIONHUB_HEAVY_TIME_LIMIT_SECONDS", "3600")),
}
_IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}
CELERY_TASK_SOFT_TIME_LIMIT = 300  # any task not listed below
CELERY_TASK_TIME_LIMIT = 360
CELERY_TASK_ANNOTATIONS = {
    "unionhub.tasks.outbox_deliver": {**_SEND, **_IDEMPOTENT},
    "notifications.tasks.outbox_deliver_batch": {"soft_time_limit": 240, "time_limit": 300, **_IDEMPOTENT},
    "unionhub.tasks.outbox_deliver_pending": _BEAT,
    "notifications.tasks.outbox_requeue_stale": _BEAT,
    "datawork.tasks.export_job_run": {**_HEAVY, **_IDEMPOTENT},
    "datawork.tasks.prune_expired": _HEAVY,
    "dues.tasks.dues_sweep": {**_HEAVY, **_IDEMPOTENT},
    "dues.tasks.payment_reconcile": _BEAT,
    "security.tasks.person_anonymise_expired": _HEAVY,
}

# Redis down degrades, it does not fail (unionhub/cache.py): the default cache answers from a per-process memory
# cache (throttles count per process, cached values are read again from the database); the sessions cache misses,
# so sessions are read from and written to the database alone.
CACHES = (
    {
        "default": {
            "BACKEND": "unionhub.lib.cache.FailoverRedisCache",
            "LOCATION": CACHE_REDIS_URL,
            "OPTIONS": {"fallback": "local"},
        },
        "sessions": {
            "BACKEND": "unionhub.lib.cache.FailoverRedisCache",
            "LOCATION": SESSION_REDIS_URL,
            "OPTIONS": {"fallback": "miss"},
        },
    }
    if REDIS_URL
    else {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sessions"},
    }
)
SESSION_CACHE_ALIAS = "sessions"
# django-ratelimit only knows Django's own backends by name; the failover one is a RedisCache.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
# A broker that is down must not hold a request: publishing gives up quickly, and what was not queued is picked up
# by the beat tasks (outbox_deliver_pending for messages, import_jobs_recover for imports).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "members.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "unionhub.lib.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "unionhub.lib.api.exception_handler",
    # JSON nested deeper than JSON_MAX_DEPTH, non-object bodies and NUL or lone surrogates are refused (400).
    "DEFAULT_PARSER_CLASSES": [
        "unionhub.lib.parsers.SafeJSONParser",
        "unionhub.lib.parsers.SafeFormParser",
        "unionhub.lib.parsers.SafeMultiPartParser",
    ],
}
JSON_MAX_DEPTH = int(env("UNIONHUB_JSON_MAX_DEPTH", "64"))
SPECTACULAR_SETTINGS = {
    "TITLE": "UnionHub API",
    "DESCRIPTION": (
        "工会会员管理：入会、转会、会费。\n\n"
        "认证：请求头 `Authorization: Token <key>`（注册或 `POST /api/v1/auth/token/` 取得），或登录会话。\n\n"
        '错误答复统一为 `{"code": "...", "detail": "..."}`：`code` 是不随语言变化的错误代码，每个接口的 400、409 '
        "等答复列出它可能给出的代码及其中文说明（全部代码见 ErrorCode）；`detail` 是给用户看的说明。"
        "请求体字段不合格式时，400 为按字段列出的错误（FieldErrors）。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's error answers, the code registry and the tags (member, staff, provider): unionhub.lib.schema.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "unionhub.lib.schema.postprocess",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Login throttling (django-axes): lock a username+IP after repeated failures.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
# The client's address for every limit (security/client_ip.py): REMOTE_ADDR, or X-Forwarded-For only when the
# immediate peer is one of these reverse proxies (comma-separated CIDRs, e.g. "10.0.0.0/8,127.0.0.1/32").
UNIONHUB_TRUSTED_PROXIES = env_list("UNIONHUB_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "unionhub.lib.client_ip.axes_client_ip"
# Failed logins from one address, across accounts: this many within the window block it (page and API, 429).
UNIONHUB_LOGIN_FAILURES_PER_ADDRESS = int(env("UNIONHUB_LOGIN_FAILURES_PER_ADDRESS", "20"))
UNIONHUB_LOGIN_FAILURES_WINDOW_SECONDS = int(env("UNIONHUB_LOGIN_FAILURES_WINDOW_SECONDS", str(15 * 60)))

# Sessions are read from the cache (Redis in production) and written through to the database.
SESSION_ENGINE = "unionhub.lib.sessions"  # cached_db, a session update in one statement
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(8 * 3600)))  # absolute lifetime
SESSION_IDLE_SECONDS = int(env("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_COOKIE_HTTPONLY = True

# Content Security Policy (django-csp 4): only our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "unionhub.lib.logging.MaskPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_pii"], "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Also to a file (masked like the console): e.g. UNIONHUB_LOG_FILE=/var/log/unionhub/app.log
if env("UNIONHUB_LOG_FILE"):
    LOGGING["handlers"]["file"] = {
        "class": "logging.FileHandler",
        "filename": env("UNIONHUB_LOG_FILE"),
        "filters": ["mask_pii"],
        "formatter": "plain",
        "encoding": "utf-8",
    }
    LOGGING["root"]["handlers"].append("file")

UNIONHUB_RETENTION_YEARS = int(env("UNIONHUB_RETENTION_YEARS", "5"))

# Member card, inbox and profile (members/card.py): how long a card's QR link verifies, and how often one IP
# may ask the public verification page (django-ratelimit rate, e.g. "30/m").
CARD_LINK_MAX_AGE_SECONDS = int(env("UNIONHUB_CARD_LINK_MAX_AGE_SECONDS", "600"))
CARD_VERIFY_RATE = env("UNIONHUB_CARD_VERIFY_RATE", "30/m")
# (The card page's limit counts the address from security/client_ip.py, like every other limit.)
# --- Security (issue 8): admin with two-factor, login throttling, sessions, API schema, retention ---
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "security.apps.UnionHubAdminConfig"
INSTALLED_APPS.append("security")
# City and county admins (and superusers) must pass a TOTP code before the admin opens.
UNIONHUB_REQUIRE_ADMIN_2FA = env_bool("UNIONHUB_REQUIRE_ADMIN_2FA", True)
# The office APIs (members.permissions.IsUnionStaff) also ask these checks of every request: the second factor.
UNIONHUB_STAFF_REQUEST_CHECKS = ["security.otp.staff_power"]
# ... and the registry asks for a second factor before numbers are shown in clear.
UNIONHUB_SECOND_FACTOR = {
    "verified": "security.otp.second_factor_verified",
    "redirect": "security.otp.second_factor_redirect",
}
OTP_TOTP_ISSUER = "UnionHub"
# A TOTP secret is shown once, at enrolment; the admin never shows a device's key, config or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Members log in with a phone or an ID number: axes stores and logs a masked pseudonym instead.
AXES_USERNAME_CALLABLE = "security.axes.axes_username"
AXES_LOCKOUT_TEMPLATE = "security/locked_out.html"
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "unionhub.lib.schema.AutoSchema"
# Where collectstatic writes (the production-settings test uses a temporary one).
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(STATIC_ROOT)))
# axes logs every login at INFO; lockouts come at WARNING. Celery's eager runs log each task at INFO.
LOGGING["loggers"]["axes"] = {"level": env("AXES_LOG_LEVEL", "WARNING")}
LOGGING["loggers"]["celery"] = {"level": env("CELERY_LOG_LEVEL", "WARNING")}
CELERY_BEAT_SCHEDULE["retention-anonymise-yearly"] = {
    "task": "security.tasks.person_anonymise_expired",
    "schedule": crontab(month_of_year=1, day_of_month=15, hour=3, minute=0),
}
# --- transfers ---
CELERY_BEAT_SCHEDULE["transfers-overdue-daily"] = {
    "task": "transfers.tasks.transfer_overdue_remind",
    "schedule": crontab(hour=8, minute=35),
}
CELERY_BEAT_SCHEDULE["secondment-end-daily"] = {
    "task": "transfers.tasks.secondment_end_remind",
    "schedule": crontab(hour=8, minute=40),
}
# --- union lifecycle ---
CELERY_BEAT_SCHEDULE["term-renewal-remind-daily"] = {
    "task": "formation.tasks.term_renewal_remind",
    "schedule": crontab(hour=8, minute=45),
}
CELERY_BEAT_SCHEDULE["formation-transfer-remind-daily"] = {
    "task": "formation.tasks.union_formation_transfer_remind",
    "schedule": crontab(hour=8, minute=50),
}
# Data work (members: import, exports, statistics, half-yearly review)
# 每年1月、7月: remind each union's staff to review its data.
CELERY_BEAT_SCHEDULE["sms-codes-purge-daily"] = {
    "task": "security.tasks.sms_codes_purge",
    "schedule": crontab(hour=3, minute=30),
}
CELERY_BEAT_SCHEDULE["union-review-remind"] = {
    "task": "members.tasks.union_review_remind",
    "schedule": crontab(day_of_month="2", month_of_year="1,7", hour=9, minute=0),
}
# Member imports: rows refused past this many (counted while reading), bad rows listed in full in the report, and
# recovery of jobs left pending by a lost worker or queue message (datawork.imports.import_jobs_recover).
IMPORT_MAX_ROWS = int(env("UNIONHUB_IMPORT_MAX_ROWS", "200000"))
IMPORT_REPORT_FULL_ROWS = int(env("UNIONHUB_IMPORT_REPORT_FULL_ROWS", "1000"))
IMPORT_STALE_MINUTES = int(env("UNIONHUB_IMPORT_STALE_MINUTES", "30"))
IMPORT_MAX_ATTEMPTS = int(env("UNIONHUB_IMPORT_MAX_ATTEMPTS", "3"))
IMPORT_TIME_LIMIT_SECONDS = int(env("UNIONHUB_IMPORT_TIME_LIMIT_SECONDS", "1800"))
CELERY_TASK_ANNOTATIONS["members.tasks.member_import_run"] = {
    "soft_time_limit": max(IMPORT_TIME_LIMIT_SECONDS - 60, 60),
    "time_limit": IMPORT_TIME_LIMIT_SECONDS,
    **_IDEMPOTENT,
}
CELERY_BEAT_SCHEDULE["member-imports-recover"] = {
    "task": "members.tasks.import_jobs_recover",
    "schedule": crontab(minute="*/5"),
}
# --- dues ---------------------------------------------------------------------------------------------------------
# WeChat Pay API v3: the platform public key (微信支付公钥) and its id, used instead of downloaded certificates.
WECHATPAY["PUBLIC_KEY_PATH"] = env("WECHATPAY_PUBLIC_KEY_PATH")
WECHATPAY["PUBLIC_KEY_ID"] = env("WECHATPAY_PUBLIC_KEY_ID")
# Notifications older (or newer) than this many seconds are refused as replays.
WECHATPAY_NOTIFY_MAX_AGE_SECONDS = int(env("WECHATPAY_NOTIFY_MAX_AGE_SECONDS", "300"))
# The merchant API's address (tests point it at a local stand-in).
WECHATPAY["BASE_URL"] = env("WECHATPAY_BASE_URL", "https://api.mch.weixin.qq.com")
# H5 payment (a phone browser outside WeChat): the site as registered for H5 payment (scene_info.h5_info).
WECHATPAY["H5_APP_NAME"] = env("WECHATPAY_H5_APP_NAME", "工会会费")
WECHATPAY["H5_APP_URL"] = env("WECHATPAY_H5_APP_URL", "")
# The WeChat apps members use (the login work reads them too): JSAPI payments are made in the Official Account's
# appid with its openid, mini-program payments in the mini-program's; both must be bound to the merchant id.
UNIONHUB_WECHAT_OFFICIAL_APPID = env("UNIONHUB_WECHAT_OFFICIAL_APPID", "")
UNIONHUB_WECHAT_MINIPROGRAM_APPID = env("UNIONHUB_WECHAT_MINIPROGRAM_APPID", "")
# The arrears sweep runs at DUES_SWEEP_HOUR; a check every 15 minutes sweeps a date missed or left unfinished
# (a run silent for DUES_SWEEP_STALE_SECONDS is taken as lost and resumed).
DUES_SWEEP_HOUR = 2
DUES_SWEEP_STALE_SECONDS = int(env("DUES_SWEEP_STALE_SECONDS", "600"))
CELERY_BEAT_SCHEDULE["dues-sweep-check"] = {
    "task": "dues.tasks.dues_sweep_check",
    "schedule": crontab(minute="*/15", hour="2-23"),
}
# The monthly rate when no year has one recorded (city admins record each year's rate in admin).
DUES_DEFAULT_MONTHLY_AMOUNT = env("DUES_DEFAULT_MONTHLY_AMOUNT", "10.00")
# --- Integration: one name per choice set shared in the API schema ---
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "ApplicationStateEnum": "casework.models.ApplicationState",
    "UnionFormationStateEnum": "formation.models.UnionFormationState",
    "PaymentOrderStatusEnum": "dues.models.PaymentOrder.Status",
}
# --- Operations: health, metrics, error reports, logs, pruning (README § Deployment and operations) ---
INSTALLED_APPS.insert(INSTALLED_APPS.index("unionhub"), "django_prometheus")
MIDDLEWARE.insert(0, "unionhub.requestid.RequestIdMiddleware")
MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
# Who may read /metrics (comma-separated CIDRs; REMOTE_ADDR is compared, so scrape the app directly, not via the
# public proxy). Anyone else gets 404.
UNIONHUB_METRICS_ALLOWED_CIDRS = env_list("UNIONHUB_METRICS_ALLOWED_CIDRS", "127.0.0.1/32,::1/128")
# LOG_FORMAT=json: one JSON object per line (python-json-logger) with the request id; plain text otherwise.
LOGGING["filters"]["request_id"] = {"()": "unionhub.lib.requestid.RequestIdFilter"}
LOGGING["formatters"]["json"] = {
    "()": "pythonjsonlogger.json.JsonFormatter",
    "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
    "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
}
LOGGING["formatters"]["plain"]["format"] = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
LOGGING["handlers"]["console"]["filters"] = ["mask_pii", "request_id"]
LOG_FORMAT = env("LOG_FORMAT", "plain")
LOGGING["handlers"]["console"]["formatter"] = "json" if LOG_FORMAT == "json" else "plain"
# Sentry, only when SENTRY_DSN is set; events and breadcrumbs pass the personal-data scrub (unionhub.sentry).
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    from unionhub import sentry as _sentry

    _sentry.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT"),
        release=env("SENTRY_RELEASE"),
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
# Retention in days (0 keeps everything) of rows that no rule needs for ever; money and membership history are
# never pruned (datawork.pruning).
UNIONHUB_PRUNE_OUTBOX_DAYS = int(env("UNIONHUB_PRUNE_OUTBOX_DAYS", "180"))
UNIONHUB_PRUNE_PAYMENT_NOTIFICATION_DAYS = int(env("UNIONHUB_PRUNE_PAYMENT_NOTIFICATION_DAYS", "365"))
UNIONHUB_PRUNE_AUDIT_DAYS = int(env("UNIONHUB_PRUNE_AUDIT_DAYS", str(3 * 365)))
# Audit actions kept for ever, by prefix: money, and the anonymisation that closes a person's record.
UNIONHUB_PRUNE_AUDIT_KEEP_PREFIXES = env_list("UNIONHUB_PRUNE_AUDIT_KEEP_PREFIXES", "dues_,person_anonymise")
CELERY_BEAT_SCHEDULE["prune-expired-nightly"] = {
    "task": "datawork.tasks.prune_expired",
    "schedule": crontab(hour=3, minute=30),
}
# --- Institutional SSO (统一身份认证, OpenID Connect; security/sso.py, mozilla-django-oidc) -----------------------
# Off while UNIONHUB_OIDC_ISSUER or the client id is empty. Endpoints come from the issuer's discovery document
# (/.well-known/openid-configuration, fetched on first use and cached); an explicit endpoint setting wins.
UNIONHUB_OIDC_ISSUER = env("UNIONHUB_OIDC_ISSUER", "")
UNIONHUB_OIDC_PERSON_CLAIM = env("UNIONHUB_OIDC_PERSON_CLAIM", "id_number")
UNIONHUB_OIDC_PERSON_KEY = env("UNIONHUB_OIDC_PERSON_KEY", "id_number")  # or "staff_number"
UNIONHUB_OIDC_DISCOVERY_TTL_SECONDS = int(env("UNIONHUB_OIDC_DISCOVERY_TTL_SECONDS", "3600"))
OIDC_RP_CLIENT_ID = env("UNIONHUB_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env("UNIONHUB_OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = env("UNIONHUB_OIDC_SCOPES", "openid profile")
OIDC_RP_SIGN_ALGO = "RS256"  # keys from the provider's JWKS
OIDC_OP_AUTHORIZATION_ENDPOINT = env("UNIONHUB_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env("UNIONHUB_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env("UNIONHUB_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env("UNIONHUB_OIDC_JWKS_ENDPOINT", "")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
OIDC_CREATE_USER = False  # security.sso decides: only for a person on record
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
LOGIN_REDIRECT_URL_FAILURE = "/login/"
AUTHENTICATION_BACKENDS.append("security.sso.PersonOIDCBackend")
# Staff password reset by e-mail link: how often one address may ask for a link (django-ratelimit rate).
STAFF_PASSWORD_RESET_RATE = env("UNIONHUB_STAFF_PASSWORD_RESET_RATE", "5/h")
PASSWORD_RESET_TIMEOUT = int(env("UNIONHUB_PASSWORD_RESET_TIMEOUT", str(3600)))  # seconds a link stays valid
# --- Outbox delivery (notifications.delivery; README § Queues) ---
# Each beat run marks at most OUTBOX_QUEUE_LIMIT pending messages queued (one statement) and enqueues them in
# batches of OUTBOX_BATCH_SIZE; a failed send is retried after OUTBOX_RETRY_BASE_SECONDS * 2**(attempts-1) until
# OUTBOX_MAX_ATTEMPTS; a message queued (or being sent) longer than OUTBOX_STALE_SECONDS is queued again.
OUTBOX_QUEUE_LIMIT = int(env("UNIONHUB_OUTBOX_QUEUE_LIMIT", "20000"))
OUTBOX_BATCH_SIZE = int(env("UNIONHUB_OUTBOX_BATCH_SIZE", "100"))
# A batch writes its sent messages one statement per OUTBOX_RECORD_EVERY sends (or per second): a worker lost
# mid-batch leaves at most that many sent messages marked sending, which the stale sweep sends again.
OUTBOX_RECORD_EVERY = int(env("UNIONHUB_OUTBOX_RECORD_EVERY", "20"))
OUTBOX_MAX_ATTEMPTS = int(env("UNIONHUB_OUTBOX_MAX_ATTEMPTS", "5"))
OUTBOX_RETRY_BASE_SECONDS = int(env("UNIONHUB_OUTBOX_RETRY_BASE_SECONDS", "30"))
OUTBOX_STALE_SECONDS = int(env("UNIONHUB_OUTBOX_STALE_SECONDS", "900"))
# --- Exports as jobs (datawork.export_jobs) ---
UNIONHUB_EXPORT_SHEET_ROWS = int(env("UNIONHUB_EXPORT_SHEET_ROWS", "1000000"))
UNIONHUB_EXPORT_LINK_HOURS = int(env("UNIONHUB_EXPORT_LINK_HOURS", "24"))
CELERY_BEAT_SCHEDULE["export-jobs-housekeeping"] = {
    "task": "datawork.tasks.export_jobs_housekeeping",
    "schedule": crontab(minute="*/10"),
}
