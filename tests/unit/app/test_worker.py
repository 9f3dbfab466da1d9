"""The worker loop with a fake job source and transcoder: completion, failure, a lost lease,
and a stop in the middle of a job; the transcode durations it records."""

from __future__ import annotations

import threading
from collections.abc import Callable

from academy_video.app.metrics import TRANSCODE
from academy_video.app.ports import TranscodeFailed, TranscodeOutput
from academy_video.app.worker import LeaseLost, Worker, WorkerJob

JOB = WorkerJob(7, "videos/demo/10/a.mp4", "demo")
OUTPUT = TranscodeOutput(
    "hls/demo/videos/7/master.m3u8", 12.0, "hls/demo/videos/7/thumbnail.jpg", []
)


class Jobs:
    def __init__(self, *, lose_after: int | None = None) -> None:
        self.calls: list[tuple[str, object]] = []
        self.beats = threading.Semaphore(0)
        self.lose_after = lose_after

    def claim(self) -> WorkerJob | None:
        return None

    def heartbeat(self, job: WorkerJob, progress: int | None) -> None:
        self.calls.append(("heartbeat", progress))
        self.beats.release()
        if self.lose_after is not None and len(self.calls) >= self.lose_after:
            raise LeaseLost("409")

    def complete(self, job: WorkerJob, output: TranscodeOutput) -> None:
        self.calls.append(("complete", output.hls_path))

    def fail(self, job: WorkerJob, reason: str) -> None:
        self.calls.append(("fail", reason))


class Transcoder:
    """Reports 50 %, then waits for ``release`` (or for being cancelled)."""

    def __init__(self, outcome: Callable[[], TranscodeOutput] = lambda: OUTPUT) -> None:
        self.release = threading.Event()
        self.outcome = outcome

    def transcode(
        self,
        *,
        video_id: int,
        tenant: str,
        source_key: str,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        source_etag: str | None = None,
    ) -> TranscodeOutput:
        assert progress is not None and cancelled is not None  # the worker passes both
        self.source_etag = source_etag
        progress(50)
        while not self.release.wait(0.005):
            if cancelled():
                raise RuntimeError("cancelled")
        return self.outcome()

    def discard(self, *, video_id: int, tenant: str) -> None:
        self.discarded = (video_id, tenant)


def test_a_finished_job_is_completed_after_heartbeats_with_progress() -> None:
    jobs, transcoder = Jobs(), Transcoder()
    worker = Worker(jobs, transcoder, heartbeat_seconds=0.001)
    done, failed = TRANSCODE.count("done"), TRANSCODE.count("failed")
    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(worker.process(JOB, threading.Event())))
    thread.start()
    # Heartbeats run on their own clock: wait for one that carries the transcoder's 50 % (the
    # first may go out before the transcoder reported anything).
    while ("heartbeat", 50) not in jobs.calls:
        assert jobs.beats.acquire(timeout=10)
    transcoder.release.set()
    thread.join()
    assert result == ["completed"]
    assert jobs.calls[-1] == ("complete", OUTPUT.hls_path)
    assert (TRANSCODE.count("done"), TRANSCODE.count("failed")) == (done + 1, failed)


def test_a_bad_source_is_reported_failed_with_the_reason() -> None:
    def fail() -> TranscodeOutput:
        raise TranscodeFailed("source_truncated: only 3.0 s of 6.0 s could be decoded")

    jobs, transcoder = Jobs(), Transcoder(fail)
    transcoder.release.set()
    done, failed = TRANSCODE.count("done"), TRANSCODE.count("failed")
    assert Worker(jobs, transcoder).process(JOB, threading.Event()) == "failed"
    assert (TRANSCODE.count("done"), TRANSCODE.count("failed")) == (done, failed + 1)
    assert jobs.calls == [("fail", "source_truncated: only 3.0 s of 6.0 s could be decoded")]


def test_an_unforeseen_failure_is_reported_by_its_class_only() -> None:
    """Its text may name the source, a presigned URL; the reason is stored and shown."""

    def explode() -> TranscodeOutput:
        raise RuntimeError("https://bucket/videos/demo/a.mp4?X-Amz-Signature=secret")

    jobs, transcoder = Jobs(), Transcoder(explode)
    transcoder.release.set()
    assert Worker(jobs, transcoder).process(JOB, threading.Event()) == "failed"
    assert jobs.calls == [("fail", "transcoder_error: RuntimeError")]


def test_a_lost_lease_stops_the_transcode_and_reports_nothing() -> None:
    jobs = Jobs(lose_after=1)
    observed = TRANSCODE.count("done") + TRANSCODE.count("failed")
    assert (
        Worker(jobs, Transcoder(), heartbeat_seconds=0.001).process(JOB, threading.Event())
        == "dropped"
    )
    assert [name for name, _ in jobs.calls] == ["heartbeat"]
    # A cancelled transcode's time says nothing about transcoding: not observed.
    assert TRANSCODE.count("done") + TRANSCODE.count("failed") == observed


def test_a_stop_mid_job_cancels_it_and_leaves_the_lease_to_expire() -> None:
    jobs, stop = Jobs(), threading.Event()
    stop.set()
    assert Worker(jobs, Transcoder(), heartbeat_seconds=60).process(JOB, stop) == "stopped"
    assert jobs.calls == []


def test_the_loop_polls_until_stopped() -> None:
    stop = threading.Event()

    class Empty(Jobs):
        def claim(self) -> WorkerJob | None:
            self.calls.append(("claim", None))
            if len(self.calls) == 3:
                stop.set()
            return None

    jobs = Empty()
    Worker(jobs, Transcoder(), poll_seconds=0.001).run(stop)
    assert [name for name, _ in jobs.calls] == ["claim"] * 3


def test_the_services_refusals_reach_the_worker_as_a_lost_lease() -> None:
    import pytest

    from academy_video.app.worker import ServiceJobs

    from .conftest import make_world

    world = make_world()
    ticket = world.app.uploads.init(tenant="demo", session_id=10, title="T", filename="a.mp4")
    world.storage.put(ticket.file_key, b"video:30")
    world.app.uploads.complete(tenant="demo", video_id=ticket.video.video_id)
    mine, theirs = ServiceJobs(world.app.jobs, "w1"), ServiceJobs(world.app.jobs, "w2")
    job = mine.claim()
    assert job is not None and theirs.claim() is None
    output = TranscodeOutput(f"hls/demo/videos/{job.video_id}/master.m3u8", 12.0, "", [])
    with pytest.raises(LeaseLost):
        theirs.heartbeat(job, 10)  # another worker's live lease
    with pytest.raises(LeaseLost):
        theirs.complete(job, output)
    mine.heartbeat(job, 50)
    mine.complete(job, output)
    world.clock.advance(3600)
    with pytest.raises(LeaseLost):
        mine.heartbeat(job, 60)  # READY now: nothing to heartbeat


def test_a_video_deleted_while_it_transcodes_is_dropped_with_what_was_published() -> None:
    """The deletion removed what existed then; the worker publishes after it, learns of the
    deletion when it reports (404), removes its outputs and goes on to the next job."""
    from academy_video.adapters.media.transcoder import PyAvTranscoder
    from academy_video.app.worker import ServiceJobs

    from .conftest import make_world

    world = make_world()
    ticket = world.app.uploads.init(tenant="demo", session_id=10, title="T", filename="a.mp4")
    video = ticket.video.video_id
    world.storage.put(ticket.file_key, b"video:30")
    world.app.uploads.complete(tenant="demo", video_id=video)
    published = [f"hls/demo/videos/{video}/master.m3u8", f"keys/demo/videos/{video}/aes.key"]

    class Publishing(PyAvTranscoder):  # the real discard; the publishing faked
        def transcode(self, **kwargs: object) -> TranscodeOutput:
            world.app.catalog.delete(tenant="demo", video_id=video)  # meanwhile, an instructor
            for key in published:
                world.storage.put(key, b"x")
            return TranscodeOutput(published[0], 30.0, "", [])

    worker = Worker(ServiceJobs(world.app.jobs, "w1"), Publishing(world.storage))
    job = worker.jobs.claim()
    assert job is not None
    assert worker.process(job, threading.Event()) == "dropped"
    assert [world.storage.head(key) for key in published] == [None, None]


def test_the_worker_goes_on_after_a_job_it_could_not_process() -> None:
    stop = threading.Event()

    class Once(Jobs):
        def __init__(self) -> None:
            super().__init__()
            self.claims = 0

        def claim(self) -> WorkerJob | None:
            self.claims += 1
            if self.claims == 2:
                stop.set()  # the second claim shows the loop survived the first job
            return JOB

    class Exploding(Transcoder):
        def transcode(self, **kwargs: object) -> TranscodeOutput:
            return OUTPUT

    jobs = Once()

    def explode(job: WorkerJob, output: TranscodeOutput) -> None:
        raise KeyError("surprise")

    jobs.complete = explode  # type: ignore[method-assign]
    Worker(jobs, Exploding(), heartbeat_seconds=60).run(stop)
    assert jobs.claims == 2


def test_a_deletion_learnt_from_a_heartbeat_removes_the_outputs_too() -> None:
    """The heartbeat hears first (404): the transcode is cancelled, the job dropped, and what
    it may already have published for the deleted video removed."""
    from academy_video.app.worker import JobGone

    class Gone(Jobs):
        def heartbeat(self, job: WorkerJob, progress: int | None) -> None:
            raise JobGone("not_found")

    transcoder = Transcoder()
    outcome = Worker(Gone(), transcoder, heartbeat_seconds=0.001).process(JOB, threading.Event())
    assert outcome == "dropped"
    assert transcoder.discarded == (JOB.video_id, JOB.tenant)


def test_the_source_etag_of_the_job_reaches_the_transcoder() -> None:
    jobs, transcoder = Jobs(), Transcoder()
    transcoder.release.set()
    job = WorkerJob(JOB.video_id, JOB.file_key, JOB.tenant, "etag-at-upload-complete")
    assert Worker(jobs, transcoder).process(job, threading.Event()) == "completed"
    assert transcoder.source_etag == "etag-at-upload-complete"
