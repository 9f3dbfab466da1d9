"""RateLimiter on Redis, shared by every API process: one script call per check.

Keys ``av:rl:{<key>}:<window number>`` (or ``av:rl:<key>:<window number>`` for a key that holds
its own ``{tag}``) count the uses in each fixed window and expire after
two windows; a check weighs the previous window's count by how much of it still overlaps the
sliding window ending now (the usual sliding-window counter: no burst of twice the limit
across a window boundary). The keys of one check share a tag (``domain/event_budget.py``,
``webhook_pings.py``, ``webhook_roster_changes.py``), so a Redis Cluster counts them in one slot,
in one step. A check sent again after a lost reply counts twice: a refusal early, never a use
uncounted. Redis unreachable: ``Unavailable("session_store_unavailable")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from redis.commands.core import Script

from academy_video.app.errors import Unavailable
from academy_video.domain.event_budget import Window

from .clients import UNREACHABLE, SyncRedis, sync_script

# Windows i = 1..n: KEYS[2i-1] its current count, KEYS[2i] the previous one's; ARGV[1] the cost,
# then limit, overlap and TTL per window. Nothing is counted unless every window has room;
# the answer is the first window without (0: all counted).
_ALLOW = """
local cost = tonumber(ARGV[1])
local n = #KEYS / 2
for i = 1, n do
  local limit, overlap = tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
  local used = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
  if previous * overlap + used + cost > limit then return i end
end
for i = 1, n do
  redis.call('INCRBY', KEYS[2 * i - 1], cost)
  redis.call('EXPIRE', KEYS[2 * i - 1], tonumber(ARGV[3 * i + 1]))
end
return 0
"""

# A key that is gone (expired) has nothing left to give back: it is not made again.
_REFUND = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local back = math.min(used, tonumber(ARGV[1]))
if back > 0 then redis.call('DECRBY', KEYS[1], back) end
return back
"""


class RedisRateLimiter:
    def __init__(self, client: SyncRedis) -> None:
        self._allow: Script = sync_script(client, _ALLOW)
        self._refund: Script = sync_script(client, _REFUND)

    def allow(
        self, key: str, *, limit: int, window_seconds: int, now: datetime, cost: int = 1
    ) -> bool:
        return self.allow_all([Window(key, limit, window_seconds)], now=now, cost=cost) is None

    def allow_all(self, windows: Sequence[Window], *, now: datetime, cost: int) -> Window | None:
        keys: list[str] = []
        args: list[float] = [cost]
        for window in windows:
            number, into = divmod(now.timestamp(), window.seconds)
            keys += [_key(window.key, int(number)), _key(window.key, int(number) - 1)]
            args += [window.limit, 1 - into / window.seconds, 2 * window.seconds]
        try:
            refused = int(self._allow(keys=keys, args=args))
        except UNREACHABLE as error:
            raise Unavailable("session_store_unavailable") from error
        return windows[refused - 1] if refused else None

    def refund(self, key: str, *, window_seconds: int, now: datetime, cost: int) -> None:
        keys = [_key(key, int(now.timestamp() // window_seconds))]
        try:
            self._refund(keys=keys, args=[cost])
        except UNREACHABLE as error:
            raise Unavailable("session_store_unavailable") from error


def _key(key: str, window: int) -> str:
    """A key holding its own ``{tag}`` keeps it (keys of one student share a slot); any other is
    its own tag."""
    return f"av:rl:{key}:{window}" if "{" in key else f"av:rl:{{{key}}}:{window}"
