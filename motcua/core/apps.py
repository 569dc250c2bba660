from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "motcua.core"
    verbose_name = "Hệ thống"

    def ready(self):
        from django.core import checks

        from . import refcache

        checks.register(unused_s3_settings_check)
        checks.register(production_on_the_checkouts_sqlite_check)
        checks.register(weak_secret_key_check)
        checks.register(ssl_redirect_without_proxies_check)
        refcache.connect_signals()
        post_migrate.connect(refcache.install_triggers, sender=self, dispatch_uid="refcache-triggers")


def unused_s3_settings_check(app_configs=None, **kwargs):
    """MOTCUA_S3_* set without MOTCUA_STORAGE=s3: the files go to MEDIA_ROOT, which is rarely what was meant.
    Shown by `check`, `migrate` (so `make serve`) and the development server."""
    import os

    from django.core.checks import Warning

    from .storage import unused_s3_settings

    unused = unused_s3_settings(os.environ)
    if not unused:
        return []
    return [
        Warning(
            f"Đã đặt {', '.join(unused)} nhưng MOTCUA_STORAGE không phải 's3': tệp tải lên được lưu trên đĩa tại "
            f"MEDIA_ROOT và các biến này bị bỏ qua. / {', '.join(unused)} set but MOTCUA_STORAGE is not 's3': "
            "uploads are kept on the filesystem under MEDIA_ROOT and these variables are ignored.",
            hint="Đặt MOTCUA_STORAGE=s3 để dùng kho đối tượng, hoặc bỏ các biến MOTCUA_S3_*. / Set "
            "MOTCUA_STORAGE=s3 to use the object store, or remove the MOTCUA_S3_* variables.",
            id="motcua.W002",
        )
    ]


def production_on_the_checkouts_sqlite_check(app_configs=None, **kwargs):
    """`make serve` (DEBUG=0) without DATABASE_URL served the checkout's db.sqlite3: the development database of
    `make run`, with its demo accounts and their published password. Shown by `check` and `migrate` (so at the
    start of `make serve`)."""
    import os

    from django.conf import settings
    from django.core.checks import Warning

    if settings.DEBUG or os.environ.get("DATABASE_URL", "").strip():
        return []
    name = settings.DATABASES["default"]["NAME"]
    return [
        Warning(
            f"DEBUG tắt nhưng chưa đặt DATABASE_URL: máy chủ dùng tệp SQLite {name} của bản mã nguồn — cơ sở dữ liệu "
            "phát triển của `make run`, có thể chứa các tài khoản demo với mật khẩu công khai. / DEBUG is off but "
            f"DATABASE_URL is not set: the server uses the checkout's SQLite file {name} — the development database "
            "of `make run`, which may hold the demo accounts with their published password.",
            hint="Đặt DATABASE_URL=postgres://… (hoặc sqlite:///đường/dẫn/riêng.sqlite3) cho môi trường chạy thật. / "
            "Set DATABASE_URL=postgres://… (or sqlite:///a/path/of/its/own.sqlite3) for production.",
            id="motcua.W003",
        )
    ]


# Django's own deploy check (security.W009) uses the same bounds, but only `check --deploy` runs it.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE = 5


def weak_secret_key_check(app_configs=None, **kwargs):
    """DEBUG off with a short or repetitive SECRET_KEY: it signs the sessions, the password-reset links and the
    CSRF tokens, so a guessable one lets anyone sign in as an officer. Shown by `check` and `migrate` (so at the
    start of `make serve`); a warning, as Django's deploy check, so that an existing deployment still starts."""
    from django.conf import settings
    from django.core.checks import Warning

    key = settings.SECRET_KEY
    if settings.DEBUG or (len(key) >= SECRET_KEY_MIN_LENGTH and len(set(key)) >= SECRET_KEY_MIN_UNIQUE):
        return []
    return [
        Warning(
            f"SECRET_KEY yếu: {len(key)} ký tự, {len(set(key))} ký tự khác nhau (cần ít nhất "
            f"{SECRET_KEY_MIN_LENGTH} ký tự, {SECRET_KEY_MIN_UNIQUE} ký tự khác nhau). Khóa này ký phiên đăng nhập, "
            "liên kết đặt lại mật khẩu và mã CSRF; đoán được nó là đăng nhập được như cán bộ. / Weak SECRET_KEY: "
            f"{len(key)} characters, {len(set(key))} distinct (at least {SECRET_KEY_MIN_LENGTH} characters, "
            f"{SECRET_KEY_MIN_UNIQUE} distinct, are needed). It signs the sessions, the password-reset links and "
            "the CSRF tokens; whoever guesses it can sign in as an officer.",
            hint="Tạo khóa mới / make a new key: python3 -c 'import secrets; print(secrets.token_urlsafe(50))' "
            "(người dùng đang đăng nhập sẽ phải đăng nhập lại / signed-in users will have to sign in again).",
            id="motcua.W004",
        )
    ]


def ssl_redirect_without_proxies_check(app_configs=None, **kwargs):
    """DEBUG off, SECURE_SSL_REDIRECT on and no TRUSTED_PROXIES: behind a proxy that terminates HTTPS (the README's
    deployment), the application sees every request as plain HTTP, so it answers each one with a redirect to the
    same HTTPS address, and the browser loops until it gives up ("too many redirects"). Right only when the
    application server terminates TLS itself. Shown by `check` and `migrate` (so at the start of `make serve`)."""
    from django.conf import settings
    from django.core.checks import Warning

    if settings.DEBUG or not settings.SECURE_SSL_REDIRECT or getattr(settings, "TRUSTED_PROXIES", None):
        return []
    return [
        Warning(
            "SECURE_SSL_REDIRECT bật nhưng chưa đặt TRUSTED_PROXIES: sau một reverse proxy phục vụ HTTPS, ứng dụng "
            'thấy mọi yêu cầu là HTTP nên chuyển hướng chính địa chỉ đó sang HTTPS mãi (trình duyệt báo "quá nhiều '
            'lần chuyển hướng"). / SECURE_SSL_REDIRECT is on but TRUSTED_PROXIES is not set: behind a reverse proxy '
            "that serves HTTPS, the application sees every request as plain HTTP and redirects it to its own HTTPS "
            "address for ever (the browser reports too many redirects).",
            hint="Đặt TRUSTED_PROXIES là địa chỉ của proxy (ví dụ TRUSTED_PROXIES=127.0.0.1); bỏ qua cảnh báo này "
            "nếu chính máy chủ ứng dụng phục vụ HTTPS. / Set TRUSTED_PROXIES to the proxy's address (e.g. "
            "TRUSTED_PROXIES=127.0.0.1); ignore this warning if the application server itself serves HTTPS.",
            id="motcua.W005",
        )
    ]
