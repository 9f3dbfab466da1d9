"""Playback with the Redis session store: twenty concurrent starts with a limit of two open
exactly two sessions; with Redis down playback answers 503 and the rest of the API still works."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from litestar import Litestar
from litestar.testing import TestClient

from academy_video.adapters.http.app import create_app
from academy_video.adapters.redis.session_store import RedisSessionStore
from academy_video.app.config import Settings
from academy_video.app.errors import Conflict
from academy_video.bootstrap import Adapters, build
from tests.fakes.media import FakeMediaProbe, InMemoryObjectStorage
from tests.http.conftest import SECRET, STUDENTS, Api, sync_roster

from .test_redis_store import REDIS_URL, free_port, start_redis


def redis_api(tmp_path: Path, url: str) -> tuple[Api, TestClient[Litestar]]:
    settings = Settings(
        data_dir=tmp_path / "data",
        jwt_secret=SECRET,
        playback_token_secret="p",
        redis_url=url,
        max_sessions=2,
        max_devices=5,
    )
    storage = InMemoryObjectStorage()
    container = build(settings, Adapters(storage=storage, probe=FakeMediaProbe(storage)))
    assert isinstance(container.store, RedisSessionStore)
    client = TestClient(create_app(container))
    return Api(client, container, storage), client


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    if not REDIS_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_REDIS_URL is not set: run the tests with `make test`")
    redis.Redis.from_url(REDIS_URL).flushdb()
    api, client = redis_api(tmp_path, REDIS_URL)
    with client:
        sync_roster(api)
        yield api
    api.app.close()


def test_twenty_concurrent_starts_with_a_limit_of_two_open_exactly_two(api: Api) -> None:
    video = api.ready_video()
    outcomes: list[str] = []
    barrier = threading.Barrier(20)

    def go(n: int) -> None:
        barrier.wait()
        try:
            api.app.playback.starts.start(
                tenant="demo",
                user_id=STUDENTS[101],
                video_id=video,
                enrollment_id=101,
                device_id=f"d{n % 3}",
            )
            outcomes.append("ok")
        except Conflict as refusal:
            outcomes.append(refusal.code)

    threads = [threading.Thread(target=go, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 2
    assert set(outcomes) == {"ok", "concurrency_limit_exceeded"}


def test_with_redis_down_playback_is_503_and_the_rest_works(tmp_path: Path) -> None:
    port = free_port()
    server = start_redis(port, tmp_path)
    api, client = redis_api(tmp_path, f"redis://127.0.0.1:{port}/0")
    try:
        with client:
            sync_roster(api)
            video = api.ready_video()
            body = {"video_id": video, "enrollment_id": 101, "device_id": "d"}
            started = api.call(
                "POST", "/api/v1/playback/start", role="student", user=STUDENTS[101], json=body
            )
            assert started.status_code == 201
            server.terminate()
            server.wait()
            down = api.call(
                "POST", "/api/v1/playback/start", role="student", user=STUDENTS[101], json=body
            )
            assert (down.status_code, down.json()) == (503, {"detail": "session_store_unavailable"})
            beat = api.call(
                "POST",
                "/api/v1/playback/heartbeat",
                role="student",
                user=STUDENTS[101],
                json={"token": started.json()["token"]},
            )
            assert (beat.status_code, beat.json()) == (503, {"detail": "session_store_unavailable"})
            assert api.call("GET", "/api/v1/videos/").status_code == 200  # nothing else breaks
            server = start_redis(port, tmp_path)
            again = api.call(
                "POST", "/api/v1/playback/start", role="student", user=STUDENTS[101], json=body
            )
            assert again.status_code == 201, again.text  # recovered without a restart
    finally:
        server.kill()
        server.wait()
        api.app.close()


def test_reconcile_records_expired_for_sessions_whose_liveness_lapsed(
    api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from academy_video.adapters.cli import main as cli
    from academy_video.domain.playback_session import SessionStatus

    video = api.ready_video()
    lapsed = api.app.playback.starts.start(
        tenant="demo", user_id=STUDENTS[101], video_id=video, enrollment_id=101, device_id="a"
    )
    alive = api.app.playback.starts.start(
        tenant="demo", user_id=STUDENTS[102], video_id=video, enrollment_id=102, device_id="b"
    )
    # Its player went away: the liveness key is gone, as it would be after the TTL.
    api.app.store.end(tenant="demo", user_id=STUDENTS[101], session_id=lapsed.session_id)
    settings = api.app.settings
    for name, value in {
        "ACADEMY_VIDEO_DATA_DIR": str(settings.data_dir),
        "ACADEMY_VIDEO_REDIS_URL": settings.redis_url,
        "ACADEMY_VIDEO_PLAYBACK_TOKEN_SECRET": "p",
    }.items():
        monkeypatch.setenv(name, value)
    # Revoked in the log, while the store's call after the save failed: still live in Redis.
    revoked = api.app.playback.starts.start(
        tenant="demo", user_id=STUDENTS[103], video_id=video, enrollment_id=103, device_id="c"
    )
    api.app.sessions.revoke(revoked.session_id, reason="violations", now=api.app.clock.now())
    assert api.app.store.is_active(
        tenant="demo", user_id=STUDENTS[103], session_id=revoked.session_id, now=api.app.clock.now()
    )
    assert cli(["reconcile"]) == 0
    out = capsys.readouterr().out
    assert "expired 1 playback sessions; closed 1 still live in the store" in out
    assert cli(["reconcile"]) == 0  # idempotent
    assert "expired 0 playback sessions; closed 0 still live" in capsys.readouterr().out
    assert api.app.projector is not None
    api.app.projector.catch_up_all()  # the CLI process wrote the event
    assert api.app.sessions.get(lapsed.session_id).status == SessionStatus.EXPIRED
    assert api.app.sessions.get(alive.session_id).status == SessionStatus.ACTIVE
    assert not api.app.store.is_active(
        tenant="demo", user_id=STUDENTS[103], session_id=revoked.session_id, now=api.app.clock.now()
    )


def test_reconcile_refuses_without_redis(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from academy_video.adapters.cli import main as cli

    monkeypatch.setenv("ACADEMY_VIDEO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ACADEMY_VIDEO_REDIS_URL", raising=False)
    assert cli(["reconcile"]) == 2
