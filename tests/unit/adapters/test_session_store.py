"""The in-process SessionStore: the contract the Redis adapter will be held to as well."""

import threading
from datetime import UTC, datetime, timedelta

from academy_video.adapters.memory.session_store import InMemorySessionStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def open_session(
    store: InMemorySessionStore,
    sid: str,
    device: str = "d",
    now: datetime = T0,
    max_sessions: int = 2,
) -> str | None:
    return store.start(
        user_id=1,
        session_id=sid,
        device_id=device,
        now=now,
        ttl_seconds=60,
        max_sessions=max_sessions,
        max_devices=2,
    )


def test_twenty_concurrent_starts_with_a_limit_of_two_yield_exactly_two() -> None:
    store = InMemorySessionStore()
    results: list[str | None] = []
    barrier = threading.Barrier(20)

    def go(i: int) -> None:
        barrier.wait()
        results.append(open_session(store, f"s{i}"))

    threads = [threading.Thread(target=go, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(None) == 2
    assert results.count("concurrency_limit_exceeded") == 18


def test_device_limit_counts_distinct_devices_only() -> None:
    store = InMemorySessionStore()

    def on(sid: str, device: str) -> str | None:
        return open_session(store, sid, device, max_sessions=5)

    assert on("a", "phone") is None
    assert on("b", "phone") is None  # the same device again does not count twice
    assert on("c", "laptop") is None
    assert on("d", "tablet") == "device_limit_exceeded"
    store.end(user_id=1, session_id="c")
    assert on("e", "tablet") is None


def test_heartbeat_extends_only_a_live_owned_unrevoked_session() -> None:
    store = InMemorySessionStore()
    open_session(store, "a")
    assert store.heartbeat(
        user_id=1, session_id="a", now=T0 + timedelta(seconds=59), ttl_seconds=60
    )
    assert store.is_active(user_id=1, session_id="a", now=T0 + timedelta(seconds=118))
    assert not store.heartbeat(user_id=2, session_id="a", now=T0, ttl_seconds=60)
    assert not store.heartbeat(
        user_id=1, session_id="a", now=T0 + timedelta(seconds=120), ttl_seconds=60
    )
    assert not store.is_active(user_id=1, session_id="a", now=T0 + timedelta(seconds=120))


def test_a_revoked_session_stays_dead_and_frees_its_slot() -> None:
    store = InMemorySessionStore()
    open_session(store, "a")
    open_session(store, "b")
    store.revoke(user_id=1, session_id="a", now=T0)
    assert not store.is_active(user_id=1, session_id="a", now=T0)
    assert not store.heartbeat(user_id=1, session_id="a", now=T0, ttl_seconds=60)
    assert open_session(store, "c") is None
    # The revocation is remembered for an hour, then forgotten so nothing leaks.
    later = T0 + timedelta(hours=2)
    store.is_active(user_id=1, session_id="a", now=later)
    assert store._users[1].revoked == {}


def test_lapsed_sessions_free_their_slots_and_devices() -> None:
    store = InMemorySessionStore()
    open_session(store, "a", "phone")
    open_session(store, "b", "laptop")
    later = T0 + timedelta(seconds=61)
    assert open_session(store, "c", "tablet", now=later) is None
    assert store._users[1].devices == {"c": "tablet"}
