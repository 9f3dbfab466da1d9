"""Everything on Redis works on a Redis Cluster (three primaries with a replica each): the session
store's rules and the rate limits (their port contracts), a student's keys in one slot, the
heartbeat batch split per slot across every primary with the versions mirror read beside it,
and a slot migrated while sessions live (``ASK`` during the move, ``MOVED`` after it)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from redis.cluster import RedisCluster

from academy_video.adapters.redis.beat_scripts import SLOT_BEATS
from academy_video.adapters.redis.clients import slot
from academy_video.adapters.redis.heartbeats import RedisHeartbeats, VersionMirror
from academy_video.adapters.redis.rate_limit import RedisRateLimiter
from academy_video.adapters.redis.session_store import RedisSessionStore, student_keys
from academy_video.app.ports import Heartbeats, RateLimiter, SessionStore
from academy_video.domain.event_budget import EventBudget
from tests.contract import rate_limit_suite, session_store_suite
from tests.contract.session_store_suite import ME, T0, open_session

from . import test_redis_heartbeats as on_one_redis
from .redis_cluster import (
    CLUSTER_URL,
    cluster_client,
    info,
    on,
    owner,
    primaries,
    students_on_every_primary,
)
from .test_redis_heartbeats import CURRENT, ENROLLMENT, VIDEO, FixedVersions, beat


def on_cluster() -> tuple[SessionStore, Heartbeats]:
    store = RedisSessionStore(cluster_client())
    return store, RedisHeartbeats(CLUSTER_URL, FixedVersions(), cluster=True)


@pytest.mark.parametrize("check", session_store_suite.CHECKS, ids=lambda c: c.__name__)
def test_the_store_keeps_the_contract_on_a_cluster(check: Callable[[SessionStore], None]) -> None:
    check(RedisSessionStore(cluster_client()))


@pytest.mark.parametrize("check", rate_limit_suite.CHECKS, ids=lambda c: c.__name__)
def test_the_limiter_keeps_the_contract_on_a_cluster(check: Callable[[RateLimiter], None]) -> None:
    check(RedisRateLimiter(cluster_client()))


def test_a_students_windows_are_counted_in_one_step_on_a_cluster() -> None:
    """The minute and the day of one student share a tag: one script call, one slot."""
    limiter = RedisRateLimiter(cluster_client())
    windows = EventBudget(per_minute=3, per_day=5).windows("demo", 7)
    assert limiter.allow_all(windows, now=T0, cost=3) is None
    assert limiter.allow_all(windows, now=T0, cost=1) == windows[0]  # the minute is full


def test_a_students_keys_share_a_slot_and_students_spread_over_every_primary() -> None:
    client = cluster_client()
    users = students_on_every_primary(client)
    store = RedisSessionStore(client)
    for user in users:
        store.start(
            tenant="demo",
            user_id=user,
            session_id="a",
            device_id="d",
            now=T0,
            ttl_seconds=60,
            max_sessions=2,
            max_devices=2,
        )
        store.revoke(tenant="demo", user_id=user, session_id="a", now=T0)
        assert len({slot(key) for key in student_keys("demo", user)}) == 1
    assert len({owner(client, student_keys("demo", u)[0]).name for u in users}) == 3


def test_a_start_sent_again_is_not_counted_twice() -> None:
    """A start whose reply was lost (a timeout, a failover) and which the client sent again."""
    store = RedisSessionStore(cluster_client())
    assert open_session(store, "a", max_sessions=1) is None
    assert open_session(store, "a", max_sessions=1) is None  # the same session: as the first
    assert open_session(store, "b", max_sessions=1) == "concurrency_limit_exceeded"


def test_only_a_live_session_with_current_versions_is_extended_on_a_cluster() -> None:
    on_one_redis.test_only_a_live_session_with_current_versions_is_extended(on_cluster)


def evalsha_calls(client: RedisCluster) -> int:
    total = 0
    for node in primaries(client):
        stats = info(client, node, "commandstats")
        total += int(stats.get("cmdstat_evalsha", {}).get("calls", 0))
    return total


def test_a_batch_across_every_primary_is_one_call_per_slot() -> None:
    client = cluster_client()
    store = RedisSessionStore(client)
    heartbeats = RedisHeartbeats(CLUSTER_URL, FixedVersions(), cluster=True)
    users = list(range(1, 61))
    for user in users:
        store.start(
            tenant="demo",
            user_id=user,
            session_id=f"s{user}",
            device_id="d",
            now=T0,
            ttl_seconds=60,
            max_sessions=2,
            max_devices=2,
        )
    slots = {slot(student_keys("demo", user)[0]) for user in users}
    assert len({owner(client, student_keys("demo", u)[0]).name for u in users}) == 3

    # Loaded everywhere beforehand: a primary promoted by an earlier failover has none, and its
    # first NOSCRIPT would count a call more.
    client.script_load(SLOT_BEATS)

    async def scenario() -> list[Any]:
        await heartbeats.remember(VIDEO, ENROLLMENT, CURRENT)
        before = evalsha_calls(client)
        later = T0 + timedelta(seconds=50)
        seen = await asyncio.gather(
            *(
                heartbeats.beat(beat(f"s{u}", user=u), now=later, ttl_seconds=60, extend=True)
                for u in users
            ),
            heartbeats.beat(beat("s1", user=2), now=later, ttl_seconds=60, extend=True),  # not his
            heartbeats.beat(beat("s1", versions=(1, 3)), now=later, ttl_seconds=60, extend=True),
        )
        # One script call per slot (the students' slots; user 2's is among them).
        assert evalsha_calls(client) - before == len(slots)
        return [(s.alive, s.versions) for s in seen]

    assert asyncio.run(scenario()) == [(True, CURRENT)] * 60 + [(False, CURRENT), (True, CURRENT)]
    # Extended: live until T0 + 50 s + 60 s.
    assert store.is_active(
        tenant="demo", user_id=60, session_id="s60", now=T0 + timedelta(seconds=100)
    )


def test_a_miss_of_the_mirror_is_filled_on_a_cluster() -> None:
    client = cluster_client()
    source = FixedVersions()
    source.versions = (4, 3)
    heartbeats = RedisHeartbeats(CLUSTER_URL, source, cluster=True)
    seen = asyncio.run(heartbeats.beat(beat(), now=T0, ttl_seconds=60, extend=True))
    assert (seen.versions, seen.alive) == ((4, 3), False)
    assert client.get(f"av:ver:{{v:{VIDEO}}}:p") == "4"


def test_the_mirror_writes_many_videos_at_once_one_pipeline_per_primary() -> None:
    client = cluster_client()
    mirror = VersionMirror(client)
    values = {f"av:ver:{{v:{video}}}:p": "2" for video in range(1, 40)}
    connections: list[str] = []
    to_node = client.get_redis_connection

    def counted(node: Any) -> Any:
        connections.append(node.name)
        return to_node(node)

    setattr(client, "get_redis_connection", counted)  # noqa: B010 (an instance's method)
    mirror.write(values)
    assert len(connections) == len(set(connections)) == 3  # 39 slots, 3 round trips
    assert client.mget_nonatomic(list(values)) == ["2"] * 39
    mirror.write({"av:ver:{v:1}:p": "1", "av:ver:{v:2}:p": "gone"})  # never back; gone is final
    assert client.mget_nonatomic(["av:ver:{v:1}:p", "av:ver:{v:2}:p"]) == ["2", "gone"]


def test_a_slot_moved_while_sessions_live_asks_then_moves() -> None:
    """The student's slot moves to another primary with live sessions in it: during the move
    (keys already at the target) the clients follow ``ASK``; after it, ``MOVED``; the sessions
    keep their limits throughout."""
    client = cluster_client()
    store = RedisSessionStore(client)
    heartbeats = RedisHeartbeats(CLUSTER_URL, FixedVersions(), cluster=True)
    assert open_session(store, "a") is None
    store.adopt(**ME, session_id="a", versions=(2, 3))
    assert open_session(store, "gone") is None
    store.revoke(**ME, session_id="gone", now=T0)  # every one of the student's four keys exists

    async def beat_a() -> bool:
        return (await heartbeats.beat(beat("a"), now=T0, ttl_seconds=60, extend=True)).alive

    async def scenario() -> None:
        await heartbeats.remember(VIDEO, ENROLLMENT, CURRENT)
        assert await beat_a()  # the slot map is known now
        moving = slot(student_keys(**ME)[0])
        source = owner(client, student_keys(**ME)[0])
        target = next(p for p in primaries(client) if p.name != source.name)
        source_id, target_id = (
            on(client, source, "CLUSTER", "MYID"),
            on(client, target, "CLUSTER", "MYID"),
        )
        on(client, target, "CLUSTER", "SETSLOT", moving, "IMPORTING", source_id)
        on(client, source, "CLUSTER", "SETSLOT", moving, "MIGRATING", target_id)
        keys = on(client, source, "CLUSTER", "GETKEYSINSLOT", moving, 10)
        assert sorted(keys) == sorted(student_keys(**ME))
        on(client, source, "MIGRATE", target.host, target.port, "", 0, 5000, "KEYS", *keys)
        # Mid-move: the source answers ASK, the clients ask the target.
        assert await beat_a()
        assert store.adopted(**ME, session_id="a") == (2, 3)
        assert store.heartbeat(**ME, session_id="a", now=T0, ttl_seconds=60)
        for node in primaries(client):
            on(client, node, "CLUSTER", "SETSLOT", moving, "NODE", target_id)
        # Moved: the clients' slot maps are stale, MOVED sends them to the target.
        assert await beat_a()
        assert open_session(store, "b") is None
        assert open_session(store, "c") == "concurrency_limit_exceeded"  # a and b: counted once
        assert owner(client, student_keys(**ME)[0]).name == target.name

    asyncio.run(scenario())
