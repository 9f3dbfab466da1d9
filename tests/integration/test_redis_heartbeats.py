"""The asynchronous hot path on Redis (``RedisHeartbeats``) beside the in-process one
(``DirectHeartbeats``): the same answers; extension only for a live session whose token carries
the current versions; the versions mirror (a miss filled from ``PlaybackVersions`` by the adapter
itself, never going back, ``gone`` is final, written by the projector); concurrent calls coalesced
into one script call; an outage is Unavailable."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import redis

from academy_video.adapters.memory.heartbeats import DirectHeartbeats
from academy_video.adapters.memory.session_store import InMemorySessionStore
from academy_video.adapters.redis.heartbeats import MIRROR_SECONDS, RedisHeartbeats, VersionMirror
from academy_video.adapters.redis.session_store import RedisSessionStore
from academy_video.app.errors import Unavailable
from academy_video.app.ports import Heartbeats, SessionStore
from academy_video.app.tokens import PlaybackClaims
from tests.contract.session_store_suite import T0, open_session
from tests.http.conftest import serving

from .test_redis_store import REDIS_URL, start_redis

VIDEO, ENROLLMENT = 5, 101
CURRENT = (2, 3)


class FixedVersions:
    def __init__(self) -> None:
        self.versions: tuple[int, int] | None = CURRENT

    def current(self, video_id: int, enrollment_id: int) -> tuple[int, int] | None:
        return self.versions


def beat(
    sid: str = "a", versions: tuple[int, int] = CURRENT, user: int = 1, tenant: str = "demo"
) -> PlaybackClaims:
    """The claims of a token for session ``sid``, cut under ``versions``."""
    return PlaybackClaims(tenant, user, VIDEO, ENROLLMENT, sid, *versions, expires_at=0)


def client() -> redis.Redis:
    if not REDIS_URL:
        pytest.fail("ACADEMY_VIDEO_TEST_REDIS_URL is not set: run the tests with `make test`")
    r = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    r.flushdb()
    return r


def direct() -> tuple[SessionStore, Heartbeats]:
    store = InMemorySessionStore()
    return store, DirectHeartbeats(store, FixedVersions())


def on_redis() -> tuple[SessionStore, Heartbeats]:
    heartbeats = RedisHeartbeats(REDIS_URL, FixedVersions())
    store = RedisSessionStore(client())
    return store, heartbeats


@pytest.mark.parametrize("make", [direct, on_redis], ids=["in-process", "redis"])
def test_only_a_live_session_with_current_versions_is_extended(
    make: Callable[[], tuple[SessionStore, Heartbeats]],
) -> None:
    store, heartbeats = make()
    assert open_session(store, "a") is None  # live until T0 + 60 s

    async def scenario() -> None:
        later = T0 + timedelta(seconds=50)
        seen = await heartbeats.beat(beat(), now=later, ttl_seconds=60, extend=True)
        assert (seen.versions, seen.alive) == (CURRENT, True)  # now live until T0 + 110 s
        stale = await heartbeats.beat(
            beat(versions=(1, 3)), now=T0 + timedelta(seconds=100), ttl_seconds=60, extend=True
        )
        assert (stale.versions, stale.alive) == (CURRENT, True)  # answered, not extended
        looked = await heartbeats.beat(
            beat(), now=T0 + timedelta(seconds=105), ttl_seconds=60, extend=False
        )
        assert looked.alive  # a look does not extend either
        lapsed = await heartbeats.beat(
            beat(), now=T0 + timedelta(seconds=111), ttl_seconds=60, extend=True
        )
        assert not lapsed.alive
        assert not (await heartbeats.beat(beat("nope"), now=T0, ttl_seconds=60, extend=True)).alive
        # The same user id in another tenant is another student: not its session.
        twin = await heartbeats.beat(beat(tenant="other"), now=T0, ttl_seconds=60, extend=True)
        assert not twin.alive

    asyncio.run(scenario())
    assert open_session(store, "b", now=T0) is None
    store.revoke(tenant="demo", user_id=1, session_id="b", now=T0)
    revoked = asyncio.run(heartbeats.beat(beat("b"), now=T0, ttl_seconds=60, extend=True))
    assert not revoked.alive


def test_a_miss_is_filled_from_the_source_and_the_mirror_never_goes_back() -> None:
    r = client()
    source = FixedVersions()
    source.versions = (4, 3)
    heartbeats = RedisHeartbeats(REDIS_URL, source)

    async def scenario() -> None:
        seen = await heartbeats.beat(beat(), now=T0, ttl_seconds=60, extend=True)
        assert seen.versions == (4, 3)  # looked up, and kept for the next beats
        assert (
            r.get(f"av:ver:{{v:{VIDEO}}}:p"),
            r.get(f"av:ver:{{v:{VIDEO}}}:g:{ENROLLMENT}"),
        ) == (
            "4",
            "3",
        )
        source.versions = CURRENT  # the source is not asked again while the mirror holds them
        await heartbeats.remember(VIDEO, ENROLLMENT, CURRENT)  # a late lookup of older ones
        seen = await heartbeats.beat(beat(), now=T0, ttl_seconds=60, extend=True)
        assert seen.versions == (4, 3)
        await heartbeats.remember(VIDEO, ENROLLMENT, None)
        await heartbeats.remember(VIDEO, ENROLLMENT, (9, 9))
        seen = await heartbeats.beat(beat(), now=T0, ttl_seconds=60, extend=True)
        assert seen.versions is None

    asyncio.run(scenario())


def test_mirrored_versions_are_kept_sixty_heartbeat_intervals_then_lapse() -> None:
    """A watched (video, enrollment) asks PostgreSQL once in 60 beats (a beat every 30 s), not
    once in 10; and a key lapses that long after its last write however often it is read, so a
    lost write's stale version is trusted at most MIRROR_SECONDS."""
    r = client()
    heartbeats = RedisHeartbeats(REDIS_URL, FixedVersions())
    policy, grant = f"av:ver:{{v:{VIDEO}}}:p", f"av:ver:{{v:{VIDEO}}}:g:{ENROLLMENT}"
    asyncio.run(heartbeats.beat(beat(), now=T0, ttl_seconds=60, extend=True))  # a miss: filled

    def ttl(key: str) -> int:
        return cast(int, r.ttl(key))

    assert 60 * 30 - 5 <= ttl(policy) <= MIRROR_SECONDS == 1800
    r.expire(policy, 100)  # as if written 1,700 s ago
    for _ in range(3):
        seen = asyncio.run(heartbeats.beat(beat(), now=T0, ttl_seconds=60, extend=True))
        assert seen.versions == CURRENT
    assert ttl(policy) <= 100  # reads do not renew it
    VersionMirror(redis.Redis.from_url(REDIS_URL)).write({grant: "4"})
    assert ttl(grant) > MIRROR_SECONDS - 5  # a newer version written: a full life again


def test_a_deleted_video_found_on_a_miss_is_gone() -> None:
    client()
    source = FixedVersions()
    source.versions = None
    heartbeats = RedisHeartbeats(REDIS_URL, source)
    seen = asyncio.run(heartbeats.beat(beat(), now=T0, ttl_seconds=60, extend=True))
    assert (seen.versions, seen.alive) == (None, False)


def test_concurrent_beats_go_to_redis_as_one_script_call() -> None:
    r = client()
    store, heartbeats = RedisSessionStore(r), RedisHeartbeats(REDIS_URL, FixedVersions())
    for user in range(1, 101):
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

    def evalsha_calls() -> int:
        # redis-py's sync answers are typed as maybe awaitable (one signature for both clients).
        stats = cast(dict[str, Any], r.info("commandstats"))
        return int(stats.get("cmdstat_evalsha", {}).get("calls", 0))

    async def scenario() -> list[bool]:
        await heartbeats.remember(VIDEO, ENROLLMENT, CURRENT)
        before = evalsha_calls()
        seen = await asyncio.gather(
            *(
                heartbeats.beat(beat(f"s{u}", user=u), now=T0, ttl_seconds=60, extend=True)
                for u in range(1, 101)
            ),
            heartbeats.beat(beat("s1", user=2), now=T0, ttl_seconds=60, extend=True),  # not his
            # User 1 of another tenant: another student, and not his either.
            heartbeats.beat(beat("s1", tenant="other"), now=T0, ttl_seconds=60, extend=True),
        )
        assert evalsha_calls() - before == 1
        return [s.alive for s in seen]

    assert asyncio.run(scenario()) == [True] * 100 + [False, False]


def test_the_projector_keeps_the_mirror_current(tmp_path: Path) -> None:
    """Written by whichever process projects a video or grant event, read by every process."""
    r = client()
    with serving(tmp_path, redis_url=REDIS_URL) as api:
        video = api.ready_video()
        assert r.get(f"av:ver:{{v:{video}}}:p") == "1"
        api.call("PATCH", f"/api/v1/videos/{video}", json={"max_speed": 1.5})
        assert r.get(f"av:ver:{{v:{video}}}:p") == "2"
        api.call(
            "POST",
            "/api/v1/video-permissions/",
            json={"video": video, "enrollment": ENROLLMENT, "rule": "once"},
        )
        version = api.app.grants.version(video, ENROLLMENT)
        assert r.get(f"av:ver:{{v:{video}}}:g:{ENROLLMENT}") == str(version)
        api.call("DELETE", f"/api/v1/videos/{video}")
        assert r.get(f"av:ver:{{v:{video}}}:p") == "gone"


def test_an_outage_is_unavailable_and_the_mirror_catches_up_after(
    own_redis: tuple[int, list[subprocess.Popen[bytes]]], tmp_path: Path
) -> None:
    port, processes = own_redis
    url = f"redis://127.0.0.1:{port}/0"
    heartbeats, mirror = (
        RedisHeartbeats(url, FixedVersions()),
        VersionMirror(redis.Redis.from_url(url)),
    )
    processes[0].terminate()
    processes[0].wait()

    async def down() -> None:
        results = await asyncio.gather(
            *(
                heartbeats.beat(beat(f"s{n}"), now=T0, ttl_seconds=60, extend=True)
                for n in range(5)
            ),
            return_exceptions=True,
        )
        assert all(isinstance(e, Unavailable) for e in results)

    asyncio.run(down())
    mirror.write({"av:ver:{v:5}:p": "2", "av:ver:{v:5}:g:101": "3"})  # kept for later
    processes.append(start_redis(port, tmp_path))
    mirror.write({})  # the next write sends what was kept
    assert redis.Redis.from_url(url).get("av:ver:{v:5}:p") == b"2"
    seen = asyncio.run(heartbeats.beat(beat(), now=T0, ttl_seconds=60, extend=True))
    assert seen.versions == CURRENT and not seen.alive
