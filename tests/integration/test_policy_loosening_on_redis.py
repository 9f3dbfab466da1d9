"""The HTTP tests of rules changed mid-session (tests/http/test_policy_loosening.py) again, with
Redis as the session store (the hot path's versions mirror, filled by the projector) and the read
models and event stores on PostgreSQL: a promotion reaches the mirror, the next heartbeat adopts
it, and the new token's heartbeats take the hot path again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
import redis

from academy_video.adapters.redis.heartbeats import RedisHeartbeats
from academy_video.adapters.redis.session_store import student_keys
from tests.http.conftest import STUDENTS, Api, serving
from tests.http.test_playback import ALICE, play, start
from tests.http.test_policy_loosening import *  # noqa: F403 (the tests themselves)

from .databases import fresh_database
from .test_redis_store import REDIS_URL


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    if not REDIS_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_REDIS_URL is not set: run the tests with `make test`")
    redis.Redis.from_url(REDIS_URL).flushdb()
    with (
        fresh_database() as url,
        serving(tmp_path, redis_url=REDIS_URL, database_url=url) as api,
    ):
        assert isinstance(api.app.playback.live.heartbeats, RedisHeartbeats)
        yield api


def test_the_adopted_versions_are_noted_beside_the_sessions_liveness(api: Api) -> None:
    """The adoption is noted in Redis (``…:adopted``, session → ``policy:grant``), where the
    heartbeat script reads it with the session's liveness; it goes with the session."""
    video = api.ready_video()
    alice = start(api, video).json()
    assert api.call("PATCH", f"/api/v1/videos/{video}", json={"max_speed": 2.0}).status_code == 200
    assert "token" in play(api, "heartbeat", alice["token"]).json()
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    adopted = student_keys("demo", STUDENTS[ALICE])[3]
    current = api.app.playback.live.versions.current(video, ALICE)
    assert current is not None
    assert client.hget(adopted, alice["session_id"]) == f"{current[0]}:{current[1]}"
    assert cast(int, client.ttl(adopted)) > 0  # the sync client's answer
    evaluations = api.app.playback.live.judge.evaluations
    api.app.playback.live.judge.forget()
    assert play(api, "heartbeat", alice["token"]).json() == {"ok": True}
    assert api.app.playback.live.judge.evaluations == evaluations  # the note, not the judge
    assert play(api, "end", alice["token"]).status_code == 200
    assert client.hget(adopted, alice["session_id"]) is None
