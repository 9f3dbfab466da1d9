"""Concurrent heartbeat batches while a primary of the Redis Cluster dies (review of issue 22,
M5): the batches holding a beat whose slot the dead primary served must not cut the others
sharing the process's asyncio cluster client. Every beat of a student on a living primary is
answered, in every round, while the dead primary's students get 503 until its replica is
promoted, then play on. The killed node is started again, as in test_redis_cluster_failover."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time

from academy_video.adapters.redis.beat_scripts import policy_key
from academy_video.adapters.redis.heartbeats import MAX_BATCH, RedisHeartbeats
from academy_video.adapters.redis.session_store import RedisSessionStore, student_keys
from academy_video.app.errors import Unavailable
from academy_video.app.tokens import PlaybackClaims
from tests.contract.session_store_suite import T0

from .redis_cluster import CLUSTER_URL, cluster_client, info, owner, primaries, slot_owner, until
from .test_redis_cluster_failover import FAILOVER_SECONDS, rejoined, start
from .test_redis_heartbeats import CURRENT, ENROLLMENT, FixedVersions

HEALTHY = 4 * MAX_BATCH + 100  # five batches in flight at once
DOOMED = 10  # two in each batch


def test_batches_in_flight_on_living_primaries_are_answered_through_a_failover() -> None:
    client = cluster_client()
    store = RedisSessionStore.from_url(CLUSTER_URL, cluster=True)
    heartbeats = RedisHeartbeats(CLUSTER_URL, FixedVersions(), cluster=True)
    first = slot_owner(client, 0)  # not killed: docs/operations.md (the default node)
    doomed = next(node for node in primaries(client) if node.name != first.name)
    on_doomed: list[int] = []
    healthy: list[int] = []
    for user in range(1, 100_000):
        if len(healthy) == HEALTHY and len(on_doomed) == DOOMED:
            break
        mine = owner(client, student_keys("demo", user)[0]).name == doomed.name
        group = on_doomed if mine else healthy
        if len(group) < (DOOMED if mine else HEALTHY):
            group.append(user)
    video = next(v for v in range(1, 999) if owner(client, policy_key(v)).name == first.name)
    for user in on_doomed + healthy:
        assert start(store, user, "s") is None
    # The doomed students spread over the batches, the way a process's traffic comes.
    users = list(healthy)
    for n, user in enumerate(on_doomed):
        users.insert((n + 1) * len(users) // (DOOMED + 1), user)
    claims = {u: PlaybackClaims("demo", u, video, ENROLLMENT, "s", *CURRENT, 0) for u in users}
    server = info(client, doomed, "server")
    rounds: list[tuple[int, int]] = []  # per round: doomed answered alive, healthy not alive

    async def beats() -> dict[int, object]:
        seen = await asyncio.gather(
            *(heartbeats.beat(claims[u], now=T0, ttl_seconds=60, extend=True) for u in users),
            return_exceptions=True,
        )
        return {
            u: s if isinstance(s, BaseException) else s.alive
            for u, s in zip(users, seen, strict=True)
        }

    async def scenario() -> None:
        await heartbeats.remember(video, ENROLLMENT, CURRENT)
        assert all(alive is True for alive in (await beats()).values())
        os.kill(int(server["process_id"]), signal.SIGKILL)
        deadline = time.monotonic() + FAILOVER_SECONDS
        while time.monotonic() < deadline:
            seen = await beats()
            lost = {u: seen[u] for u in healthy if seen[u] is not True}
            assert not lost, (
                f"{len(lost)} beats on living primaries failed: {set(map(repr, lost.values()))}"
            )
            assert all(seen[u] is True or isinstance(seen[u], Unavailable) for u in on_doomed)
            back = sum(seen[u] is True for u in on_doomed)
            rounds.append((back, len(lost)))
            if back == DOOMED:
                return
            await asyncio.sleep(0.1)  # the cluster's election, in other processes

    try:
        asyncio.run(scenario())
        assert rounds and rounds[0][0] == 0 and rounds[-1][0] == DOOMED, rounds
    finally:
        subprocess.run(["redis-server", server["config_file"]], check=True)
        until(lambda: rejoined(int(doomed.port)), seconds=FAILOVER_SECONDS, what="node back")
    assert len(primaries(cluster_client())) == 3
