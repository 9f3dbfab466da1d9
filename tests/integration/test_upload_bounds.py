"""What a holder of a local upload URL can write, tried over HTTP on the embedded default: a
part no larger than its upload's part size, a multipart total no larger than the limit (checked
before anything is joined), and nothing once the video left PENDING or was deleted."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import pytest
from litestar.testing import TestClient

from academy_video.adapters.http.app import create_app
from academy_video.adapters.storage import local
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.app.config import Settings
from academy_video.app.errors import Conflict
from academy_video.bootstrap import build
from tests.http.conftest import SECRET, SESSION, Api, sync_roster
from tests.media import make_video

MiB = 1024 * 1024
LIMIT = 12 * MiB


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    container = build(
        Settings(data_dir=tmp_path / "data", jwt_secret=SECRET, max_upload_bytes=LIMIT)
    )
    with TestClient(create_app(container)) as client:
        api = Api(client, container, None)  # type: ignore[arg-type]
        sync_roster(api)
        yield api
    container.close()


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("videos")
    return {
        "4s": make_video(d / "four.mp4", seconds=4).read_bytes(),
        "3s": make_video(d / "three.mp4", seconds=3).read_bytes(),
    }


def storage(api: Api) -> LocalDiskStorage:
    assert isinstance(api.app.storage, LocalDiskStorage)
    return api.app.storage


def put(api: Api, url: str, data: bytes) -> Any:
    parts = urlsplit(url)
    return api.client.put(f"{parts.path}?{parts.query}", content=data)


def init(api: Api) -> dict[str, Any]:
    response = api.call(
        "POST",
        "/api/v1/videos/upload/init",
        json={"session": SESSION, "title": "T", "filename": "a.mp4"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def multipart(api: Api, video_id: int, size: int) -> dict[str, Any]:
    response = api.call("POST", f"/api/v1/videos/{video_id}/upload/multipart", json={"size": size})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def leftovers(api: Api) -> list[Path]:
    """Temporary files of uploads that were refused (none may stay)."""
    return list(storage(api).root.rglob(".upload-*"))


def test_each_part_is_capped_at_the_part_size_while_it_streams(
    api: Api, videos: dict[str, bytes]
) -> None:
    ticket = init(api)
    video_id = ticket["video"]["id"]
    data = videos["4s"] + b"\0" * (11 * MiB - len(videos["4s"]))  # the demuxer ignores the tail
    started = multipart(api, video_id, len(data))
    size, urls = started["part_size"], [p["url"] for p in started["parts"]]
    assert (size, len(urls)) == (5 * MiB, 3)
    chunks = [data[i * size : (i + 1) * size] for i in range(3)]
    etags = [put(api, url, chunk).headers["ETag"] for url, chunk in zip(urls, chunks, strict=True)]

    # One byte over the part size (far under the upload's limit) is refused as it streams, and
    # the part already stored under that number is left as it was.
    over = put(api, urls[0], chunks[0] + b"x")
    assert (over.status_code, over.json()) == (413, {"detail": "part_too_large"})
    over_last = put(api, urls[2], b"\0" * (size + 1))  # the last part has the same cap
    assert (over_last.status_code, over_last.json()) == (413, {"detail": "part_too_large"})
    assert leftovers(api) == []

    # Parts of exactly the part size and a smaller last part make the whole file.
    parts = [{"part_number": n, "etag": etag} for n, etag in enumerate(etags, start=1)]
    joined = api.call(
        "POST",
        f"/api/v1/videos/{video_id}/upload/multipart/complete",
        json={"upload_id": started["upload_id"], "parts": parts},
    )
    assert joined.json() == {"file_key": ticket["file_key"], "size": len(data)}
    assert storage(api).path(ticket["file_key"]).read_bytes() == data
    done = api.call("POST", f"/api/v1/videos/{video_id}/upload/complete")
    assert (done.status_code, done.json()["status"]) == (200, "UPLOADED")


def test_the_parts_total_is_checked_before_anything_is_joined(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = init(api)
    video_id = ticket["video"]["id"]
    started = multipart(api, video_id, LIMIT)  # within the limit: three parts of 5 MiB
    # Each part within its cap, the three of them 15 MiB: over the 12 MiB limit.
    parts = [
        {
            "part_number": p["part_number"],
            "etag": put(api, p["url"], b"\0" * 5 * MiB).headers["ETag"],
        }
        for p in started["parts"]
    ]
    source_dir = storage(api).path(ticket["file_key"]).parent
    joins: list[object] = []
    mkstemp = tempfile.mkstemp

    def watched(*args: Any, **kwargs: Any) -> Any:
        if Path(kwargs.get("dir", "")) == source_dir:
            joins.append(kwargs)  # a joined file would be written beside the source
        return mkstemp(*args, **kwargs)

    monkeypatch.setattr("academy_video.adapters.storage.local.tempfile.mkstemp", watched)
    refused = api.call(
        "POST",
        f"/api/v1/videos/{video_id}/upload/multipart/complete",
        json={"upload_id": started["upload_id"], "parts": parts},
    )
    assert (refused.status_code, refused.json()) == (413, {"detail": "upload_too_large"})
    assert joins == []
    assert storage(api).head(ticket["file_key"]) is None
    # The upload is dropped (as S3 drops an upload it completed); the video waits for another.
    assert not (storage(api).root / local.MULTIPART_DIR / started["upload_id"]).exists()
    shown = api.call("GET", f"/api/v1/videos/{video_id}").json()
    assert (shown["status"], shown["error_reason"]) == ("PENDING", "upload_too_large")
    again = api.call(
        "POST",
        f"/api/v1/videos/{video_id}/upload/multipart/complete",
        json={"upload_id": started["upload_id"], "parts": parts},
    )
    assert again.status_code == 400 and again.json()["detail"].startswith("invalid_parts")


def test_an_upload_url_takes_nothing_once_the_upload_is_confirmed(
    api: Api, videos: dict[str, bytes]
) -> None:
    ticket = init(api)
    video_id, url, key = ticket["video"]["id"], ticket["upload_url"], ticket["file_key"]
    # While PENDING the file may be uploaded again: the last one is what gets probed.
    assert put(api, url, videos["4s"]).status_code == 200
    assert put(api, url, videos["3s"]).status_code == 200
    done = api.call("POST", f"/api/v1/videos/{video_id}/upload/complete")
    assert (done.status_code, done.json()["duration"]) == (200, 3.0)
    probed = storage(api).head(key)

    # The URL is still within its hour, but the source it would replace was probed.
    refused = put(api, url, videos["4s"])
    assert (refused.status_code, refused.json()) == (409, {"detail": "upload_closed"})
    assert storage(api).head(key) == probed
    assert storage(api).path(key).read_bytes() == videos["3s"]
    assert leftovers(api) == []
    assert api.app.videos.get(video_id).source_etag == probed.etag  # type: ignore[union-attr]


def test_the_parts_of_a_sealed_key_are_refused(api: Api) -> None:
    ticket = init(api)
    started = multipart(api, ticket["video"]["id"], 6 * MiB)
    first, second = (p["url"] for p in started["parts"])
    assert put(api, first, b"\0" * 5 * MiB).status_code == 200
    storage(api).seal(ticket["file_key"])  # what upload/complete and deletion do
    refused = put(api, second, b"\0" * MiB)
    assert (refused.status_code, refused.json()) == (409, {"detail": "upload_closed"})
    assert leftovers(api) == []


def test_after_upload_complete_the_unfinished_multipart_upload_is_gone(
    api: Api, videos: dict[str, bytes]
) -> None:
    ticket = init(api)
    video_id = ticket["video"]["id"]
    started = multipart(api, video_id, 6 * MiB)
    assert put(api, ticket["upload_url"], videos["4s"]).status_code == 200
    assert api.call("POST", f"/api/v1/videos/{video_id}/upload/complete").status_code == 200
    # Its part URLs name an upload that no longer exists (S3's NoSuchUpload).
    late = put(api, started["parts"][1]["url"], b"\0" * MiB)
    assert (late.status_code, late.json()) == (404, {"detail": "not_found"})
    assert not (storage(api).root / local.MULTIPART_DIR / started["upload_id"]).exists()


def test_an_upload_url_takes_nothing_once_the_video_is_deleted(
    api: Api, videos: dict[str, bytes]
) -> None:
    ticket = init(api)
    assert api.call("DELETE", f"/api/v1/videos/{ticket['video']['id']}").status_code == 204
    refused = put(api, ticket["upload_url"], videos["4s"])
    assert (refused.status_code, refused.json()) == (409, {"detail": "upload_closed"})
    assert storage(api).head(ticket["file_key"]) is None  # no orphan
    assert leftovers(api) == []


def test_a_put_that_began_before_the_seal_does_not_land_after_it(api: Api) -> None:
    store = storage(api)
    key = "videos/demo/10/racing.mp4"

    async def body() -> AsyncIterator[bytes]:
        yield b"first half, "
        store.seal(key)  # upload/complete confirmed the source meanwhile
        yield b"second half"

    with pytest.raises(Conflict, match="upload_closed"):
        anyio.run(store.receive, key, body())
    assert store.head(key) is None
    assert leftovers(api) == []
