"""The Redis RateLimiter keeps the port's contract against a real redis-server, its keys
expire, and an outage is Unavailable (playback answers 503, as for the session store)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import cast

import pytest
import redis

from academy_video.adapters.redis.rate_limit import RedisRateLimiter
from academy_video.app.errors import Unavailable
from academy_video.app.ports import RateLimiter
from tests.contract.rate_limit_suite import CHECKS, T0

from .test_redis_store import REDIS_URL


def client() -> redis.Redis:
    if not REDIS_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_REDIS_URL is not set: run the tests with `make test`")
    r = redis.Redis.from_url(REDIS_URL)
    r.flushdb()
    return r


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_the_redis_limiter_keeps_the_contract(check: Callable[[RateLimiter], None]) -> None:
    check(RedisRateLimiter(client()))


def test_its_keys_expire() -> None:
    r = client()
    RedisRateLimiter(r).allow("start:7", limit=5, window_seconds=60, now=T0)
    # redis-py's sync answers are typed as maybe awaitable (one signature for both clients).
    [key] = cast(list[bytes], r.keys("av:rl:*"))
    assert 0 < cast(int, r.ttl(key)) <= 120


def test_an_outage_is_unavailable(own_redis: tuple[int, list[subprocess.Popen[bytes]]]) -> None:
    port, processes = own_redis
    limiter = RedisRateLimiter(redis.Redis.from_url(f"redis://127.0.0.1:{port}/0"))
    assert limiter.allow("k", limit=1, window_seconds=60, now=T0)
    processes[0].terminate()
    processes[0].wait()
    with pytest.raises(Unavailable, match="session_store_unavailable"):
        limiter.allow("k", limit=1, window_seconds=60, now=T0)
