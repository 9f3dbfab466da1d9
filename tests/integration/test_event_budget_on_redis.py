"""The event budget over HTTP (tests/http/test_event_budget.py) again, with Redis as the session
store and the per-minute limiter: a batch's cost, its refund and the wait hold there too."""

from __future__ import annotations

from typing import Any

import pytest
import redis

from academy_video.adapters.redis.rate_limit import RedisRateLimiter
from tests.http.conftest import Api
from tests.http.test_event_budget import *  # noqa: F403 (the tests themselves)

from .test_redis_store import REDIS_URL


# Replaces the star-imported fixture on purpose (pytest takes the later one); mypy cannot tell.
@pytest.fixture  # type: ignore[no-redef]
def stores() -> dict[str, Any]:
    if not REDIS_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_REDIS_URL is not set: run the tests with `make test`")
    redis.Redis.from_url(REDIS_URL).flushdb()
    return {"redis_url": REDIS_URL}


def test_the_limiter_is_redis(api: Api) -> None:
    assert isinstance(api.app.playback.live.intake.limiter, RedisRateLimiter)
