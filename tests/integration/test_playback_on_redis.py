"""Every HTTP playback test (tests/http/test_playback.py, test_playback_tenants.py) again, with
Redis as the session store: the asynchronous hot path, its versions mirror and its coalesced
calls behave as the in-process store does, denials and the tenants' separate students included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from academy_video.adapters.redis.heartbeats import RedisHeartbeats
from tests.http.conftest import Api, serving
from tests.http.test_playback import *  # noqa: F403 (the tests themselves)
from tests.http.test_playback_tenants import *  # noqa: F403

from .test_redis_store import REDIS_URL


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    if not REDIS_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_REDIS_URL is not set: run the tests with `make test`")
    redis.Redis.from_url(REDIS_URL).flushdb()
    with serving(tmp_path, redis_url=REDIS_URL) as api:
        assert isinstance(api.app.playback.live.heartbeats, RedisHeartbeats)
        yield api
