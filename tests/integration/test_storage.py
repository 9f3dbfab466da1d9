"""The storage contract on the local disk (through the service's own signed URLs) and on S3
(boto3 over HTTP to the S3-compatible endpoint `make test` starts)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from academy_video.adapters.http.app import create_app
from academy_video.adapters.storage.local import BadKey, LocalDiskStorage
from academy_video.adapters.storage.s3 import S3ObjectStorage
from academy_video.app.config import Settings
from academy_video.bootstrap import build
from tests.contract.storage_suite import check_multipart_contract, check_storage_contract

S3_ENDPOINT = os.environ.get("ACADEMY_VIDEO_TEST_S3_ENDPOINT", "")


def need_s3() -> str:
    if not S3_ENDPOINT:
        pytest.fail("ACADEMY_VIDEO_TEST_S3_ENDPOINT is not set: run the tests with `make test`")
    return S3_ENDPOINT


@pytest.fixture
def bucket() -> S3ObjectStorage:
    name = f"t-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=need_s3()).create_bucket(Bucket=name)
    return S3ObjectStorage(name, endpoint_url=S3_ENDPOINT)


def http_put(url: str, data: bytes, content_type: str) -> str:
    headers = {"Content-Type": content_type} if content_type else {}
    response = httpx.put(url, content=data, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.headers["ETag"]


def http_get(url: str) -> bytes:
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, response.text
    return response.content


def test_s3_keeps_the_storage_contract(bucket: S3ObjectStorage, tmp_path: Path) -> None:
    check_storage_contract(bucket, http_put, http_get, tmp_path)
    check_multipart_contract(bucket, http_put, http_get)


@pytest.fixture
def local(tmp_path: Path) -> Iterator[tuple[LocalDiskStorage, TestClient[Litestar]]]:
    container = build(
        Settings(data_dir=tmp_path / "data", jwt_secret="j" * 32, max_upload_bytes=8 * 1024 * 1024)
    )
    assert isinstance(container.storage, LocalDiskStorage)
    with TestClient(create_app(container)) as client:
        yield container.storage, client
    container.close()


def _target(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_local_disk_keeps_the_storage_contract(
    local: tuple[LocalDiskStorage, TestClient[Litestar]], tmp_path: Path
) -> None:
    storage, client = local

    def put(url: str, data: bytes, content_type: str) -> str:
        response = client.put(_target(url), content=data)
        assert response.status_code == 200, response.text
        return str(response.headers["ETag"])

    def get(url: str) -> bytes:
        response = client.get(_target(url))
        assert response.status_code == 200, response.text
        return response.content

    check_storage_contract(storage, put, get, tmp_path)
    check_multipart_contract(storage, put, get)


def test_local_urls_are_checked_and_uploads_capped(
    local: tuple[LocalDiskStorage, TestClient[Litestar]],
) -> None:
    storage, client = local
    url = _target(storage.upload_url("videos/demo/1/a.mp4", "video/mp4", 600))
    forged = url.replace("sig=", "sig=x")
    assert client.put(forged, content=b"x").json() == {"detail": "invalid_signature"}
    other_key = url.replace("a.mp4", "b.mp4")
    assert client.put(other_key, content=b"x").status_code == 403
    as_download = client.get(url)  # a PUT signature does not allow GET
    assert as_download.json() == {"detail": "invalid_signature"}
    expired = _target(storage.upload_url("videos/demo/1/a.mp4", "video/mp4", -1))
    assert client.put(expired, content=b"x").json() == {"detail": "url_expired"}
    # Over the cap: 413, and nothing is left behind.
    too_big = client.put(url, content=b"\0" * (9 * 1024 * 1024))
    assert (too_big.status_code, too_big.json()) == (413, {"detail": "upload_too_large"})
    assert storage.head("videos/demo/1/a.mp4") is None
    assert not [p for p in storage.root.rglob("*") if p.is_file()]
    assert client.put(url, content=b"fine").status_code == 200


@pytest.mark.parametrize(
    "key", ["../etc/passwd", "/etc/passwd", "videos/../../x", "a//b", ".multipart/x", ""]
)
def test_local_keys_cannot_leave_the_store(
    local: tuple[LocalDiskStorage, TestClient[Litestar]], key: str
) -> None:
    storage, _ = local
    with pytest.raises(BadKey):
        storage.upload_url(key, "video/mp4", 600)
    with pytest.raises(BadKey):
        storage.path(key)


def test_a_non_ascii_signature_is_refused(
    local: tuple[LocalDiskStorage, TestClient[Litestar]],
) -> None:
    storage, _ = local
    assert storage.refusal("PUT", "/media/objects/a", "9999999999", "é") == "invalid_signature"
