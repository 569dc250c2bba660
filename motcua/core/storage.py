"""Where uploaded files are kept: `STORAGES["default"]` built from the environment (motcua/settings.py).

    MOTCUA_STORAGE=filesystem (default)  files under MEDIA_ROOT (FileSystemStorage)
    MOTCUA_STORAGE=s3                    an S3-compatible object store through django-storages (BSD):
        MOTCUA_S3_BUCKET                 required; the bucket must exist
        MOTCUA_S3_ENDPOINT_URL           e.g. https://s3.example.vn or http://127.0.0.1:9000 (MinIO); empty = AWS
        MOTCUA_S3_REGION                 e.g. ap-southeast-1 (optional)
        MOTCUA_S3_ACCESS_KEY_ID          } both or neither; neither = boto3's own chain (AWS_* variables,
        MOTCUA_S3_SECRET_ACCESS_KEY      } ~/.aws, an instance role)
        MOTCUA_S3_PREFIX                 a key prefix inside the bucket, e.g. motcua/media (optional)
        MOTCUA_S3_ADDRESSING_STYLE       path | virtual | auto (optional; MinIO and most local stores want path)

Every problem is reported at once, at startup (settings import), as ImproperlyConfigured: a server that cannot
keep files must not start and accept uploads. Objects are private (no ACL is set: the bucket's policy applies)
and never overwritten: a name already taken gets a suffix, exactly as on the filesystem, so deleting one
document's file can never remove another's.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .errors import DomainError

logger = logging.getLogger(__name__)

FILESYSTEM = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
S3_BACKEND = "storages.backends.s3.S3Storage"
# S3 bucket naming rules: 3–63 characters, lower-case letters, digits, dots and hyphens, letter or digit at
# both ends, no two adjacent dots, not an IP address.
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
_REGION = re.compile(r"^[a-z0-9-]{1,40}$")


def default_storage_from_env(environ: Mapping[str, str]) -> dict:
    """The `STORAGES["default"]` entry for this environment (see the module docstring)."""
    kind = (environ.get("MOTCUA_STORAGE") or "filesystem").strip().lower()
    if kind == "filesystem":
        return dict(FILESYSTEM)
    if kind != "s3":
        raise ImproperlyConfigured(
            f"MOTCUA_STORAGE phải là 'filesystem' hoặc 's3', không phải {kind!r} — "
            f"MOTCUA_STORAGE must be 'filesystem' or 's3', not {kind!r}"
        )
    # each problem in both languages: the start-up message is read before translations load (settings.config_error)
    problems: list[tuple[str, str]] = []
    bucket = (environ.get("MOTCUA_S3_BUCKET") or "").strip()
    if not bucket:
        problems.append(
            (
                "cần MOTCUA_S3_BUCKET (tên một bucket đã có, ví dụ motcua-ho-so)",
                "MOTCUA_S3_BUCKET is required (the name of an existing bucket, e.g. motcua-ho-so)",
            )
        )
    elif not _BUCKET.match(bucket) or ".." in bucket or _IP.match(bucket):
        problems.append(
            (
                f"MOTCUA_S3_BUCKET {bucket!r} không phải tên bucket hợp lệ (3-63 chữ thường, chữ số, dấu chấm và "
                "gạch nối)",
                f"MOTCUA_S3_BUCKET {bucket!r} is not a valid bucket name (3-63 lower-case letters, digits, "
                "dots and hyphens)",
            )
        )
    endpoint = (environ.get("MOTCUA_S3_ENDPOINT_URL") or "").strip()
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(
                (
                    f"MOTCUA_S3_ENDPOINT_URL {endpoint!r} phải là địa chỉ http:// hoặc https://, ví dụ "
                    "https://s3.example.vn",
                    f"MOTCUA_S3_ENDPOINT_URL {endpoint!r} must be an http:// or https:// URL, e.g. https://s3.example.vn",
                )
            )
    region = (environ.get("MOTCUA_S3_REGION") or "").strip()
    if region and not _REGION.match(region):
        problems.append(
            (
                f"MOTCUA_S3_REGION {region!r} không phải tên vùng (ví dụ ap-southeast-1)",
                f"MOTCUA_S3_REGION {region!r} is not a region name (e.g. ap-southeast-1)",
            )
        )
    key = (environ.get("MOTCUA_S3_ACCESS_KEY_ID") or "").strip()
    secret = (environ.get("MOTCUA_S3_SECRET_ACCESS_KEY") or "").strip()
    if bool(key) != bool(secret):
        problems.append(
            (
                "đặt cả MOTCUA_S3_ACCESS_KEY_ID và MOTCUA_S3_SECRET_ACCESS_KEY, hoặc không đặt cả hai",
                "set both MOTCUA_S3_ACCESS_KEY_ID and MOTCUA_S3_SECRET_ACCESS_KEY, or neither",
            )
        )
    style = (environ.get("MOTCUA_S3_ADDRESSING_STYLE") or "").strip().lower()
    if style not in ("", "path", "virtual", "auto"):
        problems.append(
            (
                f"MOTCUA_S3_ADDRESSING_STYLE phải là 'path', 'virtual' hoặc 'auto', không phải {style!r}",
                f"MOTCUA_S3_ADDRESSING_STYLE must be 'path', 'virtual' or 'auto', not {style!r}",
            )
        )
    timeouts = {}
    for name, option, default in (
        ("MOTCUA_S3_CONNECT_TIMEOUT", "connect_timeout", 5),
        ("MOTCUA_S3_READ_TIMEOUT", "read_timeout", 30),
    ):
        raw = (environ.get(name) or "").strip()
        try:
            value = float(raw) if raw else default
        except ValueError:
            value = -1
        if not 0 < value <= 600:
            problems.append(
                (
                    f"{name} phải là số giây lớn hơn 0 và tối đa 600, không phải {raw!r}",
                    f"{name} must be a number of seconds from 0 to 600, not {raw!r}",
                )
            )
        timeouts[option] = value
    prefix = (environ.get("MOTCUA_S3_PREFIX") or "").strip().strip("/")
    if ".." in prefix.split("/"):
        problems.append(("MOTCUA_S3_PREFIX không được chứa '..'", "MOTCUA_S3_PREFIX must not contain '..'"))
    try:
        import storages.backends.s3  # noqa: F401  (django-storages with boto3)
    except ImportError:
        problems.append(
            (
                "chưa cài thư viện S3 (pip install 'django-storages[s3]')",
                "the S3 backend is not installed (pip install 'django-storages[s3]')",
            )
        )
    if problems:
        raise ImproperlyConfigured(
            "MOTCUA_STORAGE=s3 cấu hình sai: "
            + "; ".join(vi for vi, _ in problems)
            + " — MOTCUA_STORAGE=s3 is misconfigured: "
            + "; ".join(en for _, en in problems)
        )
    options: dict = {
        "bucket_name": bucket,
        "file_overwrite": False,  # a taken name gets a suffix, as FileSystemStorage does
        "default_acl": None,  # private: the bucket's policy decides, nothing is made public
        "querystring_auth": True,  # any URL generated is signed (downloads go through the views anyway)
        "location": prefix,
    }
    if endpoint:
        options["endpoint_url"] = endpoint
    if region:
        options["region_name"] = region
    if key:
        options["access_key"] = key
        options["secret_key"] = secret
    if style:
        options["addressing_style"] = style
    # a store that does not answer (a dropped route, not a refused connection) must not hold a worker for
    # botocore's default 60 s per attempt: the upload gets its 503 within seconds (StorageUnavailable)
    from botocore.config import Config

    options["client_config"] = Config(
        s3={"addressing_style": style} if style else None,
        connect_timeout=timeouts["connect_timeout"],
        read_timeout=timeouts["read_timeout"],
        retries={"max_attempts": 3, "mode": "standard"},
    )
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


# --- when the storage fails at run time ----------------------------------------------------------------------
# A store that is down (an S3 endpoint nobody answers, a bucket gone, a full or read-only disk) must not turn an
# upload or a download into a 500 with a botocore traceback: it is a 503 with a message a person can act on, and
# the action that carried the files is not recorded (the callers store inside the action's transaction and delete
# what they stored when it fails). ADR 0019 addendum.

STORE_FAILED = (
    "Kho lưu trữ tệp hiện không truy cập được nên tệp chưa được lưu; không có thay đổi nào được ghi nhận. "
    "Vui lòng thử lại sau.",
    "The file store cannot be reached, so the file was not stored and nothing was recorded. "
    "Please try again later.",
)
READ_FAILED = (
    "Kho lưu trữ tệp hiện không truy cập được nên chưa tải được tệp này. Vui lòng thử lại sau.",
    "The file store cannot be reached, so this file cannot be downloaded now. Please try again later.",
)


class StorageUnavailable(DomainError):
    status = 503
    code = "storage_unavailable"


@functools.cache
def storage_errors() -> tuple[type[BaseException], ...]:
    """What the storage backends raise when the store cannot be used: OSError (filesystem: missing, unreadable,
    disk full; also a network failure) and botocore's errors (S3: endpoint unreachable, timeouts, access denied,
    no such bucket or key)."""
    errors: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover — the S3 extra is a dependency
        pass
    else:
        errors += [BotoCoreError, ClientError]
    return tuple(errors)


@contextmanager
def guarded(*, reading: bool = False, name: str = ""):
    """Turn a storage backend's failure into StorageUnavailable (HTTP 503, bilingual message); logged with the
    backend's own error for the operator."""
    try:
        yield
    except StorageUnavailable:
        raise
    except storage_errors() as exc:
        logger.error(
            "storage %s failed%s: %s: %s",
            "read" if reading else "write",
            f" ({name})" if name else "",
            type(exc).__name__,
            exc,
        )
        raise StorageUnavailable(*(READ_FAILED if reading else STORE_FAILED)) from exc


def open_stored(fieldfile):
    """Open a stored file for reading (a download), or raise StorageUnavailable."""
    with guarded(reading=True, name=fieldfile.name):
        return fieldfile.storage.open(fieldfile.name, "rb")


def storage_health(storage=None) -> str:
    """'ok' when the default storage answers (filesystem: MEDIA_ROOT is a writable directory; other backends: a
    lookup of one key, which reaches the store and checks the credentials), 'unavailable' otherwise."""
    import os

    from django.core.files.storage import FileSystemStorage, default_storage

    storage = storage or default_storage
    try:
        if isinstance(storage, FileSystemStorage):
            location = storage.location
            return (
                "ok" if os.path.isdir(location) and os.access(location, os.W_OK | os.X_OK) else "unavailable"
            )
        storage.exists("healthz-probe")
    except Exception as exc:  # noqa: BLE001 — whatever the backend raises, the store is not usable
        logger.warning("storage health check failed: %s: %s", type(exc).__name__, exc)
        return "unavailable"
    return "ok"


def unused_s3_settings(environ: Mapping[str, str]) -> list[str]:
    """MOTCUA_S3_* variables set while MOTCUA_STORAGE is not s3: they do nothing, which is rarely what was meant."""
    if (environ.get("MOTCUA_STORAGE") or "filesystem").strip().lower() == "s3":
        return []
    return sorted(k for k, v in environ.items() if k.startswith("MOTCUA_S3_") and v.strip())
