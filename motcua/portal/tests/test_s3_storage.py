"""Uploads kept in an S3-compatible object store (MOTCUA_STORAGE=s3): moto's S3 server runs on loopback and the
storage is configured exactly as settings.py does it from the environment. A citizen files online through the
wizard (the draft file goes to the bucket, submission re-reads and re-hashes it from there and the dossier's
document is a new object), then citizen and officer download it; an officer's upload of the same bytes gets its
own object, and discarding one never removes the other. Nothing touches MEDIA_ROOT."""

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from motcua.core.storage import S3_BACKEND, default_storage_from_env
from motcua.dossiers import documents
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.notifications.tests.factories import PASSWORD, PDF_BYTES
from motcua.portal.models import DraftFile

from .helpers import pdf, sha, url, walk_wizard

BUCKET = "motcua-ho-so"
PREFIX = "so-kh-dt/media"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path, monkeypatch):
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="ap-southeast-1",
        aws_access_key_id="motcua-test",
        aws_secret_access_key="motcua-test-secret",
    )
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"})
    conf = default_storage_from_env(
        {
            "MOTCUA_STORAGE": "s3",
            "MOTCUA_S3_BUCKET": BUCKET,
            "MOTCUA_S3_ENDPOINT_URL": s3_endpoint,
            "MOTCUA_S3_REGION": "ap-southeast-1",
            "MOTCUA_S3_ACCESS_KEY_ID": "motcua-test",
            "MOTCUA_S3_SECRET_ACCESS_KEY": "motcua-test-secret",
            "MOTCUA_S3_PREFIX": PREFIX,
            "MOTCUA_S3_ADDRESSING_STYLE": "path",
        }
    )
    settings.STORAGES = {**settings.STORAGES, "default": conf}  # setting_changed resets default_storage
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    yield client
    assert not media.exists() or not any(media.rglob("*")), "a file was written to MEDIA_ROOT"
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    if objects:
        client.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": o["Key"]} for o in objects]})
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def body(client, key: str) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_the_file_fields_use_the_s3_backend(bucket):
    assert default_storage.bucket_name == BUCKET  # the lazy default storage is now the S3 one
    assert f"{type(default_storage._wrapped).__module__}.S3Storage" == S3_BACKEND
    assert DossierDocument._meta.get_field("file").storage.location == PREFIX
    assert DraftFile._meta.get_field("file").storage.endpoint_url.startswith("http://127.0.0.1:")


def test_online_filing_keeps_the_files_in_the_bucket(
    client, world, bucket, django_capture_on_commit_callbacks
):
    assert client.login(username="congdan", password=PASSWORD)
    walk_wizard(client, world, files=pdf(extra=b"% trang 1\n"))
    expected = PDF_BYTES + b"% trang 1\n"
    draft_key = f"{PREFIX}/{DraftFile.objects.get().file.name}"
    assert keys(bucket) == {draft_key} and body(bucket, draft_key) == expected
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url("xem-lai"), {"submit": "1"})
    dossier = Dossier.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/ho-so-cua-toi/{dossier.code}/"
    (doc,) = DossierDocument.objects.all()
    assert doc.sha256 == sha(expected) and doc.size == len(expected)
    assert dossier.events.get(action="submit").file_hashes == [sha(expected)]
    doc_key = f"{PREFIX}/{doc.file.name}"
    assert doc.file.name.startswith("dossiers/") and doc.file.name.endswith(f"-{sha(expected)[:16]}.pdf")
    assert keys(bucket) == {doc_key}  # the draft's object was deleted after the commit
    assert body(bucket, doc_key) == expected
    # the applicant downloads it back from the bucket
    r = client.get(f"/ho-so-cua-toi/{dossier.code}/tai-lieu/{doc.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert b"".join(r.streaming_content) == expected
    # and so does the agency's one-stop officer
    client.logout()
    assert client.login(username="mc", password=PASSWORD)
    r = client.get(f"/staff/dossiers/{dossier.code}/documents/{doc.pk}/")
    assert r.status_code == 200 and r["X-Content-Type-Options"] == "nosniff"
    assert b"".join(r.streaming_content) == expected


def test_same_bytes_twice_get_two_objects_and_discard_removes_only_its_own(client, world, bucket):
    assert client.login(username="congdan", password=PASSWORD)
    walk_wizard(client, world)
    client.post(url("xem-lai"), {"submit": "1"})
    dossier = Dossier.objects.get()
    client.logout()
    assert client.login(username="mc", password=PASSWORD)
    for _ in range(2):
        r = client.post(
            f"/staff/dossiers/{dossier.code}/documents/",
            {"kind": "other", "files": [SimpleUploadedFile("scan.pdf", PDF_BYTES + b"% scan\n")]},
        )
        assert r.status_code == 302
    first, second = dossier.documents.filter(kind="other").order_by("pk")
    assert first.sha256 == second.sha256 and first.file.name != second.file.name
    assert {f"{PREFIX}/{first.file.name}", f"{PREFIX}/{second.file.name}"} <= keys(bucket)
    documents.discard([first])
    assert f"{PREFIX}/{first.file.name}" not in keys(bucket)
    assert body(bucket, f"{PREFIX}/{second.file.name}") == PDF_BYTES + b"% scan\n"
    r = client.get(f"/staff/dossiers/{dossier.code}/documents/{second.pk}/")
    assert b"".join(r.streaming_content) == PDF_BYTES + b"% scan\n"
