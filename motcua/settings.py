"""Django settings, read from the environment.

DATABASE_URL (default: SQLite file db.sqlite3 in WAL mode), SECRET_KEY, ALLOWED_HOSTS (comma separated),
DEBUG (1/0), MEDIA_ROOT or MOTCUA_STORAGE=s3 with MOTCUA_S3_* (motcua/core/storage.py). With DEBUG off, production-safe defaults apply and SECRET_KEY must be set.
"""

import ipaddress
import os
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from motcua import formats as day_first
from motcua.core.storage import default_storage_from_env

BASE_DIR = Path(__file__).resolve().parent.parent


def config_error(vi: str, en: str) -> ImproperlyConfigured:
    """A configuration error, read at start-up before translations are loaded: both languages in one line,
    Vietnamese first ("… — …"), naming the variable and what a valid value looks like (motcua.manage prints it)."""
    return ImproperlyConfigured(f"{vi} — {en}")


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """1/true/yes/on or 0/false/no/off (any case; empty is off); unset: `default`. Anything else stops the start:
    a typo such as DEBUG=flase must not silently choose one way."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise config_error(
        f"{name}={value!r} không hợp lệ: dùng 1 (bật) hoặc 0 (tắt)",
        f"{name}={value!r} is not valid: use 1 (on) or 0 (off)",
    )


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    """A whole number from the environment, `default` when unset or empty; not a number, or out of range, stops
    the start with a message naming the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        span_vi = f"từ {minimum} đến {maximum}" if maximum is not None else f"từ {minimum} trở lên"
        span_en = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise config_error(
            f"{name}={raw!r} không hợp lệ: cần một số nguyên {span_vi}, ví dụ {name}={default}",
            f"{name}={raw!r} is not valid: it must be a whole number {span_en}, e.g. {name}={default}",
        )
    return value


def database_from_env(default: str, *, conn_max_age: int) -> dict:
    """DATABASES["default"] from DATABASE_URL (postgres://user:password@host:port/name or sqlite:///path). A URL
    that cannot be read, another database kind, or a PostgreSQL URL without a database name stops the start; the
    message never repeats the URL (it may hold a password)."""
    example = "postgres://postgres@127.0.0.1:5432/motcua"
    url = os.environ.get("DATABASE_URL", "").strip()
    try:
        config = dj_database_url.parse(url or default, conn_max_age=conn_max_age)
    except ValueError:
        raise config_error(
            f"DATABASE_URL không đọc được: cần dạng postgres://người_dùng:mật_khẩu@máy:cổng/tên_csdl, ví dụ {example} "
            "(hoặc sqlite:///đường/dẫn.sqlite3); ký tự đặc biệt trong mật khẩu phải được mã hoá %XX",
            f"DATABASE_URL cannot be read: it must look like postgres://user:password@host:port/name, e.g. {example} "
            "(or sqlite:///path/to.sqlite3); special characters in the password must be %XX-encoded",
        ) from None
    engine = config.get("ENGINE", "")
    if engine not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
        scheme = url.split(":", 1)[0]
        raise config_error(
            f"DATABASE_URL dùng loại cơ sở dữ liệu '{scheme}' không được hỗ trợ: chỉ PostgreSQL (postgres://…, ví dụ "
            f"{example}) hoặc SQLite (sqlite:///…)",
            f"DATABASE_URL names an unsupported database '{scheme}': only PostgreSQL (postgres://…, e.g. {example}) "
            "or SQLite (sqlite:///…)",
        )
    if not config.get("NAME"):
        raise config_error(
            f"DATABASE_URL thiếu tên cơ sở dữ liệu ở cuối, ví dụ {example}",
            f"DATABASE_URL lacks the database name at its end, e.g. {example}",
        )
    return config


def site_url(value: str, *, debug: bool, allowed_hosts: list[str]) -> str:
    """MOTCUA_SITE_URL: as given (an http(s) URL, no trailing slash); else the development server in DEBUG (on
    PORT); else
    https://<host> when ALLOWED_HOSTS holds one host without wildcard; else the start stops."""
    value = value.strip().rstrip("/")
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise config_error(
                f"MOTCUA_SITE_URL {value!r} phải là địa chỉ của trang, ví dụ https://motcua.example.gov.vn",
                f"MOTCUA_SITE_URL {value!r} must be the site's address, e.g. https://motcua.example.gov.vn",
            )
        return value
    if debug:  # the development server, on the port `make run` serves (PORT)
        port = os.environ.get("PORT", "").strip()
        return f"http://127.0.0.1:{port if port.isdigit() else 8000}"
    if len(allowed_hosts) == 1 and allowed_hosts[0] != "*" and not allowed_hosts[0].startswith("."):
        return f"https://{allowed_hosts[0]}"
    raise config_error(
        "MOTCUA_SITE_URL phải được đặt khi DEBUG tắt (DEBUG=0): địa chỉ mà các đường dẫn trong thư điện tử và tin "
        "nhắn trỏ tới, ví dụ https://motcua.example.gov.vn (chỉ được suy ra từ ALLOWED_HOSTS khi biến này có "
        "đúng một tên miền)",
        "MOTCUA_SITE_URL must be set when DEBUG is off: the address the links in e-mails and text messages "
        "point to, e.g. https://motcua.example.gov.vn (it is derived from ALLOWED_HOSTS only when that names "
        "exactly one host)",
    )


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise config_error(
            "SECRET_KEY phải được đặt khi DEBUG tắt (DEBUG=0): một chuỗi ngẫu nhiên dài, giữ bí mật, ví dụ "
            "tạo bằng: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
            "SECRET_KEY must be set when DEBUG is off: a long random string kept secret, e.g. made with: "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
        )
    SECRET_KEY = "dev-insecure-motcua-key-change-me"

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
if not ALLOWED_HOSTS and not DEBUG:
    # set but empty (ALLOWED_HOSTS= in a unit file): the server would start and answer every request with 400
    raise config_error(
        "ALLOWED_HOSTS đang trống: khi DEBUG tắt, hãy ghi (các) tên miền của trang, cách nhau bởi dấu phẩy, ví dụ "
        "ALLOWED_HOSTS=motcua.example.gov.vn (nếu không, mọi yêu cầu đều bị từ chối với mã 400)",
        "ALLOWED_HOSTS is empty: with DEBUG off, name the site's host(s), comma separated, e.g. "
        "ALLOWED_HOSTS=motcua.example.gov.vn (every request would otherwise be refused with 400)",
    )
for _host in ALLOWED_HOSTS:
    # "https://motcua.example.gov.vn" (the address, not the host name): Django matches none of them, and every
    # request gets 400 "not served at that address"; a port is not part of the name either
    if "/" in _host or " " in _host or _host.count(":") == 1:
        raise config_error(
            f"ALLOWED_HOSTS: {_host!r} không phải tên miền: chỉ ghi tên máy, không có https://, đường dẫn hay cổng, "
            "ví dụ ALLOWED_HOSTS=motcua.example.gov.vn (địa chỉ đầy đủ của trang đặt ở MOTCUA_SITE_URL)",
            f"ALLOWED_HOSTS: {_host!r} is not a host name: give the name alone, without https://, a path or a port, "
            "e.g. ALLOWED_HOSTS=motcua.example.gov.vn (the site's full address goes in MOTCUA_SITE_URL)",
        )
CSRF_FAILURE_VIEW = "motcua.core.errorviews.csrf_failure"
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # django-ninja's API docs page (/api/v1/docs) from its own static files: the CDN version loads scripts from
    # another site and runs an inline one, which the Content-Security-Policy refuses (ADR 0023)
    "ninja",
    "motcua.core",
    "motcua.workdays",
    "motcua.org",
    "motcua.catalog",
    "motcua.dossiers",
    "motcua.reports",
    "motcua.notifications",
    "motcua.portal",
    "motcua.feedback",
    "motcua.community",
]

MIDDLEWARE = [
    # X-Forwarded-Proto is believed from TRUSTED_PROXIES only: dropped from anyone else's request before anything
    # asks request.is_secure() (SECURE_PROXY_SSL_HEADER below; ADR 0001 addendum)
    "motcua.core.proxies.ForwardedProtoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "motcua.core.middleware.ContentSecurityPolicyMiddleware",  # SECURE_CSP below (Django's, policy built once)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # a request body over MOTCUA_UPLOAD_MAX_REQUEST_BYTES is refused (413) from its Content-Length, before anything
    # below (the NUL check, CSRF) reads it
    "motcua.core.middleware.RequestSizeMiddleware",
    # a NUL in the URL is refused (400) before any view builds a query with it (PostgreSQL text cannot hold it)
    "motcua.core.middleware.RefuseNulMiddleware",
    # reference data (agencies, procedures, roles…) cached per process, checked once per request (ADR 0020)
    "motcua.core.refcache.RefCacheMiddleware",
    # Sessions, the session user and messages are set up for the web pages only: the /api/ JSON interface
    # authenticates with bearer tokens (motcua/core/middleware.py; subclasses of Django's own).
    "motcua.core.middleware.SessionMiddleware",
    "motcua.core.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "motcua.core.middleware.AuthenticationMiddleware",
    "motcua.core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # the file store down: 503 with a bilingual message, not a 500 (motcua.core.storage.StorageUnavailable)
    "motcua.core.middleware.StorageErrorMiddleware",
    # DEBUG on only (make run): the product's 404 page rather than Django's technical one (MOTCUA_TECHNICAL_404=1)
    "motcua.core.middleware.DemoNotFoundMiddleware",
]
MOTCUA_TECHNICAL_404 = env_bool("MOTCUA_TECHNICAL_404", False)

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "motcua" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",  # csp_nonce for {% csp_nonce_attr %}
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "motcua.core.context_processors.roles",
            ],
        },
    },
]

# Persistent connections (60 s) for the production server's fixed workers; none in development, where the
# development server starts a thread per request and each thread's connection would stay open until PostgreSQL
# runs out of them ("too many clients"). CONN_MAX_AGE overrides both.
DATABASES = {
    "default": database_from_env(
        f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=env_int("CONN_MAX_AGE", 0 if DEBUG else 60)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side parameter binding lets psycopg prepare a statement on the server once it has run
    # DB_PREPARE_THRESHOLD times on a connection: later runs skip parsing and planning (ADR 0004). Behind a
    # transaction-mode pooler without prepared-statement support set DB_PREPARED_STATEMENTS=0.
    if os.environ.get("DB_PREPARED_STATEMENTS", "1") != "0":
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 2)
        )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock at BEGIN so two
        # concurrent actions serialise instead of failing on lock upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# The language chosen with the site's switch is kept a year (Django's default cookie ends with the browser: an
# English reader came back to Vietnamese pages the next day, and from every link in a message).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LOCALE_PATHS = [BASE_DIR / "motcua" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
# Dates are read and shown day first (dd/mm/yyyy, also yyyy-mm-dd) in both languages, the admin's included;
# nothing reads month/day (motcua/formats). The global defaults below apply when no language is active.
FORMAT_MODULE_PATH = ["motcua.formats"]
DATE_INPUT_FORMATS = day_first.DATE_INPUT_FORMATS
DATETIME_INPUT_FORMATS = day_first.DATETIME_INPUT_FORMATS

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# motcua/static belongs to the project package, not to an app: name it so the finders (and WhiteNoise in
# DEBUG) serve site.css.
STATICFILES_DIRS = [BASE_DIR / "motcua" / "static"]
MEDIA_URL = "/media/"


def media_root(value: str, *, debug: bool, storage: str) -> Path:
    """MEDIA_ROOT: `media/` in the checkout for development (`make run`); with DEBUG off it must be named, as an
    absolute path, so that production never writes its citizens' files into the folder the development server and
    the demo use in the same checkout (and a restore knows where they are). Not needed when uploads go to S3
    (MOTCUA_STORAGE=s3), where MEDIA_ROOT holds nothing."""
    value = value.strip()
    if not value:
        if debug or storage == "s3":
            return BASE_DIR / "media"
        raise config_error(
            "MEDIA_ROOT phải được đặt khi DEBUG tắt (DEBUG=0): thư mục tuyệt đối lưu tệp hồ sơ, riêng cho môi trường "
            "chạy thật, ví dụ MEDIA_ROOT=/var/lib/motcua/media (thư mục media/ trong mã nguồn là của máy chủ phát "
            "triển `make run`; nếu đã lưu tệp ở đó, đặt MEDIA_ROOT tới đúng thư mục ấy)",
            "MEDIA_ROOT must be set when DEBUG is off: an absolute folder for the uploaded files, production's own, "
            "e.g. MEDIA_ROOT=/var/lib/motcua/media (media/ in the checkout belongs to the development server, `make "
            "run`; if files were already stored there, point MEDIA_ROOT at that folder)",
        )
    path = Path(value)
    if not path.is_absolute():
        raise config_error(
            f"MEDIA_ROOT={value!r} phải là đường dẫn tuyệt đối, ví dụ MEDIA_ROOT=/var/lib/motcua/media",
            f"MEDIA_ROOT={value!r} must be an absolute path, e.g. MEDIA_ROOT=/var/lib/motcua/media",
        )
    return path


MEDIA_ROOT = media_root(
    os.environ.get("MEDIA_ROOT", ""),
    debug=DEBUG,
    storage=(os.environ.get("MOTCUA_STORAGE") or "filesystem").strip().lower(),
)
STORAGES = {
    # Uploads: MOTCUA_STORAGE=filesystem (MEDIA_ROOT, the default) or s3 with MOTCUA_S3_* (motcua/core/storage.py);
    # a bad configuration stops the start with ImproperlyConfigured.
    "default": default_storage_from_env(os.environ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/staff/"

# Login throttling (motcua.core.throttle): attempts per window per username+IP.
LOGIN_MAX_ATTEMPTS = env_int("LOGIN_MAX_ATTEMPTS", 5)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
# Failed sign-ins per client IP whatever the account names (password spraying; ADR 0003 addendum): this many within
# the window lock the address out of signing in for the window (HTTP 429); a success does not clear the count. The
# default stays above what a 20-officer office behind one NAT address can reach while each officer stays unlocked
# (20 × (LOGIN_MAX_ATTEMPTS − 1) = 80): raise it for larger offices behind one address.
LOGIN_IP_MAX_FAILURES = env_int("LOGIN_IP_MAX_FAILURES", 100, minimum=1)
LOGIN_IP_WINDOW_SECONDS = env_int("LOGIN_IP_WINDOW_SECONDS", 900, minimum=1)
# Passwords (motcua.org.views, ADR 0003 addendum): the e-mailed reset link is good for PASSWORD_RESET_TIMEOUT seconds
# (default one day; Django's own default is three) and once; reset links asked per client IP and per e-mail address
# within the window, then 429 (motcua.org.throttle.password_reset_limits).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 86400, minimum=300)
PASSWORD_RESET_IP_RATE_LIMIT = env_int("PASSWORD_RESET_IP_RATE_LIMIT", 10, minimum=1)
PASSWORD_RESET_EMAIL_RATE_LIMIT = env_int("PASSWORD_RESET_EMAIL_RATE_LIMIT", 3, minimum=1)
PASSWORD_RESET_RATE_WINDOW_SECONDS = env_int("PASSWORD_RESET_RATE_WINDOW_SECONDS", 3600, minimum=1)
# The public status API (GET /api/v1/dossiers/<code>/status): lookups per client IP per window, then 429
# (motcua.org.throttle.status_api_limit). bench/bench_http.py raises the limit so that it measures the reads.
STATUS_API_RATE_LIMIT = env_int("STATUS_API_RATE_LIMIT", 60)
STATUS_API_RATE_WINDOW_SECONDS = env_int("STATUS_API_RATE_WINDOW_SECONDS", 300)
# Ratings by receipt (the applicant's ID or tax number proves the holder): attempts per client IP per window, then
# 429 (motcua.feedback.services.verification_wait).
RATING_VERIFY_RATE_LIMIT = env_int("RATING_VERIFY_RATE_LIMIT", 10)
RATING_VERIFY_RATE_WINDOW_SECONDS = env_int("RATING_VERIFY_RATE_WINDOW_SECONDS", 900)
# PAKN sent from the portal's form (motcua.feedback.services.submission_wait): per client IP per window, then 429. A
# PAKN needs no account and each one left unanswered counts against the agency's published on-time rate.
PAKN_RATE_LIMIT = env_int("PAKN_RATE_LIMIT", 10, minimum=1)
PAKN_RATE_WINDOW_SECONDS = env_int("PAKN_RATE_WINDOW_SECONDS", 3600, minimum=1)
# Citizen accounts created from the portal's registration form (motcua.portal.services.registration_wait): per
# client IP per window, then 429. Only valid forms count; a one-stop counter registering residents from the office's
# one address stays under the default.
REGISTRATION_RATE_LIMIT = env_int("REGISTRATION_RATE_LIMIT", 20, minimum=1)
REGISTRATION_RATE_WINDOW_SECONDS = env_int("REGISTRATION_RATE_WINDOW_SECONDS", 3600, minimum=1)
# "Tải dữ liệu của tôi" (motcua.portal.export): archives of one account's own data per window, the account page and
# GET /api/v1/me/export together, then 429; and the files put in one archive, in all (beyond: listed only).
PERSONAL_DATA_EXPORT_RATE_LIMIT = env_int("PERSONAL_DATA_EXPORT_RATE_LIMIT", 5, minimum=1)
PERSONAL_DATA_EXPORT_RATE_WINDOW_SECONDS = env_int(
    "PERSONAL_DATA_EXPORT_RATE_WINDOW_SECONDS", 3600, minimum=1
)
PERSONAL_DATA_EXPORT_FILES_MAX_BYTES = env_int("PERSONAL_DATA_EXPORT_FILES_MAX_BYTES", 50 * 1024 * 1024)
# A resident taking over a dossier a community team filed (motcua.community.services.claim_dossier): failed
# attempts per client IP within the window, then the address is locked out of claiming for the window (HTTP 429).
CLAIM_IP_MAX_FAILURES = env_int("CLAIM_IP_MAX_FAILURES", 20, minimum=1)
CLAIM_IP_LOCKOUT_SECONDS = env_int("CLAIM_IP_LOCKOUT_SECONDS", 900, minimum=1)
# A rating QR shown at the counter (motcua.feedback.services.counter_token) is valid this long.
RATING_COUNTER_TOKEN_SECONDS = env_int("RATING_COUNTER_TOKEN_SECONDS", 1800)
# API bearer tokens (motcua apitoken) expire this many days after they are issued (fixed on the token then;
# `--days` may give fewer); 0: tokens issued from then on never expire. ADR 0001, addendum on token expiry.
# At most 36500 (a century): a larger number overflowed the expiry date when a token was issued.
API_TOKEN_MAX_AGE_DAYS = env_int("API_TOKEN_MAX_AGE_DAYS", 90, maximum=36500)
# Reverse proxies (IP addresses or networks, comma separated) whose X-Forwarded-For names the client: the rate
# limits and login throttling count per client, not per proxy (motcua.org.throttle.client_ip).
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
for _proxy in TRUSTED_PROXIES:  # a typo stops the start, not every request
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as exc:
        raise config_error(
            f"TRUSTED_PROXIES: '{_proxy}' không phải địa chỉ IP hay dải mạng; ghi các địa chỉ cách nhau bởi dấu "
            "phẩy, ví dụ TRUSTED_PROXIES=127.0.0.1,10.0.0.0/24",
            f"TRUSTED_PROXIES: '{_proxy}' is not an IP address or network; list addresses comma separated, e.g. "
            "TRUSTED_PROXIES=127.0.0.1,10.0.0.0/24",
        ) from exc
if TRUSTED_PROXIES:
    # The proxy terminates HTTPS and says so in X-Forwarded-Proto; without this Django takes every request for
    # plain HTTP and refuses each form POST whose Origin is https://… (CSRF "Origin checking failed").
    # motcua.core.proxies.ForwardedProtoMiddleware removes the header from requests not sent by a trusted proxy.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every response (pages, JSON, downloads), in development too so that the tests see what
# production serves: scripts only from the site itself or inline with the response's nonce (`<script {% csp_nonce_attr
# %}>`; no inline event handlers, motcua/static/motcua/site.js), no plugins, no <base>, never framed. Inline styles
# stay allowed (style attributes in the templates; a style cannot run script). No form-action: paying redirects a
# form's POST to the payment provider's page.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if not DEBUG:
    # HTTPS in production (README "Serving in production"). Cookies are Secure by default: a site served over HTTPS
    # needs nothing set, and one still on plain HTTP on a LAN sets both to 0 (a browser keeps no Secure cookie from
    # an http:// page, so nobody could sign in). HSTS and the redirect are off by default, the operator's choice:
    # many agencies serve behind a TLS-terminating proxy the app cannot see without TRUSTED_PROXIES (the redirect
    # would then loop), some on plain HTTP on the LAN, and a browser that saw HSTS refuses the plain-HTTP address and
    # any certificate error for SECURE_HSTS_SECONDS, with no way round it. A public HTTPS site sets
    # SECURE_HSTS_SECONDS=31536000 and SECURE_SSL_REDIRECT=1 with TRUSTED_PROXIES naming its proxy.
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
    # Every sub-domain too (other agencies' sites under the same domain may still be plain HTTP) / ask the browsers'
    # preload lists (hstspreload.org; leaving them takes months): off unless set.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    X_FRAME_OPTIONS = "DENY"
# The load balancer's or the monitoring's probe reaches the server directly over plain HTTP: never redirected to
# HTTPS when SECURE_SSL_REDIRECT is on.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Mot Cua domain settings -------------------------------------------------------------
# Vietnam Culture Day (24/11) is pending legislation (rules §6.1): off unless an operator enables it.
MOTCUA_CULTURE_DAY_HOLIDAY = env_bool("MOTCUA_CULTURE_DAY_HOLIDAY", False)
MOTCUA_UPLOAD_MAX_BYTES = env_int("MOTCUA_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
# What one request may carry in all: every file of a form (the portal's filing step sends each component's files
# at once) or of an API upload, with the form's other fields — its Content-Length, refused with 413 before the body
# is read (motcua.core.middleware.RequestSizeMiddleware; ADR 0019 addendum). Default 100 MB, or one largest file
# and 1 MB for the rest of the form when MOTCUA_UPLOAD_MAX_BYTES is larger than that allows.
_REQUEST_ROOM = 1024 * 1024
MOTCUA_UPLOAD_MAX_REQUEST_BYTES = env_int(
    "MOTCUA_UPLOAD_MAX_REQUEST_BYTES",
    max(100 * 1024 * 1024, MOTCUA_UPLOAD_MAX_BYTES + _REQUEST_ROOM),
    minimum=1,
)
if MOTCUA_UPLOAD_MAX_REQUEST_BYTES < MOTCUA_UPLOAD_MAX_BYTES + _REQUEST_ROOM:
    raise config_error(
        f"MOTCUA_UPLOAD_MAX_REQUEST_BYTES={MOTCUA_UPLOAD_MAX_REQUEST_BYTES} nhỏ hơn một tệp lớn nhất được nhận "
        f"(MOTCUA_UPLOAD_MAX_BYTES={MOTCUA_UPLOAD_MAX_BYTES}) cộng 1 MB cho các trường khác của biểu mẫu: cần ít "
        f"nhất {MOTCUA_UPLOAD_MAX_BYTES + _REQUEST_ROOM}",
        f"MOTCUA_UPLOAD_MAX_REQUEST_BYTES={MOTCUA_UPLOAD_MAX_REQUEST_BYTES} is less than one largest file "
        f"(MOTCUA_UPLOAD_MAX_BYTES={MOTCUA_UPLOAD_MAX_BYTES}) plus 1 MB for the form's other fields: it must be at "
        f"least {MOTCUA_UPLOAD_MAX_BYTES + _REQUEST_ROOM}",
    )
# Files in one request (Django's own count, default 100; each file input of a form counts, even left empty): the
# filing step sends one input per component and one for the authorisation, the counter form one per component and
# "other files", an API upload at most 20 (documents.MAX_FILES_PER_UPLOAD), so 50 leaves a procedure's components
# a few files each. Over it: 413 on a page, 422 `too_many_files` on the API (motcua.core.errorviews).
DATA_UPLOAD_MAX_NUMBER_FILES = env_int("MOTCUA_UPLOAD_MAX_FILES", 50, minimum=20, maximum=1000)
# A virus scanner run on every upload (the file on standard input; exit 0 clean, 1 infected, anything else an
# error — ClamAV's convention), e.g. "clamdscan --no-summary --fdpass -". Empty: no scan (motcua.dossiers.documents).
MOTCUA_UPLOAD_SCAN_COMMAND = os.environ.get("MOTCUA_UPLOAD_SCAN_COMMAND", "").strip()
MOTCUA_UPLOAD_SCAN_TIMEOUT_SECONDS = env_int("MOTCUA_UPLOAD_SCAN_TIMEOUT_SECONDS", 60)
try:
    shlex.split(MOTCUA_UPLOAD_SCAN_COMMAND)
except ValueError as exc:  # unbalanced quotes: stop the start, not every upload
    raise config_error(
        f"MOTCUA_UPLOAD_SCAN_COMMAND không đọc được ({exc}): kiểm tra các dấu nháy, ví dụ "
        "MOTCUA_UPLOAD_SCAN_COMMAND='clamdscan --no-summary --fdpass -'",
        f"MOTCUA_UPLOAD_SCAN_COMMAND cannot be read ({exc}): check its quotes, e.g. "
        "MOTCUA_UPLOAD_SCAN_COMMAND='clamdscan --no-summary --fdpass -'",
    ) from exc

# Portal and notifications (motcua.portal, motcua.notifications) ----------------------------------------------
# Sign in with username, e-mail or mobile number (ModelBackend stays first).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "motcua.portal.backends.EmailOrPhoneBackend",
]
# E-mail: console in development unless EMAIL_BACKEND is set; SMTP from EMAIL_HOST/EMAIL_PORT/... when given.
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if os.environ.get("EMAIL_HOST") or not DEBUG
            else "django.core.mail.backends.console.EmailBackend",
        ),
    }
}
if os.environ.get("EMAIL_HOST"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ["EMAIL_HOST"],
        "port": env_int("EMAIL_PORT", 587, minimum=1, maximum=65535),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
        "timeout": 20,
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Mot Cua <no-reply@motcua.local>")
# The site's public address, in the links that e-mails and text messages carry (motcua.notifications.signals).
# With DEBUG off it must be set, unless ALLOWED_HOSTS names exactly one host (no wildcard): then https://<host>.
# Who controls the citizens' personal data, as the privacy notice names it (/tai-khoan/du-lieu-ca-nhan/), e.g.
# "Văn phòng UBND Thành phố Hà Nội — Cổng dịch vụ công Thành phố, số điện thoại …". Empty: the notice names the
# agency that receives each dossier, and the portal's operator without a name.
MOTCUA_DATA_CONTROLLER = os.environ.get("MOTCUA_DATA_CONTROLLER", "").strip()
MOTCUA_SITE_URL = site_url(os.environ.get("MOTCUA_SITE_URL", ""), debug=DEBUG, allowed_hosts=ALLOWED_HOSTS)
# Text messages: a provider's adapter (dotted path, motcua/notifications/sms.py). Unset: printed to the console in
# development; with DEBUG off not sent at all, each recorded as failed ("no SMS provider configured").
MOTCUA_SMS_ADAPTER = os.environ.get("MOTCUA_SMS_ADAPTER", "").strip() or (
    "motcua.notifications.sms.ConsoleAdapter" if DEBUG else "motcua.notifications.sms.DisabledAdapter"
)
# Deliver queued notifications right after the action's commit, in the request (default), or leave them to
# `motcua send-outbox` run every minute (cron, a systemd timer): then a slow mail server or SMS provider never
# slows an action's response.
MOTCUA_NOTIFY_ON_COMMIT = env_bool("MOTCUA_NOTIFY_ON_COMMIT", True)
# The fake gateway (a local "provider" page) only in development; production needs a real provider.
MOTCUA_PAYMENT_GATEWAY = os.environ.get(
    "MOTCUA_PAYMENT_GATEWAY",
    "motcua.portal.payments.FakeGateway" if DEBUG else "motcua.portal.payments.DisabledGateway",
)
# OpenID Connect sign-in (e.g. a national e-ID provider), only when configured.
if os.environ.get("OIDC_RP_CLIENT_ID"):
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("motcua.portal.oidc.CitizenOIDCBackend")
    OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
    OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
    OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT") or None
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile email phone")
    OIDC_ID_NUMBER_CLAIM = os.environ.get("OIDC_ID_NUMBER_CLAIM", "personal_id")
    OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "VNeID")
    OIDC_AUTHENTICATION_CALLBACK_URL = "portal:oidc_callback"
    OIDC_TIMEOUT = 15
