"""The auto-caption step's use cases: request a track, lease the next one to a caption worker,
renew its lease with the percent done, and record what the recogniser heard.

The request is the track's ``CaptionRequested`` (PROCESSING); the queue (``CaptionJobQueue``)
lists such tracks and leases each to one worker at a time. A worker that dies leaves its lease
to run out and the next claim counts one more attempt; past ``caption_max_attempts`` the track
is FAILED (``crashed``) instead of being tried for ever. A failure never touches the video's
own status: it stays READY (or whatever it was).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from academy_video.domain.caption_language import canonical_language
from academy_video.domain.caption_style import group_into_cues, style_for
from academy_video.domain.caption_tracks import CaptionSource, CaptionStatus, CaptionTrack
from academy_video.domain.errors import DomainError
from academy_video.domain.video_status import VideoStatus

from .captions import CaptionService
from .config import Settings
from .errors import Conflict, Invalid, NotFound
from .ports import CaptionJobQueue, CaptionJobRef, Clock, Transcription
from .videos import Videos

log = logging.getLogger(__name__)

CLAIM_TRIES = 16  # reservations tried per claim (a stale row costs one)
CRASHED = "crashed"
RECORD_TRIES = 3  # a file version taken by another track's write meanwhile: store it again


@dataclass(frozen=True)
class CaptionJob:
    ref: CaptionJobRef
    tenant: str
    source_key: str

    @property
    def video_id(self) -> int:
        return self.ref.video_id

    @property
    def language(self) -> str:
        return self.ref.language


class CaptionLeaseLost(Exception):
    """The job is no longer this worker's (its lease ran out and was taken, or the track went)."""


class CaptionJobService:
    def __init__(
        self,
        *,
        videos: Videos,
        captions: CaptionService,
        queue: CaptionJobQueue,
        clock: Clock,
        settings: Settings,
        languages: frozenset[str],
    ) -> None:
        self.videos = videos
        self.captions = captions
        self.queue = queue
        self.clock = clock
        self.lease_seconds = settings.caption_lease_seconds
        self.max_attempts = settings.caption_max_attempts
        self.languages = languages  # the primary language subtags a recogniser knows

    def request(
        self, *, tenant: str, video_id: int, language: str, label: str, kind: str
    ) -> CaptionTrack:
        """An auto track for the video's sound, in a language a recogniser knows, once its
        upload is confirmed (``invalid_status`` before)."""
        language = canonical_language(language)
        if language.split("-")[0].lower() not in self.languages:
            known = ", ".join(sorted(self.languages)) or "none"
            raise Invalid("language", f"language: no recogniser for {language} (known: {known})")
        video = self.videos.get(video_id, tenant=tenant)
        if video.status == VideoStatus.PENDING or not video.file_key:
            raise Conflict("invalid_status", "invalid_status: the upload is not confirmed")
        return self.captions.request_auto(
            tenant=tenant, video_id=video_id, language=language, label=label, kind=kind
        )

    def after_transcode(self, language: str) -> Callable[[int], None]:
        """What ``JobService.on_first_ready`` calls for the operator's setting; ValueError (at
        start-up) for a tag that is not one."""
        try:
            canonical_language(language)
        except DomainError as refused:
            raise ValueError(f"ACADEMY_VIDEO_AUTO_CAPTIONS_AFTER_TRANSCODE: {refused}") from None
        return lambda video_id: self.request_after_transcode(video_id, language)

    def request_after_transcode(self, video_id: int, language: str) -> None:
        """The operator's ``ACADEMY_VIDEO_AUTO_CAPTIONS_AFTER_TRANSCODE``: a track in
        ``language`` for a video that just became READY, unless it has one. Never raises: the
        transcode is recorded whatever becomes of this (logged)."""
        try:
            video = self.videos.get(video_id)
            if video.captions.find(canonical_language(language)) is not None:
                return
            self.request(
                tenant=video.tenant,
                video_id=video_id,
                language=language,
                label=language,
                kind="subtitles",
            )
        except Exception:
            log.exception("captions: auto-captions after the transcode of %s not queued", video_id)

    def progress(self, video_id: int) -> dict[str, int]:
        return self.queue.progress(video_id)

    def claim_next(self, worker_id: str) -> CaptionJob | None:
        """Lease the next track to ``worker_id``; one tried too often is FAILED on the way."""
        for _ in range(CLAIM_TRIES):
            now = self.clock.now()
            until = now + timedelta(seconds=self.lease_seconds)
            ref = self.queue.reserve(worker_id=worker_id, now=now, until=until)
            if ref is None:
                return None
            job = self._job(ref)
            if job is None:
                continue
            if ref.attempt > self.max_attempts:
                reason = f"{CRASHED}: no answer after {self.max_attempts} attempts"
                log.warning("captions: video %s %s: %s", ref.video_id, ref.language, reason)
                self._give_up(ref, reason)
                continue
            return job
        return None

    def heartbeat(self, job: CaptionJob, worker_id: str, progress: int) -> None:
        until = self.clock.now() + timedelta(seconds=self.lease_seconds)
        percent = max(0, min(99, progress))
        if not self.queue.extend(job.ref, worker_id=worker_id, until=until, progress=percent):
            raise CaptionLeaseLost(f"video {job.video_id} {job.language}")

    def record(self, job: CaptionJob, heard: Transcription) -> str:
        """The recogniser's answer as the track's draft, or its failure; ``transcribed`` or
        ``failed`` (``dropped`` when the track is no longer waiting for it)."""
        if not heard.ok:
            return self.fail(job, heard.reason)
        if not heard.words:
            return self.fail(job, "no_speech")
        cues = group_into_cues(heard.words, style_for(job.language))
        for _ in range(RECORD_TRIES):
            try:
                self.captions.record_auto(video_id=job.video_id, language=job.language, cues=cues)
            except Invalid as refused:  # e.g. cues past the video's end: a reason, never a loop
                return self.fail(job, str(refused))
            except DomainError as refused:
                if refused.code == "concurrent_update":  # another track's file meanwhile
                    continue
                log.warning("captions: %s %s not recorded: %s", job.video_id, job.language, refused)
                return "dropped"
            return "transcribed"
        return "dropped"  # the lease runs out and the track is heard again

    def fail(self, job: CaptionJob, reason: str) -> str:
        ok = self._finish(
            lambda: self.captions.fail_auto(
                video_id=job.video_id, language=job.language, reason=reason or "failed"
            )
        )
        return "failed" if ok else "dropped"

    def _give_up(self, ref: CaptionJobRef, reason: str) -> None:
        self._finish(
            lambda: self.captions.fail_auto(
                video_id=ref.video_id, language=ref.language, reason=reason
            )
        )

    def _job(self, ref: CaptionJobRef) -> CaptionJob | None:
        """The job, if its video and track still wait for it (a stale row otherwise)."""
        try:
            video = self.videos.get(ref.video_id)
        except NotFound:
            return None
        track = video.captions.find(ref.language)
        if track is None or track.source != CaptionSource.AUTO:
            return None
        if track.status != CaptionStatus.PROCESSING:
            return None
        return CaptionJob(ref, video.tenant, video.file_key)

    @staticmethod
    def _finish(record: Callable[[], object]) -> bool:
        """Record an outcome; False when the track moved on meanwhile (deleted, removed)."""
        try:
            record()
        except (NotFound, DomainError) as refused:
            log.warning("captions: outcome not recorded: %s", refused)
            return False
        return True
