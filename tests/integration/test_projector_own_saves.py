"""A save's inline projection applies the save's own events as they are (not read back from the
log) and, for the progresses, the aggregates the save left (one copy in memory, not two); what
other processes stored before them is read and applied first, and what a follower already
applied is not applied again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Recording

from academy_video.adapters.sql import projector as projector_module
from academy_video.adapters.sql import tables as t
from academy_video.adapters.sql import tracking
from academy_video.adapters.sql.projector import Projector
from academy_video.bootstrap import Container
from academy_video.domain.progress import Sample, WatchProgress

from .conftest import Deployment
from .test_read_models import engine_of, rows

START = datetime(2026, 1, 1, tzinfo=UTC)
VIDEO = 1


def beat(process: Container, student: int, second: int) -> None:
    process.progress.submit(
        video_id=VIDEO,
        enrollment_id=student,
        tenant="demo",
        duration=100.0,
        max_rate=1.0,
        samples=[Sample(f"s{student}", float(second), START + timedelta(seconds=second))],
    )


def projector_of(process: Container) -> Projector:
    assert process.projector is not None
    return process.projector


def progress_row(process: Container, student: int) -> dict[str, Any]:
    [row] = rows(engine_of(process), t.progress, video_id=VIDEO, enrollment_id=student)
    return row


def reads_of_the_log(process: Container, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the Progresses log's reads from now on."""
    recorder: Any = process.progresses.recorder
    select, reads = recorder.select_notifications, []

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return select(*args, **kwargs)

    monkeypatch.setattr(recorder, "select_notifications", counted)
    return reads


def test_a_flush_projects_its_own_events_without_reading_them_back(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    process = deployment.start(replace(deployment.settings, progress_flush_seconds=5))
    for student in (1, 2):
        beat(process, student, 0)
    process.progress.flush()
    reads = reads_of_the_log(process, monkeypatch)
    projected: list[Any] = []
    projector_of(process).listeners.append(lambda name, states: projected.extend(states))
    for student in (1, 2):
        beat(process, student, 10)
    process.progress.flush()
    assert reads == []
    # The rows came from the progresses the flush kept, not from copies of the projector's own.
    recent = process.progresses.recent
    assert len(projected) == 2
    assert all(state is recent.peek(state.id) for state in projected)
    for student in (1, 2):
        row, kept = progress_row(process, student), process.progresses.get(VIDEO, student)
        assert kept is not None
        assert (row["last_position"], row["progress"]) == (10.0, kept.progress) == (10.0, 0.1)


def test_what_another_process_stored_before_is_applied_first(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = replace(deployment.settings, progress_flush_seconds=5)
    here, there = deployment.start(settings), deployment.start(settings)
    beat(here, 1, 0)
    here.progress.flush()
    # The other process stores a progress and stops before projecting it (a crash, say).
    monkeypatch.setattr(projector_of(there), "catch_up", lambda *args, **kwargs: 0)
    beat(there, 2, 0)
    there.progress.flush()
    assert projector_of(here).lag()["Progresses"] == 2  # created, credited
    beat(here, 1, 10)
    here.progress.flush()
    assert projector_of(here).lag()["Progresses"] == 0
    assert progress_row(here, 2)["last_position"] == 0.0
    assert progress_row(here, 1)["last_position"] == 10.0


def test_own_events_a_follower_already_applied_are_not_applied_again(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    process = deployment.start(replace(deployment.settings, progress_flush_seconds=5))
    projector = projector_of(process)
    captured: list[Sequence[Recording[UUID]]] = []

    def stored_only(name: str, until: int | None = None, saved: Any = ()) -> int:
        captured.append(saved)
        return 0

    catch_up = projector.catch_up
    monkeypatch.setattr(projector, "catch_up", stored_only)
    for student in (1, 2, 3):
        beat(process, student, 0)
    process.progress.flush()
    monkeypatch.setattr(projector, "catch_up", catch_up)
    [recordings] = captured
    ids = sorted(r.notification.id for r in recordings)
    # A follower, one event a batch, got as far as the first of them.
    monkeypatch.setattr(projector, "batch_size", 1)
    assert projector.catch_up("Progresses", until=ids[0]) == 1
    monkeypatch.setattr(projector, "batch_size", 500)
    assert projector.catch_up("Progresses", until=ids[-1], saved=recordings) == len(ids) - 1
    assert projector.lag()["Progresses"] == 0
    assert len(rows(engine_of(process), t.progress, video_id=VIDEO)) == 3


def test_two_sessions_in_one_flush_are_projected_without_a_reload(
    deployment: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A student heard on two devices in one flush: two events of one progress in one save, both
    projected from the kept progress, in one transaction, nothing read from the store."""
    process = deployment.start(replace(deployment.settings, progress_flush_seconds=5))
    beat(process, 1, 0)
    process.progress.flush()
    repository: Any = process.progresses.repository
    get, reloads, locks = repository.get, [], []

    def reloaded(*args: Any, **kwargs: Any) -> Any:
        reloads.append(args)
        return get(*args, **kwargs)

    monkeypatch.setattr(repository, "get", reloaded)
    lock_position = tracking.lock_position

    def locked(*args: Any) -> int:
        locks.append(args)
        return lock_position(*args)

    monkeypatch.setattr(projector_module, "lock_position", locked)
    for session, second in (("s1", 10), ("phone", 12)):
        process.progress.submit(
            video_id=VIDEO,
            enrollment_id=1,
            tenant="demo",
            duration=100.0,
            max_rate=1.0,
            samples=[Sample(session, float(second), START + timedelta(seconds=second))],
        )
    process.progress.flush()
    assert reloads == [] and len(locks) == 1
    assert progress_row(process, 1)["last_position"] == 12.0


def test_a_correction_is_projected_from_the_store_not_a_kept_copy(
    deployment: Deployment,
) -> None:
    """A flush may be crediting the kept progress while staff correct it: the correction's
    projection must not read that copy."""
    process = deployment.start(replace(deployment.settings, progress_flush_seconds=5))
    beat(process, 1, 0)
    beat(process, 1, 10)
    process.progress.flush()
    seen: list[Any] = []
    progresses = process.progresses
    aggregate_id = WatchProgress.create_id(VIDEO, 1)
    assert progresses.recent.peek(aggregate_id) is not None
    progresses.listen(lambda name, recordings: seen.append(progresses.saved_state(aggregate_id)))
    progresses.correct(VIDEO, 1, progress=0.0, completed=None, last_position=None)
    assert seen == [None]
    assert progress_row(process, 1)["progress"] == 0.0
