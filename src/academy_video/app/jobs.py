"""Transcoding job use cases, with the seed's lease semantics.

Claim: the oldest UPLOADED video, or a PROCESSING one whose lease ran out, or a READY one queued
for a re-encode. The queue reserves a candidate so concurrent claimers spread over different
videos; the Video aggregate decides, and the event store's optimistic concurrency makes sure a
video goes to one worker only.

A re-encode's completion switches the video to the new output in one event; the old output is
removed once that is saved, as a deletion removes outputs: each step on its own, a storage
failure logged (the objects are orphaned, the video is fine). Every completion then writes the
published caption tracks into the new master (the transcoder's has none), as a caption change
does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from academy_video.domain.video import Video

from .config import Settings
from .ports import Clock, JobQueue, ObjectStorage, WorkerWaker
from .subtitle_renditions import SubtitleRenditions
from .videos import Videos

log = logging.getLogger(__name__)

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
        storage: ObjectStorage,
        renditions: SubtitleRenditions | None = None,  # the HLS chain's; None: not served
    ) -> None:
        self.videos = videos
        self.storage = storage
        self.renditions = renditions
        self.queue = queue
        self.clock = clock
        self.waker = waker
        self.lease_seconds = settings.worker_lease_seconds
        self.max_attempts = settings.max_attempts
        # Told the id of each video that became READY for the first time (the auto-caption
        # step's operator setting); it must not raise.
        self.on_first_ready: Callable[[int], None] | None = None

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
        """``ok`` or ``idempotent``; a re-encode's old output is removed once its new one is
        recorded (students starting from then on play the new ladder)."""
        outcome, replaced = self.videos.complete(
            video_id,
            worker_id=worker_id,
            now=self.clock.now(),
            hls_path=hls_path,
            duration=duration,
            thumbnail_key=thumbnail_key,
            renditions=renditions or [],
        )
        if replaced:
            try:
                self.storage.delete_prefix(replaced)
            except Exception:
                log.exception("video %s re-encoded, but removing %s failed", video_id, replaced)
        elif outcome == "ok" and self.on_first_ready is not None:
            self.on_first_ready(video_id)
        self._captions_into_master(video_id)
        return outcome

    def fail(self, video_id: int, worker_id: str, reason: str) -> str:
        return self.videos.fail(video_id, worker_id=worker_id, now=self.clock.now(), reason=reason)

    def acknowledge_legacy(self, video_id: int, *, hls_path: str, duration: float | None) -> str:
        outcome = self.videos.acknowledge_completion(video_id, hls_path=hls_path, duration=duration)
        self._captions_into_master(video_id)
        return outcome

    def _captions_into_master(self, video_id: int) -> None:
        """A completion's master is the transcoder's, with no subtitle lines: the published
        tracks go back in now, not at the next caption change (logs, never raises)."""
        if self.renditions is not None:
            self.renditions.sync(video_id)

    def retry(self, *, tenant: str, video_id: int) -> Video:
        self.videos.get(video_id, tenant=tenant)
        self.videos.retry(video_id)
        self.waker.wake()
        return self.videos.get(video_id)

    def reencode(self, *, tenant: str | None, video_id: int, reason: str) -> bool:
        """Queue a READY video for this service's ladder; it plays its current output until the
        new one is published. False if one is already queued. ``tenant=None``: the operator's."""
        self.videos.get(video_id, tenant=tenant)
        queued = self.videos.reencode(video_id, reason)
        if queued:
            self.waker.wake()
        return queued
