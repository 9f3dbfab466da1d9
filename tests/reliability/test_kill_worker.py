"""kill -9 of a worker mid-transcode, on the full stack (PostgreSQL, S3, `worker --api`
processes): the job stays PROCESSING until its lease runs out, is then claimed by another worker
and completes; the video's log holds exactly one completion and the S3 bucket the HLS output."""

from __future__ import annotations

import signal
import time
from typing import Any

import boto3
import pytest

from academy_video.domain.video import Video
from tests.media import make_video

from .conftest import FULL, LECTURE, REPORT, S3_ENDPOINT, SESSION, Stack
from .helpers import event_names, open_container, poll, upload

LEASE = 3  # seconds
SECONDS, SIZE = (60, (854, 480)) if FULL else (20, (854, 480))


def test_a_worker_killed_mid_transcode_is_replaced_after_its_lease(stack: Stack) -> None:
    stack.env["ACADEMY_VIDEO_WORKER_LEASE_SECONDS"] = str(LEASE)
    stack.env["ACADEMY_VIDEO_TRANSCODE_PRESET"] = "medium"  # slow enough to be killed mid-job
    server = stack.serve()
    source = make_video(stack.root / "source.mp4", seconds=SECONDS, size=SIZE, gop_seconds=10)
    with stack.admin(server) as http:
        assert http.put(f"/api/v1/directory/lectures/{LECTURE}", json={"title": "L"}).is_success
        assert http.put(
            f"/api/v1/directory/sessions/{SESSION}", json={"lecture_id": LECTURE}
        ).is_success
        doomed = stack.worker("w-doomed", server)
        video = upload(stack, http, source)

        def status() -> dict[str, Any]:
            body: dict[str, Any] = http.get(f"/api/v1/videos/{video}").json()
            assert body["status"] != "FAILED", body
            return body

        # Killed once it reported progress: mid-transcode, not before the job began.
        progress = poll(
            lambda: (b := status())["status"] == "PROCESSING" and b["processing_progress"],
            60,
            "the doomed worker's progress",
        )
        doomed.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        assert doomed.wait(timeout=10) == -signal.SIGKILL
        assert 0 < progress < 100
        assert status()["status"] == "PROCESSING"  # killed mid-job: nothing was completed
        stack.worker("w-rescuer", server)
        ready = poll(lambda: (b := status())["status"] == "READY" and b, 180, "READY")
        recovered = time.monotonic() - killed_at
    assert ready["duration"] == pytest.approx(SECONDS, abs=0.1)
    assert ready["hls_path"] == f"hls/demo/videos/{video}/master.m3u8"

    container = open_container(stack)
    try:
        events = event_names(container.videos.events.get(Video.create_id(video)))
    finally:
        container.close()
    assert events.count("ProcessingStarted") == 2, events  # the killed attempt, then the rescue
    assert events.count("ProcessingCompleted") == 1, events
    [(rows,)] = stack.sql(
        "SELECT count(*) FROM videos WHERE video_id = %s AND status = 'READY'", video
    )
    assert rows == 1
    s3 = boto3.client("s3", endpoint_url=S3_ENDPOINT)
    s3.head_object(Bucket=stack.env["ACADEMY_VIDEO_S3_BUCKET"], Key=ready["hls_path"])
    REPORT.append(
        f"kill -9 worker: {SECONDS} s source, worker killed at {progress} %; lease {LEASE} s; "
        f"READY {recovered:.1f} s after the kill by the rescuer; ProcessingStarted x2, "
        f"ProcessingCompleted x1; one READY row; master playlist in S3"
    )
