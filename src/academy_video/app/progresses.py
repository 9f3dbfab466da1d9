"""Progresses: the WatchProgress aggregates' application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from academy_video.domain.progress import Plausibility, Sample, WatchProgress

from .applications import EventSourcedApp
from .errors import ConcurrencyConflict

CONFLICT_RETRIES = 5


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


class Progresses(EventSourcedApp):
    def get(self, video_id: int, enrollment_id: int) -> WatchProgress | None:
        return self.find(WatchProgress.create_id(video_id, enrollment_id), WatchProgress)

    def is_completed(self, video_id: int, enrollment_id: int) -> bool:
        progress = self.get(video_id, enrollment_id)
        return progress is not None and progress.completed

    def record(self, batch: ProgressBatch) -> tuple[WatchProgress, bool]:
        """Credit one student's heartbeats, retrying on a concurrent write; returns the progress
        and whether it just became completed."""
        for _ in range(CONFLICT_RETRIES):
            progress, completed = self._credit(batch)
            try:
                self.save(progress)
            except IntegrityError:
                continue
            return progress, completed
        raise ConcurrencyConflict()

    def record_many(self, batches: list[ProgressBatch]) -> list[tuple[WatchProgress, bool]]:
        """Credit many students' heartbeats in one save (one transaction for all their events).

        If another process wrote one of these aggregates meanwhile, the save is refused as a
        whole; each batch is then recorded on its own, with retries."""
        results = [self._credit(batch) for batch in batches]
        try:
            self.save(*(progress for progress, _ in results))
        except IntegrityError:
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
        return results

    def _credit(self, batch: ProgressBatch) -> tuple[WatchProgress, bool]:
        progress = self.find(batch.aggregate_id, WatchProgress) or WatchProgress(
            video_id=batch.video_id,
            enrollment_id=batch.enrollment_id,
            tenant=batch.tenant,
            progress_id=batch.allocate_id(),
        )
        completed = progress.record(
            batch.samples,
            duration=batch.duration,
            plausibility=batch.plausibility,
            completion_threshold=batch.completion_threshold,
        )
        return progress, completed

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

        return self.apply(WatchProgress.create_id(video_id, enrollment_id), WatchProgress, command)
