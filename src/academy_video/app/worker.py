"""The transcoding worker: claim a job, transcode it while heart-beating the lease, report back.

The same loop runs in its own process (``academy-video worker --api URL``, jobs over the worker
HTTP API) and inside ``serve`` on the embedded default (jobs straight from ``JobService``); only
the ``JobSource`` differs.

- The lease is renewed every ``heartbeat_seconds`` with the progress percent; a refused heartbeat
  (the lease expired and another worker took the job) stops the transcode and drops the job.
- ``stop`` (SIGTERM) cancels the transcode at the next frame batch: nothing is reported, so the
  lease simply expires and another worker redoes the job. A completion is only sent for a
  finished, fully stored output, so there is never a half-written READY.
- A READY video queued for a re-encode is a job like any other: it plays its current output
  until the completion switches it to the one published (a failure leaves it there), so nothing
  here tells the two apart.
- A source that cannot be transcoded is reported as failed with the transcoder's reason; one
  that is no longer the version confirmed at ``upload/complete`` (its ETag differs) is reported
  as ``source_changed``, and nothing of it is published.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from academy_video.domain.errors import DomainError
from academy_video.domain.video_lease import LeaseLost as LeaseExpired
from academy_video.domain.video_lease import LeaseOwnerMismatch
from academy_video.domain.video_status import VideoDeleted

from . import metrics
from .errors import NotFound
from .jobs import JobService
from .ports import TranscodeFailed, TranscodeOutput, Transcoder
from .work_loop import work_until

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerJob:
    video_id: int
    file_key: str
    tenant: str
    source_etag: str | None = None  # the version confirmed at upload/complete (None: unknown)


class LeaseLost(Exception):
    """The job is no longer this worker's (the API answered 409)."""


class JobGone(LeaseLost):
    """The video was deleted meanwhile (the API answered 404): drop the job, and what was
    published for it goes too (the deletion may have come before the publishing)."""


class JobSource(Protocol):
    def claim(self) -> WorkerJob | None: ...

    def heartbeat(self, job: WorkerJob, progress: int | None) -> None:
        """Renew the lease; raises LeaseLost if it is gone."""
        ...

    def complete(self, job: WorkerJob, output: TranscodeOutput) -> None: ...

    def fail(self, job: WorkerJob, reason: str) -> None: ...


class Worker:
    def __init__(
        self,
        jobs: JobSource,
        transcoder: Transcoder,
        *,
        poll_seconds: float = 2.0,
        heartbeat_seconds: float = 20.0,
    ) -> None:
        self.jobs = jobs
        self.transcoder = transcoder
        self.poll_seconds = poll_seconds
        self.heartbeat_seconds = heartbeat_seconds

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set."""
        work_until(
            stop,
            self.jobs.claim,
            self.process,
            poll_seconds=self.poll_seconds,
            name="worker",
            describe=lambda job: f"video {job.video_id}",
        )

    def process(self, job: WorkerJob, stop: threading.Event) -> str:
        """Transcode one claimed job; returns what became of it (for logs and tests)."""
        gone = threading.Event()
        outcome = self._process(job, stop, gone)
        if gone.is_set():  # learnt from a heartbeat or from the completion: outputs go too
            log.warning("worker: video %s was deleted; removing its outputs", job.video_id)
            self.transcoder.discard(video_id=job.video_id, tenant=job.tenant)
            return "dropped"
        return outcome

    def _process(self, job: WorkerJob, stop: threading.Event, gone: threading.Event) -> str:
        lost = threading.Event()
        done = threading.Event()
        progress: list[int] = [0]

        def beat() -> None:
            while not done.wait(self.heartbeat_seconds):
                try:
                    self.jobs.heartbeat(job, progress[0])
                except JobGone:
                    gone.set()
                    lost.set()
                    return
                except LeaseLost:
                    log.warning("worker: lease of video %s lost; dropping it", job.video_id)
                    lost.set()
                    return
                except Exception:
                    log.exception("worker: heartbeat failed; retrying at the next beat")

        heart = threading.Thread(target=beat, name=f"heartbeat-{job.video_id}", daemon=True)
        heart.start()
        started = time.perf_counter()
        try:
            output = self.transcoder.transcode(
                video_id=job.video_id,
                tenant=job.tenant,
                source_key=job.file_key,
                progress=lambda percent: progress.__setitem__(0, percent),
                cancelled=lambda: stop.is_set() or lost.is_set(),
                source_etag=job.source_etag,
            )
        except TranscodeFailed as failure:
            done.set()
            if lost.is_set():
                return "dropped"
            reason = str(failure)
            log.info("worker: video %s failed: %s", job.video_id, reason)
            metrics.TRANSCODE.observe(time.perf_counter() - started, "failed")
            self._report(lambda: self.jobs.fail(job, reason))
            return "failed"
        except Exception as error:
            done.set()
            if stop.is_set() or lost.is_set():
                return "stopped" if stop.is_set() else "dropped"
            log.exception("worker: video %s failed unexpectedly", job.video_id)
            # Its class only: an exception's text may name the source, a presigned URL, and the
            # reason is stored and shown (the log line above keeps the whole of it, redacted).
            unexpected = f"transcoder_error: {type(error).__name__}"
            metrics.TRANSCODE.observe(time.perf_counter() - started, "failed")
            self._report(lambda: self.jobs.fail(job, unexpected))
            return "failed"
        finally:
            done.set()
            heart.join()
        if lost.is_set():
            return "dropped"  # cancelled or not ours: no duration worth recording
        metrics.TRANSCODE.observe(time.perf_counter() - started, "done")
        try:
            self.jobs.complete(job, output)
        except JobGone:
            gone.set()
            return "dropped"
        except LeaseLost:
            log.warning("worker: video %s was taken over before it was reported", job.video_id)
            return "dropped"
        return "completed"

    @staticmethod
    def _report(send: Callable[[], None]) -> None:
        try:
            send()
        except LeaseLost:
            log.warning("worker: the job was taken over (or deleted) before it was reported")


class ServiceJobs:
    """Jobs straight from the use cases, for the worker inside ``serve``."""

    def __init__(self, jobs: JobService, worker_id: str) -> None:
        self.service = jobs
        self.worker_id = worker_id

    def claim(self) -> WorkerJob | None:
        job = self.service.claim_next(self.worker_id)
        if job is None:
            return None
        return WorkerJob(job.video_id, job.file_key, job.tenant_code, job.source_etag or None)

    def heartbeat(self, job: WorkerJob, progress: int | None) -> None:
        with _lease_errors():
            self.service.heartbeat(job.video_id, self.worker_id, progress)

    def complete(self, job: WorkerJob, output: TranscodeOutput) -> None:
        with _lease_errors():
            self.service.complete(
                job.video_id,
                self.worker_id,
                hls_path=output.hls_path,
                duration=output.duration,
                thumbnail_key=output.thumbnail_key,
                renditions=output.renditions,
            )

    def fail(self, job: WorkerJob, reason: str) -> None:
        with _lease_errors():
            self.service.fail(job.video_id, self.worker_id, reason)


@contextmanager
def _lease_errors() -> Iterator[None]:
    """The use cases' "not your job any more" refusals, as the worker's LeaseLost."""
    try:
        yield
    except (LeaseExpired, LeaseOwnerMismatch) as error:
        raise LeaseLost(str(error)) from None
    except (VideoDeleted, NotFound) as error:
        raise JobGone(str(error)) from None
    except DomainError as error:
        if error.code == "invalid_status":
            raise LeaseLost(str(error)) from None
        raise
