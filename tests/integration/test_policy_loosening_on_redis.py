"""The HTTP tests of rules changed mid-session (tests/http/test_policy_loosening.py) again, with
Redis as the session store (the hot path's versions mirror, filled by the projector) and the read
models and event stores on PostgreSQL: a promotion reaches the mirror, the next heartbeat adopts
it, and the new token's heartbeats take the hot path again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from academy_video.adapters.redis.heartbeats import RedisHeartbeats
from tests.http.conftest import Api, serving
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
