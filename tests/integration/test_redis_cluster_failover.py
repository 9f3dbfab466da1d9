"""A primary of the Redis Cluster dies (SIGKILL) while a student's sessions live on it: its
replica is promoted, and playback recovers without restarting anything — heartbeats answer 503
meanwhile (never "session gone"), then the same clients find the new primary; the sessions are
all still there and counted once (the concurrency limit holds). The killed node is started again
(it rejoins as a replica), so the cluster stays whole for the tests after this one."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from typing import Any, cast

from redis.cluster import ClusterNode

from academy_video.adapters.redis.beat_scripts import policy_key
from academy_video.adapters.redis.heartbeats import RedisHeartbeats
from academy_video.adapters.redis.session_store import RedisSessionStore, student_keys
from academy_video.app.errors import Unavailable
from academy_video.app.tokens import PlaybackClaims
from tests.contract.session_store_suite import T0

from .redis_cluster import (
    CLUSTER_URL,
    cluster_client,
    cluster_ok,
    info,
    owner,
    primaries,
    slot_owner,
    until,
)
from .test_redis_heartbeats import CURRENT, ENROLLMENT, FixedVersions

FAILOVER_SECONDS = 30  # node timeout 1 s, an election: a few seconds on a quiet machine


def test_a_primary_killed_under_live_sessions_fails_over_and_playback_recovers() -> None:
    client = cluster_client()
    # The application's own clients, made before the failure and kept through it.
    store = RedisSessionStore.from_url(CLUSTER_URL, cluster=True)
    heartbeats = RedisHeartbeats(CLUSTER_URL, FixedVersions(), cluster=True)
    # Not the primary serving slot 0: redis-py's asyncio client asks that one (its default
    # node) whenever it rereads the slot map, so while it is down every call of the process
    # fails (docs/operations.md).
    first = slot_owner(client, 0)
    me = next(u for u in range(1, 999) if owner(client, student_keys("demo", u)[0]) != first)
    doomed = owner(client, student_keys("demo", me)[0])
    # Another student, and a video, whose slots another primary serves: beaten in the same
    # batches, they play on throughout.
    other = next(u for u in range(1, 999) if owner(client, student_keys("demo", u)[0]) == first)
    video = next(v for v in range(1, 999) if owner(client, policy_key(v)) == first)
    assert start(store, me, "a") is None
    assert start(store, me, "b") is None  # the student's limit: 2
    assert start(store, other, "o") is None
    mine = PlaybackClaims("demo", me, video, ENROLLMENT, "a", *CURRENT, expires_at=0)
    theirs = PlaybackClaims("demo", other, video, ENROLLMENT, "o", *CURRENT, expires_at=0)
    replica_port = next(
        int(node.port)
        for node in cast(list[ClusterNode], cast(Any, client).get_nodes())
        if node.server_type == "replica"
        and info(client, node, "replication").get("master_port") == doomed.port
    )
    written = int(info(client, doomed, "replication")["master_repl_offset"])
    until(
        lambda: replica_offset(replica_port) >= written,
        seconds=10,
        what="the replica has the sessions",
    )
    server = info(client, doomed, "server")
    outcomes: list[str] = []

    async def alive(claims: PlaybackClaims) -> bool:
        return (await heartbeats.beat(claims, now=T0, ttl_seconds=60, extend=True)).alive

    async def scenario() -> None:
        await heartbeats.remember(video, ENROLLMENT, CURRENT)
        assert await alive(mine) and await alive(theirs)
        os.kill(int(server["process_id"]), signal.SIGKILL)
        deadline = time.monotonic() + FAILOVER_SECONDS
        while time.monotonic() < deadline:
            seen = await asyncio.gather(alive(mine), alive(theirs), return_exceptions=True)
            assert seen[1] is True, seen  # one batch: the other primary's beat answered
            if isinstance(seen[0], Unavailable):
                outcomes.append("503")
            elif seen[0] is True:
                outcomes.append("alive")
                return
            else:
                outcomes.append(repr(seen[0]))  # "gone", or an error: neither may happen
            await asyncio.sleep(0.1)  # the cluster's election, in other processes

    try:
        asyncio.run(scenario())
        assert set(outcomes) == {"503", "alive"} and outcomes[-1] == "alive", outcomes
        # The synchronous store's client recovers too, and nothing was counted twice: a and b
        # live on the promoted replica, so a third start is refused until one ends.
        until(lambda: store_answers(store, me), seconds=FAILOVER_SECONDS, what="the store")
        assert start(store, me, "c") == "concurrency_limit_exceeded"
        store.end(tenant="demo", user_id=me, session_id="a")
        assert start(store, me, "c") is None
        assert store.is_active(tenant="demo", user_id=me, session_id="b", now=T0)
        assert owner(client, student_keys("demo", me)[0]).port == replica_port
    finally:
        subprocess.run(["redis-server", server["config_file"]], check=True)
        until(
            lambda: rejoined(int(doomed.port)),
            seconds=FAILOVER_SECONDS,
            what="the killed node is back",
        )
    assert len(primaries(cluster_client())) == 3


def start(store: RedisSessionStore, user: int, sid: str) -> str | None:
    return store.start(
        tenant="demo",
        user_id=user,
        session_id=sid,
        device_id="d",
        now=T0,
        ttl_seconds=60,
        max_sessions=2,
        max_devices=2,
    )


def replica_offset(port: int) -> int:
    answer = redis_cli(port, "info", "replication")
    for line in answer.splitlines():
        if line.startswith("slave_repl_offset:"):
            return int(line.split(":")[1])
    return -1


def store_answers(store: RedisSessionStore, user: int) -> bool:
    try:
        return store.is_active(tenant="demo", user_id=user, session_id="b", now=T0)
    except Unavailable:
        return False


def rejoined(port: int) -> bool:
    replication = redis_cli(port, "info", "replication")
    # A replica of the promoted one; or, had the test failed before the failover, its primary
    # again.
    back = "master_link_status:up" in replication or "role:master" in replication
    return back and cluster_ok(port)


def redis_cli(port: int, *command: str) -> str:
    return subprocess.run(
        ["redis-cli", "-p", str(port), *command], capture_output=True, text=True
    ).stdout
