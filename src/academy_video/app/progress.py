"""Progresses: the WatchProgress aggregates' application."""

from __future__ import annotations

from collections.abc import Callable

from eventsourcing.persistence import IntegrityError

from academy_video.domain.progress import Plausibility, Sample, WatchProgress

from .applications import EventSourcedApp
from .errors import ConcurrencyConflict

CONFLICT_RETRIES = 5


class Progresses(EventSourcedApp):
    def get(self, video_id: int, enrollment_id: int) -> WatchProgress | None:
        return self.find(WatchProgress.create_id(video_id, enrollment_id), WatchProgress)

    def is_completed(self, video_id: int, enrollment_id: int) -> bool:
        progress = self.get(video_id, enrollment_id)
        return progress is not None and progress.completed

    def record(
        self,
        *,
        video_id: int,
        enrollment_id: int,
        tenant: str,
        samples: list[Sample],
        duration: float,
        plausibility: Plausibility,
        completion_threshold: float,
        allocate_id: Callable[[], int],
    ) -> tuple[WatchProgress, bool]:
        """Credit heartbeats; returns the progress and whether it just became completed."""
        aggregate_id = WatchProgress.create_id(video_id, enrollment_id)
        for _ in range(CONFLICT_RETRIES):
            progress = self.find(aggregate_id, WatchProgress)
            if progress is None:
                progress = WatchProgress(
                    video_id=video_id,
                    enrollment_id=enrollment_id,
                    tenant=tenant,
                    progress_id=allocate_id(),
                )
            completed_now = progress.record(
                samples,
                duration=duration,
                plausibility=plausibility,
                completion_threshold=completion_threshold,
            )
            try:
                self.save(progress)
            except IntegrityError:
                continue
            return progress, completed_now
        raise ConcurrencyConflict()

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
