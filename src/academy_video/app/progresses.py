"""Progresses: the WatchProgress aggregates' application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from academy_video.domain.progress import Plausibility, Sample, WatchProgress

from .applications import EventSourcedApp
from .errors import ConcurrencyConflict
from .recent_aggregates import RecentAggregates

CONFLICT_RETRIES = 5
# Students per save: a kept progress found stale costs its save a second turn (each student's
# latest version asked, the stale ones read), not the whole flush's (the flush's CPU is the same
# in one save or in these).
SAVE_STUDENTS = 2_000
# Progresses kept in memory after their save, so that the next flush of their heartbeats reads
# nothing (docs/benchmarks.md, Issue 22: progress writes): more than one process's watching
# students (a heartbeat every 30 s at its maximum rate); ~1.1 KiB each with one session's anchor.
RECENT_PROGRESSES = 150_000


class PartlyRecorded(Exception):
    """Some batches were saved (``recorded``), others not (``unrecorded``, to try again)."""

    def __init__(
        self, recorded: list[tuple[WatchProgress, bool]], unrecorded: list[ProgressBatch]
    ) -> None:
        super().__init__(f"{len(unrecorded)} of {len(recorded) + len(unrecorded)} not recorded")
        self.recorded = recorded
        self.unrecorded = unrecorded


@dataclass
class ProgressBatch:
    """One student's buffered heartbeats for one video."""

    video_id: int
    enrollment_id: int
    tenant: str
    duration: float
    plausibility: Plausibility
    completion_threshold: float
    allocate_id: Callable[[], int]
    samples: list[Sample] = field(default_factory=list)

    @property
    def aggregate_id(self) -> UUID:
        return WatchProgress.create_id(self.video_id, self.enrollment_id)


@dataclass(frozen=True)
class _Credited:
    """One student's heartbeats credited to a progress, and the events that records."""

    batch: ProgressBatch
    progress: WatchProgress
    completed: bool
    events: list[Any]

    @staticmethod
    def of(batch: ProgressBatch, progress: WatchProgress) -> _Credited:
        completed = progress.record(
            batch.samples,
            duration=batch.duration,
            plausibility=batch.plausibility,
            completion_threshold=batch.completion_threshold,
        )
        return _Credited(batch, progress, completed, list(progress.collect_events()))


class Progresses(EventSourcedApp):
    """Credits heartbeats from the progresses it saved last (``recent``) when it has them,
    else from the store; reads (``get``, ``is_completed``) always read the store."""

    def __init__(self, env: dict[str, str] | None = None, *, recent: int = RECENT_PROGRESSES):
        super().__init__(env)
        self.recent: RecentAggregates[WatchProgress] = RecentAggregates(recent)

    def get(self, video_id: int, enrollment_id: int) -> WatchProgress | None:
        return self.find(WatchProgress.create_id(video_id, enrollment_id), WatchProgress)

    def is_completed(self, video_id: int, enrollment_id: int) -> bool:
        progress = self.get(video_id, enrollment_id)
        return progress is not None and progress.completed

    def record(self, batch: ProgressBatch) -> tuple[WatchProgress, bool]:
        """Credit one student's heartbeats from the stored progress, retrying on a concurrent
        write; returns the progress and whether it just became completed."""
        self.recent.drop([batch.aggregate_id])
        for _ in range(CONFLICT_RETRIES):
            try:
                [recorded] = self._save_all([_Credited.of(batch, self._stored(batch))])
            except IntegrityError:
                continue
            return recorded
        raise ConcurrencyConflict()

    def record_many(self, batches: list[ProgressBatch]) -> list[tuple[WatchProgress, bool]]:
        """Credit many students' heartbeats, ``SAVE_STUDENTS`` of them per save (see
        ``record_together``); if a save fails, those before it stand (``PartlyRecorded``)."""
        recorded: list[tuple[WatchProgress, bool]] = []
        for first in range(0, len(batches), SAVE_STUDENTS):
            together = batches[first : first + SAVE_STUDENTS]
            try:
                recorded += self.record_together(together)
            except PartlyRecorded as partly:
                after = batches[first + SAVE_STUDENTS :]
                raise PartlyRecorded(
                    recorded + partly.recorded, partly.unrecorded + after
                ) from partly.__cause__
            except Exception as error:
                if not recorded:
                    raise
                raise PartlyRecorded(recorded, batches[first:]) from error
        return recorded

    def record_together(self, batches: list[ProgressBatch]) -> list[tuple[WatchProgress, bool]]:
        """Credit many students' heartbeats in one save (one transaction for all their events),
        each from its progress as this process last saved it, if kept, else as stored.

        If another process wrote one of these aggregates meanwhile, the save is refused as a
        whole. It is tried once more with the progresses another process moved on (a stored
        version past the one credited from) credited again from the store, and the others'
        events as they were (they still follow their stored versions); if refused again, each
        batch is recorded on its own, with retries."""
        kept = [self.recent.take(batch.aggregate_id) for batch in batches]
        credited = [
            _Credited.of(batch, progress or self._stored(batch))
            for batch, progress in zip(batches, kept, strict=True)
        ]
        try:
            return self._save_all(credited)
        except IntegrityError:
            pass
        if any(progress is not None for progress in kept):
            again = [
                _Credited.of(c.batch, self._stored(c.batch)) if self._moved_on(c) else c
                for c in credited
            ]
            try:
                return self._save_all(again)
            except IntegrityError:
                pass
        return self._one_by_one(batches)

    def _moved_on(self, credited: _Credited) -> bool:
        """Whether the store holds a version past the one this progress was credited from."""
        if not credited.events:
            return False
        base = int(credited.events[0].originator_version) - 1
        latest = self.recorder.select_events(credited.progress.id, desc=True, limit=1)
        return (latest[0].originator_version if latest else 0) != base

    def saved_state(self, aggregate_id: UUID) -> WatchProgress | None:
        return self.recent.peek(aggregate_id)

    def _save_all(self, credited: list[_Credited]) -> list[tuple[WatchProgress, bool]]:
        """``save``, without its per-object protocol checks (a fifth of a flush's CPU): the
        events straight to the store; kept once stored, before the inline listeners, so that
        the projection of this save uses the kept progresses instead of copies of its own."""
        recordings = self.events.put([event for c in credited for event in c.events])
        self.recent.keep([c.progress for c in credited])
        self._notify(recordings)
        return [(c.progress, c.completed) for c in credited]

    def _one_by_one(self, batches: list[ProgressBatch]) -> list[tuple[WatchProgress, bool]]:
        recorded, unrecorded, cause = [], [], None
        for batch in batches:
            try:
                recorded.append(self.record(batch))
            except Exception as error:  # the others' saves stand
                unrecorded.append(batch)
                cause = error
        if unrecorded:
            raise PartlyRecorded(recorded, unrecorded) from cause
        return recorded

    def _stored(self, batch: ProgressBatch) -> WatchProgress:
        """The progress as stored, or a new one."""
        return self.find(batch.aggregate_id, WatchProgress) or WatchProgress(
            video_id=batch.video_id,
            enrollment_id=batch.enrollment_id,
            tenant=batch.tenant,
            progress_id=batch.allocate_id(),
        )

    def correct(
        self,
        video_id: int,
        enrollment_id: int,
        *,
        progress: float | None,
        completed: bool | None,
        last_position: float | None,
    ) -> tuple[WatchProgress, bool]:
        def command(aggregate: WatchProgress) -> tuple[WatchProgress, bool]:
            newly = aggregate.correct(
                progress=progress, completed=completed, last_position=last_position
            )
            return aggregate, newly

        aggregate_id = WatchProgress.create_id(video_id, enrollment_id)
        # Dropped before (the projection of the correction must not take a kept copy that a
        # flush may be crediting) and after (a flush may have kept one meanwhile: now behind).
        self.recent.drop([aggregate_id])
        try:
            return self.apply(aggregate_id, WatchProgress, command)
        finally:
            self.recent.drop([aggregate_id])
