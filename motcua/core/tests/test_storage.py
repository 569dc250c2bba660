"""STORAGES["default"] from the environment: filesystem by default, S3-compatible with MOTCUA_STORAGE=s3; every
misconfiguration is refused at startup with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from motcua.core.storage import S3_BACKEND, default_storage_from_env

ROOT = Path(__file__).resolve().parents[3]


def test_filesystem_is_the_default():
    assert default_storage_from_env({}) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert default_storage_from_env({"MOTCUA_STORAGE": " Filesystem "})["BACKEND"].endswith(
        "FileSystemStorage"
    )


def test_s3_options_from_the_environment():
    conf = default_storage_from_env(
        {
            "MOTCUA_STORAGE": "s3",
            "MOTCUA_S3_BUCKET": "motcua-ho-so",
            "MOTCUA_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
            "MOTCUA_S3_REGION": "ap-southeast-1",
            "MOTCUA_S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
            "MOTCUA_S3_SECRET_ACCESS_KEY": "secret",
            "MOTCUA_S3_PREFIX": "/so-kh-dt/media/",
            "MOTCUA_S3_ADDRESSING_STYLE": "path",
        }
    )
    config = conf["OPTIONS"].pop("client_config")
    assert (config.connect_timeout, config.read_timeout, config.s3) == (5, 30, {"addressing_style": "path"})
    assert conf == {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": "motcua-ho-so",
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
            "location": "so-kh-dt/media",
            "endpoint_url": "http://127.0.0.1:9000",
            "region_name": "ap-southeast-1",
            "access_key": "AKIAEXAMPLE",
            "secret_key": "secret",
            "addressing_style": "path",
        },
    }
    # credentials are optional (boto3's own chain: AWS_* variables, instance role)
    minimal = default_storage_from_env({"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "hoso"})
    minimal["OPTIONS"].pop("client_config")
    assert minimal["OPTIONS"] == {
        "bucket_name": "hoso",
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
        "location": "",
    }


@pytest.mark.parametrize(
    "env, words",
    [
        ({"MOTCUA_STORAGE": "ftp"}, ["MOTCUA_STORAGE must be 'filesystem' or 's3'", "'ftp'"]),
        ({"MOTCUA_STORAGE": "s3"}, ["MOTCUA_S3_BUCKET is required"]),
        ({"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "  "}, ["MOTCUA_S3_BUCKET is required"]),
        ({"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "Ho_So"}, ["'Ho_So' is not a valid bucket name"]),
        ({"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "a..b"}, ["'a..b' is not a valid bucket name"]),
        ({"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "10.0.0.1"}, ["not a valid bucket name"]),
        (
            {"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "hoso", "MOTCUA_S3_ENDPOINT_URL": "127.0.0.1:9000"},
            ["MOTCUA_S3_ENDPOINT_URL '127.0.0.1:9000' must be an http:// or https:// URL"],
        ),
        (
            {"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "hoso", "MOTCUA_S3_ACCESS_KEY_ID": "AKIA"},
            ["set both MOTCUA_S3_ACCESS_KEY_ID and MOTCUA_S3_SECRET_ACCESS_KEY, or neither"],
        ),
        (
            {"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "hoso", "MOTCUA_S3_ADDRESSING_STYLE": "dns"},
            ["MOTCUA_S3_ADDRESSING_STYLE must be 'path', 'virtual' or 'auto'"],
        ),
        (
            {"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "hoso", "MOTCUA_S3_REGION": "Hà Nội"},
            ["MOTCUA_S3_REGION 'Hà Nội' is not a region name"],
        ),
        (
            {"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "hoso", "MOTCUA_S3_PREFIX": "a/../b"},
            ["MOTCUA_S3_PREFIX must not contain '..'"],
        ),
    ],
)
def test_bad_configuration_is_refused_with_a_clear_message(env, words):
    with pytest.raises(ImproperlyConfigured) as exc:
        default_storage_from_env(env)
    for word in words:
        assert word in str(exc.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ImproperlyConfigured) as exc:
        default_storage_from_env(
            {"MOTCUA_STORAGE": "s3", "MOTCUA_S3_ENDPOINT_URL": "minio", "MOTCUA_S3_SECRET_ACCESS_KEY": "x"}
        )
    message = str(exc.value)
    assert message.startswith("MOTCUA_STORAGE=s3 cấu hình sai: cần MOTCUA_S3_BUCKET")
    assert " — MOTCUA_STORAGE=s3 is misconfigured: " in message
    assert "MOTCUA_S3_BUCKET is required" in message
    assert "MOTCUA_S3_ENDPOINT_URL 'minio'" in message
    assert "MOTCUA_S3_ACCESS_KEY_ID and MOTCUA_S3_SECRET_ACCESS_KEY" in message


def _start(extra_env: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_S3_")}
    env.update({"DJANGO_SETTINGS_MODULE": "motcua.settings", "PYTHONPATH": str(ROOT), **extra_env})
    return subprocess.run(
        [sys.executable, "-m", "django", "check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_server_does_not_start_with_s3_and_no_bucket():
    bad = _start({"MOTCUA_STORAGE": "s3"})
    assert bad.returncode != 0
    assert "ImproperlyConfigured: MOTCUA_STORAGE=s3 cấu hình sai: cần MOTCUA_S3_BUCKET" in bad.stderr
    assert "MOTCUA_STORAGE=s3 is misconfigured: MOTCUA_S3_BUCKET is required" in bad.stderr
    good = _start({"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "hoso"})
    assert good.returncode == 0, good.stderr


def test_s3_timeouts_are_settings_and_bounded():
    """A store that does not answer must not hold a worker for botocore's 60 s per attempt."""
    base = {"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "hoso"}
    conf = default_storage_from_env(
        {**base, "MOTCUA_S3_CONNECT_TIMEOUT": "2", "MOTCUA_S3_READ_TIMEOUT": "10.5"}
    )
    config = conf["OPTIONS"]["client_config"]
    assert (config.connect_timeout, config.read_timeout, config.retries["max_attempts"]) == (2, 10.5, 3)
    for bad in ("0", "-1", "abc", "1000"):
        with pytest.raises(ImproperlyConfigured, match="MOTCUA_S3_READ_TIMEOUT"):
            default_storage_from_env({**base, "MOTCUA_S3_READ_TIMEOUT": bad})
