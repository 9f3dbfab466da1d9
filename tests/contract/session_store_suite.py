"""The SessionStore port's contract: the in-memory store and the Redis store both pass it.

Each ``check_*`` takes a fresh, empty store; the test modules of each adapter run them all."""

import threading
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from academy_video.app.ports import SessionStore

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Student(TypedDict):
    tenant: str
    user_id: int


ME: Student = {"tenant": "demo", "user_id": 1}  # the student most checks are about
# User ids are each tenant's own: user 1 of "other" is another student.
TWIN: Student = {"tenant": "other", "user_id": 1}


def open_session(
    store: SessionStore,
    sid: str,
    device: str = "d",
    now: datetime = T0,
    max_sessions: int = 2,
    tenant: str = "demo",
) -> str | None:
    return store.start(
        tenant=tenant,
        user_id=1,
        session_id=sid,
        device_id=device,
        now=now,
        ttl_seconds=60,
        max_sessions=max_sessions,
        max_devices=2,
    )


def check_twenty_concurrent_starts_with_a_limit_of_two_yield_exactly_two(
    store: SessionStore,
) -> None:
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


def check_device_limit_counts_distinct_devices_only(store: SessionStore) -> None:

    def on(sid: str, device: str) -> str | None:
        return open_session(store, sid, device, max_sessions=5)

    assert on("a", "phone") is None
    assert on("b", "phone") is None  # the same device again does not count twice
    assert on("c", "laptop") is None
    assert on("d", "tablet") == "device_limit_exceeded"
    store.end(**ME, session_id="c")
    assert on("e", "tablet") is None


def check_heartbeat_extends_only_a_live_owned_unrevoked_session(store: SessionStore) -> None:
    open_session(store, "a")
    assert store.heartbeat(**ME, session_id="a", now=T0 + timedelta(seconds=59), ttl_seconds=60)
    assert store.is_active(**ME, session_id="a", now=T0 + timedelta(seconds=118))
    assert not store.heartbeat(tenant="demo", user_id=2, session_id="a", now=T0, ttl_seconds=60)
    assert not store.heartbeat(**TWIN, session_id="a", now=T0, ttl_seconds=60)
    assert not store.heartbeat(
        **ME, session_id="a", now=T0 + timedelta(seconds=120), ttl_seconds=60
    )
    assert not store.is_active(**ME, session_id="a", now=T0 + timedelta(seconds=120))


def check_a_revoked_session_stays_dead_and_frees_its_slot(store: SessionStore) -> None:
    open_session(store, "a")
    open_session(store, "b")
    store.revoke(**ME, session_id="a", now=T0)
    assert not store.is_active(**ME, session_id="a", now=T0)
    assert not store.heartbeat(**ME, session_id="a", now=T0, ttl_seconds=60)
    assert open_session(store, "c") is None
    # The revocation is remembered for an hour, then forgotten (so nothing leaks).
    assert not store.is_active(**ME, session_id="a", now=T0 + timedelta(minutes=59))
    store.is_active(**ME, session_id="a", now=T0 + timedelta(hours=2))


def check_lapsed_sessions_free_their_slots_and_devices(store: SessionStore) -> None:
    open_session(store, "a", "phone")
    open_session(store, "b", "laptop")
    later = T0 + timedelta(seconds=61)
    assert open_session(store, "c", "tablet", now=later) is None
    # Only the live session's device counts now: a second new device still fits.
    assert open_session(store, "d", "watch", now=later) is None


def check_the_same_user_id_in_two_tenants_is_two_students(store: SessionStore) -> None:
    # Each tenant's user 1 fills its own limits (2 sessions, 2 devices) ...
    for tenant in ("demo", "other"):
        assert open_session(store, f"{tenant}-a", "phone", tenant=tenant) is None
        assert open_session(store, f"{tenant}-b", "laptop", tenant=tenant) is None
        assert open_session(store, f"{tenant}-c", "phone", tenant=tenant) == (
            "concurrency_limit_exceeded"
        )
    # ... sees only its own sessions ...
    assert not store.is_active(**TWIN, session_id="demo-a", now=T0)
    assert not store.heartbeat(**TWIN, session_id="demo-a", now=T0, ttl_seconds=60)
    # ... and ending or revoking one's session does not touch the other's.
    store.end(**TWIN, session_id="demo-a")
    store.revoke(**TWIN, session_id="demo-b", now=T0)
    assert store.is_active(**ME, session_id="demo-a", now=T0)
    assert store.heartbeat(**ME, session_id="demo-b", now=T0, ttl_seconds=60)
    store.end(**ME, session_id="demo-a")
    store.revoke(**ME, session_id="demo-b", now=T0)
    assert not store.is_active(**ME, session_id="demo-a", now=T0)
    assert not store.is_active(**ME, session_id="demo-b", now=T0)
    assert store.is_active(**TWIN, session_id="other-a", now=T0)
    assert store.is_active(**TWIN, session_id="other-b", now=T0)
    assert open_session(store, "other-c", "phone", tenant="other") == ("concurrency_limit_exceeded")


def check_adopted_versions_are_noted_for_a_live_session_and_go_with_it(
    store: SessionStore,
) -> None:
    store.adopt(**ME, session_id="nobody", versions=(2, 1))  # not live: nothing noted
    assert store.adopted(**ME, session_id="nobody") is None
    for sid in ("ended", "revoked", "lapsed"):
        open_session(store, sid, max_sessions=3)
        store.adopt(**ME, session_id=sid, versions=(2, 1))
        assert store.adopted(**ME, session_id=sid) == (2, 1)
    store.adopt(**ME, session_id="ended", versions=(3, 1))  # a later change replaces it
    assert store.adopted(**ME, session_id="ended") == (3, 1)
    assert store.adopted(**TWIN, session_id="ended") is None  # another student's session
    store.end(**ME, session_id="ended")
    store.revoke(**ME, session_id="revoked", now=T0)
    assert store.adopted(**ME, session_id="ended") is None
    assert store.adopted(**ME, session_id="revoked") is None
    open_session(store, "next", now=T0 + timedelta(seconds=61))  # "lapsed" is cleaned away
    assert store.adopted(**ME, session_id="lapsed") is None


CHECKS = [
    check_adopted_versions_are_noted_for_a_live_session_and_go_with_it,
    check_twenty_concurrent_starts_with_a_limit_of_two_yield_exactly_two,
    check_device_limit_counts_distinct_devices_only,
    check_heartbeat_extends_only_a_live_owned_unrevoked_session,
    check_a_revoked_session_stays_dead_and_frees_its_slot,
    check_lapsed_sessions_free_their_slots_and_devices,
    check_the_same_user_id_in_two_tenants_is_two_students,
]
