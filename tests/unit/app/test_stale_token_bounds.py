"""The slow path of a token staler than the rules is bounded: judged once per question and
session, on an executor of its own, never again once the session adopted the rules in force;
paid for before it runs (event budget, key rate limit)."""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from academy_video.app.config import Settings
from academy_video.app.errors import Denied, RateLimited
from academy_video.app.playback import KEY_REQUESTS_PER_MINUTE, Beat, Started
from academy_video.app.playback.policy_updates import PolicyUpdates
from academy_video.domain.policy import GrantRules, Rule
from academy_video.domain.video import key_object

from .conftest import ALICE, TENANT, USERS, World, make_world
from .test_playback import start

ALICE_USER = USERS[ALICE]


def spy_loads(world: World, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often the rules in force are computed (the aggregate loads of the slow path)."""
    calls: Counter[str] = Counter()
    original = PolicyUpdates.in_force

    def counted(self: PolicyUpdates, video_id: int, enrollment_id: int) -> Any:
        calls["in_force"] += 1
        return original(self, video_id, enrollment_id)

    monkeypatch.setattr(PolicyUpdates, "in_force", counted)
    return calls


def stale_session(world: World) -> tuple[int, Started]:
    """A video and Alice's session of it, whose token the rules then left behind (a faster
    max speed: a loosening, so the session goes on under the new rules)."""
    video = world.ready_video()
    started = start(world, video)
    world.app.videos.change(video, max_speed=2.0)
    return video, started


def test_a_stale_token_repeated_300_times_is_judged_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, started = stale_session(world)
    loads = spy_loads(world, monkeypatch)
    first = world.heartbeat(user_id=ALICE_USER, token=started.token)
    assert first.token is not None and loads["in_force"] == 1
    for _ in range(300):  # an old player: it never swaps tokens
        world.heartbeat(user_id=ALICE_USER, token=started.token, position=1)
        world.report_events(user_id=ALICE_USER, token=started.token, events=[])
    assert loads["in_force"] == 1
    assert world.app.playback.live.judge.evaluations == 1


def test_the_sessions_older_token_after_adoption_loads_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the judge's memory too (another process, or later): the session store's note."""
    _, started = stale_session(world)
    assert world.heartbeat(user_id=ALICE_USER, token=started.token).token is not None
    world.app.playback.live.judge.forget()  # as another process would know nothing

    def loaded(*_: Any, **__: Any) -> Any:
        raise AssertionError("the slow path ran")

    for name in ("in_force", "adopt", "check", "check_claims"):
        monkeypatch.setattr(PolicyUpdates, name, loaded)
    beat = world.heartbeat(user_id=ALICE_USER, token=started.token, position=2)
    assert beat == Beat(beat.claims)  # the usual answer: nothing remembered to hand over again
    stored = world.report_events(
        user_id=ALICE_USER, token=started.token, events=[{"type": "FOCUS_LOST"}]
    )
    assert stored == 1


def test_another_sessions_token_is_not_accepted_by_this_ones_adoption(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = world.ready_video()
    adopted, other = start(world, video), start(world, video, device="phone")
    world.app.videos.change(video, max_speed=2.0)
    world.heartbeat(user_id=ALICE_USER, token=adopted.token)
    loads = spy_loads(world, monkeypatch)
    assert world.heartbeat(user_id=ALICE_USER, token=other.token).token is not None
    assert loads["in_force"] == 1


def test_a_newer_change_is_judged_again_and_a_tightening_refused(world: World) -> None:
    video, started = stale_session(world)
    world.heartbeat(user_id=ALICE_USER, token=started.token)
    world.app.videos.change(video, max_speed=0.5)
    for _ in range(3):
        with pytest.raises(Denied, match="policy_changed"):
            world.heartbeat(user_id=ALICE_USER, token=started.token)
    assert world.app.playback.live.judge.evaluations == 2  # the refusal is remembered


def test_a_stale_event_batch_repeated_is_judged_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before any heartbeat adopts the change: the check's answer is remembered."""
    _, started = stale_session(world)
    loads = spy_loads(world, monkeypatch)
    for _ in range(300):
        world.report_events(user_id=ALICE_USER, token=started.token, events=[])
    assert loads["in_force"] == 1


def test_concurrent_stale_heartbeats_of_one_session_are_judged_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, started = stale_session(world)
    loads = spy_loads(world, monkeypatch)
    live = world.app.playback.live

    async def flood() -> list[Beat]:
        beats = [
            live.heartbeat(tenant=TENANT, user_id=ALICE_USER, token=started.token)
            for _ in range(200)
        ]
        return await asyncio.gather(*beats)

    beats = asyncio.run(flood())
    assert loads["in_force"] == 1
    assert {b.token for b in beats} == {beats[0].token} and beats[0].token is not None


class CountingExecutor(ThreadPoolExecutor):
    def __init__(self) -> None:
        super().__init__(1)
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_the_slow_path_never_uses_the_default_executor(world: World) -> None:
    """The default executor is where every student's event writes go: a flood of stale tokens
    must not queue ahead of them."""
    _, started = stale_session(world)
    live, default = world.app.playback.live, CountingExecutor()

    async def stale_beats() -> None:
        asyncio.get_running_loop().set_default_executor(default)
        for _ in range(5):
            await live.heartbeat(tenant=TENANT, user_id=ALICE_USER, token=started.token)

    asyncio.run(stale_beats())
    assert live.judge.evaluations == 1 and default.submitted == 0


def test_an_empty_batch_is_charged_as_one_event() -> None:
    world = make_world(
        Settings(playback_token_secret="test-secret", event_rate_per_minute=200, max_sessions=2)
    )
    video = world.ready_video()
    started = start(world, video)
    for _ in range(200):
        assert world.report_events(user_id=ALICE_USER, token=started.token, events=[]) == 0
    with pytest.raises(RateLimited):
        world.report_events(user_id=ALICE_USER, token=started.token, events=[])


def test_the_key_rate_limit_comes_before_the_rules_check(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    video = world.ready_video()
    started = start(world, video)
    world.storage.put(key_object(TENANT, video), b"k" * 16)
    keys = world.app.playback.keys

    def ask() -> bytes:
        return keys.key(
            session_id=started.session_id, user_id=ALICE_USER, video_id=video, scope=None
        )

    for _ in range(KEY_REQUESTS_PER_MINUTE):
        ask()
    # The session's versions are now stale: a check would load aggregates.
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.ONCE)
    )
    checks: Counter[str] = Counter()
    monkeypatch.setattr(PolicyUpdates, "check", lambda *_: checks.update(["check"]))
    with pytest.raises(RateLimited):
        ask()
    assert checks["check"] == 0
