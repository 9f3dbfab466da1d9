"""Playback, told as students would live it."""

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from academy_video.app.config import Settings
from academy_video.app.directory import DirectorySync
from academy_video.app.errors import Conflict, Denied, Invalid, NotFound, TooLarge
from academy_video.app.playback import Started
from academy_video.domain.playback_session import SessionStatus
from academy_video.domain.policy import GrantRules, Rule, VideoDefaults

from .conftest import ALICE, BOB, LECTURE, SESSION, TENANT, USERS, World, enroll, make_world


def start(world: World, video: int, enrollment: int = ALICE, device: str = "laptop") -> Started:
    return world.app.playback.starts.start(
        tenant=TENANT,
        user_id=USERS[enrollment],
        video_id=video,
        enrollment_id=enrollment,
        device_id=device,
    )


def events(*types: str) -> list[dict[str, Any]]:
    return [{"type": t} for t in types]


def test_a_student_starts_playback_and_gets_a_token_policy_and_url(world: World) -> None:
    video = world.ready_video(defaults=VideoDefaults(allow_skip=True, max_speed=1.5))
    started = start(world, video)
    assert started.session_id
    assert started.expires_at == int(world.clock.now().timestamp()) + 600
    assert started.policy["allow_seek"] is True
    assert started.policy["seek"]["mode"] == "free"
    assert started.policy["concurrency"] == {"max_sessions": 2, "max_devices": 2}
    assert started.play_url == f"/hls/{TENANT}/videos/{video}/master.m3u8"
    session = world.app.sessions.get(started.session_id)
    assert session.status == SessionStatus.ACTIVE
    assert session.policy == started.policy


def test_play_url_is_signed_for_the_edge_when_a_secret_is_set() -> None:
    world = make_world(
        Settings(
            playback_token_secret="t",
            cdn_base_url="https://cdn.example",
            cdn_signing_secret="edge",
        )
    )
    video = world.ready_video()
    started = start(world, video)
    url = urlparse(started.play_url)
    query = parse_qs(url.query)
    assert url.netloc == "cdn.example"
    assert url.path == f"/hls/{TENANT}/videos/{video}/master.m3u8"
    # The seed's four, plus the session id (unsigned) for the AES key endpoint.
    assert set(query) == {"exp", "sig", "kid", "uid", "sid"}
    assert query["uid"] == [str(USERS[ALICE])]
    assert query["sid"] == [started.session_id]
    # Beside it, the query for every other media request: scoped to the video's prefix.
    media = parse_qs(started.media_query)
    assert set(media) == {"exp", "acl", "sig", "kid", "uid", "sid"}
    assert media["acl"] == [f"/hls/{TENANT}/videos/{video}/"]
    assert (media["uid"], media["sid"]) == (query["uid"], query["sid"])


def test_media_urls_live_media_url_seconds_and_each_refresh_cuts_new_ones() -> None:
    """Shorter than the token: a revoked session's media lapses within that, and a player
    that refreshes keeps fresh ones."""
    world = make_world(
        Settings(playback_token_secret="t", cdn_signing_secret="edge", media_url_seconds=90)
    )
    video = world.ready_video()
    started = start(world, video)
    now = int(world.clock.now().timestamp())
    assert started.expires_at == now + 600  # the token's, as before
    assert media_expiry(started.play_url) == media_expiry(started.media_query) == now + 90
    world.clock.advance(60)
    refreshed = world.app.playback.live.refresh(
        tenant=TENANT, user_id=USERS[ALICE], token=started.token
    )
    assert refreshed.expires_at == now + 60 + 600
    assert media_expiry(refreshed.play_url) == media_expiry(refreshed.media_query) == now + 150


def test_media_urls_never_outlive_the_token() -> None:
    world = make_world(
        Settings(playback_token_secret="t", cdn_signing_secret="edge", media_url_seconds=9000)
    )
    started = start(world, world.ready_video())
    assert media_expiry(started.media_query) == started.expires_at


def test_without_a_signing_secret_media_query_is_empty(world: World) -> None:
    assert start(world, world.ready_video()).media_query == ""


def media_expiry(url_or_query: str) -> int:
    return int(parse_qs(url_or_query.split("?")[-1])["exp"][0])


def test_start_denials(world: World) -> None:
    video = world.ready_video()
    # Another student's enrollment.
    with pytest.raises(Denied, match="enrollment_mismatch"):
        world.app.playback.starts.start(
            tenant=TENANT, user_id=USERS[BOB], video_id=video, enrollment_id=ALICE, device_id="d"
        )
    # An inactive enrollment.
    sync = DirectorySync(world.directory)
    enroll(sync, ALICE, active=False)
    with pytest.raises(Denied, match="enrollment_mismatch"):
        start(world, video)
    enroll(sync, ALICE, active=True)
    # No access to the lecture session.
    sync.set_access(tenant=TENANT, session_id=SESSION, enrollment_id=ALICE, granted=False)
    with pytest.raises(Denied, match="no_session_access"):
        start(world, video)
    sync.set_access(tenant=TENANT, session_id=SESSION, enrollment_id=ALICE, granted=True)
    # Blocked by a permission.
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.BLOCKED)
    )
    with pytest.raises(Denied, match="blocked"):
        start(world, video)
    # Another tenant's video does not exist for this caller.
    with pytest.raises(NotFound):
        world.app.playback.starts.start(
            tenant="other", user_id=1, video_id=video, enrollment_id=ALICE, device_id="d"
        )
    with pytest.raises(Invalid, match="device_id_required"):
        start(world, video, device="")


def test_a_video_still_processing_cannot_be_played(world: World) -> None:
    ticket = world.app.uploads.init(tenant=TENANT, session_id=SESSION, title="T", filename="a.mp4")
    with pytest.raises(Denied, match="video_not_ready"):
        start(world, ticket.video.video_id)


def test_concurrency_and_device_limits(world: World) -> None:
    video = world.ready_video()  # limits: 2 sessions, 2 devices
    start(world, video, device="laptop")
    start(world, video, device="laptop")  # the same device does not count twice
    with pytest.raises(Conflict, match="concurrency_limit_exceeded"):
        start(world, video, device="laptop")
    other = make_world()
    video = other.ready_video()
    start(other, video, device="laptop")
    start(other, video, device="phone")
    with pytest.raises(Conflict, match="device_limit_exceeded"):
        start(other, video, device="tablet")


def test_ending_or_lapsing_frees_a_slot(world: World) -> None:
    video = world.ready_video()
    first = start(world, video)
    start(world, video)
    world.app.playback.live.end(tenant=TENANT, user_id=USERS[ALICE], token=first.token)
    start(world, video)
    world.clock.advance(601)  # both remaining sessions lapse without heartbeats
    start(world, video)


def test_a_token_works_only_for_its_own_user(world: World) -> None:
    video = world.ready_video()
    token = start(world, video).token
    with pytest.raises(Denied, match="invalid_token"):
        world.app.playback.live.refresh(tenant=TENANT, user_id=USERS[BOB], token=token)
    with pytest.raises(Denied, match="invalid_token"):
        world.app.playback.live.refresh(
            tenant=TENANT, user_id=USERS[ALICE], token=token[:-2] + "xx"
        )
    with pytest.raises(Denied, match="token_required"):
        world.app.playback.live.refresh(tenant=TENANT, user_id=USERS[ALICE], token="")
    assert world.app.playback.live.refresh(tenant=TENANT, user_id=USERS[ALICE], token=token)


def test_a_token_expires(world: World) -> None:
    video = world.ready_video()
    token = start(world, video).token
    world.clock.advance(600)
    with pytest.raises(Denied, match="token_expired"):
        world.heartbeat(user_id=USERS[ALICE], token=token)


def test_a_video_policy_tightening_invalidates_every_students_token(world: World) -> None:
    video = world.ready_video()
    alice, bob = start(world, video, ALICE), start(world, video, BOB)
    world.app.videos.change(video, max_speed=0.5)  # a lower cap: a tightening
    for enrollment, started in ((ALICE, alice), (BOB, bob)):
        with pytest.raises(Denied, match="policy_changed"):
            world.heartbeat(user_id=USERS[enrollment], token=started.token)


def test_a_grant_tightening_invalidates_only_that_students_token(world: World) -> None:
    video = world.ready_video()
    alice, bob = start(world, video, ALICE), start(world, video, BOB)
    world.app.permissions.bulk_set(  # no grant (free) to once: seeking bounded, a tightening
        tenant=TENANT, video_id=video, enrollment_ids=[ALICE], rule=Rule.ONCE
    )
    with pytest.raises(Denied, match="policy_changed"):
        world.app.playback.live.refresh(tenant=TENANT, user_id=USERS[ALICE], token=alice.token)
    assert world.app.playback.live.refresh(tenant=TENANT, user_id=USERS[BOB], token=bob.token)


def test_heartbeats_keep_the_session_alive_and_refresh_renews_the_token(world: World) -> None:
    video = world.ready_video()
    started = start(world, video)
    token = started.token
    for _ in range(3):
        world.clock.advance(500)
        world.heartbeat(user_id=USERS[ALICE], token=token)
        refreshed = world.app.playback.live.refresh(
            tenant=TENANT, user_id=USERS[ALICE], token=token
        )
        assert refreshed.expires_at == int(world.clock.now().timestamp()) + 600
        assert refreshed.token != token
        token = refreshed.token
    # 1,500 s after start the first token has expired, the session has not.
    with pytest.raises(Denied, match="token_expired"):
        world.heartbeat(user_id=USERS[ALICE], token=started.token)
    world.clock.advance(599)
    assert world.app.playback.reconciliation.expire_lapsed() == 0


def test_a_session_without_heartbeats_lapses_and_reconcile_records_it_once(world: World) -> None:
    video = world.ready_video()
    started = start(world, video)
    world.clock.advance(599)
    assert world.app.playback.reconciliation.expire_lapsed() == 0
    world.clock.advance(2)
    assert world.app.playback.reconciliation.expire_lapsed() == 1
    assert world.app.playback.reconciliation.expire_lapsed() == 0
    assert world.app.sessions.get(started.session_id).status == SessionStatus.EXPIRED


@pytest.mark.parametrize("closing", ["revoke", "end"])
def test_a_session_closed_while_the_store_failed_is_closed_there_by_reconcile(
    world: World, closing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The save records the close; the store's call after it fails (a Redis blip). A heartbeat
    asks only the store, so the session would play on until reconcile tells the store again."""
    video = world.ready_video()
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(block_seek=True)
    )
    started = start(world, video)
    token, user, store = started.token, USERS[ALICE], world.app.store

    def unreachable(**_: object) -> None:
        raise ConnectionError("session store unreachable")

    def close() -> None:
        if closing == "revoke":
            world.report_events(user_id=user, token=token, events=events(*["SEEK_ATTEMPT"] * 3))
        else:
            world.app.playback.live.end(tenant=TENANT, user_id=user, token=token)

    monkeypatch.setattr(store, closing, unreachable)
    with pytest.raises(ConnectionError):
        close()
    monkeypatch.undo()
    recorded = world.app.sessions.get(started.session_id).status
    assert recorded == (SessionStatus.REVOKED if closing == "revoke" else SessionStatus.ENDED)
    world.clock.advance(30)
    world.heartbeat(user_id=user, token=token)  # the store still holds it live
    assert world.app.playback.reconciliation.reconcile() == (0, 1)
    for call in (world.app.playback.live.refresh, world.heartbeat):
        with pytest.raises(Conflict, match="session_inactive"):
            call(tenant=TENANT, user_id=user, token=token)
    assert world.app.playback.reconciliation.reconcile() == (0, 0)


def test_seek_attempts_under_once_revoke_the_session_on_the_third_violation(world: World) -> None:
    video = world.ready_video()
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.ONCE)
    )
    started = start(world, video)
    assert started.policy["seek"]["mode"] == "bounded_forward"
    token, user = started.token, USERS[ALICE]
    playback = world.app.playback
    assert (
        world.report_events(
            user_id=user, token=token, events=events("SEEK_ATTEMPT", "FOCUS_LOST", "FOCUS_GAINED")
        )
        == 3
    )
    assert (
        world.report_events(
            user_id=user, token=token, events=events("SEEK_ATTEMPT", "FOCUS_LOST", "FOCUS_GAINED")
        )
        == 3
    )
    assert (
        world.report_events(
            user_id=user, token=token, events=events("SEEK_ATTEMPT", "FOCUS_LOST", "FOCUS_GAINED")
        )
        == 3
    )
    session = world.app.sessions.get(started.session_id)
    assert session.status == SessionStatus.REVOKED
    for call in (playback.live.refresh, world.heartbeat):
        with pytest.raises(Conflict, match="session_inactive"):
            call(tenant=TENANT, user_id=user, token=token)
    with pytest.raises(Conflict, match="session_inactive"):
        world.report_events(user_id=user, token=token, events=events("FOCUS_LOST"))
    # The revoked session no longer holds a slot.
    start(world, video)
    start(world, video)


def test_event_batches_are_validated(world: World) -> None:
    video = world.ready_video()
    started = start(world, video)
    token, user = started.token, USERS[ALICE]
    with pytest.raises(TooLarge, match="batch_too_large"):
        world.report_events(user_id=user, token=token, events=events("FOCUS_LOST") * 201)
    for bad, field in (
        ({"type": "TELEPORT"}, "events.type"),
        ({"type": "FOCUS_LOST", "payload": [1]}, "events.payload"),
        ({"type": "FOCUS_LOST", "occurred_at": "x"}, "events.occurred_at"),
    ):
        with pytest.raises(Invalid) as refused:
            world.report_events(user_id=user, token=token, events=[*events("FOCUS_LOST"), bad])
        assert refused.value.code == field
    # Nothing of the refused batches was stored.
    assert world.app.sessions.get(started.session_id).events_total == 0
    assert world.report_events(user_id=user, token=token, events=events("FOCUS_LOST") * 200) == 200


def test_heartbeats_build_progress_and_completion_promotes_once_to_free(world: World) -> None:
    video = world.ready_video(duration=100)
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.ONCE)
    )
    started = start(world, video)
    user = USERS[ALICE]
    for second in range(0, 100, 10):
        world.heartbeat(user_id=user, token=started.token, position=second)
        world.clock.advance(10)
    progress = world.app.progresses.get(video, ALICE)
    assert progress is not None
    assert progress.progress == pytest.approx(0.9)
    assert not progress.completed
    world.heartbeat(user_id=user, token=started.token, position=96)
    assert world.app.progresses.is_completed(video, ALICE)
    grant = world.app.grants.get(video, ALICE)
    assert grant is not None
    assert grant.rules.rule == Rule.FREE
    assert grant.is_override is False
    # The grant changed, which only loosens the session's rules: it goes on under a free seek
    # policy, handed to the player with a new token; a new session gets the same.
    beat = world.heartbeat(user_id=user, token=started.token)
    assert beat.policy is not None and beat.policy["seek"]["mode"] == "free"
    assert start(world, video).policy["seek"]["mode"] == "free"


def test_a_forged_position_jump_is_not_counted(world: World) -> None:
    video = world.ready_video(duration=100)
    started = start(world, video)
    world.heartbeat(user_id=USERS[ALICE], token=started.token, position=0)
    world.clock.advance(10)
    world.heartbeat(user_id=USERS[ALICE], token=started.token, position=99)
    progress = world.app.progresses.get(video, ALICE)
    assert progress is not None
    assert progress.progress == 0
    assert progress.rejected_jumps == 1


def test_ending_twice_is_refused_and_end_ignores_policy_changes(world: World) -> None:
    video = world.ready_video()
    started = start(world, video)
    world.app.videos.change(video, allow_skip=True)
    world.app.playback.live.end(tenant=TENANT, user_id=USERS[ALICE], token=started.token)
    assert world.app.sessions.get(started.session_id).status == SessionStatus.ENDED
    with pytest.raises(Conflict, match="session_inactive"):
        world.app.playback.live.end(tenant=TENANT, user_id=USERS[ALICE], token=started.token)


def test_the_list_plays_as_the_enrollment_the_sessions_list_offers(world: World) -> None:
    """A student with two ACTIVE enrollments in the lecture, only the higher one with access to
    the session: the sessions list hands the player that one, so the videos list answers for it
    too (can play), and starting with it is allowed."""
    video = world.ready_video()
    sync = world.app.directory_sync
    sync.put_enrollment(
        tenant=TENANT,
        enrollment_id=100,
        student_id=ALICE + 500,
        lecture_id=LECTURE,
        status="ACTIVE",
    )
    answer = world.app.playback.access.student_videos(
        tenant=TENANT, user_id=USERS[ALICE], session_id=SESSION, ready_videos=[video]
    )
    assert (answer.enrollment_id, answer.denials) == (ALICE, {video: None})
    started = start(world, video)
    assert started.session_id
