"""The worker's HTTP job source: retries with backoff on network errors and 5xx, drops on 409."""

from __future__ import annotations

import threading

import httpx
import pytest

from academy_video.adapters.worker_api import ApiError, HttpJobs
from academy_video.app.ports import TranscodeOutput
from academy_video.app.worker import JobGone, LeaseLost, WorkerJob

JOB = WorkerJob(5, "videos/demo/10/a.mp4", "demo")


def jobs(handler: object, stop: threading.Event | None = None) -> HttpJobs:
    return HttpJobs(
        "http://api.test",
        token="t",
        worker_id="w1",
        stop=stop,
        max_backoff=0.01,
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
    )


def test_a_claim_is_retried_through_network_errors_and_server_errors() -> None:
    answers = iter(["down", 503, 200])
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = next(answers)
        if answer == "down":
            raise httpx.ConnectError("refused")
        if answer == 503:
            return httpx.Response(503)
        return httpx.Response(
            200, json={"job": {"video_id": 5, "file_key": JOB.file_key, "tenant_code": "demo"}}
        )

    assert jobs(handler).claim() == JOB
    assert len(seen) == 3
    assert seen[-1].headers["X-Worker-Token"] == "t" and seen[-1].headers["X-Worker-Id"] == "w1"
    assert seen[-1].url.path == "/api/v1/internal/video-worker/next/"


def test_nothing_to_do_is_none() -> None:
    assert jobs(lambda request: httpx.Response(204)).claim() is None


def test_a_409_drops_the_job_at_once() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(409, json={"detail": "lease_owner_mismatch_or_expired"})

    with pytest.raises(LeaseLost):
        jobs(handler).heartbeat(JOB, 40)
    assert calls == ["/api/v1/internal/video-worker/5/heartbeat/"]  # no retries


def test_a_404_means_the_video_was_deleted_and_the_job_goes() -> None:
    gone = httpx.Response(404, json={"detail": "not_found"})
    with pytest.raises(JobGone):
        jobs(lambda request: gone).complete(JOB, TranscodeOutput("hls/x", 1.0, "", []))


def test_a_refusal_that_retrying_cannot_fix_is_raised_and_a_stop_ends_retrying() -> None:
    with pytest.raises(ApiError, match="401"):
        jobs(lambda request: httpx.Response(401, json={"detail": "unauthorized"})).fail(JOB, "x")
    stop = threading.Event()
    stop.set()
    with pytest.raises(ApiError, match="stopping"):
        jobs(lambda request: httpx.Response(502), stop).claim()


def test_a_claim_carries_the_source_etag_when_the_api_gives_one() -> None:
    def answer(etag: object) -> HttpJobs:
        job = {"video_id": 5, "file_key": JOB.file_key, "tenant_code": "demo", "attempt": 1}
        if etag != "absent":
            job["source_etag"] = etag
        return jobs(lambda request: httpx.Response(200, json={"job": job}))

    assert answer("abc-2").claim() == WorkerJob(5, JOB.file_key, "demo", "abc-2")
    # An older API (no field) or a video confirmed before ETags were kept: nothing to check.
    assert answer("absent").claim() == JOB
    assert answer(None).claim() == JOB
