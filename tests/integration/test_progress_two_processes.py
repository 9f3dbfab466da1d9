"""Two processes on one database credit one student's progress in turn (the student's
heartbeats moved between them) while staff correct it from one of them: each keeps its last
saved progresses in memory, and a kept one that the other has moved past is refused by the store
and read again, so no write is lost or written over."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from academy_video.bootstrap import Container
from academy_video.domain.progress import Sample, WatchProgress

from .conftest import Deployment

START = datetime(2026, 1, 1, tzinfo=UTC)
VIDEO, STUDENT, OTHER = 1, 7, 8


def beat(process: Container, second: int, enrollment: int = STUDENT) -> None:
    process.progress.submit(
        video_id=VIDEO,
        enrollment_id=enrollment,
        tenant="demo",
        duration=100.0,
        max_rate=1.0,
        samples=[Sample("s", float(second), START + timedelta(seconds=second))],
    )


def test_two_processes_writing_one_students_progress_lose_nothing(
    deployment: Deployment,
) -> None:
    settings = replace(deployment.settings, progress_flush_seconds=5)
    here, there = deployment.start(settings), deployment.start(settings)
    for second in (0, 10):
        beat(here, second)
        beat(here, second, OTHER)
        here.progress.flush()
    # The student's beats reach the other process for a while; here still keeps version 3.
    beat(there, 20)
    there.progress.flush()
    beat(there, 30)
    there.progress.flush()
    # Back here, beside another student whose kept progress is current.
    beat(here, 40)
    beat(here, 20, OTHER)
    assert here.progress.flush() == 2
    progress = here.progresses.get(VIDEO, STUDENT)
    assert progress is not None
    assert progress.ranges == [(0, 40)] and progress.version == 6
    history: list[Any] = list(here.progresses.events.get(WatchProgress.create_id(VIDEO, STUDENT)))
    assert [e.last_position for e in history[1:]] == [0, 10, 20, 30, 40]  # each write once
    other = here.progresses.get(VIDEO, OTHER)
    assert other is not None and other.ranges == [(0, 20)]

    # Staff correct the progress down from the other process; here's kept copy is stale again.
    there.progresses.correct(VIDEO, STUDENT, progress=0.0, completed=None, last_position=None)
    beat(here, 50)
    here.progress.flush()
    corrected = there.progresses.get(VIDEO, STUDENT)
    assert corrected is not None
    assert corrected.ranges == [(40, 50)] and corrected.progress == 0.1


def test_a_stale_kept_progress_costs_its_own_read_not_its_saves(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Of a save's students, only the one another process wrote since is read from the store
    again; the others' credited events are saved as they were."""
    settings = replace(deployment.settings, progress_flush_seconds=5)
    here, there = deployment.start(settings), deployment.start(settings)
    students = (STUDENT, OTHER, 9, 10)
    for student in students:
        beat(here, 0, student)
    here.progress.flush()
    beat(there, 20)  # the student's kept progress here is now stale
    there.progress.flush()
    reads: list[object] = []
    repository: Any = here.progresses.repository
    get = repository.get

    def counted(aggregate_id: object, *args: Any, **kwargs: Any) -> Any:
        reads.append(aggregate_id)
        return get(aggregate_id, *args, **kwargs)

    monkeypatch.setattr(repository, "get", counted)
    for student in students:
        beat(here, 30, student)
    assert here.progress.flush() == len(students)
    assert reads == [WatchProgress.create_id(VIDEO, STUDENT)]
    for student in students:
        progress = there.progresses.get(VIDEO, student)
        assert progress is not None and progress.last_position == 30.0
    history: list[Any] = list(there.progresses.events.get(WatchProgress.create_id(VIDEO, STUDENT)))
    assert [e.last_position for e in history[1:]] == [0, 20, 30]
