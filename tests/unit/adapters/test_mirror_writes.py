"""The versions mirror's writes on a Redis Cluster (review of issue 22, M4): one pipeline per
primary, not one blocking call per slot inside the projector's lock; a primary that cannot
answer is waited on once, then rests, and what it did not take is sent with a later catch-up."""

from __future__ import annotations

from typing import Any

import pytest
import redis
import redis.cluster
from redis.exceptions import NoScriptError

from academy_video.adapters.redis import heartbeats, mirror_writes
from academy_video.adapters.redis.beat_scripts import policy_key
from academy_video.adapters.redis.clients import slot


class FakeNode:
    def __init__(self, name: str) -> None:
        self.name = name


class FakePipe:
    def __init__(self, cluster: FakeCluster, name: str) -> None:
        self.cluster, self.name, self.calls = cluster, name, list[tuple[Any, ...]]()

    def execute_command(self, *args: Any) -> None:
        self.calls.append(args)

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        self.cluster.round_trips.append(self.name)
        if self.name in self.cluster.down:
            raise redis.ConnectionError("primary down")
        if self.name not in self.cluster.loaded:
            return [NoScriptError("No matching script")] * len(self.calls)
        for command in self.calls:
            count = int(command[2])
            keys, values = command[3 : 3 + count], command[3 + count : 3 + 2 * count]
            self.cluster.stored.update(zip(keys, values, strict=True))
        return [1] * len(self.calls)


class FakeCluster(redis.cluster.RedisCluster):
    """Three primaries by slot; no connection (redis-py's own routing is not under test)."""

    def __init__(self) -> None:
        self.round_trips: list[str] = []
        self.down: set[str] = set()
        self.stored: dict[str, str] = {}
        self.loaded = {"p0", "p1", "p2"}  # primaries holding the script
        self.rereads = 0
        outer = self

        class Nodes:
            def initialize(self) -> None:
                outer.rereads += 1

        self.nodes_manager = Nodes()  # type: ignore[assignment]

    def get_node_from_key(self, key: Any, replica: bool = False) -> Any:
        return FakeNode(f"p{slot(key) % 3}")

    def get_redis_connection(self, node: Any) -> Any:
        cluster = self

        class Conn:
            def pipeline(self, transaction: bool = True) -> FakePipe:
                return FakePipe(cluster, node.name)

            def script_load(self, script: str) -> str:
                cluster.loaded.add(node.name)
                return "sha"

        return Conn()

    def get_encoder(self) -> Any:
        return redis.Redis().get_encoder()


VIDEOS = range(100)


def test_a_catch_up_is_one_round_trip_per_primary() -> None:
    cluster = FakeCluster()
    mirror = heartbeats.VersionMirror(cluster)
    mirror.write({policy_key(video): "1" for video in VIDEOS})
    assert sorted(cluster.round_trips) == ["p0", "p1", "p2"]  # was: 100, one per slot
    assert len(cluster.stored) == 100


def test_a_primary_down_is_waited_on_once_then_rests_and_its_writes_go_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    monkeypatch.setattr(mirror_writes, "now", lambda: now[0])
    cluster = FakeCluster()
    cluster.down = {"p1"}
    mirror = heartbeats.VersionMirror(cluster)
    mirror.write({policy_key(video): "1" for video in VIDEOS})
    assert sorted(cluster.round_trips) == ["p0", "p1", "p2"]  # p1 tried once, not per slot
    assert cluster.rereads == 1  # the slot map reread: a promoted replica is found
    on_p1 = {policy_key(v) for v in VIDEOS if slot(policy_key(v)) % 3 == 1}
    assert set(cluster.stored) == {policy_key(v) for v in VIDEOS} - on_p1
    # The next catch-up, within REST_SECONDS: p1 is not waited on again.
    cluster.round_trips.clear()
    mirror.write({policy_key(1000): "1"})
    assert "p1" not in cluster.round_trips
    # Back, and rested: what it missed is sent.
    cluster.down.clear()
    now[0] += mirror_writes.REST_SECONDS
    mirror.write({})
    assert set(cluster.stored) >= on_p1


def test_unsent_writes_are_bounded_oldest_dropped_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heartbeats, "MAX_UNSENT", 10)
    monkeypatch.setattr(mirror_writes, "REST_SECONDS", 0.0)
    cluster = FakeCluster()
    cluster.down = {"p0", "p1", "p2"}
    mirror = heartbeats.VersionMirror(cluster)
    mirror.write({policy_key(video): "1" for video in VIDEOS})
    cluster.down.clear()
    mirror.write({})
    assert set(cluster.stored) == {policy_key(video) for video in VIDEOS[-10:]}


def test_a_primary_without_the_script_gets_it_once_and_the_calls_again() -> None:
    """After a start or a failover a primary holds no script: it is loaded on that primary's
    connection and its calls sent again in one more pipeline, not one cluster call per slot."""
    cluster = FakeCluster()
    cluster.loaded = {"p0", "p2"}
    mirror = heartbeats.VersionMirror(cluster)
    values = {policy_key(video): "1" for video in VIDEOS}
    mirror.write(values)
    assert sorted(cluster.round_trips) == ["p0", "p1", "p1", "p2"]
    assert cluster.stored == values
