"""Real files end to end: PyAV probing of generated media, uploads through the service's own
signed URLs (local disk) and through presigned S3 URLs (boto3 → the S3 endpoint over HTTP),
multipart, deletion of stored media, abandoned-upload cleanup, and the EC2 worker waker."""

from __future__ import annotations

import io
import logging
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import av
import boto3
import httpx
import pytest
from botocore.stub import Stubber
from litestar.testing import TestClient

from academy_video.adapters.aws.ec2 import Ec2WorkerWaker
from academy_video.adapters.cli import main as cli
from academy_video.adapters.http.app import create_app
from academy_video.adapters.http.auth import mint
from academy_video.adapters.media.probe import PyAvProbe, inspect
from academy_video.adapters.storage.s3 import S3ObjectStorage
from academy_video.app.config import Settings
from academy_video.bootstrap import build
from tests.http.conftest import SECRET, SESSION, Api, sync_roster
from tests.media import make_video

from .test_storage import need_s3


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    good = make_video(d / "good.mp4", seconds=4)
    late_index = make_video(d / "late-index.mp4", seconds=4, faststart=False)
    files = {
        "good": good,
        "audio": make_video(d / "audio.mp4", video=False),
        "text": d / "notes.mp4",
        "empty": d / "empty.mp4",
        "truncated": d / "truncated.mp4",
        "truncated_faststart": d / "truncated-faststart.mp4",
    }
    files["text"].write_text("this is not a video\n")
    files["empty"].write_bytes(b"")
    files["truncated"].write_bytes(late_index.read_bytes()[: late_index.stat().st_size // 2])
    files["truncated_faststart"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return files


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("audio", "no_video_stream"),
        ("text", "unreadable"),
        ("empty", "unreadable"),
        ("truncated", "unreadable"),
        ("truncated_faststart", "unreadable"),
    ],
)
def test_the_probe_gives_each_bad_source_its_reason(
    media: dict[str, Path], name: str, reason: str
) -> None:
    result = PyAvProbe().probe(str(media[name]))
    assert (result.ok, result.reason) == (False, reason)


def test_the_probe_reads_the_facts_of_a_good_source(media: dict[str, Path]) -> None:
    result = PyAvProbe().probe(str(media["good"]))
    assert result.ok
    assert (result.duration, result.codec, result.width, result.height) == (4.0, "h264", 160, 120)


class CountingFile(io.RawIOBase):
    """A file that counts the bytes read from it."""

    def __init__(self, path: Path) -> None:
        self.file: io.BufferedReader = path.open("rb")
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.file.readinto(buffer)
        self.read_bytes += n or 0
        return n or 0

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()


def test_probing_a_gigabyte_source_reads_only_a_little_of_it(
    media: dict[str, Path], tmp_path: Path
) -> None:
    big = tmp_path / "lecture.mp4"
    big.write_bytes(media["good"].read_bytes())
    with big.open("r+b") as file:
        file.truncate(1024**3)  # a 1 GiB file (sparse: the rest reads as zeros)
    counted = CountingFile(big)
    # What the sandboxed child does with the source, here, where its reads can be counted.
    with av.open(counted) as container:
        found = inspect(container, max_seconds=3600)
    assert found["duration"] == 4.0
    assert counted.read_bytes < 2 * 1024 * 1024, counted.read_bytes
    assert PyAvProbe().probe(str(big)).duration == 4.0


def _target(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def local_api(tmp_path: Path) -> Iterator[Api]:
    container = build(Settings(data_dir=tmp_path / "data", jwt_secret=SECRET))
    with TestClient(create_app(container)) as client:
        api = Api(client, container, None)  # type: ignore[arg-type]
        sync_roster(api)
        yield api
    container.close()


def headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(SECRET, role='admin', tenant='demo', user_id=1)}"}


def test_a_real_upload_through_the_local_disk(local_api: Api, media: dict[str, Path]) -> None:
    client = local_api.client
    ticket = client.post(
        "/api/v1/videos/upload/init/",
        headers=headers(),
        json={"session": SESSION, "title": "Real", "filename": "real.mp4"},
    ).json()
    assert ticket["upload_url"].startswith("http://127.0.0.1:8000/media/objects/videos/demo/")
    put = client.put(_target(ticket["upload_url"]), content=media["good"].read_bytes())
    assert put.status_code == 200
    video_id = ticket["video"]["id"]
    done = client.post(f"/api/v1/videos/{video_id}/upload/complete/", headers=headers())
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["duration"]) == ("UPLOADED", 4.0)
    video = local_api.app.videos.get(video_id)
    assert (video.probe["codec"], video.probe["width"], video.size) == (
        "h264",
        160,
        media["good"].stat().st_size,
    )
    # Deleting removes the stored source.
    assert client.delete(f"/api/v1/videos/{video_id}", headers=headers()).status_code == 204
    assert local_api.app.storage.head(ticket["file_key"]) is None


@pytest.fixture
def s3_api(tmp_path: Path) -> Iterator[Api]:
    bucket = f"t-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=need_s3()).create_bucket(Bucket=bucket)
    settings = Settings(
        data_dir=tmp_path / "data", jwt_secret=SECRET, s3_bucket=bucket, s3_endpoint_url=need_s3()
    )
    container = build(settings)
    assert isinstance(container.storage, S3ObjectStorage)
    with TestClient(create_app(container)) as client:
        api = Api(client, container, None)  # type: ignore[arg-type]
        sync_roster(api)
        yield api
    container.close()


def test_a_presigned_put_to_s3_then_a_probe_through_a_presigned_get(
    s3_api: Api, media: dict[str, Path]
) -> None:
    client = s3_api.client
    ticket = client.post(
        "/api/v1/videos/upload/init",
        headers=headers(),
        json={"session": SESSION, "title": "S3", "filename": "s3.mp4"},
    ).json()
    assert ticket["upload_url"].startswith(need_s3())
    put = httpx.put(
        ticket["upload_url"],
        content=media["good"].read_bytes(),
        headers={"Content-Type": "video/mp4"},
    )
    assert put.status_code == 200, put.text
    done = client.post(f"/api/v1/videos/{ticket['video']['id']}/upload/complete", headers=headers())
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["duration"]) == ("UPLOADED", 4.0)


def test_a_multipart_upload_of_several_parts_to_s3(s3_api: Api, media: dict[str, Path]) -> None:
    client = s3_api.client
    ticket = client.post(
        "/api/v1/videos/upload/init",
        headers=headers(),
        json={"session": SESSION, "title": "Big", "filename": "big.mp4"},
    ).json()
    video_id = ticket["video"]["id"]
    # A real video padded to 11 MiB (the demuxer ignores what follows its data).
    data = media["good"].read_bytes()
    data += b"\0" * (11 * 1024 * 1024 - len(data))
    started = client.post(
        f"/api/v1/videos/{video_id}/upload/multipart", headers=headers(), json={"size": len(data)}
    ).json()
    size = started["part_size"]
    assert len(started["parts"]) == 3
    parts = []
    for part in started["parts"]:
        chunk = data[(part["part_number"] - 1) * size : part["part_number"] * size]
        response = httpx.put(part["url"], content=chunk)
        assert response.status_code == 200, response.text
        parts.append({"part_number": part["part_number"], "etag": response.headers["ETag"]})
    joined = client.post(
        f"/api/v1/videos/{video_id}/upload/multipart/complete",
        headers=headers(),
        json={"upload_id": started["upload_id"], "parts": parts},
    )
    assert joined.json() == {"file_key": ticket["file_key"], "size": len(data)}
    done = client.post(f"/api/v1/videos/{video_id}/upload/complete", headers=headers())
    assert (done.status_code, done.json()["status"]) == (200, "UPLOADED")


def test_deleting_a_video_removes_its_source_and_outputs_from_s3(
    s3_api: Api, media: dict[str, Path]
) -> None:
    app, storage = s3_api.app, s3_api.app.storage
    ticket = app.uploads.init(tenant="demo", session_id=SESSION, title="T", filename="a.mp4")
    video_id = ticket.video.video_id
    storage.put_file(ticket.file_key, media["good"], "video/mp4")
    app.uploads.complete(tenant="demo", video_id=video_id)
    assert app.jobs.claim_next("w1") is not None
    prefix = f"hls/demo/videos/{video_id}/"
    outputs = [
        f"{prefix}master.m3u8",
        f"{prefix}360p/seg0.ts",
        f"{prefix}thumbnail.jpg",
        f"keys/demo/videos/{video_id}/aes.key",
    ]
    for key in outputs:
        storage.put_file(key, media["text"], "application/octet-stream")
    app.jobs.complete(video_id, "w1", hls_path=outputs[0], thumbnail_key=outputs[2])
    neighbour = f"hls/demo/videos/{video_id}0/master.m3u8"  # another video's, sharing a prefix
    storage.put_file(neighbour, media["text"], "application/octet-stream")

    assert s3_api.client.delete(f"/api/v1/videos/{video_id}/", headers=headers()).status_code == 204
    for key in [ticket.file_key, *outputs]:
        assert storage.head(key) is None, key
    assert storage.head(neighbour) is not None


def test_abandoned_uploads_are_cleaned_up(
    s3_api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    storage = s3_api.app.storage
    uploads = s3_api.app.uploads
    stale = uploads.init(tenant="demo", session_id=SESSION, title="Stale", filename="a.mp4")
    started = uploads.start_multipart(tenant="demo", video_id=stale.video.video_id, size=10)
    httpx.put(started.part_urls[0], content=b"0123456789")
    fresh = uploads.init(tenant="demo", session_id=SESSION, title="Fresh", filename="b.mp4")
    now = datetime.now(UTC)
    assert uploads.cleanup_abandoned(now) == 0  # not old enough yet
    assert uploads.cleanup_abandoned(now + timedelta(hours=25)) == 2
    assert (
        s3_api.client.get(f"/api/v1/videos/{stale.video.video_id}", headers=headers()).status_code
        == 404
    )
    assert storage.abort_multipart(stale.file_key) == 0  # its unfinished upload went too
    del fresh

    # The same from the command line, with the TTL given.
    settings = s3_api.app.settings
    for name, value in {
        "ACADEMY_VIDEO_DATA_DIR": str(settings.data_dir),
        "ACADEMY_VIDEO_S3_BUCKET": settings.s3_bucket,
        "ACADEMY_VIDEO_S3_ENDPOINT_URL": settings.s3_endpoint_url,
    }.items():
        monkeypatch.setenv(name, value)
    uploads.init(tenant="demo", session_id=SESSION, title="Later", filename="c.mp4")
    assert cli(["cleanup-uploads", "--older-than-hours", "0"]) == 0
    assert "removed 1 abandoned uploads" in capsys.readouterr().out


def woken(waker: Ec2WorkerWaker) -> None:
    """Wake as the service does (the start tried in the waker's thread) and wait for it."""
    waker.wake()
    for thread in threading.enumerate():
        if thread.name == "ec2-waker":
            thread.join(10)


def test_the_ec2_waker_starts_the_stopped_worker_machine() -> None:
    ec2 = boto3.client("ec2", endpoint_url=need_s3(), region_name="us-east-1")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"
    ]
    ec2.stop_instances(InstanceIds=[instance])
    woken(Ec2WorkerWaker(instance, client=ec2))
    state = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0][
        "State"
    ]
    assert state["Name"] in ("pending", "running")


def test_the_ec2_waker_retries_while_the_machine_is_still_stopping(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="academy_video.adapters.aws.ec2")
    client = boto3.client(
        "ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(client)
    stub.add_client_error("start_instances", service_error_code="IncorrectInstanceState")
    stub.add_client_error("start_instances", service_error_code="IncorrectInstanceState")
    stub.add_response("start_instances", {"StartingInstances": []})
    with stub:
        woken(Ec2WorkerWaker("i-1", client=client, interval=0))
    stub.assert_no_pending_responses()
    assert "start of i-1 accepted (attempt 3)" in caplog.text
    other = Stubber(client)
    other.add_client_error("start_instances", service_error_code="UnauthorizedOperation")
    with other:
        woken(Ec2WorkerWaker("i-1", client=client, interval=0))
    other.assert_no_pending_responses()  # not tried again
    assert "could not start i-1" in caplog.text
