"""Redis clients as the settings say: one Redis (a primary, perhaps with replicas: the default)
or a Redis Cluster (``ACADEMY_VIDEO_REDIS_CLUSTER``, the URL naming any of its nodes).

redis-py's cluster clients route each command by the slot of its keys, follow ``MOVED`` (a slot
that changed hands: the slot map is patched, then reread after a few) and ``ASK`` (a slot being
migrated) by themselves, load a script on every primary when one answers ``NOSCRIPT`` (a promoted
replica has an empty script cache), and reread the slot map after a connection error, so a
replica promoted after its primary failed is found without a restart. The keys of one script
call must share a slot: every caller here keeps them under one ``{tag}`` or groups them by slot
(``by_slot``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar, cast

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.cluster
from redis.commands.core import AsyncScript, Script
from redis.crc import key_slot
from redis.exceptions import (
    ClusterDownError,
    NoScriptError,
    RedisClusterException,
    SlotNotCoveredError,
    TryAgainError,
)

SyncRedis = redis.Redis | redis.cluster.RedisCluster
AsyncRedis = redis.asyncio.Redis | redis.asyncio.cluster.RedisCluster

# What "Redis cannot answer now" looks like, one Redis or a cluster in the middle of a failover
# (a slot whose primary failed and whose replica is not promoted yet): 503, retried by the client.
UNREACHABLE: tuple[type[Exception], ...] = (
    redis.ConnectionError,
    redis.TimeoutError,
    ClusterDownError,
    TryAgainError,
    SlotNotCoveredError,
)
# The same, or no node of the cluster answered at all (its slot map could not be read).
NOT_NOW: tuple[type[Exception], ...] = (*UNREACHABLE, RedisClusterException)

_OPTIONS: dict[str, Any] = {
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "health_check_interval": 15,
    "decode_responses": True,
}


def sync_client(url: str, *, cluster: bool) -> SyncRedis:
    """A cluster client reads the slot map from a node at once: one node must answer."""
    if cluster:
        return redis.cluster.RedisCluster.from_url(url, **_OPTIONS)
    return redis.Redis.from_url(url, **_OPTIONS)


def async_client(url: str, *, cluster: bool) -> AsyncRedis:
    """Bound to the event loop it is first used on (its connections are that loop's)."""
    if cluster:
        return redis.asyncio.cluster.RedisCluster.from_url(url, **_OPTIONS)
    return redis.asyncio.Redis.from_url(url, **_OPTIONS)


# redis-py types a script's client as one Redis; a cluster client runs it alike (EVALSHA routed by
# the slot of its keys, SCRIPT LOAD sent to every primary).
def sync_script(client: SyncRedis, text: str) -> Script:
    return Script(cast(redis.Redis, client), text)


def async_script(client: AsyncRedis, text: str) -> AsyncScript:
    return AsyncScript(cast(redis.asyncio.Redis, client), text)


async def call_script(
    client: AsyncRedis, script: AsyncScript, keys: list[str], args: list[Any]
) -> Any:
    """``script``'s call. On a cluster, a ``NOSCRIPT`` is answered by loading the script on the
    primary serving the keys' slot and calling again: redis-py's own reload (``SCRIPT LOAD`` to
    the primaries it knows) misses a replica promoted by a failover, which its asyncio client
    (7.4) keeps typed as a replica: every call then answered ``NOSCRIPT`` until a restart
    (tests/integration/test_redis_cluster_failover.py)."""
    if not isinstance(client, redis.asyncio.cluster.RedisCluster):
        return await script(keys=keys, args=args)
    try:
        return await client.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)
    except NoScriptError:
        node = client.get_node_from_key(keys[0])
        await client.execute_command("SCRIPT LOAD", script.script, target_nodes=node)
        return await client.execute_command("EVALSHA", script.sha, len(keys), *keys, *args)


def is_cluster(client: SyncRedis | AsyncRedis) -> bool:
    return isinstance(client, redis.cluster.RedisCluster | redis.asyncio.cluster.RedisCluster)


def slot(key: str) -> int:
    return int(key_slot(key.encode()))


Item = TypeVar("Item")


def by_slot(items: Iterable[tuple[str, Item]]) -> dict[int, list[Item]]:
    """``(key, item)`` pairs grouped by the slot of their key, in their order."""
    groups: dict[int, list[Item]] = {}
    for key, item in items:
        groups.setdefault(slot(key), []).append(item)
    return groups
