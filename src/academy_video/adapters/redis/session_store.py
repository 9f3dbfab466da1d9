"""The playback session store on Redis: each operation is one Lua script (loaded once, called with
EVALSHA), so a start's clean-up, device limit, concurrency limit and insert happen atomically.

Keys, per student: a user of a tenant (user ids are each tenant's own, so the tenant is part of
every key), under one hash tag so a cluster keeps a student's keys in one slot; all with a TTL so
nothing outlives its use:
- ``av:{t:<tenant>:u:<user>}:live``    sorted set: session id → liveness deadline (Unix seconds)
- ``av:{t:<tenant>:u:<user>}:devices`` hash: session id → device id, for live sessions
- ``av:{t:<tenant>:u:<user>}:revoked`` sorted set: session id → when to forget the revocation
- ``av:{t:<tenant>:u:<user>}:adopted`` hash: session id → ``<policy>:<grant>``, the versions whose
  rules the live session adopted (``SessionStore.adopt``)

A tenant is a tenant code (``domain/ids.py``: no ``:``, braces or spaces), so a tag names one
student only.

The same keys on a Redis Cluster (``clients.py``): each script's keys are one student's, one slot.

Times come from the caller (the service's clock), as with the in-memory store. If Redis cannot
be reached, every operation raises ``Unavailable("session_store_unavailable")``: playback fails
closed (503) and recovers by itself when Redis answers again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import redis
from redis.commands.core import Script

from academy_video.app.errors import Unavailable
from academy_video.domain.ids import is_tenant_code

from .clients import UNREACHABLE, SyncRedis, sync_client, sync_script

REVOKED_SECONDS = 3600
KEY_SLACK_SECONDS = 3600  # keys outlive the longest deadline they hold by this much

_CLEAN = """
local now = tonumber(ARGV[1])
for _, sid in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  redis.call('HDEL', KEYS[2], sid)
  redis.call('HDEL', KEYS[4], sid)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
"""

_START = (
    _CLEAN
    + """
local ttl, max_sessions, max_devices = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local sid, device = ARGV[5], ARGV[6]
-- Already live: a start the client sent again (its reply lost to a timeout or a failover)
-- answers as the first did, and is not counted twice.
if redis.call('ZSCORE', KEYS[1], sid) then return '' end
local seen, devices, known = {}, 0, false
for _, d in ipairs(redis.call('HVALS', KEYS[2])) do
  if not seen[d] then seen[d] = true; devices = devices + 1 end
  if d == device then known = true end
end
if (not known) and devices >= max_devices then return 'device_limit_exceeded' end
if redis.call('ZCARD', KEYS[1]) >= max_sessions then return 'concurrency_limit_exceeded' end
redis.call('ZADD', KEYS[1], now + ttl, sid)
redis.call('HSET', KEYS[2], sid, device)
redis.call('EXPIRE', KEYS[1], ttl + tonumber(ARGV[7]))
redis.call('EXPIRE', KEYS[2], ttl + tonumber(ARGV[7]))
return ''
"""
)

_HEARTBEAT = (
    _CLEAN
    + """
local sid, ttl = ARGV[2], tonumber(ARGV[3])
if redis.call('ZSCORE', KEYS[3], sid) then return 0 end
if not redis.call('ZSCORE', KEYS[1], sid) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', now + ttl, sid)
redis.call('EXPIRE', KEYS[1], ttl + tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[2], ttl + tonumber(ARGV[4]))
redis.call('EXPIRE', KEYS[4], ttl + tonumber(ARGV[4]))
return 1
"""
)

_IS_ACTIVE = (
    _CLEAN
    + """
local sid = ARGV[2]
if redis.call('ZSCORE', KEYS[3], sid) then return 0 end
if redis.call('ZSCORE', KEYS[1], sid) then return 1 end
return 0
"""
)

_END = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
"""

# Noted only for a live session, and kept as long as the sessions' keys are.
_ADOPT = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
local ttl = redis.call('TTL', KEYS[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[4], ttl) end
return 1
"""

_REVOKE = """
local now, sid, keep = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
redis.call('ZREM', KEYS[1], sid)
redis.call('HDEL', KEYS[2], sid)
redis.call('HDEL', KEYS[4], sid)
redis.call('ZADD', KEYS[3], now + keep, sid)
redis.call('EXPIRE', KEYS[3], keep + 60)
return 1
"""


def student_keys(tenant: str, user_id: int) -> list[str]:
    """The student's keys: live, devices, revoked, adopted."""
    if not is_tenant_code(tenant):  # never a key another tenant's code could also spell
        raise ValueError(f"not a tenant code: {tenant!r}")
    tag = f"av:{{t:{tenant}:u:{int(user_id)}}}"
    return [f"{tag}:live", f"{tag}:devices", f"{tag}:revoked", f"{tag}:adopted"]


def versions_note(versions: tuple[int, int]) -> str:
    return f"{int(versions[0])}:{int(versions[1])}"


def noted_versions(note: str | None) -> tuple[int, int] | None:
    """A ``versions_note`` read back (None: none, or not one)."""
    policy, _, grant = (note or "").partition(":")
    if not (policy.isdigit() and grant.isdigit()):
        return None
    return int(policy), int(grant)


class RedisSessionStore:
    def __init__(self, client: SyncRedis) -> None:
        self.client = client
        self._start: Script = sync_script(client, _START)
        self._heartbeat: Script = sync_script(client, _HEARTBEAT)
        self._is_active: Script = sync_script(client, _IS_ACTIVE)
        self._end: Script = sync_script(client, _END)
        self._revoke: Script = sync_script(client, _REVOKE)
        self._adopt: Script = sync_script(client, _ADOPT)

    @classmethod
    def from_url(cls, url: str, *, cluster: bool = False) -> RedisSessionStore:
        return cls(sync_client(url, cluster=cluster))

    def start(
        self,
        *,
        tenant: str,
        user_id: int,
        session_id: str,
        device_id: str,
        now: datetime,
        ttl_seconds: int,
        max_sessions: int,
        max_devices: int,
    ) -> str | None:
        refusal = self._call(
            self._start,
            student_keys(tenant, user_id),
            now.timestamp(),
            ttl_seconds,
            max_sessions,
            max_devices,
            session_id,
            device_id,
            KEY_SLACK_SECONDS,
        )
        return str(refusal) or None

    def heartbeat(
        self, *, tenant: str, user_id: int, session_id: str, now: datetime, ttl_seconds: int
    ) -> bool:
        return bool(
            self._call(
                self._heartbeat,
                student_keys(tenant, user_id),
                now.timestamp(),
                session_id,
                ttl_seconds,
                KEY_SLACK_SECONDS,
            )
        )

    def is_active(self, *, tenant: str, user_id: int, session_id: str, now: datetime) -> bool:
        keys = student_keys(tenant, user_id)
        return bool(self._call(self._is_active, keys, now.timestamp(), session_id))

    def end(self, *, tenant: str, user_id: int, session_id: str) -> None:
        self._call(self._end, student_keys(tenant, user_id), session_id)

    def revoke(self, *, tenant: str, user_id: int, session_id: str, now: datetime) -> None:
        keys = student_keys(tenant, user_id)
        self._call(self._revoke, keys, now.timestamp(), session_id, REVOKED_SECONDS)

    def adopt(
        self, *, tenant: str, user_id: int, session_id: str, versions: tuple[int, int]
    ) -> None:
        keys = student_keys(tenant, user_id)
        self._call(self._adopt, keys, session_id, versions_note(versions))

    def adopted(self, *, tenant: str, user_id: int, session_id: str) -> tuple[int, int] | None:
        key = student_keys(tenant, user_id)[3]
        try:
            note = self.client.hget(key, session_id)
        except UNREACHABLE as error:
            raise Unavailable("session_store_unavailable") from error
        return noted_versions(note if isinstance(note, str) else None)

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def _call(self, script: Script, keys: list[str], *args: Any) -> Any:
        try:
            return script(keys=keys, args=list(args))
        except UNREACHABLE as error:
            raise Unavailable("session_store_unavailable") from error
