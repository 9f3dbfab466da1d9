"""Transcoding job use cases, with the seed's lease semantics.

Claim: the oldest UPLOADED video, or a PROCESSING one whose lease ran out. The queue reserves
a candidate so concurrent claimers spread over different videos; the Video aggregate decides,
and the event store's optimistic concurrency makes sure a video goes to one worker only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from academy_video.domain.video import Video

from .config import Settings
from .ports import Clock, JobQueue, WorkerWaker
from .videos import Videos

# Reservations tried per claim: one refused by its aggregate (a stale row, a video that just
# ran out of attempts) costs a round, so a claim never loops for long.
CLAIM_TRIES = 16


@dataclass(frozen=True)
class Job:
    video_id: int
    file_key: str
    tenant_code: str
    attempt: int
    source_etag: str = ""  # the source's ETag when its upload was confirmed ("": not recorded)


class JobService:
    def __init__(
        self,
        *,
        videos: Videos,
        queue: JobQueue,
        clock: Clock,
        waker: WorkerWaker,
        settings: Settings,
    ) -> None:
        self.videos = videos
        self.queue = queue
        self.clock = clock
        self.waker = waker
        self.lease_seconds = settings.worker_lease_seconds
        self.max_attempts = settings.max_attempts

    def claim_next(self, worker_id: str) -> Job | None:
        """Lease the next job to ``worker_id``, or None when there is nothing to do."""
        for _ in range(CLAIM_TRIES):
            now = self.clock.now()
            until = now + timedelta(seconds=self.lease_seconds)
            video_id = self.queue.reserve(worker_id=worker_id, now=now, until=until)
            if video_id is None:
                return None
            video = self.videos.claim(
                video_id,
                worker_id=worker_id,
                now=now,
                lease_seconds=self.lease_seconds,
                max_attempts=self.max_attempts,
            )
            if video is not None:
                return Job(
                    video.video_id,
                    video.file_key,
                    video.tenant,
                    video.attempts,
                    video.source_etag,
                )
        return None

    def heartbeat(self, video_id: int, worker_id: str, progress: int | None = None) -> None:
        self.videos.extend_lease(
            video_id,
            worker_id=worker_id,
            now=self.clock.now(),
            lease_seconds=self.lease_seconds,
            progress=progress,
        )

    def complete(
        self,
        video_id: int,
        worker_id: str,
        *,
        hls_path: str,
        duration: float | None = None,
        thumbnail_key: str = "",
        renditions: list[dict[str, Any]] | None = None,
    ) -> str:
        return self.videos.complete(
            video_id,
            worker_id=worker_id,
            now=self.clock.now(),
            hls_path=hls_path,
            duration=duration,
            thumbnail_key=thumbnail_key,
            renditions=renditions or [],
        )

    def fail(self, video_id: int, worker_id: str, reason: str) -> str:
        return self.videos.fail(video_id, worker_id=worker_id, now=self.clock.now(), reason=reason)

    def acknowledge_legacy(self, video_id: int, *, hls_path: str, duration: float | None) -> str:
        return self.videos.acknowledge_completion(video_id, hls_path=hls_path, duration=duration)

    def retry(self, *, tenant: str, video_id: int) -> Video:
        self.videos.get(video_id, tenant=tenant)
        self.videos.retry(video_id)
        self.waker.wake()
        return self.videos.get(video_id)
