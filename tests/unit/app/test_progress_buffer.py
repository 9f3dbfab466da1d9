"""Heartbeats are buffered and written together: many students' progress in one save."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from academy_video.app.config import Settings
from academy_video.app.progresses import PartlyRecorded
from academy_video.domain.policy import GrantRules, Rule
from academy_video.domain.progress import Sample

from .conftest import ALICE, TENANT, World, make_world

STUDENTS = 1_000


def buffered_world() -> World:
    settings = Settings(playback_token_secret="k", progress_flush_seconds=5)
    return make_world(settings)


def count_saves(world: World) -> list[int]:
    """Wrap the progress store's insert so each call (one transaction) is counted."""
    recorder = world.app.progresses.recorder
    calls: list[int] = []
    insert = recorder.insert_events

    def counting(stored_events: Any, **kwargs: Any) -> Any:
        calls.append(len(stored_events))
        return insert(stored_events, **kwargs)

    recorder.insert_events = counting  # type: ignore[method-assign]
    return calls


def heard(
    world: World,
    video: int,
    position: float,
    at: datetime,
    *,
    enrollment: int = ALICE,
    session: str = "s",
    duration: float = 100.0,
) -> None:
    """One heartbeat handed to the progress service (buffered unless flushing is off)."""
    world.app.progress.submit(
        video_id=video,
        enrollment_id=enrollment,
        tenant=TENANT,
        duration=duration,
        max_rate=1.0,
        samples=[Sample(session, float(position), at)],
    )


def completing(world: World) -> int:
    """A 20 s video under a once grant for Alice, and her heartbeats through it, buffered."""
    video = world.ready_video(duration=20)
    world.app.permissions.create(
        tenant=TENANT, video_id=video, enrollment_id=ALICE, rules=GrantRules(rule=Rule.ONCE)
    )
    start = world.clock.now()
    for second in range(0, 21, 5):
        heard(world, video, second, start + timedelta(seconds=second), duration=20.0)
    return video


def test_a_thousand_students_three_heartbeats_each_are_one_transaction() -> None:
    world = buffered_world()
    video = world.ready_video(duration=100)
    saves = count_saves(world)
    start = world.clock.now()
    for beat in range(3):
        at = start + timedelta(seconds=10 * beat)
        for enrollment in range(1, STUDENTS + 1):
            heard(world, video, 10 * beat, at, enrollment=enrollment, session=f"s{enrollment}")
    assert saves == []  # nothing written yet
    assert world.app.progress.flush() == STUDENTS
    # One transaction; per student, one Created and one PositionsRecorded carrying 3 heartbeats.
    assert saves == [2 * STUDENTS]
    progress = world.app.progresses.get(video, 500)
    assert progress is not None and progress.progress == 0.2  # 20 s of 100 credited
    assert world.app.progress.flush() == 0


def test_a_flush_that_completes_promotes_once_to_free() -> None:
    world = buffered_world()
    video = completing(world)
    grant = world.app.grants.get(video, ALICE)
    assert grant is not None and grant.rules.rule == Rule.ONCE
    world.app.progress.flush()
    grant = world.app.grants.get(video, ALICE)
    assert grant is not None and grant.rules.rule == Rule.FREE


def test_with_flushing_off_each_heartbeat_is_written_at_once() -> None:
    world = make_world(replace(Settings(playback_token_secret="k"), progress_flush_seconds=0))
    video = world.ready_video(duration=100)
    heard(world, video, 0, world.clock.now())
    assert world.app.progresses.get(video, ALICE) is not None


def test_beats_of_one_session_under_a_second_apart_are_not_buffered() -> None:
    """A client beating in a loop costs the flush no more than one beating once a second."""
    world = buffered_world()
    video = world.ready_video(duration=100)
    start = world.clock.now()
    for n in range(500):  # every 10 ms for 5 s
        heard(world, video, n / 100, start + timedelta(seconds=n / 100), session="s1")
    [batch] = world.app.progress._buffer.values()
    assert [s.position for s in batch.samples] == [0.0, 1.0, 2.0, 3.0, 4.0]
    world.app.progress.flush()
    progress = world.app.progresses.get(video, ALICE)
    assert progress is not None and progress.ranges == [(0.0, 4.0)]


def test_a_flush_that_fails_keeps_its_heartbeats_for_the_next() -> None:
    """The database refuses one flush: nothing heard is lost, and beats that arrive meanwhile
    follow the kept ones."""
    world = buffered_world()
    video = world.ready_video(duration=100)
    start = world.clock.now()

    def beat(second: int) -> None:
        heard(world, video, second, start + timedelta(seconds=second))

    beat(0)
    beat(10)
    record_many = world.app.progresses.record_many

    def refused(batches: Any) -> Any:
        raise ConnectionError("database unavailable")

    world.app.progresses.record_many = refused  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        world.app.progress.flush()
    beat(20)
    world.app.progresses.record_many = record_many  # type: ignore[method-assign]
    assert world.app.progress.flush() == 1
    progress = world.app.progresses.get(video, ALICE)
    assert progress is not None and progress.ranges == [(0, 20)]


def test_a_flush_saved_in_part_tries_again_only_what_was_not_saved() -> None:
    """The joint save meets a concurrent writer, then one student's own save fails too: the
    other's is kept and not written twice; only the failed one goes back in the buffer; and
    while flushes fail, a full buffer starts no write with every heartbeat."""
    from eventsourcing.persistence import IntegrityError

    from academy_video.app import progress_service

    world = buffered_world()
    video = world.ready_video(duration=100)
    progresses, start = world.app.progresses, world.clock.now()

    def beat(enrollment: int, second: int) -> None:
        at = start + timedelta(seconds=second)
        heard(world, video, second, at, enrollment=enrollment, session=f"s{enrollment}")

    for second in (0, 10):
        beat(1, second)
        beat(2, second)
    store, record = progresses.events, progresses.record
    put = store.put

    def joint_refused(events: Any, **kwargs: Any) -> Any:
        if len({event.originator_id for event in events}) > 1:
            raise IntegrityError("another process wrote one of them")
        return put(events, **kwargs)

    def second_refused(batch: Any) -> Any:
        if batch.enrollment_id == 2:
            raise ConnectionError("database unavailable")
        return record(batch)

    store.put = joint_refused  # type: ignore[method-assign,assignment]
    progresses.record = second_refused  # type: ignore[method-assign]
    with pytest.raises(PartlyRecorded):
        world.app.progress.flush()
    first = progresses.get(video, 1)
    assert first is not None and first.ranges == [(0, 10)]
    version = first.version
    writes: list[int] = []

    def counted(batches: list[Any]) -> list[Any]:
        writes.append(len(batches))
        return []

    progresses.record_many = counted  # type: ignore[method-assign]
    module_max = progress_service.MAX_FLUSH_STUDENTS
    progress_service.MAX_FLUSH_STUDENTS = 1
    try:
        for _ in range(5):
            beat(3, 0)  # a full buffer, while flushes fail
    finally:
        progress_service.MAX_FLUSH_STUDENTS = module_max
    assert writes == []
    del progresses.record_many, store.put, progresses.record  # the real ones again
    world.app.progress.flush()
    again = progresses.get(video, 1)
    assert again is not None and again.version == version  # not written twice
    other = progresses.get(video, 2)
    assert other is not None and other.ranges == [(0, 10)]


def test_a_promotion_refused_after_its_save_is_tried_again_by_the_next_flush() -> None:
    world = buffered_world()
    video = completing(world)
    grants = world.app.grants

    def refused(video_id: int, enrollment_id: int) -> bool:
        raise ConnectionError("database unavailable")

    grants.promote_to_free = refused  # type: ignore[method-assign]
    assert world.app.progress.flush() == 1  # the progress is saved, completed
    del grants.promote_to_free  # the real one again
    assert grants.get(video, ALICE).rules.rule == Rule.ONCE  # type: ignore[union-attr]
    world.app.progress.flush()  # nothing heard since: the promotion alone
    assert grants.get(video, ALICE).rules.rule == Rule.FREE  # type: ignore[union-attr]
