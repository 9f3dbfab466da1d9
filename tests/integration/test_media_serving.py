"""Signed media on the embedded default: a player with one signed master URL reaches every
variant, segment and (AES-128) key through signed references, and with each refresh's
``media_query`` keeps reaching them after those lapse; tampering, expiry, another path, a path
outside the scope, another session's video and a revoked session are all refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import av
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from litestar.testing import TestClient

from academy_video.adapters.http.app import create_app
from academy_video.adapters.storage.local import LocalDiskStorage
from academy_video.app.config import Settings
from academy_video.app.playback import KEY_REQUESTS_PER_MINUTE
from academy_video.app.worker import ServiceJobs, Worker
from academy_video.bootstrap import Container, build
from tests.http.conftest import SECRET, STUDENTS, Api, sync_roster
from tests.media import make_video

BASE = "http://testserver.local"


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with serving(tmp_path) as api:
        yield api


@contextmanager
def serving(tmp_path: Path, **settings: Any) -> Iterator[Api]:
    container = build(
        Settings(
            data_dir=tmp_path / "data",
            jwt_secret=SECRET,
            playback_token_secret="p",
            cdn_signing_secret="edge-secret",
            cdn_base_url=BASE,
            **{"hls_encrypt": True, **settings},
        )
    )
    with TestClient(create_app(container), base_url=BASE) as client:
        api = Api(client, container, None)  # type: ignore[arg-type]
        sync_roster(api)
        yield api
    container.close()


def ready(app: Container, tmp_path: Path) -> int:
    ticket = app.uploads.init(tenant="demo", session_id=10, title="T", filename="a.mp4")
    app.storage.put_file(
        ticket.file_key, make_video(tmp_path / "v.mp4", seconds=4, size=(320, 240)), "video/mp4"
    )
    app.uploads.complete(tenant="demo", video_id=ticket.video.video_id)
    worker = Worker(ServiceJobs(app.jobs, "w"), app.transcoder)
    job = worker.jobs.claim()
    assert job is not None and worker.process(job, threading.Event()) == "completed"
    return ticket.video.video_id


def get(api: Api, url: str) -> Any:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE
    return api.client.get(f"{parts.path}?{parts.query}")


def uris(playlist: str) -> list[str]:
    return [line for line in playlist.splitlines() if line and not line.startswith("#")]


def playback(
    api: Api, call: str, body: dict[str, Any], enrollment: int = 101, status: int = 200
) -> dict[str, Any]:
    """A student's ``POST /playback/{call}``, answered with ``status``."""
    response = api.call(
        "POST", f"/api/v1/playback/{call}", role="student", user=STUDENTS[enrollment], json=body
    )
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    return answer


def start(api: Api, video: int, enrollment: int = 101) -> dict[str, Any]:
    body = {"video_id": video, "enrollment_id": enrollment, "device_id": "d"}
    return playback(api, "start", body, enrollment, 201)


def test_a_player_reaches_everything_from_one_signed_url(api: Api, tmp_path: Path) -> None:
    video = ready(api.app, tmp_path)
    session = start(api, video)
    master = get(api, session["play_url"])
    assert master.status_code == 200 and master.headers["content-type"].startswith(
        "application/vnd.apple.mpegurl"
    )
    [variant_url] = uris(master.text)
    variant = get(api, variant_url)
    assert variant.status_code == 200
    # Every URI a playlist names carries the scope of the video's prefix, not its own path.
    for url in [variant_url, *uris(variant.text)]:
        assert parse_qs(urlsplit(url).query)["acl"] == [f"/hls/demo/videos/{video}/"]
    key_line = next(line for line in variant.text.splitlines() if line.startswith("#EXT-X-KEY"))
    key_url = key_line.split('URI="')[1].split('"')[0]
    assert parse_qs(urlsplit(key_url).query)["sid"] == [session["session_id"]]
    iv = bytes.fromhex(key_line.split("IV=0x")[1][:32])
    key = get(api, key_url)
    assert key.status_code == 200 and len(key.content) == 16
    decoded = 0
    for segment_url in uris(variant.text):
        segment = get(api, segment_url)
        assert segment.status_code == 200
        decryptor = Cipher(algorithms.AES(key.content), modes.CBC(iv)).decryptor()
        plain = decryptor.update(segment.content) + decryptor.finalize()
        clear = tmp_path / "clear.ts"
        clear.write_bytes(plain[: -plain[-1]])
        with av.open(str(clear)) as container:
            decoded += sum(1 for _ in container.decode(video=0))
    assert decoded == 100  # 4 s at 25 fps


def test_wrong_signatures_are_403(api: Api, tmp_path: Path) -> None:
    video = ready(api.app, tmp_path)
    url = start(api, video)["play_url"]
    assert get(api, url.replace("sig=", "sig=A")).json() == {"detail": "invalid_signature"}
    other_path = url.replace("master.m3u8", "240p/index.m3u8")
    assert get(api, other_path).status_code == 403  # a signature covers one path
    other_user = url.replace(f"uid={STUDENTS[101]}", "uid=1")
    assert get(api, other_user).status_code == 403
    signer = api.app.playback.signer
    expired = signer.sign(urlsplit(url).path, expires_at=1, user_id=STUDENTS[101])
    assert get(api, expired).status_code == 403
    assert get(api, url.split("?")[0]).status_code == 403  # unsigned


def key_url(api: Api, session: dict[str, Any], video: int, sid: str | None = None) -> str:
    """The key URI a playlist of ``session`` names (signed to the play URL's expiry), for
    ``video`` and ``sid`` (the session's own unless given)."""
    query = parse_qs(urlsplit(session["play_url"]).query)
    return api.app.playback.signer.sign(
        f"/api/v1/playback/key/{video}",
        expires_at=int(query["exp"][0]),
        user_id=STUDENTS[101],
        session_id=sid or session["session_id"],
    )


def test_the_key_is_only_for_an_active_session_of_that_video(api: Api, tmp_path: Path) -> None:
    video = ready(api.app, tmp_path)
    session = start(api, video)
    assert get(api, key_url(api, session, video)).status_code == 200
    assert get(api, key_url(api, session, video, "no-such-session")).status_code == 403
    assert get(api, key_url(api, session, video + 1)).status_code == 403
    api.app.playback.live.end(tenant="demo", user_id=STUDENTS[101], token=session["token"])
    assert get(api, key_url(api, session, video)).json() == {"detail": "session_inactive"}


@pytest.mark.parametrize("change", ["blocked", "video policy"])
def test_the_key_is_refused_once_the_rules_tightened(api: Api, tmp_path: Path, change: str) -> None:
    """As the heartbeat answers policy_changed at once, so does the key: a student blocked
    mid-session does not keep fetching it until the session lapses. (Rules that only loosen
    keep serving it: tests/unit/app/test_policy_loosening.py.)"""
    video = ready(api.app, tmp_path)
    session = start(api, video)
    url = key_url(api, session, video)
    assert get(api, url).status_code == 200
    if change == "blocked":
        body = {"video_id": video, "enrollments": [101], "rule": "blocked"}
        assert api.call("POST", "/api/v1/video-permissions/bulk_set/", json=body).status_code == 200
    else:
        assert (
            api.call("PATCH", f"/api/v1/videos/{video}/", json={"max_speed": 0.75}).status_code
            == 200
        )
    refused = get(api, url)
    assert (refused.status_code, refused.json()) == (403, {"detail": "policy_changed"})


def test_key_requests_are_rate_limited_per_session(api: Api, tmp_path: Path) -> None:
    video = ready(api.app, tmp_path)
    session = start(api, video)
    url = key_url(api, session, video)
    codes = [get(api, url).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


# The scope: one query for every media request of a session, renewed by each refresh ----------


def swapped(url: str, media_query: str) -> str:
    """What the reference player does to each media request: the latest media_query in."""
    return url.split("?")[0] + "?" + media_query


def test_a_player_that_swaps_in_each_refreshs_media_query_outlives_its_urls(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, media_url_seconds=2) as api:
        video = ready(api.app, tmp_path)
        session = start(api, video)
        variant = get(api, uris(get(api, session["play_url"]).text)[0])
        segment_url = uris(variant.text)[-1]
        key_line = next(line for line in variant.text.splitlines() if "EXT-X-KEY" in line)
        key_uri = key_line.split('URI="')[1].split('"')[0]
        assert get(api, segment_url).status_code == 200
        deadline = time.monotonic() + 30
        while get(api, segment_url).status_code != 403:  # the playlist's URLs lapse …
            assert time.monotonic() < deadline
            time.sleep(0.2)  # (the edge reads the wall clock: there is nothing to await)
        assert get(api, key_uri).status_code == 403
        fresh = playback(api, "refresh", {"token": session["token"]})["media_query"]  # renewed
        assert get(api, swapped(segment_url, fresh)).status_code == 200
        assert get(api, swapped(key_uri, fresh)).status_code == 200
        assert get(api, swapped(session["play_url"], fresh)).status_code == 200


def test_a_scope_reaches_only_its_own_videos_media_and_key(api: Api, tmp_path: Path) -> None:
    video, other = ready(api.app, tmp_path), ready(api.app, tmp_path)
    session = start(api, video)
    media_query = session["media_query"]
    prefix = f"/hls/demo/videos/{video}/"
    assert get(api, f"{BASE}{prefix}master.m3u8?{media_query}").status_code == 200
    for path in [
        f"/hls/demo/videos/{other}/master.m3u8",  # another video's media
        f"{prefix}240p/%2e%2e/%2e%2e/{other}/master.m3u8",  # climbing out of the prefix
        f"{prefix}%2e%2e/{other}/master.m3u8",
        f"{prefix}..%2f{other}/master.m3u8",
        f"{prefix}%252e%252e/{other}/master.m3u8",
    ]:
        refused = api.client.get(f"{path}?{media_query}")
        assert (refused.status_code, refused.json()) == (403, {"detail": "invalid_signature"})
    # The key: its own video's only, for the scope's user and a live session of theirs.
    signer = api.app.playback.signer
    exp = int(parse_qs(media_query)["exp"][0])

    def scoped_key(key_video: int, acl: str, user: int = STUDENTS[101], sid: str = "") -> Any:
        query = signer.scope(
            acl, expires_at=exp, user_id=user, session_id=sid or session["session_id"]
        )
        return api.client.get(f"/api/v1/playback/key/{key_video}?{query}")

    assert scoped_key(video, prefix).status_code == 200
    for refused in [
        scoped_key(other, prefix),  # the key of another video
        scoped_key(video, f"/hls/demo/videos/{other}/"),  # a scope of another video
        scoped_key(video, "/hls/demo/videos/"),  # a scope wider than the video
        scoped_key(video, "/hls/demo/"),
        api.client.get(f"/api/v1/playback/key/{video}?{media_query.replace('exp=', 'exp=1')}"),
    ]:
        assert refused.status_code == 403
    # A request scoped to another video never reaches the session's checks, nor spends its key
    # requests: after more of them than the minute allows, the right one is still answered.
    for _ in range(KEY_REQUESTS_PER_MINUTE + 1):
        assert scoped_key(video, f"/hls/demo/videos/{other}/").status_code == 403
    assert scoped_key(video, prefix).status_code == 200
    # Another student, signed for themselves, cannot use Alice's session for the key.
    bob = start(api, video, 102)
    assert scoped_key(video, prefix, STUDENTS[102], bob["session_id"]).status_code == 200
    theft = scoped_key(video, prefix, STUDENTS[102], session["session_id"])
    assert (theft.status_code, theft.json()) == (403, {"detail": "session_inactive"})


def test_a_video_packaged_without_encryption_has_no_key_to_hand_out(tmp_path: Path) -> None:
    """``ACADEMY_VIDEO_HLS_ENCRYPT=0``, explicitly (the default is on): plain segments, no key
    in the playlists, and a signed key request is a 404, not an error."""
    with serving(tmp_path, hls_encrypt=False) as api:
        video = ready(api.app, tmp_path)
        session = start(api, video)
        variant = get(api, uris(get(api, session["play_url"]).text)[0])
        assert "#EXT-X-KEY" not in variant.text
        assert get(api, uris(variant.text)[0]).content.startswith(b"\x47")  # TS sync byte
        answer = api.client.get(f"/api/v1/playback/key/{video}?{session['media_query']}")
        assert (answer.status_code, answer.json()) == (404, {"detail": "not_found"})


def published_under_the_old_prefix(app: Container, tmp_path: Path) -> int:
    """A video whose outputs sit under ``media/hls/…`` on the local disk (the old workers'
    prefix, which ``import django`` keeps): a master, one variant, one segment."""
    storage = app.storage
    assert isinstance(storage, LocalDiskStorage)

    def put(key: str, data: bytes) -> None:
        file = storage.path(key)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(data)

    ticket = app.uploads.init(tenant="demo", session_id=10, title="Old", filename="a.mp4")
    source = make_video(tmp_path / "v.mp4", seconds=4, size=(160, 120))
    storage.put_file(ticket.file_key, source, "video/mp4")
    app.uploads.complete(tenant="demo", video_id=ticket.video.video_id)
    video = ticket.video.video_id
    prefix = f"media/hls/demo/videos/{video}/"
    files = {
        "master.m3u8": "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\n240p/index.m3u8\n",
        "240p/index.m3u8": "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nseg0.ts\n"
        "#EXT-X-ENDLIST\n",
        "240p/seg0.ts": "segment bytes",
    }
    for name, text in files.items():
        put(prefix + name, text.encode())
    job = app.jobs.claim_next("w")
    assert job is not None and job.video_id == video
    app.jobs.complete(video, "w", hls_path=prefix + "master.m3u8", duration=4)
    return video


def test_a_video_published_under_media_hls_plays_on_the_embedded_edge(
    api: Api, tmp_path: Path
) -> None:
    video = published_under_the_old_prefix(api.app, tmp_path)
    session = start(api, video)
    assert urlsplit(session["play_url"]).path == f"/media/hls/demo/videos/{video}/master.m3u8"
    master = get(api, session["play_url"])
    assert master.status_code == 200, master.text
    [variant_url] = uris(master.text)
    assert parse_qs(urlsplit(variant_url).query)["acl"] == [f"/media/hls/demo/videos/{video}/"]
    variant = get(api, variant_url)
    [segment_url] = uris(variant.text)
    segment = get(api, segment_url)
    assert (segment.status_code, segment.content) == (200, b"segment bytes")
    # The same checks as under /hls/: unsigned, or scoped to another prefix, is refused.
    assert get(api, segment_url.split("?")[0] + "?").status_code == 403
    query = parse_qs(urlsplit(session["play_url"]).query)
    elsewhere = api.app.playback.signer.scope(
        "/media/hls/demo/videos/999999/",
        expires_at=int(query["exp"][0]),
        user_id=STUDENTS[101],
        session_id=session["session_id"],
    )
    assert get(api, f"{BASE}{urlsplit(segment_url).path}?{elsewhere}").status_code == 403
    under_hls = api.app.playback.signer.scope(
        f"/hls/demo/videos/{video}/", expires_at=int(query["exp"][0]), user_id=STUDENTS[101]
    )
    assert get(api, f"{BASE}{urlsplit(segment_url).path}?{under_hls}").status_code == 403
