"""The end with the player's last events over HTTP (tests/http/test_playback_end.py) again, with
Redis as the session store and the per-minute limiter and the event stores on PostgreSQL: the
events' liveness check, their charge and its refund, and the end all on the real stores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from academy_video.adapters.redis.heartbeats import RedisHeartbeats
from academy_video.adapters.redis.rate_limit import RedisRateLimiter
from tests.http.conftest import Api
from tests.http.test_playback_end import *  # noqa: F403 (the tests themselves)

from .databases import fresh_database
from .test_redis_store import REDIS_URL


# Replaces the star-imported fixture on purpose (pytest takes the later one); mypy cannot tell.
@pytest.fixture  # type: ignore[no-redef]
def stores() -> Iterator[dict[str, Any]]:
    if not REDIS_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_REDIS_URL is not set: run the tests with `make test`")
    redis.Redis.from_url(REDIS_URL).flushdb()
    with fresh_database() as database_url:
        yield {"redis_url": REDIS_URL, "database_url": database_url}


def test_the_stores_are_redis_and_postgres(api: Api) -> None:
    live = api.app.playback.live
    assert isinstance(live.heartbeats, RedisHeartbeats)
    assert isinstance(live.intake.limiter, RedisRateLimiter)
    assert api.app.settings.database_url.startswith("postgresql")
