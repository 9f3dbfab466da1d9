"""Progress use cases: credit heartbeats, correct by hand, and promote ``once`` on completion.

Both paths end here so the once→free rule has one home.
"""

from __future__ import annotations

from academy_video.domain.progress import Plausibility, Sample, WatchProgress

from .config import Settings
from .grants import Grants
from .ports import IdAllocator
from .progress import Progresses
from .videos import Videos


class ProgressService:
    def __init__(
        self,
        *,
        videos: Videos,
        progresses: Progresses,
        grants: Grants,
        ids: IdAllocator,
        settings: Settings,
    ) -> None:
        self.videos = videos
        self.progresses = progresses
        self.grants = grants
        self.ids = ids
        self.settings = settings

    def record(
        self,
        *,
        video_id: int,
        enrollment_id: int,
        tenant: str,
        duration: float,
        max_rate: float,
        samples: list[Sample],
    ) -> WatchProgress:
        progress, completed_now = self.progresses.record(
            video_id=video_id,
            enrollment_id=enrollment_id,
            tenant=tenant,
            samples=samples,
            duration=duration,
            plausibility=Plausibility(max_rate, self.settings.progress_grace_seconds),
            completion_threshold=self.settings.completion_threshold,
            allocate_id=lambda: self.ids.next_id("progress"),
        )
        if completed_now:
            self.grants.promote_to_free(video_id, enrollment_id)
        return progress

    def correct(
        self,
        *,
        tenant: str,
        video_id: int,
        enrollment_id: int,
        progress: float | None = None,
        completed: bool | None = None,
        last_position: float | None = None,
    ) -> WatchProgress:
        """Staff's manual correction; completing this way promotes ``once`` too."""
        self.videos.get(video_id, tenant=tenant)
        corrected, completed_now = self.progresses.correct(
            video_id,
            enrollment_id,
            progress=progress,
            completed=completed,
            last_position=last_position,
        )
        if completed_now:
            self.grants.promote_to_free(video_id, enrollment_id)
        return corrected
