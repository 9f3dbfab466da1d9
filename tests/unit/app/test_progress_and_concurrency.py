import threading

import pytest

from academy_video.app import applications
from academy_video.app.errors import ConcurrencyConflict, NotFound
from academy_video.domain.policy import GrantRules, Rule
from academy_video.domain.video import Video

from .conftest import ALICE, BOB, TENANT, USERS, World


def test_staff_completing_a_student_by_hand_promotes_once_to_free(world: World) -> None:
    video = world.ready_video()
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.ONCE)
    )
    started = world.app.playback.starts.start(
        tenant=TENANT, user_id=USERS[ALICE], video_id=video, enrollment_id=ALICE, device_id="d"
    )
    world.heartbeat(user_id=USERS[ALICE], token=started.token, position=0)
    corrected = world.app.progress.correct(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, progress=1.0, completed=True
    )
    assert corrected.completed
    grant = world.app.grants.get(video, ALICE)
    assert grant is not None
    assert (grant.rules.rule, grant.is_override) == (Rule.FREE, False)


def test_a_correction_for_another_tenant_or_without_progress_is_not_found(world: World) -> None:
    video = world.ready_video()
    with pytest.raises(NotFound):
        world.app.progress.correct(tenant="other", video_id=video, enrollment_id=ALICE)
    with pytest.raises(NotFound):
        world.app.progress.correct(tenant=TENANT, video_id=video, enrollment_id=BOB, progress=0.5)


def test_concurrent_batches_on_one_session_are_all_kept(world: World) -> None:
    """Eight players' threads on one session: conflicts are retried, no batch is lost."""
    video = world.ready_video()
    started = world.app.playback.starts.start(
        tenant=TENANT, user_id=USERS[ALICE], video_id=video, enrollment_id=ALICE, device_id="d"
    )
    barrier = threading.Barrier(8)

    def report() -> None:
        barrier.wait()
        for _ in range(10):
            world.report_events(
                user_id=USERS[ALICE], token=started.token, events=[{"type": "FOCUS_GAINED"}] * 3
            )

    threads = [threading.Thread(target=report) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    session = world.app.sessions.get(started.session_id)
    assert session.events_total == 8 * 10 * 3
    assert session.version == 1 + 8 * 10


def test_a_write_that_loses_to_another_process_is_retried_on_fresh_state(world: World) -> None:
    video_id = world.ready_video()
    videos = world.app.videos
    calls: list[int] = []

    def rename(video: Video) -> None:
        if not calls:
            # Another process saves first, behind this writer's back.
            rival: Video = videos.repository.get(video.id)
            rival.edit(order=9)
            videos.save(rival)
        calls.append(video.version)
        video.edit(title="Renamed")

    videos.apply(Video.create_id(video_id), Video, rename)
    assert len(calls) == 2
    assert calls[1] == calls[0] + 1  # the retry started from the rival's version
    video = videos.get(video_id)
    assert (video.title, video.order) == ("Renamed", 9)


def test_a_write_that_keeps_losing_is_reported_not_dropped(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(applications, "CONFLICT_RETRIES", 2)
    video_id = world.ready_video()
    videos = world.app.videos

    def always_beaten(video: Video) -> None:
        rival: Video = videos.repository.get(video.id)
        rival.edit(order=rival.order + 1)
        videos.save(rival)
        video.edit(title="Never")

    with pytest.raises(ConcurrencyConflict):
        videos.apply(Video.create_id(video_id), Video, always_beaten)
    assert videos.get(video_id).title != "Never"
