"""The Redis Cluster that `scripts/services start` runs for the tests (three primaries, one
replica each): a client of it, emptied, and the nodes' handles the cluster tests need."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from typing import Any, cast

import pytest
from redis.cluster import ClusterNode, RedisCluster

from academy_video.adapters.redis.clients import slot
from academy_video.adapters.redis.session_store import student_keys

CLUSTER_URL = os.environ.get("ACADEMY_VIDEO_TEST_REDIS_CLUSTER_URL", "")


def cluster_client() -> RedisCluster:
    """A client of the test cluster, every primary emptied."""
    if not CLUSTER_URL:
        pytest.skip("ACADEMY_VIDEO_TEST_REDIS_CLUSTER_URL is not set (scripts/services start)")
    client = RedisCluster.from_url(CLUSTER_URL, decode_responses=True)
    client.flushall(target_nodes=RedisCluster.PRIMARIES)
    return client


def owner(client: RedisCluster, key: str) -> ClusterNode:
    """The primary serving ``key``'s slot, as the cluster itself says now."""
    return slot_owner(client, slot(key))


def slot_owner(client: RedisCluster, number: int) -> ClusterNode:
    slots = cast(dict[tuple[int, int], dict[str, Any]], client.cluster_slots())
    for (start, end), served in slots.items():
        if start <= number <= end:
            host, port = served["primary"]
            node = cast(Any, client).get_node(host=host, port=port)
            assert node is not None, f"{host}:{port} unknown to the client"
            return cast(ClusterNode, node)
    raise AssertionError(f"slot {number} not served")


def students_on_every_primary(client: RedisCluster, count: int = 3) -> list[int]:
    """User ids (tenant ``demo``) whose keys live on ``count`` different primaries."""
    seen: dict[str, int] = {}
    user = 0
    while len(seen) < count:
        user += 1
        seen.setdefault(owner(client, student_keys("demo", user)[0]).name, user)
    return sorted(seen.values())


# redis-py's cluster API is loosely typed (its node helpers untyped, its answers maybe awaitable):
# these few give the tests typed answers.
def primaries(client: RedisCluster) -> list[ClusterNode]:
    return cast(list[ClusterNode], cast(Any, client).get_primaries())


def on(client: RedisCluster, node: ClusterNode, *command: Any) -> Any:
    """A command about one node itself (CLUSTER SETSLOT, MIGRATE, ...), sent to that node."""
    return cast(Any, client).execute_command(*command, target_nodes=node)


def info(client: RedisCluster, node: ClusterNode, section: str) -> dict[str, Any]:
    return cast(dict[str, Any], client.info(section, target_nodes=node))


def until(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    """Poll another process's state (a cluster's) until it holds: nothing here to await."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def cluster_ok(port: int) -> bool:
    answer = subprocess.run(
        ["redis-cli", "-p", str(port), "cluster", "info"], capture_output=True, text=True
    )
    return "cluster_state:ok" in answer.stdout
