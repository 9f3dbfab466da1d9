"""A flush credits the progresses this process saved last without reading them again; a kept
progress that another writer has moved past is refused by the store, never written over it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from academy_video.app import progresses as progresses_module
from academy_video.app.progresses import PartlyRecorded
from academy_video.app.recent_aggregates import RecentAggregates
from academy_video.domain.progress import Plausibility, Sample, WatchProgress

from .conftest import ALICE, BOB, World
from .test_progress_buffer import buffered_world, heard


def count_reads(world: World) -> list[Any]:
    """Every read of a progress's events from the store."""
    recorder = world.app.progresses.recorder
    reads: list[Any] = []
    select = recorder.select_events

    def counting(originator_id: Any, **kwargs: Any) -> Any:
        reads.append(originator_id)
        return select(originator_id, **kwargs)

    recorder.select_events = counting  # type: ignore[method-assign]
    return reads


def written_elsewhere(world: World, video: int, enrollment: int, samples: list[Sample]) -> None:
    """Another process (or staff) writes the progress: the store moves on, this process's kept
    copy does not."""
    progresses = world.app.progresses
    progress: WatchProgress = progresses.repository.get(WatchProgress.create_id(video, enrollment))
    progress.record(samples, duration=100.0, plausibility=Plausibility())
    progresses.save(progress)  # the plain save: nothing kept


def test_a_flush_of_students_saved_before_reads_none_of_them() -> None:
    world = buffered_world()
    video, start = world.ready_video(duration=100), world.clock.now()
    for enrollment in (ALICE, BOB):
        heard(world, video, 0, start, enrollment=enrollment, session=f"s{enrollment}")
    world.app.progress.flush()
    reads = count_reads(world)
    for enrollment in (ALICE, BOB):
        at = start + timedelta(seconds=10)
        heard(world, video, 10, at, enrollment=enrollment, session=f"s{enrollment}")
    assert world.app.progress.flush() == 2
    assert reads == []
    for enrollment in (ALICE, BOB):
        progress = world.app.progresses.get(video, enrollment)
        assert progress is not None and progress.ranges == [(0, 10)] and progress.version == 3


def test_a_kept_progress_another_writer_moved_past_is_refused_and_read_again() -> None:
    """The kept copy is at version 3, the store at 4: the joint save is refused as a whole,
    tried again from the store, and both writes stand, each once."""
    world = buffered_world()
    video, start = world.ready_video(duration=100), world.clock.now()

    def at(second: int) -> Any:
        return start + timedelta(seconds=second)

    heard(world, video, 0, at(0))
    heard(world, video, 0, at(0), enrollment=BOB, session="b")
    world.app.progress.flush()
    heard(world, video, 10, at(10))
    heard(world, video, 10, at(10), enrollment=BOB, session="b")
    world.app.progress.flush()
    # Alice's beats went to another process for a while: it credited 10..20.
    written_elsewhere(world, video, ALICE, [Sample("s", 20.0, at(20))])
    reads = count_reads(world)
    heard(world, video, 30, at(30))  # back here: 20..30
    heard(world, video, 20, at(20), enrollment=BOB, session="b")
    assert world.app.progress.flush() == 2
    assert sorted(set(reads), key=str) == sorted(
        {WatchProgress.create_id(video, e) for e in (ALICE, BOB)}, key=str
    )  # read again, after the refusal
    alice = world.app.progresses.get(video, ALICE)
    assert alice is not None
    assert alice.version == 5 and alice.ranges == [(0, 30)]
    history: list[Any] = list(world.app.progresses.events.get(alice.id))
    assert [e.last_position for e in history[1:]] == [0, 10, 20, 30]  # each write once
    bob = world.app.progresses.get(video, BOB)
    assert bob is not None and bob.version == 4 and bob.ranges == [(0, 20)]
    # Kept again as saved: the next flush reads nothing.
    reads.clear()
    heard(world, video, 40, at(40))
    world.app.progress.flush()
    assert reads == []


def test_a_failed_save_keeps_nothing_ahead_of_the_store() -> None:
    world = buffered_world()
    video, start = world.ready_video(duration=100), world.clock.now()
    heard(world, video, 0, start)
    world.app.progress.flush()
    progresses = world.app.progresses

    def lost(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("database unavailable")

    progresses.recorder.insert_events = lost  # type: ignore[method-assign]
    heard(world, video, 10, start + timedelta(seconds=10))
    with pytest.raises(ConnectionError):
        world.app.progress.flush()
    del progresses.recorder.insert_events  # the real one again
    assert len(progresses.recent) == 0  # the copy credited with the lost write is gone
    assert world.app.progress.flush() == 1  # the kept heartbeats, from the stored progress
    progress = progresses.get(video, ALICE)
    assert progress is not None and progress.version == 3 and progress.ranges == [(0, 10)]


def test_a_correction_is_not_undone_by_the_next_flush() -> None:
    world = buffered_world()
    video, start = world.ready_video(duration=100), world.clock.now()
    heard(world, video, 0, start)
    heard(world, video, 50, start + timedelta(seconds=50))
    world.app.progress.flush()
    world.app.progress.correct(tenant="demo", video_id=video, enrollment_id=ALICE, progress=0.0)
    heard(world, video, 60, start + timedelta(seconds=60))
    world.app.progress.flush()
    progress = world.app.progresses.get(video, ALICE)
    assert progress is not None
    assert progress.ranges == [(50, 60)] and progress.progress == pytest.approx(0.1)


def test_only_the_most_recently_saved_are_kept() -> None:
    recent: RecentAggregates[WatchProgress] = RecentAggregates(2)
    first, second, third = (WatchProgress(1, n, "demo", n) for n in (1, 2, 3))
    recent.keep([first, second])
    recent.keep([first])  # saved again: the most recent now
    recent.keep([third])
    assert len(recent) == 2
    assert recent.take(second.id) is None
    assert recent.take(first.id) is first
    assert recent.take(first.id) is None  # taken: the writer owns it until it keeps it again


def test_a_flush_saves_a_bounded_number_of_students_at_a_time_and_a_failure_keeps_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Saves of SAVE_STUDENTS each: when the second fails, the first stands and only the
    students of the second and later go back to the buffer."""
    monkeypatch.setattr(progresses_module, "SAVE_STUDENTS", 2)
    world = buffered_world()
    video, start = world.ready_video(duration=100), world.clock.now()
    for enrollment in range(1, 6):
        heard(world, video, 0, start, enrollment=enrollment, session=f"s{enrollment}")
    recorder = world.app.progresses.recorder
    insert, saves = recorder.insert_events, []

    def second_lost(stored_events: Any, **kwargs: Any) -> Any:
        saves.append({e.originator_id for e in stored_events})
        if len(saves) == 2:
            raise ConnectionError("database unavailable")
        return insert(stored_events, **kwargs)

    recorder.insert_events = second_lost  # type: ignore[method-assign]
    with pytest.raises(PartlyRecorded):
        world.app.progress.flush()
    assert [len(students) for students in saves] == [2, 2]
    assert world.app.progress.buffered_students == 3
    assert world.app.progress.flush() == 3
    assert [len(students) for students in saves] == [2, 2, 2, 1]
    for enrollment in range(1, 6):
        progress = world.app.progresses.get(video, enrollment)
        assert progress is not None and progress.version == 2  # each written once


def test_a_stale_kept_progress_costs_only_its_own_save_a_read_of_the_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(progresses_module, "SAVE_STUDENTS", 2)
    world = buffered_world()
    video, start = world.ready_video(duration=100), world.clock.now()
    students = range(1, 5)
    for enrollment in students:
        heard(world, video, 0, start, enrollment=enrollment, session=f"s{enrollment}")
    world.app.progress.flush()
    written_elsewhere(world, video, 4, [Sample("s4", 5.0, start + timedelta(seconds=5))])
    reads = count_reads(world)
    for enrollment in students:
        at = start + timedelta(seconds=10)
        heard(world, video, 10, at, enrollment=enrollment, session=f"s{enrollment}")
    assert world.app.progress.flush() == 4
    assert set(reads) == {WatchProgress.create_id(video, e) for e in (3, 4)}  # 4's save only
    four = world.app.progresses.get(video, 4)
    assert four is not None and four.ranges == [(0, 10)] and four.version == 4
