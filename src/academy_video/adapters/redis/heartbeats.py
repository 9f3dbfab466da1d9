"""The playback hot path on Redis, asynchronous: heartbeats and event batches check the session
and the token's versions without a database query and with one round trip, shared.

- **Coalescing.** Calls that arrive in the same turn of the event loop go to Redis together, as
  one EVALSHA of a batch script: one round trip and one reply to parse for all of them (redis-py's
  CPU per call is most of what a heartbeat costs: docs/benchmarks.md).
- **Versions mirror.** The current (policy, grant) versions live beside the sessions, in keys
  ``av:ver:{v:<video>}:p`` (the policy version, or ``gone``) and ``av:ver:{v:<video>}:g:<enr>``.
  They are written when the projector applies a video or grant event (``VersionMirror``) and,
  on a miss, by the heartbeat itself: it asks ``PlaybackVersions`` (in a worker thread, off the
  event loop), ``remember``s the answer and asks again. A value only ever replaces an older one,
  so a late fill cannot undo a change. Each key lives ``MIRROR_SECONDS``: if a write was lost
  (Redis was down while the projector ran) the stale value lasts at most that long.
- The session keys and their rules are the session store's (``session_store.py``); this batch
  script does the same clean-up, revocation check and extension as its heartbeat.

Redis unavailable: ``Unavailable("session_store_unavailable")``, as the session store. The keys of
one batch span users, so this needs a single Redis (or a primary with replicas), not a cluster.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime
from typing import Any

import redis
import redis.asyncio
from redis.asyncio.client import Redis as AsyncRedis

from academy_video.app.errors import Unavailable
from academy_video.app.ports import LiveState, PlaybackVersions
from academy_video.app.tokens import PlaybackClaims
from academy_video.domain.grant import PermissionGrant
from academy_video.domain.video import Video

from .session_store import KEY_SLACK_SECONDS, noted_versions, student_keys

log = logging.getLogger(__name__)

MIRROR_SECONDS = 300
MAX_BATCH = 256  # beats per script call (its keys and arguments grow with it)
GONE = "gone"
MIRRORED = frozenset({"Videos", "Grants"})  # the Applications whose aggregates carry versions

_BEATS = """
local now, ttl, slack = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
for i = 0, #KEYS / 6 - 1 do
  local live, devices, revoked = KEYS[i * 6 + 1], KEYS[i * 6 + 2], KEYS[i * 6 + 3]
  local adopted = KEYS[i * 6 + 4]
  local p = redis.call('GET', KEYS[i * 6 + 5])
  local g = redis.call('GET', KEYS[i * 6 + 6])
  local a = 4 + i * 4
  local sid, pv, gv, extend = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  for _, s in ipairs(redis.call('ZRANGEBYSCORE', live, '-inf', now)) do
    redis.call('HDEL', devices, s)
    redis.call('HDEL', adopted, s)
  end
  redis.call('ZREMRANGEBYSCORE', live, '-inf', now)
  redis.call('ZREMRANGEBYSCORE', revoked, '-inf', now)
  local alive, noted = 0, ''
  if (not redis.call('ZSCORE', revoked, sid)) and redis.call('ZSCORE', live, sid) then
    alive = 1
    if not (p == pv and g == gv) then noted = redis.call('HGET', adopted, sid) or '' end
    if extend == '1' and p and g and ((p == pv and g == gv) or noted == p .. ':' .. g) then
      redis.call('ZADD', live, 'XX', now + ttl, sid)
      redis.call('EXPIRE', live, ttl + slack)
      redis.call('EXPIRE', devices, ttl + slack)
      redis.call('EXPIRE', adopted, ttl + slack)
    end
  end
  out[#out + 1] = {p or '', g or '', alive, noted}
end
return out
"""

# Keep a version unless it is older than the one stored; ``gone`` is final.
_KEEP = """
local seconds = tonumber(ARGV[#ARGV])
for i = 1, #KEYS do
  local current, value = redis.call('GET', KEYS[i]), ARGV[i]
  if current ~= 'gone' and (value == 'gone' or not current
                            or tonumber(current) < tonumber(value)) then
    redis.call('SET', KEYS[i], value, 'EX', seconds)
  end
end
return 1
"""


def _policy_key(video_id: int) -> str:
    return f"av:ver:{{v:{int(video_id)}}}:p"


def _grant_key(video_id: int, enrollment_id: int) -> str:
    return f"av:ver:{{v:{int(video_id)}}}:g:{int(enrollment_id)}"


# What the batch script answers for one call: the mirrored policy and grant versions ("" where
# the mirror has none, ``gone`` for a deleted video), 1 if the session is live, and the versions
# it adopted ("" unless the claims' versions differ from the mirrored ones).
Reply = list[Any]


def _state(policy: str, grant: str, alive: int, noted: str = "") -> LiveState | None:
    """A reply as the port's answer; None when the mirror lacks the versions."""
    if policy == GONE:
        return LiveState(None, bool(alive))
    if policy and grant:
        return LiveState((int(policy), int(grant)), bool(alive), noted_versions(noted))
    return None


class RedisHeartbeats:
    def __init__(self, url: str, versions: PlaybackVersions) -> None:
        self.url = url
        self.versions = versions  # where a miss of the mirror is filled from
        self._client: AsyncRedis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[PlaybackClaims, bool, asyncio.Future[Reply]]] = []
        self._sending: set[asyncio.Task[None]] = set()
        self._now = 0.0
        self._ttl = 0

    def _scripts(self) -> tuple[Any, Any]:
        """The client of the running loop (a client's connections belong to one loop)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = redis.asyncio.Redis.from_url(
                self.url,
                socket_timeout=2,
                socket_connect_timeout=2,
                health_check_interval=15,
                decode_responses=True,
            )
            self._loop = loop
            self._beats = self._client.register_script(_BEATS)
            self._keep = self._client.register_script(_KEEP)
        return self._beats, self._keep

    async def beat(
        self, claims: PlaybackClaims, *, now: datetime, ttl_seconds: int, extend: bool
    ) -> LiveState:
        state = _state(*await self._ask(claims, now, ttl_seconds, extend))
        if state is None:
            state = await self._filled(claims, now, ttl_seconds, extend)
        return state

    async def _filled(
        self, claims: PlaybackClaims, now: datetime, ttl_seconds: int, extend: bool
    ) -> LiveState:
        """A miss of the mirror: the versions looked up (in a thread: a database query), kept,
        and the session asked again, so it is extended only under the current versions."""
        video_id, enrollment_id = claims.video_id, claims.enrollment_id
        current = await asyncio.to_thread(self.versions.current, video_id, enrollment_id)
        await self.remember(video_id, enrollment_id, current)
        policy, grant, alive, noted = await self._ask(claims, now, ttl_seconds, extend)
        state = _state(policy, grant, alive, noted)
        if state is None:  # forgotten at once (lapsed or flushed meanwhile): decide on ours
            log.warning("heartbeats: versions of video %s not kept", video_id)
            state = LiveState(current, bool(alive), noted_versions(noted))
        return state

    def _ask(
        self, claims: PlaybackClaims, now: datetime, ttl_seconds: int, extend: bool
    ) -> asyncio.Future[Reply]:
        self._scripts()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply] = loop.create_future()
        if not self._pending:
            # Sent once the calls already scheduled in this turn of the loop have joined.
            loop.call_soon(self._send_pending)
        # One clock per batch: the latest caller's (they are microseconds apart).
        self._now, self._ttl = now.timestamp(), ttl_seconds
        self._pending.append((claims, extend, future))
        return future

    def _send_pending(self) -> None:
        pending, self._pending = self._pending, []
        for start in range(0, len(pending), MAX_BATCH):
            task = asyncio.create_task(self._send(pending[start : start + MAX_BATCH]))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[tuple[PlaybackClaims, bool, asyncio.Future[Reply]]]) -> None:
        beats, _ = self._scripts()
        keys: list[str] = []
        args: list[Any] = [self._now, self._ttl, KEY_SLACK_SECONDS]
        for claims, extend, _future in batch:
            video_id = claims.video_id
            keys += student_keys(claims.tenant, claims.user_id)
            keys += [_policy_key(video_id), _grant_key(video_id, claims.enrollment_id)]
            args += [claims.session_id, claims.policy_version, claims.grant_version, int(extend)]
        try:
            replies = await beats(keys=keys, args=args)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            for *_, future in batch:
                if not future.done():
                    future.set_exception(Unavailable("session_store_unavailable"))
            log.debug("heartbeats: redis unavailable: %s", error)
            return
        except BaseException as error:  # never leave a caller waiting
            for *_, future in batch:
                if not future.done():
                    future.set_exception(error)
            raise
        for (*_, future), reply in zip(batch, replies, strict=True):
            if not future.done():  # its caller may have gone (client disconnected)
                future.set_result(reply)

    async def remember(
        self, video_id: int, enrollment_id: int, versions: tuple[int, int] | None
    ) -> None:
        """Keep looked-up versions in the mirror (never replacing newer ones)."""
        _, keep = self._scripts()
        if versions is None:
            keys, values = [_policy_key(video_id)], [GONE]
        else:
            keys = [_policy_key(video_id), _grant_key(video_id, enrollment_id)]
            values = [str(versions[0]), str(versions[1])]
        try:
            await keep(keys=keys, args=[*values, MIRROR_SECONDS])
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise Unavailable("session_store_unavailable") from error


class VersionMirror:
    """Writes the versions the projector applies into the mirror (synchronous: the projector
    runs in threads), one script call per catch-up. A write Redis refused is kept and tried again
    with the next one, so a short outage loses nothing while this process lives; the keys'
    lifetime bounds the rest."""

    def __init__(self, client: redis.Redis) -> None:
        self._keep = client.register_script(_KEEP)
        self._unsent: dict[str, str] = {}
        self._lock = threading.Lock()

    def projected(self, app_name: str, states: list[Any]) -> None:
        """The projector's listener: the aggregates' states after the events it applied."""
        if app_name not in MIRRORED:
            return  # player events and progress: the hot paths owe the mirror nothing
        values: dict[str, str] = {}
        for state in states:
            if isinstance(state, Video):
                policy = GONE if state.deleted else str(state.policy_version)
                values[_policy_key(state.video_id)] = policy
            elif isinstance(state, PermissionGrant):
                values[_grant_key(state.video_id, state.enrollment_id)] = str(state.version)
        if values:
            self.write(values)

    def write(self, values: dict[str, str]) -> None:
        with self._lock:
            self._unsent.update(values)  # applied in log order: a later value is newer
            keys = list(self._unsent)
            try:
                self._keep(keys=keys, args=[*self._unsent.values(), MIRROR_SECONDS])
            except (redis.ConnectionError, redis.TimeoutError):
                log.warning("versions mirror: redis unavailable; %d kept for later", len(keys))
                return
            self._unsent.clear()
