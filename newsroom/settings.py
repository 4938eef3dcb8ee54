"""Settings for Newsroom, read from the environment.

Development needs nothing set: `DEBUG=1` gives a local secret key and an
SQLite file under var/. Production (DEBUG unset) refuses to start without
SECRET_KEY and ALLOWED_HOSTS, so a forgotten variable is a clear error at
start-up rather than an insecure site.
"""

import ipaddress
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from newsroom.dates import parse_setting_date

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = os.environ.get("DEBUG", "") == "1"

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: set the SECRET_KEY environment variable to a long random "
            "string, or DEBUG=1 for local development. 缺少 SECRET_KEY 环境变量。"
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is not set: set it to the site's host names, comma-separated. "
            "缺少 ALLOWED_HOSTS 环境变量。"
        )
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_tasks_db",
    "taggit",
    "reversion",
    "newsroom.apps.LoginProtectionConfig",  # django-axes
    "people",
    "articles",
]

MIDDLEWARE = [
    # First: nothing may read a forwarded header that did not come from our own proxy.
    "newsroom.middleware.ForwardedHeadersFromOurProxyOnlyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL or control character in the path or a parameter is a 404, before any view or query.
    "newsroom.middleware.RejectBadCharactersMiddleware",
    # ETag on every response and 304 Not Modified for repeat visits, cached pages included.
    "django.middleware.http.ConditionalGetMiddleware",
    "articles.page_cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Repeated failed logins lock out, for a while, the address they came from and, separately, the
# username they tried: guessing one account's password from many addresses is stopped too.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# Behind a reverse proxy REMOTE_ADDR is the proxy's: say how many proxies to trust.
NEWSROOM_TRUSTED_PROXIES = int(os.environ.get("NEWSROOM_TRUSTED_PROXIES", "0"))
# Where that proxy connects from (addresses or networks): forwarded headers from anywhere else
# are dropped (newsroom/middleware.py). Default: the proxy runs on the same machine.
try:
    NEWSROOM_PROXY_NETWORKS = [
        ipaddress.ip_network(network, strict=False)
        for network in env_list("NEWSROOM_PROXY_NETWORKS", "127.0.0.1/32,::1/128")
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"NEWSROOM_PROXY_NETWORKS: {error}") from None
AXES_CLIENT_IP_CALLABLE = "newsroom.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/lockout.html"
AXES_VERBOSE = False

# bench/serve_bench.sh adds its ceiling view with NEWSROOM_BENCH_VIEWS=1; production never has it.
ROOT_URLCONF = (
    "bench.urls" if os.environ.get("NEWSROOM_BENCH_VIEWS", "") == "1" else "newsroom.urls"
)

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
                "articles.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'newsroom.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# The hot hand-written queries are prepared once per connection (newsroom/prepared.py).
NEWSROOM_PREPARED_STATEMENTS = os.environ.get("DATABASE_PREPARED_STATEMENTS", "1") == "1"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Many app servers against one PostgreSQL: either psycopg's own pool in each process
    # (DATABASE_POOL=1; connections are then never kept per thread, CONN_MAX_AGE=0), or PgBouncer
    # in transaction mode in front (DATABASE_PGBOUNCER=1: no server-side cursors, and CONN_MAX_AGE=0).
    if os.environ.get("DATABASE_POOL") == "1":
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DATABASE_POOL_MIN", "2")),
            "max_size": int(os.environ.get("DATABASE_POOL_MAX", "8")),
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }
    if os.environ.get("DATABASE_PGBOUNCER") == "1":
        NEWSROOM_PREPARED_STATEMENTS = False
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    if NEWSROOM_PREPARED_STATEMENTS:
        # Plan them once, for any parameters: left to choose, PostgreSQL kept planning the front
        # page's query afresh at every execution (0.4 ms) for the same plan it made generically
        # (0.01 ms). Only those statements are prepared (the ORM binds on the client), so the
        # setting touches nothing else; set when connecting, so no rollback can undo it.
        # Added to any the URL sets (?options=-c statement_timeout=5000).
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c plan_cache_mode=force_generic_plan"
        options["options"] = options["options"].strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # WAL lets readers carry on while the importer writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    # Writers take the lock when their transaction begins, so two imports (or an import and the
    # admin) queue for it instead of one failing with "database is locked" half way through.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"

REDIS_URL = os.environ.get("REDIS_URL", "")
# A cache server that fails degrades the site to uncached pages (newsroom/cache.py); these bound
# how long a request waits for it and how soon it is tried again.
REDIS_TIMEOUT = float(os.environ.get("REDIS_TIMEOUT", "0.25"))
NEWSROOM_CACHE_RETRY_SECONDS = float(os.environ.get("NEWSROOM_CACHE_RETRY_SECONDS", "5"))
CACHES = {
    "default": (
        {
            "BACKEND": "newsroom.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT,
                "socket_timeout": REDIS_TIMEOUT,
            },
        }
        if REDIS_URL
        else {
            # Per process; still correct with several workers, because what is current is
            # decided by the content generation in the database (articles/page_cache.py).
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    )
}
# Whole public pages for anonymous readers (articles/page_cache.py).
NEWSROOM_PAGE_CACHE = os.environ.get("NEWSROOM_PAGE_CACHE", "1") == "1"
NEWSROOM_PAGE_CACHE_SECONDS = int(os.environ.get("NEWSROOM_PAGE_CACHE_SECONDS", "300"))
NEWSROOM_BROWSER_MAX_AGE = int(os.environ.get("NEWSROOM_BROWSER_MAX_AGE", "60"))
# How stale a process's copy of the shared content generation may be, and so how long every
# writer waits after committing a change (articles/page_cache.py).
NEWSROOM_GENERATION_WAIT = float(os.environ.get("NEWSROOM_GENERATION_WAIT", "0.05"))
# CDNs and other shared caches: a withdrawal leaves them within s-maxage + stale-while-revalidate
# seconds even if no purge reaches them.
NEWSROOM_SHARED_MAX_AGE = int(os.environ.get("NEWSROOM_SHARED_MAX_AGE", "30"))
NEWSROOM_STALE_WHILE_REVALIDATE = int(os.environ.get("NEWSROOM_STALE_WHILE_REVALIDATE", "30"))
# Called (POST, JSON {"urls": [...]}) with the changed pages' URLs after every change.
NEWSROOM_PURGE_URL = os.environ.get("NEWSROOM_PURGE_URL", "")
NEWSROOM_PURGE_TOKEN = os.environ.get("NEWSROOM_PURGE_TOKEN", "")
# The public site's address, so purged URLs are absolute (e.g. https://www.tlrb.cn).
NEWSROOM_PUBLIC_URL = os.environ.get("NEWSROOM_PUBLIC_URL", "").rstrip("/")

# Background work (django.tasks, stored in the database; `manage.py db_worker` runs it).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Issue dates and publication times outside this range are refused everywhere (newsroom/dates.py).
try:
    NEWSROOM_EARLIEST_DATE = parse_setting_date(
        "NEWSROOM_EARLIEST_DATE", os.environ.get("NEWSROOM_EARLIEST_DATE", "1949-10-01")
    )
    NEWSROOM_LATEST_DATE = parse_setting_date(
        "NEWSROOM_LATEST_DATE", os.environ.get("NEWSROOM_LATEST_DATE", "2100-12-31")
    )
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Chinese for the one installed app that ships none (django-axes).
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development WhiteNoise serves straight from the app folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

# Media (uploaded photos and their renditions): the filesystem under MEDIA_ROOT (a volume that
# the proxy serves at /media/) on one machine; an S3-compatible bucket (Alibaba OSS, Tencent COS,
# MinIO, AWS) when S3_BUCKET is set, so that several app servers and workers share it.
S3_BUCKET = os.environ.get("S3_BUCKET", "")
if S3_BUCKET:
    _public = urlsplit(os.environ.get("S3_PUBLIC_URL", ""))
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID", ""),
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY", ""),
            # Public objects at a public address: readers' browsers fetch photos from there.
            "querystring_auth": False,
            "file_overwrite": False,
            "custom_domain": (_public.netloc + _public.path.rstrip("/")) or None,
            "url_protocol": f"{_public.scheme or 'https'}:",
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "path"),
            # "public-read" where the bucket is not public as a whole; unset where ACLs are off.
            "default_acl": os.environ.get("S3_DEFAULT_ACL") or None,
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
_media_public = urlsplit(os.environ.get("S3_PUBLIC_URL", "")) if S3_BUCKET else None
MEDIA_ORIGIN = f"{_media_public.scheme}://{_media_public.netloc}" if _media_public else ""

STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

TAGGIT_CASE_INSENSITIVE = True

NEWSROOM_PAPER_NAME = os.environ.get("NEWSROOM_PAPER_NAME", "通辽日报")
# What a news site in mainland China must show in its footer before it goes live; each line
# appears only when set. NEWSROOM_PSB_NUMBER's digits make the link to its public record.
NEWSROOM_ICP_NUMBER = os.environ.get("NEWSROOM_ICP_NUMBER", "")  # 蒙ICP备12345678号-1
NEWSROOM_PSB_NUMBER = os.environ.get("NEWSROOM_PSB_NUMBER", "")  # 蒙公网安备 15050202000123号
NEWSROOM_NEWS_LICENSE = os.environ.get("NEWSROOM_NEWS_LICENSE", "")  # 互联网新闻信息服务许可证编号
NEWSROOM_COPYRIGHT = os.environ.get("NEWSROOM_COPYRIGHT", f"© {NEWSROOM_PAPER_NAME}")
NEWSROOM_MAX_PHOTO_BYTES = int(os.environ.get("NEWSROOM_MAX_PHOTO_BYTES", 20 * 1024 * 1024))
NEWSROOM_MAX_PHOTO_PIXELS = int(os.environ.get("NEWSROOM_MAX_PHOTO_PIXELS", 40_000_000))
# The e-paper's PDFs: a 版 exported for print with its photos is 5–30 MB, a whole issue more;
# the proxy's client_max_body_size (deploy/nginx.conf.template) must allow the larger.
NEWSROOM_EPAPER_MAX_BYTES = int(os.environ.get("NEWSROOM_EPAPER_MAX_BYTES", 80 * 1024 * 1024))
NEWSROOM_EPAPER_MAX_PAGES = int(os.environ.get("NEWSROOM_EPAPER_MAX_PAGES", "64"))
# PDFium runs in a child process with these limits (articles/epaper/isolation.py): a PDF that
# takes longer to check, split or render, or more memory, is refused in one line.
NEWSROOM_EPAPER_SECONDS = int(os.environ.get("NEWSROOM_EPAPER_SECONDS", "60"))
NEWSROOM_EPAPER_MEMORY_MB = int(os.environ.get("NEWSROOM_EPAPER_MEMORY_MB", "2048"))
# A print issue's text is well under 1 MB and under 200 stories: these stop a wrong file (a 50 MB
# dump, a 10,000-headline list) before it becomes one giant article or an endless front page.
NEWSROOM_IMPORT_MAX_BYTES = int(os.environ.get("NEWSROOM_IMPORT_MAX_BYTES", 5 * 1024 * 1024))
NEWSROOM_IMPORT_MAX_ARTICLES = int(os.environ.get("NEWSROOM_IMPORT_MAX_ARTICLES", "500"))
# The admin's import: a pasted issue up to the file limit is a form field, and the review page
# posts one choice per heading and byline (about ten per story at the article limit). Above
# these, the import page says so in a form error (articles/admin_import.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = NEWSROOM_IMPORT_MAX_BYTES + 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = max(1000, NEWSROOM_IMPORT_MAX_ARTICLES * 10)
# How long a shared preview link of an unpublished article works.
NEWSROOM_PREVIEW_MAX_AGE = int(os.environ.get("NEWSROOM_PREVIEW_MAX_AGE", 48 * 3600))

# Security headers. HTTPS-only settings apply when DEBUG is off, which is
# how the site runs in production behind TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": ["'self'"],
    # Photos come from the media bucket's public address when media live in object storage.
    "img-src": ["'self'", "data:", *([MEDIA_ORIGIN] if MEDIA_ORIGIN else [])],
    "style-src": ["'self'"],
    "script-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    # Health checks come over plain HTTP from inside the container or the load balancer.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # X-Forwarded-Proto says "https" only if our own proxy set it: trusted only when one is
    # declared (deploy/nginx.conf overwrites the header), never from a client reaching us directly.
    if NEWSROOM_TRUSTED_PROXIES:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Mail, for password resets: the console in development, SMTP from the environment otherwise.
MAILERS = {
    "default": (
        {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
        if DEBUG and not os.environ.get("EMAIL_HOST")
        else {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": os.environ.get("EMAIL_USE_TLS", "") == "1",
                "use_ssl": os.environ.get("EMAIL_USE_SSL", "") == "1",
                "timeout": 10,
            },
        }
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "newsroom@localhost")
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", 3 * 3600))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
