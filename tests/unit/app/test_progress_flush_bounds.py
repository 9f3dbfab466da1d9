"""One flush writes a bounded number of students, the longest waiting first; flushes never run
side by side; past the buffer's cap, new students' heartbeats are refused, counted and logged."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

import pytest

from academy_video.app import progress_service

from .conftest import ALICE, World
from .test_progress_buffer import buffered_world, heard


@pytest.fixture
def small_flushes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_service, "MAX_FLUSH_STUDENTS", 10)
    monkeypatch.setattr(progress_service, "MAX_BUFFERED_STUDENTS", 30)


def beats(world: World, video: int, enrollments: range, second: int = 0) -> None:
    at = world.clock.now() + timedelta(seconds=second)
    for enrollment in enrollments:
        heard(world, video, second, at, enrollment=enrollment, session=f"s{enrollment}")


def saved_students(world: World) -> list[list[int]]:
    """The enrollments each joint save wrote, in order."""
    progresses, saves = world.app.progresses, []
    record_many = progresses.record_many

    def recording(batches: list[Any]) -> Any:
        saves.append([b.enrollment_id for b in batches])
        return record_many(batches)

    progresses.record_many = recording  # type: ignore[method-assign]
    return saves


def test_a_flush_writes_at_most_its_bound_the_longest_waiting_first(small_flushes: None) -> None:
    world = buffered_world()
    video = world.ready_video(duration=100)
    saves = saved_students(world)
    world.app.progress._failing = True  # no early flush: here the test flushes by hand
    beats(world, video, range(1, 26))
    assert [world.app.progress.flush() for _ in range(4)] == [10, 10, 5, 0]
    assert saves == [list(range(1, 11)), list(range(11, 21)), list(range(21, 26))]


def test_drain_writes_everything_a_flush_at_a_time(small_flushes: None) -> None:
    world = buffered_world()
    video = world.ready_video(duration=100)
    world.app.progress._failing = True  # no early flush: the buffer fills
    beats(world, video, range(1, 26))
    saves = saved_students(world)
    assert world.app.progress.drain() == 25
    assert [len(save) for save in saves] == [10, 10, 5]
    assert world.app.progress.buffered_students == 0


def test_past_the_cap_new_students_are_refused_counted_and_logged_once(
    small_flushes: None, caplog: pytest.LogCaptureFixture
) -> None:
    """Refused, not lost: plausibility runs from the last recorded beat, so the next beat
    written credits what the refused one would have."""
    world = buffered_world()
    video = world.ready_video(duration=100)
    service = world.app.progress
    heard(world, video, 0, world.clock.now())  # Alice's progress exists
    service.flush()
    service._failing = True  # the database is away: nothing is written meanwhile
    beats(world, video, range(1, 31), second=5)  # 30 students wait: the cap
    with caplog.at_level(logging.WARNING):
        heard(world, video, 10, world.clock.now() + timedelta(seconds=10))
        beats(world, video, range(31, 35), second=10)
    assert service.buffered_students == 30
    assert service.refused_beats == 5
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == 1
    beats(world, video, range(1, 3), second=11)  # those waiting still add their beats
    service._failing = False
    service.drain()
    heard(world, video, 20, world.clock.now() + timedelta(seconds=20))  # room again
    service.flush()
    progress = world.app.progresses.get(video, ALICE)
    assert progress is not None and progress.ranges == [(0, 20)]
    one = world.app.progresses.get(video, 1)
    assert one is not None and one.ranges == [(5, 11)]


def test_a_failed_flush_puts_its_students_back_in_front(small_flushes: None) -> None:
    world = buffered_world()
    video = world.ready_video(duration=100)
    progresses = world.app.progresses
    beats(world, video, range(1, 10))
    record_many = progresses.record_many

    def refused(batches: Any) -> Any:
        raise ConnectionError("database unavailable")

    progresses.record_many = refused  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        world.app.progress.flush()
    progresses.record_many = record_many  # type: ignore[method-assign]
    beats(world, video, range(10, 15), second=1)  # arrived meanwhile
    saves = saved_students(world)
    world.app.progress.flush()
    assert saves == [list(range(1, 11))]


def test_flushes_never_run_side_by_side() -> None:
    """The periodic flush waits for one in progress (an early one) instead of writing beside it;
    and while one runs, a full buffer starts no early flush."""
    world = buffered_world()
    video = world.ready_video(duration=100)
    progresses, service = world.app.progresses, world.app.progress
    record_many = progresses.record_many
    entered, release = threading.Event(), threading.Event()
    running, most = [0], [0]

    def slow(batches: Any) -> Any:
        running[0] += 1
        most[0] = max(most[0], running[0])
        entered.set()
        release.wait(timeout=10)
        try:
            return record_many(batches)
        finally:
            running[0] -= 1

    progresses.record_many = slow  # type: ignore[method-assign]
    beats(world, video, range(1, 3))
    first = threading.Thread(target=service.flush)
    first.start()
    assert entered.wait(timeout=10)
    beats(world, video, range(3, 5))
    second = threading.Thread(target=service.flush)
    second.start()
    second.join(timeout=0.2)
    assert second.is_alive()  # waiting for the first
    module_max = progress_service.MAX_FLUSH_STUDENTS
    progress_service.MAX_FLUSH_STUDENTS = 1
    try:
        beats(world, video, range(5, 6))  # a full buffer
    finally:
        progress_service.MAX_FLUSH_STUDENTS = module_max
    assert service._early is None
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert most == [1]
    assert all(progresses.get(video, e) is not None for e in range(1, 5))


def test_a_whole_flushs_worth_waiting_starts_a_flush_in_the_background(small_flushes: None) -> None:
    world = buffered_world()
    video = world.ready_video(duration=100)
    service = world.app.progress
    beats(world, video, range(1, 10))
    assert service._early is None  # under a flush's worth: the periodic flush writes them
    beats(world, video, range(10, 11))
    early = service._early
    assert early is not None
    early.join(timeout=10)
    assert service.buffered_students == 0
    assert all(world.app.progresses.get(video, e) is not None for e in range(1, 11))


def test_two_sessions_alternating_are_each_spaced_a_second_apart() -> None:
    """The spacing rule holds per session: a client alternating two sessions of one video every
    10 ms for 5 s gets one beat a second buffered for each, not every beat."""
    world = buffered_world()
    world.app.progress._failing = True  # no early flush
    start = world.clock.now()
    for n in range(500):
        heard(world, 7, n / 100, start + timedelta(seconds=n / 100), session="ab"[n % 2])
    [batch] = world.app.progress._buffer.values()
    assert len(batch.samples) == 10
    assert sorted({s.session_id for s in batch.samples}) == ["a", "b"]


def test_one_students_batch_keeps_only_its_most_recent_samples() -> None:
    world = buffered_world()
    world.app.progress._failing = True
    start = world.clock.now()
    beats_heard = progress_service.MAX_SAMPLES + 40
    for n in range(beats_heard):  # one session, a second apart: each one kept by the spacing
        heard(world, 7, n, start + timedelta(seconds=n), duration=10_000.0)
    [batch] = world.app.progress._buffer.values()
    assert len(batch.samples) == progress_service.MAX_SAMPLES
    assert batch.samples[0].position == beats_heard - progress_service.MAX_SAMPLES


def test_one_student_cannot_take_the_buffer_from_the_others(small_flushes: None) -> None:
    """Many videos of one enrollment (a client starting sessions of every video it may play)
    wait at most MAX_VIDEOS_PER_STUDENT at once; the rest are refused and counted, silently,
    and another student's heartbeats still wait to be written."""
    world = buffered_world()
    world.app.progress._failing = True  # the periodic flush alone; here: by hand
    start = world.clock.now()
    for video in range(1, 31):
        heard(world, video, 0, start, enrollment=101, session=f"s{video}")
    heard(world, 1, 0, start, enrollment=555, session="other")
    progress = world.app.progress
    assert (
        sum(1 for _, e in progress._buffer if e == 101) == progress_service.MAX_VIDEOS_PER_STUDENT
    )
    assert (1, 555) in progress._buffer
    assert progress.refused_beats == 30 - progress_service.MAX_VIDEOS_PER_STUDENT
    progress._failing = False
    progress.flush()  # the student's waiting videos written: room for others of theirs again
    heard(world, 30, 1, start + timedelta(seconds=1), enrollment=101, session="s30")
    assert (30, 101) in progress._buffer
