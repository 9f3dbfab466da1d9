"""RateLimiter on Redis, shared by every API process: one script call per check.

Keys ``av:rl:{<key>}:<window number>`` count the uses in each fixed window and expire after
two windows; a check weighs the previous window's count by how much of it still overlaps the
sliding window ending now (the usual sliding-window counter: no burst of twice the limit
across a window boundary). Redis unreachable: ``Unavailable("session_store_unavailable")``.
"""

from __future__ import annotations

from datetime import datetime

import redis
from redis.commands.core import Script

from academy_video.app.errors import Unavailable

_ALLOW = """
local limit, overlap, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * overlap + used + 1 > limit then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ttl)
return 1
"""


class RedisRateLimiter:
    def __init__(self, client: redis.Redis) -> None:
        self._allow: Script = client.register_script(_ALLOW)

    def allow(self, key: str, *, limit: int, window_seconds: int, now: datetime) -> bool:
        window, into = divmod(now.timestamp(), window_seconds)
        current = int(window)
        keys = [f"av:rl:{{{key}}}:{current}", f"av:rl:{{{key}}}:{current - 1}"]
        overlap = 1 - into / window_seconds
        try:
            return bool(self._allow(keys=keys, args=[limit, overlap, 2 * window_seconds]))
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise Unavailable("session_store_unavailable") from error
