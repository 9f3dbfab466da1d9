"""The caption worker: claim a PROCESSING auto track, transcribe the video's sound while
heart-beating the lease with the percent done, and record the draft or the failure.

It runs inside ``serve`` (beside the transcoding worker, unless
``ACADEMY_VIDEO_EMBEDDED_CAPTIONS`` is off) or as ``academy-video captions work``, on the use
cases directly. ``stop`` cancels the
recogniser (nothing is recorded: the lease runs out and another worker takes the track up
again); a lost lease cancels it too, and what it heard is dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .caption_jobs import CaptionJob, CaptionJobService, CaptionLeaseLost
from .ports import SpeechRecogniser, Transcription, TranscriptionCancelled
from .work_loop import work_until

log = logging.getLogger(__name__)


class CaptionWorker:
    def __init__(
        self,
        jobs: CaptionJobService,
        recogniser: SpeechRecogniser,
        worker_id: str,
        *,
        poll_seconds: float = 2.0,
        heartbeat_seconds: float = 20.0,
    ) -> None:
        self.jobs = jobs
        self.recogniser = recogniser
        self.worker_id = worker_id
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set."""
        work_until(
            stop,
            lambda: self.jobs.claim_next(self.worker_id),
            self.process,
            poll_seconds=self.poll_seconds,
            name="captions",
            describe=lambda job: f"video {job.video_id} {job.language}",
        )

    def run_once(self, stop: threading.Event | None = None) -> str:
        """Claim and process one track: what became of it, ``idle`` when there was none."""
        job = self.jobs.claim_next(self.worker_id)
        if job is None:
            return "idle"
        return self.process(job, stop or threading.Event())

    def process(self, job: CaptionJob, stop: threading.Event) -> str:
        lost = threading.Event()
        done = threading.Event()
        progress = [0]

        def beat() -> None:
            while not done.wait(self.heartbeat_seconds):
                try:
                    self.jobs.heartbeat(job, self.worker_id, progress[0])
                except CaptionLeaseLost:
                    log.warning("captions: lease of %s %s lost", job.video_id, job.language)
                    lost.set()
                    return
                except Exception:
                    log.exception("captions: heartbeat failed; retrying at the next beat")

        heart = threading.Thread(target=beat, name=f"captions-{job.video_id}", daemon=True)
        heart.start()
        try:
            heard = self._transcribe(job, progress, lambda: stop.is_set() or lost.is_set())
        finally:
            done.set()
            heart.join()
        if heard is None or lost.is_set():
            return "stopped" if stop.is_set() else "dropped"
        outcome = self.jobs.record(job, heard)
        log.info("captions: video %s %s %s", job.video_id, job.language, outcome)
        return outcome

    def _transcribe(
        self, job: CaptionJob, progress: list[int], cancelled: Callable[[], bool]
    ) -> Transcription | None:
        try:
            return self.recogniser.transcribe(
                source_key=job.source_key,
                progress=lambda percent: progress.__setitem__(0, percent),
                cancelled=cancelled,
            )
        except TranscriptionCancelled:
            return None
        except Exception as error:
            log.exception("captions: recogniser failed on video %s", job.video_id)
            # Its class only: an exception's text may name the source (the log keeps it all).
            return Transcription(reason=f"recogniser_error: {type(error).__name__}")
