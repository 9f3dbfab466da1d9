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

from academy_video.adapters.redis.heartbeats import RedisHeartbeats
from academy_video.adapters.redis.session_store import RedisSessionStore, student_keys
from academy_video.app.errors import Unavailable
from tests.contract.session_store_suite import ME, T0, open_session

from .redis_cluster import CLUSTER_URL, cluster_client, cluster_ok, info, owner, primaries, until
from .test_redis_heartbeats import CURRENT, ENROLLMENT, VIDEO, FixedVersions, beat

FAILOVER_SECONDS = 30  # node timeout 1 s, an election: a few seconds on a quiet machine


def test_a_primary_killed_under_live_sessions_fails_over_and_playback_recovers() -> None:
    client = cluster_client()
    # The application's own clients, made before the failure and kept through it.
    store = RedisSessionStore.from_url(CLUSTER_URL, cluster=True)
    heartbeats = RedisHeartbeats(CLUSTER_URL, FixedVersions(), cluster=True)
    assert open_session(store, "a") is None
    assert open_session(store, "b") is None  # the student's limit: 2
    doomed = owner(client, student_keys(**ME)[0])
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

    async def beat_a() -> bool:
        return (await heartbeats.beat(beat("a"), now=T0, ttl_seconds=60, extend=True)).alive

    async def scenario() -> None:
        await heartbeats.remember(VIDEO, ENROLLMENT, CURRENT)
        assert await beat_a()
        os.kill(int(server["process_id"]), signal.SIGKILL)
        deadline = time.monotonic() + FAILOVER_SECONDS
        while time.monotonic() < deadline:
            try:
                if await beat_a():
                    outcomes.append("alive")
                    return
                outcomes.append("gone")
            except Unavailable:
                outcomes.append("503")
            await asyncio.sleep(0.1)  # the cluster's election, in other processes

    try:
        asyncio.run(scenario())
        assert outcomes[-1] == "alive" and "gone" not in outcomes, outcomes
        assert "503" in outcomes  # the failure was seen, and ridden out
        # The synchronous store's client recovers too, and nothing was counted twice: a and b
        # live on the promoted replica, so a third start is refused until one ends.
        until(lambda: store_answers(store), seconds=FAILOVER_SECONDS, what="the store answers")
        assert open_session(store, "c") == "concurrency_limit_exceeded"
        store.end(**ME, session_id="a")
        assert open_session(store, "c") is None
        assert store.is_active(**ME, session_id="b", now=T0)
        assert owner(client, student_keys(**ME)[0]).port == replica_port
    finally:
        subprocess.run(["redis-server", server["config_file"]], check=True)
        until(
            lambda: rejoined(int(doomed.port)),
            seconds=FAILOVER_SECONDS,
            what="the killed node is back as a replica",
        )
    assert len(primaries(cluster_client())) == 3


def replica_offset(port: int) -> int:
    answer = redis_cli(port, "info", "replication")
    for line in answer.splitlines():
        if line.startswith("slave_repl_offset:"):
            return int(line.split(":")[1])
    return -1


def store_answers(store: RedisSessionStore) -> bool:
    try:
        return store.is_active(**ME, session_id="a", now=T0)
    except Unavailable:
        return False


def rejoined(port: int) -> bool:
    replication = redis_cli(port, "info", "replication")
    return (
        "role:slave" in replication and "master_link_status:up" in replication and cluster_ok(port)
    )


def redis_cli(port: int, *command: str) -> str:
    return subprocess.run(
        ["redis-cli", "-p", str(port), *command], capture_output=True, text=True
    ).stdout
