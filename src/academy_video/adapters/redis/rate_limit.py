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
local cost = tonumber(ARGV[4])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
if previous * overlap + used + cost > limit then return 0 end
redis.call('INCRBY', KEYS[1], cost)
redis.call('EXPIRE', KEYS[1], ttl)
return 1
"""

# A key that is gone (expired) has nothing left to give back: it is not made again.
_REFUND = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local back = math.min(used, tonumber(ARGV[1]))
if back > 0 then redis.call('DECRBY', KEYS[1], back) end
return back
"""


class RedisRateLimiter:
    def __init__(self, client: redis.Redis) -> None:
        self._allow: Script = client.register_script(_ALLOW)
        self._refund: Script = client.register_script(_REFUND)

    def allow(
        self, key: str, *, limit: int, window_seconds: int, now: datetime, cost: int = 1
    ) -> bool:
        window, into = divmod(now.timestamp(), window_seconds)
        current = int(window)
        keys = [_key(key, current), _key(key, current - 1)]
        overlap = 1 - into / window_seconds
        args = [limit, overlap, 2 * window_seconds, cost]
        try:
            return bool(self._allow(keys=keys, args=args))
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise Unavailable("session_store_unavailable") from error

    def refund(self, key: str, *, window_seconds: int, now: datetime, cost: int) -> None:
        keys = [_key(key, int(now.timestamp() // window_seconds))]
        try:
            self._refund(keys=keys, args=[cost])
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise Unavailable("session_store_unavailable") from error


def _key(key: str, window: int) -> str:
    return f"av:rl:{{{key}}}:{window}"
