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
  so a late fill cannot undo a change. Each key lives ``MIRROR_SECONDS`` from its last write: if
  a write was lost (Redis could not take it and this process stopped before sending it again,
  or more than ``MAX_UNSENT`` waited) the stale value is trusted at most that long.
- The session keys and their rules are the session store's (``session_store.py``); this batch
  script does the same clean-up, revocation check and extension as its heartbeat.

Redis unavailable: ``Unavailable("session_store_unavailable")``, as the session store. The keys of
one batch span students and videos: one Redis runs it as one script; a Redis Cluster
(``cluster=True``) splits it by slot (``slot_beats.py``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime
from typing import Any

import redis.asyncio.cluster
import redis.cluster
from redis.commands.core import AsyncScript

from academy_video.app.errors import Unavailable
from academy_video.app.ports import LiveState, PlaybackVersions
from academy_video.app.tokens import PlaybackClaims
from academy_video.domain.grant import PermissionGrant
from academy_video.domain.video import Video

from .beat_scripts import BEATS, KEEP, SLOT_BEATS, grant_key, policy_key
from .clients import (
    UNREACHABLE,
    AsyncRedis,
    SyncRedis,
    async_client,
    async_script,
    by_slot,
    call_script,
    sync_script,
)
from .mirror_writes import PrimaryPipelines
from .session_store import KEY_SLACK_SECONDS, noted_versions, student_keys
from .slot_beats import beats_by_slot

log = logging.getLogger(__name__)

# A key's life from its last write, read or not: the bound on a lost write's stale value, and
# the interval at which a watched (video, enrollment) misses and asks PostgreSQL once (a beat
# every 30 s: one in 60). 300 s made that one heartbeat in ten. Not renewed when read: a lost
# write would then be trusted for as long as someone watches.
MIRROR_SECONDS = 1800
MAX_UNSENT = 100_000  # mirror writes kept while Redis cannot take them
MAX_BATCH = 256  # beats per script call (its keys and arguments grow with it)
GONE = "gone"
MIRRORED = frozenset({"Videos", "Grants"})  # the Applications whose aggregates carry versions

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
    def __init__(self, url: str, versions: PlaybackVersions, *, cluster: bool = False) -> None:
        self.url, self.cluster = url, cluster
        self.versions = versions  # where a miss of the mirror is filled from
        self._client: AsyncRedis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: list[tuple[PlaybackClaims, bool, asyncio.Future[Reply]]] = []
        self._sending: set[asyncio.Task[None]] = set()
        self._now = 0.0
        self._ttl = 0

    def _scripts(self) -> tuple[AsyncRedis, AsyncScript, AsyncScript]:
        """The client of the running loop (a client's connections belong to one loop)."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = async_client(self.url, cluster=self.cluster)
            self._loop = loop
            self._beats = async_script(self._client, SLOT_BEATS if self.cluster else BEATS)
            self._keep = async_script(self._client, KEEP)
        return self._client, self._beats, self._keep

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
        client, beats, _ = self._scripts()
        try:
            if isinstance(client, redis.asyncio.cluster.RedisCluster):
                replies = await beats_by_slot(
                    client,
                    beats,
                    [(claims, extend) for claims, extend, _future in batch],
                    now=self._now,
                    ttl=self._ttl,
                )
            else:
                replies = await beats(*self._batch_call(batch))
        except UNREACHABLE as error:
            replies = [error] * len(batch)
        except BaseException as error:  # never leave a caller waiting
            for *_, future in batch:
                if not future.done():
                    future.set_exception(error)
            raise
        for (*_, future), reply in zip(batch, replies, strict=True):
            if future.done():  # its caller may have gone (client disconnected)
                continue
            if isinstance(reply, UNREACHABLE):
                log.debug("heartbeats: redis unavailable: %s", reply)
                future.set_exception(Unavailable("session_store_unavailable"))
            elif isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    def _batch_call(
        self, batch: list[tuple[PlaybackClaims, bool, asyncio.Future[Reply]]]
    ) -> tuple[list[str], list[Any]]:
        """One Redis: the keys and arguments of one ``BEATS`` call for the whole batch."""
        keys: list[str] = []
        args: list[Any] = [self._now, self._ttl, KEY_SLACK_SECONDS]
        for claims, extend, _future in batch:
            video_id = claims.video_id
            keys += student_keys(claims.tenant, claims.user_id)
            keys += [policy_key(video_id), grant_key(video_id, claims.enrollment_id)]
            args += [claims.session_id, claims.policy_version, claims.grant_version, int(extend)]
        return keys, args

    async def remember(
        self, video_id: int, enrollment_id: int, versions: tuple[int, int] | None
    ) -> None:
        """Keep looked-up versions in the mirror (never replacing newer ones)."""
        client, _, keep = self._scripts()
        if versions is None:
            keys, values = [policy_key(video_id)], [GONE]
        else:
            keys = [policy_key(video_id), grant_key(video_id, enrollment_id)]
            values = [str(versions[0]), str(versions[1])]
        try:
            await call_script(client, keep, keys, [*values, MIRROR_SECONDS])
        except UNREACHABLE as error:
            raise Unavailable("session_store_unavailable") from error


class VersionMirror:
    """Writes the versions the projector applies into the mirror (synchronous: the projector
    runs in threads, holding its lock), one script call per catch-up on one Redis, one pipeline
    per primary on a cluster (``mirror_writes.py``). A write Redis refused is kept and tried
    again with the next one, so a short outage loses nothing while this process lives; at most
    ``MAX_UNSENT`` are kept (the oldest dropped first), and the keys' lifetime bounds the rest."""

    def __init__(self, client: SyncRedis) -> None:
        self._keep = sync_script(client, KEEP)
        self._primaries = (
            PrimaryPipelines(client) if isinstance(client, redis.cluster.RedisCluster) else None
        )
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
                values[policy_key(state.video_id)] = policy
            elif isinstance(state, PermissionGrant):
                values[grant_key(state.video_id, state.enrollment_id)] = str(state.version)
        if values:
            self.write(values)

    def write(self, values: dict[str, str]) -> None:
        with self._lock:
            for key, value in values.items():  # applied in log order: a later value is newer
                self._unsent.pop(key, None)  # moved to the end: the newest are dropped last
                self._unsent[key] = value
            for key in list(self._unsent)[: max(0, len(self._unsent) - MAX_UNSENT)]:
                del self._unsent[key]  # stale in Redis at most MIRROR_SECONDS (it lapses)
            pairs = list(self._unsent.items())
            # One call per slot (a video's keys share one), one pipeline per primary.
            if self._primaries is not None:
                groups = list(by_slot((key, (key, value)) for key, value in pairs).values())
                calls = [([k for k, _ in g], [*(v for _, v in g), MIRROR_SECONDS]) for g in groups]
                done = self._primaries.send(self._keep, calls)
                sent = [
                    key for group, ok in zip(groups, done, strict=True) if ok for key, _ in group
                ]
            else:
                try:
                    self._keep(
                        keys=[k for k, _ in pairs], args=[*(v for _, v in pairs), MIRROR_SECONDS]
                    )
                    sent = [k for k, _ in pairs]
                except UNREACHABLE:
                    sent = []
            for key in sent:
                del self._unsent[key]
            if self._unsent:
                log.warning(
                    "versions mirror: redis unavailable; %d kept for later", len(self._unsent)
                )
