"""A student whose rules change mid-session: a change that only loosens them lets the session go
on (the next heartbeat or refresh hands over the new policy and a new token), a tightening still
stops it with ``policy_changed``."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from academy_video.app.errors import Conflict, Denied
from academy_video.app.playback import Started
from academy_video.app.playback.policy_updates import PolicyUpdates
from academy_video.domain.playback_session import PlaybackSession, SessionStatus
from academy_video.domain.policy import GrantRules, Rule, VideoDefaults
from academy_video.domain.video import key_object
from tests.fakes.media import InMemoryObjectStorage

from .conftest import ALICE, BOB, TENANT, USERS, World
from .test_playback import start

ALICE_USER = USERS[ALICE]


def once_video(world: World, *, duration: int = 100) -> int:
    video = world.ready_video(duration=duration)
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.ONCE)
    )
    return video


def watch_to_the_end(world: World, started: Started, duration: int = 100) -> None:
    """Alice plays through, beating every 10 s, until the video is completed."""
    for second in range(0, duration, 10):
        world.heartbeat(user_id=ALICE_USER, token=started.token, position=second)
        world.clock.advance(10)
    world.heartbeat(user_id=ALICE_USER, token=started.token, position=duration - 4)


def stored_events(world: World, session_id: str) -> list[str]:
    aggregate_id = PlaybackSession.create_id(session_id)
    return [type(e).__name__ for e in world.app.sessions.events.get(aggregate_id)]


def test_finishing_a_once_video_does_not_interrupt_the_student(world: World) -> None:
    video = once_video(world)
    started = start(world, video)
    assert started.policy["seek"]["mode"] == "bounded_forward"
    watch_to_the_end(world, started)
    grant = world.app.grants.get(video, ALICE)
    assert grant is not None and grant.rules.rule == Rule.FREE  # promoted: versions moved

    # Alice's next heartbeat, with the token of the start: the session goes on.
    beat = world.heartbeat(user_id=ALICE_USER, token=started.token, position=97)
    assert beat.policy is not None and beat.policy["seek"]["mode"] == "free"
    assert beat.token is not None and beat.token != started.token
    session = world.app.sessions.get(started.session_id)
    assert session.status == SessionStatus.ACTIVE
    assert session.policy == beat.policy
    assert session.versions == beat.claims.versions
    assert stored_events(world, started.session_id)[-1] == "PolicyUpdated"

    # The new token is current: the usual answer, nothing more recorded.
    version = session.version
    assert world.heartbeat(user_id=ALICE_USER, token=beat.token, position=99).token is None
    assert world.app.sessions.get(started.session_id).version == version
    world.app.playback.live.end(tenant=TENANT, user_id=ALICE_USER, token=beat.token)


def test_a_current_token_loads_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hot path stays as it was: versions equal, no aggregate is loaded."""
    video = world.ready_video()
    started = start(world, video)

    def loaded(*_: Any, **__: Any) -> Any:
        raise AssertionError("the hot path loaded the rules")

    monkeypatch.setattr(PolicyUpdates, "in_force", loaded)
    monkeypatch.setattr(world.app.sessions, "get", loaded)
    assert world.heartbeat(user_id=ALICE_USER, token=started.token, position=1).token is None


def test_the_old_token_after_the_swap_gets_the_new_one_again_without_a_second_record(
    world: World,
) -> None:
    """A heartbeat answer lost on the way: the player beats again with the old token."""
    video = world.ready_video()
    started = start(world, video)
    world.app.videos.change(video, max_speed=2.0)  # a wider cap, for everyone
    first = world.heartbeat(user_id=ALICE_USER, token=started.token)
    again = world.heartbeat(user_id=ALICE_USER, token=started.token)
    assert first.policy == again.policy
    assert again.policy is not None and again.policy["playback_rate"]["max"] == 2.0
    assert stored_events(world, started.session_id).count("PolicyUpdated") == 1


def test_two_heartbeats_racing_over_one_change_record_it_once(world: World) -> None:
    video = world.ready_video()
    started = start(world, video)
    world.app.videos.change(video, allow_skip=True)

    async def both() -> list[Any]:
        live = world.app.playback.live
        beats = [
            live.heartbeat(tenant=TENANT, user_id=ALICE_USER, token=started.token) for _ in range(2)
        ]
        return await asyncio.gather(*beats)

    beats = asyncio.run(both())
    assert [b.policy["allow_seek"] for b in beats] == [True, True]
    assert stored_events(world, started.session_id).count("PolicyUpdated") == 1


@pytest.mark.parametrize(
    "tighten",
    [
        lambda w, v: w.app.videos.change(v, max_speed=0.5),
        lambda w, v: w.app.permissions.bulk_set(
            tenant=TENANT, video_id=v, enrollment_ids=[ALICE], rule=Rule.BLOCKED
        ),
        lambda w, v: w.app.permissions.update(
            tenant=TENANT, video_id=v, enrollment_id=ALICE, changes={"block_seek": True}
        ),
    ],
    ids=["lower cap", "blocked", "seeking taken away"],
)
def test_a_tightening_still_stops_the_session(world: World, tighten: Any) -> None:
    video = world.ready_video(defaults=VideoDefaults(allow_skip=True, max_speed=1.5))
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.FREE)
    )
    started = start(world, video)
    tighten(world, video)
    live = world.app.playback.live
    with pytest.raises(Denied, match="policy_changed"):
        world.heartbeat(user_id=ALICE_USER, token=started.token)
    with pytest.raises(Denied, match="policy_changed"):
        live.refresh(tenant=TENANT, user_id=ALICE_USER, token=started.token)
    with pytest.raises(Denied, match="policy_changed"):
        world.report_events(
            user_id=ALICE_USER, token=started.token, events=[{"type": "FOCUS_LOST"}]
        )
    assert "PolicyUpdated" not in stored_events(world, started.session_id)
    # As before: ending needs no policy check, so the slot is freed.
    live.end(tenant=TENANT, user_id=ALICE_USER, token=started.token)


def test_putting_the_watermark_on_is_a_tightening(world: World) -> None:
    video = world.ready_video(defaults=VideoDefaults(show_watermark=False))
    started = start(world, video)
    world.app.videos.change(video, show_watermark=True)
    with pytest.raises(Denied, match="policy_changed"):
        world.heartbeat(user_id=ALICE_USER, token=started.token)


def test_refresh_adopts_a_loosening_and_answers_the_policy(world: World) -> None:
    video = once_video(world)
    started = start(world, video)
    world.app.permissions.update(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, changes={"rule": Rule.FREE}
    )
    live = world.app.playback.live
    fresh = live.refresh(tenant=TENANT, user_id=ALICE_USER, token=started.token)
    assert fresh.policy is not None and fresh.policy["seek"]["mode"] == "free"
    # The refreshed token is current: its heartbeat is the usual one, and so is a refresh.
    assert world.heartbeat(user_id=ALICE_USER, token=fresh.token).token is None
    assert live.refresh(tenant=TENANT, user_id=ALICE_USER, token=fresh.token).policy is None


def test_events_and_the_key_under_the_old_token_are_accepted_until_the_heartbeat(
    world: World,
) -> None:
    """Between the change and the heartbeat that hands over the new token, the player's events
    and key requests go on (judged under the policy the session holds until then)."""
    video = world.ready_video()
    started = start(world, video)
    storage = world.app.storage
    assert isinstance(storage, InMemoryObjectStorage)
    storage.put(key_object(TENANT, video), b"k" * 16)
    world.app.videos.change(video, max_speed=2.0)
    stored = world.report_events(
        user_id=ALICE_USER, token=started.token, events=[{"type": "FOCUS_LOST"}]
    )
    assert stored == 1
    key = world.app.playback.keys.key(
        session_id=started.session_id, user_id=ALICE_USER, video_id=video, scope=None
    )
    assert key == b"k" * 16
    assert "PolicyUpdated" not in stored_events(world, started.session_id)  # the heartbeat's job
    # A tightening on top: the key is refused as the heartbeat would be.
    world.app.videos.change(video, max_speed=0.75)
    with pytest.raises(Denied, match="policy_changed"):
        world.app.playback.keys.key(
            session_id=started.session_id, user_id=ALICE_USER, video_id=video, scope=None
        )


def test_a_session_gone_hears_policy_changed_for_a_tightening_and_inactive_otherwise(
    world: World,
) -> None:
    video = world.ready_video()
    loosened, tightened = start(world, video), start(world, video, BOB)
    live = world.app.playback.live
    for started, enrollment in ((loosened, ALICE), (tightened, BOB)):
        live.end(tenant=TENANT, user_id=USERS[enrollment], token=started.token)
    world.app.permissions.bulk_set(
        tenant=TENANT, video_id=video, enrollment_ids=[BOB], rule=Rule.BLOCKED
    )
    world.app.videos.change(video, max_speed=2.0)
    with pytest.raises(Conflict, match="session_inactive"):
        world.heartbeat(user_id=ALICE_USER, token=loosened.token)
    with pytest.raises(Denied, match="policy_changed"):
        world.heartbeat(user_id=USERS[BOB], token=tightened.token)
    assert "PolicyUpdated" not in stored_events(world, loosened.session_id)


def test_a_video_wide_loosening_lets_every_student_go_on(world: World) -> None:
    video = world.ready_video()
    alice, bob = start(world, video, ALICE), start(world, video, BOB)
    world.app.videos.change(video, max_speed=1.5)
    for enrollment, started in ((ALICE, alice), (BOB, bob)):
        beat = world.heartbeat(user_id=USERS[enrollment], token=started.token)
        assert beat.policy is not None and beat.policy["playback_rate"]["max"] == 1.5
        assert beat.claims.max_rate == 1.5  # progress is now capped at the new rate


def test_a_versions_mirror_behind_the_new_token_hands_nothing_over_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Redis's versions mirror may lag the aggregates for a moment: the new token then looks
    stale to the live side, but it already carries the session's rules, so the answer is the
    usual one (and the session stays live)."""
    video = world.ready_video()
    started = start(world, video)
    old_versions = world.app.playback.live.versions.current(video, ALICE)
    world.app.videos.change(video, max_speed=2.0)
    handed = world.heartbeat(user_id=ALICE_USER, token=started.token)
    assert handed.token is not None
    heartbeats = world.app.playback.live.heartbeats
    monkeypatch.setattr(heartbeats, "versions", FixedVersions(old_versions))
    again = world.heartbeat(user_id=ALICE_USER, token=handed.token)
    assert again.token is None and again.policy is None
    assert again.claims.versions == handed.claims.versions
    assert stored_events(world, started.session_id).count("PolicyUpdated") == 1


class FixedVersions:
    def __init__(self, versions: tuple[int, int] | None) -> None:
        self.versions = versions

    def current(self, video_id: int, enrollment_id: int) -> tuple[int, int] | None:
        return self.versions
