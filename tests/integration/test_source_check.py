"""A source replaced after ``upload/complete`` is never transcoded: on S3 (whose presigned upload
URL stays valid for its hour) the worker compares the ETag recorded at confirmation and fails
the job with ``source_changed``, publishing nothing; a decoder reading the presigned GET with
``If-Match`` is refused by the store itself. The unchanged source still becomes READY."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import av
import boto3
import httpx
import pytest
from litestar.testing import TestClient

from academy_video.adapters.http.app import create_app
from academy_video.adapters.media.source_check import check_source_unchanged, if_match_options
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.adapters.storage.s3 import S3ObjectStorage
from academy_video.app.config import Settings
from academy_video.app.ports import TranscodeFailed
from academy_video.app.worker import ServiceJobs, Worker
from academy_video.bootstrap import build
from academy_video.domain.video import VideoStatus, key_object, outputs_prefix
from tests.http.conftest import SECRET, SESSION, Api, sync_roster
from tests.media import make_video

from .test_storage import need_s3

VIDEO_MP4 = {"Content-Type": "video/mp4"}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("media")
    return {
        "lecture": make_video(d / "lecture.mp4", seconds=3, faststart=False),
        "other": make_video(d / "other.mp4", seconds=2, size=(320, 240), faststart=False),
    }


@pytest.fixture
def s3_api(tmp_path: Path) -> Iterator[Api]:
    bucket = f"t-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=need_s3()).create_bucket(Bucket=bucket)
    settings = Settings(
        data_dir=tmp_path / "data",
        jwt_secret=SECRET,
        s3_bucket=bucket,
        s3_endpoint_url=need_s3(),
        hls_encrypt=True,
    )
    container = build(settings)
    with TestClient(create_app(container)) as client:
        api = Api(client, container, None)  # type: ignore[arg-type]
        sync_roster(api)
        yield api
    container.close()


def confirmed(api: Api, source: Path) -> tuple[int, str]:
    """A video uploaded through its presigned URL and confirmed; (its id, the upload URL)."""
    ticket = api.call(
        "POST",
        "/api/v1/videos/upload/init",
        json={"session": SESSION, "title": "T", "filename": "a.mp4"},
    ).json()
    put = httpx.put(ticket["upload_url"], content=source.read_bytes(), headers=VIDEO_MP4)
    assert put.status_code == 200
    video_id = ticket["video"]["id"]
    done = api.call("POST", f"/api/v1/videos/{video_id}/upload/complete")
    assert done.status_code == 200, done.text
    return video_id, ticket["upload_url"]


def work_once(api: Api) -> str:
    worker = Worker(ServiceJobs(api.app.jobs, "w1"), api.app.transcoder)
    job = worker.jobs.claim()
    assert job is not None
    return worker.process(job, threading.Event())


def published(api: Api, video_id: int) -> list[str]:
    storage = api.app.storage
    assert isinstance(storage, S3ObjectStorage)
    listed = storage.client.list_objects_v2(
        Bucket=storage.bucket, Prefix=outputs_prefix("demo", video_id)
    )
    keys = [item["Key"] for item in listed.get("Contents", [])]
    return keys + (
        [key_object("demo", video_id)] if storage.head(key_object("demo", video_id)) else []
    )


def test_a_source_replaced_after_upload_complete_is_refused_and_nothing_published(
    s3_api: Api, media: dict[str, Path]
) -> None:
    video_id, upload_url = confirmed(s3_api, media["lecture"])
    # S3 cannot revoke the presigned URL: the uploader replaces the probed lecture through it.
    replaced = httpx.put(upload_url, content=media["other"].read_bytes(), headers=VIDEO_MP4)
    assert replaced.status_code == 200
    assert work_once(s3_api) == "failed"
    video = s3_api.app.videos.get(video_id)
    assert (video.status, video.error_reason) == (VideoStatus.FAILED, "source_changed")
    assert published(s3_api, video_id) == []
    # A retry does not make the replacement acceptable.
    s3_api.app.jobs.retry(tenant="demo", video_id=video_id)
    assert work_once(s3_api) == "failed"
    assert s3_api.app.videos.get(video_id).error_reason == "source_changed"


def test_a_source_replaced_while_it_is_transcoded_is_not_published(
    s3_api: Api, media: dict[str, Path]
) -> None:
    video_id, upload_url = confirmed(s3_api, media["lecture"])
    video = s3_api.app.videos.get(video_id)
    other = media["other"].read_bytes()

    def replace_once(percent: int) -> None:
        if not replaced:
            replaced.append(httpx.put(upload_url, content=other, headers=VIDEO_MP4).status_code)

    replaced: list[int] = []
    with pytest.raises(TranscodeFailed, match="source_changed"):
        s3_api.app.transcoder.transcode(
            video_id=video_id,
            tenant="demo",
            source_key=video.file_key,
            progress=replace_once,
            source_etag=video.source_etag,
        )
    assert replaced == [200]
    assert published(s3_api, video_id) == []


def test_the_source_left_as_confirmed_becomes_ready(s3_api: Api, media: dict[str, Path]) -> None:
    video_id, _ = confirmed(s3_api, media["lecture"])
    assert work_once(s3_api) == "completed"
    video = s3_api.app.videos.get(video_id)
    assert video.status == VideoStatus.READY and video.source_etag
    assert f"{outputs_prefix('demo', video_id)}master.m3u8" in published(s3_api, video_id)


def test_s3_refuses_a_read_whose_if_match_no_longer_holds(media: dict[str, Path]) -> None:
    bucket = f"t-{uuid.uuid4().hex[:12]}"
    storage = S3ObjectStorage(bucket, endpoint_url=need_s3())
    storage.client.create_bucket(Bucket=bucket)
    storage.put_file("v.mp4", media["lecture"], "video/mp4")
    stored = storage.head("v.mp4")
    assert stored is not None and stored.etag and '"' not in stored.etag
    url = storage.source_url("v.mp4", 600)
    # The presigned GET with If-Match: the store answers 412 to a wrong ETag, ranges included.
    for etag, status in ((stored.etag, 206), ("0" * 32, 412)):
        headers = {"If-Match": f'"{etag}"', "Range": "bytes=0-99"}
        assert httpx.get(url, headers=headers).status_code == status

    # FFmpeg sends the header with every request: a wrong ETag cannot even open the source,
    # and a source replaced after opening is refused at the next read that goes to the store.
    with pytest.raises(av.error.FFmpegError):
        av.open(url, options=if_match_options(url, "0" * 32), timeout=10)
    with av.open(url, options=if_match_options(url, stored.etag), timeout=10) as container:
        assert sum(1 for _ in container.decode(video=0)) == 75  # 3 s at 25 fps
        storage.put_file("v.mp4", media["other"], "video/mp4")
        container.seek(0)  # the next read goes back to the store
        with pytest.raises(av.error.FFmpegError):
            list(container.decode(video=0))
    with pytest.raises(TranscodeFailed, match="source_changed"):
        check_source_unchanged(storage, "v.mp4", stored.etag)
    assert if_match_options("/data/objects/v.mp4", stored.etag) == {}  # a local path: no HTTP


def test_every_local_write_is_a_new_version(tmp_path: Path, media: dict[str, Path]) -> None:
    storage = LocalDiskStorage(tmp_path, base_url="http://x", secret="s", max_bytes=1 << 30)
    storage.put_file("v.mp4", media["lecture"], "video/mp4")
    first = storage.head("v.mp4")
    assert first is not None and storage.head("v.mp4") == first  # stable while untouched
    check_source_unchanged(storage, "v.mp4", first.etag)
    # The same bytes written again, at once: still a different version.
    storage.put_file("v.mp4", media["lecture"], "video/mp4")
    second = storage.head("v.mp4")
    assert second is not None and second.size == first.size and second.etag != first.etag
    with pytest.raises(TranscodeFailed, match="source_changed"):
        check_source_unchanged(storage, "v.mp4", first.etag)
    storage.delete("v.mp4")
    with pytest.raises(TranscodeFailed, match="source_changed"):
        check_source_unchanged(storage, "v.mp4", second.etag)
    check_source_unchanged(storage, "v.mp4", "")  # confirmed before ETags were kept: no check
